// One signed AWS request with retries, shared by the JSON-protocol services and S3: sign
// at each attempt (the date changes), send over the HttpTransport, classify the answer,
// back off with full jitter on throttling, 5xx and transport failures.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include "ghtraffic/aws/client.hpp"
#include "ghtraffic/aws/sigv4.hpp"
#include "ghtraffic/net/transport.hpp"
#include "ghtraffic/util/clock.hpp"

namespace ghtraffic::aws {

struct ServiceTarget {
  std::string service;  // signing name: "dynamodb", "s3", "ssm"
  std::string region;
  std::string base_url;  // scheme://host[:port][/base], no trailing slash
  Credentials credentials;
  PayloadSigning payload = PayloadSigning::hash_only;
  bool s3_path = false;
};

struct ServiceRequest {
  std::string method = "GET";
  std::string path = "/";  // wire path below base_url
  HeaderList query;
  HeaderList headers;  // Host and the signing headers are added
  std::string body;
  std::string what;  // for messages: "S3 PutObject of s3://bucket/key"
};

// The error an answer carries, or nothing when it is a success.
using ErrorClassifier = std::function<std::optional<AwsError>(const net::HttpResponse&)>;

Result<net::HttpResponse> send_with_retries(const ServiceTarget& target,
                                            const ServiceRequest& request,
                                            net::HttpTransport& transport, util::Clock& clock,
                                            const RetryPolicy& retry,
                                            const ErrorClassifier& classify);

// Full jitter: a uniform draw in [0, min(cap, base * 2^attempt)]; attempt counts from 0.
// random01 is the draw in [0, 1).
std::chrono::milliseconds backoff_delay(const RetryPolicy& retry, int attempt, double random01);

// Error codes that mean "slow down and try again".
bool is_throttling_code(std::string_view code);

// "the IAM identity lacks permission ...", "check the AWS credentials ..." for an error
// code, or empty when there is no particular advice. action is "dynamodb:PutItem".
std::string advice_for(std::string_view code, std::string_view action, std::string_view resource,
                       std::string_view region);

// util::scrub, and any SigV4 signature masked too.
std::string scrub_aws(std::string_view text);

// "DynamoDB", "S3", "SSM"
std::string service_title(std::string_view service);

}  // namespace ghtraffic::aws
