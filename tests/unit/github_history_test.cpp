// Parsing of the star and fork history endpoints and of release download counters.
#include <gtest/gtest.h>

#include "ghtraffic/github/api.hpp"
#include "ghtraffic/github/history.hpp"

using namespace ghtraffic;

namespace {

util::Day day(const char* text) {
  return *util::parse_day(text);
}

TEST(github_history, reads_weeks_with_unix_seconds_and_seven_days) {
  // 1772323200 is Sunday 2026-03-01 00:00 UTC.
  auto weeks = github::parse_star_history(
      R"([{"week": 1772323200, "total": 4, "days": [0, 3, 0, 0, 0, 1, 0]}])");
  ASSERT_TRUE(weeks) << weeks.error().message;
  ASSERT_EQ(weeks->size(), 1u);
  EXPECT_EQ((*weeks)[0].week, day("2026-03-01"));
  EXPECT_EQ((*weeks)[0].days, (std::vector<std::int64_t>{0, 3, 0, 0, 0, 1, 0}));
}

TEST(github_history, reads_an_object_of_weeks_with_iso_days_and_totals_only) {
  auto weeks = github::parse_star_history(
      R"({"weeks": [{"week": "2026-03-08", "total": 5}, {"week": "2026-03-01T00:00:00Z", "days": [1]}]})");
  ASSERT_TRUE(weeks) << weeks.error().message;
  ASSERT_EQ(weeks->size(), 2u);
  EXPECT_EQ((*weeks)[0].week, day("2026-03-08"));
  EXPECT_EQ((*weeks)[0].days.back(), 5);  // a total alone counts on the week's last day
  EXPECT_EQ((*weeks)[1].days, (std::vector<std::int64_t>{1}));
}

TEST(github_history, refuses_what_is_not_a_history) {
  for (const char* body :
       {"", "{}", R"([{"week": "soon", "days": [1]}])",
        R"([{"week": 1772323200, "days": [1, -2]}])",
        R"([{"week": 1772323200, "days": [1,1,1,1,1,1,1,1]}])", R"([{"week": 1772323200}])"}) {
    EXPECT_FALSE(github::parse_star_history(body)) << body;
  }
}

TEST(github_history, reads_listing_times_and_refuses_entries_without_them) {
  auto times = github::parse_listing_times(
      R"([{"starred_at": "2026-03-02T01:00:00Z", "user": {}}])", "starred_at");
  ASSERT_TRUE(times);
  EXPECT_EQ(util::day_of(times->at(0)), day("2026-03-02"));
  // Without the star+json media type GitHub lists users only.
  EXPECT_FALSE(github::parse_listing_times(R"([{"login": "a"}])", "starred_at"));
}

TEST(github_history, reads_release_download_counters_over_graphql_and_rest) {
  auto node = nlohmann::json::parse(R"({"releases": {"nodes": [
      {"tagName": "v1", "releaseAssets": {"nodes": [{"name": "a.zip", "downloadCount": 7}]}}]}})");
  auto graphql = github::parse_graphql_releases(node);
  ASSERT_TRUE(graphql && *graphql);
  EXPECT_EQ(graphql->value().at(0), (core::AssetDownloads{"v1", "a.zip", 7}));
  auto none = github::parse_graphql_releases(nlohmann::json::object());
  ASSERT_TRUE(none);
  EXPECT_FALSE(*none);  // no releases field: unknown, not an empty list
  auto rest = github::parse_rest_releases(
      R"([{"tag_name": "v2", "assets": [{"name": "b.tgz", "download_count": 3}]}])");
  ASSERT_TRUE(rest);
  EXPECT_EQ(rest->at(0), (core::AssetDownloads{"v2", "b.tgz", 3}));
  EXPECT_FALSE(github::parse_rest_releases(R"([{"tag_name": "v2", "assets": [{"name": "b"}]}])"));
}

}  // namespace
