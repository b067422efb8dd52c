// What a hostile or careless input must not achieve, through the binary as a user runs it:
// a token that smuggles headers, credentials in --api-url reaching the output. Every test
// carries a canary secret and checks that no output holds it.
#include <gmock/gmock.h>
#include <httplib.h>

#include <atomic>
#include <fstream>
#include <thread>

#include "fixture.hpp"

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
    m_server.Get(".*",
                 [this](const httplib::Request& req, httplib::Response& res) { record(req, res); });
    m_server.Post(
        ".*", [this](const httplib::Request& req, httplib::Response& res) { record(req, res); });
    m_port = m_server.bind_to_any_port("127.0.0.1");
    m_thread = std::thread([this] { m_server.listen_after_bind(); });
    while (!m_server.is_running()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
  ~RecordingServer() {
    m_server.stop();
    m_thread.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(m_port); }
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

  httplib::Server m_server;
  int m_port = 0;
  std::thread m_thread;
  std::atomic<int> m_requests{0};
  std::atomic<bool> m_injected{false};
};

class hardening : public CollectFixture {};

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
