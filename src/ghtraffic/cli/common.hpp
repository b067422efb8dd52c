// What every command shares: global flags, the configuration file, the store URL, the
// client's settings.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "ghtraffic/collect/config.hpp"
#include "ghtraffic/collect/scheduled_backfill.hpp"
#include "ghtraffic/collect/settings.hpp"
#include "ghtraffic/util/date.hpp"

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

// The client settings of the global flags (--api-url, --token-file); a command adds its own
// (--concurrency, --token-ssm) before collect::resolve_client_settings.
collect::Flags client_flags(const GlobalOptions& options);

// The check of every integer option, through util::parse_int: "abc" is answered that it is
// not a whole number, "0" with the range.
CLI::Validator whole_number(int min, int max);

// An integer option with that check, left empty when not given.
CLI::Option* add_int_option(CLI::App& app, const std::string& name, std::optional<int>& value,
                            int min, int max, const std::string& description);

// --warn-days N, else GHTRAFFIC_WARN_DAYS, else the config file's warn_days, else 3: at
// that many days left or fewer a repository is at risk. A bad environment value is a
// util::Error.
int resolve_warn_days(std::optional<int> flag, const collect::ConfigFile& config);

// --warn-days N (0 to 14) for the commands that check days left.
CLI::Option* add_warn_days_option(CLI::App& app, std::optional<int>& value);

// The collection plan's budget flags: --max-requests (env GHTRAFFIC_MAX_REQUESTS, config
// max_requests), --rate-share (GHTRAFFIC_RATE_SHARE, rate_share), --again-today.
struct BudgetOptions {
  std::optional<int> max_requests;
  std::optional<int> rate_share;
  bool again_today = false;
};
void add_budget_options(CLI::App& app, BudgetOptions& options);
collect::Budget resolve_budget(const BudgetOptions& flags, const collect::ConfigFile& config);

// The backfill after each scheduled collection of serve and lambda: --backfill /
// --no-backfill, else GHTRAFFIC_BACKFILL (true or false), else the config file's backfill, else
// on; --backfill-max-requests N, else GHTRAFFIC_BACKFILL_MAX_REQUESTS, else
// backfill_max_requests, else 500. A bad environment value is a util::Error.
struct BackfillFlags {
  bool on = false;   // --backfill
  bool off = false;  // --no-backfill
  std::optional<int> max_requests;
};
void add_scheduled_backfill_options(CLI::App& app, BackfillFlags& options);
collect::BackfillSettings resolve_backfill(const BackfillFlags& flags,
                                           const collect::ConfigFile& config);

// --notify URL, else GHTRAFFIC_NOTIFY_URL, else the config file's notify_url; empty: none.
std::string resolve_notify_url(const std::string& flag, const collect::ConfigFile& config);

// --app-id, --app-key-file, --app-installation-id: a GitHub App instead of a token, for the
// commands that collect (collect, serve, lambda).
struct AppOptions {
  std::optional<std::string> app_id;
  std::optional<std::string> app_key_file;
  std::optional<std::int64_t> app_installation_id;
};
void add_app_options(CLI::App& app, AppOptions& options);
void apply_app_options(const AppOptions& options, collect::Flags& flags);

// --token-ssm NAME, for the commands that look for a GitHub token.
void add_token_ssm_option(CLI::App& app, std::optional<std::string>& value);

// A day option's value (--today, --date): a day like 2026-03-01, or today (UTC) when empty;
// anything else is a util::Error that names the flag.
util::Day day_option(const std::string& text, std::string_view flag);

// Applies --quiet / --verbose.
void apply_log_level(const GlobalOptions& options);

using Action = std::function<int()>;

void add_collect_command(CLI::App& app, GlobalOptions& options, Action& action);
void add_show_command(CLI::App& app, GlobalOptions& options, Action& action);
void add_export_command(CLI::App& app, GlobalOptions& options, Action& action);
void add_import_command(CLI::App& app, GlobalOptions& options, Action& action);
void add_serve_command(CLI::App& app, GlobalOptions& options, Action& action);
void add_report_command(CLI::App& app, GlobalOptions& options, Action& action);
void add_lambda_command(CLI::App& app, GlobalOptions& options, Action& action);
void add_demo_command(CLI::App& app, GlobalOptions& options, Action& action);
void add_status_command(CLI::App& app, GlobalOptions& options, Action& action);
void add_backfill_command(CLI::App& app, GlobalOptions& options, Action& action);

}  // namespace ghtraffic::cli
