#include "ghtraffic/web/api.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include "ghtraffic/read/counts.hpp"
#include "ghtraffic/read/series.hpp"
#include "ghtraffic/util/number.hpp"

namespace ghtraffic::web {
namespace {

using nlohmann::json;
using std::chrono::days;

json optional_time(const std::optional<util::Timestamp>& t) {
  return t ? json(util::format_iso8601(*t)) : json(nullptr);
}

json optional_day(const std::optional<util::Day>& d) {
  return d ? json(util::format_day(*d)) : json(nullptr);
}

// R3: a period no collection covered has no sum; its coverage goes beside it.
json sum_or_null(const read::KindSum& kind) {
  auto total = kind.total();
  return total ? json(*total) : json(nullptr);
}

json figure(std::int32_t value) {
  return value < 0 ? json(nullptr) : json(value);
}

std::vector<std::string> values_of(const Params& params, const std::string& name) {
  std::vector<std::string> out;
  auto [begin, end] = params.equal_range(name);
  for (auto it = begin; it != end; ++it) {
    out.push_back(it->second);
  }
  return out;
}

std::optional<std::string> single(const Params& params, const std::string& name) {
  auto values = values_of(params, name);
  if (values.size() > 1) {
    throw RequestError(400, fmt::format("{}: given {} times; give it once", name, values.size()));
  }
  return values.empty() ? std::nullopt : std::optional(values.front());
}

std::optional<util::Day> day_param(const Params& params, const std::string& name) {
  auto text = single(params, name);
  if (!text) {
    return std::nullopt;
  }
  auto day = util::parse_day(*text);
  if (!day || util::format_day(*day) != *text) {
    throw RequestError(
        400, fmt::format("{}: \"{}\" is not a UTC day; write it as YYYY-MM-DD", name, *text));
  }
  return day;
}

struct Range {
  std::optional<util::Day> from;
  std::optional<util::Day> to;
};

Range range_param(const Params& params) {
  Range range{day_param(params, "from"), day_param(params, "to")};
  if (range.from && range.to && *range.from > *range.to) {
    throw RequestError(400, fmt::format("from: {} is after to: {}", util::format_day(*range.from),
                                        util::format_day(*range.to)));
  }
  return range;
}

// An earlier name of several repositories is the request's fault (400); a name of none, 404.
const RepoData& resolve(const Snapshot& snapshot, const std::string& name) {
  auto repo = snapshot.find(name);
  if (!repo) {
    const auto& miss = repo.error();
    if (miss.reason == read::NameMiss::Reason::ambiguous) {
      throw RequestError(400, fmt::format("repo: {} is an earlier name of several repositories "
                                          "({}); use the current name",
                                          name, fmt::join(miss.candidates, ", ")));
    }
    throw RequestError(404, fmt::format("repo: no repository {} in the store", name));
  }
  return **repo;
}

const RepoData& one_repo(const Snapshot& snapshot, const Params& params) {
  auto name = single(params, "repo");
  if (!name || name->empty()) {
    throw RequestError(400, "repo: required, as OWNER/REPO");
  }
  return resolve(snapshot, *name);
}

bool in_range(util::Day day, const Range& range) {
  return (!range.from || day >= *range.from) && (!range.to || day <= *range.to);
}

store::DayRange store_range(const Range& range) {
  return {range.from, range.to};
}

// `last`: only the latest N snapshots are answered. A page showing the latest top-10 and
// its recent history needs a month of them; three years of daily snapshots are megabytes
// of JSON that take longer to build than any other answer.
std::optional<std::size_t> last_param(const Params& params) {
  auto text = single(params, "last");
  if (!text) {
    return std::nullopt;
  }
  auto n = util::parse_int<std::size_t>(*text, 1, k_max_range_days);
  if (!n) {
    throw RequestError(400, "last: " + n.error().message);
  }
  return *n;
}

// GET /api/paths and /api/referrers: one repository's top-10 series (R5), each day's
// snapshot with its entries in the order GitHub reported them, as entry_json makes them.
template <typename SeriesOf, typename EntryJson>
json top_list_json(const Snapshot& snapshot, const Params& params, SeriesOf series_of,
                   EntryJson entry_json) {
  const auto& repo = one_repo(snapshot, params);
  auto range = range_param(params);
  auto last = last_param(params);
  json snapshots = json::array();
  for (const auto& s : series_of(repo.record.id, read::SeriesRange{store_range(range), last})) {
    json entries = json::array();
    for (const auto& e : s.entries) {
      entries.push_back(entry_json(e));
    }
    snapshots.push_back({{"date", util::format_day(util::day_of(s.observed_at))},
                         {"observed_at", util::format_iso8601(s.observed_at)},
                         {"entries", std::move(entries)}});
  }
  return {{"repo", repo.record.full_name}, {"snapshots", std::move(snapshots)}};
}

// A day's figures summed over repositories. Its uniques are a number only when every
// repository covered that day knows its own: one unknown would make the sum read as if
// its repository had none (R3).
struct DayFigures {
  std::int64_t views = 0;
  std::int64_t views_unique = 0;
  std::int64_t clones = 0;
  std::int64_t clones_unique = 0;
  int views_repos = 0;
  int clones_repos = 0;
  bool views_unique_unknown = false;
  bool clones_unique_unknown = false;
  int covered = 0;

  void add(const DayCell& cell) {
    if (cell.views >= 0) {
      views += cell.views;
      views_unique += std::max(cell.views_unique, 0);
      views_unique_unknown = views_unique_unknown || cell.views_unique < 0;
      ++views_repos;
    }
    if (cell.clones >= 0) {
      clones += cell.clones;
      clones_unique += std::max(cell.clones_unique, 0);
      clones_unique_unknown = clones_unique_unknown || cell.clones_unique < 0;
      ++clones_repos;
    }
    if (cell.views >= 0 || cell.clones >= 0) {
      ++covered;
    }
  }

  json to_json(util::Day day) const {
    auto value = [](int repos, std::int64_t sum) { return repos > 0 ? json(sum) : json(nullptr); };
    return json{{"date", util::format_day(day)},
                {"views", value(views_repos, views)},
                {"views_unique", value(views_unique_unknown ? 0 : views_repos, views_unique)},
                {"clones", value(clones_repos, clones)},
                {"clones_unique", value(clones_unique_unknown ? 0 : clones_repos, clones_unique)},
                {"covered", covered}};
  }
};

json dense_series(const std::vector<const RepoData*>& repos, util::Day from, util::Day to) {
  json out = json::array();
  for (auto day = from; day <= to; day += days{1}) {
    DayFigures figures;
    for (const auto* repo : repos) {
      if (const auto* cell = repo->at(day)) {
        figures.add(*cell);
      }
    }
    out.push_back(figures.to_json(day));
  }
  return out;
}

std::string prometheus_label(std::string_view value) {
  std::string out;
  for (char c : value) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

RunReport run_report_from(const store::RunRecord& run) {
  RunReport report;
  report.started_at = run.started_at;
  report.finished_at = run.finished_at;
  report.repos_ok = run.repos_ok;
  report.repos_failed = run.repos_failed;
  report.ok = run.finished_at.has_value() && run.repos_failed == 0;
  return report;
}

json status_json(const StatusInfo& status) {
  const auto& scheduler = status.scheduler;
  json last_run = nullptr;
  if (status.last_run) {
    const auto& run = *status.last_run;
    json errors = json::array();
    for (const auto& [repo, message] : run.errors) {
      errors.push_back({{"repo", repo.empty() ? json(nullptr) : json(repo)}, {"error", message}});
    }
    last_run = {{"started_at", util::format_iso8601(run.started_at)},
                {"finished_at", optional_time(run.finished_at)},
                {"ok", run.ok},
                {"repos_ok", run.repos_ok},
                {"repos_failed", run.repos_failed},
                {"errors", errors}};
  }
  auto optional_int = [](const std::optional<std::int64_t>& v) {
    return v ? json(*v) : json(nullptr);
  };
  json backfill = nullptr;
  if (scheduler.enabled) {
    json last_pass = nullptr;
    if (const auto& pass = scheduler.backfill) {
      last_pass = {{"at", util::format_iso8601(pass->at)},
                   {"ran", pass->ran},
                   {"skipped", pass->skipped.empty() ? json(nullptr) : json(pass->skipped)},
                   {"error", pass->error.empty() ? json(nullptr) : json(pass->error)},
                   {"allowed", pass->allowed},
                   {"requests", pass->requests},
                   {"repos", pass->repos},
                   {"advanced", pass->advanced},
                   {"failed", pass->failed},
                   {"stopped", pass->stopped.empty() ? json(nullptr) : json(pass->stopped)}};
    }
    backfill = {{"enabled", scheduler.backfill_enabled},
                {"requests_total", scheduler.backfill_requests_total},
                {"last_pass", last_pass}};
  }
  json attention = json::array();
  for (const auto& repo : status.attention) {
    attention.push_back(freshness_json(repo));
  }
  return {
      {"version", GHTRAFFIC_VERSION},
      {"store", status.store},
      {"today", util::format_day(status.today)},
      {"scheduler",
       {{"enabled", scheduler.enabled},
        {"interval_seconds", scheduler.enabled ? json(scheduler.interval.count()) : json(nullptr)},
        {"running", scheduler.running},
        {"next_run_at", optional_time(scheduler.next_run_at)},
        {"disabled_reason",
         scheduler.disabled_reason ? json(*scheduler.disabled_reason) : json(nullptr)}}},
      {"last_run", last_run},
      {"rate_limit",
       {{"remaining", optional_int(scheduler.rate_limit.remaining)},
        {"limit", optional_int(scheduler.rate_limit.limit)},
        {"reset", optional_time(scheduler.rate_limit.reset)}}},
      {"backfill", backfill},
      {"attention", {{"warn_days", status.warn_days}, {"repositories", attention}}},
  };
}

json freshness_json(const read::RepoFreshness& repo) {
  const auto& f = repo.freshness;
  return {
      {"repo", repo.full_name},
      {"id", repo.id == 0 ? json(nullptr) : json(repo.id)},
      {"last_success", optional_time(repo.last_success)},
      {"days_left", f.days_left ? json(*f.days_left) : json(nullptr)},
      {"lost_days", f.lost_days},
      {"lost_from", optional_day(f.lost_from)},
      {"lost_to", optional_day(f.lost_to)},
      {"urgency", read::to_string(f.urgency)},
      {"needs_attention", f.needs_attention()},
      {"last_attempt",
       repo.last_attempt ? json(util::format_iso8601(repo.last_attempt->at)) : json(nullptr)},
      {"last_error", repo.last_error.empty() ? json(nullptr) : json(repo.last_error)},
  };
}

std::vector<read::RepoFreshness> needing_attention(const std::vector<read::RepoFreshness>& all) {
  std::vector<read::RepoFreshness> out;
  std::copy_if(all.begin(), all.end(), std::back_inserter(out),
               [](const read::RepoFreshness& repo) { return repo.freshness.needs_attention(); });
  return out;
}

json repos_json(const Snapshot& snapshot, util::Day today,
                const std::map<std::string, std::string>& errors) {
  json repos = json::array();
  for (const auto& data : snapshot.repos) {
    const auto& repo = *data;
    const auto& record = repo.record;
    auto last14 = repo.sum_period(today - days{13}, today);
    auto last30 = repo.sum_period(today - days{29}, today);
    json sparkline = json::array();
    for (auto day = today - days{29}; day <= today; day += days{1}) {
      const auto* cell = repo.at(day);
      sparkline.push_back(cell == nullptr ? json(nullptr) : figure(cell->views));
    }
    auto window = read::uniques_window(repo.views_windows, today - days{13}, today);
    auto error = errors.find(record.full_name);
    repos.push_back({
        {"repo", record.full_name},
        {"id", record.id},
        {"names", record.names},
        {"visibility", record.visibility},
        {"archived", record.archived},
        {"fork", record.fork},
        {"first_day", optional_day(record.first_day)},
        {"last_day", optional_day(record.last_day)},
        {"last_collected", optional_time(record.last_collected)},
        {"views_14d", sum_or_null(last14.views)},
        {"views_14d_days", last14.views.covered},
        {"views_30d", sum_or_null(last30.views)},
        {"views_30d_days", last30.views.covered},
        {"uniques_14d", window ? json(window->uniques) : json(nullptr)},
        {"uniques_14d_window_end",
         window ? json(util::format_day(util::day_of(window->observed_at))) : json(nullptr)},
        {"clones_14d", sum_or_null(last14.clones)},
        {"clones_14d_days", last14.clones.covered},
        {"clones_30d", sum_or_null(last30.clones)},
        {"clones_30d_days", last30.clones.covered},
        {"stars", repo.latest_counters ? json(repo.latest_counters->stars) : json(nullptr)},
        {"forks", repo.latest_counters ? json(repo.latest_counters->forks) : json(nullptr)},
        {"gap_days_30d", last30.gap_days},
        {"sparkline", sparkline},
        {"error", error == errors.end() ? json(nullptr) : json(error->second)},
    });
  }
  return {{"today", util::format_day(today)}, {"repos", repos}};
}

json daily_json(const Snapshot& snapshot, const Params& params) {
  std::vector<const RepoData*> selected;
  std::set<core::RepoId> seen;
  for (const auto& name : values_of(params, "repo")) {
    const auto& repo = resolve(snapshot, name);
    if (seen.insert(repo.record.id).second) {
      selected.push_back(&repo);
    }
  }
  if (params.count("repo") == 0) {
    for (const auto& repo : snapshot.repos) {
      selected.push_back(repo.get());
    }
  }
  auto split = single(params, "split").value_or("0");
  if (split != "0" && split != "1") {
    throw RequestError(400, fmt::format("split: \"{}\" is not 0 or 1", split));
  }
  auto range = range_param(params);

  // Unset ends default to the first and last day stored for the selection.
  std::optional<util::Day> first;
  std::optional<util::Day> last;
  for (const auto* repo : selected) {
    if (!repo->cells.empty()) {
      auto repo_last = repo->first + days{static_cast<int>(repo->cells.size()) - 1};
      first = std::min(first.value_or(repo->first), repo->first);
      last = std::max(last.value_or(repo_last), repo_last);
    }
  }
  auto from = range.from ? range.from : first;
  auto to = range.to ? range.to : last;
  if (from && to && *from > *to) {
    // One end given outside the stored span: an empty range, not an error.
    from = to = std::nullopt;
  }
  if (from && to && (*to - *from).count() >= k_max_range_days) {
    throw RequestError(400, fmt::format("from, to: at most {} days at once", k_max_range_days));
  }
  if (split == "1" && from && to) {
    const std::int64_t span = (*to - *from).count() + 1;
    const auto repos = static_cast<std::int64_t>(selected.size());
    if (span * repos > k_max_split_days) {
      throw RequestError(
          400, fmt::format("split=1: at most {} days in all (days × repositories) at once; {} "
                           "repositories over {} days are {}: name fewer repositories with repo= "
                           "or a shorter range with from and to",
                           k_max_split_days, repos, span, span * repos));
    }
  }

  json names = json::array();
  for (const auto* repo : selected) {
    names.push_back(repo->record.full_name);
  }
  json out{{"repos", names}, {"from", optional_day(from)}, {"to", optional_day(to)}};
  if (split == "1") {
    json series = json::object();
    for (const auto* repo : selected) {
      series[repo->record.full_name] =
          from && to ? dense_series({repo}, *from, *to) : json::array();
    }
    out["series"] = std::move(series);
  } else {
    out["days"] = from && to ? dense_series(selected, *from, *to) : json::array();
  }
  return out;
}

json paths_json(store::Store& store, const Snapshot& snapshot, const Params& params) {
  return top_list_json(
      snapshot, params,
      [&](core::RepoId id, const read::SeriesRange& range) {
        return read::path_series(store, id, range);
      },
      [](const core::PopularPath& e) {
        return json{{"path", e.path},
                    {"title", e.title},
                    {"count", e.count},
                    {"uniques", e.uniques ? json(*e.uniques) : json(nullptr)}};
      });
}

json referrers_json(store::Store& store, const Snapshot& snapshot, const Params& params) {
  return top_list_json(
      snapshot, params,
      [&](core::RepoId id, const read::SeriesRange& range) {
        return read::referrer_series(store, id, range);
      },
      [](const core::Referrer& e) {
        return json{{"referrer", e.referrer}, {"count", e.count}, {"uniques", e.uniques}};
      });
}

json counters_json(store::Store& store, const Snapshot& snapshot, const Params& params) {
  const auto& repo = one_repo(snapshot, params);
  auto range = range_param(params);
  json out_days = json::array();
  for (const auto& c : read::counter_series(store, repo.record.id, {store_range(range)})) {
    out_days.push_back({{"date", util::format_day(util::day_of(c.observed_at))},
                        {"stars", c.stars},
                        {"forks", c.forks},
                        {"watchers", c.watchers ? json(*c.watchers) : json(nullptr)},
                        {"open_issues", c.open_issues ? json(*c.open_issues) : json(nullptr)}});
  }
  json events = json::array();
  for (const auto& e : store.events(repo.record.id)) {
    if (in_range(util::day_of(e.at), range)) {
      events.push_back({{"kind", core::to_string(e.kind)}, {"at", util::format_iso8601(e.at)}});
    }
  }
  // Star and fork history before and between collections (R6), marked apart from the
  // snapshots; a kind without a known count that day is null (R3).
  std::map<util::Day, std::pair<json, json>> history;
  for (auto kind : {core::CountKind::stars, core::CountKind::forks}) {
    for (const auto& c : store.history_counts(repo.record.id, kind, store_range(range))) {
      auto& entry = history.try_emplace(c.day, json(nullptr), json(nullptr)).first->second;
      (kind == core::CountKind::stars ? entry.first : entry.second) = c.count;
    }
  }
  json history_days = json::array();
  for (const auto& [day, counts] : history) {
    history_days.push_back(
        {{"date", util::format_day(day)}, {"stars", counts.first}, {"forks", counts.second}});
  }
  json downloads = json::array();
  for (const auto& d : read::daily_downloads(store.downloads(repo.record.id))) {
    if (in_range(d.day, range)) {
      downloads.push_back({{"date", util::format_day(d.day)},
                           {"release", d.release},
                           {"asset", d.asset},
                           {"downloads", d.downloads ? json(*d.downloads) : json(nullptr)}});
    }
  }
  return {{"repo", repo.record.full_name},
          {"days", out_days},
          {"events", events},
          {"history", history_days},
          {"downloads", downloads}};
}

json windows_json(store::Store& store, const Snapshot& snapshot, const Params& params) {
  const auto& repo = one_repo(snapshot, params);
  auto range = range_param(params);
  json out = json::array();
  for (const auto& w : store.windows(repo.record.id)) {
    if (in_range(util::day_of(w.observed_at), range)) {
      out.push_back({{"observed_at", util::format_iso8601(w.observed_at)},
                     {"kind", core::to_string(w.kind)},
                     {"count", w.count},
                     {"uniques", w.uniques}});
    }
  }
  return {{"repo", repo.record.full_name}, {"windows", out}};
}

std::string metrics_text(const Snapshot& snapshot, const std::optional<RunReport>& last_run,
                         util::Day today) {
  std::string out;
  auto family = [&](std::string_view name, std::string_view help, auto value_of) {
    out += fmt::format("# HELP {} {}\n# TYPE {} gauge\n", name, help, name);
    for (const auto& repo : snapshot.repos) {
      if (auto value = value_of(*repo)) {
        out += fmt::format("{}{{repo=\"{}\"}} {}\n", name, prometheus_label(repo->record.full_name),
                           *value);
      }
    }
  };
  using Value = std::optional<std::int64_t>;
  family("ghtraffic_views_total", "Views, every stored day added up.",
         [](const RepoData& r) -> Value { return r.views_total; });
  family("ghtraffic_views_unique_14d",
         "Unique visitors of the latest 14-day window GitHub reported.",
         [](const RepoData& r) -> Value {
           return r.views_windows.empty() ? Value() : Value(r.views_windows.back().uniques);
         });
  family("ghtraffic_clones_total", "Clones, every stored day added up.",
         [](const RepoData& r) -> Value { return r.clones_total; });
  family("ghtraffic_stars", "Stars at the latest snapshot.", [](const RepoData& r) -> Value {
    return r.latest_counters ? Value(r.latest_counters->stars) : Value();
  });
  family("ghtraffic_forks", "Forks at the latest snapshot.", [](const RepoData& r) -> Value {
    return r.latest_counters ? Value(r.latest_counters->forks) : Value();
  });
  // DESIGN.md "Days left": below 0, days have left GitHub's window uncollected.
  family("ghtraffic_days_left",
         "Days until GitHub forgets a day that was not collected: the UTC day of the last "
         "successful collection + 14 - today; below 0, days were lost.",
         [&](const RepoData& r) -> Value {
           auto left = read::freshness(r.record.last_collected, today).days_left;
           return left ? Value(*left) : Value();
         });
  family("ghtraffic_last_success_timestamp_seconds",
         "When the repository was last collected successfully (GitHub's Date header).",
         [](const RepoData& r) -> Value {
           return r.record.last_collected
                      ? Value(r.record.last_collected->time_since_epoch().count())
                      : Value();
         });
  if (last_run) {
    auto at = last_run->finished_at.value_or(last_run->started_at);
    out += fmt::format(
        "# HELP ghtraffic_last_collection_timestamp_seconds When the last collection ended.\n"
        "# TYPE ghtraffic_last_collection_timestamp_seconds gauge\n"
        "ghtraffic_last_collection_timestamp_seconds {}\n"
        "# HELP ghtraffic_last_collection_success 1 if the last collection collected every "
        "repository, else 0.\n"
        "# TYPE ghtraffic_last_collection_success gauge\n"
        "ghtraffic_last_collection_success {}\n"
        "# HELP ghtraffic_last_collection_repos_failed Repositories the last collection failed "
        "to collect.\n"
        "# TYPE ghtraffic_last_collection_repos_failed gauge\n"
        "ghtraffic_last_collection_repos_failed {}\n",
        at.time_since_epoch().count(), last_run->ok ? 1 : 0, last_run->repos_failed);
  }
  return out;
}

}  // namespace ghtraffic::web
