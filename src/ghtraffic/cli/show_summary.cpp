#include "ghtraffic/cli/show_summary.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <vector>

#include "ghtraffic/read/history.hpp"
#include "ghtraffic/read/select.hpp"
#include "ghtraffic/read/windows.hpp"
#include "ghtraffic/util/number.hpp"

namespace ghtraffic::cli {
namespace {

using read::RepoHistory;
using std::chrono::days;

constexpr std::size_t k_label_width = 14;
constexpr std::size_t k_number_width = 10;
constexpr std::size_t k_name_width = 48;
constexpr std::size_t k_top_entries = 5;

class Style {
 public:
  explicit Style(bool color) : m_color(color) {}

  std::string bold(std::string_view text) const { return wrap("\x1b[1m", text); }
  std::string dim(std::string_view text) const { return wrap("\x1b[2m", text); }
  std::string warn(std::string_view text) const { return wrap("\x1b[33m", text); }

 private:
  std::string wrap(std::string_view code, std::string_view text) const {
    return m_color ? fmt::format("{}{}\x1b[0m", code, text) : std::string(text);
  }

  bool m_color;
};

// Text from GitHub must not drive the terminal: control characters (ESC starts a control
// sequence) become '?', C1 controls included.
std::string printable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x20 || c == 0x7f) {
      out += '?';
    } else if (c == 0xc2 && i + 1 < text.size() &&
               static_cast<unsigned char>(text[i + 1]) >= 0x80 &&
               static_cast<unsigned char>(text[i + 1]) <= 0x9f) {
      out += '?';
      ++i;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

// Columns a UTF-8 string takes, counting one per code point.
std::size_t columns(std::string_view text) {
  return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xc0) != 0x80;
  }));
}

std::string fit(std::string_view text, std::size_t width) {
  if (columns(text) <= width) {
    return std::string(text) + std::string(width - columns(text), ' ');
  }
  std::string out;
  std::size_t used = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    bool starts_code_point = (static_cast<unsigned char>(text[i]) & 0xc0) != 0x80;
    if (starts_code_point && ++used > width - 1) {
      break;
    }
    out += text[i];
  }
  return out + "…";
}

std::string right(std::string_view text, std::size_t width) {
  auto used = columns(text);
  return used >= width ? std::string(text) : std::string(width - used, ' ') + std::string(text);
}

std::string day_count(std::int64_t n) {
  return util::counted(n, "day", "days");
}

std::string day_range(util::Day from, util::Day to) {
  auto length = (to - from).count() + 1;
  auto range = from == to ? util::format_day(from)
                          : fmt::format("{}..{}", util::format_day(from), util::format_day(to));
  return fmt::format("{} ({})", range, day_count(length));
}

struct Period {
  std::string label;
  util::Day from;
  util::Day to;
};

// R4: a 14-day period's unique visitors are one window total, labeled with the day it
// ends on.
std::string window_uniques(const RepoHistory& history, const Period& period) {
  auto windows = read::views_windows(history.windows);
  auto window = read::uniques_window(windows, period.from, period.to);
  if (!window) {
    return "n/a (no window in period)";
  }
  return fmt::format("{} (14-day window ending {})", with_thousands(window->uniques),
                     util::format_day(util::day_of(window->observed_at)));
}

// Longer periods have no total: the largest window lying wholly inside is a lower bound.
std::string lower_bound_uniques(const RepoHistory& history, const Period& period) {
  auto largest =
      read::largest_window_inside(read::views_windows(history.windows), period.from, period.to);
  if (!largest) {
    return "n/a (no 14-day window inside)";
  }
  return fmt::format("≥ {} (largest 14-day window)", with_thousands(*largest));
}

// R3: a period no collection covered is no number at all.
std::string sum_or_no_data(const read::KindSum& kind) {
  auto total = kind.total();
  return total ? with_thousands(*total) : "no data";
}

// "(9 of 14 days)", or "no data" when no day of the period is covered.
std::string coverage(const read::KindSum& kind, std::int64_t length) {
  if (kind.covered == 0) {
    return "no data";
  }
  return fmt::format("({} of {})", kind.covered, day_count(length));
}

// How much of a period the sums cover, when not all of it: the sums add up covered days only.
std::string coverage_note(const Period& period, const read::PeriodSums& sums) {
  if (sums.views.gaps == 0 && sums.clones.gaps == 0) {
    return {};
  }
  const auto length = sums.length();
  if (sums.views.covered == 0 && sums.clones.covered == 0) {
    return fmt::format("{}: no data, no collection covered these {}", period.label,
                       day_count(length));
  }
  if (sums.views.covered == sums.clones.covered) {
    return fmt::format("{}: views and clones {}; the other days are gaps", period.label,
                       coverage(sums.views, length));
  }
  return fmt::format("{}: views {}, clones {}", period.label, coverage(sums.views, length),
                     coverage(sums.clones, length));
}

std::string gap_list(const std::vector<read::DaySpan>& ranges) {
  if (ranges.empty()) {
    return "none";
  }
  std::vector<std::string> parts;
  for (const auto& [from, to] : ranges) {
    parts.push_back(day_range(from, to));
  }
  return fmt::format("{}", fmt::join(parts, ", "));
}

template <typename Entry>
std::vector<Entry> top(std::vector<Entry> entries) {
  std::stable_sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    return a.count != b.count ? a.count > b.count : a.uniques > b.uniques;
  });
  if (entries.size() > k_top_entries) {
    entries.resize(k_top_entries);
  }
  return entries;
}

class Renderer {
 public:
  explicit Renderer(const ShowOptions& options) : m_options(options), m_style(options.color) {}

  void repository(const RepoHistory& history) {
    const auto& record = history.record;
    std::vector<std::string> earlier;
    for (const auto& name : record.names) {
      if (name != record.full_name) {
        earlier.push_back(name);
      }
    }
    auto title = m_style.bold(printable(record.full_name));
    if (!earlier.empty()) {
      title += m_style.dim(
          fmt::format(" (formerly {})", printable(fmt::format("{}", fmt::join(earlier, ", ")))));
    }
    line(title);
    if (history.days.empty()) {
      line("  no traffic stored yet; `ghtraffic collect` fetches it");
      return;
    }
    line(fmt::format("  Stored   {}..{}", util::format_day(*history.first_day()),
                     util::format_day(*history.last_day())));
    counters(history);
    line("");
    periods(history);
    line("");
    gap_lines(history);
    top_referrers(history);
    top_paths(history);
  }

  void line(std::string_view text) {
    m_text += text;
    m_text += '\n';
  }

  std::string take() { return std::move(m_text); }

 private:
  void counters(const RepoHistory& history) {
    if (history.counters.empty()) {
      line("  Stars    n/a    Forks n/a (no counter snapshot yet)");
      return;
    }
    const auto& latest = history.counters.back();
    line(fmt::format("  Stars    {}    Forks {} (as of {})", with_thousands(latest.stars),
                     with_thousands(latest.forks),
                     util::format_day(util::day_of(latest.observed_at))));
  }

  void periods(const RepoHistory& history) {
    const auto today = m_options.today;
    std::vector<Period> list = {{"Last 14 days", today - days{13}, today},
                                {"Last 30 days", today - days{29}, today},
                                {"All time", *history.first_day(), *history.last_day()}};
    line(m_style.dim(fmt::format("  {}{}{}  {}", fit("", k_label_width),
                                 right("Views", k_number_width), right("Clones", k_number_width),
                                 "Unique visitors")));
    std::vector<std::string> notes;
    for (size_t i = 0; i < list.size(); ++i) {
      const auto& period = list[i];
      auto sums = read::sum_period(history, period.from, period.to);
      auto uniques =
          i == 0 ? window_uniques(history, period) : lower_bound_uniques(history, period);
      line(fmt::format("  {}{}{}  {}", fit(period.label, k_label_width),
                       right(sum_or_no_data(sums.views), k_number_width),
                       right(sum_or_no_data(sums.clones), k_number_width), uniques));
      if (auto note = coverage_note(period, sums); !note.empty()) {
        notes.push_back(note);
      }
    }
    for (const auto& note : notes) {
      line(m_style.warn("  ! " + note));
    }
  }

  void gap_lines(const RepoHistory& history) {
    auto views = read::gap_ranges(history, core::TrafficKind::views);
    auto clones = read::gap_ranges(history, core::TrafficKind::clones);
    auto show = [&](std::string_view label, const auto& ranges) {
      auto text = fmt::format("  {:<16}{}", label, gap_list(ranges));
      line(ranges.empty() ? text : m_style.warn(text));
    };
    if (views == clones) {
      show("Gaps", views);
    } else {
      show("Gaps in views", views);
      show("Gaps in clones", clones);
    }
  }

  void top_header(std::string_view title) {
    line("");
    line(fmt::format("  {}{}{}", fit(title, k_name_width + 2), right("Views", k_number_width),
                     right("Unique", k_number_width)));
  }

  // Unknown uniques (an imported snapshot whose files had none) are "–", never 0 (R3).
  void top_row(std::string_view name, std::int64_t count, std::optional<std::int64_t> uniques) {
    line(fmt::format("    {}{}{}", fit(printable(name), k_name_width),
                     right(with_thousands(count), k_number_width),
                     right(uniques ? with_thousands(*uniques) : "–", k_number_width)));
  }

  // The latest snapshot of a top-10 series (R5), its first entries by views.
  template <typename Snapshot, typename NameOf>
  void top_list(std::string_view title, const std::vector<Snapshot>& series, NameOf name_of) {
    if (series.empty()) {
      line("");
      line(fmt::format("  {}: none stored yet", title));
      return;
    }
    const auto& latest = series.back();
    top_header(fmt::format("{}, 14 days to {}", title,
                           util::format_day(util::day_of(latest.observed_at))));
    for (const auto& entry : top(latest.entries)) {
      top_row(name_of(entry), entry.count, entry.uniques);
    }
    if (latest.entries.empty()) {
      line("    none");
    }
  }

  void top_referrers(const RepoHistory& history) {
    top_list("Top referrers", history.referrers,
             [](const core::Referrer& entry) -> std::string_view { return entry.referrer; });
  }

  void top_paths(const RepoHistory& history) {
    top_list("Top paths", history.paths,
             [](const core::PopularPath& entry) -> std::string_view { return entry.path; });
  }

  const ShowOptions& m_options;
  Style m_style;
  std::string m_text;
};

using nlohmann::json;

json day_or_null(const std::optional<util::Day>& day) {
  return day ? json(util::format_day(*day)) : json(nullptr);
}

json total_or_null(const read::KindSum& kind) {
  auto total = kind.total();
  return total ? json(*total) : json(nullptr);
}

json spans_json(const std::vector<read::DaySpan>& spans) {
  json out = json::array();
  for (const auto& [from, to] : spans) {
    out.push_back({{"from", util::format_day(from)},
                   {"to", util::format_day(to)},
                   {"days", (to - from).count() + 1}});
  }
  return out;
}

template <typename Snapshot, typename EntryJson>
json latest_snapshot_json(const std::vector<Snapshot>& series, EntryJson entry_json) {
  if (series.empty()) {
    return nullptr;
  }
  json entries = json::array();
  for (const auto& entry : series.back().entries) {
    entries.push_back(entry_json(entry));
  }
  return {{"date", util::format_day(util::day_of(series.back().observed_at))},
          {"entries", std::move(entries)}};
}

json period_json(const RepoHistory& history, const Period& period, bool window_total) {
  auto sums = read::sum_period(history, period.from, period.to);
  json out{{"from", util::format_day(period.from)},
           {"to", util::format_day(period.to)},
           {"days", sums.length()},
           {"views", total_or_null(sums.views)},
           {"views_days", sums.views.covered},
           {"clones", total_or_null(sums.clones)},
           {"clones_days", sums.clones.covered}};
  auto windows = read::views_windows(history.windows);
  if (window_total) {
    auto window = read::uniques_window(windows, period.from, period.to);
    out["unique_visitors"] = window ? json(window->uniques) : json(nullptr);
    out["unique_visitors_window_end"] =
        window ? json(util::format_day(util::day_of(window->observed_at))) : json(nullptr);
  } else {
    auto largest = read::largest_window_inside(windows, period.from, period.to);
    out["unique_visitors_at_least"] = largest ? json(*largest) : json(nullptr);
  }
  return out;
}

json repository_json(const RepoHistory& history, util::Day today) {
  const auto& record = history.record;
  json periods = json::object();
  if (!history.days.empty()) {
    periods["last_14_days"] = period_json(history, {"", today - days{13}, today}, true);
    periods["last_30_days"] = period_json(history, {"", today - days{29}, today}, false);
    periods["all_time"] =
        period_json(history, {"", *history.first_day(), *history.last_day()}, false);
  }
  const auto* counters = history.counters.empty() ? nullptr : &history.counters.back();
  return {
      {"repo", record.full_name},
      {"id", record.id},
      {"names", record.names},
      {"first_day", day_or_null(history.first_day())},
      {"last_day", day_or_null(history.last_day())},
      {"days_stored", history.days.size()},
      {"periods", std::move(periods)},
      {"stars", counters ? json(counters->stars) : json(nullptr)},
      {"forks", counters ? json(counters->forks) : json(nullptr)},
      {"counters_date",
       counters ? json(util::format_day(util::day_of(counters->observed_at))) : json(nullptr)},
      {"gaps",
       {{"views", spans_json(read::gap_ranges(history, core::TrafficKind::views))},
        {"clones", spans_json(read::gap_ranges(history, core::TrafficKind::clones))}}},
      {"top_referrers",
       latest_snapshot_json(
           history.referrers,
           [](const core::Referrer& e) {
             return json{{"referrer", e.referrer}, {"count", e.count}, {"uniques", e.uniques}};
           })},
      {"top_paths", latest_snapshot_json(history.paths,
                                         [](const core::PopularPath& e) {
                                           return json{{"path", e.path},
                                                       {"title", e.title},
                                                       {"count", e.count},
                                                       {"uniques", e.uniques ? json(*e.uniques)
                                                                             : json(nullptr)}};
                                         })},
  };
}

std::vector<store::RepoRecord> selected(store::Store& store, const ShowOptions& options) {
  std::vector<std::string> names;
  if (options.repo) {
    names.push_back(*options.repo);
  }
  return read::select_repositories(store, names);
}

}  // namespace

std::string with_thousands(std::int64_t value) {
  const auto digits = fmt::format("{}", value);
  const std::size_t first = digits.front() == '-' ? 1 : 0;
  std::string out(digits, 0, first);
  for (std::size_t i = first; i < digits.size(); ++i) {
    if (i > first && (digits.size() - i) % 3 == 0) {
      out.push_back(',');
    }
    out.push_back(digits[i]);
  }
  return out;
}

nlohmann::json summary_json(store::Store& store, const ShowOptions& options) {
  json repos = json::array();
  for (const auto& record : selected(store, options)) {
    repos.push_back(repository_json(read::load_history(store, record), options.today));
  }
  return {{"today", util::format_day(options.today)}, {"repos", std::move(repos)}};
}

std::string render_summary(store::Store& store, const ShowOptions& options) {
  auto records = selected(store, options);
  if (records.empty()) {
    return fmt::format(
        "No repositories stored yet in {}.\n"
        "Run `ghtraffic collect OWNER/REPO` (or `ghtraffic collect --owner ORG`) to fetch their\n"
        "traffic, and run it at least every 14 days to keep the history without gaps.\n",
        store.describe());
  }
  Renderer renderer(options);
  renderer.line(fmt::format("Traffic as of {} (UTC), {} repositor{}",
                            util::format_day(options.today), records.size(),
                            records.size() == 1 ? "y" : "ies"));
  renderer.line("");
  for (size_t i = 0; i < records.size(); ++i) {
    if (i > 0) {
      renderer.line("");
    }
    renderer.repository(read::load_history(store, records[i]));
  }
  return renderer.take();
}

}  // namespace ghtraffic::cli
