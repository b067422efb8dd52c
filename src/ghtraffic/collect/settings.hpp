// The settings of the GitHub client and where its token comes from, resolved the same way
// for every command (collect, serve, lambda): command-line flags, then the environment,
// then the config file, then the defaults (README.md, "Configuration").
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "ghtraffic/collect/config.hpp"
#include "ghtraffic/github/app_auth.hpp"
#include "ghtraffic/github/client.hpp"

namespace ghtraffic::collect {

// What the command line said; an empty optional is a flag that was not given.
struct Flags {
  std::optional<std::string> api_url;               // --api-url
  std::optional<std::string> token_file;            // --token-file
  std::optional<std::string> token_ssm_parameter;   // --token-ssm
  std::optional<int> concurrency;                   // --concurrency
  std::optional<int> max_per_minute;                // --max-per-minute
  std::optional<std::string> app_id;                // --app-id
  std::optional<std::string> app_key_file;          // --app-key-file
  std::optional<std::int64_t> app_installation_id;  // --app-installation-id
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
  // A GitHub App instead of a token (docs/github-app.md).
  std::optional<std::string> app_id;        // --app-id, GHTRAFFIC_APP_ID, app_id
  bool app_key_inline = false;              // GHTRAFFIC_APP_KEY holds the PEM (no --app-key-file)
  std::optional<std::string> app_key_file;  // --app-key-file, GHTRAFFIC_APP_KEY_FILE,
                                            // app_key_file
  std::string app_key_file_from = "--app-key-file";  // which of them, for messages
  std::optional<std::string> app_key_ssm_parameter;  // GHTRAFFIC_APP_KEY_SSM_PARAMETER,
                                                     // app_key_ssm_parameter
  std::optional<std::int64_t> app_installation_id;   // --app-installation-id,
                                                     // GHTRAFFIC_APP_INSTALLATION_ID,
                                                     // app_installation_id
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

// A GitHub App to authenticate as, and the one installation to use (none: every one).
struct AppAuth {
  github::AppCredentials credentials;
  std::optional<std::int64_t> installation_id;
};

// The GitHub App of the settings, when an App id is set. The key is the first of
// --app-key-file, GHTRAFFIC_APP_KEY (the PEM itself, as an Actions secret holds it),
// GHTRAFFIC_APP_KEY_FILE, app_key_file, the SSM parameter. An App id without a key, a key
// without an App id, or a key that cannot be read is a util::Error. The key's lines are
// registered as secrets before anything can print them.
std::optional<AppAuth> find_app(const ClientSettings& settings);

// The message for an App key or id without the other; empty when neither or both are set.
std::string app_half_message(const ClientSettings& settings);

// The client's options for the settings and the token.
github::ClientOptions client_options(const ClientSettings& settings, const Token& token);

// The message for "no token at all".
std::string no_token_message();

}  // namespace ghtraffic::collect
