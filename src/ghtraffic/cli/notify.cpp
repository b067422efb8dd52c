#include "ghtraffic/cli/notify.hpp"

#include <nlohmann/json.hpp>

#include "ghtraffic/net/url.hpp"
#include "ghtraffic/util/log.hpp"
#include "ghtraffic/util/redact.hpp"

namespace ghtraffic::cli {

std::string webhook_body(const std::string& message) {
  return nlohmann::json{{"text", message}, {"content", message}}.dump();
}

bool post_webhook(net::HttpTransport& transport, const std::string& url,
                  const std::string& message) {
  auto parts = net::split_url(url);
  if (!parts) {
    util::log_warn("the alert was not sent: the webhook address is not an http(s) URL");
    return false;
  }
  // Slack's and Discord's webhook URLs carry their secret in the path.
  util::register_secret(url);
  util::register_secret(parts->target);
  net::HttpRequest request;
  request.method = "POST";
  request.url = url;
  request.headers["Content-Type"] = "application/json";
  request.headers["User-Agent"] = "ghtraffic/" GHTRAFFIC_VERSION;
  request.body = webhook_body(message);
  request.timeout = std::chrono::seconds(15);
  auto response = transport.send(request);
  if (!response.ok()) {
    util::log_warn(
        "the alert was not sent: could not reach the webhook at {} ({}); check the "
        "address and the network",
        parts->origin(), util::scrub(response.error_message));
    return false;
  }
  if (response.status < 200 || response.status >= 300) {
    util::log_warn(
        "the alert was not sent: the webhook at {} answered HTTP {}; check that the "
        "webhook still exists and accepts JSON",
        parts->origin(), response.status);
    return false;
  }
  return true;
}

}  // namespace ghtraffic::cli
