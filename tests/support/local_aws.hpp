// Local AWS-compatible servers for tests: s3rver (S3) and dynalite (DynamoDB) from the
// project's node_modules, each started as a child process on a free loopback port and
// stopped when the object goes away. A missing binary is a test failure that says to run
// scripts/setup, never a silent skip.
#pragma once

#include <memory>
#include <string>
#include <vector>

namespace ghtraffic::testing {

class LocalAwsServer {
 public:
  // s3rver checks SigV4 signatures against this key pair.
  static constexpr const char* k_s3rver_access_key = "S3RVER";
  static constexpr const char* k_s3rver_secret_key = "S3RVER";

  // In-memory dynalite; tables become ACTIVE at once unless extra_args say otherwise
  // (extra_args replace the default "--createTableMs 0 --deleteTableMs 0 --updateTableMs 0").
  static LocalAwsServer dynalite();
  static LocalAwsServer dynalite(const std::vector<std::string>& extra_args);

  // s3rver over a fresh data folder, with these buckets created at start.
  static LocalAwsServer s3rver();
  static LocalAwsServer s3rver(const std::vector<std::string>& buckets);

  LocalAwsServer(LocalAwsServer&&) noexcept;
  LocalAwsServer& operator=(LocalAwsServer&&) noexcept;
  LocalAwsServer(const LocalAwsServer&) = delete;
  LocalAwsServer& operator=(const LocalAwsServer&) = delete;
  ~LocalAwsServer();

  std::string endpoint() const;  // http://127.0.0.1:PORT
  int port() const;
  // The folder s3rver keeps its objects in (empty for dynalite).
  std::string data_dir() const;
  // Stops the server now (the endpoint then refuses connections); idempotent.
  void stop();
  // What the server printed, for failure messages.
  std::string output() const;

 private:
  struct Impl;
  explicit LocalAwsServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> m_impl;
};

// ${GHTRAFFIC_SOURCE_DIR}/node_modules/.bin
std::string node_bin_dir();

}  // namespace ghtraffic::testing
