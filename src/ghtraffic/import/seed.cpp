#include "ghtraffic/import/seed.hpp"

#include <fmt/format.h>

#include <map>
#include <string>

#include "ghtraffic/core/rules.hpp"
#include "ghtraffic/import/csv_file.hpp"
#include "ghtraffic/import/ghrs.hpp"
#include "ghtraffic/util/error.hpp"
#include "ghtraffic/util/strings.hpp"

namespace ghtraffic::imports {

namespace {

namespace fs = std::filesystem;

constexpr const char* k_days_file = "views_clones_stars/views_clones_stars.csv";
constexpr const char* k_paths_file = "top_paths/top_paths.csv";

bool is_file(const fs::path& path) {
  std::error_code error;
  return fs::is_regular_file(path, error);
}

// The file under its folder, or beside the other at the top of folder (a flat download).
std::optional<fs::path> find_file(const fs::path& folder, const fs::path& relative) {
  for (const auto& path : {folder / relative, folder / relative.filename()}) {
    if (is_file(path)) {
      return path;
    }
  }
  return std::nullopt;
}

class SeedReader {
 public:
  void read_days(const CsvFile& file) {
    const auto timestamp = file.required_column("timestamp");
    const auto clones = file.required_column("clones");
    const auto views = file.required_column("views");
    const auto stars = file.column("stars");
    const auto forks = file.column("forks");
    for (const auto& row : file.rows()) {
      auto text = util::trim(file.text(row, timestamp));
      auto at = parse_seed_time(text);
      if (!at) {
        file.fail(row,
                  fmt::format("timestamp is \"{}\", not a time like 2026-01-02 00:00:00", text));
      }
      auto day = util::day_of(*at);
      saw(day);
      // No uniques in these files: unknown, never 0.
      if (auto v = file.count(row, views)) {
        keep(m_views, {day, *v, std::nullopt});
      }
      if (auto c = file.count(row, clones)) {
        keep(m_clones, {day, *c, std::nullopt});
      }
      auto s = stars ? file.count(row, *stars) : std::nullopt;
      auto f = forks ? file.count(row, *forks) : std::nullopt;
      if (s.has_value() != f.has_value()) {
        file.fail(row, "stars and forks must both be given or both be empty");
      }
      if (s) {
        // Midnight of the day, so that a snapshot collected later that day stays the latest
        // (R6); watchers and open issues are not in the file: unknown.
        m_counters[day] = {util::Timestamp{day}, *s, *f, std::nullopt, std::nullopt};
      }
    }
  }

  // A header without rows says nothing: the design writes it when it has no snapshot.
  void read_paths(const CsvFile& file, util::Day day) {
    const auto path = file.required_column("path");
    const auto views = file.required_column("views");
    if (file.rows().empty()) {
      return;
    }
    core::PathSnapshot snapshot{util::Timestamp{day}, {}};
    for (const auto& row : file.rows()) {
      snapshot.entries.push_back({untrusted_text(util::trim(file.text(row, path))), "",
                                  file.required_count(row, views), std::nullopt});
    }
    saw(day);
    m_paths = std::move(snapshot);
  }

  core::ImportedHistory history(const std::string& name) const {
    core::ImportedHistory out;
    out.full_name = name;
    out.names = names_in_order({}, name, util::Timestamp{m_first.value_or(util::Day{})});
    for (const auto& [day, count] : m_views) {
      out.views.push_back(count);
    }
    for (const auto& [day, count] : m_clones) {
      out.clones.push_back(count);
    }
    for (const auto& [day, snapshot] : m_counters) {
      out.counters.push_back(snapshot);
    }
    if (m_paths) {
      out.paths.push_back(*m_paths);
    }
    return out;
  }

 private:
  void saw(util::Day day) { m_first = m_first ? std::min(*m_first, day) : day; }

  static void keep(std::map<util::Day, core::DayCount>& days, const core::DayCount& day) {
    auto [it, inserted] = days.try_emplace(day.day, day);
    if (!inserted) {
      it->second = core::max_merge(it->second, day);  // listed twice: the larger (R2)
    }
  }

  std::map<util::Day, core::DayCount> m_views;
  std::map<util::Day, core::DayCount> m_clones;
  std::map<util::Day, core::CounterSnapshot> m_counters;
  std::optional<core::PathSnapshot> m_paths;
  std::optional<util::Day> m_first;
};

}  // namespace

std::optional<util::Timestamp> parse_seed_time(std::string_view text) {
  if (text.size() == 10) {
    if (auto day = util::parse_day(text)) {
      return util::Timestamp{*day};
    }
    return std::nullopt;
  }
  return parse_ghrs_time(text);
}

std::vector<RepoImport> read_seed_folder(const std::filesystem::path& folder,
                                         const std::string& repo, util::Day paths_day) {
  if (!core::RepoRef::parse(repo)) {
    throw util::Error("--repo takes OWNER/REPO, not '{}'", repo);
  }
  std::error_code error;
  if (!fs::is_directory(folder, error)) {
    throw util::Error(
        "{} is not a folder; give the folder that holds views_clones_stars/ and top_paths/",
        folder.string());
  }
  auto days = find_file(folder, k_days_file);
  auto paths = find_file(folder, k_paths_file);
  if (!days && !paths) {
    throw util::Error("{} holds neither {} nor {} (the reference design's pair)", folder.string(),
                      k_days_file, k_paths_file);
  }
  RepoImport out;
  out.name = repo;
  auto shown = [&](const fs::path& path) { return path.lexically_relative(folder).string(); };
  try {
    SeedReader reader;
    if (days) {
      reader.read_days(CsvFile::read(*days, shown(*days)));
    }
    if (paths) {
      reader.read_paths(CsvFile::read(*paths, shown(*paths)), paths_day);
    }
    out.history = reader.history(repo);
  } catch (const ImportError& e) {
    out.error = e.what();
  } catch (const fs::filesystem_error& e) {
    out.error = fmt::format("cannot read {}: {}", e.path1().string(), e.code().message());
  }
  return {std::move(out)};
}

}  // namespace ghtraffic::imports
