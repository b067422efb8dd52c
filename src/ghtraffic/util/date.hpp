// Calendar helpers: UTC days and second-precision timestamps, and their text forms.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace ghtraffic::util {

using Day = std::chrono::sys_days;
using Timestamp = std::chrono::sys_seconds;

Day day_of(Timestamp t);

// "2016-10-10"
std::string format_day(Day d);
std::optional<Day> parse_day(std::string_view text);

// "2016-10-10T00:00:00Z"
std::string format_iso8601(Timestamp t);
// Accepts "YYYY-MM-DDTHH:MM:SSZ" with an optional fraction and a Z or +HH:MM offset.
std::optional<Timestamp> parse_iso8601(std::string_view text);

// "2016-10-10 00:00:00", the reference design's CSV timestamp.
std::string format_sql_timestamp(Timestamp t);

// RFC 7231 IMF-fixdate, as in the HTTP Date header: "Sun, 06 Nov 1994 08:49:37 GMT".
std::optional<Timestamp> parse_http_date(std::string_view text);
std::string format_http_date(Timestamp t);

}  // namespace ghtraffic::util
