#include "ghtraffic/cli/common.hpp"

#include <cstdlib>

#include "ghtraffic/store/store.hpp"
#include "ghtraffic/util/log.hpp"

namespace ghtraffic::cli {

void add_global_options(CLI::App& app, GlobalOptions& options) {
  app.add_option("--store", options.store,
                 "Where the history lives: sqlite:PATH (default: "
                 "$XDG_DATA_HOME/ghtraffic/ghtraffic.db; env GHTRAFFIC_STORE)");
  app.add_option("--config", options.config,
                 "TOML configuration file (env GHTRAFFIC_CONFIG); flags override it");
  app.add_option("--api-url", options.api_url,
                 "GitHub API base URL (env GITHUB_API_URL; GitHub Enterprise: "
                 "https://HOST/api/v3)");
  app.add_option("--token-file", options.token_file,
                 "Read the GitHub token from FILE (after GITHUB_TOKEN and GH_TOKEN)");
  app.add_flag("-q,--quiet", options.quiet, "Print only errors and results");
  app.add_flag("-v,--verbose", options.verbose, "Print more detail (twice for debug output)");
}

collect::ConfigFile load_config_file(const GlobalOptions& options) {
  std::string path = options.config;
  if (path.empty()) {
    if (const char* env = std::getenv("GHTRAFFIC_CONFIG"); env && *env) {
      path = env;
    }
  }
  return path.empty() ? collect::ConfigFile{} : collect::load_config(path);
}

std::string resolve_store_url(const GlobalOptions& options, const collect::ConfigFile& config) {
  if (!options.store.empty()) {
    return options.store;
  }
  if (const char* env = std::getenv("GHTRAFFIC_STORE"); env && *env) {
    return env;
  }
  if (config.store) {
    return *config.store;
  }
  return store::default_store_url();
}

void apply_log_level(const GlobalOptions& options) {
  if (options.quiet) {
    util::set_log_level(util::LogLevel::quiet);
  } else if (options.verbose >= 2) {
    util::set_log_level(util::LogLevel::debug);
  } else if (options.verbose == 1) {
    util::set_log_level(util::LogLevel::verbose);
  }
}

}  // namespace ghtraffic::cli
