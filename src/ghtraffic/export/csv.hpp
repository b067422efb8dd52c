// CSV text as the exports write it: RFC 4180 quoting, '\n' line endings, and text that came
// from GitHub (paths, titles, referrers) defused against spreadsheet formula injection.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

namespace ghtraffic::exports {

// The field as RFC 4180 wants it: quoted when it holds a comma, a quote, CR or LF, with
// quotes doubled; as is otherwise.
std::string csv_field(std::string_view text);

// For text that someone else controls: a value starting with '=', '+', '-', '@', a tab or
// CR would be run as a formula by spreadsheet programs, so it gets a leading "'" first.
std::string csv_untrusted_field(std::string_view text);

// A number, or an empty cell for a figure that was never observed.
std::string csv_number(std::optional<std::int64_t> value);

// Builds one CSV file in memory: a header, then rows of already-encoded fields.
class CsvWriter {
 public:
  explicit CsvWriter(std::initializer_list<std::string_view> header);

  void row(std::initializer_list<std::string_view> encoded_fields);

  const std::string& text() const { return m_text; }
  std::size_t rows() const { return m_rows; }

 private:
  void line(std::initializer_list<std::string_view> fields);

  std::string m_text;
  std::size_t m_rows = 0;
};

}  // namespace ghtraffic::exports
