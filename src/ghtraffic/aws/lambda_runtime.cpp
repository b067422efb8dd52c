#include "ghtraffic/aws/lambda_runtime.hpp"

#include <fmt/format.h>

#include <cstdlib>
#include <exception>
#include <nlohmann/json.hpp>
#include <utility>

#include "ghtraffic/util/log.hpp"
#include "ghtraffic/util/number.hpp"
#include "ghtraffic/util/redact.hpp"
#include "ghtraffic/util/strings.hpp"

namespace ghtraffic::aws::lambda {
namespace {

// Request ids are UUIDs; anything else would change the path it is put into.
bool is_safe_request_id(const std::string& id) {
  if (id.empty() || id.size() > 128) {
    return false;
  }
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.';
    if (!ok) {
      return false;
    }
  }
  return true;
}

std::optional<std::chrono::system_clock::time_point> parse_deadline(
    const std::optional<std::string>& text) {
  if (!text || text->empty()) {
    return std::nullopt;
  }
  auto ms = util::parse_int<std::int64_t>(util::trim(*text), 1);
  if (!ms) {
    return std::nullopt;
  }
  return std::chrono::system_clock::time_point(std::chrono::milliseconds(*ms));
}

std::string describe_failure(const net::HttpResponse& response) {
  if (!response.ok()) {
    return response.error_message;
  }
  auto body = response.body.size() > 300 ? response.body.substr(0, 300) + "..." : response.body;
  return fmt::format("HTTP {}{}{}", response.status, body.empty() ? "" : ": ", body);
}

void set_trace_id(const std::string& trace_id) {
  if (trace_id.empty()) {
    ::unsetenv("_X_AMZN_TRACE_ID");
  } else {
    ::setenv("_X_AMZN_TRACE_ID", trace_id.c_str(), 1);
  }
}

}  // namespace

std::string error_body(const ErrorReport& error) {
  nlohmann::json body{{"errorMessage", util::scrub(error.message)},
                      {"errorType", error.type},
                      {"stackTrace", nlohmann::json::array()}};
  return body.dump();
}

RuntimeApi::RuntimeApi(std::string api, net::HttpTransport& transport)
    : m_base_url(fmt::format("http://{}/{}/runtime", api, k_api_version)), m_transport(transport) {}

std::expected<Invocation, std::string> RuntimeApi::next() {
  net::HttpRequest request;
  request.url = m_base_url + "/invocation/next";
  request.timeout = std::chrono::milliseconds(0);  // a long poll: no timeout
  auto response = m_transport.send(request);
  if (!response.ok() || response.status != 200) {
    return std::unexpected(
        fmt::format("GET {} failed: {}", request.url, describe_failure(response)));
  }
  Invocation invocation;
  invocation.request_id = response.header("Lambda-Runtime-Aws-Request-Id").value_or("");
  if (!is_safe_request_id(invocation.request_id)) {
    return std::unexpected(fmt::format(
        "GET {} answered without a usable Lambda-Runtime-Aws-Request-Id header", request.url));
  }
  invocation.deadline = parse_deadline(response.header("Lambda-Runtime-Deadline-Ms"));
  invocation.trace_id = response.header("Lambda-Runtime-Trace-Id").value_or("");
  invocation.invoked_function_arn =
      response.header("Lambda-Runtime-Invoked-Function-Arn").value_or("");
  invocation.event = std::move(response.body);
  return invocation;
}

std::expected<void, std::string> RuntimeApi::post(const std::string& path, const std::string& body,
                                                  const std::optional<std::string>& error_type) {
  net::HttpRequest request;
  request.method = "POST";
  request.url = m_base_url + path;
  request.headers["Content-Type"] = "application/json";
  if (error_type) {
    request.headers["Lambda-Runtime-Function-Error-Type"] = *error_type;
  }
  request.body = body;
  auto response = m_transport.send(request);
  if (!response.ok() || response.status < 200 || response.status >= 300) {
    return std::unexpected(
        fmt::format("POST {} failed: {}", request.url, describe_failure(response)));
  }
  return {};
}

std::expected<void, std::string> RuntimeApi::respond(const std::string& request_id,
                                                     const std::string& result) {
  return post("/invocation/" + request_id + "/response", result, std::nullopt);
}

std::expected<void, std::string> RuntimeApi::report_error(const std::string& request_id,
                                                          const ErrorReport& error) {
  return post("/invocation/" + request_id + "/error", error_body(error), error.type);
}

std::expected<void, std::string> RuntimeApi::report_init_error(const ErrorReport& error) {
  return post("/init/error", error_body(error), error.type);
}

std::string serve(RuntimeApi& api, const Handler& handler) {
  for (;;) {
    auto invocation = api.next();
    if (!invocation) {
      return invocation.error();
    }
    set_trace_id(invocation->trace_id);
    HandlerResult result;
    try {
      result = handler(*invocation);
    } catch (const std::exception& e) {
      result = std::unexpected(ErrorReport{"Runtime.Unhandled", e.what()});
    }
    auto sent = result ? api.respond(invocation->request_id, util::scrub(*result))
                       : api.report_error(invocation->request_id, result.error());
    if (!sent) {
      util::log_error("could not deliver the answer to invocation {}: {}", invocation->request_id,
                      util::scrub(sent.error()));
    }
  }
}

std::chrono::steady_clock::time_point to_steady(std::chrono::system_clock::time_point deadline,
                                                std::chrono::steady_clock::time_point steady_now,
                                                std::chrono::system_clock::time_point wall_now) {
  return steady_now +
         std::chrono::duration_cast<std::chrono::steady_clock::duration>(deadline - wall_now);
}

}  // namespace ghtraffic::aws::lambda
