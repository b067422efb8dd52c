// A scripted HttpTransport for unit tests: responses queued per URL pattern, every request
// recorded with its headers. Safe to call from several threads.
#pragma once

#include <fmt/format.h>

#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "ghtraffic/net/transport.hpp"
#include "ghtraffic/util/clock.hpp"
#include "ghtraffic/util/date.hpp"

namespace ghtraffic::testing {

inline net::HttpResponse http_response(long status, std::string body, net::Headers headers = {}) {
  net::HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  r.headers = std::move(headers);
  return r;
}

inline net::HttpResponse transport_failure(net::TransportError error,
                                           std::string message = "connection reset") {
  net::HttpResponse r;
  r.error = error;
  r.error_message = std::move(message);
  return r;
}

class FakeTransport final : public net::HttpTransport {
 public:
  struct Sent {
    net::HttpRequest request;
    util::Clock::SteadyTime at{};  // on the clock given to the fake, if any
  };

  explicit FakeTransport(util::Clock* clock = nullptr) : m_clock(clock) {}

  // The next request whose URL contains `pattern` gets `response`; queued responses for
  // one pattern are used in order. The first pattern with a response left wins.
  void add(std::string pattern, net::HttpResponse response) {
    std::lock_guard lock(m_mutex);
    for (auto& script : m_scripts) {
      if (script.pattern == pattern) {
        script.queue.push_back(std::move(response));
        return;
      }
    }
    m_scripts.push_back(Script{std::move(pattern), {std::move(response)}, std::nullopt});
  }

  // Answers every request matching `pattern` with `response` once its queue is used up.
  void always(std::string pattern, net::HttpResponse response) {
    std::lock_guard lock(m_mutex);
    for (auto& script : m_scripts) {
      if (script.pattern == pattern) {
        script.fallback = std::move(response);
        return;
      }
    }
    m_scripts.push_back(Script{std::move(pattern), {}, std::move(response)});
  }

  // Runs inside send(), outside the fake's lock: to delay, count or inspect requests.
  void on_send(std::function<void(const net::HttpRequest&)> hook) { m_hook = std::move(hook); }

  net::HttpResponse send(const net::HttpRequest& request) override {
    {
      std::lock_guard lock(m_mutex);
      m_sent.push_back(Sent{request, m_clock ? m_clock->steady_now() : util::Clock::SteadyTime{}});
    }
    if (m_hook) {
      m_hook(request);
    }
    std::lock_guard lock(m_mutex);
    for (auto& script : m_scripts) {
      if (request.url.find(script.pattern) == std::string::npos) {
        continue;
      }
      if (!script.queue.empty()) {
        auto response = std::move(script.queue.front());
        script.queue.erase(script.queue.begin());
        return finish(request, std::move(response));
      }
      if (script.fallback) {
        return finish(request, *script.fallback);
      }
    }
    return http_response(418, fmt::format(R"({{"message":"no scripted response for {} {}"}})",
                                          request.method, request.url));
  }

  std::vector<Sent> sent() const {
    std::lock_guard lock(m_mutex);
    return m_sent;
  }
  std::vector<net::HttpRequest> requests() const {
    std::vector<net::HttpRequest> out;
    for (auto& s : sent()) {
      out.push_back(s.request);
    }
    return out;
  }
  std::size_t count(const std::string& pattern) const {
    std::lock_guard lock(m_mutex);
    std::size_t n = 0;
    for (const auto& s : m_sent) {
      n += s.request.url.find(pattern) != std::string::npos ? 1 : 0;
    }
    return n;
  }

 private:
  struct Script {
    std::string pattern;
    std::vector<net::HttpResponse> queue;
    std::optional<net::HttpResponse> fallback;
  };

  net::HttpResponse finish(const net::HttpRequest& request, net::HttpResponse response) {
    if (response.effective_url.empty()) {
      response.effective_url = request.url;
    }
    return response;
  }

  util::Clock* m_clock;
  mutable std::mutex m_mutex;
  std::vector<Script> m_scripts;
  std::vector<Sent> m_sent;
  std::function<void(const net::HttpRequest&)> m_hook;
};

}  // namespace ghtraffic::testing
