// `ghtraffic import` through the binary: the summary, exit codes and help, the round trip
// export → import → export, and a repository imported by name from a github-repo-stats
// branch that its first collection against the mock links to GitHub's id (R8).
#include <gmock/gmock.h>

#include <filesystem>
#include <fstream>

#include "fixture.hpp"

using namespace ghtraffic;
using namespace ghtraffic::testing;
using ::testing::HasSubstr;
using ::testing::Not;

namespace {

namespace fs = std::filesystem;

void write(const fs::path& path, const std::string& content) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << content;
}

const fs::path k_golden_csv = fs::path(GHTRAFFIC_SOURCE_DIR) / "tests/golden/export/csv";

class import_command : public CollectFixture {};

TEST_F(import_command, help_says_what_each_source_reads_and_the_exit_codes) {
  auto help = ghtraffic({"import", "--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_THAT(help.out, HasSubstr("csv"));
  EXPECT_THAT(help.out, HasSubstr("ghrs"));
  EXPECT_THAT(help.out, HasSubstr("docs/import.md"));
  EXPECT_THAT(help.out, HasSubstr("Exit codes: 0 all imported, 1 some repositories failed"));
  auto csv = ghtraffic({"import", "csv", "--help"});
  EXPECT_EQ(csv.exit_code, 0);
  EXPECT_THAT(csv.out, HasSubstr("repos.csv"));
  auto none = ghtraffic({"import"});
  EXPECT_EQ(none.exit_code, 2);
}

TEST_F(import_command, export_import_export_gives_the_same_files_and_a_second_import_nothing_new) {
  auto first = ghtraffic({"import", "csv", k_golden_csv.string()});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_THAT(first.out, HasSubstr("imported 2 repositories (2 new) from "));
  EXPECT_THAT(first.out, Not(HasSubstr(" 0 new days")));
  auto out = m_dir + "/again";
  auto exported = ghtraffic({"export", "--out", out});
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  for (const char* name : {"daily.csv", "paths.csv", "referrers.csv", "windows.csv", "repos.csv",
                           "stars.csv", "forks.csv", "downloads.csv"}) {
    EXPECT_EQ(read_file(out + "/" + name), read_file((k_golden_csv / name).string())) << name;
  }
  auto before = dump_content(m_db);
  auto second = ghtraffic({"import", "csv", k_golden_csv.string(), "--json"});
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_THAT(second.out, HasSubstr("\"new_days\": 0"));
  EXPECT_THAT(second.out, HasSubstr("\"grown_days\": 0"));
  EXPECT_THAT(second.out, HasSubstr("\"new_snapshots\": 0"));
  EXPECT_THAT(second.out, HasSubstr("\"history_days\": 0"));
  EXPECT_THAT(second.out, HasSubstr("\"ok\": true"));
  EXPECT_EQ(dump_content(m_db), before);
}

TEST_F(import_command, a_malformed_file_exits_1_naming_file_and_line_and_imports_the_others) {
  auto in = fs::path(m_dir) / "in";
  write(in / "repos.csv", "repo,id,names,first_day,last_day\no/good,1,o/good,,\no/bad,2,o/bad,,\n");
  write(in / "daily.csv",
        "repo,date,views,views_unique,clones,clones_unique,stars,forks\n"
        "o/good,2026-03-01,5,2,,,,\n"
        "o/bad,2026-02-30,5,2,,,,\n");
  auto r = ghtraffic({"import", "csv", in.string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("o/bad: daily.csv:3: date is \"2026-02-30\", not a day"));
  EXPECT_THAT(r.out, HasSubstr("imported 1 repository (1 new) from "));
  EXPECT_THAT(r.out, HasSubstr(": 1 new day, 0 days grew, "));
  EXPECT_THAT(r.out, HasSubstr("; 1 repository failed\n"));
  EXPECT_EQ(q("SELECT full_name FROM repos"), (std::vector<std::string>{"o/good"}));
}

TEST_F(import_command, a_folder_that_is_not_there_is_a_usage_error) {
  auto r = ghtraffic({"import", "csv", m_dir + "/missing"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("is not a folder"));
  auto ghrs = ghtraffic({"import", "ghrs", m_dir});
  EXPECT_EQ(ghrs.exit_code, 2);
  EXPECT_THAT(ghrs.err, HasSubstr("is not a github-repo-stats data branch"));
}

TEST_F(import_command,
       a_ghrs_repository_imported_by_name_joins_its_history_at_the_first_collection) {
  auto branch = fs::path(m_dir) / "data";
  write(branch / "octo/alpha/ghrs-data/views_clones_aggregate.csv",
        "time_iso8601,clones_total,clones_unique,views_total,views_unique\n"
        "2026-01-10 00:00:00+00:00,3,2,40,12\n"
        "2026-03-18 00:00:00+00:00,0,0,2,1\n");
  auto imported = ghtraffic({"import", "ghrs", branch.string()});
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  EXPECT_THAT(imported.out, HasSubstr(": 4 new days, 0 days grew, 0 snapshots"));
  EXPECT_EQ(q("SELECT id < 0 FROM repos"), (std::vector<std::string>{"1"}));

  add_repo("octo/alpha", 101);
  m_github.set_view("octo/alpha", day("2026-03-18"), 9, 4);
  auto collected = run_collect({"octo/alpha"});
  ASSERT_EQ(collected.exit_code, 0) << collected.err;
  EXPECT_EQ(q("SELECT id, full_name FROM repos"), (std::vector<std::string>{"101|octo/alpha"}));
  EXPECT_EQ(q("SELECT day, count, uniques FROM traffic_days WHERE kind = 'views' AND day IN "
              "('2026-01-10', '2026-03-18') ORDER BY day"),
            (std::vector<std::string>{"2026-01-10|40|12", "2026-03-18|9|4"}));
  EXPECT_EQ(q("SELECT count(*) FROM traffic_days WHERE repo_id < 0"),
            (std::vector<std::string>{"0"}));
}

TEST_F(import_command, seed_imports_the_reference_designs_pair_with_uniques_unknown) {
  auto in = fs::path(m_dir) / "seed";
  write(in / "views_clones_stars/views_clones_stars.csv",
        "timestamp,clones,views,stars,forks\n"
        "2026-01-10 00:00:00,3,40,12,2\n"
        "2026-01-11 00:00:00,0,0,12,2\n");
  write(in / "top_paths/top_paths.csv", "path,views\n/octo/alpha,30\n");
  auto help = ghtraffic({"import", "seed", "--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_THAT(help.out, HasSubstr("--repo"));
  EXPECT_THAT(help.out, HasSubstr("--date"));
  EXPECT_THAT(help.out, HasSubstr("never 0"));
  auto missing_repo = ghtraffic({"import", "seed", in.string()});
  EXPECT_EQ(missing_repo.exit_code, 2);
  auto bad_date =
      ghtraffic({"import", "seed", in.string(), "--repo", "octo/alpha", "--date", "May"});
  EXPECT_EQ(bad_date.exit_code, 2);
  EXPECT_THAT(bad_date.err, HasSubstr("--date takes a day like 2026-03-01"));

  auto imported =
      ghtraffic({"import", "seed", in.string(), "--repo", "octo/alpha", "--date", "2026-01-11"});
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  EXPECT_THAT(imported.out, HasSubstr("imported 1 repository (1 new) from "));
  EXPECT_THAT(imported.out, HasSubstr(": 4 new days, 0 days grew, 3 snapshots"));
  EXPECT_EQ(q("SELECT kind, day, count, quote(uniques) FROM traffic_days ORDER BY kind, day"),
            (std::vector<std::string>{"clones|2026-01-10|3|NULL", "clones|2026-01-11|0|NULL",
                                      "views|2026-01-10|40|NULL", "views|2026-01-11|0|NULL"}));
  EXPECT_EQ(q("SELECT day, path, count, quote(uniques) FROM path_snapshots"),
            (std::vector<std::string>{"2026-01-11|/octo/alpha|30|NULL"}));
  auto exported = ghtraffic({"export", "--out", m_dir + "/out"});
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  EXPECT_THAT(read_file(m_dir + "/out/daily.csv"),
              HasSubstr("octo/alpha,2026-01-10,40,,3,,12,2\n"));

  // The first collection links it to GitHub's id and fills in the uniques it reports.
  add_repo("octo/alpha", 101);
  auto collected = run_collect({"octo/alpha"});
  ASSERT_EQ(collected.exit_code, 0) << collected.err;
  EXPECT_EQ(q("SELECT id FROM repos"), (std::vector<std::string>{"101"}));
  EXPECT_EQ(q("SELECT count(*) FROM traffic_days WHERE day = '2026-01-10' AND uniques IS NULL"),
            (std::vector<std::string>{"2"}));
}

}  // namespace

namespace {

void write_ghrs_repo(const fs::path& branch, const std::string& name, const char* day_row) {
  write(
      branch / name / "ghrs-data/views_clones_aggregate.csv",
      std::string("time_iso8601,clones_total,clones_unique,views_total,views_unique\n") + day_row);
}

}  // namespace

TEST_F(import_command, with_a_token_links_each_repository_to_its_github_id_at_once_r8) {
  auto branch = fs::path(m_dir) / "data";
  write_ghrs_repo(branch, "octo/alpha", "2026-01-10 00:00:00+00:00,3,2,40,12\n");
  write_ghrs_repo(branch, "octo/old-name", "2026-01-11 00:00:00+00:00,1,1,5,2\n");
  write_ghrs_repo(branch, "octo/gone", "2026-01-12 00:00:00+00:00,1,1,7,3\n");
  add_repo("octo/alpha", 101);
  add_repo("octo/old-name", 102);
  m_github.rename_repo("octo/old-name", "octo/new-name");
  m_github.reset_stats();

  auto imported =
      ghtraffic({"import", "ghrs", branch.string(), "--api-url", m_github.url(), "--json", "-v"},
                {.env = {{"GITHUB_TOKEN", k_token}}});
  EXPECT_EQ(imported.exit_code, 0) << imported.err;
  EXPECT_THAT(imported.out, HasSubstr("\"ids_resolved\": 2"));
  EXPECT_THAT(imported.out, HasSubstr("\"ids_unknown\": 1"));
  EXPECT_THAT(imported.out, HasSubstr("\"requests\": 1"));
  EXPECT_THAT(imported.err, HasSubstr("GitHub does not know octo/gone (404): it is imported by "
                                      "name and linked to its id at its first collection"));
  EXPECT_THAT(imported.err, Not(HasSubstr(k_token)));
  EXPECT_THAT(imported.out + imported.err, Not(HasSubstr(k_token)));
  // Three repositories, one GraphQL request.
  EXPECT_EQ(m_github.stats().requests, 1);
  EXPECT_EQ(m_github.stats().graphql_requests, 1);

  EXPECT_EQ(q("SELECT id, full_name FROM repos WHERE id > 0 ORDER BY id"),
            (std::vector<std::string>{"101|octo/alpha", "102|octo/new-name"}));
  EXPECT_EQ(q("SELECT full_name FROM repos WHERE id < 0"), (std::vector<std::string>{"octo/gone"}));
  EXPECT_EQ(q("SELECT full_name FROM repo_names WHERE repo_id = 102 ORDER BY first_seen"),
            (std::vector<std::string>{"octo/old-name", "octo/new-name"}));
  EXPECT_EQ(
      q("SELECT repo_id, day, count FROM traffic_days WHERE kind = 'views' ORDER BY day"),
      (std::vector<std::string>{"101|2026-01-10|40", "102|2026-01-11|5",
                                q("SELECT id FROM repos WHERE id < 0").at(0) + "|2026-01-12|7"}));

  // The same files again change nothing, and the first collection finds the history there.
  auto again = ghtraffic({"import", "ghrs", branch.string(), "--api-url", m_github.url()},
                         {.env = {{"GITHUB_TOKEN", k_token}}});
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_THAT(again.out, HasSubstr(": 0 new days, 0 days grew"));
  auto collected = run_collect({"octo/alpha"});
  ASSERT_EQ(collected.exit_code, 0) << collected.err;
  EXPECT_EQ(q("SELECT count FROM traffic_days WHERE repo_id = 101 AND day = '2026-01-10' AND "
              "kind = 'views'"),
            (std::vector<std::string>{"40"}));
}

TEST_F(import_command, with_a_token_joins_what_an_earlier_import_kept_by_name_r8) {
  auto branch = fs::path(m_dir) / "data";
  write_ghrs_repo(branch, "octo/alpha", "2026-01-10 00:00:00+00:00,3,2,40,12\n");
  auto by_name = ghtraffic({"import", "ghrs", branch.string()});
  ASSERT_EQ(by_name.exit_code, 0) << by_name.err;
  EXPECT_EQ(q("SELECT id < 0 FROM repos"), (std::vector<std::string>{"1"}));

  write_ghrs_repo(branch, "octo/alpha", "2026-01-11 00:00:00+00:00,1,1,5,2\n");
  add_repo("octo/alpha", 101);
  auto linked = ghtraffic({"import", "ghrs", branch.string(), "--api-url", m_github.url()},
                          {.env = {{"GITHUB_TOKEN", k_token}}});
  ASSERT_EQ(linked.exit_code, 0) << linked.err;
  EXPECT_EQ(q("SELECT id, full_name FROM repos"), (std::vector<std::string>{"101|octo/alpha"}));
  EXPECT_EQ(q("SELECT day, count FROM traffic_days WHERE kind = 'views' ORDER BY day"),
            (std::vector<std::string>{"2026-01-10|40", "2026-01-11|5"}));
}

TEST_F(import_command, without_a_token_asks_github_nothing_and_imports_by_name) {
  auto branch = fs::path(m_dir) / "data";
  write_ghrs_repo(branch, "octo/alpha", "2026-01-10 00:00:00+00:00,3,2,40,12\n");
  add_repo("octo/alpha", 101);
  m_github.reset_stats();
  auto imported = ghtraffic({"import", "ghrs", branch.string(), "--api-url", m_github.url(), "-v"},
                            {.env = {{"GITHUB_TOKEN", ""}, {"GH_TOKEN", ""}}});
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  EXPECT_THAT(imported.err, HasSubstr("no GitHub token"));
  EXPECT_EQ(m_github.stats().requests, 0);
  EXPECT_EQ(q("SELECT id < 0 FROM repos"), (std::vector<std::string>{"1"}));
}

TEST_F(import_command, with_a_token_an_export_that_carries_ids_costs_no_request) {
  m_github.reset_stats();
  auto imported = ghtraffic({"import", "csv", k_golden_csv.string(), "--api-url", m_github.url()},
                            {.env = {{"GITHUB_TOKEN", k_token}}});
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  EXPECT_EQ(m_github.stats().requests, 0);
}
