// Days left and lost days (DESIGN.md, "Days left"): the figure every alert speaks, as a
// pure function, and over a real SQLite store with observations at chosen times.
#include <gtest/gtest.h>

#include "ghtraffic/read/freshness.hpp"
#include "ghtraffic/store/sqlite/sqlite_store.hpp"
#include "store_test_support.hpp"

using namespace ghtraffic;
using store::testing::at;
using store::testing::day;

TEST(freshness, counts_fourteen_days_from_the_utc_day_of_the_last_collection) {
  auto f = read::freshness(at("2026-03-01T23:59:00Z"), day("2026-03-01"));
  EXPECT_EQ(f.last_success, day("2026-03-01"));
  EXPECT_EQ(f.days_left, 14);
  EXPECT_EQ(f.lost_days, 0);
  EXPECT_EQ(f.urgency, read::Urgency::ok);
  EXPECT_FALSE(f.needs_attention());
  EXPECT_EQ(read::describe(f), "14 days left");
  // The time of day does not matter, only its UTC day.
  EXPECT_EQ(read::freshness(at("2026-03-01T00:00:01Z"), day("2026-03-05")).days_left, 10);
}

TEST(freshness, is_at_risk_at_warn_days_or_fewer_and_due_at_zero) {
  auto last = at("2026-03-01T10:00:00Z");
  EXPECT_EQ(read::freshness(last, day("2026-03-11")).urgency, read::Urgency::ok);  // 4 left
  auto three = read::freshness(last, day("2026-03-12"));
  EXPECT_EQ(three.days_left, 3);
  EXPECT_EQ(three.urgency, read::Urgency::at_risk);
  EXPECT_TRUE(three.needs_attention());
  EXPECT_EQ(read::describe(read::freshness(last, day("2026-03-14"))), "1 day left");
  auto zero = read::freshness(last, day("2026-03-15"));
  EXPECT_EQ(zero.days_left, 0);
  EXPECT_EQ(zero.lost_days, 0);
  EXPECT_EQ(zero.urgency, read::Urgency::due_today);
  EXPECT_EQ(read::describe(zero), "0 days left: collect it today");
  // --warn-days moves the threshold.
  EXPECT_EQ(read::freshness(last, day("2026-03-11"), 5).urgency, read::Urgency::at_risk);
  EXPECT_EQ(read::freshness(last, day("2026-03-12"), 0).urgency, read::Urgency::ok);
}

TEST(freshness, below_zero_says_which_days_are_lost) {
  auto last = at("2026-03-01T10:00:00Z");
  auto one = read::freshness(last, day("2026-03-16"));
  EXPECT_EQ(one.days_left, -1);
  EXPECT_EQ(one.lost_days, 1);
  EXPECT_EQ(one.lost_from, day("2026-03-02"));
  EXPECT_EQ(one.lost_to, day("2026-03-02"));
  EXPECT_EQ(one.urgency, read::Urgency::lost);
  EXPECT_EQ(read::describe(one), "1 day lost (2026-03-02)");

  // 42 days later: everything between the 2nd and 14 days ago is gone.
  auto many = read::freshness(last, day("2026-04-12"));
  EXPECT_EQ(many.days_left, -28);
  EXPECT_EQ(many.lost_days, 28);
  EXPECT_EQ(many.lost_from, day("2026-03-02"));
  EXPECT_EQ(many.lost_to, day("2026-03-29"));
  EXPECT_EQ(read::describe(many), "28 days lost (2026-03-02 to 2026-03-29)");
  EXPECT_EQ(read::lost_range_text(many), "2026-03-02 to 2026-03-29");
}

TEST(freshness, a_repository_never_collected_has_no_days_left_and_needs_attention) {
  auto f = read::freshness(std::nullopt, day("2026-03-01"));
  EXPECT_FALSE(f.days_left);
  EXPECT_EQ(f.urgency, read::Urgency::never_collected);
  EXPECT_TRUE(f.needs_attention());
  EXPECT_EQ(read::describe(f), "never collected");
}

TEST(freshness, urgency_names_are_stable_for_scripts) {
  EXPECT_EQ(read::to_string(read::Urgency::lost), "lost");
  EXPECT_EQ(read::to_string(read::Urgency::never_collected), "never-collected");
  EXPECT_EQ(read::to_string(read::Urgency::due_today), "due-today");
  EXPECT_EQ(read::to_string(read::Urgency::at_risk), "at-risk");
  EXPECT_EQ(read::to_string(read::Urgency::ok), "ok");
}

namespace {

class store_freshness : public ::testing::Test {
 protected:
  std::unique_ptr<store::Store> open() { return store::sqlite::make_sqlite_store(m_path, {}); }

  store::testing::TempDir m_dir;
  std::string m_path = m_dir.file("traffic.db");
};

}  // namespace

TEST_F(store_freshness, lists_repositories_most_urgent_first_with_their_last_error) {
  auto store = open();
  store->commit(store::testing::observation(1, "octo/fresh", "2026-03-19T08:00:00Z"));
  store->commit(store::testing::observation(2, "octo/stale", "2026-03-01T08:00:00Z"));
  store->commit(store::testing::observation(3, "octo/soon", "2026-03-08T08:00:00Z"));
  store->commit(store::testing::observation(4, "octo/renamed", "2026-03-18T08:00:00Z"));
  store->record_attempt(
      {"octo/soon", 3, 7, at("2026-03-19T08:00:00Z"), "403 Must have push access"});
  store->record_attempt({"octo/fresh", 1, 7, at("2026-03-19T08:00:00Z"), ""});
  // An older failure of a name is history once the repository was collected later.
  store->record_attempt({"octo/renamed", 0, 6, at("2026-03-17T08:00:00Z"), "404 Not Found"});
  store->record_attempt({"octo/renamed", 4, 7, at("2026-03-19T08:00:00Z"), ""});
  store->record_attempt({"octo/ghost", 0, 7, at("2026-03-19T08:00:00Z"), "404 Not Found"});

  auto repos = read::store_freshness(*store, day("2026-03-20"));
  ASSERT_EQ(repos.size(), 5u);
  EXPECT_EQ(repos[0].full_name, "octo/stale");
  EXPECT_EQ(repos[0].freshness.lost_days, 5);
  EXPECT_EQ(repos[1].full_name, "octo/ghost");
  EXPECT_EQ(repos[1].freshness.urgency, read::Urgency::never_collected);
  EXPECT_EQ(repos[1].last_error, "404 Not Found");
  EXPECT_EQ(repos[2].full_name, "octo/soon");
  EXPECT_EQ(repos[2].freshness.days_left, 2);
  EXPECT_EQ(repos[2].last_error, "403 Must have push access");
  EXPECT_EQ(repos[3].full_name, "octo/renamed");
  EXPECT_EQ(repos[3].freshness.days_left, 12);
  EXPECT_EQ(repos[3].last_error, "");
  EXPECT_EQ(repos[4].full_name, "octo/fresh");
  EXPECT_EQ(repos[4].freshness.days_left, 13);

  EXPECT_EQ(read::names_needing_attention(repos),
            (std::vector<std::string>{"octo/stale", "octo/ghost", "octo/soon"}));
  auto message = read::attention_message(repos);
  EXPECT_NE(message.find("3 repositories need collecting"), std::string::npos) << message;
  EXPECT_NE(message.find("octo/stale (5 days lost (2026-03-02 to 2026-03-06))"), std::string::npos)
      << message;
  EXPECT_NE(message.find("octo/soon (2 days left)"), std::string::npos) << message;
  EXPECT_NE(message.find("ghtraffic collect"), std::string::npos) << message;
  EXPECT_EQ(message.find("octo/fresh"), std::string::npos) << message;
}

TEST_F(store_freshness, says_nothing_when_every_repository_has_time_left) {
  auto store = open();
  store->commit(store::testing::observation(1, "octo/fresh", "2026-03-19T08:00:00Z"));
  auto repos = read::store_freshness(*store, day("2026-03-20"));
  EXPECT_TRUE(read::names_needing_attention(repos).empty());
  EXPECT_EQ(read::attention_message(repos), "");
}
