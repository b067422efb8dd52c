// The dashboard server in-process, over a store filled by a real `ghtraffic collect` from
// the mock GitHub server, queried over loopback with an HTTP client.
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <httplib.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <thread>

#include "fixture.hpp"
#include "ghtraffic/store/store.hpp"
#include "ghtraffic/util/clock.hpp"
#include "ghtraffic/util/error.hpp"
#include "ghtraffic/web/server.hpp"

using namespace ghtraffic;
using namespace ghtraffic::testing;
using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

namespace {

constexpr const char* k_read_token = "read-token-0123456789abcdef";
constexpr const char* k_hostile_title = "</script><img src=x onerror=alert(1)>";

// A server on an ephemeral loopback port, serving until destroyed.
class RunningServer {
 public:
  RunningServer(const std::string& store_url, util::Clock& clock, std::string read_token = {},
                std::string host = "127.0.0.1", std::vector<std::string> allowed_hosts = {})
      : m_stores([store_url] { return store::make_store(store_url, {.read_only = true}); }, 2),
        m_server({{host, 0}, std::move(read_token), 4, std::move(allowed_hosts)},
                 web::ServerContext{m_stores, m_cache, store_url, {}, {}, "test", clock}) {
    m_port = m_server.bind();
    m_thread = std::thread([this] { m_server.run(); });
  }
  ~RunningServer() {
    m_server.stop();
    m_thread.join();
  }
  int port() const { return m_port; }
  httplib::Client client() const {
    httplib::Client c("127.0.0.1", m_port);
    c.set_read_timeout(10);
    return c;
  }

 private:
  web::StorePool m_stores;
  web::SnapshotCache m_cache;
  web::Server m_server;
  int m_port = 0;
  std::thread m_thread;
};

// Sends bytes as they are on one connection and returns what comes back until the server
// closes it or 3 s pass.
std::string raw_exchange(int port, const std::string& request) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return {};
  }
  for (std::size_t sent = 0; sent < request.size();) {
    auto n = ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) {
      break;
    }
    sent += static_cast<std::size_t>(n);
  }
  std::string answer;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) {
      continue;
    }
    char buffer[4096];
    auto got = ::recv(fd, buffer, sizeof buffer, 0);
    if (got <= 0) {
      break;
    }
    answer.append(buffer, static_cast<size_t>(got));
  }
  ::close(fd);
  return answer;
}

class serve_api : public CollectFixture {
 protected:
  void SetUp() override {
    CollectFixture::SetUp();
    add_repo("octo/alpha", 101);
    m_github.set_view("octo/alpha", day("2026-03-18"), 9, 4);
    m_github.set_clone("octo/alpha", day("2026-03-19"), 3, 1);
    add_repo("octo/beta", 102);
    m_github.set_view("octo/beta", day("2026-03-18"), 2, 2);
    m_github.repo("octo/beta")->paths = {{"/octo/beta", k_hostile_title, 5, 3}};
    auto first = run_collect({"octo/alpha", "octo/beta"});
    ASSERT_EQ(first.exit_code, 0) << first.err;
    // Three weeks later only alpha is collected: 03-21..03-26 is a gap for it.
    m_github.set_now(at("2026-04-10T12:00:00Z"));
    auto second = run_collect({"octo/alpha"});
    ASSERT_EQ(second.exit_code, 0) << second.err;
    m_server = std::make_unique<RunningServer>(m_store, m_clock);
  }

  json get_json(const std::string& path, int expected_status = 200) {
    auto res = m_server->client().Get(path.c_str());
    EXPECT_TRUE(res) << path;
    if (!res) {
      return nullptr;
    }
    EXPECT_EQ(res->status, expected_status) << path << ": " << res->body;
    EXPECT_EQ(res->get_header_value("Content-Type"), "application/json; charset=utf-8");
    return json::parse(res->body);
  }

  static const json& on(const json& days, const std::string& date) {
    for (const auto& d : days) {
      if (d["date"] == date) {
        return d;
      }
    }
    static const json none;
    return none;
  }

  util::ManualClock m_clock{at("2026-04-10T12:00:00Z")};
  std::unique_ptr<RunningServer> m_server;
};

}  // namespace

TEST_F(serve_api, healthz_answers_ok) {
  auto res = m_server->client().Get("/healthz");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, "ok\n");
}

TEST_F(serve_api, repos_lists_every_repository_with_summary_figures) {
  auto out = get_json("/api/repos");
  EXPECT_EQ(out["today"], "2026-04-10");
  ASSERT_EQ(out["repos"].size(), 2u);
  const auto& alpha = out["repos"][0];
  for (const char* key : {"repo",
                          "id",
                          "names",
                          "visibility",
                          "archived",
                          "fork",
                          "first_day",
                          "last_day",
                          "last_collected",
                          "views_14d",
                          "views_30d",
                          "uniques_14d",
                          "uniques_14d_window_end",
                          "clones_14d",
                          "clones_30d",
                          "views_14d_days",
                          "views_30d_days",
                          "clones_14d_days",
                          "clones_30d_days",
                          "stars",
                          "forks",
                          "gap_days_30d",
                          "sparkline",
                          "error"}) {
    EXPECT_TRUE(alpha.contains(key)) << key;
  }
  EXPECT_EQ(alpha["repo"], "octo/alpha");
  EXPECT_EQ(alpha["id"], 101);
  EXPECT_EQ(alpha["first_day"], "2026-03-06");
  EXPECT_EQ(alpha["last_day"], "2026-04-10");
  EXPECT_EQ(alpha["views_30d"], 9);        // 03-12..04-10 holds 03-18
  EXPECT_EQ(alpha["views_30d_days"], 24);  // and 6 days of gap
  EXPECT_EQ(alpha["views_14d"], 0);        // covered days without views: a true zero
  EXPECT_EQ(alpha["views_14d_days"], 14);
  EXPECT_EQ(alpha["gap_days_30d"], 6);  // 03-21..03-26
  EXPECT_EQ(alpha["sparkline"].size(), 30u);
  EXPECT_TRUE(alpha["sparkline"][9].is_null());  // 03-21
  EXPECT_EQ(alpha["stars"], 10);
  EXPECT_EQ(alpha["uniques_14d_window_end"], "2026-04-10");
}

TEST_F(serve_api, daily_shows_gaps_as_null_and_quiet_days_as_zero) {
  auto out = get_json("/api/daily?repo=octo/alpha&from=2026-03-01&to=2026-04-10");
  ASSERT_EQ(out["days"].size(), 41u);
  EXPECT_EQ(out["repos"], json({"octo/alpha"}));
  EXPECT_TRUE(on(out["days"], "2026-03-05")["views"].is_null());  // before the first window
  EXPECT_EQ(on(out["days"], "2026-03-06")["views"], 0);
  EXPECT_EQ(on(out["days"], "2026-03-18")["views"], 9);
  EXPECT_EQ(on(out["days"], "2026-03-18")["views_unique"], 4);
  EXPECT_EQ(on(out["days"], "2026-03-19")["clones"], 3);
  for (const char* gap : {"2026-03-21", "2026-03-26"}) {
    const auto& d = on(out["days"], gap);
    EXPECT_TRUE(d["views"].is_null()) << gap;
    EXPECT_TRUE(d["clones_unique"].is_null()) << gap;
    EXPECT_EQ(d["covered"], 0) << gap;
  }
  EXPECT_EQ(on(out["days"], "2026-03-27")["views"], 0);
  EXPECT_EQ(on(out["days"], "2026-03-27")["covered"], 1);
}

TEST_F(serve_api, daily_sums_a_selection_and_says_how_many_cover_each_day) {
  auto out = get_json("/api/daily?repo=octo/alpha&repo=octo/beta&from=2026-03-18&to=2026-03-28");
  EXPECT_EQ(on(out["days"], "2026-03-18")["views"], 11);
  EXPECT_EQ(on(out["days"], "2026-03-18")["covered"], 2);
  EXPECT_TRUE(on(out["days"], "2026-03-22")["views"].is_null());
  EXPECT_EQ(on(out["days"], "2026-03-28")["covered"], 1);
  auto all = get_json("/api/daily?from=2026-03-18&to=2026-03-28");
  EXPECT_EQ(all["days"], out["days"]);
  auto split = get_json("/api/daily?split=1&from=2026-03-18&to=2026-03-18");
  EXPECT_EQ(split["series"]["octo/beta"][0]["views"], 2);
}

TEST_F(serve_api, bad_parameters_are_400_and_unknown_repositories_404_with_a_message) {
  auto bad = get_json("/api/daily?from=2026-13-01", 400);
  EXPECT_THAT(bad["error"].get<std::string>(), HasSubstr("from"));
  get_json("/api/daily?repo=octo/nobody", 404);
  get_json("/api/paths?repo=octo/nobody", 404);
  get_json("/api/paths", 400);
  get_json("/api/nothing-here", 404);
}

TEST_F(serve_api, snapshots_counters_and_windows_of_one_repository) {
  auto paths = get_json("/api/paths?repo=octo/alpha");
  ASSERT_EQ(paths["snapshots"].size(), 2u);
  EXPECT_EQ(paths["snapshots"][0]["date"], "2026-03-20");
  EXPECT_EQ(paths["snapshots"][1]["entries"][0]["path"], "/octo/alpha");
  auto referrers = get_json("/api/referrers?repo=octo/alpha&from=2026-04-01");
  ASSERT_EQ(referrers["snapshots"].size(), 1u);
  EXPECT_EQ(referrers["snapshots"][0]["entries"][0]["referrer"], "github.com");
  auto counters = get_json("/api/counters?repo=octo/alpha");
  ASSERT_EQ(counters["days"].size(), 2u);
  EXPECT_EQ(counters["days"][1]["stars"], 10);
  auto windows = get_json("/api/windows?repo=octo/alpha");
  ASSERT_EQ(windows["windows"].size(), 4u);
  EXPECT_EQ(windows["windows"][0]["observed_at"], "2026-03-20T12:00:00Z");
}

TEST_F(serve_api, a_hostile_title_is_data_in_a_json_string) {
  auto res = m_server->client().Get("/api/paths?repo=octo/beta");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->get_header_value("Content-Type"), "application/json; charset=utf-8");
  EXPECT_EQ(res->get_header_value("X-Content-Type-Options"), "nosniff");
  auto out = json::parse(res->body);
  EXPECT_EQ(out["snapshots"][0]["entries"][0]["title"], k_hostile_title);
}

TEST_F(serve_api, status_reports_the_store_and_the_last_run) {
  auto out = get_json("/api/status");
  EXPECT_EQ(out["version"], GHTRAFFIC_VERSION);
  EXPECT_EQ(out["scheduler"]["enabled"], false);
  EXPECT_EQ(out["scheduler"]["disabled_reason"], "test");
  EXPECT_EQ(out["last_run"]["repos_ok"], 1);
  EXPECT_EQ(out["last_run"]["ok"], true);
  EXPECT_TRUE(out["rate_limit"]["remaining"].is_null());
}

TEST_F(serve_api, metrics_parse_as_prometheus_text) {
  auto res = m_server->client().Get("/metrics");
  ASSERT_TRUE(res);
  EXPECT_THAT(res->get_header_value("Content-Type"), StartsWith("text/plain; version=0.0.4"));
  std::regex sample(
      R"(^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*",?)*\})? -?[0-9]+(\.[0-9]+)?$)");
  std::regex comment(R"(^# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .+$)");
  std::istringstream lines(res->body);
  std::string line;
  int samples = 0;
  while (std::getline(lines, line)) {
    EXPECT_TRUE(std::regex_match(line, sample) || std::regex_match(line, comment)) << line;
    samples += line.starts_with('#') ? 0 : 1;
  }
  EXPECT_GE(samples, 10);
  EXPECT_THAT(res->body, HasSubstr("ghtraffic_views_total{repo=\"octo/alpha\"} 9\n"));
  EXPECT_THAT(res->body, HasSubstr("ghtraffic_last_collection_success 1\n"));
}

TEST_F(serve_api, serves_the_embedded_ui_with_types_and_security_headers) {
  auto client = m_server->client();
  auto index = client.Get("/");
  ASSERT_TRUE(index);
  EXPECT_EQ(index->status, 200);
  EXPECT_EQ(index->get_header_value("Content-Type"), "text/html; charset=utf-8");
  EXPECT_THAT(index->get_header_value("Content-Security-Policy"), HasSubstr("default-src 'self'"));
  EXPECT_EQ(index->get_header_value("Referrer-Policy"), "no-referrer");
  EXPECT_EQ(index->get_header_value("Cache-Control"), "no-cache");
  auto again = client.Get("/", {{"If-None-Match", index->get_header_value("ETag")}});
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 304);
  auto script = client.Get("/vendor/uPlot.iife.min.js");
  ASSERT_TRUE(script);
  EXPECT_EQ(script->status, 200);
  EXPECT_EQ(script->get_header_value("Content-Type"), "text/javascript; charset=utf-8");
  auto css = client.Get("/vendor/uPlot.min.css");
  ASSERT_TRUE(css);
  EXPECT_EQ(css->get_header_value("Content-Type"), "text/css; charset=utf-8");
  auto missing = client.Get("/no-such-file.js");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
}

TEST_F(serve_api, is_read_only) {
  auto res = m_server->client().Post("/api/repos", "{}", "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 405);
  EXPECT_EQ(res->get_header_value("Allow"), "GET, HEAD");
  auto del = m_server->client().Delete("/api/repos");
  ASSERT_TRUE(del);
  EXPECT_EQ(del->status, 405);
}

TEST_F(serve_api, a_post_without_a_body_is_405_with_allow) {
  auto answer = raw_exchange(
      m_server->port(), "POST /api/repos HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
  EXPECT_THAT(answer, StartsWith("HTTP/1.1 405")) << answer;
  EXPECT_THAT(answer, HasSubstr("Allow: GET, HEAD"));
  EXPECT_THAT(answer, HasSubstr("read-only"));
  auto put = raw_exchange(m_server->port(),
                          "PUT / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
  EXPECT_THAT(put, StartsWith("HTTP/1.1 405")) << put;
}

TEST_F(serve_api, ignores_range_and_answers_the_whole_body) {
  auto whole = m_server->client().Get("/api/repos");
  ASSERT_TRUE(whole);
  for (const char* path : {"/api/repos", "/", "/healthz"}) {
    auto res = m_server->client().Get(path, {{"Range", "bytes=0-9"}});
    ASSERT_TRUE(res) << path;
    EXPECT_EQ(res->status, 200) << path;
    EXPECT_FALSE(res->has_header("Content-Range")) << path;
    EXPECT_GT(res->body.size(), std::string_view(path) == "/healthz" ? 2u : 10u) << path;
  }
  auto ranged = m_server->client().Get("/api/repos", {{"Range", "bytes=5-"}});
  ASSERT_TRUE(ranged);
  EXPECT_EQ(ranged->body, whole->body);
  EXPECT_TRUE(json::accept(ranged->body));
}

namespace {

std::size_t count_of(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) {
    ++n;
  }
  return n;
}

}  // namespace

TEST_F(serve_api, answers_every_request_pipelined_on_one_connection_in_order) {
  // Three requests in one write, the way a pipelining client sends them: the server reads
  // them all at once and must answer each, in order.
  auto answer =
      raw_exchange(m_server->port(),
                   "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
                   "GET /api/repos HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
                   "GET /nowhere HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(count_of(answer, "HTTP/1.1 "), 3u) << answer;
  auto healthz = answer.find("HTTP/1.1 200");
  auto repos = answer.find("\"octo/alpha\"");
  auto missing = answer.find("HTTP/1.1 404");
  EXPECT_NE(healthz, std::string::npos) << answer;
  EXPECT_NE(repos, std::string::npos) << answer;
  EXPECT_NE(missing, std::string::npos) << answer;
  EXPECT_LT(healthz, repos);
  EXPECT_LT(repos, missing);
  EXPECT_THAT(answer, Not(HasSubstr(k_token)));
}

TEST_F(serve_api, the_body_of_a_refused_request_is_never_answered_as_a_request) {
  const std::string hidden = "GET /api/repos HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  auto answer =
      raw_exchange(m_server->port(), fmt::format("POST /api/repos HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                                 "Content-Length: {}\r\n\r\n{}",
                                                 hidden.size(), hidden));
  EXPECT_THAT(answer, StartsWith("HTTP/1.1 405")) << answer;
  EXPECT_EQ(count_of(answer, "HTTP/1.1 "), 1u) << answer;
  EXPECT_THAT(answer, Not(HasSubstr("octo/alpha")));
  EXPECT_THAT(answer, Not(HasSubstr(k_token)));
}

TEST_F(serve_api, a_refused_request_with_a_large_body_still_gets_its_answer) {
  // The connection ends with most of the body unread: closed at once, the kernel would
  // answer the rest with a reset, which can discard the 405 before the client reads it.
  const std::string body(200 * 1024, 'x');
  auto answer = raw_exchange(
      m_server->port(),
      fmt::format("POST /api/repos HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {}\r\n\r\n{}",
                  body.size(), body));
  EXPECT_THAT(answer, StartsWith("HTTP/1.1 405")) << answer.substr(0, 200);
  EXPECT_EQ(count_of(answer, "HTTP/1.1 "), 1u);
  EXPECT_THAT(answer, Not(HasSubstr(k_token)));
}

TEST_F(serve_api, with_a_read_token_requests_need_it_except_healthz) {
  RunningServer guarded(m_store, m_clock, k_read_token);
  auto client = guarded.client();
  auto denied = client.Get("/api/repos");
  ASSERT_TRUE(denied);
  EXPECT_EQ(denied->status, 401);
  EXPECT_TRUE(json::parse(denied->body).contains("error"));
  EXPECT_EQ(client.Get("/", {{"Authorization", "Bearer wrong-token-0123456789"}})->status, 401);
  EXPECT_EQ(
      client.Get("/api/repos", {{"Authorization", std::string("Bearer ") + k_read_token}})->status,
      200);
  EXPECT_EQ(client.Get("/healthz")->status, 200);
  EXPECT_EQ(client.Get("/metrics")->status, 401);

  // A browser opens /?token=... once: a cookie replaces the token in the address.
  auto entry = client.Get((std::string("/?token=") + k_read_token).c_str());
  ASSERT_TRUE(entry);
  EXPECT_EQ(entry->status, 303);
  EXPECT_EQ(entry->get_header_value("Location"), "/");
  auto cookie = entry->get_header_value("Set-Cookie");
  EXPECT_THAT(cookie, HasSubstr("HttpOnly"));
  EXPECT_THAT(cookie, HasSubstr("SameSite=Strict"));
  auto with_cookie = client.Get("/api/repos", {{"Cookie", cookie.substr(0, cookie.find(';'))}});
  ASSERT_TRUE(with_cookie);
  EXPECT_EQ(with_cookie->status, 200);
  EXPECT_EQ(client.Get("/?token=wrong-token-0123456789")->status, 401);
}

TEST_F(serve_api, refuses_a_non_loopback_address_without_a_read_token) {
  EXPECT_THROW(RunningServer(m_store, m_clock, "", "0.0.0.0"), util::Error);
  auto r = ghtraffic({"serve", "--listen", "0.0.0.0:0", "--collect-every", "off"},
                     {.env = {{"GHTRAFFIC_READ_TOKEN", ""}}});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("--read-token"));
  auto short_token = ghtraffic({"serve", "--listen", "0.0.0.0:0", "--read-token", "short"});
  EXPECT_EQ(short_token.exit_code, 2);
  EXPECT_THAT(short_token.err, HasSubstr("openssl rand"));
}

TEST_F(serve_api, without_a_read_token_answers_only_requests_for_loopback_names) {
  auto client = m_server->client();
  for (const char* host : {"attacker.example:8080", "attacker.example", "127.0.0.1.nip.example",
                           "localhost.attacker.example:8080", "[::2]:8080", "10.0.0.1"}) {
    for (const char* path : {"/api/repos", "/", "/metrics", "/healthz"}) {
      auto res = client.Get(path, {{"Host", host}});
      ASSERT_TRUE(res) << host << path;
      EXPECT_EQ(res->status, 403) << host << path;
      EXPECT_THAT(res->body, HasSubstr("--allow-host"));
      EXPECT_THAT(res->body, ::testing::Not(HasSubstr("octo/alpha")));
    }
  }
  for (const char* host : {"127.0.0.1:8080", "127.0.0.1", "127.9.8.7:80", "localhost:8080",
                           "LocalHost", "localhost.", "[::1]:8080", "[::1]"}) {
    auto res = client.Get("/api/repos", {{"Host", host}});
    ASSERT_TRUE(res) << host;
    EXPECT_EQ(res->status, 200) << host;
  }
}

TEST_F(serve_api, allow_host_adds_names_and_a_read_token_lifts_the_host_check) {
  RunningServer named(m_store, m_clock, "", "127.0.0.1", {"Dash.Example.org", "[fd00::5]"});
  auto client = named.client();
  EXPECT_EQ(client.Get("/api/repos", {{"Host", "dash.example.org:8080"}})->status, 200);
  EXPECT_EQ(client.Get("/api/repos", {{"Host", "[fd00::5]:8080"}})->status, 200);
  EXPECT_EQ(client.Get("/api/repos", {{"Host", "other.example.org"}})->status, 403);
  EXPECT_EQ(client.Get("/api/repos", {{"Host", "localhost"}})->status, 200);

  RunningServer guarded(m_store, m_clock, k_read_token);
  auto with_token = guarded.client().Get(
      "/api/repos",
      {{"Host", "traffic.example.org"}, {"Authorization", std::string("Bearer ") + k_read_token}});
  ASSERT_TRUE(with_token);
  EXPECT_EQ(with_token->status, 200);

  EXPECT_THROW(RunningServer(m_store, m_clock, "", "127.0.0.1", {"http://dash.example.org/"}),
               util::Error);
  EXPECT_THROW(RunningServer(m_store, m_clock, "", "127.0.0.1", {"dash.example.org:8080"}),
               util::Error);
}
