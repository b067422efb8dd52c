// A store that fills up its disk during a collection: the summary says exactly what was
// stored, the run record is closed, the store stays whole, and the next run completes.
// The disk is made full without root: the collection runs under a file size limit
// (RLIMIT_FSIZE, SIGXFSZ ignored), so the store's write-ahead log cannot grow past it. The
// write that reaches the limit is cut short and the rest refused (EFBIG), which SQLite
// reports as SQLITE_IOERR_WRITE, as it does a quota; a full disk is SQLITE_FULL. The store
// treats both as a refused write.
#include <fmt/format.h>
#include <gmock/gmock.h>

#include <sstream>

#include "fixture.hpp"

using namespace ghtraffic;
using namespace ghtraffic::testing;
using ::testing::HasSubstr;
using ::testing::Not;

namespace {

constexpr int k_repos = 8;
// Not on a WAL frame boundary (32 + n * 4120 bytes): a frame is cut in the middle.
constexpr int k_file_size_limit = 96 * 1024 + 1000;

class disk_full : public CollectFixture {
 protected:
  void SetUp() override {
    CollectFixture::SetUp();
    add_synthetic_repos(m_github, "octo-org", k_repos, day("2026-01-01"), day("2026-03-20"), 11);
    for (int i = 0; i < k_repos; ++i) {
      m_args.push_back("octo-org/repo-" + std::to_string(i));
    }
    m_args.insert(m_args.end(), {"--concurrency", "1"});
  }

  ProcessResult collect_with_file_size_limit(int bytes) {
    std::vector<std::string> argv{"/bin/bash",
                                  "-c",
                                  "trap '' XFSZ; exec prlimit --fsize=\"$0\" \"$@\"",
                                  std::to_string(bytes),
                                  GHTRAFFIC_BINARY,
                                  "collect",
                                  "--api-url",
                                  m_github.url(),
                                  "--store",
                                  m_store};
    argv.insert(argv.end(), m_args.begin(), m_args.end());
    return run_process(argv, {.env = {{"GITHUB_TOKEN", k_token}}});
  }

  std::vector<std::string> m_args;
};

// The repositories the summary table calls collected.
std::vector<std::string> collected_in_table(const std::string& out) {
  std::vector<std::string> names;
  std::istringstream lines(out);
  for (std::string line; std::getline(lines, line);) {
    if (line.starts_with("octo-org/") && line.ends_with("  ok")) {
      names.push_back(line.substr(0, line.find(' ')));
    }
  }
  return names;
}

std::size_t occurrences(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) {
    ++n;
  }
  return n;
}

}  // namespace

TEST_F(disk_full, the_summary_says_what_was_stored_and_the_run_record_is_closed) {
  // The store exists before the disk fills up, as it would after earlier runs.
  ASSERT_EQ(run_collect({"octo-org/repo-0"}).exit_code, 0);

  auto r = collect_with_file_size_limit(k_file_size_limit);
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  auto collected = collected_in_table(r.out);
  auto stored = q("SELECT full_name FROM repos ORDER BY full_name");
  EXPECT_EQ(collected, stored) << r.out << r.err;
  ASSERT_GE(collected.size(), 2u) << "the limit leaves no room for a second repository\n" << r.err;
  ASSERT_LT(collected.size(), static_cast<std::size_t>(k_repos)) << "the limit is never reached\n"
                                                                 << r.out;
  const auto failed = k_repos - static_cast<int>(collected.size());
  EXPECT_THAT(r.out, HasSubstr(fmt::format("{} repositories: {} collected, {} failed", k_repos,
                                           collected.size(), failed)));
  EXPECT_THAT(r.out, HasSubstr("the store's files could not grow (a full disk, a quota or a "
                               "file size limit)"));
  EXPECT_THAT(r.out, HasSubstr("not collected: the store refused a write earlier in this run"));
  // One repository's commit failed; the job then stopped instead of failing every other.
  EXPECT_EQ(occurrences(r.err, "was stored"), 1u) << r.err;
  EXPECT_THAT(r.err,
              HasSubstr(fmt::format("refused a write: {} of {} repositories stored before it did",
                                    collected.size(), k_repos)));

  EXPECT_EQ(q("PRAGMA integrity_check"), std::vector<std::string>{"ok"});
  EXPECT_EQ(q("SELECT finished_at IS NOT NULL, repos_ok, repos_failed FROM runs ORDER BY id"),
            (std::vector<std::string>{"1|1|0", fmt::format("1|{}|{}", collected.size(), failed)}));

  // With room again, the next run completes.
  auto next = run_collect(m_args);
  EXPECT_EQ(next.exit_code, 0) << next.out << next.err;
  EXPECT_EQ(q("SELECT count(*) FROM repos"), std::vector<std::string>{std::to_string(k_repos)});
  EXPECT_EQ(q("PRAGMA integrity_check"), std::vector<std::string>{"ok"});
  EXPECT_THAT(r.out + r.err + next.out + next.err, Not(HasSubstr(k_token)));
}
