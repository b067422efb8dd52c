// The GitHub token from SSM Parameter Store, against a fake SSM endpoint on loopback that
// checks each request is SigV4-signed as AWS expects.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <mutex>
#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "ghtraffic/aws/sigv4.hpp"
#include "ghtraffic/aws/ssm.hpp"
#include "ghtraffic/collect/config.hpp"
#include "ghtraffic/collect/settings.hpp"
#include "ghtraffic/net/transport.hpp"
#include "ghtraffic/util/error.hpp"
#include "ghtraffic/util/redact.hpp"
#include "process.hpp"
#include "support/loopback_server.hpp"
#include "unit/aws_test_support.hpp"

namespace ghtraffic {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* k_token = "ghp_SsmStoredToken1234567890abcdefABCDEF";
constexpr const char* k_access_key = "AKIDSSMTESTKEY";
constexpr const char* k_secret_key = "ssm-test-secret-key-value";

class FakeSsm {
 public:
  FakeSsm() {
    m_server.server().Post(
        "/", [this](const httplib::Request& req, httplib::Response& res) { handle(req, res); });
    m_server.start();
  }

  std::string endpoint() const { return m_server.url(); }
  std::vector<std::string> problems() const {
    std::lock_guard lock(m_mutex);
    return m_problems;
  }
  int requests() const {
    std::lock_guard lock(m_mutex);
    return m_requests;
  }

 private:
  void problem(const std::string& text) {
    std::lock_guard lock(m_mutex);
    m_problems.push_back(text);
  }

  // Recomputes the signature from what arrived: the signed headers must have reached the
  // server unchanged and the signature must match the shared secret.
  void check_signature(const httplib::Request& req) {
    static const std::regex shape(
        R"(AWS4-HMAC-SHA256 Credential=([A-Z0-9]+)/(\d{8})/us-east-1/ssm/aws4_request, )"
        R"(SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64}))");
    auto authorization = req.get_header_value("Authorization");
    std::smatch match;
    if (!std::regex_match(authorization, match, shape)) {
      problem("Authorization header has the wrong shape: " + authorization);
      return;
    }
    if (match[1] != k_access_key) {
      problem("wrong access key id");
    }
    if (match[3] != "content-type;host;x-amz-date;x-amz-target") {
      problem("unexpected signed headers: " + match[3].str());
    }
    aws::SignableRequest signable;
    signable.method = req.method;
    signable.path = req.path;
    // X-Amz-Date is added by sign() from params.time.
    for (const auto& name : {"Content-Type", "Host", "X-Amz-Target"}) {
      signable.headers.emplace_back(name, req.get_header_value(name));
    }
    signable.body = req.body;
    aws::SigningParams params;
    params.credentials = {k_access_key, k_secret_key, ""};
    params.region = "us-east-1";
    params.service = "ssm";
    auto date = req.get_header_value("X-Amz-Date");
    params.time =
        *util::parse_iso8601(date.substr(0, 4) + "-" + date.substr(4, 2) + "-" + date.substr(6, 5) +
                             ":" + date.substr(11, 2) + ":" + date.substr(13, 3));
    if (aws::sign(signable, params).signature != match[4]) {
      problem("the signature does not verify; the server computed:\n" +
              aws::sign(signable, params).canonical_request);
    }
  }

  void handle(const httplib::Request& req, httplib::Response& res) {
    {
      std::lock_guard lock(m_mutex);
      ++m_requests;
    }
    if (req.get_header_value("X-Amz-Target") != "AmazonSSM.GetParameter") {
      problem("X-Amz-Target is " + req.get_header_value("X-Amz-Target"));
    }
    if (req.get_header_value("Content-Type") != "application/x-amz-json-1.1") {
      problem("Content-Type is " + req.get_header_value("Content-Type"));
    }
    check_signature(req);
    auto body = nlohmann::json::parse(req.body, nullptr, false);
    if (!body.is_object() || body.value("WithDecryption", false) != true) {
      problem("GetParameter without WithDecryption: " + req.body);
    }
    auto name = body.value("Name", std::string());
    auto error = [&](const char* type, const std::string& message) {
      res.status = 400;
      res.set_content(nlohmann::json{{"__type", type}, {"message", message}}.dump(),
                      "application/x-amz-json-1.1");
    };
    if (name == "/ghtraffic/token") {
      res.set_content(
          nlohmann::json{
              {"Parameter", {{"Name", name}, {"Type", "SecureString"}, {"Value", k_token}}}}
              .dump(),
          "application/x-amz-json-1.1");
    } else if (name == "/denied") {
      error("AccessDeniedException",
            "User: arn:aws:sts::123456789012:assumed-role/x is not authorized to perform: "
            "ssm:GetParameter on resource: arn:aws:ssm:us-east-1:123456789012:parameter/denied");
    } else if (name == "/kms") {
      error("AccessDeniedException",
            "User: arn:aws:sts::123456789012:assumed-role/x is not authorized to perform: "
            "kms:Decrypt on resource: arn:aws:kms:us-east-1:123456789012:key/abc");
    } else {
      error("ParameterNotFound", "");
    }
  }

  mutable std::mutex m_mutex;
  std::vector<std::string> m_problems;
  int m_requests = 0;
  ghtraffic::testing::LoopbackServer m_server;  // last: it stops before what its handlers use
};

std::optional<collect::Token> find_token(const std::optional<std::string>& parameter) {
  collect::ClientSettings settings;
  settings.token_ssm_parameter = parameter;
  return collect::find_token(settings);
}

// The SSM parameter the settings resolve to for a --token-ssm flag and a config file.
std::optional<std::string> resolve_token_ssm_parameter(const std::optional<std::string>& flag,
                                                       const collect::ConfigFile& config) {
  return collect::resolve_client_settings({.token_ssm_parameter = flag}, config)
      .token_ssm_parameter;
}

class ssm_token : public ::testing::Test {
 protected:
  ssm_token() {
    m_env.clear_aws();
    m_env.unset("GITHUB_TOKEN");
    m_env.unset("GH_TOKEN");
    m_env.set("AWS_ACCESS_KEY_ID", k_access_key);
    m_env.set("AWS_SECRET_ACCESS_KEY", k_secret_key);
    m_env.set("AWS_REGION", "us-east-1");
    m_env.set("AWS_ENDPOINT_URL_SSM", m_ssm.endpoint());
  }
  ~ssm_token() override { EXPECT_THAT(m_ssm.problems(), ::testing::IsEmpty()); }

  std::map<std::string, std::string> child_env() const {
    return {{"AWS_ACCESS_KEY_ID", k_access_key},
            {"AWS_SECRET_ACCESS_KEY", k_secret_key},
            {"AWS_REGION", "us-east-1"},
            {"AWS_ENDPOINT_URL_SSM", m_ssm.endpoint()}};
  }

  FakeSsm m_ssm;
  testing::EnvGuard m_env;
};

TEST_F(ssm_token, get_parameter_returns_the_decrypted_value_and_registers_it_as_a_secret) {
  auto transport = net::make_curl_transport();
  aws::JsonServiceClient client(aws::ssm_config_from_environment(), *transport);
  auto value = aws::get_parameter(client, "/ghtraffic/token");
  ASSERT_TRUE(value) << value.error().message;
  EXPECT_EQ(*value, k_token);
  EXPECT_THAT(util::scrub(std::string("token is ") + k_token), Not(HasSubstr(k_token)));
  EXPECT_EQ(m_ssm.requests(), 1);
}

TEST_F(ssm_token, is_the_last_token_source) {
  m_env.set("GITHUB_TOKEN", "ghp_FromTheEnvironment1234567890abcdef");
  auto first = find_token("/ghtraffic/token");
  ASSERT_TRUE(first);
  EXPECT_EQ(first->source, "GITHUB_TOKEN");
  EXPECT_EQ(m_ssm.requests(), 0);

  m_env.unset("GITHUB_TOKEN");
  auto second = find_token("/ghtraffic/token");
  ASSERT_TRUE(second);
  EXPECT_EQ(second->value, k_token);
  EXPECT_EQ(second->source, "SSM parameter /ghtraffic/token");
  EXPECT_FALSE(find_token(std::nullopt));
}

TEST_F(ssm_token, the_parameter_comes_from_the_flag_then_the_environment_then_the_config) {
  collect::ConfigFile config =
      collect::parse_config("token_ssm_parameter = \"/from/config\"\n", "t.toml");
  EXPECT_EQ(resolve_token_ssm_parameter(std::nullopt, config), "/from/config");
  m_env.set("GHTRAFFIC_TOKEN_SSM_PARAMETER", "/from/env");
  EXPECT_EQ(resolve_token_ssm_parameter(std::nullopt, config), "/from/env");
  EXPECT_EQ(resolve_token_ssm_parameter("/from/flag", config), "/from/flag");
  EXPECT_EQ(resolve_token_ssm_parameter(std::nullopt, {}), "/from/env");
}

std::string error_for(const std::string& name) {
  try {
    find_token(name);
  } catch (const util::Error& e) {
    return e.what();
  }
  return "(no error)";
}

TEST_F(ssm_token, a_missing_parameter_is_named_with_the_region) {
  auto message = error_for("/nope");
  EXPECT_THAT(message, HasSubstr("SSM parameter \"/nope\" was not found in region us-east-1"));
}

TEST_F(ssm_token, access_denied_names_ssm_get_parameter_and_kms_decrypt) {
  auto denied = error_for("/denied");
  EXPECT_THAT(denied, HasSubstr("lacks permission for ssm:GetParameter on parameter /denied"));
  EXPECT_THAT(denied, HasSubstr("kms:Decrypt"));
  auto kms = error_for("/kms");
  EXPECT_THAT(kms, HasSubstr("is a SecureString: the IAM identity also needs kms:Decrypt"));
  EXPECT_THAT(kms, Not(HasSubstr(k_secret_key)));
}

TEST_F(ssm_token, collect_reads_the_token_from_ssm_and_never_prints_it) {
  auto run = testing::run_ghtraffic(
      {"collect", "-v", "--token-ssm", "/ghtraffic/token", "--api-url", "http://127.0.0.1:9",
       "--store", "sqlite:" + testing::scratch_dir("ssm") + "/t.db", "octo/alpha"},
      {.env = child_env(), .kill_after = std::chrono::milliseconds(60000), .stdin_text = ""});
  EXPECT_THAT(run.err, HasSubstr("using the GitHub token from SSM parameter /ghtraffic/token"));
  EXPECT_THAT(run.out + run.err, Not(HasSubstr(k_token)));
  EXPECT_THAT(run.out + run.err, Not(HasSubstr(k_secret_key)));
  EXPECT_EQ(m_ssm.requests(), 1);
}

TEST_F(ssm_token, collect_takes_the_parameter_from_the_environment_variable) {
  auto env = child_env();
  env["GHTRAFFIC_TOKEN_SSM_PARAMETER"] = "/denied";
  auto run = testing::run_ghtraffic(
      {"collect", "--api-url", "http://127.0.0.1:9", "--store",
       "sqlite:" + testing::scratch_dir("ssm") + "/t.db", "octo/alpha"},
      {.env = env, .kill_after = std::chrono::milliseconds(60000), .stdin_text = ""});
  EXPECT_EQ(run.exit_code, 2) << run.err;
  EXPECT_THAT(run.err, HasSubstr("ssm:GetParameter"));
  EXPECT_THAT(run.err, Not(HasSubstr(k_secret_key)));
}

TEST_F(ssm_token, serve_reads_the_token_from_ssm_like_collect) {
  auto run = testing::run_ghtraffic(
      {"serve", "-v", "--listen", "127.0.0.1:0", "--token-ssm", "/ghtraffic/token", "--api-url",
       "http://127.0.0.1:9", "--store", "sqlite:" + testing::scratch_dir("ssm-serve") + "/t.db"},
      {.env = child_env(), .kill_after = std::chrono::milliseconds(5000), .stdin_text = ""});
  EXPECT_THAT(run.err, HasSubstr("using the GitHub token from SSM parameter /ghtraffic/token"));
  EXPECT_THAT(run.err, Not(HasSubstr("not collecting")));
  EXPECT_THAT(run.out + run.err, Not(HasSubstr(k_token)));
  EXPECT_EQ(m_ssm.requests(), 1);
}

TEST_F(ssm_token, serve_takes_the_parameter_from_the_environment_variable) {
  auto env = child_env();
  env["GHTRAFFIC_TOKEN_SSM_PARAMETER"] = "/denied";
  auto run = testing::run_ghtraffic(
      {"serve", "--listen", "127.0.0.1:0", "--api-url", "http://127.0.0.1:9", "--store",
       "sqlite:" + testing::scratch_dir("ssm-serve-denied") + "/t.db"},
      {.env = env, .kill_after = std::chrono::milliseconds(60000), .stdin_text = ""});
  EXPECT_EQ(run.exit_code, 2) << run.err;
  EXPECT_THAT(run.err, HasSubstr("ssm:GetParameter"));
  EXPECT_THAT(run.err, Not(HasSubstr(k_secret_key)));
}

}  // namespace
}  // namespace ghtraffic
