// The configuration file (TOML) and the settings every command resolves from it, the
// environment and the command line. Command-line flags override the file.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "ghtraffic/collect/job.hpp"

namespace ghtraffic::collect {

struct ConfigFile {
  std::optional<std::string> store;
  std::optional<std::string> api_url;
  std::optional<std::string> token_command;
  std::optional<std::string> token_file;
  std::optional<std::string> token_ssm_parameter;
  std::optional<int> concurrency;
  std::optional<int> max_per_minute;
  std::vector<core::RepoRef> repos;
  std::vector<OwnerSource> owners;
};

// Parses a config file. An unknown key, a wrong type or a bad value is a util::Error
// naming the file, the key and the line.
ConfigFile load_config(const std::filesystem::path& path);
ConfigFile parse_config(const std::string& text, const std::string& source_name);

// Where the GitHub token came from, for messages (never the token itself).
struct Token {
  std::string value;
  std::string source;  // "GITHUB_TOKEN", "GH_TOKEN", "--token-file /x", "token_command"
};

// GITHUB_TOKEN, else GH_TOKEN, else the token file, else the token command. Returns
// nothing when no source is set; a source that is set but fails is a util::Error.
std::optional<Token> find_token(const std::optional<std::string>& token_file,
                                const std::optional<std::string>& token_command);

// The same, then the SSM parameter (GetParameter with decryption; AWS credentials, region
// and endpoint from the environment) when one is named.
std::optional<Token> find_token(const std::optional<std::string>& token_file,
                                const std::optional<std::string>& token_command,
                                const std::optional<std::string>& token_ssm_parameter);

// The SSM parameter holding the token: --token-ssm, else GHTRAFFIC_TOKEN_SSM_PARAMETER,
// else token_ssm_parameter in the config file.
std::optional<std::string> resolve_token_ssm_parameter(const std::optional<std::string>& flag,
                                                       const ConfigFile& config);

// The message for "no token at all".
std::string no_token_message();

}  // namespace ghtraffic::collect
