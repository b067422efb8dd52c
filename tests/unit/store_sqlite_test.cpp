// SQLite-specific store tests: the file itself, its schema and migrations, and R7 checked
// row by row. The data rules for every backend are in
// tests/integration/store_conformance_test.cpp.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "ghtraffic/store/sqlite/schema.hpp"
#include "ghtraffic/store/sqlite/sqlite_store.hpp"
#include "ghtraffic/store/store.hpp"
#include "ghtraffic/util/error.hpp"
#include "store_test_support.hpp"

using namespace ghtraffic;
using namespace ghtraffic::store::testing;
using core::TrafficKind;

namespace {

class store_sqlite : public ::testing::Test {
 protected:
  std::unique_ptr<store::Store> open(store::StoreOptions options = {}) {
    return store::sqlite::make_sqlite_store(m_path, options);
  }

  TempDir m_dir;
  std::string m_path = m_dir.file("traffic.db");
};

}  // namespace

namespace {

core::RepoObservation full_observation(core::RepoId id, const std::string& name, const char* when) {
  auto o = observation(id, name, when);
  o.meta.stars = 42;
  o.views = window(TrafficKind::views, when, {{day("2026-08-01"), 10, 4}}, 10, 4);
  o.clones = window(TrafficKind::clones, when, {{day("2026-08-02"), 2, 1}}, 2, 1);
  o.paths = core::PathSnapshot{at(when), {{"/", "Home", 10, 4}}};
  o.referrers = core::ReferrerSnapshot{at(when), {{"news.ycombinator.com", 5, 3}}};
  o.events = {{core::EventKind::star, at("2026-08-01T01:00:00Z"), "alice"}};
  o.cache = {{"https://api.github.com/repos/" + name + "/traffic/views?per=day", "\"etag1\"",
              "{\"count\":10}"}};
  return o;
}

}  // namespace

TEST_F(store_sqlite, a_commit_that_fails_midway_stores_nothing_of_the_repository) {
  auto store = open();
  store->commit(full_observation(1, "octo/first", "2026-08-03T10:00:00Z"));
  const auto before = dump(m_path);

  // Windows are written after the repository, its names and its views days.
  run_sql(m_path,
          "CREATE TRIGGER fail_windows BEFORE INSERT ON windows WHEN NEW.repo_id = 2 "
          "BEGIN SELECT RAISE(ABORT, 'injected failure'); END;");
  try {
    store->commit(full_observation(2, "octo/second", "2026-08-03T10:00:00Z"));
    FAIL() << "the commit should have failed";
  } catch (const util::Error& e) {
    std::string message = e.what();
    EXPECT_NE(message.find("injected failure"), std::string::npos) << message;
    EXPECT_NE(message.find("sqlite:" + m_path), std::string::npos) << message;
    EXPECT_NE(message.find("nothing of octo/second was stored"), std::string::npos) << message;
  }
  EXPECT_EQ(dump(m_path), before);
  EXPECT_FALSE(find_repo(*store, "octo/second"));

  // The same store object keeps working once the cause is gone.
  run_sql(m_path, "DROP TRIGGER fail_windows;");
  auto result = store->commit(full_observation(2, "octo/second", "2026-08-03T10:00:00Z"));
  EXPECT_EQ(result.days_stored, 15);  // views and clones of the same 15 UTC days
  EXPECT_EQ(find_repo(*store, "octo/second"), 2);
}

TEST_F(store_sqlite, committing_the_same_observation_again_changes_nothing) {
  auto store = open();
  auto o = full_observation(9, "octo/cat", "2026-08-03T10:00:00Z");
  auto first = store->commit(o);
  const auto after_first = dump(m_path);
  auto second = store->commit(o);
  EXPECT_EQ(dump(m_path), after_first);
  EXPECT_EQ(second.days_stored, first.days_stored);
  EXPECT_EQ(second.new_days, 0);
  EXPECT_EQ(second.grown_days, 0);
}

TEST_F(store_sqlite, a_failed_commit_followed_by_a_retry_stores_the_same_as_one_commit) {
  auto o = full_observation(9, "octo/cat", "2026-08-03T10:00:00Z");
  std::string once;
  {
    TempDir other;
    auto reference = store::sqlite::make_sqlite_store(other.file("ref.db"), {});
    reference->commit(o);
    once = dump(other.file("ref.db"));
  }
  auto store = open();
  run_sql(m_path,
          "CREATE TRIGGER fail_events BEFORE INSERT ON events "
          "BEGIN SELECT RAISE(ABORT, 'injected failure'); END;");
  EXPECT_THROW(store->commit(o), util::Error);
  run_sql(m_path, "DROP TRIGGER fail_events;");
  store->commit(o);
  EXPECT_EQ(dump(m_path), once);
}

TEST_F(store_sqlite, creates_the_schema_in_an_empty_file) {
  { std::ofstream(m_path).flush(); }
  ASSERT_EQ(std::filesystem::file_size(m_path), 0u);
  auto store = open();
  EXPECT_EQ(query_rows(m_path, "PRAGMA user_version"),
            std::vector<std::string>{std::to_string(store::sqlite::current_schema_version())});
  EXPECT_EQ(query_rows(m_path, "PRAGMA application_id"),
            std::vector<std::string>{std::to_string(store::sqlite::k_application_id)});
  EXPECT_EQ(query_rows(m_path, "PRAGMA journal_mode"), std::vector<std::string>{"wal"});
  store->commit(full_observation(1, "octo/cat", "2026-08-03T10:00:00Z"));
  // Opening again applies nothing twice.
  store.reset();
  EXPECT_NO_THROW(open());
}

TEST_F(store_sqlite, reads_a_version_1_store_read_only_and_upgrades_it_when_written) {
  open()->commit(full_observation(1, "octo/cat", "2026-08-03T10:00:00Z"));
  // What a version-1 store looks like: the attempts table came with version 2, the history,
  // backfill and downloads tables with version 4.
  run_sql(m_path,
          "DROP TABLE repo_attempts; DROP TABLE history_counts; DROP TABLE backfill_state; "
          "DROP TABLE downloads; PRAGMA user_version = 1;");
  {
    auto reader = open({.read_only = true});
    EXPECT_EQ(reader->repositories().size(), 1u);
    EXPECT_TRUE(reader->attempts().empty());
    EXPECT_TRUE(reader->history_counts(1, core::CountKind::stars).empty());
    EXPECT_FALSE(reader->backfill_state(1, core::CountKind::stars));
    EXPECT_TRUE(reader->downloads(1).empty());
  }
  auto writer = open();
  writer->record_attempt({"octo/cat", 1, 1, *util::parse_iso8601("2026-08-04T10:00:00Z"), ""});
  EXPECT_EQ(writer->attempts().size(), 1u);
  EXPECT_EQ(query_rows(m_path, "PRAGMA user_version"),
            std::vector<std::string>{std::to_string(store::sqlite::current_schema_version())});
}

TEST_F(store_sqlite, refuses_a_store_written_by_a_newer_version) {
  open();
  auto newer = store::sqlite::current_schema_version() + 1;
  run_sql(m_path, "PRAGMA user_version = " + std::to_string(newer));
  try {
    open();
    FAIL() << "a newer store should be refused";
  } catch (const util::Error& e) {
    std::string message = e.what();
    EXPECT_NE(message.find("newer ghtraffic"), std::string::npos) << message;
    EXPECT_NE(message.find(m_path), std::string::npos) << message;
  }
  EXPECT_THROW(open({.read_only = true}), util::Error);
}

TEST_F(store_sqlite, refuses_an_sqlite_file_of_another_program) {
  run_sql(m_path, "CREATE TABLE notes (text TEXT);");
  EXPECT_THROW(open(), util::Error);
  EXPECT_EQ(query_rows(m_path, "SELECT name FROM sqlite_schema"),
            std::vector<std::string>{"notes"});
}

TEST_F(store_sqlite, refuses_a_file_that_is_not_a_database) {
  {
    std::ofstream(m_path) << "this is not a database, just some text long enough to look like a "
                             "header of something\n";
  }
  try {
    open();
    FAIL() << "a text file should be refused";
  } catch (const util::Error& e) {
    EXPECT_NE(std::string(e.what()).find("not a ghtraffic store"), std::string::npos) << e.what();
  }
}

TEST_F(store_sqlite, read_only_open_of_a_missing_store_errors_and_creates_nothing) {
  try {
    open({.read_only = true});
    FAIL() << "a missing store should be an error";
  } catch (const util::Error& e) {
    EXPECT_EQ(std::string(e.what()),
              "no store at " + m_path + " yet — run `ghtraffic collect` first");
  }
  EXPECT_TRUE(std::filesystem::is_empty(m_dir.path()));
}

TEST_F(store_sqlite, opening_for_writing_creates_the_folder) {
  auto path = m_dir.file("deeper/still/traffic.db");
  auto store = store::sqlite::make_sqlite_store(path, {});
  EXPECT_TRUE(std::filesystem::exists(path));
  EXPECT_EQ(store->describe(), "sqlite:" + path);
}

TEST_F(store_sqlite, a_writer_killed_mid_commit_leaves_each_repository_whole_or_absent) {
  open();
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    auto store = open();
    for (core::RepoId id = 1;; ++id) {
      store->commit(full_observation(id, "octo/r" + std::to_string(id), "2026-08-03T10:00:00Z"));
    }
  }
  auto reader = open({.read_only = true});
  for (int i = 0; i < 500 && reader->repositories().size() < 5; ++i) {
    ::usleep(10'000);
  }
  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
  reader.reset();

  EXPECT_EQ(query_rows(m_path, "PRAGMA integrity_check"), std::vector<std::string>{"ok"});
  auto store = open();
  auto repos = store->repositories();
  EXPECT_GE(repos.size(), 5u);
  for (const auto& repo : repos) {
    EXPECT_EQ(store->days(repo.id, TrafficKind::views).size(), 15u) << repo.full_name;
    EXPECT_EQ(store->days(repo.id, TrafficKind::clones).size(), 15u) << repo.full_name;
    EXPECT_EQ(store->windows(repo.id).size(), 2u) << repo.full_name;
    EXPECT_EQ(store->counters(repo.id).size(), 1u) << repo.full_name;
    EXPECT_EQ(store->events(repo.id).size(), 1u) << repo.full_name;
    EXPECT_EQ(store->path_snapshots(repo.id).size(), 1u) << repo.full_name;
    EXPECT_EQ(store->referrer_snapshots(repo.id).size(), 1u) << repo.full_name;
  }
  // Whatever the killed writer left half done is gone, and the store takes new commits.
  EXPECT_NO_THROW(store->commit(full_observation(100000, "octo/after", "2026-08-04T10:00:00Z")));
}
