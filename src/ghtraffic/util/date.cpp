#include "ghtraffic/util/date.hpp"

#include <fmt/format.h>

#include <array>
#include <cstdio>

#include "ghtraffic/util/number.hpp"

namespace ghtraffic::util {
namespace {

using namespace std::chrono;

constexpr std::array<const char*, 12> k_months = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
constexpr std::array<const char*, 7> k_weekdays = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};

bool read_int(std::string_view text, size_t pos, size_t len, int& out) {
  if (pos + len > text.size()) {
    return false;
  }
  auto value = parse_int<int>(text.substr(pos, len), 0);
  if (value) {
    out = *value;
  }
  return value.has_value();
}

// Writes value's last len decimal digits at out[pos, pos + len), zero-padded.
void put_digits(std::string& out, std::size_t pos, std::size_t len, unsigned value) {
  for (std::size_t i = pos + len; i > pos; --i) {
    out[i - 1] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
}

std::optional<Day> make_day(int y, int m, int d) {
  year_month_day ymd{year{y}, month{static_cast<unsigned>(m)}, day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) {
    return std::nullopt;
  }
  return sys_days{ymd};
}

std::optional<Timestamp> make_time(Day d, int hh, int mm, int ss) {
  if (hh < 0 || hh > 23 || mm < 0 || mm > 59 || ss < 0 || ss > 60) {
    return std::nullopt;
  }
  return Timestamp{d} + hours{hh} + minutes{mm} + seconds{ss};
}

}  // namespace

Day day_of(Timestamp t) {
  return floor<days>(t);
}

std::string format_day(Day d) {
  year_month_day ymd{d};
  const int y = static_cast<int>(ymd.year());
  const auto m = static_cast<unsigned>(ymd.month());
  const auto dd = static_cast<unsigned>(ymd.day());
  if (y < 0 || y > 9999) {
    return fmt::format("{:04}-{:02}-{:02}", y, m, dd);
  }
  // By hand: stores and exports write a day per row, and fmt's parsing of the format
  // string costs more than the digits.
  std::string out = "0000-00-00";
  put_digits(out, 0, 4, static_cast<unsigned>(y));
  put_digits(out, 5, 2, m);
  put_digits(out, 8, 2, dd);
  return out;
}

std::optional<Day> parse_day(std::string_view text) {
  int y = 0;
  int m = 0;
  int d = 0;
  if (text.size() != 10 || text[4] != '-' || text[7] != '-' || !read_int(text, 0, 4, y) ||
      !read_int(text, 5, 2, m) || !read_int(text, 8, 2, d)) {
    return std::nullopt;
  }
  return make_day(y, m, d);
}

std::string format_iso8601(Timestamp t) {
  auto d = day_of(t);
  hh_mm_ss hms{t - d};
  auto out = format_day(d);
  out += "T00:00:00Z";
  const auto at = out.size() - 10;
  put_digits(out, at + 1, 2, static_cast<unsigned>(hms.hours().count()));
  put_digits(out, at + 4, 2, static_cast<unsigned>(hms.minutes().count()));
  put_digits(out, at + 7, 2, static_cast<unsigned>(hms.seconds().count()));
  return out;
}

std::optional<Timestamp> parse_iso8601(std::string_view text) {
  if (text.size() < 20 || text[10] != 'T' || text[13] != ':' || text[16] != ':') {
    return std::nullopt;
  }
  auto d = parse_day(text.substr(0, 10));
  int hh = 0;
  int mm = 0;
  int ss = 0;
  if (!d || !read_int(text, 11, 2, hh) || !read_int(text, 14, 2, mm) ||
      !read_int(text, 17, 2, ss)) {
    return std::nullopt;
  }
  size_t pos = 19;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      ++pos;
    }
  }
  auto t = make_time(*d, hh, mm, ss);
  if (!t) {
    return std::nullopt;
  }
  auto rest = text.substr(pos);
  if (rest == "Z") {
    return t;
  }
  int oh = 0;
  int om = 0;
  if (rest.size() == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':' &&
      read_int(rest, 1, 2, oh) && read_int(rest, 4, 2, om)) {
    auto offset = hours{oh} + minutes{om};
    return rest[0] == '+' ? *t - offset : *t + offset;
  }
  return std::nullopt;
}

std::string format_sql_timestamp(Timestamp t) {
  auto iso = format_iso8601(t);
  iso[10] = ' ';
  iso.pop_back();
  return iso;
}

std::optional<Timestamp> parse_http_date(std::string_view text) {
  // "Sun, 06 Nov 1994 08:49:37 GMT"
  if (text.size() != 29 || text[3] != ',' || text.substr(26) != "GMT") {
    return std::nullopt;
  }
  int d = 0;
  int y = 0;
  int hh = 0;
  int mm = 0;
  int ss = 0;
  if (!read_int(text, 5, 2, d) || !read_int(text, 12, 4, y) || !read_int(text, 17, 2, hh) ||
      !read_int(text, 20, 2, mm) || !read_int(text, 23, 2, ss)) {
    return std::nullopt;
  }
  auto month_name = text.substr(8, 3);
  int m = 0;
  for (size_t i = 0; i < k_months.size(); ++i) {
    if (month_name == k_months[i]) {
      m = static_cast<int>(i) + 1;
    }
  }
  auto day_value = m == 0 ? std::nullopt : make_day(y, m, d);
  if (!day_value) {
    return std::nullopt;
  }
  return make_time(*day_value, hh, mm, ss);
}

std::string format_http_date(Timestamp t) {
  auto d = day_of(t);
  year_month_day ymd{d};
  weekday wd{d};
  hh_mm_ss hms{t - d};
  return fmt::format("{}, {:02} {} {:04} {:02}:{:02}:{:02} GMT", k_weekdays[wd.c_encoding()],
                     static_cast<unsigned>(ymd.day()),
                     k_months[static_cast<unsigned>(ymd.month()) - 1], static_cast<int>(ymd.year()),
                     hms.hours().count(), hms.minutes().count(), hms.seconds().count());
}

}  // namespace ghtraffic::util
