// A chat webhook on loopback for the alert tests: it records what is posted to it.
#pragma once

#include <httplib.h>

#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace ghtraffic::testing {

// A chat webhook on loopback that records what is posted to it and answers with status.
class WebhookListener {
 public:
  explicit WebhookListener(int status = 200) : m_status(status) {
    m_server.Post("/hooks/T0SECRETPATH",
                  [this](const httplib::Request& req, httplib::Response& res) {
                    std::lock_guard lock(m_mutex);
                    m_bodies.push_back(req.body);
                    m_content_types.push_back(req.get_header_value("Content-Type"));
                    res.status = m_status;
                    res.set_content(m_status == 200 ? "ok" : "boom", "text/plain");
                  });
    // One request a connection: a client that keeps its connection open (the in-process
    // tests' curl transport) would otherwise hold stop() for the keep-alive timeout.
    m_server.set_keep_alive_max_count(1);
    m_port = m_server.bind_to_any_port("127.0.0.1");
    m_thread = std::thread([this] { m_server.listen_after_bind(); });
    while (!m_server.is_running()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
  ~WebhookListener() {
    m_server.stop();
    m_thread.join();
  }

  std::string url() const {
    return "http://127.0.0.1:" + std::to_string(m_port) + "/hooks/T0SECRETPATH";
  }
  std::vector<std::string> bodies() const {
    std::lock_guard lock(m_mutex);
    return m_bodies;
  }
  // The status of the answers from now on.
  void set_status(int status) {
    std::lock_guard lock(m_mutex);
    m_status = status;
  }
  std::vector<std::string> content_types() const {
    std::lock_guard lock(m_mutex);
    return m_content_types;
  }

 private:
  int m_status;
  httplib::Server m_server;
  std::thread m_thread;
  int m_port = 0;
  mutable std::mutex m_mutex;
  std::vector<std::string> m_bodies;
  std::vector<std::string> m_content_types;
};

}  // namespace ghtraffic::testing
