#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>

#include "ghtraffic/cli/common.hpp"
#include "ghtraffic/cli/run_freshness.hpp"
#include "ghtraffic/collect/app_session.hpp"
#include "ghtraffic/collect/github_transport.hpp"
#include "ghtraffic/collect/job.hpp"
#include "ghtraffic/collect/summary_json.hpp"
#include "ghtraffic/github/client.hpp"
#include "ghtraffic/store/store.hpp"
#include "ghtraffic/util/clock.hpp"
#include "ghtraffic/util/error.hpp"
#include "ghtraffic/util/log.hpp"
#include "ghtraffic/util/number.hpp"
#include "ghtraffic/util/redact.hpp"

namespace ghtraffic::cli {
namespace {

struct CollectOptions {
  std::vector<std::string> repos;
  std::vector<std::string> owners;
  std::vector<std::string> include;
  std::vector<std::string> exclude;
  bool no_forks = false;
  bool no_archived = false;
  std::optional<int> concurrency;
  std::optional<int> max_per_minute;
  bool json = false;
  std::optional<std::string> token_ssm;  // --token-ssm NAME
  AppOptions app;
  BudgetOptions budget;
  std::optional<int> warn_days;
  std::string today;  // hidden, for tests: the UTC day to count days left from
};

// Redraws the progress line a few times a second while the collection runs.
class ProgressLine {
 public:
  ProgressLine(const collect::Progress& progress, const collect::Accounts& accounts)
      : m_progress(progress), m_accounts(accounts) {
    if (util::status_line_enabled()) {
      m_thread = std::thread([this] { loop(); });
    }
  }
  ~ProgressLine() {
    {
      std::lock_guard lock(m_mutex);
      m_stop = true;
    }
    m_wake.notify_all();
    if (m_thread.joinable()) {
      m_thread.join();
    }
    util::clear_status_line();
  }

 private:
  void loop() {
    std::unique_lock lock(m_mutex);
    while (!m_wake.wait_for(lock, std::chrono::milliseconds(200), [this] { return m_stop; })) {
      util::set_status_line(render());
    }
  }

  std::string render() const {
    auto stats = collect::combined_stats(m_accounts);
    auto total = m_progress.total.load();
    auto line = fmt::format("collecting {}/{} · {}", m_progress.done.load(),
                            util::counted(total, "repository", "repositories"),
                            util::counted(stats.requests, "request", "requests"));
    if (m_progress.failed > 0) {
      line += fmt::format(" · {} failed", m_progress.failed.load());
    }
    if (stats.rate_limit_remaining >= 0) {
      line += fmt::format(" · rate limit {} left", stats.rate_limit_remaining);
    }
    if (!stats.current_wait.empty()) {
      line += " · " + stats.current_wait;
    }
    return line;
  }

  const collect::Progress& m_progress;
  const collect::Accounts& m_accounts;
  std::mutex m_mutex;
  std::condition_variable m_wake;
  bool m_stop = false;
  std::thread m_thread;
};

collect::Plan make_plan(const CollectOptions& opts, const collect::ConfigFile& config) {
  collect::Plan plan;
  collect::Filters cli_filters{opts.include, opts.exclude, opts.no_forks, opts.no_archived};
  for (const auto& name : opts.repos) {
    auto ref = core::RepoRef::parse(name);
    if (!ref) {
      throw util::Error("\"{}\" is not a repository name; write it as OWNER/REPO", name);
    }
    plan.repos.push_back(*ref);
  }
  for (const auto& owner : opts.owners) {
    plan.owners.push_back({owner, cli_filters});
  }
  // A repository named on the command line is collected whatever the plan says.
  plan.named_always = !plan.repos.empty();
  // Repositories or owners on the command line replace the config file's sources.
  if (plan.repos.empty() && plan.owners.empty()) {
    plan.repos = config.repos;
    plan.owners = config.owners;
  }
  plan.filters = cli_filters;
  plan.budget = resolve_budget(opts.budget, config);
  return plan;
}

std::string cell(const collect::RepoOutcome& r, int value) {
  return r.stored ? std::to_string(value) : "-";
}

std::string result_text(const collect::RepoOutcome& r) {
  if (r.ok) {
    return "ok";
  }
  return r.stored ? r.problem() : "error: " + r.problem();
}

// "12 repositories deferred to a later run: 10 collected today, 2 over --max-requests".
std::string deferred_line(const collect::Summary& summary) {
  std::string reasons;
  for (auto reason : collect::k_defer_reasons) {
    int count = summary.deferred_count(reason);
    if (count == 0) {
      continue;
    }
    const char* why = "";
    switch (reason) {
      case collect::DeferReason::collected_today:
        why = "collected today already (--again-today collects them)";
        break;
      case collect::DeferReason::max_requests:
        why = "over --max-requests";
        break;
      case collect::DeferReason::rate_limit:
        why = "kept within the rate limit";
        break;
      case collect::DeferReason::deadline:
        why = "not started before the deadline";
        break;
    }
    reasons += fmt::format("{}{} {}", reasons.empty() ? "" : ", ", count, why);
  }
  return fmt::format("{} deferred to a later run, fewest days left first: {}\n",
                     util::counted(summary.deferred.size(), "repository", "repositories"), reasons);
}

void print_table(const collect::Summary& summary) {
  size_t width = 10;
  for (const auto& r : summary.repos) {
    width = std::max(width, r.full_name.size());
  }
  std::string out =
      fmt::format("{:<{}}  {:>6}  {:>5}  {}\n", "REPOSITORY", width, "DAYS", "NEW", "RESULT");
  for (const auto& r : summary.repos) {
    out += fmt::format("{:<{}}  {:>6}  {:>5}  {}\n", r.full_name, width,
                       cell(r, r.commit.days_stored), cell(r, r.commit.new_days), result_text(r));
  }
  int failed = summary.failed();
  out += fmt::format("{}: {} collected, {} failed",
                     util::counted(summary.repos.size(), "repository", "repositories"),
                     summary.repos.size() - failed, failed);
  if (summary.partial() > 0) {
    out += fmt::format(" ({} stored in part)", summary.partial());
  }
  if (summary.failed_listings() > 0) {
    out += fmt::format(", {} of repositories could not be read (see below)",
                       util::counted(summary.failed_listings(), "list", "lists"));
  }
  out += fmt::format(" · {} ({} answered from cache)",
                     util::counted(summary.client.requests, "request", "requests"),
                     summary.client.not_modified);
  if (summary.client.rate_limit_remaining >= 0) {
    out += fmt::format(" · rate limit {} of {} left", summary.client.rate_limit_remaining,
                       summary.client.rate_limit_limit);
  }
  out += "\n";
  if (!summary.deferred.empty()) {
    out += deferred_line(summary);
  }
  for (const auto& e : summary.errors) {
    out += "error: " + e + "\n";
  }
  std::fputs(util::scrub(out).c_str(), stdout);
}

void print_json(const collect::Summary& summary, const std::string& store_url,
                const RunFreshness& freshness) {
  std::string text;
  {
    auto doc = collect::summary_to_json(summary, store_url);
    doc.update(to_json(freshness));
    text = doc.dump(2);
  }  // one copy of a summary of thousands of repositories at a time
  text = util::scrub(text);
  std::fputs(text.c_str(), stdout);
  std::fputs("\n", stdout);
}

int run_collect(const GlobalOptions& global, const CollectOptions& opts) {
  auto config = load_config_file(global);
  auto plan = make_plan(opts, config);
  int warn_days = resolve_warn_days(opts.warn_days, config);
  auto today = day_option(opts.today, "--today");
  if (!opts.today.empty()) {
    plan.today = today;
  }

  auto flags = client_flags(global);
  flags.concurrency = opts.concurrency;
  flags.max_per_minute = opts.max_per_minute;
  flags.token_ssm_parameter = opts.token_ssm;
  apply_app_options(opts.app, flags);
  auto settings = collect::resolve_client_settings(flags, config);
  auto app = collect::find_app(settings);
  std::optional<collect::Token> token;
  if (app) {
    util::log_verbose("authenticating as the GitHub App {} with the key from {}",
                      app->credentials.app_id, app->credentials.key_source);
  } else {
    token = collect::find_token(settings);
    if (!token) {
      throw util::Error(collect::no_token_message());
    }
    util::log_verbose("using the GitHub token from {}", token->source);
  }
  auto client_options = collect::client_options(settings, token.value_or(collect::Token{}));

  auto store_url = resolve_store_url(global, config);
  auto lock = store::lock_for_collect(store_url);
  auto store = store::make_store(store_url);

  auto transport = collect::make_github_transport();
  collect::RunAccounts run_accounts(app, client_options, *transport);
  const auto& accounts = run_accounts.accounts();
  auto before = last_successes(*store);
  collect::Progress progress;
  collect::Summary summary;
  {
    ProgressLine line(progress, accounts);
    summary = collect::run_collection(accounts, *store, plan, &progress);
  }
  auto freshness = run_freshness(*store, summary, before, today, warn_days);

  if (opts.json) {
    print_json(summary, store->describe(), freshness);
  } else {
    print_table(summary);
  }
  // Shown with --quiet too: they are what must not go unnoticed.
  for (const auto& line : warning_lines(freshness)) {
    util::log_line(util::LogLevel::quiet, "warning: " + line);
  }
  if (summary.repos.empty() && summary.errors.empty()) {
    util::log_warn("found no repositories to collect{}",
                   summary.skipped_no_push > 0 ? " that the token can push to" : "");
  }
  return summary.all_ok() ? util::k_exit_ok : util::k_exit_partial;
}

}  // namespace

void add_collect_command(CLI::App& app, GlobalOptions& global, Action& action) {
  auto opts = std::make_shared<CollectOptions>();
  auto* cmd = app.add_subcommand(
      "collect",
      "Fetch traffic from GitHub and merge it into the store.\n"
      "With no repositories and no config: every repository the token can push to (with a\n"
      "GitHub App: every repository each of its installations sees).");
  cmd->add_option("repos", opts->repos, "Repositories to collect, as OWNER/REPO");
  cmd->add_option("--owner", opts->owners,
                  "Every repository of this organization or user that the token can push to "
                  "(repeatable)");
  cmd->add_option("--include", opts->include, "Only repositories matching this glob (repeatable)");
  cmd->add_option("--exclude", opts->exclude, "Skip repositories matching this glob (repeatable)");
  cmd->add_flag("--no-forks", opts->no_forks, "Skip forks");
  cmd->add_flag("--no-archived", opts->no_archived, "Skip archived repositories");
  add_int_option(*cmd, "--concurrency", opts->concurrency, 1, github::k_max_concurrency,
                 fmt::format("Requests in flight (default 8, at most {}; env "
                             "GHTRAFFIC_CONCURRENCY)",
                             github::k_max_concurrency));
  add_int_option(*cmd, "--max-per-minute", opts->max_per_minute, 1, github::k_max_per_minute,
                 fmt::format("Pacing window: at most N points of requests start in any 60 s "
                             "(a GET is 1, a POST 5; GraphQL has its own 2000). Default 900, "
                             "GitHub's secondary limit; at most {}. Below it nothing waits",
                             github::k_max_per_minute));
  cmd->add_flag("--json", opts->json, "Print the summary as JSON");
  add_warn_days_option(*cmd, opts->warn_days);
  // The day to count days left from instead of today (UTC), so that tests need no clock.
  cmd->add_option("--today", opts->today)->group("");
  add_token_ssm_option(*cmd, opts->token_ssm);
  add_app_options(*cmd, opts->app);
  add_budget_options(*cmd, opts->budget);
  add_global_options(*cmd, global);
  cmd->footer(
      "Examples:\n"
      "  ghtraffic collect octocat/hello-world\n"
      "  ghtraffic collect --owner my-org --exclude 'sandbox-*' --no-forks\n"
      "  ghtraffic collect --config ghtraffic.toml --json\n"
      "  ghtraffic collect --app-id 123456 --app-key-file app.pem   (every installation)\n"
      "  ghtraffic collect --owner big-org --max-requests 2000      (a plan within a budget)\n"
      "The collection plan: GitHub keeps each day for 14 days, so a repository collected once\n"
      "in 13 days loses nothing. A run takes the repositories with the fewest days left first,\n"
      "skips those collected today already (--again-today), and stops before it would have to\n"
      "wait for the hourly rate limit (or at --max-requests, --rate-share); the rest are\n"
      "deferred to the next run, which starts with them. Repositories named on the command\n"
      "line are always collected, first, in the order given. Deferred is not failed: the exit\n"
      "code does not change.\n"
      "Ends with a warning when a repository it did not collect is at risk (--warn-days or fewer\n"
      "days left before GitHub forgets uncollected traffic), and when one it collected had lost\n"
      "days since its previous collection; `ghtraffic status` says more.\n"
      "A repository one of whose requests failed keeps what the others fetched: its row says\n"
      "\"stored in part\" and names the parts not stored, and the run exits 1.\n"
      "Exit codes: 0 all collected, 1 some failed (or stored in part), 2 usage or configuration\n"
      "error, 3 store busy.");
  cmd->callback([&action, &global, opts] {
    action = [&global, opts] { return run_collect(global, *opts); };
  });
}

}  // namespace ghtraffic::cli
