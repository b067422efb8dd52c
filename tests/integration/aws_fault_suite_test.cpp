// The AWS side of the fault suite: what DynamoDB answers when it is overloaded, failing,
// refusing a conditional write or given an expired credential, injected between the
// collection's DynamoDB store and dynalite on loopback, on one repository's commit among
// three (octo/b), once and on every attempt, and on every request. Each run goes through
// the collection job, the real libcurl, the mock GitHub server and dynalite; each outcome
// (what of octo/b was stored, whether the others are whole, the exit code, the message)
// is checked against what the design says (R7: a repository's commit is whole or
// absent; one failing repository never stops the others), and the table is written to
// aws-fault-outcomes.md in the working folder (build/tests/ under ctest) for
// docs/reliability.md.
#include <fmt/format.h>
#include <gmock/gmock.h>

#include <mutex>

#include "fixture.hpp"
#include "ghtraffic/collect/github_transport.hpp"
#include "ghtraffic/collect/job.hpp"
#include "ghtraffic/net/transport.hpp"
#include "ghtraffic/store/dynamodb/dynamodb_store.hpp"
#include "ghtraffic/store/store.hpp"
#include "ghtraffic/util/clock.hpp"
#include "ghtraffic/util/error.hpp"
#include "ghtraffic/util/log.hpp"
#include "support/captured_log.hpp"
#include "support/local_aws.hpp"
#include "support/outcome_table.hpp"

using namespace ghtraffic;
using namespace ghtraffic::testing;
using ::testing::HasSubstr;
using ::testing::Not;

namespace {

constexpr const char* k_aws_secret = "aws-fault-secret-93d1c07ab5";
constexpr const char* k_victim = "octo/b";
constexpr const char* k_victim_key = "\"R#502\"";  // octo/b's items: its head, its months
const std::vector<std::string> k_repos{"octo/a", "octo/b", "octo/c"};

enum class AwsFault {
  throttling,
  throughput_exceeded,
  internal_error,
  service_unavailable,
  condition_failed,
  expired_token,
};

const char* name_of(AwsFault fault) {
  switch (fault) {
    case AwsFault::throttling:
      return "ThrottlingException (400)";
    case AwsFault::throughput_exceeded:
      return "ProvisionedThroughputExceededException (400)";
    case AwsFault::internal_error:
      return "InternalServerError (500)";
    case AwsFault::service_unavailable:
      return "ServiceUnavailable (503)";
    case AwsFault::condition_failed:
      return "ConditionalCheckFailedException (400)";
    case AwsFault::expired_token:
      return "ExpiredTokenException (400)";
  }
  return "?";
}

net::HttpResponse answer(AwsFault fault) {
  net::HttpResponse r;
  r.headers["content-type"] = "application/x-amz-json-1.0";
  auto body = [](const char* type, const char* message) {
    return fmt::format(R"({{"__type":"{}","message":"{}"}})", type, message);
  };
  switch (fault) {
    case AwsFault::throttling:
      r.status = 400;
      r.body = body("com.amazonaws.dynamodb.v20120810#ThrottlingException",
                    "Rate of requests exceeds the allowed throughput.");
      break;
    case AwsFault::throughput_exceeded:
      r.status = 400;
      r.body = body("com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
                    "The level of configured provisioned throughput for the table was exceeded.");
      break;
    case AwsFault::internal_error:
      r.status = 500;
      r.body =
          body("com.amazonaws.dynamodb.v20120810#InternalServerError", "Internal server error");
      break;
    case AwsFault::service_unavailable:
      r.status = 503;
      r.body = body("com.amazonaws.dynamodb.v20120810#ServiceUnavailableException",
                    "The service is unavailable.");
      break;
    case AwsFault::condition_failed:
      r.status = 400;
      r.body = body("com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException",
                    "The conditional request failed");
      break;
    case AwsFault::expired_token:
      r.status = 400;
      r.body = body("com.amazon.coral.service#ExpiredTokenException",
                    "The security token included in the request is expired");
      break;
  }
  return r;
}

enum class On {
  victim_commit,      // every request of octo/b's commit
  victim_head_write,  // the conditional write of octo/b's head
  from_victim,        // every request from octo/b's first on: a credential expiring mid-run
  every_request,      // from the start: the store cannot even be opened
};

const char* name_of(On on) {
  switch (on) {
    case On::victim_commit:
      return "octo/b's commit";
    case On::victim_head_write:
      return "octo/b's head write";
    case On::from_victim:
      return "every request from octo/b's on";
    case On::every_request:
      return "every request";
  }
  return "?";
}

// Sends to dynalite, except the requests a case picks, which get the fault's answer.
class FaultTransport final : public net::HttpTransport {
 public:
  FaultTransport(AwsFault fault, On on, int times) : m_fault(fault), m_on(on), m_left(times) {}

  net::HttpResponse send(const net::HttpRequest& request) override {
    {
      std::lock_guard lock(m_mutex);
      if (picks(request) && m_left > 0) {
        --m_left;
        ++m_injected;
        return answer(m_fault);
      }
    }
    return m_curl->send(request);
  }

  int injected() const {
    std::lock_guard lock(m_mutex);
    return m_injected;
  }

 private:
  bool picks(const net::HttpRequest& request) {
    const bool victim = request.body.find(k_victim_key) != std::string::npos;
    switch (m_on) {
      case On::victim_commit:
        return victim;
      case On::victim_head_write: {
        auto target = request.headers.find("X-Amz-Target");
        return victim && target != request.headers.end() && target->second.ends_with(".PutItem");
      }
      case On::from_victim:
        m_started = m_started || victim;
        return m_started;
      case On::every_request:
        return true;
    }
    return false;
  }

  std::unique_ptr<net::HttpTransport> m_curl = net::make_curl_transport();
  mutable std::mutex m_mutex;
  AwsFault m_fault;
  On m_on;
  int m_left;
  int m_injected = 0;
  bool m_started = false;
};

struct Case {
  AwsFault fault;
  On on;
  bool always;
};

struct Outcome {
  std::string stored;  // of octo/b: "everything", "nothing", "all but ..."
  std::string others;  // octo/a and octo/c: "whole", or what is missing
  int exit_code = 0;
  std::string message;
};

bool transient(AwsFault f) {
  return f != AwsFault::condition_failed && f != AwsFault::expired_token;
}

// What the design says. A throttled or failing request is retried with backoff, so once
// costs nothing; a conditional write that fails is a concurrent writer's commit, so the
// commit reads again and merges again. What outlasts the retries, or a credential AWS
// refuses (not retried), fails octo/b's commit as a whole (R7: nothing of it), and the
// other repositories are collected as usual — unless the credential stays refused.
Outcome expected(const Case& c) {
  if (c.on == On::every_request) {
    return {"nothing", "nothing (the store did not open)", 2, "expired"};
  }
  if (c.on == On::from_victim) {
    return {"nothing", "missing: octo/c", 1, "expired"};
  }
  if (!c.always && c.fault != AwsFault::expired_token) {
    return {"everything", "whole", 0, ""};
  }
  std::string message = transient(c.fault)                      ? "gave up after"
                        : c.fault == AwsFault::condition_failed ? "octo/b"
                                                                : "expired";
  return {"nothing", "whole", 1, message};
}

std::vector<Case> all_cases() {
  std::vector<Case> cases;
  for (auto fault : {AwsFault::throttling, AwsFault::throughput_exceeded, AwsFault::internal_error,
                     AwsFault::service_unavailable}) {
    cases.push_back({fault, On::victim_commit, false});
    cases.push_back({fault, On::victim_commit, true});
  }
  cases.push_back({AwsFault::condition_failed, On::victim_head_write, false});
  cases.push_back({AwsFault::condition_failed, On::victim_head_write, true});
  cases.push_back({AwsFault::expired_token, On::victim_commit, false});
  cases.push_back({AwsFault::expired_token, On::from_victim, true});
  cases.push_back({AwsFault::expired_token, On::every_request, true});
  return cases;
}

class aws_fault_suite : public ::testing::Test {
 protected:
  void SetUp() override {
    ::setenv("AWS_ACCESS_KEY_ID", "AKIDFAULTSUITE", 1);
    ::setenv("AWS_SECRET_ACCESS_KEY", k_aws_secret, 1);
    ::setenv("AWS_REGION", "us-east-1", 1);
    ::unsetenv("AWS_SESSION_TOKEN");
    ::unsetenv("AWS_ENDPOINT_URL");
    ::unsetenv("AWS_ENDPOINT_URL_DYNAMODB");
    m_github.set_now(at("2026-03-20T12:00:00Z"));
    m_github.set_token(k_token);
    m_github.start();
    std::int64_t id = 501;
    for (const auto& name : k_repos) {
      auto ref = *core::RepoRef::parse(name);
      MockRepo repo;
      repo.id = id++;
      repo.owner = ref.owner;
      repo.name = ref.name;
      repo.stars = 7;
      repo.paths = {{"/" + name, "Readme", 5, 3}};
      repo.referrers = {{"github.com", 4, 2}};
      m_github.add_repo(repo);
      m_github.set_view(name, day("2026-03-18"), 9, 4);
      m_github.set_clone(name, day("2026-03-19"), 3, 1);
    }
  }

  std::string location(int run) const {
    return fmt::format("faults{}?region=us-east-1&endpoint={}", run, m_aws.endpoint());
  }

  Outcome run(const Case& c) {
    const auto where = location(++m_runs);
    auto transport = std::make_shared<FaultTransport>(c.fault, c.on, c.always ? 1000 : 1);
    Outcome out;
    std::unique_ptr<store::Store> store;
    try {
      store = store::dynamodb::make_dynamodb_store(where, {}, transport);
    } catch (const util::Error& e) {
      out.stored = "nothing";
      out.others = "nothing (the store did not open)";
      out.exit_code = e.exit_code();
      out.message = e.what();
      return out;
    }
    util::ManualClock clock(m_github.now());
    github::ClientOptions options;
    options.api_url = m_github.url();
    options.token = k_token;
    options.concurrency = 1;  // octo/a, octo/b, octo/c in this order
    options.max_per_minute = github::k_max_per_minute;
    auto github_transport = collect::make_github_transport();
    github::Client client(options, *github_transport, clock);
    collect::Plan plan;
    for (const auto& name : k_repos) {
      plan.repos.push_back(*core::RepoRef::parse(name));
    }
    auto summary = collect::run_collection(client, *store, plan, nullptr, clock);
    out.exit_code = summary.all_ok() ? 0 : 1;
    for (const auto& repo : summary.repos) {
      if (repo.full_name == k_victim) {
        out.message = repo.problem();
      }
    }
    // What a reader finds, through a transport without faults.
    auto reader = store::dynamodb::make_dynamodb_store(where, {.read_only = true});
    std::vector<std::string> others_missing;
    for (std::int64_t id = 501; id < 504; ++id) {
      auto missing = missing_parts(*reader, id);
      if (id == 502) {
        out.stored = all_but(missing);
      } else if (!missing.empty()) {
        others_missing.push_back(k_repos[static_cast<std::size_t>(id - 501)]);
      }
    }
    out.others = others_missing.empty()
                     ? "whole"
                     : fmt::format("missing: {}", fmt::join(others_missing, ", "));
    EXPECT_GT(transport->injected(), 0) << name_of(c.fault) << " on " << name_of(c.on);
    return out;
  }

  MockGitHub m_github;
  LocalAwsServer m_aws = LocalAwsServer::dynalite();
  int m_runs = 0;
};

}  // namespace

TEST_F(aws_fault_suite, every_dynamodb_fault_costs_at_most_its_repository_and_says_why) {
  CapturedLog log;
  OutcomeTable table({"fault", "on", "injected", "stored of octo/b", "octo/a and octo/c", "exit",
                      "message for octo/b"});
  int checked = 0;
  for (const auto& c : all_cases()) {
    const auto want = expected(c);
    const auto got = run(c);
    const std::string label =
        fmt::format("{} on {} ({})", name_of(c.fault), name_of(c.on), c.always ? "always" : "once");
    EXPECT_EQ(got.stored, want.stored) << label << ": " << got.message;
    EXPECT_EQ(got.others, want.others) << label << ": " << got.message;
    EXPECT_EQ(got.exit_code, want.exit_code) << label << ": " << got.message;
    if (want.message.empty()) {
      EXPECT_EQ(got.message, "") << label;
    } else {
      EXPECT_THAT(got.message, HasSubstr(want.message)) << label;
    }
    EXPECT_THAT(got.message, Not(HasSubstr(k_token))) << label;
    EXPECT_THAT(got.message, Not(HasSubstr(k_aws_secret))) << label;
    table.add(
        {name_of(c.fault), name_of(c.on), c.always ? "every attempt" : "once", got.stored,
         got.others, std::to_string(got.exit_code),
         table_cell(got.message,
                    {{"http://127\\.0\\.0\\.1:[0-9]+", "DYNALITE"}, {"faults[0-9]+", "faults"}},
                    240)});
    ++checked;
  }
  const std::string logged = CapturedLog::text();
  EXPECT_EQ(checked, static_cast<int>(all_cases().size()));
  EXPECT_THAT(logged, Not(HasSubstr(k_token)));
  EXPECT_THAT(logged, Not(HasSubstr(k_aws_secret)));
  table.write("aws-fault-outcomes.md");
}
