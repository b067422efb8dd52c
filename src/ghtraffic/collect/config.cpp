#include "ghtraffic/collect/config.hpp"

#include <toml++/toml.h>

#include <fstream>
#include <set>
#include <sstream>

#include "ghtraffic/github/client.hpp"
#include "ghtraffic/read/freshness.hpp"
#include "ghtraffic/util/error.hpp"

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
      fail(*node, key, fmt::format("must be from {} to {}", min, max));
    }
    return static_cast<int>(v);
  }

  // An id GitHub shows as a number (an App id, an installation id); the App id may also be
  // the App's client id, a string.
  std::optional<std::string> id(const toml::table& t, const char* key, bool digits_only) const {
    const auto* node = t.get(key);
    if (!node) {
      return std::nullopt;
    }
    if (node->is_integer() && *node->value<std::int64_t>() > 0) {
      return std::to_string(*node->value<std::int64_t>());
    }
    if (node->is_string() && !digits_only && !node->value<std::string>()->empty()) {
      return node->value<std::string>();
    }
    fail(*node, key,
         digits_only ? "must be a whole number (the id GitHub shows)"
                     : "must be the App ID (a whole number) or the App's client id (a string)");
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
                "concurrency", "max_per_minute", "max_requests", "rate_share", "backfill",
                "backfill_max_requests", "warn_days", "notify_url", "sources", "app_id",
                "app_key_file", "app_key_ssm_parameter", "app_installation_id"},
               "");
    ConfigFile config;
    config.store = string(root, "store");
    config.api_url = string(root, "api_url");
    config.token_command = string(root, "token_command");
    config.token_file = string(root, "token_file");
    config.token_ssm_parameter = string(root, "token_ssm_parameter");
    config.concurrency = integer(root, "concurrency", 1, github::k_max_concurrency);
    config.max_per_minute = integer(root, "max_per_minute", 1, github::k_max_per_minute);
    config.max_requests = integer(root, "max_requests", 1, k_max_requests_ceiling);
    config.rate_share = integer(root, "rate_share", 1, 100);
    config.backfill = boolean(root, "backfill", "");
    config.backfill_max_requests =
        integer(root, "backfill_max_requests", 1, k_max_requests_ceiling);
    config.warn_days = integer(root, "warn_days", 0, read::k_window_days);
    config.notify_url = string(root, "notify_url");
    config.app_id = id(root, "app_id", false);
    config.app_key_file = string(root, "app_key_file");
    config.app_key_ssm_parameter = string(root, "app_key_ssm_parameter");
    if (auto installation = id(root, "app_installation_id", true)) {
      config.app_installation_id = std::stoll(*installation);
    }
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

}  // namespace ghtraffic::collect
