// An export Sink that uploads to S3: each file to s3://BUCKET/PREFIX/<relative path>, then,
// for the csv format, the QuickSight manifests under PREFIX/manifests/. Manifests are
// written only after every data file uploaded, so a failed export never publishes
// manifests, and the previous ones stay in place.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "ghtraffic/aws/s3.hpp"
#include "ghtraffic/export/sink.hpp"

namespace ghtraffic::exports {

struct S3Destination {
  std::string bucket;
  std::string prefix;  // without leading or trailing '/'; may be empty
};

// Nothing when url is not an s3:// URL; "s3://" without a bucket is a util::Error.
std::optional<S3Destination> parse_s3_url(std::string_view url);

// PREFIX/relative_path, or relative_path when there is no prefix.
std::string object_key(const S3Destination& destination, const std::string& relative_path);

// "text/csv; charset=utf-8" for .csv, "application/json" for .json.
std::string content_type_for(const std::string& relative_path);

std::unique_ptr<Sink> make_s3_sink(aws::S3Client& client, S3Destination destination,
                                   bool quicksight_manifests);

// The same with credentials, region and endpoint from the environment, over libcurl.
std::unique_ptr<Sink> make_s3_sink_from_environment(S3Destination destination,
                                                    bool quicksight_manifests);

}  // namespace ghtraffic::exports
