#include "ghtraffic/export/csv.hpp"

#include <fmt/format.h>

namespace ghtraffic::exports {

std::string csv_field(std::string_view text) {
  if (text.find_first_of(",\"\r\n") == std::string_view::npos) {
    return std::string(text);
  }
  std::string out;
  out.reserve(text.size() + 2);
  out += '"';
  for (char c : text) {
    if (c == '"') {
      out += '"';
    }
    out += c;
  }
  out += '"';
  return out;
}

std::string csv_untrusted_field(std::string_view text) {
  if (!text.empty() && std::string_view("=+-@\t\r").find(text.front()) != std::string_view::npos) {
    return csv_field("'" + std::string(text));
  }
  return csv_field(text);
}

std::string csv_number(std::optional<std::int64_t> value) {
  return value ? fmt::format("{}", *value) : std::string();
}

CsvWriter::CsvWriter(std::initializer_list<std::string_view> header) {
  line(header);
}

void CsvWriter::row(std::initializer_list<std::string_view> encoded_fields) {
  line(encoded_fields);
  ++m_rows;
}

void CsvWriter::line(std::initializer_list<std::string_view> fields) {
  bool first = true;
  for (auto field : fields) {
    if (!first) {
      m_text += ',';
    }
    m_text += field;
    first = false;
  }
  m_text += '\n';
}

}  // namespace ghtraffic::exports
