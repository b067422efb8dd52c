#include "ghtraffic/collect/settings.hpp"

#include <sys/wait.h>

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
  return settings;
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
         "The token needs push access to the repositories: a classic token with the repo\n"
         "scope, or a fine-grained token or GitHub App with Administration: read. The Actions\n"
         "GITHUB_TOKEN never has it.";
}

}  // namespace ghtraffic::collect
