#include "support/outcome_table.hpp"

#include <fmt/format.h>

#include <fstream>
#include <regex>
#include <stdexcept>

namespace ghtraffic::testing {

OutcomeTable::OutcomeTable(std::vector<std::string> columns) : m_columns(std::move(columns)) {}

void OutcomeTable::add(std::vector<std::string> cells) {
  if (cells.size() != m_columns.size()) {
    throw std::logic_error(
        fmt::format("an outcome row has {} cells for {} columns", cells.size(), m_columns.size()));
  }
  m_rows.push_back(std::move(cells));
}

std::string OutcomeTable::markdown() const {
  auto row = [](const std::vector<std::string>& cells) {
    return fmt::format("| {} |\n", fmt::join(cells, " | "));
  };
  std::string out = row(m_columns);
  out += row(std::vector<std::string>(m_columns.size(), "---"));
  for (const auto& cells : m_rows) {
    out += row(cells);
  }
  return out;
}

void OutcomeTable::write(const std::string& path) const {
  std::ofstream(path) << markdown();
}

std::string table_cell(std::string message, const std::vector<Replacement>& replacements,
                       std::size_t max_chars) {
  for (const auto& r : replacements) {
    message = std::regex_replace(message, std::regex(r.pattern), r.with);
  }
  message = std::regex_replace(message, std::regex("\\|"), "/");
  if (message.size() > max_chars) {
    message = message.substr(0, max_chars - 3) + "...";
  }
  return message.empty() ? "–" : message;
}

std::string all_but(const std::vector<std::string>& missing) {
  if (missing.empty()) {
    return "everything";
  }
  if (missing.size() == 5) {
    return "nothing";
  }
  return fmt::format("all but {}", fmt::join(missing, " "));
}

std::vector<std::string> missing_parts(store::Store& store, core::RepoId id) {
  std::vector<std::string> missing;
  if (store.days(id, core::TrafficKind::views).size() != 15) {
    missing.push_back("views");
  }
  if (store.days(id, core::TrafficKind::clones).size() != 15) {
    missing.push_back("clones");
  }
  if (store.path_snapshots(id).size() != 1) {
    missing.push_back("paths");
  }
  if (store.referrer_snapshots(id).size() != 1) {
    missing.push_back("referrers");
  }
  if (store.counters(id).size() != 1) {
    missing.push_back("counters");
  }
  return missing;
}

}  // namespace ghtraffic::testing
