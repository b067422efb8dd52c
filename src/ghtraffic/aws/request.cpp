#include "ghtraffic/aws/request.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <random>
#include <regex>

#include "ghtraffic/util/log.hpp"
#include "ghtraffic/util/redact.hpp"
#include "ghtraffic/util/strings.hpp"

namespace ghtraffic::aws {
namespace {

double random_unit() {
  thread_local std::mt19937_64 engine{std::random_device{}()};
  return std::uniform_real_distribution<double>(0.0, 1.0)(engine);
}

struct UrlParts {
  std::string origin;     // scheme://host[:port]
  std::string authority;  // host[:port], the Host header
  std::string base_path;  // "" or "/base"
};

UrlParts split_url(const std::string& url) {
  UrlParts parts;
  auto scheme_end = url.find("://");
  auto authority_start = scheme_end == std::string::npos ? 0 : scheme_end + 3;
  auto path_start = url.find('/', authority_start);
  parts.origin = url.substr(0, path_start);
  parts.authority =
      url.substr(authority_start, path_start == std::string::npos ? std::string::npos
                                                                  : path_start - authority_start);
  if (path_start != std::string::npos) {
    parts.base_path = url.substr(path_start);
    while (!parts.base_path.empty() && parts.base_path.back() == '/') {
      parts.base_path.pop_back();
    }
  }
  return parts;
}

std::string_view transport_error_name(net::TransportError error) {
  switch (error) {
    case net::TransportError::connect:
      return "could not connect";
    case net::TransportError::timeout:
      return "timed out";
    case net::TransportError::reset:
      return "connection reset";
    case net::TransportError::protocol:
      return "malformed HTTP answer";
    case net::TransportError::other:
    case net::TransportError::none:
      break;
  }
  return "transport failure";
}

AwsError transport_error(const ServiceTarget& target, const ServiceRequest& request,
                         const net::HttpResponse& response) {
  AwsError error;
  error.code = "TransportError";
  error.retryable = true;
  auto env = endpoint_variable(target.service);
  error.message = fmt::format(
      "{} failed: cannot reach {}: {} ({}); check the network connection, the region ({}) and "
      "{} or AWS_ENDPOINT_URL if one is set",
      request.what, target.base_url, transport_error_name(response.error), response.error_message,
      target.region, env);
  return error;
}

}  // namespace

std::string scrub_aws(std::string_view text) {
  static const std::regex signature(R"((Signature=)[0-9a-fA-F]{16,})");
  return std::regex_replace(util::scrub(text), signature, "$1[REDACTED]");
}

std::chrono::milliseconds backoff_delay(const RetryPolicy& retry, int attempt, double random01) {
  auto ceiling = retry.base.count();
  for (int i = 0; i < attempt && ceiling < retry.cap.count(); ++i) {
    ceiling *= 2;
  }
  ceiling = std::min<long long>(ceiling, retry.cap.count());
  return std::chrono::milliseconds(static_cast<long long>(static_cast<double>(ceiling) * random01));
}

bool is_throttling_code(std::string_view code) {
  static constexpr std::array<std::string_view, 11> k_codes = {
      "ThrottlingException",
      "ProvisionedThroughputExceededException",
      "RequestLimitExceeded",
      "Throttling",
      "ThrottledException",
      "TooManyRequestsException",
      "RequestThrottled",
      "RequestThrottledException",
      "SlowDown",
      "TransactionInProgressException",
      "LimitExceededException"};
  return std::find(k_codes.begin(), k_codes.end(), code) != k_codes.end();
}

std::string service_title(std::string_view service) {
  if (service == "dynamodb") {
    return "DynamoDB";
  }
  if (service == "s3") {
    return "S3";
  }
  if (service == "ssm") {
    return "SSM";
  }
  return std::string(service);
}

std::string advice_for(std::string_view code, std::string_view action, std::string_view resource,
                       std::string_view region) {
  static constexpr std::array<std::string_view, 4> k_denied = {
      "AccessDeniedException", "AccessDenied", "UnauthorizedOperation", "AllAccessDisabled"};
  static constexpr std::array<std::string_view, 10> k_credentials = {"UnrecognizedClientException",
                                                                     "InvalidSignatureException",
                                                                     "SignatureDoesNotMatch",
                                                                     "ExpiredTokenException",
                                                                     "ExpiredToken",
                                                                     "InvalidClientTokenId",
                                                                     "IncompleteSignature",
                                                                     "MissingAuthenticationToken",
                                                                     "InvalidAccessKeyId",
                                                                     "InvalidToken"};
  auto on = resource.empty() ? std::string() : fmt::format(" on {}", resource);
  if (std::find(k_denied.begin(), k_denied.end(), code) != k_denied.end()) {
    return fmt::format(
        "the IAM identity lacks permission for {}{}; allow it in the policy of the role or "
        "user whose credentials are in use",
        action, on);
  }
  if (std::find(k_credentials.begin(), k_credentials.end(), code) != k_credentials.end()) {
    return "check the AWS credentials (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and "
           "AWS_SESSION_TOKEN, or the profile named by AWS_PROFILE): they are wrong, for "
           "another partition, or expired";
  }
  if (code == "ResourceNotFoundException" || code == "NoSuchBucket" ||
      code == "ParameterNotFound") {
    return fmt::format("check the name and the region ({})", region);
  }
  if (code == "PermanentRedirect" || code == "AuthorizationHeaderMalformed" ||
      code == "IllegalLocationConstraintException") {
    return fmt::format("the bucket is in another region than {}; set AWS_REGION to its region",
                       region);
  }
  if (is_throttling_code(code)) {
    return "AWS kept throttling the requests; try again later, or raise the capacity or quota";
  }
  return {};
}

Result<net::HttpResponse> send_with_retries(const ServiceTarget& target,
                                            const ServiceRequest& request,
                                            net::HttpTransport& transport, util::Clock& clock,
                                            const RetryPolicy& retry,
                                            const ErrorClassifier& classify) {
  auto url = split_url(target.base_url);
  std::string path = url.base_path + (request.path.empty() ? "/" : request.path);
  std::string full_url = url.origin + path;
  if (!request.query.empty()) {
    full_url += "?" + encode_query(request.query);
  }
  int attempts = std::max(1, retry.max_attempts);
  AwsError last;
  for (int attempt = 0; attempt < attempts; ++attempt) {
    if (attempt > 0) {
      clock.sleep_for(backoff_delay(retry, attempt - 1, random_unit()));
    }
    SignableRequest signable;
    signable.method = request.method;
    signable.path = path;
    signable.query = request.query;
    signable.headers.emplace_back("Host", url.authority);
    signable.headers.insert(signable.headers.end(), request.headers.begin(), request.headers.end());
    signable.body = request.body;
    SigningParams params{target.credentials, target.region,  target.service,
                         clock.now(),        target.payload, target.s3_path};
    auto signature = sign(signable, params);

    net::HttpRequest http;
    http.method = request.method;
    http.url = full_url;
    http.body = request.body;
    for (const auto& [name, value] : signable.headers) {
      http.headers[name] = value;
    }
    for (const auto& [name, value] : signature.added_headers) {
      http.headers[name] = value;
    }
    auto response = transport.send(http);
    if (!response.ok()) {
      last = transport_error(target, request, response);
    } else if (auto error = classify(response)) {
      last = std::move(*error);
    } else {
      util::log_debug("{}: HTTP {} (attempt {})", request.what, response.status, attempt + 1);
      return response;
    }
    util::log_debug("{}: {} (attempt {} of {})", request.what, util::scrub(last.code), attempt + 1,
                    attempts);
    if (!last.retryable) {
      break;
    }
    if (attempt + 1 == attempts) {
      last.message += fmt::format(" (gave up after {} attempts)", attempts);
    }
  }
  last.message = scrub_aws(last.message);
  return std::unexpected(std::move(last));
}

}  // namespace ghtraffic::aws
