// A chat webhook on loopback for the alert tests: it records what is posted to it.
#pragma once

#include <httplib.h>

#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "support/loopback_server.hpp"

namespace ghtraffic::testing {

// A chat webhook on loopback that records what is posted to it and answers with status.
class WebhookListener {
 public:
  explicit WebhookListener(int status = 200) : m_status(status) {
    m_server.server().Post("/hooks/T0SECRETPATH",
                           [this](const httplib::Request& req, httplib::Response& res) {
                             std::lock_guard lock(m_mutex);
                             m_bodies.push_back(req.body);
                             m_content_types.push_back(req.get_header_value("Content-Type"));
                             res.status = m_status;
                             res.set_content(m_status == 200 ? "ok" : "boom", "text/plain");
                           });
    // One request a connection: a client that keeps its connection open (the in-process
    // tests' curl transport) would otherwise hold stop() for the keep-alive timeout.
    m_server.server().set_keep_alive_max_count(1);
    m_server.start();
  }

  std::string url() const { return m_server.url() + "/hooks/T0SECRETPATH"; }
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
  mutable std::mutex m_mutex;
  std::vector<std::string> m_bodies;
  std::vector<std::string> m_content_types;
  ghtraffic::testing::LoopbackServer m_server;  // last: it stops before what its handlers use
};

}  // namespace ghtraffic::testing
