#include "ghtraffic/import/csv_file.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "ghtraffic/util/number.hpp"
#include "ghtraffic/util/strings.hpp"

namespace ghtraffic::imports {

namespace {

// A cell as quoted in messages: short, one line.
std::string shown(std::string_view cell) {
  std::string out;
  for (char c : cell.substr(0, 40)) {
    out += (c == '\n' || c == '\r') ? ' ' : c;
  }
  return cell.size() > 40 ? out + "…" : out;
}

}  // namespace

ImportError::ImportError(std::string_view file, std::size_t line, std::string_view what)
    : ImportError(fmt::format("{}:{}: {}", file, line, what)) {}

CsvFile CsvFile::read(const std::filesystem::path& path, std::string name) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw ImportError(fmt::format("cannot read {}: {}", name, std::strerror(errno)));
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) {
    throw ImportError(fmt::format("cannot read {}: {}", name, std::strerror(errno)));
  }
  return parse(text.str(), std::move(name));
}

CsvFile CsvFile::parse(std::string_view text, std::string name) {
  CsvFile file;
  file.m_name = std::move(name);
  if (text.starts_with("\xEF\xBB\xBF")) {
    text.remove_prefix(3);
  }
  std::vector<CsvRow> records;
  CsvRow current;
  std::string field;
  std::size_t line = 1;
  std::size_t quote_line = 0;
  bool quoted = false;      // inside a quoted field
  bool was_quoted = false;  // the current field was quoted (an empty "" is a field)
  bool any = false;         // the current record has something
  auto end_field = [&] {
    current.fields.push_back(std::move(field));
    field.clear();
    was_quoted = false;
  };
  auto end_record = [&] {
    end_field();
    bool blank = current.fields.size() == 1 && current.fields[0].empty() && !any;
    if (!blank) {
      records.push_back(std::move(current));
    }
    current = CsvRow{};
    any = false;
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (current.fields.empty() && field.empty() && !any) {
      current.line = line;
    }
    if (quoted) {
      if (c == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          field += '"';
          ++i;
        } else {
          quoted = false;
        }
      } else {
        if (c == '\n') {
          ++line;
        }
        field += c;
      }
      continue;
    }
    switch (c) {
      case '"':
        if (!field.empty() || was_quoted) {
          throw ImportError(file.m_name, line,
                            "a quote inside a field that is not quoted; quote the whole field "
                            "and double the quotes in it");
        }
        quoted = true;
        was_quoted = true;
        any = true;
        quote_line = line;
        break;
      case ',':
        end_field();
        any = true;
        break;
      case '\r':
        if (i + 1 < text.size() && text[i + 1] == '\n') {
          break;  // CRLF: the LF ends the record
        }
        field += c;
        break;
      case '\n':
        end_record();
        ++line;
        break;
      default:
        if (was_quoted) {
          throw ImportError(file.m_name, line, "text after the closing quote of a field");
        }
        field += c;
        any = true;
    }
  }
  if (quoted) {
    throw ImportError(file.m_name, quote_line, "a quoted field is never closed");
  }
  if (any || !field.empty()) {
    end_record();
  }
  if (records.empty()) {
    throw ImportError(file.m_name, 1, "the file is empty; it needs at least its header line");
  }
  for (auto& column : records.front().fields) {
    file.m_header.emplace_back(util::trim(column));
  }
  for (std::size_t r = 1; r < records.size(); ++r) {
    if (records[r].fields.size() != file.m_header.size()) {
      throw ImportError(file.m_name, records[r].line,
                        fmt::format("{} fields where the header has {}", records[r].fields.size(),
                                    file.m_header.size()));
    }
    file.m_rows.push_back(std::move(records[r]));
  }
  return file;
}

std::optional<std::size_t> CsvFile::column(std::string_view name) const {
  for (std::size_t i = 0; i < m_header.size(); ++i) {
    if (m_header[i] == name) {
      return i;
    }
  }
  return std::nullopt;
}

std::size_t CsvFile::required_column(std::string_view name) const {
  if (auto index = column(name)) {
    return *index;
  }
  throw ImportError(
      m_name, 1,
      fmt::format("no column \"{}\" in the header ({})", name, fmt::join(m_header, ",")));
}

void CsvFile::fail(const CsvRow& row, std::string_view what) const {
  throw ImportError(m_name, row.line, what);
}

std::string_view CsvFile::text(const CsvRow& row, std::size_t column) const {
  return row.fields.at(column);
}

std::optional<std::int64_t> CsvFile::count(const CsvRow& row, std::size_t column) const {
  auto cell = util::trim(text(row, column));
  if (cell.empty()) {
    return std::nullopt;
  }
  auto value = util::parse_int<std::int64_t>(cell, 0);
  if (!value) {
    fail(row, fmt::format("{} is \"{}\", not a count (a whole number from 0)", m_header[column],
                          shown(cell)));
  }
  return *value;
}

std::int64_t CsvFile::required_count(const CsvRow& row, std::size_t column) const {
  auto value = count(row, column);
  if (!value) {
    fail(row, fmt::format("{} is empty; it needs a count", m_header[column]));
  }
  return *value;
}

util::Day CsvFile::day(const CsvRow& row, std::size_t column) const {
  auto cell = util::trim(text(row, column));
  auto day = util::parse_day(cell);
  if (!day) {
    fail(row,
         fmt::format("{} is \"{}\", not a day like 2026-01-31", m_header[column], shown(cell)));
  }
  return *day;
}

util::Timestamp CsvFile::time(const CsvRow& row, std::size_t column) const {
  auto cell = util::trim(text(row, column));
  auto at = util::parse_iso8601(cell);
  if (!at) {
    fail(row, fmt::format("{} is \"{}\", not a time like 2026-01-31T10:00:00Z", m_header[column],
                          shown(cell)));
  }
  return *at;
}

std::string untrusted_text(std::string_view cell) {
  if (cell.size() >= 2 && cell.front() == '\'' &&
      std::string_view("=+-@\t\r").find(cell[1]) != std::string_view::npos) {
    cell.remove_prefix(1);
  }
  return std::string(cell);
}

}  // namespace ghtraffic::imports
