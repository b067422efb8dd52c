#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "aws_test_support.hpp"
#include "fake_transport.hpp"
#include "ghtraffic/aws/client.hpp"
#include "ghtraffic/aws/request.hpp"
#include "ghtraffic/util/error.hpp"
#include "ghtraffic/util/redact.hpp"

namespace ghtraffic::aws {
namespace {

namespace fs = std::filesystem;
using testing::EnvGuard;
using testing::FakeTransport;
using testing::http_response;
using namespace std::chrono_literals;

constexpr const char* k_secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

fs::path write_temp(const std::string& name, const std::string& content) {
  auto dir = fs::temp_directory_path() / ("ghtraffic-aws-unit-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  auto path = dir / name;
  std::ofstream(path) << content;
  return path;
}

TEST(aws_credentials, come_from_the_environment_first_and_are_registered_as_secrets) {
  EnvGuard env;
  env.clear_aws();
  env.set("AWS_ACCESS_KEY_ID", "AKIDENVIRONMENT");
  env.set("AWS_SECRET_ACCESS_KEY", k_secret);
  env.set("AWS_SESSION_TOKEN", "SESSIONTOKENVALUE");
  env.set("AWS_SHARED_CREDENTIALS_FILE", write_temp("creds-env",
                                                    "[default]\naws_access_key_id=FROMFILE\n"
                                                    "aws_secret_access_key=FILESECRET\n")
                                             .string());
  auto creds = load_credentials();
  EXPECT_EQ(creds.access_key_id, "AKIDENVIRONMENT");
  EXPECT_EQ(creds.secret_access_key, k_secret);
  EXPECT_EQ(creds.session_token, "SESSIONTOKENVALUE");
  auto scrubbed = util::scrub(std::string("key ") + k_secret + " token SESSIONTOKENVALUE");
  EXPECT_EQ(scrubbed.find(k_secret), std::string::npos);
  EXPECT_EQ(scrubbed.find("SESSIONTOKENVALUE"), std::string::npos);
}

TEST(aws_credentials, come_from_the_shared_file_for_the_profile_in_aws_profile) {
  EnvGuard env;
  env.clear_aws();
  auto file = write_temp("creds-profile",
                         "# comment\n[default]\naws_access_key_id = DEFAULTID\n"
                         "aws_secret_access_key = DEFAULTSECRET\n\n[work]\n"
                         "aws_access_key_id = WORKID\naws_secret_access_key = WORKSECRET\n"
                         "aws_session_token = WORKTOKEN\n");
  env.set("AWS_SHARED_CREDENTIALS_FILE", file.string());
  env.set("AWS_CONFIG_FILE", (file.string() + ".missing"));
  EXPECT_EQ(load_credentials().access_key_id, "DEFAULTID");
  env.set("AWS_PROFILE", "work");
  auto creds = load_credentials();
  EXPECT_EQ(creds.access_key_id, "WORKID");
  EXPECT_EQ(creds.secret_access_key, "WORKSECRET");
  EXPECT_EQ(creds.session_token, "WORKTOKEN");
}

TEST(aws_credentials, fall_back_to_the_config_file_profile_section) {
  EnvGuard env;
  env.clear_aws();
  env.set("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials");
  env.set("AWS_CONFIG_FILE", write_temp("config",
                                        "[profile ops]\nregion = eu-west-1\n"
                                        "aws_access_key_id = OPSID\n"
                                        "aws_secret_access_key = OPSSECRET\n")
                                 .string());
  env.set("AWS_PROFILE", "ops");
  EXPECT_EQ(load_credentials().access_key_id, "OPSID");
  EXPECT_EQ(resolve_region(std::nullopt), "eu-west-1");
}

TEST(aws_credentials, missing_everywhere_is_an_error_that_says_where_it_looked) {
  EnvGuard env;
  env.clear_aws();
  env.set("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials");
  env.set("AWS_CONFIG_FILE", "/nonexistent/config");
  env.set("AWS_PROFILE", "nobody");
  try {
    load_credentials();
    FAIL() << "expected an error";
  } catch (const util::Error& e) {
    std::string what = e.what();
    EXPECT_NE(what.find("/nonexistent/credentials"), std::string::npos) << what;
    EXPECT_NE(what.find("\"nobody\""), std::string::npos) << what;
    EXPECT_NE(what.find("AWS_ACCESS_KEY_ID"), std::string::npos) << what;
  }
}

TEST(aws_credentials, a_key_id_without_its_secret_is_an_error) {
  EnvGuard env;
  env.clear_aws();
  env.set("AWS_ACCESS_KEY_ID", "AKIDONLY");
  EXPECT_THROW(load_credentials(), util::Error);
}

TEST(aws_region, prefers_the_explicit_one_then_aws_region_then_aws_default_region) {
  EnvGuard env;
  env.clear_aws();
  env.set("AWS_CONFIG_FILE", "/nonexistent/config");
  EXPECT_THROW(resolve_region(std::nullopt), util::Error);
  env.set("AWS_DEFAULT_REGION", "us-west-2");
  EXPECT_EQ(resolve_region(std::nullopt), "us-west-2");
  env.set("AWS_REGION", "eu-central-1");
  EXPECT_EQ(resolve_region(std::nullopt), "eu-central-1");
  EXPECT_EQ(resolve_region("ap-south-1"), "ap-south-1");
}

TEST(aws_endpoint, follows_the_sdk_variables_then_the_regional_endpoint) {
  EnvGuard env;
  env.clear_aws();
  auto regional = resolve_endpoint("dynamodb", "eu-west-1");
  EXPECT_EQ(regional.url, "https://dynamodb.eu-west-1.amazonaws.com");
  EXPECT_FALSE(regional.custom);
  EXPECT_EQ(resolve_endpoint("s3", "cn-north-1").url, "https://s3.cn-north-1.amazonaws.com.cn");
  env.set("AWS_ENDPOINT_URL", "http://127.0.0.1:4566/");
  EXPECT_EQ(resolve_endpoint("ssm", "eu-west-1").url, "http://127.0.0.1:4566");
  EXPECT_TRUE(resolve_endpoint("ssm", "eu-west-1").custom);
  env.set("AWS_ENDPOINT_URL_S3", "http://127.0.0.1:5000");
  EXPECT_EQ(resolve_endpoint("s3", "eu-west-1").url, "http://127.0.0.1:5000");
  EXPECT_EQ(resolve_endpoint("dynamodb", "eu-west-1").url, "http://127.0.0.1:4566");
  env.set("AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:8000");
  EXPECT_EQ(resolve_endpoint("dynamodb", "eu-west-1").url, "http://127.0.0.1:8000");
}

TEST(aws_backoff, is_full_jitter_capped) {
  RetryPolicy policy{5, 100ms, 1000ms};
  EXPECT_EQ(backoff_delay(policy, 0, 0.0), 0ms);
  EXPECT_EQ(backoff_delay(policy, 0, 0.5), 50ms);
  EXPECT_EQ(backoff_delay(policy, 2, 0.5), 200ms);
  EXPECT_EQ(backoff_delay(policy, 10, 0.999), 999ms);
  EXPECT_EQ(backoff_delay(policy, 60, 0.5), 500ms);
}

class aws_json_client : public ::testing::Test {
 protected:
  aws_json_client()
      : m_clock(*util::parse_iso8601("2024-03-01T10:00:00Z")), m_transport(&m_clock) {}

  JsonServiceClient make() {
    JsonServiceClient::Config config{"dynamodb",
                                     "DynamoDB_20120810",
                                     "application/x-amz-json-1.0",
                                     "us-east-1",
                                     {"http://127.0.0.1:8000", true},
                                     {"AKIDTESTCLIENT", k_secret, ""},
                                     {4, 100ms, 2000ms}};
    return JsonServiceClient(config, m_transport, m_clock);
  }

  util::ManualClock m_clock;
  FakeTransport m_transport;
};

TEST_F(aws_json_client, posts_a_signed_json_request_with_the_target_header) {
  m_transport.add("127.0.0.1:8000", http_response(200, R"({"Table":{"TableStatus":"ACTIVE"}})"));
  auto client = make();
  auto result = client.call("DescribeTable", {{"TableName", "days"}});
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_EQ((*result)["Table"]["TableStatus"], "ACTIVE");
  auto sent = m_transport.requests().at(0);
  EXPECT_EQ(sent.method, "POST");
  EXPECT_EQ(sent.url, "http://127.0.0.1:8000/");
  EXPECT_EQ(sent.headers.at("X-Amz-Target"), "DynamoDB_20120810.DescribeTable");
  EXPECT_EQ(sent.headers.at("Content-Type"), "application/x-amz-json-1.0");
  EXPECT_EQ(sent.headers.at("Host"), "127.0.0.1:8000");
  EXPECT_EQ(sent.headers.at("X-Amz-Date"), "20240301T100000Z");
  EXPECT_TRUE(sent.headers.at("Authorization")
                  .starts_with("AWS4-HMAC-SHA256 Credential=AKIDTESTCLIENT/20240301/us-east-1/"
                               "dynamodb/aws4_request, SignedHeaders=content-type;host;"
                               "x-amz-date;x-amz-target, Signature="))
      << sent.headers.at("Authorization");
  EXPECT_EQ(nlohmann::json::parse(sent.body), (nlohmann::json{{"TableName", "days"}}));
}

TEST_F(aws_json_client, retries_throttling_and_server_errors_with_backoff) {
  m_transport.add(
      "127.0.0.1",
      http_response(
          400,
          R"({"__type":"com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException","message":"slow down"})"));
  m_transport.add("127.0.0.1", http_response(500, R"({"__type":"InternalServerError"})"));
  m_transport.add("127.0.0.1", testing::transport_failure(net::TransportError::reset));
  m_transport.add("127.0.0.1", http_response(200, "{}"));
  auto client = make();
  auto result = client.call("PutItem", {{"TableName", "days"}});
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_EQ(m_transport.requests().size(), 4u);
  EXPECT_LE(m_clock.slept(), 100ms + 200ms + 400ms);
}

TEST_F(aws_json_client, gives_up_after_the_last_attempt_and_says_so) {
  m_transport.always(
      "127.0.0.1",
      http_response(
          400,
          R"({"__type":"com.amazonaws.dynamodb.v20120810#ThrottlingException","message":"Rate exceeded"})"));
  auto client = make();
  auto result = client.call("Query", {{"TableName", "days"}});
  ASSERT_FALSE(result);
  EXPECT_EQ(m_transport.requests().size(), 4u);
  EXPECT_EQ(result.error().code, "ThrottlingException");
  EXPECT_TRUE(result.error().retryable);
  EXPECT_NE(result.error().message.find("gave up after 4 attempts"), std::string::npos)
      << result.error().message;
  EXPECT_NE(result.error().message.find("Rate exceeded"), std::string::npos);
}

TEST_F(aws_json_client, access_denied_names_the_permission_and_the_resource) {
  m_transport.add(
      "127.0.0.1",
      http_response(
          400,
          R"({"__type":"com.amazonaws.dynamodb.v20120810#AccessDeniedException","Message":"User: arn:aws:iam::123:user/x is not authorized"})"));
  auto client = make();
  auto result = client.call("PutItem", {{"TableName", "ghtraffic-days"}});
  ASSERT_FALSE(result);
  EXPECT_FALSE(result.error().retryable);
  EXPECT_EQ(m_transport.requests().size(), 1u);
  EXPECT_EQ(result.error().code, "AccessDeniedException");
  EXPECT_EQ(result.error().status, 400);
  const auto& message = result.error().message;
  EXPECT_NE(message.find("DynamoDB PutItem on table ghtraffic-days failed"), std::string::npos)
      << message;
  EXPECT_NE(message.find("is not authorized"), std::string::npos) << message;
  EXPECT_NE(message.find("lacks permission for dynamodb:PutItem on table ghtraffic-days"),
            std::string::npos)
      << message;
}

TEST_F(aws_json_client, resource_not_found_suggests_the_name_and_region) {
  m_transport.add(
      "127.0.0.1",
      http_response(
          400,
          R"({"__type":"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException","message":"Requested resource not found"})"));
  auto client = make();
  auto result = client.call("GetItem", {{"TableName", "nope"}});
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, "ResourceNotFoundException");
  EXPECT_NE(result.error().message.find("check the name and the region (us-east-1)"),
            std::string::npos)
      << result.error().message;
}

TEST_F(aws_json_client, never_puts_a_key_or_signature_in_an_error) {
  m_transport.add("127.0.0.1", [&] {
    return http_response(
        400, nlohmann::json{{"__type", "InvalidSignatureException"},
                            {"message", std::string("echo ") + k_secret +
                                            " Signature=0123456789abcdef0123456789abcdef"}}
                 .dump());
  }());
  auto client = make();
  auto result = client.call("PutItem", {{"TableName", "t"}});
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().message.find(k_secret), std::string::npos) << result.error().message;
  EXPECT_EQ(result.error().message.find("0123456789abcdef0123"), std::string::npos);
  EXPECT_NE(result.error().message.find("check the AWS credentials"), std::string::npos);
}

TEST_F(aws_json_client, a_transport_failure_names_the_endpoint_and_what_to_check) {
  m_transport.always("127.0.0.1",
                     testing::transport_failure(net::TransportError::connect, "refused"));
  auto client = make();
  auto result = client.call("PutItem", {{"TableName", "t"}});
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().status, 0);
  EXPECT_NE(result.error().message.find("http://127.0.0.1:8000"), std::string::npos);
  EXPECT_NE(result.error().message.find("AWS_ENDPOINT_URL_DYNAMODB"), std::string::npos)
      << result.error().message;
}

}  // namespace
}  // namespace ghtraffic::aws
