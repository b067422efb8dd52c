#include <gtest/gtest.h>

#include "export_support.hpp"
#include "ghtraffic/cli/show_summary.hpp"
#include "ghtraffic/util/error.hpp"

using namespace export_test;
using namespace ghtraffic::cli;
using nlohmann::json;

namespace {

std::string summary(store::Store& store, const char* today, std::optional<std::string> repo = {},
                    bool color = false) {
  ShowOptions options;
  options.today = day(today);
  options.repo = std::move(repo);
  options.color = color;
  return render_summary(store, options);
}

// The summary's lines that start with prefix after the indentation.
std::vector<std::string> lines_starting(const std::string& text, std::string_view prefix) {
  std::vector<std::string> out;
  for (const auto& line : util::split(text, '\n')) {
    if (util::trim(line).starts_with(prefix)) {
      out.push_back(line);
    }
  }
  return out;
}

bool contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST(show, thousands_separators) {
  EXPECT_EQ(with_thousands(0), "0");
  EXPECT_EQ(with_thousands(999), "999");
  EXPECT_EQ(with_thousands(1000), "1,000");
  EXPECT_EQ(with_thousands(1234567), "1,234,567");
  EXPECT_EQ(with_thousands(-1234), "-1,234");
  EXPECT_EQ(with_thousands(-123), "-123");
}

TEST(show, empty_store_says_how_to_fill_it) {
  FakeStore store;
  auto text = summary(store, "2026-03-20");
  EXPECT_TRUE(contains(text, "ghtraffic collect")) << text;
}

TEST(show, sums_views_and_clones_over_14_and_30_days) {
  FakeStore store;
  fill_scenario(store);
  auto text = summary(store, "2026-03-20", "octo-org/alpha");
  // 03-07..03-20: views 10+d, clones d%4+1.
  auto last14 = lines_starting(text, "Last 14 days ");
  ASSERT_EQ(last14.size(), 1u) << text;
  EXPECT_TRUE(contains(last14[0], " 329 ")) << last14[0];
  EXPECT_TRUE(contains(last14[0], " 35 ")) << last14[0];
  // 02-19..03-20: 02-19, 02-20 and 03-06..03-20 for views; 02-21 too for clones.
  auto last30 = lines_starting(text, "Last 30 days ");
  ASSERT_EQ(last30.size(), 1u) << text;
  EXPECT_TRUE(contains(last30[0], " 404 ")) << last30[0];
  EXPECT_TRUE(contains(last30[0], " 45 ")) << last30[0];
}

TEST(show, periods_with_missing_days_say_how_many_days_they_cover) {
  FakeStore store;
  fill_scenario(store);
  auto text = summary(store, "2026-03-20", "octo-org/alpha");
  EXPECT_TRUE(contains(text, "! Last 30 days: views (17 of 30 days), clones (18 of 30 days)\n"))
      << text;
  EXPECT_FALSE(contains(text, "Last 14 days:")) << text;
  auto later = summary(store, "2026-03-22", "octo-org/alpha");
  EXPECT_TRUE(contains(
      later, "! Last 14 days: views and clones (12 of 14 days); the other days are gaps\n"))
      << later;
  // The sums are those of the covered days: 03-09..03-20, views 10+d, clones d%4+1.
  auto last14 = lines_starting(later, "Last 14 days ");
  ASSERT_EQ(last14.size(), 1u) << later;
  EXPECT_TRUE(contains(last14[0], " 294 ")) << last14[0];
}

TEST(show, lists_the_gaps_per_kind) {
  FakeStore store;
  fill_scenario(store);
  auto text = summary(store, "2026-03-20", "octo-org/alpha");
  EXPECT_TRUE(contains(text, "Gaps in views   2026-02-21..2026-03-05 (13 days)")) << text;
  EXPECT_TRUE(contains(text, "Gaps in clones  2026-02-22..2026-03-05 (12 days)")) << text;
  auto beta = summary(store, "2026-03-20", "octo-org/beta");
  EXPECT_TRUE(contains(beta, "Gaps            none")) << beta;
}

TEST(show, unique_visitors_for_14_days_come_from_one_labeled_window) {
  FakeStore store;
  fill_scenario(store);
  auto text = summary(store, "2026-03-20", "octo-org/alpha");
  auto last14 = lines_starting(text, "Last 14 days ");
  ASSERT_EQ(last14.size(), 1u);
  EXPECT_TRUE(contains(last14[0], "61 (14-day window ending 2026-03-20)")) << last14[0];
  // The sum of daily uniques over those days would be 2+d%5 summed: never shown.
  EXPECT_FALSE(contains(text, " 56 ")) << text;
}

TEST(show, unique_visitors_for_longer_periods_are_a_labeled_lower_bound) {
  FakeStore store;
  fill_scenario(store);
  auto text = summary(store, "2026-03-20", "octo-org/alpha");
  auto last30 = lines_starting(text, "Last 30 days ");
  ASSERT_EQ(last30.size(), 1u);
  // Only the 03-20 window (03-06..03-20) lies inside 02-19..03-20.
  EXPECT_TRUE(contains(last30[0], "≥ 61 (largest 14-day window)")) << last30[0];
  auto all = lines_starting(text, "All time ");
  ASSERT_EQ(all.size(), 1u);
  EXPECT_TRUE(contains(all[0], "≥ 75 (largest 14-day window)")) << all[0];
}

TEST(show, periods_without_data_say_no_data_not_zero) {
  FakeStore store;
  fill_scenario(store);
  auto text = summary(store, "2026-03-20", "octo-org/beta");
  auto last14 = lines_starting(text, "Last 14 days ");
  ASSERT_EQ(last14.size(), 1u);
  EXPECT_TRUE(contains(last14[0], "   no data   no data  ")) << last14[0];
  EXPECT_FALSE(contains(last14[0], " 0 ")) << last14[0];
  EXPECT_TRUE(contains(text, "! Last 14 days: no data, no collection covered these 14 days\n"))
      << text;
}

TEST(show, json_answers_null_for_a_period_without_data_and_says_what_each_sum_covers) {
  FakeStore store;
  fill_scenario(store);
  ShowOptions options;
  options.today = day("2026-03-22");
  auto out = summary_json(store, options);
  EXPECT_EQ(out["today"], "2026-03-22");
  ASSERT_EQ(out["repos"].size(), 2u);
  const auto& alpha = out["repos"][0];
  EXPECT_EQ(alpha["repo"], "octo-org/alpha");
  const auto& last14 = alpha["periods"]["last_14_days"];
  EXPECT_EQ(last14["from"], "2026-03-09");
  EXPECT_EQ(last14["days"], 14);
  EXPECT_EQ(last14["views"], 294);
  EXPECT_EQ(last14["views_days"], 12);
  EXPECT_EQ(last14["clones_days"], 12);
  EXPECT_EQ(last14["unique_visitors"], 61);
  // 02-21..03-22: views 03-06..03-20, clones 02-21 too.
  EXPECT_EQ(alpha["periods"]["last_30_days"]["views_days"], 15);
  EXPECT_EQ(alpha["periods"]["last_30_days"]["clones_days"], 16);
  EXPECT_EQ(alpha["periods"]["last_30_days"]["unique_visitors_at_least"], 61);
  EXPECT_EQ(alpha["gaps"]["views"][0],
            json({{"from", "2026-02-21"}, {"to", "2026-03-05"}, {"days", 13}}));
  EXPECT_EQ(alpha["stars"], 1234);

  const auto& beta = out["repos"][1];
  EXPECT_EQ(beta["repo"], "octo-org/beta");
  const auto& none = beta["periods"]["last_14_days"];
  EXPECT_TRUE(none["views"].is_null()) << none;
  EXPECT_TRUE(none["clones"].is_null()) << none;
  EXPECT_EQ(none["views_days"], 0);
  EXPECT_TRUE(none["unique_visitors"].is_null()) << none;

  options.repo = "octo-org/beta";
  EXPECT_EQ(summary_json(store, options)["repos"].size(), 1u);
}

TEST(show, days_stored_counts_each_utc_day_once) {
  FakeStore store;
  fill_scenario(store);
  ShowOptions options;
  options.today = day("2026-03-20");
  options.repo = "octo-org/alpha";
  const auto alpha = summary_json(store, options)["repos"][0];
  // Views 02-06..02-20 and 03-06..03-20, clones 02-06..02-21 and 03-06..03-20: 31 days with
  // views, clones or both, not 61 day figures.
  EXPECT_EQ(alpha["first_day"], "2026-02-06");
  EXPECT_EQ(alpha["days_stored"], 31);
}

TEST(show, stars_forks_and_names) {
  FakeStore store;
  fill_scenario(store);
  auto text = summary(store, "2026-03-20", "octo-org/alpha-old");
  EXPECT_TRUE(contains(text, "octo-org/alpha (formerly octo-org/alpha-old)")) << text;
  EXPECT_TRUE(contains(text, "Stars    1,234    Forks 3 (as of 2026-03-20)")) << text;
  EXPECT_TRUE(contains(text, "Stored   2026-02-06..2026-03-20")) << text;
  EXPECT_FALSE(contains(text, "octo-org/beta")) << text;
}

TEST(show, top_lists_hold_five_entries_of_the_latest_snapshot) {
  FakeStore store;
  fill_scenario(store);
  auto text = summary(store, "2026-03-20", "octo-org/alpha");
  EXPECT_TRUE(contains(text, "Top paths, 14 days to 2026-03-20")) << text;
  EXPECT_TRUE(contains(text, "/octo-org/alpha/releases")) << text;
  EXPECT_FALSE(contains(text, "/octo-org/alpha/wiki")) << text;
  EXPECT_FALSE(contains(text, "/octo-org/alpha-old/issues")) << text;
  EXPECT_FALSE(contains(text, "news.ycombinator.com")) << text;
}

TEST(show, lines_fit_80_columns_and_control_characters_are_neutralised) {
  FakeStore store;
  fill_scenario(store);
  auto o = scenario_observation(3003, "octo-org/gamma", "2026-03-20T10:00:00Z", 0, 0);
  o.paths =
      core::PathSnapshot{at("2026-03-20T10:00:00Z"),
                         {{"/octo-org/gamma/\x1b[31mred/" + std::string(100, 'x'), "t", 1, 1}}};
  store.commit(o);
  auto text = summary(store, "2026-03-20");
  for (const auto& line : util::split(text, '\n')) {
    auto columns = std::count_if(line.begin(), line.end(), [](char c) {
      return (static_cast<unsigned char>(c) & 0xc0) != 0x80;
    });
    EXPECT_LE(columns, 80) << line;
  }
  EXPECT_FALSE(contains(text, "\x1b")) << text;
}

TEST(show, color_is_optional) {
  FakeStore store;
  fill_scenario(store);
  EXPECT_TRUE(contains(summary(store, "2026-03-20", {}, true), "\x1b[1m"));
  EXPECT_FALSE(contains(summary(store, "2026-03-20", {}, false), "\x1b["));
}

TEST(show, unknown_repository_is_an_error_naming_it) {
  FakeStore store;
  fill_scenario(store);
  try {
    summary(store, "2026-03-20", "octo-org/nope");
    FAIL() << "expected an error";
  } catch (const util::Error& e) {
    EXPECT_TRUE(contains(e.what(), "octo-org/nope")) << e.what();
    EXPECT_TRUE(contains(e.what(), "fake:memory")) << e.what();
    EXPECT_TRUE(contains(e.what(), "`ghtraffic collect octo-org/nope`")) << e.what();
    EXPECT_FALSE(contains(e.what(), "--repo")) << e.what();
  }
}
