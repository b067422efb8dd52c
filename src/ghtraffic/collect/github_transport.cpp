#include "ghtraffic/collect/github_transport.hpp"

#include <chrono>

#include "ghtraffic/util/log.hpp"

namespace ghtraffic::collect {
namespace {

class RequestLog : public net::HttpTransport {
 public:
  explicit RequestLog(std::unique_ptr<net::HttpTransport> inner) : m_inner(std::move(inner)) {}

  net::HttpResponse send(const net::HttpRequest& request) override {
    if (util::log_level() < util::LogLevel::debug) {
      return m_inner->send(request);
    }
    auto started = std::chrono::steady_clock::now();
    auto response = m_inner->send(request);
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                  std::chrono::steady_clock::now() - started)
                  .count();
    if (!response.ok()) {
      util::log_debug("{} {}: {} after {} ms", request.method, request.url, response.error_message,
                      ms);
    } else {
      auto remaining = response.header("x-ratelimit-remaining");
      util::log_debug("{} {}: {} in {} ms{}", request.method, request.url, response.status, ms,
                      remaining ? " · rate limit " + *remaining + " left" : "");
    }
    return response;
  }

 private:
  std::unique_ptr<net::HttpTransport> m_inner;
};

}  // namespace

std::unique_ptr<net::HttpTransport> make_github_transport() {
  return std::make_unique<RequestLog>(net::make_curl_transport());
}

}  // namespace ghtraffic::collect
