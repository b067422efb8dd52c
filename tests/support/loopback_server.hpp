// An HTTP server of the tests' own on an ephemeral loopback port: its handlers are
// registered (by `routes`, or on server() before start()), then it listens on a thread of
// its own until stop() or its end. A class that holds one declares it last, after what its
// handlers use, so that it stops before they are gone.
#pragma once

#include <httplib.h>

#include <chrono>
#include <functional>
#include <string>
#include <thread>

namespace ghtraffic::testing {

class LoopbackServer {
 public:
  LoopbackServer() = default;
  explicit LoopbackServer(const std::function<void(httplib::Server&)>& routes) {
    routes(m_server);
    start();
  }
  LoopbackServer(const LoopbackServer&) = delete;
  LoopbackServer& operator=(const LoopbackServer&) = delete;
  ~LoopbackServer() { stop(); }

  httplib::Server& server() { return m_server; }
  void start() {
    // Bound before the thread starts: connections wait in the backlog until it listens.
    m_port = m_server.bind_to_any_port("127.0.0.1");
    m_thread = std::thread([this] { m_server.listen_after_bind(); });
    // Stopping a server that is not listening yet does nothing: wait until it is.
    while (!m_server.is_running()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
  void stop() {
    if (m_thread.joinable()) {
      m_server.stop();
      m_thread.join();
    }
  }
  int port() const { return m_port; }
  // "127.0.0.1:PORT"
  std::string address() const { return "127.0.0.1:" + std::to_string(m_port); }
  // "http://127.0.0.1:PORT" followed by `path`
  std::string url(const std::string& path = "") const { return "http://" + address() + path; }

 private:
  httplib::Server m_server;
  int m_port = 0;
  std::thread m_thread;
};

}  // namespace ghtraffic::testing
