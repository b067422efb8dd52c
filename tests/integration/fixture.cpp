#include "fixture.hpp"

#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>

namespace ghtraffic::testing {

std::vector<std::string> query(const std::string& db_path, const std::string& sql) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    sqlite3_close(db);
    throw std::runtime_error("cannot open " + db_path);
  }
  std::vector<std::string> rows;
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
    std::string message = sqlite3_errmsg(db);
    sqlite3_close(db);
    throw std::runtime_error("bad query " + sql + ": " + message);
  }
  while (sqlite3_step(stmt) == SQLITE_ROW) {
    std::string row;
    for (int i = 0; i < sqlite3_column_count(stmt); ++i) {
      if (i > 0) {
        row += "|";
      }
      const auto* text = sqlite3_column_text(stmt, i);
      row += text ? reinterpret_cast<const char*>(text) : "NULL";
    }
    rows.push_back(row);
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return rows;
}

// Every stored figure, without the logs of runs and of each repository's latest attempt,
// which record when a collection happened rather than what GitHub reported (R7).
std::string dump_content(const std::string& db_path) {
  std::string out;
  for (const auto& table : query(db_path,
                                 "SELECT name FROM sqlite_master WHERE type='table' AND name NOT "
                                 "IN ('runs', 'repo_attempts') AND "
                                 "name NOT LIKE 'sqlite_%' ORDER BY name")) {
    out += "== " + table + "\n";
    for (const auto& row : query(db_path, "SELECT * FROM \"" + table + "\" ORDER BY 1,2,3,4")) {
      out += row + "\n";
    }
  }
  return out;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void CollectFixture::SetUp() {
  m_github.set_now(at("2026-03-20T12:00:00Z"));
  m_github.set_token(k_token);
  m_github.start();
  m_dir = scratch_dir("collect");
  m_db = m_dir + "/ghtraffic.db";
  m_store = "sqlite:" + m_db;
}

ProcessResult CollectFixture::run_collect(std::vector<std::string> args, ProcessOptions options) {
  std::vector<std::string> full{"collect", "--api-url", m_github.url(), "--store", m_store};
  full.insert(full.end(), args.begin(), args.end());
  if (!options.env.contains("GITHUB_TOKEN")) {
    options.env["GITHUB_TOKEN"] = k_token;
  }
  return run_ghtraffic(full, options);
}

ProcessResult CollectFixture::ghtraffic(std::vector<std::string> args, ProcessOptions options) {
  args.insert(args.begin() + 1, {"--store", m_store});
  return run_ghtraffic(args, options);
}

MockRepo& CollectFixture::add_repo(const std::string& full_name, std::int64_t id) {
  auto ref = *core::RepoRef::parse(full_name);
  MockRepo repo;
  repo.id = id;
  repo.owner = ref.owner;
  repo.name = ref.name;
  repo.stars = 10;
  repo.forks = 2;
  repo.paths = {{"/" + full_name, "Readme", 5, 3}};
  repo.referrers = {{"github.com", 4, 2}};
  m_github.add_repo(repo);
  return *m_github.repo(full_name);
}

MockRepo& CollectFixture::add_starred(const std::string& full_name, std::int64_t id) {
  auto& repo = add_repo(full_name, id);
  repo.stargazers = {{at("2026-03-02T01:00:00Z"), "a"}, {at("2026-03-02T02:00:00Z"), "b"},
                     {at("2026-03-02T03:00:00Z"), "c"}, {at("2026-03-10T09:00:00Z"), "d"},
                     {at("2026-03-19T10:00:00Z"), "e"}, {at("2026-03-19T11:00:00Z"), "f"}};
  repo.stars = 6;
  repo.fork_times = {at("2026-03-05T00:00:00Z"), at("2026-03-12T00:00:00Z")};
  repo.forks = 2;
  return repo;
}

std::unique_ptr<BackgroundProcess> ServeFixture::serve(std::vector<std::string> extra) {
  std::vector<std::string> args{"serve",        "--listen", "127.0.0.1:0", "--api-url",
                                m_github.url(), "--store",  m_store};
  args.insert(args.end(), extra.begin(), extra.end());
  m_err = m_dir + "/serve.err";
  auto child = std::make_unique<BackgroundProcess>(
      args, std::map<std::string, std::string>{{"GITHUB_TOKEN", k_token}, {"HOME", m_dir}}, m_err);
  m_port = child->wait_for_port("http://127.0.0.1:");
  EXPECT_GT(m_port, 0) << read_file(m_err);
  return child;
}

}  // namespace ghtraffic::testing
