// The AWS side of the fault suite beyond DynamoDB: what S3 and SSM Parameter Store answer
// when they throttle, fail (5xx) or are given an expired credential.
//
// S3: an export to s3rver through a transport that answers chosen uploads with the fault
// (s3rver cannot be told to fail), once and on every attempt, on one data file, on one
// QuickSight manifest and on every request. The rule (docs/aws.md): a failed export never
// publishes manifests over the previous ones, every file uploaded is whole, and the error
// names the object and what to check. SSM: `ghtraffic collect` reading its GitHub token
// (--token-ssm) or its GitHub App's key (GHTRAFFIC_APP_KEY_SSM_PARAMETER) from a scripted
// SSM endpoint on loopback that answers the first requests with the fault: what a retry
// gets past costs nothing, what outlasts the retries or an expired credential stops the
// command before it collects, with a message that names the parameter and never the
// secret. Both tables are written to the working folder (build/tests/ under ctest) for
// docs/reliability.md.
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <httplib.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "fixture.hpp"
#include "ghtraffic/aws/s3.hpp"
#include "ghtraffic/export/export.hpp"
#include "ghtraffic/export/manifest.hpp"
#include "ghtraffic/export/s3_sink.hpp"
#include "ghtraffic/export/sink.hpp"
#include "ghtraffic/net/transport.hpp"
#include "ghtraffic/store/store.hpp"
#include "ghtraffic/util/clock.hpp"
#include "ghtraffic/util/error.hpp"
#include "support/local_aws.hpp"
#include "support/loopback_server.hpp"
#include "support/outcome_table.hpp"

using namespace ghtraffic;
using namespace ghtraffic::testing;
using ::testing::HasSubstr;
using ::testing::Not;

namespace {

constexpr const char* k_bucket = "traffic";
constexpr const char* k_victim_file = "daily.csv";
constexpr const char* k_victim_manifest = "manifests/paths.json";

enum class AwsFault { throttling, internal_error, service_unavailable, expired_token };

bool transient(AwsFault fault) {
  return fault != AwsFault::expired_token;
}

// S3 answers in XML, with its own codes.
const char* s3_name_of(AwsFault fault) {
  switch (fault) {
    case AwsFault::throttling:
      return "SlowDown (503)";
    case AwsFault::internal_error:
      return "InternalError (500)";
    case AwsFault::service_unavailable:
      return "ServiceUnavailable (503)";
    case AwsFault::expired_token:
      return "ExpiredToken (400)";
  }
  return "?";
}

net::HttpResponse s3_answer(AwsFault fault) {
  net::HttpResponse r;
  r.headers["content-type"] = "application/xml";
  auto body = [](const char* code, const char* message) {
    return fmt::format(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{}</Code><Message>{}</Message>"
        "<RequestId>4442587FB7D0A2F9</RequestId></Error>",
        code, message);
  };
  switch (fault) {
    case AwsFault::throttling:
      r.status = 503;
      r.body = body("SlowDown", "Please reduce your request rate.");
      break;
    case AwsFault::internal_error:
      r.status = 500;
      r.body = body("InternalError", "We encountered an internal error. Please try again.");
      break;
    case AwsFault::service_unavailable:
      r.status = 503;
      r.body = body("ServiceUnavailable", "Service is unable to handle request.");
      break;
    case AwsFault::expired_token:
      r.status = 400;
      r.body = body("ExpiredToken", "The provided token has expired.");
      break;
  }
  return r;
}

enum class S3On { data_file, manifest, every_request };

const char* name_of(S3On on) {
  switch (on) {
    case S3On::data_file:
      return "the upload of daily.csv";
    case S3On::manifest:
      return "the upload of manifests/paths.json";
    case S3On::every_request:
      return "every request";
  }
  return "?";
}

// Sends to s3rver, except the requests a case picks, which get the fault's answer; notes
// the keys of the uploads that reached s3rver, in order.
class S3FaultTransport final : public net::HttpTransport {
 public:
  S3FaultTransport(std::optional<AwsFault> fault, S3On on, int times)
      : m_fault(fault), m_on(on), m_left(times) {}

  net::HttpResponse send(const net::HttpRequest& request) override {
    {
      std::lock_guard lock(m_mutex);
      if (m_fault && picks(request) && m_left > 0) {
        --m_left;
        ++m_injected;
        return s3_answer(*m_fault);
      }
    }
    auto response = m_curl->send(request);
    if (request.method == "PUT") {
      std::lock_guard lock(m_mutex);
      m_uploads.push_back(request.url);
    }
    return response;
  }

  int injected() const {
    std::lock_guard lock(m_mutex);
    return m_injected;
  }
  std::vector<std::string> uploads() const {
    std::lock_guard lock(m_mutex);
    return m_uploads;
  }

 private:
  bool picks(const net::HttpRequest& request) const {
    switch (m_on) {
      case S3On::data_file:
        return request.method == "PUT" && request.url.ends_with(std::string("/") + k_victim_file);
      case S3On::manifest:
        return request.method == "PUT" &&
               request.url.ends_with(std::string("/") + k_victim_manifest);
      case S3On::every_request:
        return true;
    }
    return false;
  }

  std::unique_ptr<net::HttpTransport> m_curl = net::make_curl_transport();
  mutable std::mutex m_mutex;
  std::optional<AwsFault> m_fault;
  S3On m_on;
  int m_left;
  int m_injected = 0;
  std::vector<std::string> m_uploads;
};

struct S3Case {
  AwsFault fault;
  S3On on;
  bool always;
};

struct S3Outcome {
  std::size_t data_uploaded = 0;  // data files that hold this export's bytes
  std::size_t data_previous = 0;  // data files still as the previous export left them
  std::size_t manifests_published = 0;
  int exit_code = 0;
  std::string message;
};

class s3_fault_suite : public CollectFixture {
 protected:
  void SetUp() override {
    CollectFixture::SetUp();
    add_synthetic_repos(m_github, "octo", 3, day("2026-02-01"), day("2026-03-20"), 4);
    auto r = run_collect({"--owner", "octo"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto dir = scratch_dir("s3-fault-local");
    auto store = store::make_store(m_store, {.read_only = true});
    auto sink = exports::make_directory_sink(dir);
    exports::export_store(*store, {}, *sink);
    for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
      if (entry.is_regular_file()) {
        m_local[std::filesystem::relative(entry.path(), dir).generic_string()] =
            read_file(entry.path().string());
      }
    }
    ASSERT_TRUE(m_local.contains(k_victim_file));
    // The order the export uploads in, from a run without faults.
    S3FaultTransport recorder(std::nullopt, S3On::every_request, 0);
    export_to("order", recorder);
    for (const auto& url : recorder.uploads()) {
      m_order.push_back(url.substr(url.find("/order/") + 7));
    }
    ASSERT_EQ(m_order.size(), m_local.size() + exports::quicksight_manifests().size());
  }

  aws::S3Client::Config config() const {
    aws::S3Client::Config c;
    c.region = "us-east-1";
    c.endpoint = {m_s3.endpoint(), true};
    c.credentials = {LocalAwsServer::k_s3rver_access_key, LocalAwsServer::k_s3rver_secret_key, ""};
    return c;  // the default retries: 5 attempts, on a manual clock below
  }

  void export_to(const std::string& prefix, net::HttpTransport& transport) {
    util::ManualClock clock(util::system_clock().now());
    aws::S3Client client(config(), transport, clock);
    auto store = store::make_store(m_store, {.read_only = true});
    auto sink = exports::make_s3_sink(client, {k_bucket, prefix}, true);
    exports::export_store(*store, {}, *sink);
  }

  // Files the previous export left: marked, so that what this one wrote shows.
  void previous_export(aws::S3Client& client, const std::string& prefix) {
    for (const auto& path : m_order) {
      ASSERT_TRUE(
          client.put_object(k_bucket, prefix + "/" + path, "previous " + path, "text/plain"));
    }
  }

  // The number of files of m_order before path: what an export that stops at path uploaded.
  std::size_t before(const std::string& path, bool data) const {
    std::size_t n = 0;
    for (const auto& p : m_order) {
      if (p == path) {
        break;
      }
      n += p.starts_with("manifests/") != data ? 1 : 0;
    }
    return n;
  }

  S3Outcome expected(const S3Case& c) const {
    const auto all_data = m_local.size();
    const auto all_manifests = exports::quicksight_manifests().size();
    if (!c.always && transient(c.fault)) {
      return {all_data, 0, all_manifests, 0, ""};
    }
    std::string message =
        transient(c.fault) ? "gave up after 5 attempts" : "check the AWS credentials";
    switch (c.on) {
      case S3On::data_file: {
        auto uploaded = before(k_victim_file, true);
        return {uploaded, all_data - uploaded, 0, 2, "s3://traffic/PREFIX/daily.csv"};
      }
      case S3On::manifest:
        return {all_data, 0, before(k_victim_manifest, false), 2,
                "s3://traffic/PREFIX/manifests/paths.json"};
      case S3On::every_request:
        return {0, all_data, 0, 2, message};
    }
    return {};
  }

  S3Outcome run(const S3Case& c) {
    const auto prefix = fmt::format("case{}", ++m_runs);
    auto plain = net::make_curl_transport();
    aws::S3Client reader(config(), *plain);
    previous_export(reader, prefix);
    S3FaultTransport transport(c.fault, c.on, c.always ? 1000 : 1);
    S3Outcome out;
    try {
      export_to(prefix, transport);
    } catch (const util::Error& e) {
      out.exit_code = e.exit_code();
      out.message = e.what();
    }
    EXPECT_GT(transport.injected(), 0) << s3_name_of(c.fault) << " on " << name_of(c.on);
    for (const auto& path : m_order) {
      auto body = reader.get_object(k_bucket, prefix + "/" + path);
      EXPECT_TRUE(body) << body.error().message;
      const auto content = body.value_or("");
      if (path.starts_with("manifests/")) {
        out.manifests_published += content != "previous " + path ? 1 : 0;
        if (content != "previous " + path) {
          EXPECT_THAT(content, HasSubstr("s3://traffic/" + prefix + "/")) << path;
        }
      } else if (content == m_local.at(path)) {
        ++out.data_uploaded;
      } else {
        // Never a file cut short: this export's bytes or the previous export's.
        EXPECT_EQ(content, "previous " + path) << path;
        ++out.data_previous;
      }
    }
    out.message = table_cell(out.message, {{"case[0-9]+", "PREFIX"}}, 400);
    return out;
  }

  std::map<std::string, std::string> m_local;  // what a local export writes, by path
  std::vector<std::string> m_order;            // the paths an export uploads, in order
  LocalAwsServer m_s3 = LocalAwsServer::s3rver({k_bucket});
  int m_runs = 0;
};

std::vector<S3Case> s3_cases() {
  std::vector<S3Case> cases;
  for (auto fault : {AwsFault::throttling, AwsFault::internal_error, AwsFault::service_unavailable,
                     AwsFault::expired_token}) {
    cases.push_back({fault, S3On::data_file, false});
    cases.push_back({fault, S3On::data_file, true});
    cases.push_back({fault, S3On::manifest, true});
  }
  cases.push_back({AwsFault::expired_token, S3On::every_request, true});
  return cases;
}

// SSM answers in JSON, like DynamoDB.
const char* ssm_name_of(AwsFault fault) {
  switch (fault) {
    case AwsFault::throttling:
      return "ThrottlingException (400)";
    case AwsFault::internal_error:
      return "InternalServerError (500)";
    case AwsFault::service_unavailable:
      return "ServiceUnavailable (503)";
    case AwsFault::expired_token:
      return "ExpiredTokenException (400)";
  }
  return "?";
}

// GetParameter on loopback: the first `failing` requests get the fault's answer, then each
// parameter its value.
class ScriptedSsm {
 public:
  explicit ScriptedSsm(std::map<std::string, std::string> values) : m_values(std::move(values)) {
    m_server.server().Post(
        "/", [this](const httplib::Request& req, httplib::Response& res) { handle(req, res); });
    m_server.start();
  }

  void script(AwsFault fault, int failing) {
    std::lock_guard lock(m_mutex);
    m_fault = fault;
    m_failing = failing;
    m_requests = 0;
  }
  int requests() const {
    std::lock_guard lock(m_mutex);
    return m_requests;
  }
  std::string endpoint() const { return m_server.url(); }

 private:
  void handle(const httplib::Request& req, httplib::Response& res) {
    std::lock_guard lock(m_mutex);
    ++m_requests;
    auto error = [&](int status, const char* type, const char* message) {
      res.status = status;
      res.set_content(nlohmann::json{{"__type", type}, {"message", message}}.dump(),
                      "application/x-amz-json-1.1");
    };
    if (m_failing > 0) {
      --m_failing;
      switch (m_fault) {
        case AwsFault::throttling:
          return error(400, "ThrottlingException", "Rate exceeded");
        case AwsFault::internal_error:
          return error(500, "InternalServerError", "Internal Server Error");
        case AwsFault::service_unavailable:
          return error(503, "ServiceUnavailable", "Service Unavailable");
        case AwsFault::expired_token:
          return error(400, "ExpiredTokenException",
                       "The security token included in the request is expired");
      }
    }
    auto name = nlohmann::json::parse(req.body, nullptr, false).value("Name", std::string());
    auto value = m_values.find(name);
    if (value == m_values.end()) {
      return error(400, "ParameterNotFound", "");
    }
    res.set_content(
        nlohmann::json{
            {"Parameter", {{"Name", name}, {"Type", "SecureString"}, {"Value", value->second}}}}
            .dump(),
        "application/x-amz-json-1.1");
  }

  std::map<std::string, std::string> m_values;
  mutable std::mutex m_mutex;
  AwsFault m_fault = AwsFault::throttling;
  int m_failing = 0;
  int m_requests = 0;
  ghtraffic::testing::LoopbackServer m_server;  // last: it stops before what its handlers use
};

enum class SsmOn { token, app_key };

const char* name_of(SsmOn on) {
  return on == SsmOn::token ? "the GitHub token (--token-ssm)"
                            : "the GitHub App's key (GHTRAFFIC_APP_KEY_SSM_PARAMETER)";
}

constexpr const char* k_aws_secret = "ssm-fault-secret-5d0e83b1a7";
constexpr const char* k_token_parameter = "/ghtraffic/token";
constexpr const char* k_key_parameter = "/ghtraffic/app-key";

struct PkeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};

// A GitHub App key made for the run (the mock verifies JWTs with the private key itself).
std::string new_app_key_pem() {
  std::unique_ptr<EVP_PKEY, PkeyFree> key(EVP_RSA_gen(1024));
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(bio, key.get(), nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<std::size_t>(size));
  BIO_free(bio);
  return pem;
}

class ssm_fault_suite : public CollectFixture {
 protected:
  void SetUp() override {
    CollectFixture::SetUp();
    add_synthetic_repos(m_github, "octo", 1, day("2026-02-01"), day("2026-03-20"), 5);
    m_github.set_app("4242", m_pem);
    m_github.add_installation({101, "octo", {}});
  }

  struct Outcome {
    bool collected = false;
    int exit_code = 0;
    int requests = 0;
    std::string message;
    std::string output;
  };

  Outcome run(AwsFault fault, SsmOn on, int failing) {
    m_ssm.script(fault, failing);
    std::map<std::string, std::string> env{{"AWS_ACCESS_KEY_ID", "AKIDSSMFAULTS"},
                                           {"AWS_SECRET_ACCESS_KEY", k_aws_secret},
                                           {"AWS_REGION", "us-east-1"},
                                           {"AWS_ENDPOINT_URL_SSM", m_ssm.endpoint()},
                                           {"GITHUB_TOKEN", ""}};
    const auto store = "sqlite:" + scratch_dir("ssm-fault") + "/ghtraffic.db";
    std::vector<std::string> args{"collect", "--api-url", m_github.url(), "--store", store};
    if (on == SsmOn::token) {
      args.insert(args.end(), {"--token-ssm", k_token_parameter});
    } else {
      env["GHTRAFFIC_APP_KEY_SSM_PARAMETER"] = k_key_parameter;
      args.insert(args.end(), {"--app-id", "4242"});
    }
    args.push_back("octo/repo-0");
    auto r = run_ghtraffic(args, {.env = env});
    Outcome out;
    out.exit_code = r.exit_code;
    out.requests = m_ssm.requests();
    out.collected = r.exit_code == 0 && r.out.find("octo/repo-0") != std::string::npos;
    out.output = r.out + r.err;
    const std::string errors = r.exit_code == 0 ? std::string() : r.err;
    for (std::string_view rest = errors; !rest.empty();) {
      auto line = rest.substr(0, rest.find('\n'));
      rest.remove_prefix(std::min(rest.size(), line.size() + 1));
      if (line.find("SSM") != std::string_view::npos) {
        out.message = std::string(line);
        break;
      }
    }
    return out;
  }

  std::string m_pem = new_app_key_pem();
  ScriptedSsm m_ssm{{{k_token_parameter, k_token}, {k_key_parameter, m_pem}}};
};

}  // namespace

TEST_F(s3_fault_suite, a_fault_stops_the_export_before_the_manifests_and_leaves_no_file_cut_short) {
  OutcomeTable table(
      {"fault", "on", "injected", "data files uploaded", "manifests published", "exit", "message"});
  const auto data_files = m_local.size();
  const auto manifests = exports::quicksight_manifests().size();
  for (const auto& c : s3_cases()) {
    const auto want = expected(c);
    const auto got = run(c);
    const auto label = fmt::format("{} on {} ({})", s3_name_of(c.fault), name_of(c.on),
                                   c.always ? "always" : "once");
    EXPECT_EQ(got.data_uploaded, want.data_uploaded) << label << ": " << got.message;
    EXPECT_EQ(got.data_previous, want.data_previous) << label;
    EXPECT_EQ(got.manifests_published, want.manifests_published) << label;
    EXPECT_EQ(got.exit_code, want.exit_code) << label << ": " << got.message;
    if (want.message.empty()) {
      EXPECT_EQ(got.message, "–") << label;
    } else {
      EXPECT_THAT(got.message, HasSubstr(want.message)) << label;
      EXPECT_THAT(got.message, HasSubstr(transient(c.fault) ? "gave up after 5 attempts"
                                                            : "check the AWS credentials"))
          << label;
    }
    EXPECT_THAT(got.message, Not(HasSubstr(LocalAwsServer::k_s3rver_secret_key))) << label;
    table.add({s3_name_of(c.fault), name_of(c.on), c.always ? "every attempt" : "once",
               fmt::format("{} of {}", got.data_uploaded, data_files),
               got.manifests_published == 0
                   ? fmt::format("none of {} (the previous ones kept)", manifests)
                   : fmt::format("{} of {}", got.manifests_published, manifests),
               std::to_string(got.exit_code), table_cell(got.message, {}, 240)});
  }
  EXPECT_EQ(table.rows(), s3_cases().size());
  table.write("s3-fault-outcomes.md");
}

TEST_F(ssm_fault_suite, a_retry_gets_past_a_transient_fault_and_the_rest_stop_before_collecting) {
  OutcomeTable table(
      {"fault", "reading", "injected", "collected", "GetParameter requests", "exit", "message"});
  std::string outputs;
  for (auto on : {SsmOn::token, SsmOn::app_key}) {
    for (auto fault : {AwsFault::throttling, AwsFault::internal_error,
                       AwsFault::service_unavailable, AwsFault::expired_token}) {
      for (bool always : {false, true}) {
        const auto label = fmt::format("{} reading {} ({})", ssm_name_of(fault), name_of(on),
                                       always ? "always" : "once");
        auto got = run(fault, on, always ? 1000 : 1);
        outputs += got.output;
        if (!always && transient(fault)) {
          // Retried with backoff: the second request reads it, and the run collects.
          EXPECT_EQ(got.exit_code, 0) << label << ": " << got.output;
          EXPECT_TRUE(got.collected) << label << ": " << got.output;
          EXPECT_EQ(got.requests, 2) << label;
        } else {
          // Outlasted 5 attempts, or a credential AWS refuses (not retried): nothing is
          // collected, and the message names the parameter and what to do.
          EXPECT_EQ(got.exit_code, 2) << label << ": " << got.output;
          EXPECT_FALSE(got.collected) << label;
          EXPECT_EQ(got.requests, transient(fault) ? 5 : 1) << label;
          EXPECT_THAT(got.message,
                      HasSubstr(on == SsmOn::token ? k_token_parameter : k_key_parameter))
              << label << ": " << got.output;
          EXPECT_THAT(got.message, HasSubstr(transient(fault) ? "gave up after 5 attempts"
                                                              : "check the AWS credentials"))
              << label;
        }
        table.add({ssm_name_of(fault), name_of(on), always ? "every attempt" : "once",
                   got.collected ? "yes" : "no", std::to_string(got.requests),
                   std::to_string(got.exit_code), table_cell(got.message, {}, 240)});
      }
    }
  }
  EXPECT_THAT(outputs, Not(HasSubstr(k_token)));
  EXPECT_THAT(outputs, Not(HasSubstr(k_aws_secret)));
  for (std::string_view rest = m_pem; !rest.empty();) {
    auto line = rest.substr(0, rest.find('\n'));
    rest.remove_prefix(std::min(rest.size(), line.size() + 1));
    if (!line.starts_with("-----") && line.size() >= 16) {
      EXPECT_THAT(outputs, Not(HasSubstr(std::string(line))));
    }
  }
  table.write("ssm-fault-outcomes.md");
}
