#include "ghtraffic/import/own_csv.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <string>

#include "ghtraffic/core/rules.hpp"
#include "ghtraffic/import/csv_file.hpp"
#include "ghtraffic/util/error.hpp"
#include "ghtraffic/util/number.hpp"
#include "ghtraffic/util/strings.hpp"

namespace ghtraffic::imports {

namespace {

namespace fs = std::filesystem;

constexpr const char* k_files[] = {"repos.csv",     "daily.csv",     "paths.csv",
                                   "referrers.csv", "windows.csv",   "stars.csv",
                                   "forks.csv",     "downloads.csv", "backfill.csv"};

// What the files say of one repository while they are read.
struct Pending {
  std::string name;
  core::RepoId id = 0;
  std::vector<std::string> names;
  std::map<util::Day, core::DayCount> views;
  std::map<util::Day, core::DayCount> clones;
  std::map<util::Day, core::CounterSnapshot> counters;
  std::map<util::Day, core::PathSnapshot> paths;
  std::map<util::Day, core::ReferrerSnapshot> referrers;
  std::vector<core::TrafficWindow> windows;
  std::optional<util::Timestamp> last_collected;
  std::map<util::Day, std::int64_t> star_history;
  std::map<util::Day, std::int64_t> fork_history;
  std::map<util::Day, std::int64_t> star_snapshots;  // stars.csv days marked snapshot
  std::map<util::Day, std::int64_t> fork_snapshots;
  std::map<util::Day, core::DownloadSnapshot> downloads;
  std::map<core::CountKind, core::BackfillState> backfill;
  std::optional<util::Day> first_day;
  std::string error;  // the first problem found; the repository is not imported

  void saw(util::Day day) { first_day = first_day ? std::min(*first_day, day) : day; }
};

class Reader {
 public:
  explicit Reader(fs::path folder) : m_folder(std::move(folder)) {}

  std::vector<RepoImport> read() {
    read_file("repos.csv", [this](const CsvFile& f) { read_repos(f); });
    read_file("daily.csv", [this](const CsvFile& f) { read_daily(f); });
    read_file("paths.csv", [this](const CsvFile& f) { read_paths(f); });
    read_file("referrers.csv", [this](const CsvFile& f) { read_referrers(f); });
    read_file("windows.csv", [this](const CsvFile& f) { read_windows(f); });
    read_file("stars.csv", [this](const CsvFile& f) { read_counts(f, "stars"); });
    read_file("forks.csv", [this](const CsvFile& f) { read_counts(f, "forks"); });
    read_file("downloads.csv", [this](const CsvFile& f) { read_downloads(f); });
    read_file("backfill.csv", [this](const CsvFile& f) { read_backfill(f); });
    std::vector<RepoImport> out;
    for (auto& repo : m_repos) {
      out.push_back(finish(repo));
    }
    return out;
  }

 private:
  template <typename ReadRows>
  void read_file(const char* name, ReadRows read_rows) {
    auto path = m_folder / name;
    std::error_code error;
    if (!fs::exists(path, error)) {
      return;
    }
    try {
      read_rows(CsvFile::read(path, name));
    } catch (const ImportError& e) {
      m_folder_error = e.what();  // the whole file: no repository can be trusted
    }
  }

  Pending& repo(const std::string& name) {
    auto key = util::to_lower(name);
    auto it = m_index.find(key);
    if (it == m_index.end()) {
      it = m_index.emplace(key, m_repos.size()).first;
      m_repos.push_back(Pending{.name = name});
    }
    return m_repos[it->second];
  }

  // Reads each row with read_row; a row that fails marks its repository (the first
  // column) and the others go on.
  template <typename ReadRow>
  void each_row(const CsvFile& file, ReadRow read_row) {
    const auto repo_column = file.required_column("repo");
    for (const auto& row : file.rows()) {
      auto name = std::string(util::trim(file.text(row, repo_column)));
      if (name.empty() || !core::RepoRef::parse(name)) {
        m_folder_error =
            fmt::format("{}:{}: repo is \"{}\", not OWNER/REPO", file.name(), row.line, name);
        continue;
      }
      auto& pending = repo(name);
      if (!pending.error.empty()) {
        continue;
      }
      try {
        read_row(row, pending);
      } catch (const ImportError& e) {
        pending.error = e.what();
      }
    }
  }

  void read_repos(const CsvFile& file) {
    const auto id = file.required_column("id");
    const auto names = file.required_column("names");
    // Exports before it lack the column: their repositories keep the store's own time.
    const auto last_collected = file.column("last_collected");
    each_row(file, [&](const CsvRow& row, Pending& repo) {
      auto given = file.count(row, id).value_or(0);
      if (repo.id != 0 && given != repo.id) {
        file.fail(row, fmt::format("{} is listed again with another id", repo.name));
      }
      repo.id = given;
      for (const auto& name : util::split(file.text(row, names), ';')) {
        auto trimmed = std::string(util::trim(name));
        if (!trimmed.empty() && !core::RepoRef::parse(trimmed)) {
          file.fail(row, fmt::format("names holds \"{}\", not OWNER/REPO", trimmed));
        }
        repo.names.push_back(trimmed);
      }
      if (last_collected && !util::trim(file.text(row, *last_collected)).empty()) {
        repo.last_collected = file.time(row, *last_collected);
      }
    });
  }

  // A kind's count, with its uniques where known: an empty count is a day not covered
  // (which has no uniques either); an empty uniques beside a count is unknown (history
  // imported from files without it), never 0.
  static std::optional<core::DayCount> day_count(const CsvFile& file, const CsvRow& row,
                                                 util::Day day, std::size_t count,
                                                 std::size_t uniques) {
    auto c = file.count(row, count);
    auto u = file.count(row, uniques);
    if (!c && u) {
      file.fail(row, fmt::format("{} is given but {} is empty: a day that was not covered has "
                                 "neither",
                                 file.header()[uniques], file.header()[count]));
    }
    if (!c) {
      return std::nullopt;
    }
    return core::DayCount{day, *c, u};
  }

  static void keep(std::map<util::Day, core::DayCount>& days, const core::DayCount& day) {
    auto [it, inserted] = days.try_emplace(day.day, day);
    if (!inserted) {
      it->second = core::max_merge(it->second, day);  // a day listed twice (R2)
    }
  }

  void read_daily(const CsvFile& file) {
    const auto date = file.required_column("date");
    const auto views = file.required_column("views");
    const auto views_unique = file.required_column("views_unique");
    const auto clones = file.required_column("clones");
    const auto clones_unique = file.required_column("clones_unique");
    const auto stars = file.column("stars");
    const auto forks = file.column("forks");
    each_row(file, [&](const CsvRow& row, Pending& repo) {
      auto day = file.day(row, date);
      repo.saw(day);
      if (auto v = day_count(file, row, day, views, views_unique)) {
        keep(repo.views, *v);
      }
      if (auto c = day_count(file, row, day, clones, clones_unique)) {
        keep(repo.clones, *c);
      }
      auto s = stars ? file.count(row, *stars) : std::nullopt;
      auto f = forks ? file.count(row, *forks) : std::nullopt;
      if (s.has_value() != f.has_value()) {
        file.fail(row, "stars and forks must both be given or both be empty");
      }
      if (s) {
        // The export writes the day's latest snapshot without its time: midnight, so that
        // any snapshot collected later that day stays the latest (R6).
        repo.counters[day] = {util::Timestamp{day}, *s, *f, std::nullopt, std::nullopt};
      }
    });
  }

  // paths.csv and referrers.csv: one entry of a day's top 10 a row, `entry(row)` reading
  // its cells; the snapshot has the day without a time, like the export writes it.
  template <class Snapshots, class Entry>
  void read_top_list(const CsvFile& file, std::size_t date, Snapshots Pending::*list, Entry entry) {
    each_row(file, [&](const CsvRow& row, Pending& repo) {
      auto day = file.day(row, date);
      repo.saw(day);
      auto& snapshot = (repo.*list)[day];
      snapshot.observed_at = util::Timestamp{day};
      snapshot.entries.push_back(entry(row));
    });
  }

  void read_paths(const CsvFile& file) {
    const auto date = file.required_column("date");
    const auto path = file.required_column("path");
    const auto title = file.required_column("title");
    const auto views = file.required_column("views");
    const auto views_unique = file.required_column("views_unique");
    read_top_list(file, date, &Pending::paths, [&](const CsvRow& row) {
      return core::PopularPath{untrusted_text(file.text(row, path)),
                               untrusted_text(file.text(row, title)),
                               file.required_count(row, views), file.count(row, views_unique)};
    });
  }

  void read_referrers(const CsvFile& file) {
    const auto date = file.required_column("date");
    const auto referrer = file.required_column("referrer");
    const auto views = file.required_column("views");
    const auto views_unique = file.required_column("views_unique");
    read_top_list(file, date, &Pending::referrers, [&](const CsvRow& row) {
      return core::Referrer{untrusted_text(file.text(row, referrer)),
                            file.required_count(row, views),
                            file.required_count(row, views_unique)};
    });
  }

  void read_windows(const CsvFile& file) {
    const auto observed_at = file.required_column("observed_at");
    const auto kind = file.required_column("kind");
    const auto count = file.required_column("count");
    const auto uniques = file.required_column("uniques");
    each_row(file, [&](const CsvRow& row, Pending& repo) {
      core::TrafficWindow window;
      window.observed_at = file.time(row, observed_at);
      auto k = core::traffic_kind_from(util::trim(file.text(row, kind)));
      if (!k) {
        file.fail(row, fmt::format("kind is \"{}\"; it is views or clones", file.text(row, kind)));
      }
      window.kind = *k;
      window.count = file.required_count(row, count);
      window.uniques = file.required_count(row, uniques);
      repo.saw(util::day_of(window.observed_at));
      repo.windows.push_back(std::move(window));
    });
  }

  // stars.csv and forks.csv: a count on each day it is known, from a snapshot or the history.
  void read_counts(const CsvFile& file, const std::string& kind) {
    const auto date = file.required_column("date");
    const auto count = file.required_column(kind);
    const auto source = file.column("source");
    each_row(file, [&](const CsvRow& row, Pending& repo) {
      auto day = file.day(row, date);
      auto value = file.required_count(row, count);
      auto from = source ? std::string(util::trim(file.text(row, *source))) : "history";
      if (from != "snapshot" && from != "history") {
        file.fail(row, fmt::format("source is \"{}\"; it is snapshot or history", from));
      }
      const bool stars = kind == "stars";
      auto& into = from == "snapshot" ? (stars ? repo.star_snapshots : repo.fork_snapshots)
                                      : (stars ? repo.star_history : repo.fork_history);
      auto [it, inserted] = into.try_emplace(day, value);
      if (!inserted) {
        it->second = std::max(it->second, value);
      }
    });
  }

  void read_downloads(const CsvFile& file) {
    const auto date = file.required_column("date");
    const auto release = file.required_column("release");
    const auto asset = file.required_column("asset");
    const auto downloads = file.required_column("downloads");
    each_row(file, [&](const CsvRow& row, Pending& repo) {
      auto day = file.day(row, date);
      auto& snapshot = repo.downloads[day];
      snapshot.observed_at = util::Timestamp{day};
      snapshot.assets.push_back({untrusted_text(file.text(row, release)),
                                 untrusted_text(file.text(row, asset)),
                                 file.required_count(row, downloads)});
    });
  }

  // backfill.csv: where each source of the backfill stood, one row a repository and kind.
  void read_backfill(const CsvFile& file) {
    const auto kind = file.required_column("kind");
    const auto source = file.required_column("source");
    const auto next_url = file.required_column("next_url");
    const auto next_position = file.required_column("next_position");
    const auto through_day = file.required_column("through_day");
    const auto complete = file.required_column("complete");
    const auto resume_before = file.required_column("resume_before");
    const auto pass_until = file.required_column("pass_until");
    const auto approximate_from = file.required_column("approximate_from");
    const auto note = file.required_column("note");
    const auto updated_at = file.required_column("updated_at");
    auto optional_day = [&](const CsvRow& row, std::size_t column) -> std::optional<util::Day> {
      if (util::trim(file.text(row, column)).empty()) {
        return std::nullopt;
      }
      return file.day(row, column);
    };
    each_row(file, [&](const CsvRow& row, Pending& repo) {
      core::BackfillState state;
      auto k = core::count_kind_from(util::trim(file.text(row, kind)));
      if (!k) {
        file.fail(row, fmt::format("kind is \"{}\"; it is stars or forks", file.text(row, kind)));
      }
      state.kind = *k;
      if (repo.backfill.contains(state.kind)) {
        file.fail(row,
                  fmt::format("{} of {} is listed again", core::to_string(state.kind), repo.name));
      }
      state.source = std::string(util::trim(file.text(row, source)));
      state.next_url = untrusted_text(file.text(row, next_url));
      state.next_position = file.required_count(row, next_position);
      state.through_day = optional_day(row, through_day);
      auto done = util::trim(file.text(row, complete));
      if (done != "true" && done != "false") {
        file.fail(row, fmt::format("complete is \"{}\"; it is true or false", done));
      }
      state.complete = done == "true";
      state.resume_before = optional_day(row, resume_before);
      state.pass_until = optional_day(row, pass_until);
      state.approximate_from = optional_day(row, approximate_from);
      state.note = untrusted_text(file.text(row, note));
      state.updated_at = file.time(row, updated_at);
      repo.backfill.emplace(state.kind, std::move(state));
    });
  }

  RepoImport finish(Pending& repo) const {
    RepoImport out;
    out.name = repo.name;
    if (!m_folder_error.empty()) {
      out.error = m_folder_error;
      return out;
    }
    if (!repo.error.empty()) {
      out.error = repo.error;
      return out;
    }
    core::ImportedHistory history;
    history.id = repo.id;
    history.full_name = repo.name;
    history.names = names_in_order(repo.names, repo.name,
                                   util::Timestamp{repo.first_day.value_or(util::Day{})});
    for (auto& [day, count] : repo.views) {
      history.views.push_back(count);
    }
    for (auto& [day, count] : repo.clones) {
      history.clones.push_back(count);
    }
    for (auto& [day, snapshot] : repo.counters) {
      history.counters.push_back(snapshot);
    }
    for (auto& [day, snapshot] : repo.paths) {
      history.paths.push_back(std::move(snapshot));
    }
    for (auto& [day, snapshot] : repo.referrers) {
      history.referrers.push_back(std::move(snapshot));
    }
    history.windows = std::move(repo.windows);
    history.last_collected = repo.last_collected;
    // A snapshot day of stars.csv and forks.csv that daily.csv does not carry (a day
    // without traffic) is a snapshot of both; one of them alone is history.
    for (const auto& [day, stars] : repo.star_snapshots) {
      auto forks = repo.fork_snapshots.find(day);
      if (forks != repo.fork_snapshots.end()) {
        if (!repo.counters.contains(day)) {
          history.counters.push_back(
              {util::Timestamp{day}, stars, forks->second, std::nullopt, std::nullopt});
        }
      } else {
        repo.star_history.try_emplace(day, stars);
      }
    }
    for (const auto& [day, forks] : repo.fork_snapshots) {
      if (!repo.star_snapshots.contains(day)) {
        repo.fork_history.try_emplace(day, forks);
      }
    }
    std::sort(history.counters.begin(), history.counters.end(),
              [](const core::CounterSnapshot& a, const core::CounterSnapshot& b) {
                return a.observed_at < b.observed_at;
              });
    for (const auto& [day, count] : repo.star_history) {
      history.star_history.push_back({day, count});
    }
    for (const auto& [day, count] : repo.fork_history) {
      history.fork_history.push_back({day, count});
    }
    for (auto& [day, snapshot] : repo.downloads) {
      history.downloads.push_back(std::move(snapshot));
    }
    for (auto& [kind, state] : repo.backfill) {
      history.backfill_states.push_back(std::move(state));
    }
    out.history = std::move(history);
    return out;
  }

  fs::path m_folder;
  std::vector<Pending> m_repos;
  std::map<std::string, std::size_t> m_index;  // lower-case name -> m_repos
  std::string m_folder_error;
};

}  // namespace

std::vector<RepoImport> read_export_folder(const std::filesystem::path& folder) {
  std::error_code error;
  if (!fs::is_directory(folder, error)) {
    throw util::Error("{} is not a folder; give the folder `ghtraffic export --format csv` wrote",
                      folder.string());
  }
  bool any = false;
  for (const char* name : k_files) {
    any = any || fs::exists(folder / name, error);
  }
  if (!any) {
    throw util::Error(
        "{} holds none of the files of `ghtraffic export --format csv` (repos.csv, daily.csv, "
        "paths.csv, referrers.csv, windows.csv, stars.csv, forks.csv, downloads.csv, "
        "backfill.csv)",
        folder.string());
  }
  return Reader(folder).read();
}

}  // namespace ghtraffic::imports
