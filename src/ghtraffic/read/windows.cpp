#include "ghtraffic/read/windows.hpp"

#include <algorithm>

#include "ghtraffic/core/rules.hpp"

namespace ghtraffic::read {

std::vector<ViewsWindow> views_windows(const std::vector<store::WindowRecord>& windows) {
  std::vector<ViewsWindow> out;
  for (const auto& window : windows) {
    if (window.kind == core::TrafficKind::views) {
      out.push_back({window.observed_at, window.uniques});
    }
  }
  return out;
}

std::optional<ViewsWindow> uniques_window(std::span<const ViewsWindow> windows, util::Day from,
                                          util::Day to) {
  for (auto it = windows.rbegin(); it != windows.rend(); ++it) {
    auto day = util::day_of(it->observed_at);
    if (day < from) {
      break;
    }
    if (day <= to) {
      return *it;
    }
  }
  return std::nullopt;
}

std::optional<std::int64_t> largest_window_inside(std::span<const ViewsWindow> windows,
                                                  util::Day from, util::Day to) {
  std::optional<std::int64_t> largest;
  for (const auto& window : windows) {
    if (core::first_covered_day(window.observed_at) >= from &&
        core::last_covered_day(window.observed_at) <= to) {
      largest = std::max(largest.value_or(0), window.uniques);
    }
  }
  return largest;
}

}  // namespace ghtraffic::read
