#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>

#include "ghtraffic/cli/common.hpp"
#include "ghtraffic/collect/backfill.hpp"
#include "ghtraffic/collect/github_transport.hpp"
#include "ghtraffic/collect/settings.hpp"
#include "ghtraffic/read/select.hpp"
#include "ghtraffic/store/store.hpp"
#include "ghtraffic/util/error.hpp"
#include "ghtraffic/util/log.hpp"
#include "ghtraffic/util/number.hpp"
#include "ghtraffic/util/redact.hpp"

namespace ghtraffic::cli {
namespace {

struct BackfillCommandOptions {
  std::vector<std::string> repos;
  std::optional<int> max_requests;
  std::optional<int> deadline_minutes;
  std::optional<std::string> token_ssm;
  std::string today;
  bool json = false;
};

void print_json(const collect::BackfillSummary& summary, const std::string& store) {
  nlohmann::json repos = nlohmann::json::array();
  for (const auto& repo : summary.repos) {
    repos.push_back({{"repo", repo.full_name},
                     {"ok", repo.ok},
                     {"error", repo.error},
                     {"requests", repo.requests},
                     {"stars_source", repo.stars_source},
                     {"stars_complete", repo.stars_complete},
                     {"forks_complete", repo.forks_complete},
                     {"new_days", repo.new_days},
                     {"grown_days", repo.grown_days},
                     {"approximate", repo.notes}});
  }
  nlohmann::json doc = {
      {"ok", summary.failed() == 0},        {"store", store},
      {"requests", summary.requests},       {"out_of_requests", summary.out_of_requests},
      {"out_of_time", summary.out_of_time}, {"repos", repos}};
  std::fputs((util::scrub(doc.dump(2)) + "\n").c_str(), stdout);
}

void print_text(const collect::BackfillSummary& summary) {
  for (const auto& repo : summary.repos) {
    std::string state;
    if (!repo.ok) {
      state = "failed: " + repo.error;
    } else {
      state =
          fmt::format("stars {} ({}), forks {}", repo.stars_complete ? "up to date" : "in progress",
                      repo.stars_source.empty() ? "-" : repo.stars_source,
                      repo.forks_complete ? "up to date" : "in progress");
    }
    std::fputs(util::scrub(fmt::format("{}: {}; {} new days, {} grown, {}\n", repo.full_name, state,
                                       repo.new_days, repo.grown_days,
                                       util::counted(repo.requests, "request", "requests")))
                   .c_str(),
               stdout);
    for (const auto& note : repo.notes) {
      std::fputs(util::scrub("  approximate: " + note + "\n").c_str(), stdout);
    }
  }
  std::string stop;
  if (summary.out_of_requests) {
    stop = " — stopped at --max-requests; run it again to go on from there";
  } else if (summary.out_of_time) {
    stop = " — stopped at the deadline; run it again to go on from there";
  }
  std::fputs(
      util::scrub(fmt::format("backfilled {} with {}{}\n",
                              util::counted(summary.repos.size(), "repository", "repositories"),
                              util::counted(summary.requests, "request", "requests"), stop))
          .c_str(),
      stdout);
}

int run_backfill_command(const GlobalOptions& global, const BackfillCommandOptions& opts) {
  auto config = load_config_file(global);
  auto flags = client_flags(global);
  flags.token_ssm_parameter = opts.token_ssm;
  auto settings = collect::resolve_client_settings(flags, config);
  auto token = collect::find_token(settings);
  if (!token) {
    throw util::Error(collect::no_token_message());
  }
  auto store_url = resolve_store_url(global, config);
  auto lock = store::lock_for_collect(store_url);
  auto store = store::make_store(store_url);
  auto repos = read::select_repositories(*store, opts.repos);
  if (repos.empty()) {
    util::log_warn("{} holds no repository yet; collect or import one before a backfill",
                   store->describe());
  }
  auto transport = collect::make_github_transport();
  github::Client client(collect::client_options(settings, *token), *transport);
  collect::BackfillOptions options;
  options.max_requests = opts.max_requests.value_or(1000);
  if (opts.deadline_minutes) {
    options.deadline = client.clock().now() + std::chrono::minutes{*opts.deadline_minutes};
  }
  if (!opts.today.empty()) {
    options.today = util::parse_day(opts.today);
    if (!options.today) {
      throw util::Error("--today takes a day like 2026-03-01, not '{}'", opts.today);
    }
  }
  auto summary = collect::run_backfill(client, *store, repos, options);
  if (opts.json) {
    print_json(summary, store->describe());
  } else {
    print_text(summary);
  }
  return summary.failed() == 0 ? util::k_exit_ok : util::k_exit_partial;
}

}  // namespace

void add_backfill_command(CLI::App& app, GlobalOptions& global, Action& action) {
  auto opts = std::make_shared<BackfillCommandOptions>();
  auto* cmd = app.add_subcommand(
      "backfill",
      "Read each stored repository's star and fork history back to its first day.\n"
      "Stars from GitHub's star history (the stargazer listing where it is missing), forks\n"
      "from the fork listing; later runs read only what is new. Stopped by --max-requests or\n"
      "--deadline, the next run goes on from there. docs/backfill.md says more.");
  cmd->add_option("repos", opts->repos,
                  "Repositories of the store, as OWNER/REPO (current or earlier name); none: all");
  add_int_option(*cmd, "--max-requests", opts->max_requests, 1, 1'000'000,
                 "Spend at most N requests (retries included) in this run; default 1000");
  add_int_option(*cmd, "--deadline", opts->deadline_minutes, 1, 24 * 60,
                 "Start no request after this many minutes");
  cmd->add_flag("--json", opts->json, "Print the summary as JSON");
  // The day instead of today (UTC) for what was read already, so that tests need no clock.
  cmd->add_option("--today", opts->today)->group("");
  add_token_ssm_option(*cmd, opts->token_ssm);
  add_global_options(*cmd, global);
  cmd->footer(
      "Examples:\n"
      "  ghtraffic backfill\n"
      "  ghtraffic backfill octocat/hello-world --max-requests 200\n"
      "Exit codes: 0 every repository backfilled (or left to go on next time), 1 some failed,\n"
      "2 usage or configuration error, 3 store busy.");
  cmd->callback([&global, opts, &action] {
    action = [&global, opts] { return run_backfill_command(global, *opts); };
  });
}

}  // namespace ghtraffic::cli
