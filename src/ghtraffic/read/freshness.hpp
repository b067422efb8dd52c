// Days left: how long GitHub's 14-day window still holds the days after a repository's
// last successful collection, and which days it no longer holds (DESIGN.md, "Days left").
// `status`, `collect`'s warning, the dashboard's banner, /metrics and the Lambda answer all
// speak these figures, so they are computed here once: a pure function of the last
// collection and today, and the same for every repository of a store.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ghtraffic/core/types.hpp"
#include "ghtraffic/store/store.hpp"
#include "ghtraffic/util/date.hpp"

namespace ghtraffic::read {

// GitHub keeps a day in the traffic window for this many days after it.
inline constexpr int k_window_days = 14;
// At this many days left or fewer a repository is at risk, unless told otherwise.
inline constexpr int k_default_warn_days = 3;

// Most urgent first: the order `status` lists repositories in.
enum class Urgency {
  lost,             // days have left GitHub's window uncollected
  never_collected,  // tried, but never collected: nothing says what is being lost
  due_today,        // 0 days left: collected today, or a day is lost tomorrow
  at_risk,          // warn_days or fewer left
  ok,
};
// "lost", "never-collected", "due-today", "at-risk", "ok": stable, for scripts.
std::string_view to_string(Urgency urgency);

struct Freshness {
  std::optional<util::Day> last_success;  // UTC day of the last successful collection
  std::optional<int> days_left;           // (last_success + 14) - today; none if never
  int lost_days = 0;                      // -days_left when below 0
  std::optional<util::Day> lost_from;     // the lost days, inclusive, when lost_days > 0:
  std::optional<util::Day> lost_to;       // the day after last_success to today - 14
  Urgency urgency = Urgency::ok;

  // Lost days, due today or at risk: what makes `status` exit 1 and alerts fire.
  bool needs_attention() const { return urgency != Urgency::ok; }
};

// The figures for a repository last collected at last_success (none: never), seen on
// today. warn_days is `--warn-days`: at that many days left or fewer it is at risk.
Freshness freshness(std::optional<util::Timestamp> last_success, util::Day today,
                    int warn_days = k_default_warn_days);

// For a person, without the repository's name: "12 days left", "1 day left",
// "0 days left: collect it today", "3 days lost (2026-03-02 to 2026-03-04)",
// "never collected".
std::string describe(const Freshness& freshness);

// The lost days in words: "2026-03-02" or "2026-03-02 to 2026-03-04"; empty when none.
std::string lost_range_text(const Freshness& freshness);

// One repository's state as `status` shows it: its figures and, when the latest attempt
// to collect it failed, why.
struct RepoFreshness {
  std::string full_name;
  core::RepoId id = 0;  // 0 for a name that was tried but never collected
  std::optional<util::Timestamp> last_success;
  std::optional<store::RepoAttempt> last_attempt;
  std::string last_error;  // the latest attempt's error; empty when it succeeded
  Freshness freshness;
};

// Every repository of the store and every name tried but never collected, most urgent
// first (then fewest days left, then by name).
std::vector<RepoFreshness> store_freshness(store::Store& store, util::Day today,
                                           int warn_days = k_default_warn_days);

// Orders repositories most urgent first, as store_freshness() returns them.
void sort_by_urgency(std::vector<RepoFreshness>& repos);

// The names among repos that need attention, in their order.
std::vector<std::string> names_needing_attention(const std::vector<RepoFreshness>& repos);

// One message for a person about the repositories among repos that need attention:
// which ones, how many days each has left or lost, and what to do. Names no secret (only
// repository names, days and the command to run). Empty when none needs attention.
// At most max_named repositories are named; the rest are counted.
std::string attention_message(const std::vector<RepoFreshness>& repos, std::size_t max_named = 20);

}  // namespace ghtraffic::read
