#include "ghtraffic/util/date.hpp"

#include <gtest/gtest.h>

using namespace ghtraffic::util;

TEST(date, parses_and_formats_days) {
  auto d = parse_day("2016-10-10");
  ASSERT_TRUE(d);
  EXPECT_EQ(format_day(*d), "2016-10-10");
  EXPECT_FALSE(parse_day("2016-13-10"));
  EXPECT_FALSE(parse_day("2016-02-30"));
  EXPECT_FALSE(parse_day("16-10-10"));
}

TEST(date, parses_github_timestamps) {
  auto t = parse_iso8601("2016-10-10T00:00:00Z");
  ASSERT_TRUE(t);
  EXPECT_EQ(format_iso8601(*t), "2016-10-10T00:00:00Z");
  auto offset = parse_iso8601("2016-10-10T02:30:00+02:00");
  ASSERT_TRUE(offset);
  EXPECT_EQ(format_iso8601(*offset), "2016-10-10T00:30:00Z");
  EXPECT_EQ(format_sql_timestamp(*t), "2016-10-10 00:00:00");
  EXPECT_FALSE(parse_iso8601("2016-10-10"));
}

TEST(date, round_trips_the_http_date_header) {
  auto t = parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT");
  ASSERT_TRUE(t);
  EXPECT_EQ(format_iso8601(*t), "1994-11-06T08:49:37Z");
  EXPECT_EQ(format_http_date(*t), "Sun, 06 Nov 1994 08:49:37 GMT");
  EXPECT_FALSE(parse_http_date("Sun, 06 Foo 1994 08:49:37 GMT"));
  EXPECT_FALSE(parse_http_date("yesterday"));
}
