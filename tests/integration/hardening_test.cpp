// What a hostile or careless input must not achieve, through the binary as a user runs it:
// a token that smuggles headers, credentials in --api-url reaching the output. Every test
// carries a canary secret and checks that no output holds it.
#include <gmock/gmock.h>
#include <httplib.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "fixture.hpp"
#include "support/loopback_server.hpp"

using namespace ghtraffic;
using namespace ghtraffic::testing;
using ::testing::HasSubstr;
using ::testing::Not;

namespace {

// An HTTP server on loopback that counts requests and notes any X-Injected header; it
// answers 401 as GitHub does to a bad token.
class RecordingServer {
 public:
  RecordingServer() {
    m_server.server().Get(
        ".*", [this](const httplib::Request& req, httplib::Response& res) { record(req, res); });
    m_server.server().Post(
        ".*", [this](const httplib::Request& req, httplib::Response& res) { record(req, res); });
    m_server.start();
  }
  std::string url() const { return m_server.url(); }
  int requests() const { return m_requests; }
  bool injected() const { return m_injected; }

 private:
  void record(const httplib::Request& req, httplib::Response& res) {
    ++m_requests;
    if (req.has_header("X-Injected")) {
      m_injected = true;
    }
    res.status = 401;
    res.set_content(R"({"message":"Bad credentials"})", "application/json");
  }

  std::atomic<int> m_requests{0};
  std::atomic<bool> m_injected{false};
  ghtraffic::testing::LoopbackServer m_server;  // last: it stops before what its handlers use
};

class hardening : public CollectFixture {
 protected:
  // ghtraffic as the user nobody. The tests run as root, which writes any file whatever
  // its mode bits, so only another user meets what a reader without write access meets.
  ProcessResult as_nobody(const std::vector<std::string>& args,
                          std::map<std::string, std::string> env = {}) {
    std::vector<std::string> argv{"/usr/bin/setpriv", "--reuid=65534", "--regid=65534",
                                  "--clear-groups", GHTRAFFIC_BINARY};
    argv.insert(argv.end(), args.begin(), args.end());
    env["HOME"] = m_home;
    env["XDG_DATA_HOME"] = m_home;
    return run_process(argv, {.env = env});
  }

  // A store with one collected repository; nobody can reach its folder and read it.
  void collect_a_store() {
    add_repo("octo/alpha", 101);
    m_github.set_view("octo/alpha", day("2026-03-18"), 9, 4);
    auto r = run_collect({"octo/alpha"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    ASSERT_FALSE(std::filesystem::exists(m_db + "-wal"));
    std::filesystem::permissions(std::filesystem::path(m_dir).parent_path(),
                                 std::filesystem::perms(0755));
    m_home = scratch_dir("nobody-home");
    m_out = scratch_dir("nobody-out");
    for (const auto& dir : {m_home, m_out}) {
      std::filesystem::permissions(dir, std::filesystem::perms(0777));
    }
  }

  bool leftovers() const {
    return std::filesystem::exists(m_db + "-wal") || std::filesystem::exists(m_db + "-shm");
  }

  std::string m_home;
  std::string m_out;
};

}  // namespace

TEST_F(hardening, a_token_with_a_line_break_is_refused_before_any_request_and_never_printed) {
  RecordingServer server;
  const std::string canary = "canary-token-7c1e2f9a40";
  auto token_file = m_dir + "/token";
  std::ofstream(token_file) << canary << "\r\nX-Injected: yes\n";
  auto r = run_ghtraffic({"collect", "--api-url", server.url(), "--store", m_store, "--token-file",
                          token_file, "octo/alpha", "--verbose", "--verbose"},
                         {.env = {{"GITHUB_TOKEN", ""}, {"GH_TOKEN", ""}}});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_THAT(r.err, HasSubstr("control characters"));
  EXPECT_THAT(r.err, HasSubstr("--token-file " + token_file));
  EXPECT_FALSE(server.injected());
  EXPECT_EQ(server.requests(), 0);
  EXPECT_THAT(r.out + r.err, Not(HasSubstr(canary)));
  EXPECT_THAT(r.out + r.err, Not(HasSubstr("X-Injected")));

  auto spaced =
      run_ghtraffic({"collect", "--api-url", server.url(), "--store", m_store, "octo/alpha"},
                    {.env = {{"GITHUB_TOKEN", canary + " second-word"}, {"GH_TOKEN", ""}}});
  EXPECT_EQ(spaced.exit_code, 2) << spaced.out << spaced.err;
  EXPECT_THAT(spaced.err, HasSubstr("GITHUB_TOKEN"));
  EXPECT_THAT(spaced.out + spaced.err, Not(HasSubstr(canary)));

  auto served = run_ghtraffic(
      {"serve", "--listen", "127.0.0.1:0", "--store", m_store, "--api-url", server.url(),
       "--token-file", token_file},
      {.env = {{"GITHUB_TOKEN", ""}, {"GH_TOKEN", ""}}, .kill_after = std::chrono::seconds(20)});
  EXPECT_EQ(served.exit_code, 2) << served.out << served.err;
  EXPECT_THAT(served.out + served.err, Not(HasSubstr(canary)));
  EXPECT_EQ(server.requests(), 0);
}

TEST_F(hardening, credentials_in_the_api_url_never_reach_the_output) {
  const std::string canary = "url-secret-4d8b2e61";
  // Nothing listens on port 1: every attempt fails, is retried, and the run fails.
  auto url = "http://apiuser:" + canary + "@127.0.0.1:1";
  for (const char* format : {"--verbose", "--json"}) {
    auto r = run_ghtraffic(
        {"collect", "--api-url", url, "--store", m_store, "octo/alpha", format, "--verbose"},
        {.env = {{"GITHUB_TOKEN", k_token}}});
    EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
    EXPECT_THAT(r.out + r.err, HasSubstr("[REDACTED]@127.0.0.1:1"));
    EXPECT_THAT(r.out + r.err, Not(HasSubstr(canary)));
    EXPECT_THAT(r.out + r.err, Not(HasSubstr("apiuser")));
    EXPECT_THAT(r.out + r.err, Not(HasSubstr(k_token)));
  }
}

TEST_F(hardening, reading_commands_read_a_store_in_a_folder_they_cannot_write) {
  collect_a_store();
  std::filesystem::permissions(m_dir, std::filesystem::perms(0755));  // root's, not nobody's
  std::filesystem::permissions(m_db, std::filesystem::perms(0644));
  auto show = as_nobody({"show", "--store", m_store});
  EXPECT_EQ(show.exit_code, 0) << show.err;
  EXPECT_THAT(show.out, HasSubstr("octo/alpha"));
  auto exported = as_nobody({"export", "--store", m_store, "--out", m_out + "/csv"});
  EXPECT_EQ(exported.exit_code, 0) << exported.err;
  EXPECT_THAT(read_file(m_out + "/csv/daily.csv"), HasSubstr("octo/alpha,2026-03-18,9,4"));
  auto report = as_nobody({"report", "--store", m_store, "--out", m_out + "/report.html"});
  EXPECT_EQ(report.exit_code, 0) << report.err;
  EXPECT_TRUE(std::filesystem::exists(m_out + "/report.html"));
  EXPECT_FALSE(leftovers());
  for (const auto* r : {&show, &exported, &report}) {
    EXPECT_THAT(r->out + r->err, Not(HasSubstr(k_token)));
  }
}

TEST_F(hardening, reading_a_read_only_store_leaves_no_files_that_break_the_next_collection) {
  collect_a_store();
  // The owner made the store read-only for a while, in a folder of their own.
  for (const auto& entry : std::filesystem::directory_iterator(m_dir)) {
    ASSERT_EQ(::chown(entry.path().c_str(), 65534, 65534), 0);
  }
  ASSERT_EQ(::chown(m_dir.c_str(), 65534, 65534), 0);
  std::filesystem::permissions(m_db, std::filesystem::perms(0444));
  for (const auto& command : {"show", "export", "report"}) {
    std::vector<std::string> args{command, "--store", m_store};
    if (std::string(command) != "show") {
      args.insert(args.end(), {"--out", m_out + "/" + command});
    }
    auto r = as_nobody(args);
    EXPECT_EQ(r.exit_code, 0) << command << ": " << r.err;
    EXPECT_FALSE(leftovers()) << command << " left -wal or -shm files next to the store";
  }
  std::filesystem::permissions(m_db, std::filesystem::perms(0644));
  m_github.set_view("octo/alpha", day("2026-03-19"), 5, 2);
  auto next = as_nobody({"collect", "--api-url", m_github.url(), "--store", m_store, "octo/alpha"},
                        {{"GITHUB_TOKEN", k_token}});
  EXPECT_EQ(next.exit_code, 0) << next.out << next.err;
  EXPECT_THAT(next.out + next.err, Not(HasSubstr(k_token)));
  EXPECT_EQ(q("SELECT count FROM traffic_days WHERE kind='views' AND day='2026-03-19'"),
            std::vector<std::string>{"5"});
}

TEST_F(hardening, a_reader_that_cannot_write_sees_what_a_running_writer_committed) {
  collect_a_store();
  std::filesystem::permissions(m_dir, std::filesystem::perms(0755));
  // The store is its owner's only (0600) until they share it; its -wal and -shm files
  // then take its mode.
  std::filesystem::permissions(m_db, std::filesystem::perms(0644));
  // A writer holds the store open: its last transaction is still in the -wal file.
  sqlite3* writer = nullptr;
  ASSERT_EQ(sqlite3_open(m_db.c_str(), &writer), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(writer,
                         "PRAGMA wal_autocheckpoint = 0; UPDATE traffic_days SET count = 77 "
                         "WHERE kind = 'views' AND day = '2026-03-18'",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  ASSERT_TRUE(std::filesystem::exists(m_db + "-wal"));
  auto exported = as_nobody({"export", "--store", m_store, "--out", m_out + "/csv"});
  sqlite3_close(writer);
  EXPECT_EQ(exported.exit_code, 0) << exported.err;
  EXPECT_THAT(read_file(m_out + "/csv/daily.csv"), HasSubstr("octo/alpha,2026-03-18,77,4"));
}

TEST_F(hardening, report_to_a_folder_says_it_is_one_and_what_to_give) {
  collect_a_store();
  auto r = ghtraffic({"report", "--out", m_out});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_THAT(r.err, HasSubstr(m_out + " is a folder"));
  EXPECT_THAT(r.err, HasSubstr(m_out + "/report.html"));
  EXPECT_THAT(r.err, Not(HasSubstr("Success")));
  EXPECT_THAT(r.out + r.err, Not(HasSubstr(k_token)));
}

TEST_F(hardening, a_run_that_could_not_list_its_repositories_is_a_failed_run) {
  add_repo("octo/alpha", 101);
  const std::string canary = "ghp_wrongcanary0123456789abcdefXYZ";
  auto r = run_collect({"--owner", "octo"}, {.env = {{"GITHUB_TOKEN", canary}}});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("0 collected, 0 failed, 1 list of repositories could not be read"));
  EXPECT_THAT(r.out, HasSubstr("could not list the repositories of octo"));
  auto json_run = run_collect({"--owner", "octo", "--json"}, {.env = {{"GITHUB_TOKEN", canary}}});
  EXPECT_EQ(json_run.exit_code, 1);
  auto doc = nlohmann::json::parse(json_run.out);
  EXPECT_EQ(doc["ok"], false);
  EXPECT_EQ(doc["listings_failed"], 1);
  EXPECT_EQ(q("SELECT repos_ok, repos_failed FROM runs ORDER BY id"),
            (std::vector<std::string>{"0|1", "0|1"}));
  for (const auto* run : {&r, &json_run}) {
    EXPECT_THAT(run->out + run->err, Not(HasSubstr(canary)));
  }
}
