#include "ghtraffic/cli/common.hpp"

#include <cstdlib>

#include "ghtraffic/read/freshness.hpp"
#include "ghtraffic/store/store.hpp"
#include "ghtraffic/util/clock.hpp"
#include "ghtraffic/util/error.hpp"
#include "ghtraffic/util/log.hpp"
#include "ghtraffic/util/number.hpp"
#include "ghtraffic/util/strings.hpp"

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
  app.add_flag("-v,--verbose", options.verbose,
               "Print more detail: -v each repository's result, retries and where the token "
               "came from; -vv also every HTTP request (method, URL, status, time, rate limit "
               "left)");
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

collect::Flags client_flags(const GlobalOptions& options) {
  collect::Flags flags;
  if (!options.api_url.empty()) {
    flags.api_url = options.api_url;
  }
  if (!options.token_file.empty()) {
    flags.token_file = options.token_file;
  }
  return flags;
}

CLI::Validator whole_number(int min, int max) {
  return CLI::Validator(
      [min, max](std::string& text) {
        auto parsed = util::parse_int<int>(text, min, max);
        return parsed ? std::string() : parsed.error().message;
      },
      "");
}

CLI::Option* add_int_option(CLI::App& app, const std::string& name, std::optional<int>& value,
                            int min, int max, const std::string& description) {
  return app.add_option(name, value, description)->check(whole_number(min, max))->type_name("INT");
}

int resolve_warn_days(std::optional<int> flag, const collect::ConfigFile& config) {
  if (flag) {
    return *flag;
  }
  if (const char* env = std::getenv("GHTRAFFIC_WARN_DAYS"); env && *env) {
    auto days = util::parse_int<int>(env, 0, read::k_window_days);
    if (!days) {
      throw util::Error("GHTRAFFIC_WARN_DAYS: {}", days.error().message);
    }
    return *days;
  }
  return config.warn_days.value_or(read::k_default_warn_days);
}

CLI::Option* add_warn_days_option(CLI::App& app, std::optional<int>& value) {
  return add_int_option(app, "--warn-days", value, 0, read::k_window_days,
                        "At this many days left or fewer a repository is at risk (default 3; "
                        "env GHTRAFFIC_WARN_DAYS, config warn_days)");
}

namespace {

std::optional<int> int_from_env(const char* name, int min, int max) {
  const char* text = std::getenv(name);
  if (text == nullptr || *text == '\0') {
    return std::nullopt;
  }
  auto value = util::parse_int<int>(text, min, max);
  if (!value) {
    throw util::Error("{}: {}", name, value.error().message);
  }
  return *value;
}

}  // namespace

void add_budget_options(CLI::App& app, BudgetOptions& options) {
  const char* group = "Collection plan (docs/collection-plan.md)";
  add_int_option(app, "--max-requests", options.max_requests, 1, collect::k_max_requests_ceiling,
                 "Send at most N requests in this run, retries and listings included; the "
                 "repositories that do not fit are deferred to the next run, fewest days left "
                 "first (env GHTRAFFIC_MAX_REQUESTS, config max_requests)")
      ->group(group);
  add_int_option(app, "--rate-share", options.rate_share, 1, 100,
                 "Spend at most PERCENT of the primary rate limit left when the run starts, "
                 "leaving the rest to other tools on the token (env GHTRAFFIC_RATE_SHARE, config "
                 "rate_share). Default: all of it but a small reserve, so that no run ever waits "
                 "for the hourly limit to reset")
      ->type_name("PERCENT")
      ->group(group);
  app.add_flag("--again-today", options.again_today,
               "Collect repositories already collected this UTC day too (by default they are "
               "deferred: GitHub's window holds a day for 14 days)")
      ->group(group);
}

collect::Budget resolve_budget(const BudgetOptions& flags, const collect::ConfigFile& config) {
  collect::Budget budget;
  budget.again_today = flags.again_today;
  if (auto max = flags.max_requests
                     ? flags.max_requests
                     : int_from_env("GHTRAFFIC_MAX_REQUESTS", 1, collect::k_max_requests_ceiling)) {
    budget.max_requests = *max;
  } else if (config.max_requests) {
    budget.max_requests = *config.max_requests;
  }
  budget.rate_share =
      flags.rate_share ? flags.rate_share : int_from_env("GHTRAFFIC_RATE_SHARE", 1, 100);
  if (!budget.rate_share) {
    budget.rate_share = config.rate_share;
  }
  return budget;
}

void add_scheduled_backfill_options(CLI::App& app, BackfillFlags& options) {
  const char* group = "Star and fork backfill (docs/backfill.md)";
  auto* on = app.add_flag("--backfill", options.on,
                          "After each collection, read the stored repositories' star and fork "
                          "history in the rate budget the collection left (the default; env "
                          "GHTRAFFIC_BACKFILL, config backfill)")
                 ->group(group);
  app.add_flag("--no-backfill", options.off, "Do not backfill after the collections")
      ->group(group)
      ->excludes(on);
  add_int_option(app, "--backfill-max-requests", options.max_requests, 1,
                 collect::k_max_requests_ceiling,
                 "Spend at most N requests on one backfill pass, and never what the collection's "
                 "budget does not leave (default 500; env GHTRAFFIC_BACKFILL_MAX_REQUESTS, config "
                 "backfill_max_requests)")
      ->group(group);
}

collect::BackfillSettings resolve_backfill(const BackfillFlags& flags,
                                           const collect::ConfigFile& config) {
  collect::BackfillSettings settings;
  if (flags.on || flags.off) {
    settings.enabled = flags.on;
  } else if (const char* env = std::getenv("GHTRAFFIC_BACKFILL"); env && *env) {
    const std::string value = util::to_lower(env);
    if (value == "true" || value == "1" || value == "on" || value == "yes") {
      settings.enabled = true;
    } else if (value == "false" || value == "0" || value == "off" || value == "no") {
      settings.enabled = false;
    } else {
      throw util::Error("GHTRAFFIC_BACKFILL: \"{}\" is neither true nor false", env);
    }
  } else if (config.backfill) {
    settings.enabled = *config.backfill;
  }
  if (auto max = flags.max_requests ? flags.max_requests
                                    : int_from_env("GHTRAFFIC_BACKFILL_MAX_REQUESTS", 1,
                                                   collect::k_max_requests_ceiling)) {
    settings.max_requests = *max;
  } else if (config.backfill_max_requests) {
    settings.max_requests = *config.backfill_max_requests;
  }
  return settings;
}

std::string resolve_notify_url(const std::string& flag, const collect::ConfigFile& config) {
  if (!flag.empty()) {
    return flag;
  }
  if (const char* env = std::getenv("GHTRAFFIC_NOTIFY_URL"); env && *env) {
    return env;
  }
  return config.notify_url.value_or("");
}

void add_app_options(CLI::App& app, AppOptions& options) {
  const char* group = "GitHub App (instead of a token; docs/github-app.md)";
  app.add_option("--app-id", options.app_id,
                 "Authenticate as this GitHub App (its App ID; env GHTRAFFIC_APP_ID, config "
                 "app_id)")
      ->group(group);
  app.add_option("--app-key-file", options.app_key_file,
                 "The App's private key, the .pem file GitHub gave (env GHTRAFFIC_APP_KEY_FILE, "
                 "or GHTRAFFIC_APP_KEY holding the PEM itself; config app_key_file or "
                 "app_key_ssm_parameter)")
      ->group(group);
  app.add_option("--app-installation-id", options.app_installation_id,
                 "Only this installation of the App (config app_installation_id); default: "
                 "every installation, each on its own rate budget")
      ->check(CLI::PositiveNumber)
      ->type_name("ID")
      ->group(group);
}

void apply_app_options(const AppOptions& options, collect::Flags& flags) {
  flags.app_id = options.app_id;
  flags.app_key_file = options.app_key_file;
  flags.app_installation_id = options.app_installation_id;
}

void add_token_ssm_option(CLI::App& app, std::optional<std::string>& value) {
  app.add_option("--token-ssm", value,
                 "Read the GitHub token from this SSM Parameter Store parameter, after the "
                 "other token sources (also GHTRAFFIC_TOKEN_SSM_PARAMETER); AWS credentials "
                 "and region come from the environment");
}

util::Day day_option(const std::string& text, std::string_view flag) {
  if (text.empty()) {
    return util::day_of(util::system_clock().now());
  }
  auto day = util::parse_day(text);
  if (!day) {
    throw util::Error("{} takes a day like 2026-03-01, not '{}'", flag, text);
  }
  return *day;
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
