#include "ghtraffic/import/ghrs.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <string>

#include "ghtraffic/core/rules.hpp"
#include "ghtraffic/import/csv_file.hpp"
#include "ghtraffic/util/error.hpp"
#include "ghtraffic/util/log.hpp"
#include "ghtraffic/util/number.hpp"
#include "ghtraffic/util/strings.hpp"

namespace ghtraffic::imports {

namespace {

namespace fs = std::filesystem;

constexpr const char* k_data_folder = "ghrs-data";
constexpr std::string_view k_paths_suffix = "top_paths_snapshot.csv";
constexpr std::string_view k_referrers_suffix = "top_referrers_snapshot.csv";
constexpr std::string_view k_fragment_suffix = "views_clones_series_fragment.csv";

bool is_folder(const fs::path& path) {
  std::error_code error;
  return fs::is_directory(path, error);
}

// "2020-12-01_120000_top_paths_snapshot.csv": the UTC time it was taken, and what it is.
struct SnapshotName {
  util::Timestamp at;
  std::string_view kind;
};

std::optional<SnapshotName> parse_snapshot_name(std::string_view name) {
  if (name.size() < 19 || name[10] != '_' || name[17] != '_') {
    return std::nullopt;
  }
  auto text = fmt::format("{}T{}:{}:{}Z", name.substr(0, 10), name.substr(11, 2),
                          name.substr(13, 2), name.substr(15, 2));
  auto at = util::parse_iso8601(text);
  if (!at) {
    return std::nullopt;
  }
  return SnapshotName{*at, name.substr(18)};
}

// One of several header names: the Action renamed some columns over time.
// A row's time_iso8601: a time like 2020-12-01 00:00:00+00:00 (older files lack the offset),
// else an error that names the file and line.
util::Timestamp row_time(const CsvFile& file, const CsvRow& row, std::size_t column) {
  auto at = parse_ghrs_time(util::trim(file.text(row, column)));
  if (!at) {
    file.fail(row, fmt::format("time_iso8601 is \"{}\", not a time like 2020-12-01 "
                               "00:00:00+00:00",
                               file.text(row, column)));
  }
  return *at;
}

std::size_t column_of(const CsvFile& file, std::initializer_list<std::string_view> names) {
  for (auto name : names) {
    if (auto index = file.column(name)) {
      return *index;
    }
  }
  return file.required_column(*names.begin());
}

class RepoReader {
 public:
  RepoReader(fs::path data, std::string display)
      : m_data(std::move(data)), m_display(std::move(display)) {}

  core::ImportedHistory read(const std::string& name) {
    auto aggregate = m_data / "views_clones_aggregate.csv";
    if (fs::exists(aggregate)) {
      read_series(CsvFile::read(aggregate, shown("views_clones_aggregate.csv")));
    }
    auto snapshots = m_data / "snapshots";
    if (is_folder(snapshots)) {
      std::vector<fs::path> files;
      for (const auto& entry : fs::directory_iterator(snapshots)) {
        if (entry.is_regular_file()) {
          files.push_back(entry.path());
        }
      }
      std::sort(files.begin(), files.end());
      for (const auto& path : files) {
        read_snapshot(path);
      }
    }
    // Star and fork history: the cumulative count at each listed time; a day keeps the
    // count of its last row (R6: history, apart from collected snapshots).
    read_cumulative("stargazers.csv", {"stars_cumulative"}, m_stars);
    read_cumulative("stargazer-snapshots.csv", {"stargazers_cumulative_snapshot"}, m_stars);
    read_cumulative("forks.csv", {"forks_cumulative"}, m_forks);
    core::ImportedHistory history;
    history.full_name = name;
    history.names = names_in_order({}, name, util::Timestamp{m_first.value_or(util::Day{})});
    for (const auto& [day, count] : m_views) {
      history.views.push_back(count);
    }
    for (const auto& [day, count] : m_clones) {
      history.clones.push_back(count);
    }
    for (auto& [day, snapshot] : m_paths) {
      history.paths.push_back(std::move(snapshot));
    }
    for (auto& [day, snapshot] : m_referrers) {
      history.referrers.push_back(std::move(snapshot));
    }
    for (const auto& [day, count] : m_stars) {
      history.star_history.push_back({day, count.second});
    }
    for (const auto& [day, count] : m_forks) {
      history.fork_history.push_back({day, count.second});
    }
    return history;
  }

 private:
  std::string shown(const std::string& relative) const {
    return m_display + "/" + k_data_folder + "/" + relative;
  }

  void saw(util::Day day) { m_first = m_first ? std::min(*m_first, day) : day; }

  static void keep(std::map<util::Day, core::DayCount>& days, const core::DayCount& day) {
    auto [it, inserted] = days.try_emplace(day.day, day);
    if (!inserted) {
      it->second = core::max_merge(it->second, day);  // listed twice: the larger (R2)
    }
  }

  using Cumulative = std::map<util::Day, std::pair<util::Timestamp, std::int64_t>>;

  void read_cumulative(const char* name, std::initializer_list<std::string_view> columns,
                       Cumulative& into) {
    auto path = m_data / name;
    if (!fs::exists(path)) {
      return;
    }
    auto file = CsvFile::read(path, shown(name));
    const auto time = file.required_column("time_iso8601");
    const auto count = column_of(file, columns);
    for (const auto& row : file.rows()) {
      auto at = row_time(file, row, time);
      auto value = file.required_count(row, count);
      auto day = util::day_of(at);
      auto [it, inserted] = into.try_emplace(day, at, value);
      if (!inserted &&
          (at > it->second.first || (at == it->second.first && value > it->second.second))) {
        it->second = {at, value};  // the day's latest row
      }
    }
  }

  // The aggregate and the fragments: one row a listed day; an empty cell is a 0.
  void read_series(const CsvFile& file) {
    const auto time = file.required_column("time_iso8601");
    const auto clones = file.required_column("clones_total");
    const auto clones_unique = file.required_column("clones_unique");
    const auto views = file.required_column("views_total");
    const auto views_unique = file.required_column("views_unique");
    for (const auto& row : file.rows()) {
      auto day = util::day_of(row_time(file, row, time));
      saw(day);
      keep(m_views,
           {day, file.count(row, views).value_or(0), file.count(row, views_unique).value_or(0)});
      keep(m_clones,
           {day, file.count(row, clones).value_or(0), file.count(row, clones_unique).value_or(0)});
    }
  }

  void read_snapshot(const fs::path& path) {
    auto name = path.filename().string();
    auto parsed = parse_snapshot_name(name);
    if (!parsed) {
      util::log_verbose("{}: not a file github-repo-stats writes; left alone",
                        shown("snapshots/" + name));
      return;
    }
    auto file = CsvFile::read(path, shown("snapshots/" + name));
    if (parsed->kind == k_fragment_suffix) {
      read_series(file);
    } else if (parsed->kind == k_paths_suffix) {
      keep_latest(m_paths, read_top<core::PopularPath>(file, parsed->at));
    } else if (parsed->kind == k_referrers_suffix) {
      keep_latest(m_referrers, read_top<core::Referrer>(file, parsed->at));
    } else {
      util::log_verbose("{}: not a file github-repo-stats writes; left alone", file.name());
    }
  }

  template <typename Entry>
  core::TopSnapshot<Entry> read_top(const CsvFile& file, util::Timestamp at) {
    constexpr bool paths = std::is_same_v<Entry, core::PopularPath>;
    const auto label = paths ? column_of(file, {"url_path", "url_paths"})
                             : column_of(file, {"referrer", "referrers"});
    const auto total = column_of(file, {"views_total", "count_total"});
    const auto unique = column_of(file, {"views_unique", "count_unique"});
    core::TopSnapshot<Entry> snapshot{at, {}};
    for (const auto& row : file.rows()) {
      auto text = std::string(file.text(row, label));
      auto count = file.count(row, total).value_or(0);
      auto uniques = file.count(row, unique).value_or(0);
      if constexpr (paths) {
        snapshot.entries.push_back({text, "", count, uniques});
      } else {
        snapshot.entries.push_back({text, count, uniques});
      }
    }
    saw(util::day_of(at));
    return snapshot;
  }

  // R5: several snapshots a day are possible; the latest of each day is kept.
  template <typename Snapshot>
  static void keep_latest(std::map<util::Day, Snapshot>& by_day, Snapshot snapshot) {
    auto day = util::day_of(snapshot.observed_at);
    auto it = by_day.find(day);
    if (it == by_day.end() || it->second.observed_at < snapshot.observed_at) {
      by_day[day] = std::move(snapshot);
    }
  }

  fs::path m_data;
  std::string m_display;  // OWNER/REPO as found under the folder, for messages
  std::map<util::Day, core::DayCount> m_views;
  std::map<util::Day, core::DayCount> m_clones;
  std::map<util::Day, core::PathSnapshot> m_paths;
  std::map<util::Day, core::ReferrerSnapshot> m_referrers;
  std::optional<util::Day> m_first;
  Cumulative m_stars;
  Cumulative m_forks;
};

RepoImport read_repo(const fs::path& repo_folder, const std::string& name) {
  RepoImport out;
  out.name = name;
  try {
    out.history = RepoReader(repo_folder / k_data_folder, name).read(name);
  } catch (const ImportError& e) {
    out.error = e.what();
  } catch (const fs::filesystem_error& e) {
    out.error = fmt::format("cannot read {}: {}", e.path1().string(), e.code().message());
  }
  return out;
}

}  // namespace

std::optional<util::Timestamp> parse_ghrs_time(std::string_view text) {
  std::string iso(text);
  if (iso.size() >= 19 && iso[10] == ' ') {
    iso[10] = 'T';
  }
  if (iso.size() == 19) {
    iso += 'Z';  // older files: UTC without an offset
  }
  return util::parse_iso8601(iso);
}

std::vector<RepoImport> read_ghrs_folder(const std::filesystem::path& folder) {
  if (!is_folder(folder)) {
    throw util::Error("{} is not a folder; give a checkout of the github-repo-stats data branch",
                      folder.string());
  }
  std::vector<RepoImport> out;
  if (is_folder(folder / k_data_folder)) {
    auto absolute = fs::absolute(folder).lexically_normal();
    if (absolute.filename().empty()) {
      absolute = absolute.parent_path();
    }
    auto name = absolute.parent_path().filename().string() + "/" + absolute.filename().string();
    if (!core::RepoRef::parse(name)) {
      throw util::Error("cannot tell which repository {} holds: it should be an OWNER/REPO folder",
                        folder.string());
    }
    out.push_back(read_repo(folder, name));
    return out;
  }
  std::vector<std::pair<std::string, fs::path>> repos;
  for (const auto& owner : fs::directory_iterator(folder)) {
    if (!owner.is_directory() || owner.path().filename().string().starts_with('.')) {
      continue;
    }
    for (const auto& repo : fs::directory_iterator(owner.path())) {
      if (repo.is_directory() && is_folder(repo.path() / k_data_folder)) {
        repos.emplace_back(owner.path().filename().string() + "/" + repo.path().filename().string(),
                           repo.path());
      }
    }
  }
  if (repos.empty()) {
    throw util::Error(
        "{} is not a github-repo-stats data branch: it holds no OWNER/REPO/ghrs-data/ folder "
        "(check out the branch the Action writes to, often github-repo-stats)",
        folder.string());
  }
  std::sort(repos.begin(), repos.end(), [](const auto& a, const auto& b) {
    return util::to_lower(a.first) < util::to_lower(b.first);
  });
  for (const auto& [name, path] : repos) {
    out.push_back(read_repo(path, name));
  }
  return out;
}

}  // namespace ghtraffic::imports
