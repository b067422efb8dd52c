// `ghtraffic lambda`: the binary as an AWS Lambda custom runtime. Each invocation runs one
// collection, a star and fork backfill in what its budget left, and, when
// GHTRAFFIC_EXPORT_URL is set, one export; docs/aws.md ("The Lambda
// function") describes the settings, the event and the answer.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "ghtraffic/aws/lambda_runtime.hpp"
#include "ghtraffic/cli/common.hpp"
#include "ghtraffic/cli/freshness_watch.hpp"
#include "ghtraffic/cli/run_freshness.hpp"
#include "ghtraffic/collect/app_session.hpp"
#include "ghtraffic/collect/github_transport.hpp"
#include "ghtraffic/collect/job.hpp"
#include "ghtraffic/collect/scheduled_backfill.hpp"
#include "ghtraffic/collect/settings.hpp"
#include "ghtraffic/collect/summary_json.hpp"
#include "ghtraffic/export/export.hpp"
#include "ghtraffic/export/s3_sink.hpp"
#include "ghtraffic/github/client.hpp"
#include "ghtraffic/net/transport.hpp"
#include "ghtraffic/store/store.hpp"
#include "ghtraffic/util/clock.hpp"
#include "ghtraffic/util/error.hpp"
#include "ghtraffic/util/log.hpp"
#include "ghtraffic/util/number.hpp"
#include "ghtraffic/util/redact.hpp"

namespace ghtraffic::cli {
namespace {

using aws::lambda::ErrorReport;
using aws::lambda::HandlerResult;
using aws::lambda::Invocation;
using std::chrono::milliseconds;

// Time kept back from the collection for the export and the answer: a fifth of what is
// left, at most a minute.
constexpr milliseconds k_max_reserve{60000};
// Until a repository of this container has been timed.
constexpr milliseconds k_first_repo_estimate{2000};

std::optional<std::string> env(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') {
    return std::nullopt;
  }
  return std::string(value);
}

// "a/b c/d,e/f": names separated by spaces, commas or newlines.
std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  std::string current;
  for (char c : text + " ") {
    if (c == ' ' || c == ',' || c == '\n' || c == '\t' || c == '\r') {
      if (!current.empty()) {
        out.push_back(std::move(current));
        current.clear();
      }
    } else {
      current += c;
    }
  }
  return out;
}

core::RepoRef parse_repo(const std::string& name, const char* where) {
  auto ref = core::RepoRef::parse(name);
  if (!ref) {
    throw util::Error("\"{}\" in {} is not a repository name; write it as OWNER/REPO", name, where);
  }
  return *ref;
}

struct Settings {
  std::string store_url;
  std::optional<std::string> export_url;
  std::vector<core::RepoRef> repos;
  std::vector<collect::OwnerSource> owners;
  github::ClientOptions client;
  std::optional<collect::AppAuth> app;  // a GitHub App instead of the token
  int warn_days = read::k_default_warn_days;
  std::string notify_url;  // GHTRAFFIC_NOTIFY_URL: a webhook for the repositories at risk
  collect::Budget budget;  // GHTRAFFIC_MAX_REQUESTS, GHTRAFFIC_RATE_SHARE (or the config's)
  // GHTRAFFIC_BACKFILL, GHTRAFFIC_BACKFILL_MAX_REQUESTS (or the config's)
  collect::BackfillSettings backfill;
};

// An init error: reported to /init/error, then the process exits.
struct InitFailure {
  ErrorReport report;
};

template <typename F>
auto init_step(const char* error_type, F&& step) {
  try {
    return step();
  } catch (const util::Error& e) {
    throw InitFailure{{error_type, e.what()}};
  }
}

Settings load_settings(const GlobalOptions& global) {
  Settings settings;
  auto config = init_step("Config.Invalid", [&] { return load_config_file(global); });
  settings.store_url = init_step("Config.InvalidStore", [&] {
    if (global.store.empty() && !env("GHTRAFFIC_STORE") && !config.store) {
      throw util::Error(
          "no store is set: set GHTRAFFIC_STORE to dynamodb:TABLE_PREFIX (or sqlite:PATH on a "
          "mounted file system)");
    }
    return resolve_store_url(global, config);
  });
  init_step("Config.Invalid", [&] {
    settings.export_url = env("GHTRAFFIC_EXPORT_URL");
    if (settings.export_url) {
      exports::parse_s3_url(*settings.export_url);  // throws on "s3://" without a bucket
    }
    for (const auto& name : split_list(env("GHTRAFFIC_REPOS").value_or(""))) {
      settings.repos.push_back(parse_repo(name, "GHTRAFFIC_REPOS"));
    }
    for (const auto& owner : split_list(env("GHTRAFFIC_OWNERS").value_or(""))) {
      settings.owners.push_back({owner, {}});
    }
    if (settings.repos.empty() && settings.owners.empty()) {
      settings.repos = config.repos;
      settings.owners = config.owners;
    }
    settings.warn_days = resolve_warn_days(std::nullopt, config);
    settings.budget = resolve_budget({}, config);
    settings.backfill = resolve_backfill({}, config);
    settings.notify_url = resolve_notify_url("", config);
  });
  auto client_settings = init_step("Config.Invalid", [&] {
    return collect::resolve_client_settings(client_flags(global), config);
  });
  settings.app = init_step("Config.AppKey", [&] { return collect::find_app(client_settings); });
  if (settings.app) {
    util::log_verbose("authenticating as the GitHub App {} with the key from {}",
                      settings.app->credentials.app_id, settings.app->credentials.key_source);
    settings.client = collect::client_options(client_settings, collect::Token{});
    return settings;
  }
  auto token = init_step("Config.Token", [&] { return collect::find_token(client_settings); });
  if (!token) {
    throw InitFailure{{"Config.NoToken", collect::no_token_message()}};
  }
  util::log_verbose("using the GitHub token from {}", token->source);
  settings.client = collect::client_options(client_settings, *token);
  return settings;
}

// The event's {"repos": [...], "owners": [...]}; anything else in it (an EventBridge
// schedule's fields) is ignored.
std::expected<collect::Plan, ErrorReport> plan_for(const Settings& settings,
                                                   const std::string& event_text) {
  collect::Plan plan;
  plan.repos = settings.repos;
  plan.owners = settings.owners;
  plan.budget = settings.budget;
  if (event_text.find_first_not_of(" \t\r\n") == std::string::npos) {
    return plan;
  }
  auto event = nlohmann::json::parse(event_text, nullptr, false);
  if (event.is_discarded() || !(event.is_object() || event.is_null())) {
    return std::unexpected(ErrorReport{
        "Event.Malformed",
        "the event is not a JSON object; send {} or {\"repos\": [\"OWNER/REPO\"], \"owners\": "
        "[\"ORG\"]}"});
  }
  auto strings = [&](const char* key) -> std::expected<std::vector<std::string>, ErrorReport> {
    std::vector<std::string> out;
    if (!event.is_object() || !event.contains(key) || event[key].is_null()) {
      return out;
    }
    const auto& value = event[key];
    if (!value.is_array() ||
        !std::all_of(value.begin(), value.end(), [](const auto& v) { return v.is_string(); })) {
      return std::unexpected(ErrorReport{
          "Event.Malformed", fmt::format("\"{}\" in the event must be a list of strings", key)});
    }
    for (const auto& v : value) {
      out.push_back(v.template get<std::string>());
    }
    return out;
  };
  auto repos = strings("repos");
  if (!repos) {
    return std::unexpected(repos.error());
  }
  auto owners = strings("owners");
  if (!owners) {
    return std::unexpected(owners.error());
  }
  // Repositories or owners in the event replace the configured ones.
  if (!repos->empty() || !owners->empty()) {
    plan.repos.clear();
    plan.owners.clear();
    for (const auto& name : *repos) {
      auto ref = core::RepoRef::parse(name);
      if (!ref) {
        return std::unexpected(ErrorReport{
            "Event.InvalidRepository",
            fmt::format("\"{}\" in the event's repos is not a repository name; write it as "
                        "OWNER/REPO",
                        name)});
      }
      plan.repos.push_back(*ref);
    }
    for (const auto& owner : *owners) {
      plan.owners.push_back({owner, {}});
    }
  }
  return plan;
}

class Function {
 public:
  Function(Settings settings, std::unique_ptr<store::Store> store, net::HttpTransport& transport)
      : m_settings(std::move(settings)),
        m_store(std::move(store)),
        m_transport(transport),
        m_watch({.notify_url = m_settings.notify_url, .warn_days = m_settings.warn_days},
                *m_notify_transport) {}

  HandlerResult handle(const Invocation& invocation) {
    auto plan = plan_for(m_settings, invocation.event);
    if (!plan) {
      return std::unexpected(plan.error());
    }
    plan->first = m_left_for_next_run;
    limit_to_deadline(*plan, invocation);

    collect::Summary summary;
    collect::ScheduledBackfill backfill;
    RunFreshness freshness;
    try {
      auto lock = store::lock_for_collect(m_settings.store_url);
      auto before = last_successes(*m_store);
      collect::RunAccounts run_accounts(m_settings.app, m_settings.client, m_transport);
      summary = collect::run_collection(run_accounts.accounts(), *m_store, *plan);
      // Never fails the invocation: the collection is committed whatever it meets.
      backfill = collect::run_scheduled_backfill(run_accounts.accounts(), *m_store, summary,
                                                 m_settings.backfill,
                                                 backfill_deadline(*plan, invocation));
      freshness = run_freshness(*m_store, summary, before, util::day_of(util::system_clock().now()),
                                m_settings.warn_days);
    } catch (const util::Error& e) {
      return std::unexpected(ErrorReport{
          e.exit_code() == util::k_exit_busy ? "Store.Busy" : "Collect.Failed", e.what()});
    }
    // Kept in this container for the next invocation, and told in the answer.
    m_left_for_next_run = summary.left_for_next_run;
    if (summary.longest_repo.count() > 0) {
      m_repo_estimate = summary.longest_repo;
    }
    log_summary(invocation, summary);
    log_freshness(freshness);
    if (!m_settings.notify_url.empty()) {
      // Once per repository per UTC day while this execution environment lives.
      m_watch.check(*m_store);
    }

    auto answer = collect::summary_to_json(summary, m_store->describe());
    answer["left_for_next_run"] = summary.left_for_next_run;
    answer.update(to_json(freshness));
    answer["backfill"] = backfill_json(backfill);
    answer["export"] = nullptr;
    if (m_settings.export_url) {
      try {
        answer["export"] = run_export(*m_settings.export_url);
      } catch (const util::Error& e) {
        return std::unexpected(ErrorReport{
            "Export.Failed",
            fmt::format("collected {} ({} failed, {} left for the next run), then "
                        "the export to {} failed: {}",
                        util::counted(answer["collected"].get<int>(), "repository", "repositories"),
                        summary.failed(), summary.left_for_next_run.size(), *m_settings.export_url,
                        e.what())});
      }
    }
    return answer.dump();
  }

 private:
  void limit_to_deadline(collect::Plan& plan, const Invocation& invocation) const {
    if (!invocation.deadline) {
      return;
    }
    auto wall_now = std::chrono::system_clock::now();
    auto steady_now = std::chrono::steady_clock::now();
    auto remaining = std::chrono::duration_cast<milliseconds>(*invocation.deadline - wall_now);
    plan.deadline = aws::lambda::to_steady(*invocation.deadline, steady_now, wall_now);
    plan.deadline_margin = std::clamp(remaining / 5, milliseconds(0), k_max_reserve);
    plan.repo_estimate = m_repo_estimate;
  }

  // The function's timeout less the time the collection kept back for the export and the
  // answer; none without a deadline (the cap and the budget bound the pass then).
  static std::optional<util::Timestamp> backfill_deadline(const collect::Plan& plan,
                                                          const Invocation& invocation) {
    if (!invocation.deadline) {
      return std::nullopt;
    }
    return std::chrono::floor<std::chrono::seconds>(*invocation.deadline - plan.deadline_margin);
  }

  static nlohmann::json backfill_json(const collect::ScheduledBackfill& pass) {
    auto text = [](const std::string& s) {
      return s.empty() ? nlohmann::json(nullptr) : nlohmann::json(s);
    };
    const auto& summary = pass.summary;
    std::string stopped = summary.out_of_time       ? "deadline"
                          : summary.out_of_requests ? "budget"
                                                    : "";
    return {{"ran", pass.ran},
            {"skipped", text(pass.skipped)},
            {"error", text(pass.error)},
            {"allowed", pass.allowance},
            {"requests", summary.requests},
            {"repos", summary.repos.size()},
            {"advanced", pass.advanced()},
            {"failed", summary.failed()},
            {"stopped", text(stopped)}};
  }

  nlohmann::json run_export(const std::string& url) {
    exports::ExportOptions options;
    auto destination = exports::parse_s3_url(url);
    auto sink = destination ? exports::make_s3_sink_from_environment(*destination, true)
                            : exports::make_directory_sink(url);
    auto stats = exports::export_store(*m_store, options, *sink);
    util::log_info("exported {} to {} ({})",
                   util::counted(stats.repos, "repository", "repositories"), url,
                   util::counted(stats.files.size(), "file", "files"));
    return {{"url", url}, {"repos", stats.repos}, {"files", stats.files.size()}};
  }

  static void log_summary(const Invocation& invocation, const collect::Summary& summary) {
    util::log_info(
        "invocation {}: {} collected, {} failed ({} stored in part), {} left for the "
        "next run{}",
        invocation.request_id,
        util::counted(static_cast<int>(summary.repos.size()) - summary.failed(), "repository",
                      "repositories"),
        summary.failed(), summary.partial(), summary.left_for_next_run.size(),
        deferred_counts_text(summary));
    if (!summary.left_for_next_run.empty()) {
      util::log_info("left for the next run (the function's timeout came near): {}",
                     fmt::join(summary.left_for_next_run, " "));
    }
  }

  // "; deferred: 3 collected-today, 2 rate-limit": the plan's other reasons than the
  // deadline, which "left for the next run" counts.
  static std::string deferred_counts_text(const collect::Summary& summary) {
    std::string out;
    for (auto reason : collect::k_defer_reasons) {
      int count = summary.deferred_count(reason);
      if (reason == collect::DeferReason::deadline || count == 0) {
        continue;
      }
      out += fmt::format("{}{} {}", out.empty() ? "; deferred: " : ", ", count,
                         collect::to_string(reason));
    }
    return out;
  }

  // One line per repository at risk in a fixed form, for a CloudWatch metric filter
  // (docs/aws.md): GHTRAFFIC_AT_RISK repo=OWNER/REPO urgency=... days_left=N lost_days=N
  // last_success=TIME.
  static void log_freshness(const RunFreshness& freshness) {
    for (const auto& repo : freshness.at_risk) {
      const auto& f = repo.freshness;
      util::log_line(
          util::LogLevel::quiet,
          fmt::format("GHTRAFFIC_AT_RISK repo={} urgency={} days_left={} lost_days={} "
                      "last_success={}",
                      repo.full_name, read::to_string(f.urgency),
                      f.days_left ? std::to_string(*f.days_left) : "none", f.lost_days,
                      repo.last_success ? util::format_iso8601(*repo.last_success) : "never"));
    }
    for (const auto& line : warning_lines(freshness)) {
      util::log_warn("{}", line);
    }
  }

  Settings m_settings;
  std::unique_ptr<store::Store> m_store;
  net::HttpTransport& m_transport;
  // The webhook's own: the GitHub transport's request log is for GitHub.
  std::unique_ptr<net::HttpTransport> m_notify_transport = net::make_curl_transport();
  FreshnessWatch m_watch;
  std::vector<std::string> m_left_for_next_run;
  milliseconds m_repo_estimate = k_first_repo_estimate;
};

int run_lambda(const GlobalOptions& global) {
  auto api_address = env("AWS_LAMBDA_RUNTIME_API");
  if (!api_address) {
    throw util::Error(
        "AWS_LAMBDA_RUNTIME_API is not set: `ghtraffic lambda` runs inside AWS Lambda as the "
        "function's bootstrap (see docs/aws.md); on a laptop, use `ghtraffic collect`");
  }
  // The Runtime API is plain HTTP/1.1 on a local address.
  auto runtime_transport = net::make_curl_transport({.http2 = false});
  aws::lambda::RuntimeApi api(*api_address, *runtime_transport);

  auto github_transport = collect::make_github_transport();
  std::unique_ptr<Function> function;
  auto report_init_error = [&](const ErrorReport& report) {
    if (auto sent = api.report_init_error(report); !sent) {
      util::log_error("{}", util::scrub(sent.error()));
    }
  };
  try {
    auto settings = load_settings(global);
    auto store =
        init_step("Config.InvalidStore", [&] { return store::make_store(settings.store_url); });
    function = std::make_unique<Function>(std::move(settings), std::move(store), *github_transport);
  } catch (const InitFailure& failure) {
    report_init_error(failure.report);
    throw util::Error("{} ({})", failure.report.message, failure.report.type);
  } catch (const std::exception& e) {
    report_init_error({"Runtime.Unhandled", e.what()});
    throw;
  }

  auto reason = aws::lambda::serve(
      api, [&](const Invocation& invocation) { return function->handle(invocation); });
  util::log_error("stopping: {}", reason);
  return util::k_exit_partial;
}

}  // namespace

void add_lambda_command(CLI::App& app, GlobalOptions& global, Action& action) {
  auto* cmd = app.add_subcommand(
      "lambda",
      "Run as an AWS Lambda custom runtime (the bootstrap of the deployed function): each "
      "invocation collects, then exports to GHTRAFFIC_EXPORT_URL.");
  add_global_options(*cmd, global);
  cmd->footer(
      "Settings come from the environment: AWS_LAMBDA_RUNTIME_API (set by Lambda),\n"
      "GHTRAFFIC_STORE, GHTRAFFIC_EXPORT_URL (s3://BUCKET/PREFIX, optional), GHTRAFFIC_REPOS\n"
      "and GHTRAFFIC_OWNERS (separated by spaces or commas), GHTRAFFIC_TOKEN_SSM_PARAMETER,\n"
      "GITHUB_API_URL, GHTRAFFIC_CONCURRENCY, GHTRAFFIC_WARN_DAYS, GHTRAFFIC_NOTIFY_URL (a chat\n"
      "webhook for the repositories at risk), GHTRAFFIC_MAX_REQUESTS and GHTRAFFIC_RATE_SHARE\n"
      "(the collection plan's budget, docs/collection-plan.md), GHTRAFFIC_BACKFILL (true or\n"
      "false) and GHTRAFFIC_BACKFILL_MAX_REQUESTS (the star and fork backfill after the\n"
      "collection, docs/backfill.md). An event {\"repos\": [...], \"owners\": [...]}\n"
      "replaces the repositories for one invocation. The answer and the log name the\n"
      "repositories at risk (GHTRAFFIC_AT_RISK lines). See docs/aws.md.");
  cmd->callback([&action, &global] { action = [&global] { return run_lambda(global); }; });
}

}  // namespace ghtraffic::cli
