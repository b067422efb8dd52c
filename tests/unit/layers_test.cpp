// ARCHITECTURE.md's table says which folders of src/ghtraffic each folder may include; this
// reads the table and every file's includes and fails on each include the table does not
// allow and on a folder without a row; a second test fails on a table that breaks its own
// grammar (described under it in ARCHITECTURE.md) or names a folder below a row's own.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace {

namespace fs = std::filesystem;

const fs::path k_source = GHTRAFFIC_SOURCE_DIR;
const fs::path k_layers_root = k_source / "src/ghtraffic";

std::string read(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string trim(std::string_view text) {
  auto first = text.find_first_not_of(" \t\r");
  if (first == std::string_view::npos) {
    return {};
  }
  auto last = text.find_last_not_of(" \t\r");
  return std::string(text.substr(first, last - first + 1));
}

std::vector<std::string> split_cells(std::string_view row) {
  // "| a | b | c |" -> {"a", "b", "c"}
  std::vector<std::string> cells;
  std::string line = trim(row);
  if (line.starts_with('|')) {
    line.erase(0, 1);
  }
  if (line.ends_with('|')) {
    line.pop_back();
  }
  std::size_t start = 0;
  while (true) {
    auto bar = line.find('|', start);
    cells.push_back(trim(std::string_view(line).substr(start, bar - start)));
    if (bar == std::string::npos) {
      break;
    }
    start = bar + 1;
  }
  return cells;
}

// "`store/`" -> "store"
std::string folder_name(std::string_view cell) {
  std::string name = trim(cell);
  std::erase(name, '`');
  while (name.ends_with('/')) {
    name.pop_back();
  }
  return name;
}

struct Row {
  std::string folder;
  std::string may_know;            // the cell as written, for messages
  std::vector<std::string> names;  // as listed before the first ';'
  std::set<std::string> allowed;   // after resolving "everything" and "everything above"
  int line = 0;
};

struct Table {
  std::vector<Row> rows;
  std::vector<std::string> problems;  // the table itself breaks its own grammar

  const Row* find(const std::string& folder) const {
    auto it = std::find_if(rows.begin(), rows.end(),
                           [&](const Row& row) { return row.folder == folder; });
    return it == rows.end() ? nullptr : &*it;
  }
};

Table read_table(const fs::path& path) {
  Table table;
  std::istringstream in(read(path));
  std::string line;
  int number = 0;
  std::optional<std::size_t> folder_column;
  std::optional<std::size_t> may_know_column;
  bool in_table = false;
  while (std::getline(in, line)) {
    ++number;
    if (!trim(line).starts_with('|')) {
      if (in_table) {
        break;  // the table ends at its first line that is not a row
      }
      continue;
    }
    auto cells = split_cells(line);
    if (!in_table) {
      for (std::size_t i = 0; i < cells.size(); ++i) {
        if (cells[i] == "folder") {
          folder_column = i;
        } else if (cells[i] == "may know") {
          may_know_column = i;
        }
      }
      in_table = folder_column && may_know_column;
      continue;
    }
    if (cells[0].starts_with("---")) {
      continue;
    }
    if (cells.size() <= std::max(*folder_column, *may_know_column)) {
      table.problems.push_back("ARCHITECTURE.md:" + std::to_string(number) +
                               ": a row of the layer table with too few columns");
      continue;
    }
    Row row;
    row.folder = folder_name(cells[*folder_column]);
    row.may_know = cells[*may_know_column];
    row.line = number;
    std::string list = row.may_know.substr(0, row.may_know.find(';'));
    std::stringstream items(list);
    std::string item;
    while (std::getline(items, item, ',')) {
      row.names.push_back(folder_name(item));
    }
    table.rows.push_back(std::move(row));
  }
  if (table.rows.empty()) {
    table.problems.push_back(
        "ARCHITECTURE.md: no table with the columns 'folder' and 'may know' was found");
  }

  for (std::size_t i = 0; i < table.rows.size(); ++i) {
    Row& row = table.rows[i];
    auto where =
        "ARCHITECTURE.md:" + std::to_string(row.line) + ": the row of `" + row.folder + "/` ";
    for (const auto& name : row.names) {
      if (name == "nothing" && row.names.size() == 1) {
        continue;
      }
      if (name == "everything" || name == "everything above") {
        auto end = name == "everything" ? table.rows.size() : i;
        for (std::size_t j = 0; j < end; ++j) {
          if (j != i) {
            row.allowed.insert(table.rows[j].folder);
          }
        }
        continue;
      }
      auto it = std::find_if(table.rows.begin(), table.rows.end(),
                             [&](const Row& other) { return other.folder == name; });
      if (it == table.rows.end()) {
        table.problems.push_back(where + "names '" + name +
                                 "' in 'may know', which is neither a folder of the table nor "
                                 "'nothing', 'everything above' or 'everything'");
      } else if (static_cast<std::size_t>(it - table.rows.begin()) >= i) {
        table.problems.push_back(where + "names `" + name +
                                 "/`, whose row is not above it: a lower layer never includes "
                                 "a higher one, so move the rows or fix the list");
      } else {
        row.allowed.insert(name);
      }
    }
  }
  return table;
}

// "`store/` may know util, core, net, aws", with the folders that "everything" stands for.
std::string describe(const Row& row) {
  std::string words = trim(std::string_view(row.may_know).substr(0, row.may_know.find(';')));
  std::string text = "`" + row.folder + "/` may know " + words;
  if (words.find("everything") != std::string::npos) {
    std::string list;
    for (const auto& name : row.allowed) {
      list += (list.empty() ? "" : ", ") + name;
    }
    text += " (" + list + ")";
  }
  return text;
}

// The path of an #include line ("ghtraffic/util/log.hpp", "vector"), or nullopt for any
// other line.
std::optional<std::string> included_path(std::string_view line) {
  auto skip_spaces = [&] {
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) {
      line.remove_prefix(1);
    }
  };
  skip_spaces();
  if (!line.starts_with('#')) {
    return std::nullopt;
  }
  line.remove_prefix(1);
  skip_spaces();
  if (!line.starts_with("include")) {
    return std::nullopt;
  }
  line.remove_prefix(std::string_view("include").size());
  skip_spaces();
  if (line.empty() || (line.front() != '"' && line.front() != '<')) {
    return std::nullopt;
  }
  char close = line.front() == '"' ? '"' : '>';
  line.remove_prefix(1);
  auto end = line.find(close);
  if (end == std::string_view::npos) {
    return std::nullopt;
  }
  return std::string(line.substr(0, end));
}

std::vector<fs::path> layer_folders() {
  std::vector<fs::path> folders;
  for (const auto& entry : fs::directory_iterator(k_layers_root)) {
    if (entry.is_directory()) {
      folders.push_back(entry.path());
    }
  }
  std::sort(folders.begin(), folders.end());
  return folders;
}

TEST(layers, the_architecture_table_follows_its_own_grammar) {
  auto table = read_table(k_source / "ARCHITECTURE.md");
  for (const auto& problem : table.problems) {
    ADD_FAILURE() << problem;
  }
  for (const auto& row : table.rows) {
    if (!fs::is_directory(k_layers_root / row.folder)) {
      ADD_FAILURE() << "ARCHITECTURE.md:" << row.line << ": the row of `" << row.folder
                    << "/` names a folder that src/ghtraffic does not have";
    }
  }
}

TEST(layers, every_include_is_allowed_by_architecture_md) {
  auto table = read_table(k_source / "ARCHITECTURE.md");
  ASSERT_FALSE(table.rows.empty()) << "ARCHITECTURE.md has no layer table";
  for (const auto& folder : layer_folders()) {
    auto name = folder.filename().string();
    if (table.find(name) == nullptr) {
      ADD_FAILURE() << "src/ghtraffic/" << name << "/ has no row in ARCHITECTURE.md's layer "
                    << "table: add one that says what it holds and which folders it may know";
    }
  }
  int files = 0;
  int includes = 0;
  for (const auto& entry : fs::recursive_directory_iterator(k_layers_root)) {
    if (!entry.is_regular_file()) {
      continue;
    }
    auto relative = entry.path().lexically_relative(k_layers_root);
    auto shown = (fs::path("src/ghtraffic") / relative).generic_string();
    if (relative.begin() == relative.end() || std::next(relative.begin()) == relative.end()) {
      ADD_FAILURE() << shown << " lies outside every layer folder: move it into one";
      continue;
    }
    const Row* row = table.find(relative.begin()->string());
    if (row == nullptr) {
      continue;  // reported above, once for the folder
    }
    ++files;
    std::istringstream in(read(entry.path()));
    std::string line;
    int number = 0;
    while (std::getline(in, line)) {
      ++number;
      auto target = included_path(line);
      if (!target) {
        continue;
      }
      if (target->find("../") != std::string::npos) {
        ADD_FAILURE() << shown << ":" << number << ": " << trim(line)
                      << ": include project headers as \"ghtraffic/FOLDER/...\" so that "
                      << "their layer is visible";
        continue;
      }
      if (!target->starts_with("ghtraffic/")) {
        continue;  // a system or library header
      }
      ++includes;
      target->erase(0, std::string_view("ghtraffic/").size());
      auto slash = target->find('/');
      std::string layer = slash == std::string::npos ? std::string() : target->substr(0, slash);
      if (layer == row->folder || row->allowed.contains(layer)) {
        continue;
      }
      if (table.find(layer) == nullptr) {
        ADD_FAILURE() << shown << ":" << number << ": " << trim(line)
                      << ": includes a header outside every folder of ARCHITECTURE.md's table";
        continue;
      }
      ADD_FAILURE() << shown << ":" << number << ": " << trim(line) << ": `" << layer
                    << "/` is not allowed here; ARCHITECTURE.md:" << row->line << " says "
                    << describe(*row) << ". Include through a lower layer, or if `" << row->folder
                    << "/` really depends on `" << layer << "/`, say so in the table";
    }
  }
  // Guards against the check passing because it looked at nothing.
  EXPECT_GT(files, 50);
  EXPECT_GT(includes, 100);
}

}  // namespace
