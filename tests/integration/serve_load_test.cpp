// The dashboard server under load, in-process over loopback: connections that send nothing
// do not keep other clients waiting, and /api/repos, serialised once per snapshot, changes
// when a collection does. The ten-minute run with wrk is bench/serve-load.
#include <gmock/gmock.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>
#include <vector>

#include "fixture.hpp"
#include "ghtraffic/store/store.hpp"
#include "ghtraffic/util/clock.hpp"
#include "ghtraffic/web/server.hpp"
#include "support/eventually.hpp"

using namespace ghtraffic;
using namespace ghtraffic::testing;
using nlohmann::json;

namespace {

class LoadedServer {
 public:
  LoadedServer(const std::string& store_url, util::Clock& clock, int threads)
      : LoadedServer(store_url, clock, web::ServerOptions{{"127.0.0.1", 0}, {}, threads, {}}) {}
  LoadedServer(const std::string& store_url, util::Clock& clock, web::ServerOptions options)
      : m_stores([store_url] { return store::make_store(store_url, {.read_only = true}); }, 2),
        m_server(std::move(options),
                 web::ServerContext{m_stores, m_cache, store_url, {}, {}, "test", clock}) {
    m_port = m_server.bind();
    m_thread = std::thread([this] { m_server.run(); });
  }
  ~LoadedServer() {
    m_server.stop();
    m_thread.join();
  }
  httplib::Client client() const {
    httplib::Client c("127.0.0.1", m_port);
    // A guard against hanging only: a server that queued this behind the idle connections
    // would answer after minutes.
    c.set_connection_timeout(30);
    c.set_read_timeout(30);
    return c;
  }
  int port() const { return m_port; }

 private:
  web::StorePool m_stores;
  web::SnapshotCache m_cache;
  web::Server m_server;
  int m_port = 0;
  std::thread m_thread;
};

// Connections that are open and send nothing, as a slow or hostile client leaves them.
class IdleConnections {
 public:
  IdleConnections(int port, int count) {
    for (int i = 0; i < count; ++i) {
      int fd = ::socket(AF_INET, SOCK_STREAM, 0);
      sockaddr_in addr{};
      addr.sin_family = AF_INET;
      addr.sin_port = htons(static_cast<uint16_t>(port));
      addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
        m_fds.push_back(fd);
      } else {
        ::close(fd);
      }
    }
  }
  ~IdleConnections() {
    for (int fd : m_fds) {
      ::close(fd);
    }
  }
  std::size_t size() const { return m_fds.size(); }

 private:
  std::vector<int> m_fds;
};

class serve_load : public CollectFixture {
 protected:
  void SetUp() override {
    CollectFixture::SetUp();
    add_repo("octo/alpha", 101);
    m_github.set_view("octo/alpha", day("2026-03-18"), 9, 4);
    auto first = run_collect({"octo/alpha"});
    ASSERT_EQ(first.exit_code, 0) << first.err;
  }

  util::ManualClock m_clock{at("2026-03-20T12:00:00Z")};
};

}  // namespace

TEST_F(serve_load, connections_that_send_nothing_do_not_keep_other_clients_waiting) {
  LoadedServer server(m_store, m_clock, 4);
  // Were each idle connection to hold a server thread until its keep-alive timeout (5 s),
  // a fixed pool of 4 would answer a request after 60 of them in 75 s.
  IdleConnections idle(server.port(), 60);
  ASSERT_EQ(idle.size(), 60u);
  for (const char* path : {"/healthz", "/api/repos", "/api/status"}) {
    auto res = server.client().Get(path);
    ASSERT_TRUE(res) << path;
    EXPECT_EQ(res->status, 200) << path;
  }
}

// Threads of this process now (the server runs in it).
int threads_now() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.starts_with("Threads:")) {
      return std::stoi(line.substr(8));
    }
  }
  return -1;
}

TEST_F(serve_load,
       connections_between_requests_are_parked_without_a_thread_and_closed_when_silent) {
  LoadedServer server(m_store, m_clock, 4);
  const int before = threads_now();
  // Keep-alive connections that asked once and then stay silent: each is accepted (its
  // request arrived) and waits for its next one.
  std::vector<int> fds;
  for (int i = 0; i < 200; ++i) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(server.port()));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    const std::string request = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    ASSERT_EQ(::send(fd, request.data(), request.size(), 0), static_cast<ssize_t>(request.size()));
    fds.push_back(fd);
  }
  for (int fd : fds) {  // every one answered
    char buffer[512];
    timeval timeout{30, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    ASSERT_GT(::recv(fd, buffer, sizeof buffer, 0), 0);
  }
  // Waiting for their next request, they hold no thread, and other clients are answered.
  EXPECT_LT(threads_now() - before, 40) << "threads before: " << before;
  for (const char* path : {"/healthz", "/api/repos", "/api/status"}) {
    auto res = server.client().Get(path);
    ASSERT_TRUE(res) << path;
    EXPECT_EQ(res->status, 200) << path;
  }
  // One still answers its next request on the same connection.
  const std::string again = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  ASSERT_EQ(::send(fds[7], again.data(), again.size(), 0), static_cast<ssize_t>(again.size()));
  char buffer[512];
  auto got = ::recv(fds[7], buffer, sizeof buffer, 0);
  ASSERT_GT(got, 0);
  EXPECT_TRUE(std::string(buffer, static_cast<std::size_t>(got)).starts_with("HTTP/1.1 200"));
  // Silent past the keep-alive timeout (5 s), a connection is closed by the server.
  auto closed = ::recv(fds[3], buffer, sizeof buffer, 0);
  EXPECT_EQ(closed, 0);
  for (int fd : fds) {
    ::close(fd);
  }
}

TEST_F(serve_load, repos_is_the_same_answer_until_a_collection_changes_it) {
  LoadedServer server(m_store, m_clock, 4);
  auto first = server.client().Get("/api/repos");
  auto again = server.client().Get("/api/repos");
  ASSERT_TRUE(first && again);
  EXPECT_EQ(first->body, again->body);
  EXPECT_EQ(json::parse(first->body)["repos"][0]["views_14d"], 9);

  // A day later GitHub has one more day; the collection commits it.
  m_github.set_now(at("2026-03-21T12:00:00Z"));
  m_github.set_view("octo/alpha", day("2026-03-21"), 5, 2);
  auto second = run_collect({"octo/alpha"});
  ASSERT_EQ(second.exit_code, 0) << second.err;
  auto after = server.client().Get("/api/repos");  // the store's last run changed
  ASSERT_TRUE(after);
  const auto repo = json::parse(after->body)["repos"][0];
  EXPECT_EQ(repo["last_collected"], "2026-03-21T12:00:00Z");
  EXPECT_EQ(repo["last_day"], "2026-03-21");
}

TEST_F(serve_load, memory_freed_by_requests_goes_back_while_they_come_and_not_when_idle) {
  std::atomic<int> releases{0};
  web::ServerOptions options{{"127.0.0.1", 0}, {}, 4, {}};
  options.release_memory_every = std::chrono::milliseconds(10);
  options.release_memory = [&releases] { ++releases; };
  LoadedServer server(m_store, m_clock, std::move(options));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // ten periods, no request
  EXPECT_EQ(releases.load(), 0);

  auto client = server.client();
  for (const char* path : {"/api/repos", "/api/status", "/healthz"}) {
    auto res = client.Get(path);
    ASSERT_TRUE(res) << path;
    EXPECT_EQ(res->status, 200) << path;
  }
  ASSERT_TRUE(eventually([&] { return releases.load() >= 1; }));
  // The periods the requests were in have ended (20 of them), so what follows is idle.
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const int after_requests = releases.load();
  EXPECT_LE(after_requests, 3);  // one a period with requests in it, at most
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // idle again
  EXPECT_EQ(releases.load(), after_requests);

  // A request refused (an unknown path) is work too: it allocated its answer.
  auto res = client.Get("/api/nothing-here");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 404);
  EXPECT_TRUE(eventually([&] { return releases.load() > after_requests; }));
}
