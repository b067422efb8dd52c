#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "ghtraffic/collect/job.hpp"
#include "ghtraffic/util/clock.hpp"
#include "ghtraffic/util/error.hpp"
#include "ghtraffic/util/number.hpp"
#include "ghtraffic/util/redact.hpp"
#include "ghtraffic/util/strings.hpp"

using namespace ghtraffic;

TEST(redact, masks_registered_secrets_and_token_shapes) {
  util::register_secret("s3cr3t-value-123");
  EXPECT_EQ(util::scrub("header s3cr3t-value-123 end"), "header [REDACTED] end");
  EXPECT_EQ(util::scrub("ghp_abcdefghijklmnopqrstuvwxyz0123"), "[REDACTED]");
  EXPECT_EQ(util::scrub("Authorization: Bearer abc.def-ghi_jkl-mno"),
            "Authorization: Bearer [REDACTED]");
  EXPECT_EQ(util::scrub("github_pat_11ABCDEFG0123456789_abcdefghij"), "[REDACTED]");
  EXPECT_EQ(util::scrub("nothing secret here"), "nothing secret here");
  util::forget_secrets();
  EXPECT_EQ(util::scrub("header s3cr3t-value-123 end"), "header s3cr3t-value-123 end");
}

TEST(redact, masks_tokens_of_any_length_and_json_web_tokens) {
  util::forget_secrets();
  // Installation tokens in GitHub's longer format: neither 40 characters nor letters only.
  const std::string long_token = "ghs_" + std::string(200, 'a') + "_b-c.d" + std::string(50, 'Z');
  EXPECT_EQ(util::scrub("token " + long_token + " end"), "token [REDACTED] end");
  EXPECT_EQ(util::scrub("x ghs_abcdefghijklmnopqrstuvwxyz y"), "x [REDACTED] y");
  const std::string jwt =
      "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiI0MiJ9.c2lnbmF0dXJlLWJ5dGVz_-x";
  EXPECT_EQ(util::scrub("jwt=" + jwt + ";"), "jwt=[REDACTED];");
  EXPECT_EQ(util::scrub("Authorization: Bearer " + jwt), "Authorization: Bearer [REDACTED]");
}

TEST(redact, masks_the_user_info_of_urls) {
  EXPECT_EQ(util::scrub("GET http://user:s3cret@api.example:8080/repos failed"),
            "GET http://[REDACTED]@api.example:8080/repos failed");
  EXPECT_EQ(util::scrub("https://x-token@ghe.example/api/v3"),
            "https://[REDACTED]@ghe.example/api/v3");
  EXPECT_EQ(util::scrub("at http://u:p@ss@host/path?q=a@b"),
            "at http://[REDACTED]@host/path?q=a@b");
  EXPECT_EQ(util::scrub("(http://user:pw@h) and https://other:pw2@k/x"),
            "(http://[REDACTED]@h) and https://[REDACTED]@k/x");
  EXPECT_EQ(util::scrub("http://host/path/user@example.org"), "http://host/path/user@example.org");
  EXPECT_EQ(util::scrub("mail me at dev@example.org"), "mail me at dev@example.org");
  EXPECT_EQ(util::scrub("http://127.0.0.1:8080/"), "http://127.0.0.1:8080/");
}

TEST(redact, check_token_refuses_spaces_and_control_characters_without_printing_them) {
  EXPECT_NO_THROW(util::check_token("ghp_abcdefghijklmnopqrstuvwxyz0123", "GITHUB_TOKEN"));
  EXPECT_NO_THROW(util::check_token("v1.0123456789abcdef-_=+/", "GITHUB_TOKEN"));
  for (const std::string& bad :
       {std::string("canary-7c1e\r\nX-Injected: yes"), std::string("canary-7c1e second"),
        std::string("canary-7c1e\tx"), std::string("canary-7c1e\0x", 13),
        std::string("canary-7c1e\x7f"), std::string("canary-7c1e\xc3\xa9")}) {
    try {
      util::check_token(bad, "--token-file /run/token");
      ADD_FAILURE() << "accepted a token with " << bad.size() << " characters";
    } catch (const util::Error& e) {
      EXPECT_EQ(e.exit_code(), util::k_exit_usage);
      EXPECT_THAT(std::string(e.what()), ::testing::HasSubstr("--token-file /run/token"));
      EXPECT_THAT(std::string(e.what()), ::testing::Not(::testing::HasSubstr("canary-7c1e")));
    }
  }
}

TEST(strings, glob_matches_like_a_shell_case_insensitively) {
  EXPECT_TRUE(util::glob_match("docs-*", "docs-site"));
  EXPECT_TRUE(util::glob_match("*-old", "Thing-OLD"));
  EXPECT_TRUE(util::glob_match("a?c", "abc"));
  EXPECT_FALSE(util::glob_match("a?c", "abbc"));
  EXPECT_TRUE(util::glob_match("*", ""));
  EXPECT_FALSE(util::glob_match("docs-*", "site-docs"));
}

TEST(filters, apply_globs_to_the_name_or_full_name_and_skip_forks_and_archives) {
  core::RepoMeta meta;
  meta.full_name = "acme/docs-site";
  collect::Filters f;
  EXPECT_TRUE(f.accepts(meta));
  f.include = {"docs-*"};
  EXPECT_TRUE(f.accepts(meta));
  f.include = {"acme/docs-*"};
  EXPECT_TRUE(f.accepts(meta));
  f.exclude = {"*-site"};
  EXPECT_FALSE(f.accepts(meta));
  f = {};
  f.no_forks = true;
  meta.fork = true;
  EXPECT_FALSE(f.accepts(meta));
  f = {};
  f.no_archived = true;
  meta.fork = false;
  meta.archived = true;
  EXPECT_FALSE(f.accepts(meta));
}

TEST(clock, manual_clock_sleeps_without_waiting) {
  util::ManualClock clock(*util::parse_iso8601("2026-01-01T00:00:00Z"));
  clock.sleep_for(std::chrono::minutes(5));
  EXPECT_EQ(util::format_iso8601(clock.now()), "2026-01-01T00:05:00Z");
  EXPECT_EQ(clock.slept(), std::chrono::minutes(5));
}

TEST(parse_int, reads_a_whole_number_within_its_range) {
  EXPECT_EQ(util::parse_int<int>("8", 1, 100), 8);
  EXPECT_EQ(util::parse_int<int>("100", 1, 100), 100);
  EXPECT_EQ(util::parse_int<int>("-5"), -5);
  EXPECT_EQ(util::parse_int<std::int64_t>("9000000000"), 9'000'000'000);
  EXPECT_EQ(util::parse_int<std::size_t>("0"), 0u);
}

TEST(parse_int, says_a_word_is_not_a_whole_number) {
  for (const char* text : {"abc", "", " 7", "7 ", "1.5", "+3", "0x10", "12abc", "-"}) {
    auto parsed = util::parse_int<int>(text, 1, 100);
    ASSERT_FALSE(parsed) << text;
    EXPECT_EQ(parsed.error().kind, util::NumberError::not_a_number) << text;
    EXPECT_EQ(parsed.error().message, fmt::format("\"{}\" is not a whole number", text));
  }
  EXPECT_EQ(util::parse_int<unsigned>("-1").error().kind, util::NumberError::not_a_number);
}

TEST(parse_int, says_a_number_outside_the_range_must_be_within_it) {
  for (const char* text : {"0", "101", "-3", "99999999999999999999"}) {
    auto parsed = util::parse_int<int>(text, 1, 100);
    ASSERT_FALSE(parsed) << text;
    EXPECT_EQ(parsed.error().kind, util::NumberError::out_of_range) << text;
    EXPECT_EQ(parsed.error().message, fmt::format("\"{}\" must be from 1 to 100", text));
  }
}

TEST(counted, writes_the_singular_for_exactly_one) {
  EXPECT_EQ(util::counted(1, "repository", "repositories"), "1 repository");
  EXPECT_EQ(util::counted(0, "repository", "repositories"), "0 repositories");
  EXPECT_EQ(util::counted(std::size_t{2}, "file", "files"), "2 files");
  EXPECT_EQ(util::counted(-1, "day", "days"), "-1 days");
}
