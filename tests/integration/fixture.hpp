// A mock GitHub server on loopback plus a scratch store, and helpers to run ghtraffic
// against them and read what it stored.
#pragma once

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <memory>
#include <string>
#include <vector>

#include "ghtraffic/mock/mock_github.hpp"
#include "process.hpp"

namespace ghtraffic::testing {

// The mock lives in the library (src/ghtraffic/mock/); the suites name it as their own.
using mock::add_synthetic_repos;
using mock::Fault;
using mock::load_scenario;
using mock::load_scenario_text;
using mock::MockGitHub;
using mock::MockRepo;
using mock::MockStats;

inline constexpr const char* k_token = "ghp_testtoken0123456789abcdefABCDEF";

inline util::Timestamp at(const char* iso) {
  return *util::parse_iso8601(iso);
}
inline util::Day day(const char* text) {
  return *util::parse_day(text);
}

// Rows of a query, each as strings joined by '|'; NULL prints as "NULL".
std::vector<std::string> query(const std::string& db_path, const std::string& sql);
// Every table except the runs log, dumped in a stable order: the store's content.
std::string dump_content(const std::string& db_path);
std::string read_file(const std::string& path);

class CollectFixture : public ::testing::Test {
 protected:
  void SetUp() override;

  // ghtraffic collect ARGS against the mock and the scratch store.
  ProcessResult run_collect(std::vector<std::string> args, ProcessOptions options = {});
  // Any ghtraffic command with --store pointing at the scratch store.
  ProcessResult ghtraffic(std::vector<std::string> args, ProcessOptions options = {});
  // Adds a repository with the given views per day ("2026-03-10", count, uniques).
  MockRepo& add_repo(const std::string& full_name, std::int64_t id);
  // A repository with six stars, three on 03-02, one on 03-10, two on 03-19, and two forks
  // (03-05, 03-12); the mock's now is 03-20 12:00.
  MockRepo& add_starred(const std::string& full_name, std::int64_t id);

  std::vector<std::string> q(const std::string& sql) { return query(m_db, sql); }

  MockGitHub m_github;
  std::string m_dir;
  std::string m_db;
  std::string m_store;
};

// `ghtraffic serve` as a child process against the mock and the scratch store.
class ServeFixture : public CollectFixture {
 protected:
  // Started on a free loopback port (m_port), its stderr in m_err; `extra` after the
  // listen, API and store arguments.
  std::unique_ptr<BackgroundProcess> serve(std::vector<std::string> extra);

  std::string m_err;
  int m_port = 0;
};

}  // namespace ghtraffic::testing
