// What every command shares: global flags, the configuration file, the store URL.
#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>

#include "ghtraffic/collect/config.hpp"

namespace ghtraffic::cli {

struct GlobalOptions {
  std::string store;       // --store URL
  std::string api_url;     // --api-url URL
  std::string config;      // --config FILE
  std::string token_file;  // --token-file FILE
  bool quiet = false;
  int verbose = 0;
};

// The global flags, added to a (sub)command so they can be given after the command name.
void add_global_options(CLI::App& app, GlobalOptions& options);

// The config file named by --config (or GHTRAFFIC_CONFIG), or an empty one.
collect::ConfigFile load_config_file(const GlobalOptions& options);

// --store, else GHTRAFFIC_STORE, else the config file, else the default location.
std::string resolve_store_url(const GlobalOptions& options, const collect::ConfigFile& config);

// Applies --quiet / --verbose.
void apply_log_level(const GlobalOptions& options);

using Action = std::function<int()>;

void add_collect_command(CLI::App& app, GlobalOptions& options, Action& action);
void add_show_command(CLI::App& app, GlobalOptions& options, Action& action);
void add_export_command(CLI::App& app, GlobalOptions& options, Action& action);
void add_serve_command(CLI::App& app, GlobalOptions& options, Action& action);
void add_report_command(CLI::App& app, GlobalOptions& options, Action& action);
void add_lambda_command(CLI::App& app, GlobalOptions& options, Action& action);

}  // namespace ghtraffic::cli
