// AWS plumbing over the project's HTTP transport: credentials, regions and endpoints as
// the AWS SDKs resolve them, SigV4-signed calls to JSON-protocol services (DynamoDB, SSM)
// and to S3, retries on throttling and 5xx. AWS errors become messages for a person that
// name the resource and what to check; no key or signature ever appears in them.
#pragma once

#include <expected>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "ghtraffic/net/transport.hpp"
#include "ghtraffic/util/clock.hpp"

namespace ghtraffic::aws {

struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // empty unless temporary credentials (Lambda)
};

// AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN, else the shared
// credentials file (AWS_SHARED_CREDENTIALS_FILE or ~/.aws/credentials) for AWS_PROFILE
// (default "default"). None found is a util::Error saying where it looked. Every secret is
// registered with util::register_secret.
Credentials load_credentials();

// The region: the explicit one (from a store URL), else AWS_REGION, else
// AWS_DEFAULT_REGION; none is a util::Error.
std::string resolve_region(const std::optional<std::string>& explicit_region);

// The endpoint for a service ("dynamodb", "s3", "ssm"): AWS_ENDPOINT_URL_<SERVICE>, else
// AWS_ENDPOINT_URL, else the regional endpoint (https://dynamodb.REGION.amazonaws.com).
// custom is true when an environment variable gave it (S3 then uses path-style URLs).
struct Endpoint {
  std::string url;  // no trailing slash
  bool custom = false;
};
Endpoint resolve_endpoint(const std::string& service, const std::string& region);

// "AWS_ENDPOINT_URL_DYNAMODB" for "dynamodb".
std::string endpoint_variable(const std::string& service);

struct AwsError {
  long status = 0;         // HTTP status, 0 for a transport failure
  std::string code;        // "ResourceNotFoundException", "NoSuchBucket", ...
  std::string message;     // for a person: what failed, on which resource, what to check
  bool retryable = false;  // throttling or 5xx
};

template <typename T>
using Result = std::expected<T, AwsError>;

struct RetryPolicy {
  int max_attempts = 5;
  std::chrono::milliseconds base{100};
  std::chrono::milliseconds cap{5000};
};

// A JSON-protocol service: POST / with X-Amz-Target "<target_prefix>.<Operation>".
// DynamoDB: service "dynamodb", target prefix "DynamoDB_20120810", content type
// application/x-amz-json-1.0. SSM: "ssm", "AmazonSSM", application/x-amz-json-1.1.
class JsonServiceClient {
 public:
  struct Config {
    std::string service;
    std::string target_prefix;
    std::string content_type;
    std::string region;
    Endpoint endpoint;
    Credentials credentials;
    RetryPolicy retry;
  };
  JsonServiceClient(Config config, net::HttpTransport& transport,
                    util::Clock& clock = util::system_clock());
  // Signs, sends, retries throttling (ThrottlingException,
  // ProvisionedThroughputExceededException, RequestLimitExceeded) and 5xx with jittered
  // backoff; returns the parsed body or the error.
  Result<nlohmann::json> call(const std::string& operation, const nlohmann::json& body);
  const Config& config() const { return m_config; }

 private:
  Config m_config;
  net::HttpTransport& m_transport;
  util::Clock& m_clock;
};

}  // namespace ghtraffic::aws
