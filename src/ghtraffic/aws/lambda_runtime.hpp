// The AWS Lambda Runtime API, for running as a custom runtime (provided.al2023): fetch the
// next invocation, answer it with a result or an error, report a failed initialization.
// https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html
#pragma once

#include <chrono>
#include <expected>
#include <functional>
#include <optional>
#include <string>

#include "ghtraffic/net/transport.hpp"

namespace ghtraffic::aws::lambda {

inline constexpr const char* k_api_version = "2018-06-01";

struct Invocation {
  std::string request_id;  // Lambda-Runtime-Aws-Request-Id
  // Lambda-Runtime-Deadline-Ms: when the function times out, on the wall clock.
  std::optional<std::chrono::system_clock::time_point> deadline;
  std::string trace_id;              // Lambda-Runtime-Trace-Id, may be empty
  std::string invoked_function_arn;  // Lambda-Runtime-Invoked-Function-Arn
  std::string event;                 // the body: the event as JSON text
};

// What goes to /error and /init/error: {"errorMessage": ..., "errorType": ...}.
struct ErrorReport {
  std::string type;     // "Config.InvalidStoreUrl", "Event.Malformed", ...
  std::string message;  // for a person; scrubbed before it is sent
};

// The body /error and /init/error expect.
std::string error_body(const ErrorReport& error);

class RuntimeApi {
 public:
  // api: AWS_LAMBDA_RUNTIME_API, "HOST:PORT".
  RuntimeApi(std::string api, net::HttpTransport& transport);

  // Waits (without a timeout) for the next invocation. An error means the runtime must
  // exit: the API is gone or said so (500), and there is nothing left to serve.
  std::expected<Invocation, std::string> next();

  // The invocation's result (JSON). An error is for the log; the loop goes on.
  std::expected<void, std::string> respond(const std::string& request_id,
                                           const std::string& result);
  std::expected<void, std::string> report_error(const std::string& request_id,
                                                const ErrorReport& error);
  // Initialization failed; the caller exits non-zero afterwards.
  std::expected<void, std::string> report_init_error(const ErrorReport& error);

  const std::string& base_url() const { return m_base_url; }

 private:
  std::expected<void, std::string> post(const std::string& path, const std::string& body,
                                        const std::optional<std::string>& error_type);

  std::string m_base_url;  // http://HOST:PORT/2018-06-01/runtime
  net::HttpTransport& m_transport;
};

// What a handler returns: the result JSON, or the error to report.
using HandlerResult = std::expected<std::string, ErrorReport>;
using Handler = std::function<HandlerResult(const Invocation&)>;

// Serves invocations until next() fails, then returns the reason. Before each one it sets
// _X_AMZN_TRACE_ID from the trace header (unset when there is none). A handler that
// throws is reported as an error of type "Runtime.Unhandled" and the loop goes on.
std::string serve(RuntimeApi& api, const Handler& handler);

// The wall-clock deadline as a time on the steady clock whose current time is
// steady_now (Lambda's deadline is epoch milliseconds; timing is done on a steady clock).
std::chrono::steady_clock::time_point to_steady(std::chrono::system_clock::time_point deadline,
                                                std::chrono::steady_clock::time_point steady_now,
                                                std::chrono::system_clock::time_point wall_now);

}  // namespace ghtraffic::aws::lambda
