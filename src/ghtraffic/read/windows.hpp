// GitHub's window totals (R4): a response's top-level uniques are de-duplicated over its 14
// days, so a period's unique visitors are one window's figure, never daily uniques added up.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "ghtraffic/store/store.hpp"
#include "ghtraffic/util/date.hpp"

namespace ghtraffic::read {

struct ViewsWindow {
  util::Timestamp observed_at;
  std::int64_t uniques = 0;
};

// The views windows of windows, in their order (Store::windows: by time).
std::vector<ViewsWindow> views_windows(const std::vector<store::WindowRecord>& windows);

// The window that stands for the unique visitors of the 14 days ending on `to`: the latest
// one observed on a day of [from, to]. windows by time.
std::optional<ViewsWindow> uniques_window(std::span<const ViewsWindow> windows, util::Day from,
                                          util::Day to);

// A longer period has no such figure: the largest window whose 15 covered days lie wholly
// inside [from, to] is a lower bound of its unique visitors.
std::optional<std::int64_t> largest_window_inside(std::span<const ViewsWindow> windows,
                                                  util::Day from, util::Day to);

}  // namespace ghtraffic::read
