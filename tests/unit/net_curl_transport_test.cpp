// The real libcurl transport against servers on the loopback interface.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <mutex>
#include <set>
#include <thread>

#include "ghtraffic/net/transport.hpp"
#include "support/loopback_server.hpp"

using namespace ghtraffic::net;

namespace {

using ghtraffic::testing::LoopbackServer;

// Answers one connection with a fixed byte string, then closes it.
class RawServer {
 public:
  explicit RawServer(std::string answer) : m_answer(std::move(answer)) {
    m_fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    ::bind(m_fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    ::listen(m_fd, 1);
    socklen_t len = sizeof addr;
    ::getsockname(m_fd, reinterpret_cast<sockaddr*>(&addr), &len);
    m_port = ntohs(addr.sin_port);
    m_thread = std::thread([this] {
      int client = ::accept(m_fd, nullptr, nullptr);
      if (client < 0) {
        return;
      }
      char buffer[4096];
      static_cast<void>(::recv(client, buffer, sizeof buffer, 0));
      static_cast<void>(::send(client, m_answer.data(), m_answer.size(), MSG_NOSIGNAL));
      ::close(client);
    });
  }
  ~RawServer() {
    m_thread.join();
    ::close(m_fd);
  }
  std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(m_port) + path;
  }

 private:
  std::string m_answer;
  int m_fd = -1;
  int m_port = 0;
  std::thread m_thread;
};

}  // namespace

TEST(net_curl_transport, reuses_one_connection_and_captures_headers_and_body) {
  std::mutex mutex;
  std::vector<int> ports;
  std::string authorization;
  LoopbackServer server([&](httplib::Server& s) {
    s.Get("/repos/o/r", [&](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard lock(mutex);
      ports.push_back(req.remote_port);
      authorization = req.get_header_value("Authorization");
      res.set_header("X-Many", "a");
      res.set_header("X-Many", "b");
      res.set_header("Link", R"(<http://h/x?page=2>; rel="next", <http://h/x?page=3>; rel="last")");
      res.set_content(R"({"id":1})", "application/json");
    });
  });
  auto transport = make_curl_transport();
  for (int i = 0; i < 3; ++i) {
    HttpRequest request;
    request.url = server.url("/repos/o/r");
    request.headers["Authorization"] = "Bearer secret-token-value";
    auto response = transport->send(request);
    ASSERT_TRUE(response.ok()) << response.error_message;
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(response.body, R"({"id":1})");
    EXPECT_EQ(response.header("x-many"), "a, b");
    EXPECT_EQ(response.header("link"),
              R"(<http://h/x?page=2>; rel="next", <http://h/x?page=3>; rel="last")");
    EXPECT_EQ(response.effective_url, server.url("/repos/o/r"));
  }
  std::lock_guard lock(mutex);
  ASSERT_EQ(ports.size(), 3u);
  EXPECT_EQ(std::set<int>(ports.begin(), ports.end()).size(), 1u) << "a new connection was opened";
  EXPECT_EQ(authorization, "Bearer secret-token-value");
}

TEST(net_curl_transport, posts_a_body_and_does_not_follow_redirects_unless_asked) {
  LoopbackServer server([](httplib::Server& s) {
    s.Post("/graphql", [](const httplib::Request& req, httplib::Response& res) {
      res.set_content(req.body, "application/json");
    });
    s.Get("/old", [](const httplib::Request&, httplib::Response& res) {
      res.status = 301;
      res.set_header("Location", "/new");
    });
    s.Get("/new", [](const httplib::Request&, httplib::Response& res) {
      res.set_content("moved", "text/plain");
    });
  });
  auto transport = make_curl_transport();
  HttpRequest post;
  post.method = "POST";
  post.url = server.url("/graphql");
  post.body = R"({"query":"{ viewer { login } }"})";
  post.headers["Content-Type"] = "application/json";
  auto echoed = transport->send(post);
  ASSERT_TRUE(echoed.ok()) << echoed.error_message;
  EXPECT_EQ(echoed.body, post.body);

  HttpRequest get;
  get.url = server.url("/old");
  auto redirect = transport->send(get);
  ASSERT_TRUE(redirect.ok());
  EXPECT_EQ(redirect.status, 301);
  EXPECT_EQ(redirect.header("location"), "/new");
  get.follow_redirects = true;
  auto followed = transport->send(get);
  ASSERT_TRUE(followed.ok());
  EXPECT_EQ(followed.status, 200);
  EXPECT_EQ(followed.body, "moved");
  EXPECT_EQ(followed.effective_url, server.url("/new"));
}

TEST(net_curl_transport, reports_a_refused_connection_without_request_headers) {
  std::string url;
  {
    LoopbackServer server([](httplib::Server&) {});
    url = server.url("/repos/o/r");
    server.stop();
  }
  auto transport = make_curl_transport();
  HttpRequest request;
  request.url = url;
  request.headers["Authorization"] = "Bearer do-not-print-me";
  auto response = transport->send(request);
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error, TransportError::connect);
  EXPECT_FALSE(response.error_message.empty());
  EXPECT_EQ(response.error_message.find("do-not-print-me"), std::string::npos);
}

TEST(net_curl_transport, refuses_to_send_a_header_value_with_a_line_break) {
  std::atomic<int> requests{0};
  std::atomic<bool> injected{false};
  LoopbackServer server([&](httplib::Server& s) {
    s.Get("/repos/o/r", [&](const httplib::Request& req, httplib::Response& res) {
      ++requests;
      injected = injected || req.has_header("X-Injected");
      res.set_content("{}", "application/json");
    });
  });
  auto transport = make_curl_transport();
  for (const char* value :
       {"Bearer canary-5e9a\r\nX-Injected: yes", "Bearer canary-5e9a\nX-Injected: yes",
        "Bearer canary-5e9a\rX-Injected: yes"}) {
    HttpRequest request;
    request.url = server.url("/repos/o/r");
    request.headers["Authorization"] = value;
    auto response = transport->send(request);
    ASSERT_FALSE(response.ok());
    EXPECT_EQ(response.error, TransportError::other);
    EXPECT_NE(response.error_message.find("Authorization header holds a line break"),
              std::string::npos)
        << response.error_message;
    EXPECT_EQ(response.error_message.find("canary-5e9a"), std::string::npos);
  }
  EXPECT_EQ(requests, 0);
  EXPECT_FALSE(injected);
}

TEST(net_curl_transport, reports_a_body_cut_short_as_an_error) {
  RawServer server(
      "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n[1,2");
  auto transport = make_curl_transport();
  HttpRequest request;
  request.url = server.url("/x");
  auto response = transport->send(request);
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error, TransportError::reset);
}

TEST(net_curl_transport, serves_many_threads_at_once) {
  LoopbackServer server([](httplib::Server& s) {
    s.Get("/n", [](const httplib::Request&, httplib::Response& res) {
      res.set_content("ok", "text/plain");
    });
  });
  auto transport = make_curl_transport();
  std::atomic<int> good{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10; ++i) {
        HttpRequest request;
        request.url = server.url("/n");
        auto response = transport->send(request);
        if (response.ok() && response.body == "ok") {
          ++good;
        }
      }
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  EXPECT_EQ(good.load(), 40);
}
