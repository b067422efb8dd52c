// Whole numbers in text. The one integer parser: flags, environment variables, HTTP
// headers and query parameters all read whole numbers through it, so every "abc" and
// every "0" is answered the same way. And counts written for a person: "1 repository",
// "2 repositories".
#pragma once

#include <fmt/format.h>

#include <charconv>
#include <concepts>
#include <expected>
#include <limits>
#include <string>
#include <string_view>

namespace ghtraffic::util {

enum class NumberError {
  not_a_number,  // not written as a whole number: "abc", "1.5", "", " 7"
  out_of_range,  // a whole number, but below min or above max
};

struct ParseIntError {
  NumberError kind = NumberError::not_a_number;
  // For a person, without the name of the setting: `"abc" is not a whole number`,
  // `"0" must be from 1 to 100`. Callers put the setting's name in front.
  std::string message;
};

// Digits (decimal unless `base` says otherwise), with a leading '-' for a signed type;
// nothing else, not even spaces (callers trim text that may carry them, such as HTTP
// headers).
template <std::integral T>
std::expected<T, ParseIntError> parse_int(std::string_view text,
                                          T min = std::numeric_limits<T>::min(),
                                          T max = std::numeric_limits<T>::max(), int base = 10) {
  auto range = [&] {
    return ParseIntError{NumberError::out_of_range,
                         fmt::format("\"{}\" must be from {} to {}", text, min, max)};
  };
  T value{};
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value, base);
  bool digits_only = !text.empty() && end == text.data() + text.size();
  if (ec == std::errc::result_out_of_range && digits_only) {
    return std::unexpected(range());
  }
  if (ec != std::errc() || !digits_only) {
    return std::unexpected(ParseIntError{NumberError::not_a_number,
                                         fmt::format("\"{}\" is not a whole number", text)});
  }
  if (value < min || value > max) {
    return std::unexpected(range());
  }
  return value;
}

// "1 file", "0 files", "2 files": the singular for exactly one.
template <std::integral T>
std::string counted(T n, std::string_view one, std::string_view many) {
  return fmt::format("{} {}", n, n == 1 ? one : many);
}

}  // namespace ghtraffic::util
