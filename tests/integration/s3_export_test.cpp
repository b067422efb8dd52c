// Exports to S3 against a real S3-compatible server (s3rver) on loopback.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "ghtraffic/aws/s3.hpp"
#include "ghtraffic/export/export.hpp"
#include "ghtraffic/export/manifest.hpp"
#include "ghtraffic/export/s3_sink.hpp"
#include "ghtraffic/net/transport.hpp"
#include "ghtraffic/store/store.hpp"
#include "ghtraffic/util/error.hpp"
#include "process.hpp"
#include "support/local_aws.hpp"

namespace ghtraffic {
namespace {

namespace fs = std::filesystem;
using testing::LocalAwsServer;
using namespace std::chrono_literals;

constexpr const char* k_bucket = "traffic";

util::Timestamp at(const char* text) {
  return *util::parse_iso8601(text);
}

core::RepoObservation observation(const char* observed_at, std::int64_t bump) {
  core::RepoObservation o;
  o.meta.id = 4242;
  o.meta.full_name = "octo-org/alpha";
  o.meta.stars = 7 + bump;
  o.meta.visibility = "public";
  o.observed_at = at(observed_at);
  o.names = {"octo-org/alpha"};
  core::TrafficWindow views;
  views.kind = core::TrafficKind::views;
  views.observed_at = o.observed_at;
  auto day = std::chrono::floor<std::chrono::days>(o.observed_at);
  views.days = {{day - std::chrono::days{2}, 10 + bump, 3}, {day, 4 + bump, 2}};
  views.count = 14 + 2 * bump;
  views.uniques = 4;
  o.views = views;
  o.paths = core::PathSnapshot{o.observed_at, {{"/octo-org/alpha", "Alpha, \"the\" one", 9, 4}}};
  o.referrers = core::ReferrerSnapshot{o.observed_at, {{"github.com", 5 + bump, 2}}};
  return o;
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

std::map<std::string, std::string> read_tree(const fs::path& root) {
  std::map<std::string, std::string> files;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    if (entry.is_regular_file()) {
      files[fs::relative(entry.path(), root).generic_string()] = read_file(entry.path());
    }
  }
  return files;
}

// Lets a number of PUTs through to the real transport, then fails every further PUT as a
// dropped connection would.
class FailingPuts final : public net::HttpTransport {
 public:
  FailingPuts(net::HttpTransport& inner, int puts_allowed) : m_inner(inner), m_left(puts_allowed) {}
  net::HttpResponse send(const net::HttpRequest& request) override {
    if (request.method == "PUT" && m_left.fetch_sub(1) <= 0) {
      net::HttpResponse failed;
      failed.error = net::TransportError::reset;
      failed.error_message = "connection reset by peer";
      return failed;
    }
    return m_inner.send(request);
  }

 private:
  net::HttpTransport& m_inner;
  std::atomic<int> m_left;
};

class s3_export : public ::testing::Test {
 protected:
  s3_export()
      : m_server(LocalAwsServer::s3rver({k_bucket})),
        m_transport(net::make_curl_transport()),
        m_client(config(), *m_transport) {
    m_store_url = "sqlite:" + testing::scratch_dir("s3-store") + "/ghtraffic.db";
    auto store = store::make_store(m_store_url);
    store->commit(observation("2026-03-01T08:00:00Z", 0));
  }

  aws::S3Client::Config config() const {
    aws::S3Client::Config c;
    c.region = "us-east-1";
    c.endpoint = {m_server.endpoint(), true};
    c.credentials = {LocalAwsServer::k_s3rver_access_key, LocalAwsServer::k_s3rver_secret_key, ""};
    c.retry = {3, 10ms, 50ms};
    return c;
  }

  std::map<std::string, std::string> local_export(exports::ExportOptions::Format format) {
    auto dir = testing::scratch_dir("local-export");
    auto store = store::make_store(m_store_url, {.read_only = true});
    auto sink = exports::make_directory_sink(dir);
    exports::ExportOptions options;
    options.format = format;
    exports::export_store(*store, options, *sink);
    return read_tree(dir);
  }

  void s3_export_to(aws::S3Client& client, const std::string& prefix,
                    exports::ExportOptions::Format format) {
    auto store = store::make_store(m_store_url, {.read_only = true});
    auto sink = exports::make_s3_sink(client, {k_bucket, prefix},
                                      format == exports::ExportOptions::Format::csv);
    exports::ExportOptions options;
    options.format = format;
    exports::export_store(*store, options, *sink);
  }

  std::map<std::string, std::string> remote_tree(const std::string& prefix) {
    auto keys = m_client.list_objects(k_bucket, prefix + "/");
    EXPECT_TRUE(keys) << keys.error().message;
    std::map<std::string, std::string> files;
    for (const auto& key : keys.value_or(std::vector<std::string>{})) {
      auto body = m_client.get_object(k_bucket, key);
      EXPECT_TRUE(body) << body.error().message;
      files[key.substr(prefix.size() + 1)] = body.value_or("");
    }
    return files;
  }

  LocalAwsServer m_server;
  std::unique_ptr<net::HttpTransport> m_transport;
  aws::S3Client m_client;
  std::string m_store_url;
};

TEST_F(s3_export, csv_objects_are_byte_identical_to_a_local_export_plus_three_manifests) {
  auto local = local_export(exports::ExportOptions::Format::csv);
  s3_export_to(m_client, "exports/ghtraffic", exports::ExportOptions::Format::csv);
  auto remote = remote_tree("exports/ghtraffic");

  for (const auto& [path, content] : local) {
    ASSERT_TRUE(remote.contains(path)) << path;
    EXPECT_EQ(remote.at(path), content) << path;
  }
  for (const auto& entry : exports::quicksight_manifests()) {
    ASSERT_TRUE(remote.contains(entry.manifest_path)) << entry.manifest_path;
    ASSERT_TRUE(local.contains(entry.data_path)) << entry.data_path;
    auto manifest = nlohmann::json::parse(remote.at(entry.manifest_path));
    EXPECT_EQ(manifest["fileLocations"],
              nlohmann::json::parse(R"([{"URIs":["s3://traffic/exports/ghtraffic/)" +
                                    entry.data_path + R"("]}])"));
    EXPECT_EQ(manifest["globalUploadSettings"],
              nlohmann::json::parse(R"({"format":"CSV","delimiter":",","textqualifier":"\"",)"
                                    R"("containsHeader":"true"})"));
  }
  EXPECT_EQ(remote.size(), local.size() + 3);

  auto head = m_client.head_object(k_bucket, "exports/ghtraffic/daily.csv");
  ASSERT_TRUE(head && *head);
  EXPECT_EQ((*head)->content_type, "text/csv; charset=utf-8");
}

TEST_F(s3_export, seed_and_json_formats_upload_the_files_without_manifests) {
  for (auto format : {exports::ExportOptions::Format::seed, exports::ExportOptions::Format::json}) {
    auto prefix = std::string("fmt-") + std::string(exports::to_string(format));
    auto local = local_export(format);
    s3_export_to(m_client, prefix, format);
    EXPECT_EQ(remote_tree(prefix), local) << prefix;
  }
}

TEST_F(s3_export, a_failed_upload_publishes_no_manifest_and_leaves_the_previous_ones) {
  s3_export_to(m_client, "p", exports::ExportOptions::Format::csv);
  auto before = remote_tree("p");
  // Mark the published manifests so that any rewrite would show.
  for (const auto& entry : exports::quicksight_manifests()) {
    ASSERT_TRUE(m_client.put_object(k_bucket, "p/" + entry.manifest_path, "previous manifest",
                                    "application/json"));
  }
  {
    auto store = store::make_store(m_store_url);
    store->commit(observation("2026-03-02T08:00:00Z", 5));
  }

  FailingPuts failing(*m_transport, 1);
  aws::S3Client client(config(), failing);
  try {
    s3_export_to(client, "p", exports::ExportOptions::Format::csv);
    FAIL() << "the export should have failed";
  } catch (const util::Error& e) {
    std::string what = e.what();
    EXPECT_NE(what.find("S3 PutObject of s3://traffic/p/"), std::string::npos) << what;
    EXPECT_NE(what.find("gave up after 3 attempts"), std::string::npos) << what;
  }

  auto after = remote_tree("p");
  for (const auto& entry : exports::quicksight_manifests()) {
    EXPECT_EQ(after.at(entry.manifest_path), "previous manifest") << entry.manifest_path;
  }
  // Only the first file was replaced; every later one is still the previous export's.
  int changed = 0;
  for (const auto& [path, content] : before) {
    if (!path.starts_with("manifests/") && after.at(path) != content) {
      ++changed;
    }
  }
  EXPECT_LE(changed, 1);
}

TEST_F(s3_export, a_bucket_that_does_not_exist_is_an_error_naming_it) {
  auto store = store::make_store(m_store_url, {.read_only = true});
  auto sink = exports::make_s3_sink(m_client, {"no-such-bucket", "x"}, true);
  try {
    exports::export_store(*store, {}, *sink);
    FAIL() << "the export should have failed";
  } catch (const util::Error& e) {
    std::string what = e.what();
    EXPECT_NE(what.find("NoSuchBucket"), std::string::npos) << what;
    EXPECT_NE(what.find("\"no-such-bucket\""), std::string::npos) << what;
  }
}

TEST_F(s3_export, the_export_command_writes_to_an_s3_url) {
  auto run = testing::run_ghtraffic(
      {"export", "--store", m_store_url, "--out", "s3://traffic/cli/out", "-v"},
      {.env = {{"AWS_ACCESS_KEY_ID", LocalAwsServer::k_s3rver_access_key},
               {"AWS_SECRET_ACCESS_KEY", "S3RVER-secret-value"},
               {"AWS_REGION", "us-east-1"},
               {"AWS_ENDPOINT_URL_S3", m_server.endpoint()}},
       .kill_after = std::nullopt,
       .stdin_text = ""});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.err.find("S3RVER-secret-value"), std::string::npos);
  auto remote = remote_tree("cli/out");
  EXPECT_EQ(remote.at("daily.csv"),
            local_export(exports::ExportOptions::Format::csv).at("daily.csv"));
  EXPECT_TRUE(remote.contains("manifests/referrers.json"));
}

TEST_F(s3_export, the_export_command_explains_missing_credentials) {
  auto run =
      testing::run_ghtraffic({"export", "--store", m_store_url, "--out", "s3://traffic/cli"},
                             {.env = {{"AWS_REGION", "us-east-1"},
                                      {"AWS_ENDPOINT_URL_S3", m_server.endpoint()},
                                      {"AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials"},
                                      {"AWS_CONFIG_FILE", "/nonexistent/config"}},
                              .kill_after = std::nullopt,
                              .stdin_text = ""});
  EXPECT_EQ(run.exit_code, 2) << run.err;
  EXPECT_NE(run.err.find("no AWS credentials found"), std::string::npos) << run.err;
}

class s3_client : public s3_export {};

TEST_F(s3_client, keys_with_spaces_plus_dollar_and_non_ascii_round_trip) {
  const std::vector<std::string> keys = {"odd keys/a b+c$d.csv", "odd keys/é ü/日本.csv",
                                         "odd keys/x=1&y=2;(z)!*'.json", "odd keys/100%.csv"};
  for (const auto& key : keys) {
    auto put = m_client.put_object(k_bucket, key, "body of " + key, "text/csv");
    ASSERT_TRUE(put) << put.error().message;
  }
  auto listed = m_client.list_objects(k_bucket, "odd keys/");
  ASSERT_TRUE(listed) << listed.error().message;
  auto sorted = keys;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(*listed, sorted);
  for (const auto& key : keys) {
    auto body = m_client.get_object(k_bucket, key);
    ASSERT_TRUE(body) << body.error().message;
    EXPECT_EQ(*body, "body of " + key);
    auto head = m_client.head_object(k_bucket, key);
    ASSERT_TRUE(head && *head) << key;
    EXPECT_EQ((*head)->size, ("body of " + key).size());
  }
}

TEST_F(s3_client, a_missing_object_heads_as_nothing_and_gets_as_an_error_naming_it) {
  auto head = m_client.head_object(k_bucket, "missing.csv");
  ASSERT_TRUE(head) << head.error().message;
  EXPECT_FALSE(*head);
  auto get = m_client.get_object(k_bucket, "missing.csv");
  ASSERT_FALSE(get);
  EXPECT_EQ(get.error().code, "NoSuchKey");
  EXPECT_NE(get.error().message.find("s3://traffic/missing.csv"), std::string::npos);
}

TEST_F(s3_client, an_unknown_access_key_is_refused_with_advice_about_credentials) {
  auto c = config();
  c.credentials = {"AKIDUNKNOWNTOS3RVER", "some-secret-value", ""};
  aws::S3Client client(c, *m_transport);
  auto put = client.put_object(k_bucket, "x.csv", "x", "text/csv");
  ASSERT_FALSE(put);
  EXPECT_EQ(put.error().status, 403);
  EXPECT_NE(put.error().message.find("check the AWS credentials"), std::string::npos)
      << put.error().message;
  EXPECT_EQ(put.error().message.find("some-secret-value"), std::string::npos);
}

TEST_F(s3_client, creates_buckets_and_accepts_one_it_already_owns) {
  ASSERT_TRUE(m_client.create_bucket("fresh-bucket"));
  ASSERT_TRUE(m_client.put_object("fresh-bucket", "k", "v", "text/plain"));
  EXPECT_EQ(m_client.get_object("fresh-bucket", "k").value_or(""), "v");
}

}  // namespace
}  // namespace ghtraffic
