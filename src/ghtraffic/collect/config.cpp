#include "ghtraffic/collect/config.hpp"

#include <toml++/toml.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include "ghtraffic/aws/ssm.hpp"
#include "ghtraffic/util/error.hpp"
#include "ghtraffic/util/redact.hpp"
#include "ghtraffic/util/strings.hpp"

namespace ghtraffic::collect {
namespace {

class ConfigReader {
 public:
  explicit ConfigReader(std::string source_name) : m_source(std::move(source_name)) {}

  [[noreturn]] void fail(const toml::node& node, const std::string& key,
                         const std::string& what) const {
    throw util::Error("{}:{}: {} {}", m_source, node.source().begin.line, key, what);
  }

  void check_keys(const toml::table& table, const std::set<std::string>& known,
                  const std::string& prefix) const {
    for (const auto& [key, value] : table) {
      std::string name(key.str());
      if (!known.contains(name)) {
        std::string list;
        for (const auto& k : known) {
          list += (list.empty() ? "" : ", ") + k;
        }
        throw util::Error("{}:{}: unknown key {}{} (known keys: {})", m_source,
                          key.source().begin.line, prefix, name, list);
      }
    }
  }

  std::optional<std::string> string(const toml::table& t, const char* key,
                                    const std::string& prefix = "") const {
    const auto* node = t.get(key);
    if (!node) {
      return std::nullopt;
    }
    if (!node->is_string()) {
      fail(*node, prefix + key, "must be a string");
    }
    return node->value<std::string>();
  }

  std::optional<bool> boolean(const toml::table& t, const char* key,
                              const std::string& prefix) const {
    const auto* node = t.get(key);
    if (!node) {
      return std::nullopt;
    }
    if (!node->is_boolean()) {
      fail(*node, prefix + key, "must be true or false");
    }
    return node->value<bool>();
  }

  std::optional<int> integer(const toml::table& t, const char* key, int min, int max) const {
    const auto* node = t.get(key);
    if (!node) {
      return std::nullopt;
    }
    if (!node->is_integer()) {
      fail(*node, key, "must be a whole number");
    }
    auto v = *node->value<std::int64_t>();
    if (v < min || v > max) {
      fail(*node, key, fmt::format("must be between {} and {}", min, max));
    }
    return static_cast<int>(v);
  }

  std::vector<std::string> strings(const toml::table& t, const char* key,
                                   const std::string& prefix) const {
    std::vector<std::string> out;
    const auto* node = t.get(key);
    if (!node) {
      return out;
    }
    const auto* array = node->as_array();
    if (!array) {
      fail(*node, prefix + key, "must be a list of strings");
    }
    for (const auto& item : *array) {
      if (!item.is_string()) {
        fail(item, prefix + key, "must be a list of strings");
      }
      out.push_back(*item.value<std::string>());
    }
    return out;
  }

  void read_source(const toml::table& source, size_t index, ConfigFile& config) const {
    auto prefix = fmt::format("sources[{}].", index);
    check_keys(source, {"owner", "repos", "include", "exclude", "no_forks", "no_archived"}, prefix);
    auto owner = string(source, "owner", prefix);
    auto repos = strings(source, "repos", prefix);
    if (!owner && repos.empty()) {
      throw util::Error("{}:{}: {} needs an owner or a list of repos", m_source,
                        source.source().begin.line, prefix.substr(0, prefix.size() - 1));
    }
    for (const auto& name : repos) {
      auto ref = core::RepoRef::parse(name);
      if (!ref) {
        fail(*source.get("repos"), prefix + "repos",
             fmt::format("has \"{}\", which is not OWNER/REPO", name));
      }
      config.repos.push_back(*ref);
    }
    if (owner) {
      OwnerSource s;
      s.owner = *owner;
      s.filters.include = strings(source, "include", prefix);
      s.filters.exclude = strings(source, "exclude", prefix);
      s.filters.no_forks = boolean(source, "no_forks", prefix).value_or(false);
      s.filters.no_archived = boolean(source, "no_archived", prefix).value_or(false);
      config.owners.push_back(std::move(s));
    }
  }

  ConfigFile read(const toml::table& root) const {
    check_keys(root,
               {"store", "api_url", "token_command", "token_file", "token_ssm_parameter",
                "concurrency", "max_per_minute", "sources"},
               "");
    ConfigFile config;
    config.store = string(root, "store");
    config.api_url = string(root, "api_url");
    config.token_command = string(root, "token_command");
    config.token_file = string(root, "token_file");
    config.token_ssm_parameter = string(root, "token_ssm_parameter");
    config.concurrency = integer(root, "concurrency", 1, 100);
    config.max_per_minute = integer(root, "max_per_minute", 1, 100000);
    if (const auto* sources = root.get("sources")) {
      const auto* array = sources->as_array();
      if (!array || !array->is_array_of_tables()) {
        fail(*sources, "sources", "must be a list of tables ([[sources]])");
      }
      size_t index = 0;
      for (const auto& item : *array) {
        read_source(*item.as_table(), index++, config);
      }
    }
    return config;
  }

 private:
  std::string m_source;
};

std::string read_token_file(const std::string& path) {
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

}  // namespace

ConfigFile parse_config(const std::string& text, const std::string& source_name) {
  toml::table root;
  try {
    root = toml::parse(text, source_name);
  } catch (const toml::parse_error& e) {
    throw util::Error("{}:{}: {}", source_name, e.source().begin.line,
                      std::string(e.description()));
  }
  return ConfigReader(source_name).read(root);
}

ConfigFile load_config(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) {
    throw util::Error("cannot read the config file {}: it does not exist or is not readable",
                      path.string());
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  return parse_config(buffer.str(), path.string());
}

std::optional<Token> find_token(const std::optional<std::string>& token_file,
                                const std::optional<std::string>& token_command) {
  for (const char* name : {"GITHUB_TOKEN", "GH_TOKEN"}) {
    const char* value = std::getenv(name);
    if (value && !util::trim(value).empty()) {
      Token t{std::string(util::trim(value)), name};
      util::register_secret(t.value);
      util::check_token(t.value, t.source);
      return t;
    }
  }
  if (token_file) {
    Token t{read_token_file(*token_file), "--token-file " + *token_file};
    util::register_secret(t.value);
    util::check_token(t.value, t.source);
    return t;
  }
  if (token_command) {
    Token t{run_token_command(*token_command), "token_command"};
    util::check_token(t.value, t.source);
    return t;
  }
  return std::nullopt;
}

std::optional<Token> find_token(const std::optional<std::string>& token_file,
                                const std::optional<std::string>& token_command,
                                const std::optional<std::string>& token_ssm_parameter) {
  if (auto token = find_token(token_file, token_command)) {
    return token;
  }
  if (token_ssm_parameter) {
    auto value =
        std::string(util::trim(aws::read_parameter_from_environment(*token_ssm_parameter)));
    if (value.empty()) {
      throw util::Error("the SSM parameter \"{}\" is empty; put the GitHub token in it",
                        *token_ssm_parameter);
    }
    util::register_secret(value);
    Token t{value, "SSM parameter " + *token_ssm_parameter};
    util::check_token(t.value, t.source);
    return t;
  }
  return std::nullopt;
}

std::optional<std::string> resolve_token_ssm_parameter(const std::optional<std::string>& flag,
                                                       const ConfigFile& config) {
  if (flag && !flag->empty()) {
    return flag;
  }
  if (const char* value = std::getenv("GHTRAFFIC_TOKEN_SSM_PARAMETER");
      value && !util::trim(value).empty()) {
    return std::string(util::trim(value));
  }
  return config.token_ssm_parameter;
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
