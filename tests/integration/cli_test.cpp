// What the command line answers a person: unknown commands, numbers that are not numbers
// or out of range, counts in the singular, and what -v and -vv add. Through the binary.
#include <gmock/gmock.h>

#include <fstream>

#include "fixture.hpp"

using namespace ghtraffic;
using namespace ghtraffic::testing;
using ::testing::HasSubstr;
using ::testing::Not;

namespace {

class cli : public CollectFixture {};

TEST_F(cli, an_unknown_command_is_named_with_the_commands_there_are) {
  auto r = run_ghtraffic({"backup", "data/"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("\"backup\" is not a ghtraffic command"));
  EXPECT_THAT(
      r.err,
      HasSubstr("collect, show, status, export, import, backfill, serve, report, lambda, demo"));
  EXPECT_THAT(r.err, HasSubstr("ghtraffic --help"));
  EXPECT_THAT(r.err, Not(HasSubstr("A subcommand is required")));

  auto after_a_flag = run_ghtraffic({"--store", m_store, "backup"});
  EXPECT_EQ(after_a_flag.exit_code, 2);
  EXPECT_THAT(after_a_flag.err, HasSubstr("\"backup\" is not a ghtraffic command"));
}

TEST_F(cli, no_command_at_all_lists_the_commands) {
  auto r = run_ghtraffic({});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("a command is required: collect, show,"));
  EXPECT_THAT(r.err, HasSubstr("ghtraffic --help"));

  auto option_only = run_ghtraffic({"--bogus"});
  EXPECT_EQ(option_only.exit_code, 2);
  EXPECT_THAT(option_only.err,
              HasSubstr("unknown option --bogus and no command; the commands are"));
}

TEST_F(cli, a_number_flag_given_a_word_is_told_it_is_not_a_whole_number) {
  auto r = run_collect({"octo/alpha", "--concurrency", "abc"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("--concurrency: \"abc\" is not a whole number"));
  EXPECT_THAT(r.err, Not(HasSubstr("range")));
  auto fraction = run_collect({"octo/alpha", "--max-per-minute", "1.5"});
  EXPECT_EQ(fraction.exit_code, 2);
  EXPECT_THAT(fraction.err, HasSubstr("--max-per-minute: \"1.5\" is not a whole number"));
  EXPECT_EQ(m_github.stats().requests, 0);
  auto days = run_ghtraffic({"demo", "--no-serve", "--days", "abc"});
  EXPECT_EQ(days.exit_code, 2);
  EXPECT_THAT(days.err, HasSubstr("--days: \"abc\" is not a whole number"));
}

TEST_F(cli, a_number_flag_out_of_range_is_told_the_range_the_config_file_has_too) {
  auto r = run_collect({"octo/alpha", "--concurrency", "0"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("--concurrency: \"0\" must be from 1 to 100"));
  auto per_minute = run_collect({"octo/alpha", "--max-per-minute", "1000001"});
  EXPECT_EQ(per_minute.exit_code, 2);
  EXPECT_THAT(per_minute.err, HasSubstr("--max-per-minute: \"1000001\" must be from 1 to 1000000"));

  auto config = m_dir + "/ghtraffic.toml";
  std::ofstream(config) << "max_per_minute = 1000001\n";
  auto from_config = run_collect({"octo/alpha", "--config", config});
  EXPECT_EQ(from_config.exit_code, 2);
  EXPECT_THAT(from_config.err, HasSubstr("max_per_minute must be from 1 to 1000000"));
  EXPECT_EQ(m_github.stats().requests, 0);
}

TEST_F(cli, the_summary_of_one_repository_says_repository) {
  add_repo("octo/alpha", 101);
  auto r = run_collect({"octo/alpha"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("1 repository: 1 collected, 0 failed"));
  EXPECT_THAT(r.out, Not(HasSubstr("1 repositories")));

  add_repo("octo/beta", 102);
  auto two = run_collect({"octo/alpha", "octo/beta"});
  ASSERT_EQ(two.exit_code, 0) << two.err;
  EXPECT_THAT(two.out, HasSubstr("2 repositories: 2 collected, 0 failed"));

  auto exported = ghtraffic({"export", "--out", m_dir + "/out", "--repo", "octo/alpha"});
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  EXPECT_THAT(exported.err, HasSubstr("exported 1 repository to"));
}

TEST_F(cli, v_shows_each_repository_and_vv_also_each_request) {
  add_repo("octo/alpha", 101);
  auto quiet = run_collect({"octo/alpha"});
  ASSERT_EQ(quiet.exit_code, 0) << quiet.err;
  EXPECT_THAT(quiet.err, Not(HasSubstr("days stored")));

  auto verbose = run_collect({"octo/alpha", "-v"});
  ASSERT_EQ(verbose.exit_code, 0) << verbose.err;
  EXPECT_THAT(verbose.err, HasSubstr("using the GitHub token from GITHUB_TOKEN"));
  EXPECT_THAT(verbose.err, HasSubstr("octo/alpha: 15 days stored, "));  // UTC days
  EXPECT_THAT(verbose.err, Not(HasSubstr("/traffic/views")));

  auto debug = run_collect({"octo/alpha", "-vv"});
  ASSERT_EQ(debug.exit_code, 0) << debug.err;
  EXPECT_THAT(debug.err, HasSubstr("days stored, "));
  EXPECT_THAT(debug.err,
              HasSubstr("GET " + m_github.url() + "/repos/octo/alpha/traffic/views?per=day: "));
  EXPECT_THAT(debug.err, HasSubstr("/traffic/clones?per=day: 304 in "));  // answered from cache
  EXPECT_THAT(debug.err, HasSubstr(" · rate limit 5000 left"));
  EXPECT_THAT(debug.err, Not(HasSubstr(k_token)));

  auto help = run_ghtraffic({"collect", "--help"});
  EXPECT_THAT(help.out, HasSubstr("-vv also every HTTP request"));
}

}  // namespace
