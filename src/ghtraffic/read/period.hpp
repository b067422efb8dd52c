// Sums over a period of days with their coverage (R3): a sum counts covered days only and
// says how many there were; a day no response ever covered is a gap, never a zero, and a
// kind with no covered day in the period has no total at all. The figures come through an
// accessor, so the map-like history of exports and the dense cells of the dashboard's
// snapshot share one definition.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

#include "ghtraffic/util/date.hpp"

namespace ghtraffic::read {

// One day's stored counts; a kind that is a gap on that day is empty.
struct DayFigures {
  std::optional<std::int64_t> views;
  std::optional<std::int64_t> clones;
};

// One kind over a period.
struct KindSum {
  std::int64_t sum = 0;      // the covered days added up; 0 when none was covered
  std::int64_t covered = 0;  // days of the period stored for this kind
  std::int64_t gaps = 0;     // days of the period never covered for this kind

  // The sum, or none when no day of the period is covered ("–", null, "no data").
  std::optional<std::int64_t> total() const {
    return covered > 0 ? std::optional(sum) : std::nullopt;
  }
};

struct PeriodSums {
  util::Day from{};  // inclusive
  util::Day to{};    // inclusive
  KindSum views;
  KindSum clones;
  std::int64_t gap_days = 0;  // days on which views, clones or both are a gap

  std::int64_t length() const { return (to - from).count() + 1; }
};

// Sums [from, to] (from <= to) from figures_at(day) -> DayFigures, asked once for each day of
// the period, in increasing order.
template <typename FiguresAt>
PeriodSums sum_period(util::Day from, util::Day to, FiguresAt figures_at) {
  PeriodSums out;
  out.from = from;
  out.to = to;
  for (auto day = from; day <= to; day += std::chrono::days{1}) {
    const DayFigures figures = figures_at(day);
    if (figures.views) {
      out.views.sum += *figures.views;
      ++out.views.covered;
    }
    if (figures.clones) {
      out.clones.sum += *figures.clones;
      ++out.clones.covered;
    }
    if (!figures.views || !figures.clones) {
      ++out.gap_days;
    }
  }
  out.views.gaps = out.length() - out.views.covered;
  out.clones.gaps = out.length() - out.clones.covered;
  return out;
}

}  // namespace ghtraffic::read
