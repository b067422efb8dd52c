#include "ghtraffic/export/s3_sink.hpp"

#include <fmt/format.h>

#include <set>

#include "ghtraffic/export/manifest.hpp"
#include "ghtraffic/net/transport.hpp"
#include "ghtraffic/util/error.hpp"
#include "ghtraffic/util/log.hpp"

namespace ghtraffic::exports {
namespace {

class S3Sink : public Sink {
 public:
  S3Sink(aws::S3Client& client, S3Destination destination, bool manifests)
      : m_client(client), m_destination(std::move(destination)), m_manifests(manifests) {}

  void write(const std::string& relative_path, const std::string& content) override {
    check_relative_path(relative_path);
    upload(relative_path, content, "no manifest was written, so QuickSight still reads");
    m_written.insert(relative_path);
  }

  void finish() override {
    if (!m_manifests) {
      return;
    }
    for (const auto& entry : quicksight_manifests()) {
      if (!m_written.contains(entry.data_path)) {
        continue;
      }
      auto uri = aws::s3_uri(m_destination.bucket, object_key(m_destination, entry.data_path));
      upload(entry.manifest_path, quicksight_manifest({uri}), "the other manifests still read");
    }
  }

 private:
  void upload(const std::string& relative_path, const std::string& content,
              std::string_view consequence) {
    auto key = object_key(m_destination, relative_path);
    auto result =
        m_client.put_object(m_destination.bucket, key, content, content_type_for(relative_path));
    if (!result) {
      throw util::Error(
          fmt::format("{}. The export stopped there; {} the files as they were "
                      "before this export except those already uploaded. Run "
                      "the export again once fixed.",
                      result.error().message, consequence));
    }
    util::log_verbose("uploaded {}", aws::s3_uri(m_destination.bucket, key));
  }

  aws::S3Client& m_client;
  S3Destination m_destination;
  bool m_manifests;
  std::set<std::string> m_written;
};

// Owns the transport and the client that the sink writes through.
class OwningS3Sink final : public Sink {
 public:
  OwningS3Sink(S3Destination destination, bool manifests)
      : m_transport(net::make_curl_transport()),
        m_client(aws::S3Client::config_from_environment(), *m_transport),
        m_sink(m_client, std::move(destination), manifests) {}

  void write(const std::string& relative_path, const std::string& content) override {
    m_sink.write(relative_path, content);
  }
  void finish() override { m_sink.finish(); }

 private:
  std::unique_ptr<net::HttpTransport> m_transport;
  aws::S3Client m_client;
  S3Sink m_sink;
};

}  // namespace

std::optional<S3Destination> parse_s3_url(std::string_view url) {
  constexpr std::string_view k_scheme = "s3://";
  if (!url.starts_with(k_scheme)) {
    return std::nullopt;
  }
  auto rest = url.substr(k_scheme.size());
  auto slash = rest.find('/');
  S3Destination destination;
  destination.bucket = std::string(rest.substr(0, slash));
  if (slash != std::string_view::npos) {
    auto prefix = rest.substr(slash + 1);
    while (!prefix.empty() && prefix.back() == '/') {
      prefix.remove_suffix(1);
    }
    destination.prefix = std::string(prefix);
  }
  if (destination.bucket.empty()) {
    throw util::Error("\"{}\" names no bucket; write it as s3://BUCKET or s3://BUCKET/PREFIX", url);
  }
  if (destination.prefix.find("//") != std::string::npos || destination.prefix.starts_with("/")) {
    throw util::Error(
        "the prefix in \"{}\" has an empty folder (\"//\"); write it as "
        "s3://BUCKET/PREFIX",
        url);
  }
  return destination;
}

std::string object_key(const S3Destination& destination, const std::string& relative_path) {
  return destination.prefix.empty() ? relative_path : destination.prefix + "/" + relative_path;
}

std::string content_type_for(const std::string& relative_path) {
  if (relative_path.ends_with(".csv")) {
    return "text/csv; charset=utf-8";
  }
  if (relative_path.ends_with(".json")) {
    return "application/json";
  }
  return "application/octet-stream";
}

std::unique_ptr<Sink> make_s3_sink(aws::S3Client& client, S3Destination destination,
                                   bool quicksight_manifests) {
  return std::make_unique<S3Sink>(client, std::move(destination), quicksight_manifests);
}

std::unique_ptr<Sink> make_s3_sink_from_environment(S3Destination destination,
                                                    bool quicksight_manifests) {
  return std::make_unique<OwningS3Sink>(std::move(destination), quicksight_manifests);
}

}  // namespace ghtraffic::exports
