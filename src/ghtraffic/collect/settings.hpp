// The settings of the GitHub client and where its token comes from, resolved the same way
// for every command (collect, serve, lambda): command-line flags, then the environment,
// then the config file, then the defaults (README.md, "Configuration").
#pragma once

#include <optional>
#include <string>

#include "ghtraffic/collect/config.hpp"
#include "ghtraffic/github/client.hpp"

namespace ghtraffic::collect {

// What the command line said; an empty optional is a flag that was not given.
struct Flags {
  std::optional<std::string> api_url;              // --api-url
  std::optional<std::string> token_file;           // --token-file
  std::optional<std::string> token_ssm_parameter;  // --token-ssm
  std::optional<int> concurrency;                  // --concurrency
  std::optional<int> max_per_minute;               // --max-per-minute
};

// Each setting taken from the first place that has it.
struct ClientSettings {
  std::string api_url;       // --api-url, GITHUB_API_URL, api_url, https://api.github.com
  int concurrency = 8;       // --concurrency, GHTRAFFIC_CONCURRENCY, concurrency
  int max_per_minute = 900;  // --max-per-minute, max_per_minute
  std::optional<std::string> token_file;           // --token-file, token_file
  std::optional<std::string> token_command;        // token_command
  std::optional<std::string> token_ssm_parameter;  // --token-ssm,
                                                   // GHTRAFFIC_TOKEN_SSM_PARAMETER,
                                                   // token_ssm_parameter
};

// A malformed setting (an API URL that is no URL, GHTRAFFIC_CONCURRENCY=abc) is a
// util::Error naming where it came from.
ClientSettings resolve_client_settings(const Flags& flags, const ConfigFile& config);

// Where the GitHub token came from, for messages (never the token itself).
struct Token {
  std::string value;
  std::string source;  // "GITHUB_TOKEN", "GH_TOKEN", "--token-file /x", "token_command",
                       // "SSM parameter /x"
};

// GITHUB_TOKEN, else GH_TOKEN, else the token file, else the token command, else the SSM
// parameter (GetParameter with decryption; AWS credentials, region and endpoint from the
// environment). Nothing when no source is set; a source that is set but fails is a
// util::Error. Whatever the source, the token is registered as a secret before it is
// returned.
std::optional<Token> find_token(const ClientSettings& settings);

// The client's options for the settings and the token.
github::ClientOptions client_options(const ClientSettings& settings, const Token& token);

// The message for "no token at all".
std::string no_token_message();

}  // namespace ghtraffic::collect
