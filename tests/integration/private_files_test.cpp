// Files that hold traffic or a token, through the binary as a user runs it: the store, its
// folder and its -wal and -shm files, exports and reports are created for their owner only
// whatever the umask, a file written over keeps its mode, and a token file others can read
// draws a warning that names the file, never the token.
#include <gmock/gmock.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "fixture.hpp"

using namespace ghtraffic;
using namespace ghtraffic::testing;
using ::testing::HasSubstr;
using ::testing::Not;

namespace {

unsigned mode_of(const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) {
    return 07777 + 1;  // no file: never a mode a test expects
  }
  return info.st_mode & 07777;
}

// Children inherit the umask: the most permissive one, so that only the code's own modes
// can keep files private.
class OpenUmask {
 public:
  OpenUmask() : m_saved(::umask(0)) {}
  ~OpenUmask() { ::umask(m_saved); }
  OpenUmask(const OpenUmask&) = delete;
  OpenUmask& operator=(const OpenUmask&) = delete;

 private:
  mode_t m_saved;
};

class private_files : public CollectFixture {
 protected:
  void SetUp() override {
    CollectFixture::SetUp();
    add_repo("octo/alpha", 101);
    m_github.set_view("octo/alpha", day("2026-03-18"), 9, 4);
  }
};

}  // namespace

TEST_F(private_files, the_store_its_folder_and_its_outputs_are_private_whatever_the_umask) {
  const auto folder = m_dir + "/new/deeper";
  const auto db = folder + "/ghtraffic.db";
  const auto store = "sqlite:" + db;
  const auto out = m_dir + "/out/csv";
  const auto report = m_dir + "/report.html";
  std::filesystem::permissions(m_dir, std::filesystem::perms(0755));
  std::vector<ProcessResult> runs;
  {
    OpenUmask umask;
    runs.push_back(
        run_ghtraffic({"collect", "--api-url", m_github.url(), "--store", store, "octo/alpha"},
                      {.env = {{"GITHUB_TOKEN", k_token}}}));
    runs.push_back(run_ghtraffic({"export", "--store", store, "--out", out}));
    runs.push_back(run_ghtraffic({"report", "--store", store, "--out", report}));
  }
  for (const auto& r : runs) {
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_THAT(r.out + r.err, Not(HasSubstr(k_token)));
  }
  EXPECT_EQ(mode_of(m_dir + "/new"), 0700u);
  EXPECT_EQ(mode_of(folder), 0700u);
  EXPECT_EQ(mode_of(db), 0600u);
  EXPECT_EQ(mode_of(db + ".lock"), 0600u);
  EXPECT_EQ(mode_of(m_dir + "/out"), 0700u);
  EXPECT_EQ(mode_of(out), 0700u);
  std::size_t files = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(out)) {
    EXPECT_EQ(mode_of(entry.path().string()), entry.is_directory() ? 0700u : 0600u) << entry.path();
    files += entry.is_regular_file() ? 1 : 0;
  }
  EXPECT_GE(files, 4u);
  EXPECT_THAT(read_file(out + "/daily.csv"), HasSubstr("octo/alpha,2026-03-18,9,4"));
  EXPECT_EQ(mode_of(report), 0600u);
  // A folder that existed keeps its mode: it is the user's.
  EXPECT_EQ(mode_of(m_dir), 0755u);
}

TEST_F(private_files, the_write_ahead_log_of_a_running_collection_is_private_too) {
  ASSERT_EQ(run_collect({"octo/alpha"}).exit_code, 0);
  ASSERT_FALSE(std::filesystem::exists(m_db + "-wal"));
  // A collection held up by a slow GitHub keeps the store open with its -wal and -shm.
  m_github.set_latency(std::chrono::seconds(5));
  OpenUmask umask;
  BackgroundProcess child(
      {"collect", "--api-url", m_github.url(), "--store", m_store, "octo/alpha"},
      {{"GITHUB_TOKEN", k_token}, {"HOME", m_dir}, {"XDG_DATA_HOME", m_dir}},
      m_dir + "/collect.err");
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!(std::filesystem::exists(m_db + "-wal") && std::filesystem::exists(m_db + "-shm")) &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(mode_of(m_db + "-wal"), 0600u);
  EXPECT_EQ(mode_of(m_db + "-shm"), 0600u);
  child.signal(SIGKILL);
  child.wait_exit(std::chrono::seconds(10));
  EXPECT_THAT(read_file(m_dir + "/collect.err"), Not(HasSubstr(k_token)));
}

TEST_F(private_files, a_file_written_over_keeps_the_mode_its_owner_gave_it) {
  ASSERT_EQ(run_collect({"octo/alpha"}).exit_code, 0);
  const auto out = m_dir + "/published";
  const auto report = m_dir + "/index.html";
  ASSERT_EQ(ghtraffic({"export", "--out", out}).exit_code, 0);
  ASSERT_EQ(ghtraffic({"report", "--out", report}).exit_code, 0);
  // The owner publishes them with a web server that runs as another user.
  std::filesystem::permissions(out + "/daily.csv", std::filesystem::perms(0644));
  std::filesystem::permissions(report, std::filesystem::perms(0644));
  m_github.set_view("octo/alpha", day("2026-03-19"), 5, 2);
  ASSERT_EQ(run_collect({"octo/alpha"}).exit_code, 0);
  std::vector<ProcessResult> runs;
  {
    OpenUmask umask;
    runs.push_back(ghtraffic({"export", "--out", out}));
    runs.push_back(ghtraffic({"report", "--out", report}));
  }
  for (const auto& r : runs) {
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_THAT(r.out + r.err, Not(HasSubstr(k_token)));
  }
  EXPECT_THAT(read_file(out + "/daily.csv"), HasSubstr("octo/alpha,2026-03-19,5,2"));
  EXPECT_EQ(mode_of(out + "/daily.csv"), 0644u);
  EXPECT_EQ(mode_of(out + "/paths.csv"), 0600u);
  EXPECT_EQ(mode_of(report), 0644u);
}

TEST_F(private_files, a_token_file_others_can_read_draws_a_warning_that_never_shows_the_token) {
  const std::string canary = "ghp_canaryfiletoken5f3a9c21d7e0b4";
  m_github.set_token(canary);
  const auto token_file = m_dir + "/token";
  std::ofstream(token_file) << canary << "\n";
  auto collect = [&] {
    return run_ghtraffic({"collect", "--api-url", m_github.url(), "--store", m_store,
                          "--token-file", token_file, "octo/alpha"},
                         {.env = {{"GITHUB_TOKEN", ""}, {"GH_TOKEN", ""}}});
  };

  std::filesystem::permissions(token_file, std::filesystem::perms(0644));
  auto exposed = collect();
  EXPECT_EQ(exposed.exit_code, 0) << exposed.out << exposed.err;
  EXPECT_THAT(exposed.err, HasSubstr("warning: the token file " + token_file +
                                     " is open to other users (mode 0644)"));
  EXPECT_THAT(exposed.err, HasSubstr("chmod 600 " + token_file));

  std::filesystem::permissions(token_file, std::filesystem::perms(0640));
  auto group = collect();
  EXPECT_EQ(group.exit_code, 0) << group.out << group.err;
  EXPECT_THAT(group.err, HasSubstr("(mode 0640)"));

  std::filesystem::permissions(token_file, std::filesystem::perms(0600));
  auto private_file = collect();
  EXPECT_EQ(private_file.exit_code, 0) << private_file.out << private_file.err;
  EXPECT_THAT(private_file.err, Not(HasSubstr("token file")));

  EXPECT_EQ(q("SELECT count FROM traffic_days WHERE kind='views' AND day='2026-03-18'"),
            std::vector<std::string>{"9"});
  for (const auto* r : {&exposed, &group, &private_file}) {
    EXPECT_THAT(r->out + r->err, Not(HasSubstr(canary)));
  }
}
