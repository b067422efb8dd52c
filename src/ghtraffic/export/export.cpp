#include "ghtraffic/export/export.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <utility>

#include "ghtraffic/export/csv.hpp"
#include "ghtraffic/read/history.hpp"
#include "ghtraffic/read/select.hpp"
#include "ghtraffic/util/strings.hpp"

namespace ghtraffic::exports {
namespace {

using Json = nlohmann::json;
using read::HistoryDay;
using read::RepoHistory;

std::optional<std::int64_t> count_of(const std::optional<core::DayCount>& day) {
  return day ? std::optional(day->count) : std::nullopt;
}

std::optional<std::int64_t> uniques_of(const std::optional<core::DayCount>& day) {
  return day ? day->uniques : std::nullopt;
}

std::optional<std::int64_t> stars_of(const HistoryDay& day) {
  return day.counters ? std::optional(day.counters->stars) : std::nullopt;
}

std::optional<std::int64_t> forks_of(const HistoryDay& day) {
  return day.counters ? std::optional(day.counters->forks) : std::nullopt;
}

std::string day_text(const std::optional<util::Day>& day) {
  return day ? util::format_day(*day) : std::string();
}

std::string time_text(const std::optional<util::Timestamp>& at) {
  return at ? util::format_iso8601(*at) : std::string();
}

// Every name the repository had, oldest first, ending with the current one (R8).
std::vector<std::string> all_names(const store::RepoRecord& record) {
  auto names = record.names;
  if (std::find(names.begin(), names.end(), record.full_name) == names.end()) {
    names.push_back(record.full_name);
  }
  return names;
}

// GitHub's id; none for a repository imported by name and not collected yet (R8), which
// the store keeps under a negative id of its own.
std::optional<core::RepoId> github_id(const store::RepoRecord& record) {
  return record.id > 0 ? std::optional(record.id) : std::nullopt;
}

class Exporter {
 public:
  explicit Exporter(Sink& sink) : m_sink(sink) {}

  void write(const std::string& path, const std::string& content, std::size_t rows) {
    m_sink.write(path, content);
    m_stats.files.push_back({path, rows});
  }

  void write(const std::string& path, const CsvWriter& csv) { write(path, csv.text(), csv.rows()); }

  ExportStats finish(std::size_t repos) {
    m_sink.finish();
    m_stats.repos = repos;
    return std::move(m_stats);
  }

 private:
  Sink& m_sink;
  ExportStats m_stats;
};

// --- csv ---

void export_csv(const std::vector<RepoHistory>& histories, Exporter& out) {
  CsvWriter daily(
      {"repo", "date", "views", "views_unique", "clones", "clones_unique", "stars", "forks"});
  CsvWriter paths({"repo", "date", "path", "title", "views", "views_unique"});
  CsvWriter referrers({"repo", "date", "referrer", "views", "views_unique"});
  CsvWriter windows({"repo", "observed_at", "kind", "count", "uniques"});
  CsvWriter repos({"repo", "id", "names", "first_day", "last_day", "last_collected"});
  CsvWriter stars({"repo", "date", "stars", "source"});
  CsvWriter forks({"repo", "date", "forks", "source"});
  CsvWriter downloads({"repo", "date", "release", "asset", "downloads"});
  CsvWriter backfill({"repo", "kind", "source", "next_url", "next_position", "through_day",
                      "complete", "resume_before", "pass_until", "approximate_from", "note",
                      "updated_at"});

  for (const auto& history : histories) {
    auto repo = csv_field(history.record.full_name);
    for (const auto& day : history.days) {
      daily.row({repo, util::format_day(day.day), csv_number(count_of(day.views)),
                 csv_number(uniques_of(day.views)), csv_number(count_of(day.clones)),
                 csv_number(uniques_of(day.clones)), csv_number(stars_of(day)),
                 csv_number(forks_of(day))});
    }
    for (const auto& snapshot : history.paths) {
      auto date = util::format_day(util::day_of(snapshot.observed_at));
      for (const auto& entry : snapshot.entries) {
        paths.row({repo, date, csv_untrusted_field(entry.path), csv_untrusted_field(entry.title),
                   csv_number(entry.count), csv_number(entry.uniques)});
      }
    }
    for (const auto& snapshot : history.referrers) {
      auto date = util::format_day(util::day_of(snapshot.observed_at));
      for (const auto& entry : snapshot.entries) {
        referrers.row({repo, date, csv_untrusted_field(entry.referrer), csv_number(entry.count),
                       csv_number(entry.uniques)});
      }
    }
    for (const auto& window : history.windows) {
      windows.row({repo, util::format_iso8601(window.observed_at), core::to_string(window.kind),
                   csv_number(window.count), csv_number(window.uniques)});
    }
    for (auto [writer, days] :
         {std::pair{&stars, &history.stars}, std::pair{&forks, &history.forks}}) {
      for (const auto& day : *days) {
        writer->row({repo, util::format_day(day.day), csv_number(day.count),
                     day.snapshot ? "snapshot" : "history"});
      }
    }
    for (const auto& snapshot : history.downloads) {
      auto date = util::format_day(util::day_of(snapshot.observed_at));
      for (const auto& asset : snapshot.assets) {
        downloads.row({repo, date, csv_untrusted_field(asset.release),
                       csv_untrusted_field(asset.asset), csv_number(asset.downloads)});
      }
    }
    for (const auto& state : history.backfill) {
      backfill.row({repo, core::to_string(state.kind), csv_field(state.source),
                    csv_untrusted_field(state.next_url), csv_number(state.next_position),
                    day_text(state.through_day), state.complete ? "true" : "false",
                    day_text(state.resume_before), day_text(state.pass_until),
                    day_text(state.approximate_from), csv_untrusted_field(state.note),
                    util::format_iso8601(state.updated_at)});
    }
    auto names = all_names(history.record);
    repos.row({repo, csv_number(github_id(history.record)),
               csv_field(fmt::format("{}", fmt::join(names, ";"))), day_text(history.first_day()),
               day_text(history.last_day()), time_text(history.record.last_collected)});
  }

  out.write("daily.csv", daily);
  out.write("paths.csv", paths);
  out.write("referrers.csv", referrers);
  out.write("windows.csv", windows);
  out.write("repos.csv", repos);
  out.write("stars.csv", stars);
  out.write("forks.csv", forks);
  out.write("downloads.csv", downloads);
  out.write("backfill.csv", backfill);
}

// --- seed: the reference design's pair ---

void export_seed_pair(const RepoHistory& history, const std::string& prefix, Exporter& out) {
  CsvWriter days({"timestamp", "clones", "views", "stars", "forks"});
  for (const auto& day : history.days) {
    days.row({util::format_sql_timestamp(util::Timestamp{day.day}),
              csv_number(count_of(day.clones)), csv_number(count_of(day.views)),
              csv_number(stars_of(day)), csv_number(forks_of(day))});
  }
  CsvWriter top({"path", "views"});
  if (!history.paths.empty()) {
    for (const auto& entry : history.paths.back().entries) {
      top.row({csv_untrusted_field(entry.path), csv_number(entry.count)});
    }
  }
  out.write(prefix + "views_clones_stars/views_clones_stars.csv", days);
  out.write(prefix + "top_paths/top_paths.csv", top);
}

void export_seed(const std::vector<RepoHistory>& histories, Exporter& out) {
  if (histories.size() <= 1) {
    export_seed_pair(histories.empty() ? RepoHistory{} : histories.front(), "", out);
    return;
  }
  for (const auto& history : histories) {
    export_seed_pair(history, history.record.full_name + "/", out);
  }
}

// --- json ---

Json json_number(std::optional<std::int64_t> value) {
  return value ? Json(*value) : Json(nullptr);
}

Json json_day(const std::optional<util::Day>& day) {
  return day ? Json(util::format_day(*day)) : Json(nullptr);
}

Json json_time(const std::optional<util::Timestamp>& at) {
  return at ? Json(util::format_iso8601(*at)) : Json(nullptr);
}

Json json_repo(const RepoHistory& history) {
  Json daily = Json::array();
  for (const auto& day : history.days) {
    daily.push_back({{"date", util::format_day(day.day)},
                     {"views", json_number(count_of(day.views))},
                     {"views_unique", json_number(uniques_of(day.views))},
                     {"clones", json_number(count_of(day.clones))},
                     {"clones_unique", json_number(uniques_of(day.clones))},
                     {"stars", json_number(stars_of(day))},
                     {"forks", json_number(forks_of(day))}});
  }
  Json windows = Json::array();
  for (const auto& window : history.windows) {
    windows.push_back({{"observed_at", util::format_iso8601(window.observed_at)},
                       {"kind", core::to_string(window.kind)},
                       {"count", window.count},
                       {"uniques", window.uniques}});
  }
  Json paths = Json::array();
  for (const auto& snapshot : history.paths) {
    Json entries = Json::array();
    for (const auto& entry : snapshot.entries) {
      entries.push_back({{"path", entry.path},
                         {"title", entry.title},
                         {"views", entry.count},
                         {"views_unique", json_number(entry.uniques)}});
    }
    paths.push_back(
        {{"date", util::format_day(util::day_of(snapshot.observed_at))}, {"entries", entries}});
  }
  Json referrers = Json::array();
  for (const auto& snapshot : history.referrers) {
    Json entries = Json::array();
    for (const auto& entry : snapshot.entries) {
      entries.push_back(
          {{"referrer", entry.referrer}, {"views", entry.count}, {"views_unique", entry.uniques}});
    }
    referrers.push_back(
        {{"date", util::format_day(util::day_of(snapshot.observed_at))}, {"entries", entries}});
  }
  Json counts = Json::object();
  for (auto [name, days] :
       {std::pair{"stars", &history.stars}, std::pair{"forks", &history.forks}}) {
    Json list = Json::array();
    for (const auto& day : *days) {
      list.push_back({{"date", util::format_day(day.day)},
                      {name, day.count},
                      {"source", day.snapshot ? "snapshot" : "history"}});
    }
    counts[name] = list;
  }
  Json downloads = Json::array();
  for (const auto& snapshot : history.downloads) {
    for (const auto& asset : snapshot.assets) {
      downloads.push_back({{"date", util::format_day(util::day_of(snapshot.observed_at))},
                           {"release", asset.release},
                           {"asset", asset.asset},
                           {"downloads", asset.downloads}});
    }
  }
  Json backfill = Json::array();
  for (const auto& state : history.backfill) {
    backfill.push_back({{"kind", core::to_string(state.kind)},
                        {"source", state.source},
                        {"next_url", state.next_url},
                        {"next_position", state.next_position},
                        {"through_day", json_day(state.through_day)},
                        {"complete", state.complete},
                        {"resume_before", json_day(state.resume_before)},
                        {"pass_until", json_day(state.pass_until)},
                        {"approximate_from", json_day(state.approximate_from)},
                        {"note", state.note},
                        {"updated_at", util::format_iso8601(state.updated_at)}});
  }
  return {{"repo", history.record.full_name},
          {"id", json_number(github_id(history.record))},
          {"names", all_names(history.record)},
          {"first_day", json_day(history.first_day())},
          {"last_day", json_day(history.last_day())},
          {"last_collected", json_time(history.record.last_collected)},
          {"daily", daily},
          {"windows", windows},
          {"paths", paths},
          {"referrers", referrers},
          {"stars", counts["stars"]},
          {"forks", counts["forks"]},
          {"downloads", downloads},
          {"backfill", backfill}};
}

void export_json(const std::vector<RepoHistory>& histories, Exporter& out) {
  Json repos = Json::array();
  for (const auto& history : histories) {
    repos.push_back(json_repo(history));
  }
  Json document = {{"format", "ghtraffic-export"}, {"version", 1}, {"repos", repos}};
  // Text the store holds is passed through; bytes that are not UTF-8 become U+FFFD rather
  // than failing the whole export.
  auto text = document.dump(2, ' ', false, Json::error_handler_t::replace);
  text += '\n';
  out.write("ghtraffic.json", text, histories.size());
}

}  // namespace

std::string_view to_string(ExportOptions::Format format) {
  switch (format) {
    case ExportOptions::Format::csv:
      return "csv";
    case ExportOptions::Format::seed:
      return "seed";
    case ExportOptions::Format::json:
      return "json";
  }
  return "csv";
}

std::optional<ExportOptions::Format> export_format_from(std::string_view text) {
  for (auto format :
       {ExportOptions::Format::csv, ExportOptions::Format::seed, ExportOptions::Format::json}) {
    if (util::iequals(text, to_string(format))) {
      return format;
    }
  }
  return std::nullopt;
}

ExportStats export_store(store::Store& store, const ExportOptions& options, Sink& sink) {
  std::vector<RepoHistory> histories;
  for (const auto& record : read::select_repositories(store, options.repos)) {
    histories.push_back(read::load_history(store, record));
  }
  Exporter out(sink);
  switch (options.format) {
    case ExportOptions::Format::csv:
      export_csv(histories, out);
      break;
    case ExportOptions::Format::seed:
      export_seed(histories, out);
      break;
    case ExportOptions::Format::json:
      export_json(histories, out);
      break;
  }
  return out.finish(histories.size());
}

}  // namespace ghtraffic::exports
