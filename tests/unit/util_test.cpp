#include <gtest/gtest.h>

#include "ghtraffic/collect/job.hpp"
#include "ghtraffic/util/clock.hpp"
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
