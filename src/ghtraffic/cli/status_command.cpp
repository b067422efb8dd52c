// `ghtraffic status`: how many days each repository has before GitHub forgets traffic that
// was never collected, which days are already lost, and why the latest attempt failed.
// Its exit code is for cron, timers, monitoring agents and CI; --notify posts an alert.
#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "ghtraffic/cli/common.hpp"
#include "ghtraffic/cli/notify.hpp"
#include "ghtraffic/net/transport.hpp"
#include "ghtraffic/read/freshness.hpp"
#include "ghtraffic/store/store.hpp"
#include "ghtraffic/util/clock.hpp"
#include "ghtraffic/util/error.hpp"
#include "ghtraffic/util/log.hpp"
#include "ghtraffic/util/strings.hpp"
#include "ghtraffic/web/api.hpp"

namespace ghtraffic::cli {
namespace {

struct StatusCommandOptions {
  std::vector<std::string> repos;
  std::optional<int> warn_days;
  bool json = false;
  bool no_color = false;
  std::string notify;
  std::string today;  // hidden, for tests: the UTC day to count from
};

// The repositories named on the command line, in the order of urgency; a name that the
// store has never seen is a usage error, since a typo must not read as "all is well".
std::vector<read::RepoFreshness> selected(std::vector<read::RepoFreshness> all,
                                          const std::vector<std::string>& names,
                                          store::Store& store) {
  if (names.empty()) {
    return all;
  }
  auto records = store.repositories();
  std::vector<read::RepoFreshness> out;
  for (const auto& name : names) {
    auto matches = [&](const read::RepoFreshness& repo) {
      if (util::iequals(repo.full_name, name)) {
        return true;
      }
      for (const auto& record : records) {
        if (record.id == repo.id && repo.id != 0) {
          for (const auto& earlier : record.names) {
            if (util::iequals(earlier, name)) {
              return true;
            }
          }
        }
      }
      return false;
    };
    auto it = std::find_if(all.begin(), all.end(), matches);
    if (it == all.end()) {
      throw util::Error(
          "{} is not in {}: no collection has tried it yet; run `ghtraffic collect {}` (or "
          "`ghtraffic status` without names to list the repositories it holds)",
          name, store.describe(), name);
    }
    bool already = std::any_of(out.begin(), out.end(), [&](const read::RepoFreshness& r) {
      return r.full_name == it->full_name && r.id == it->id;
    });
    if (!already) {
      out.push_back(*it);
    }
  }
  read::sort_by_urgency(out);
  return out;
}

std::string time_text(const std::optional<util::Timestamp>& at) {
  if (!at) {
    return "never";
  }
  auto iso = util::format_iso8601(*at);  // 2026-03-01T10:00:00Z
  return iso.substr(0, 10) + " " + iso.substr(11, 5) + " UTC";
}

nlohmann::json to_json(const std::vector<read::RepoFreshness>& repos, util::Day today,
                       int warn_days) {
  auto list = nlohmann::json::array();
  for (const auto& repo : repos) {
    list.push_back(web::freshness_json(repo));
  }
  return {{"today", util::format_day(today)}, {"warn_days", warn_days}, {"repositories", list}};
}

class Style {
 public:
  explicit Style(bool color) : m_color(color) {}
  std::string red(std::string_view text) const { return paint("\x1b[31m", text); }
  std::string yellow(std::string_view text) const { return paint("\x1b[33m", text); }
  std::string green(std::string_view text) const { return paint("\x1b[32m", text); }
  std::string dim(std::string_view text) const { return paint("\x1b[2m", text); }

 private:
  std::string paint(const char* code, std::string_view text) const {
    return m_color ? fmt::format("{}{}\x1b[0m", code, text) : std::string(text);
  }
  bool m_color;
};

// The state column: what the figures mean and what to do, in words.
std::string state_text(const read::RepoFreshness& repo, const Style& style) {
  const auto& f = repo.freshness;
  switch (f.urgency) {
    case read::Urgency::lost:
      return style.red(
          fmt::format("LOST {} {} ({}) that GitHub no longer shows; collect now to keep the rest",
                      f.lost_days, f.lost_days == 1 ? "day" : "days", read::lost_range_text(f)));
    case read::Urgency::never_collected:
      return style.red("NEVER COLLECTED: nothing of its traffic is stored yet");
    case read::Urgency::due_today:
      return style.yellow("DUE TODAY: collect it today or a day is lost tomorrow");
    case read::Urgency::at_risk:
      return style.yellow(fmt::format("AT RISK: collect it within {} {}", *f.days_left,
                                      *f.days_left == 1 ? "day" : "days"));
    case read::Urgency::ok:
      return style.green("ok");
  }
  return "";
}

std::string render_table(const std::vector<read::RepoFreshness>& repos, bool quiet,
                         const Style& style) {
  std::size_t width = std::string_view("REPOSITORY").size();
  for (const auto& repo : repos) {
    width = std::max(width, repo.full_name.size());
  }
  std::string out;
  if (!quiet) {
    out += fmt::format("{:<{}}  {:>9}  {:<20}  {}\n", "REPOSITORY", width, "DAYS LEFT",
                       "LAST COLLECTED", "STATE");
  }
  for (const auto& repo : repos) {
    if (quiet && !repo.freshness.needs_attention()) {
      continue;
    }
    auto left = repo.freshness.days_left ? std::to_string(*repo.freshness.days_left) : "-";
    out += fmt::format("{:<{}}  {:>9}  {:<20}  {}\n", repo.full_name, width, left,
                       time_text(repo.last_success), state_text(repo, style));
    if (!repo.last_error.empty()) {
      out += style.dim(fmt::format("{:<{}}  last attempt {} failed: {}", "", width,
                                   time_text(repo.last_attempt->at), repo.last_error)) +
             "\n";
    }
  }
  return out;
}

std::string summary_line(const std::vector<read::RepoFreshness>& repos, int warn_days) {
  auto attention = read::names_needing_attention(repos);
  if (attention.empty()) {
    return fmt::format("All {} {} more than {} {} left.\n", repos.size(),
                       repos.size() == 1 ? "repository has" : "repositories have", warn_days,
                       warn_days == 1 ? "day" : "days");
  }
  return fmt::format(
      "{} of {} {} collecting: run `ghtraffic collect` now, then check why the schedule "
      "stopped (an expired token, a broken cron line or timer, a disabled schedule).\n",
      attention.size(), repos.size(), repos.size() == 1 ? "repository needs" : "repositories need");
}

int run_status(const GlobalOptions& global, const StatusCommandOptions& opts) {
  auto today = day_option(opts.today, "--today");
  auto config = load_config_file(global);
  int warn_days = resolve_warn_days(opts.warn_days, config);
  auto store = store::make_store(resolve_store_url(global, config), {.read_only = true});
  auto repos = selected(read::store_freshness(*store, today, warn_days), opts.repos, *store);
  bool attention = !read::names_needing_attention(repos).empty();

  if (opts.json) {
    std::fputs((to_json(repos, today, warn_days).dump(2) + "\n").c_str(), stdout);
  } else if (repos.empty()) {
    if (!global.quiet) {
      std::fprintf(stdout, "No repository in %s yet: run `ghtraffic collect` first.\n",
                   store->describe().c_str());
    }
  } else {
    Style style(!opts.no_color && ::isatty(STDOUT_FILENO) == 1 &&
                std::getenv("NO_COLOR") == nullptr);
    auto text = render_table(repos, global.quiet, style);
    if (!global.quiet || attention) {
      text += summary_line(repos, warn_days);
    }
    std::fputs(text.c_str(), stdout);
  }
  std::fflush(stdout);

  if (attention && !opts.notify.empty()) {
    auto transport = net::make_curl_transport();
    if (post_webhook(*transport, opts.notify, read::attention_message(repos))) {
      util::log_verbose("alert sent to the webhook");
    }
  }
  return attention ? util::k_exit_partial : util::k_exit_ok;
}

}  // namespace

void add_status_command(CLI::App& app, GlobalOptions& global, Action& action) {
  auto opts = std::make_shared<StatusCommandOptions>();
  auto* cmd = app.add_subcommand(
      "status",
      "Say how many days each repository has before GitHub forgets uncollected traffic, "
      "which days are already lost and why the last collection failed. Exit code 0 when "
      "every repository has more than --warn-days days left, 1 when any has that many or "
      "fewer or has lost days, 2 for usage errors: for cron, timers and monitoring.");
  cmd->add_option("repos", opts->repos, "Only these repositories, OWNER/REPO");
  add_warn_days_option(*cmd, opts->warn_days);
  cmd->add_flag("--json", opts->json, "The same per repository as JSON, for scripts");
  cmd->add_option("--notify", opts->notify,
                  "When any repository is at risk or has lost days, POST one alert to this "
                  "webhook URL (Slack, Mattermost, Teams, Discord)")
      ->type_name("URL");
  cmd->add_flag("--no-color", opts->no_color, "Plain text even on a terminal (also NO_COLOR)");
  // The day to count from instead of today (UTC), so that tests need no real clock.
  cmd->add_option("--today", opts->today)->group("");
  add_global_options(*cmd, global);
  cmd->callback(
      [&action, &global, opts] { action = [&global, opts] { return run_status(global, *opts); }; });
}

}  // namespace ghtraffic::cli
