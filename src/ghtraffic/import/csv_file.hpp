// CSV files as the importers read them: RFC 4180 (quoted fields, doubled quotes, line
// breaks inside quotes), LF or CRLF line endings, an optional UTF-8 byte order mark, blank
// lines skipped. Every problem is an ImportError that names the file and the line.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ghtraffic/util/date.hpp"
#include "ghtraffic/util/error.hpp"

namespace ghtraffic::imports {

// A file that is not what an importer expects: "daily.csv:12: ...". Exit code 1, like a
// repository that could not be collected.
class ImportError : public util::Error {
 public:
  ImportError(std::string_view file, std::size_t line, std::string_view what);
  explicit ImportError(const std::string& message)
      : util::Error(message, static_cast<int>(util::k_exit_partial)) {}
};

struct CsvRow {
  std::size_t line = 0;  // the line the row starts on, 1 = the header
  std::vector<std::string> fields;
};

class CsvFile {
 public:
  // Reads and parses the file; name is how messages call it (a path relative to the
  // folder being imported).
  static CsvFile read(const std::filesystem::path& path, std::string name);
  static CsvFile parse(std::string_view text, std::string name);

  const std::string& name() const { return m_name; }
  const std::vector<std::string>& header() const { return m_header; }
  const std::vector<CsvRow>& rows() const { return m_rows; }

  std::optional<std::size_t> column(std::string_view name) const;
  // The column's index; an ImportError naming the file when the header lacks it.
  std::size_t required_column(std::string_view name) const;

  // Fails the file at a row.
  [[noreturn]] void fail(const CsvRow& row, std::string_view what) const;

  // Typed cells of a row, each checked: a cell that is not what it should be fails the row
  // with the column's name and the text found.
  std::string_view text(const CsvRow& row, std::size_t column) const;
  // Empty cell: none. Otherwise a whole number from 0.
  std::optional<std::int64_t> count(const CsvRow& row, std::size_t column) const;
  std::int64_t required_count(const CsvRow& row, std::size_t column) const;
  util::Day day(const CsvRow& row, std::size_t column) const;
  util::Timestamp time(const CsvRow& row, std::size_t column) const;

 private:
  std::string m_name;
  std::vector<std::string> m_header;
  std::vector<CsvRow> m_rows;
};

// Undoes what the exports do to text other people wrote (exports/csv.hpp): a leading "'"
// before '=', '+', '-', '@', a tab or a carriage return is dropped.
std::string untrusted_text(std::string_view cell);

}  // namespace ghtraffic::imports
