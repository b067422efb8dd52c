// A small S3 client for what the exports need: put, get, head and list objects, and
// create a bucket (for tests and first runs). Path-style URLs when the endpoint is custom
// (s3rver, MinIO, LocalStack) or the bucket name has a dot, virtual-hosted otherwise.
// Errors name the bucket and key and say what to check.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "ghtraffic/aws/client.hpp"

namespace ghtraffic::aws {

struct ObjectInfo {
  std::size_t size = 0;
  std::string etag;
  std::string content_type;
};

class S3Client {
 public:
  struct Config {
    std::string region;
    Endpoint endpoint;
    Credentials credentials;
    RetryPolicy retry;
  };

  S3Client(Config config, net::HttpTransport& transport, util::Clock& clock = util::system_clock());

  // Credentials, region and endpoint from the environment (see client.hpp).
  static Config config_from_environment(const std::optional<std::string>& region = {});

  Result<void> put_object(const std::string& bucket, const std::string& key,
                          const std::string& body, const std::string& content_type);
  Result<std::string> get_object(const std::string& bucket, const std::string& key);
  // Nothing when the object does not exist.
  Result<std::optional<ObjectInfo>> head_object(const std::string& bucket, const std::string& key);
  // Every key under prefix (ListObjectsV2, following continuation tokens), sorted.
  Result<std::vector<std::string>> list_objects(const std::string& bucket,
                                                const std::string& prefix);
  // Succeeds when the bucket already exists and is ours.
  Result<void> create_bucket(const std::string& bucket);

  const Config& config() const { return m_config; }

 private:
  struct Call;
  Result<net::HttpResponse> send(const Call& call);

  Config m_config;
  net::HttpTransport& m_transport;
  util::Clock& m_clock;
};

// "s3://bucket/key" for messages and manifests.
std::string s3_uri(const std::string& bucket, const std::string& key);

}  // namespace ghtraffic::aws
