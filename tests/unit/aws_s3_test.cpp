#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "fake_transport.hpp"
#include "ghtraffic/aws/s3.hpp"
#include "ghtraffic/export/manifest.hpp"
#include "ghtraffic/export/s3_sink.hpp"
#include "ghtraffic/util/error.hpp"

namespace ghtraffic {
namespace {

using testing::FakeTransport;
using testing::http_response;
using namespace std::chrono_literals;

class aws_s3 : public ::testing::Test {
 protected:
  aws_s3() : m_clock(*util::parse_iso8601("2024-05-24T00:00:00Z")), m_transport(&m_clock) {}

  aws::S3Client make(aws::Endpoint endpoint) {
    return aws::S3Client(
        {"eu-west-1", std::move(endpoint), {"AKIDS3UNIT", "s3-unit-secret", ""}, {3, 10ms, 100ms}},
        m_transport, m_clock);
  }

  util::ManualClock m_clock;
  FakeTransport m_transport;
};

TEST_F(aws_s3, uses_virtual_hosted_urls_on_aws_and_path_style_on_a_custom_endpoint) {
  m_transport.always("amazonaws.com", http_response(200, ""));
  m_transport.always("127.0.0.1", http_response(200, ""));
  auto aws_client = make({"https://s3.eu-west-1.amazonaws.com", false});
  ASSERT_TRUE(aws_client.put_object("bucket", "a b/c+d.csv", "x", "text/csv"));
  ASSERT_TRUE(aws_client.put_object("dotted.bucket", "k", "x", "text/csv"));
  auto local = make({"http://127.0.0.1:4568", true});
  ASSERT_TRUE(local.put_object("bucket", "a b/c+d.csv", "x", "text/csv"));

  auto sent = m_transport.requests();
  ASSERT_EQ(sent.size(), 3u);
  EXPECT_EQ(sent[0].url, "https://bucket.s3.eu-west-1.amazonaws.com/a%20b/c%2Bd.csv");
  EXPECT_EQ(sent[0].headers.at("Host"), "bucket.s3.eu-west-1.amazonaws.com");
  EXPECT_EQ(sent[1].url, "https://s3.eu-west-1.amazonaws.com/dotted.bucket/k");
  EXPECT_EQ(sent[2].url, "http://127.0.0.1:4568/bucket/a%20b/c%2Bd.csv");
  EXPECT_EQ(sent[2].method, "PUT");
  EXPECT_EQ(sent[2].headers.at("x-amz-content-sha256"),
            "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881");
  EXPECT_TRUE(sent[2]
                  .headers.at("Authorization")
                  .starts_with("AWS4-HMAC-SHA256 Credential=AKIDS3UNIT/20240524/eu-west-1/s3/"
                               "aws4_request, SignedHeaders=content-type;host;"
                               "x-amz-content-sha256;x-amz-date, Signature="));
}

TEST_F(aws_s3, xml_errors_name_the_object_and_the_permission) {
  m_transport.add("127.0.0.1", http_response(403, R"(<?xml version="1.0" encoding="UTF-8"?>
<Error><Code>AccessDenied</Code><Message>Access Denied</Message><RequestId>1</RequestId></Error>)"));
  auto client = make({"http://127.0.0.1:4568", true});
  auto result = client.put_object("bucket", "traffic/daily.csv", "x", "text/csv");
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, "AccessDenied");
  EXPECT_FALSE(result.error().retryable);
  EXPECT_EQ(result.error().message,
            "S3 PutObject of s3://bucket/traffic/daily.csv failed: AccessDenied: Access Denied — "
            "the IAM identity lacks permission for s3:PutObject on "
            "arn:aws:s3:::bucket/traffic/daily.csv; allow it in the policy of the role or user "
            "whose credentials are in use");
}

TEST_F(aws_s3, retries_slow_down_and_server_errors) {
  m_transport.add("127.0.0.1", http_response(503, "<Error><Code>SlowDown</Code></Error>"));
  m_transport.add("127.0.0.1", http_response(500, "<Error><Code>InternalError</Code></Error>"));
  m_transport.add("127.0.0.1", http_response(200, "hello"));
  auto client = make({"http://127.0.0.1:4568", true});
  auto result = client.get_object("bucket", "k");
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_EQ(*result, "hello");
  EXPECT_EQ(m_transport.requests().size(), 3u);
}

TEST_F(aws_s3, a_bucket_in_another_region_says_which_region) {
  m_transport.add("127.0.0.1", http_response(301, "<Error><Code>PermanentRedirect</Code></Error>",
                                             {{"x-amz-bucket-region", "us-west-2"}}));
  auto client = make({"http://127.0.0.1:4568", true});
  auto result = client.get_object("bucket", "k");
  ASSERT_FALSE(result);
  EXPECT_NE(result.error().message.find("set AWS_REGION=us-west-2"), std::string::npos)
      << result.error().message;
}

TEST_F(aws_s3, lists_every_page_with_continuation_tokens) {
  m_transport.add("continuation-token=t%2B1", http_response(200, R"(<ListBucketResult>
<IsTruncated>false</IsTruncated><Contents><Key>p/c.csv</Key></Contents></ListBucketResult>)"));
  m_transport.add("list-type=2", http_response(200, R"(<ListBucketResult>
<IsTruncated>true</IsTruncated><NextContinuationToken>t+1</NextContinuationToken>
<Contents><Key>p/b&amp;x.csv</Key></Contents><Contents><Key>p/a.csv</Key></Contents>
</ListBucketResult>)"));
  auto client = make({"http://127.0.0.1:4568", true});
  auto keys = client.list_objects("bucket", "p/");
  ASSERT_TRUE(keys) << keys.error().message;
  EXPECT_EQ(*keys, (std::vector<std::string>{"p/a.csv", "p/b&x.csv", "p/c.csv"}));
  EXPECT_EQ(m_transport.requests().at(0).url,
            "http://127.0.0.1:4568/bucket?list-type=2&prefix=p%2F");
}

TEST(aws_s3_sink, parses_s3_urls) {
  EXPECT_FALSE(exports::parse_s3_url("traffic/"));
  auto d = exports::parse_s3_url("s3://bucket/a/b/");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->bucket, "bucket");
  EXPECT_EQ(d->prefix, "a/b");
  EXPECT_EQ(exports::object_key(*d, "daily.csv"), "a/b/daily.csv");
  auto bare = exports::parse_s3_url("s3://bucket");
  ASSERT_TRUE(bare);
  EXPECT_EQ(exports::object_key(*bare, "daily.csv"), "daily.csv");
  EXPECT_THROW(exports::parse_s3_url("s3:///x"), util::Error);
  EXPECT_THROW(exports::parse_s3_url("s3://b/x//y"), util::Error);
}

TEST(aws_s3_sink, manifests_use_quicksight_field_names_and_string_values) {
  auto manifest = nlohmann::json::parse(exports::quicksight_manifest({"s3://b/p/daily.csv"}));
  EXPECT_EQ(manifest, nlohmann::json::parse(R"({
    "fileLocations": [{"URIs": ["s3://b/p/daily.csv"]}],
    "globalUploadSettings": {"format": "CSV", "delimiter": ",", "textqualifier": "\"",
                             "containsHeader": "true"}})"));
  ASSERT_EQ(exports::quicksight_manifests().size(), 3u);
  EXPECT_EQ(exports::quicksight_manifests()[0].manifest_path, "manifests/daily.json");
  EXPECT_EQ(exports::quicksight_manifests()[2].data_path, "referrers.csv");
}

TEST_F(aws_s3, the_sink_writes_manifests_only_at_finish_and_only_for_csv) {
  m_transport.always("127.0.0.1", http_response(200, ""));
  auto client = make({"http://127.0.0.1:4568", true});
  auto sink = exports::make_s3_sink(client, {"b", "p"}, true);
  sink->write("daily.csv", "repo,date\n");
  sink->write("paths.csv", "repo\n");
  EXPECT_EQ(m_transport.requests().size(), 2u);
  sink->finish();
  auto sent = m_transport.requests();
  ASSERT_EQ(sent.size(), 4u);  // no referrers.csv was written, so no manifest for it
  EXPECT_EQ(sent[2].url, "http://127.0.0.1:4568/b/p/manifests/daily.json");
  EXPECT_EQ(sent[2].headers.at("Content-Type"), "application/json");
  EXPECT_NE(sent[2].body.find("s3://b/p/daily.csv"), std::string::npos);
  EXPECT_EQ(sent[3].url, "http://127.0.0.1:4568/b/p/manifests/paths.json");

  auto seed = exports::make_s3_sink(client, {"b", "s"}, false);
  seed->write("octo/alpha/top_paths/top_paths.csv", "x\n");
  seed->finish();
  EXPECT_EQ(m_transport.requests().size(), 5u);
}

}  // namespace
}  // namespace ghtraffic
