#include "ghtraffic/collect/settings.hpp"

#include <sys/wait.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "ghtraffic/aws/ssm.hpp"
#include "ghtraffic/util/error.hpp"
#include "ghtraffic/util/log.hpp"
#include "ghtraffic/util/number.hpp"
#include "ghtraffic/util/private_files.hpp"
#include "ghtraffic/util/redact.hpp"
#include "ghtraffic/util/strings.hpp"

namespace ghtraffic::collect {
namespace {

std::optional<std::string> env(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr || util::trim(value).empty()) {
    return std::nullopt;
  }
  return std::string(util::trim(value));
}

std::optional<std::string> first_of(const std::optional<std::string>& a,
                                    const std::optional<std::string>& b) {
  return a && !a->empty() ? a : b;
}

int concurrency_from(const Flags& flags, const ConfigFile& config) {
  if (flags.concurrency) {
    return *flags.concurrency;
  }
  if (auto text = env("GHTRAFFIC_CONCURRENCY")) {
    auto value = util::parse_int<int>(*text, 1, github::k_max_concurrency);
    if (!value) {
      throw util::Error("GHTRAFFIC_CONCURRENCY: {}", value.error().message);
    }
    return *value;
  }
  return config.concurrency.value_or(github::ClientOptions{}.concurrency);
}

// Every token passes through here, whatever its source: the one place that decides what
// a usable token is. Masked first, so that not even the refusal can print it.
Token accept_token(std::string value, std::string source) {
  util::register_secret(value);
  util::check_token(value, source);
  return Token{std::move(value), std::move(source)};
}

std::string read_token_file(const std::string& path) {
  if (auto warning = util::exposed_secret_warning(path, "the token file")) {
    util::log_warn("{}", *warning);
  }
  std::ifstream in(path);
  if (!in) {
    throw util::Error("cannot read the token file {}: it does not exist or is not readable", path);
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  auto token = std::string(util::trim(buffer.str()));
  if (token.empty()) {
    throw util::Error("the token file {} is empty", path);
  }
  return token;
}

std::string run_token_command(const std::string& command) {
  std::string output;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) {
    throw util::Error("could not run token_command \"{}\"", command);
  }
  char buffer[4096];
  size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) {
    output.append(buffer, n);
  }
  int status = ::pclose(pipe);
  auto token = std::string(util::trim(output));
  // Masked before anything can print it, even when the command then counts as failed.
  util::register_secret(token);
  if (status != 0) {
    throw util::Error(
        "token_command \"{}\" failed (exit status {}); run it yourself to see why, or set "
        "GITHUB_TOKEN",
        command, WIFEXITED(status) ? WEXITSTATUS(status) : status);
  }
  if (token.empty()) {
    throw util::Error("token_command \"{}\" printed no token", command);
  }
  return token;
}

std::string read_token_parameter(const std::string& name) {
  auto value = std::string(util::trim(aws::read_parameter_from_environment(name)));
  if (value.empty()) {
    throw util::Error("the SSM parameter \"{}\" is empty; put the GitHub token in it", name);
  }
  return value;
}

std::optional<std::int64_t> installation_id_from(const Flags& flags, const ConfigFile& config) {
  if (flags.app_installation_id) {
    return flags.app_installation_id;
  }
  if (auto text = env("GHTRAFFIC_APP_INSTALLATION_ID")) {
    auto value = util::parse_int<std::int64_t>(*text, 1);
    if (!value) {
      throw util::Error("GHTRAFFIC_APP_INSTALLATION_ID: {}", value.error().message);
    }
    return *value;
  }
  return config.app_installation_id;
}

std::string read_key_file(const std::string& path, const std::string& source) {
  std::ifstream in(path);
  if (!in) {
    throw util::Error(
        "cannot read the GitHub App key file {} ({}): it does not exist or is not readable", path,
        source);
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// Each line of the key's body, so that no line of it can be printed either.
void register_key_lines(const std::string& pem) {
  std::istringstream lines(pem);
  std::string line;
  while (std::getline(lines, line)) {
    auto text = util::trim(line);
    if (text.size() >= 16 && !text.starts_with("-----")) {
      util::register_secret(text);
    }
  }
}

}  // namespace

ClientSettings resolve_client_settings(const Flags& flags, const ConfigFile& config) {
  ClientSettings settings;
  settings.api_url = github::resolve_api_url(flags.api_url, config.api_url);
  settings.concurrency = concurrency_from(flags, config);
  settings.max_per_minute =
      flags.max_per_minute.value_or(config.max_per_minute.value_or(settings.max_per_minute));
  settings.token_file = first_of(flags.token_file, config.token_file);
  settings.token_command = config.token_command;
  settings.token_ssm_parameter =
      first_of(flags.token_ssm_parameter,
               first_of(env("GHTRAFFIC_TOKEN_SSM_PARAMETER"), config.token_ssm_parameter));
  settings.app_id = first_of(flags.app_id, first_of(env("GHTRAFFIC_APP_ID"), config.app_id));
  // The flag, then the PEM itself in GHTRAFFIC_APP_KEY, then a file named elsewhere.
  settings.app_key_inline = !flags.app_key_file && env("GHTRAFFIC_APP_KEY").has_value();
  if (!settings.app_key_inline) {
    if (flags.app_key_file) {
      settings.app_key_file = flags.app_key_file;
      settings.app_key_file_from = "--app-key-file";
    } else if (auto file = env("GHTRAFFIC_APP_KEY_FILE")) {
      settings.app_key_file = file;
      settings.app_key_file_from = "GHTRAFFIC_APP_KEY_FILE";
    } else if (config.app_key_file) {
      settings.app_key_file = config.app_key_file;
      settings.app_key_file_from = "app_key_file";
    }
  }
  settings.app_key_ssm_parameter =
      first_of(env("GHTRAFFIC_APP_KEY_SSM_PARAMETER"), config.app_key_ssm_parameter);
  settings.app_installation_id = installation_id_from(flags, config);
  return settings;
}

std::string app_half_message(const ClientSettings& settings) {
  const bool key =
      settings.app_key_inline || settings.app_key_file || settings.app_key_ssm_parameter;
  if (settings.app_id && !key) {
    return fmt::format(
        "a GitHub App id is set ({}) but no private key: give --app-key-file FILE, or set "
        "GHTRAFFIC_APP_KEY to the PEM itself, GHTRAFFIC_APP_KEY_FILE, or app_key_file or "
        "app_key_ssm_parameter in the config file (docs/github-app.md)",
        *settings.app_id);
  }
  if (!settings.app_id && (key || settings.app_installation_id)) {
    return "a GitHub App key or installation is set but no App id: give --app-id ID (also "
           "GHTRAFFIC_APP_ID or app_id in the config file), the App ID on the App's settings "
           "page (docs/github-app.md)";
  }
  return {};
}

std::optional<AppAuth> find_app(const ClientSettings& settings) {
  if (auto half = app_half_message(settings); !half.empty()) {
    throw util::Error("{}", half);
  }
  if (!settings.app_id) {
    return std::nullopt;
  }
  const auto& id = *settings.app_id;
  if (std::any_of(id.begin(), id.end(),
                  [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; })) {
    throw util::Error(
        "the GitHub App id \"{}\" holds spaces; give the App ID shown on the App's "
        "settings page, like 123456",
        id);
  }
  AppAuth app;
  app.credentials.app_id = id;
  app.installation_id = settings.app_installation_id;
  std::string pem;
  std::string source;
  if (settings.app_key_inline) {
    pem = env("GHTRAFFIC_APP_KEY").value_or("");
    source = "GHTRAFFIC_APP_KEY";
  } else if (settings.app_key_file) {
    source = settings.app_key_file_from + " " + *settings.app_key_file;
    pem = read_key_file(*settings.app_key_file, source);
  } else if (settings.app_key_ssm_parameter) {
    source = "SSM parameter " + *settings.app_key_ssm_parameter;
    pem = aws::read_parameter_from_environment(*settings.app_key_ssm_parameter);
  }
  register_key_lines(pem);
  if (util::trim(pem).empty()) {
    throw util::Error("the GitHub App key from {} is empty; put the .pem file GitHub gave in it",
                      source);
  }
  github::AppKey::from_pem(pem, source);  // a key that is no RSA key fails here, at start
  app.credentials.key_pem = std::move(pem);
  app.credentials.key_source = std::move(source);
  return app;
}

std::optional<Token> find_token(const ClientSettings& settings) {
  for (const char* name : {"GITHUB_TOKEN", "GH_TOKEN"}) {
    if (auto value = env(name)) {
      return accept_token(*value, name);
    }
  }
  if (settings.token_file) {
    return accept_token(read_token_file(*settings.token_file),
                        "--token-file " + *settings.token_file);
  }
  if (settings.token_command) {
    return accept_token(run_token_command(*settings.token_command), "token_command");
  }
  if (settings.token_ssm_parameter) {
    return accept_token(read_token_parameter(*settings.token_ssm_parameter),
                        "SSM parameter " + *settings.token_ssm_parameter);
  }
  return std::nullopt;
}

github::ClientOptions client_options(const ClientSettings& settings, const Token& token) {
  github::ClientOptions options;
  options.api_url = settings.api_url;
  options.token = token.value;
  options.concurrency = settings.concurrency;
  options.max_per_minute = settings.max_per_minute;
  return options;
}

std::string no_token_message() {
  return "no GitHub token found. Provide one in any of these ways:\n"
         "  export GITHUB_TOKEN=...          (or GH_TOKEN)\n"
         "  ghtraffic collect --token-file FILE\n"
         "  token_command = \"gh auth token\"  in the config file (--config FILE)\n"
         "  ghtraffic collect --token-ssm NAME  (an SSM Parameter Store parameter; also\n"
         "    GHTRAFFIC_TOKEN_SSM_PARAMETER or token_ssm_parameter in the config file)\n"
         "  ghtraffic collect --app-id ID --app-key-file FILE  (a GitHub App instead of a\n"
         "    token: docs/github-app.md)\n"
         "The token needs push access to the repositories: a classic token with the repo\n"
         "scope, or a fine-grained token or GitHub App with Administration: read. The Actions\n"
         "GITHUB_TOKEN never has it.";
}

}  // namespace ghtraffic::collect
