// `ghtraffic lambda` against a fake Lambda Runtime API on loopback and the mock GitHub
// server: the real binary as a child process, a SQLite store. The fake serves a queue of
// events; once it is empty it answers /next with 500, which tells a runtime to exit.
#include "ghtraffic/aws/lambda_runtime.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "fixture.hpp"
#include "ghtraffic/net/transport.hpp"
#include "support/loopback_server.hpp"
#include "webhook_listener.hpp"

namespace ghtraffic::testing {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;

struct FakeEvent {
  std::string body;
  std::optional<milliseconds> deadline_in;  // Lambda-Runtime-Deadline-Ms = now + this
  std::string trace_id;
};

struct Answer {
  std::string request_id;
  std::string kind;  // "response" or "error"
  std::string body;
  std::string error_type_header;
};

class FakeRuntimeApi {
 public:
  explicit FakeRuntimeApi(std::vector<FakeEvent> events) : m_events(std::move(events)) {
    m_server.server().Get("/2018-06-01/runtime/invocation/next",
                          [this](const httplib::Request&, httplib::Response& res) { next(res); });
    m_server.server().Post(
        R"(/2018-06-01/runtime/invocation/([^/]+)/(response|error))",
        [this](const httplib::Request& req, httplib::Response& res) {
          std::lock_guard lock(m_mutex);
          m_answers.push_back({req.matches[1], req.matches[2], req.body,
                               req.get_header_value("Lambda-Runtime-Function-Error-Type")});
          res.status = 202;
          res.set_content(R"({"status":"OK"})", "application/json");
        });
    m_server.server().Post("/2018-06-01/runtime/init/error", [this](const httplib::Request& req,
                                                                    httplib::Response& res) {
      std::lock_guard lock(m_mutex);
      m_init_errors.push_back(
          {"", "init", req.body, req.get_header_value("Lambda-Runtime-Function-Error-Type")});
      res.status = 202;
      res.set_content(R"({"status":"OK"})", "application/json");
    });
    m_server.start();
  }

  std::string address() const { return m_server.address(); }
  std::vector<Answer> answers() const {
    std::lock_guard lock(m_mutex);
    return m_answers;
  }
  std::vector<Answer> init_errors() const {
    std::lock_guard lock(m_mutex);
    return m_init_errors;
  }
  int next_calls() const {
    std::lock_guard lock(m_mutex);
    return m_next_calls;
  }

 private:
  void next(httplib::Response& res) {
    std::lock_guard lock(m_mutex);
    ++m_next_calls;
    if (m_served == m_events.size()) {
      res.status = 500;
      res.set_content(R"({"errorMessage":"no more events","errorType":"Runtime.Stop"})",
                      "application/json");
      return;
    }
    const auto& event = m_events[m_served++];
    res.set_header("Lambda-Runtime-Aws-Request-Id", "req-" + std::to_string(m_served));
    if (event.deadline_in) {
      auto deadline = std::chrono::system_clock::now() + *event.deadline_in;
      res.set_header(
          "Lambda-Runtime-Deadline-Ms",
          std::to_string(
              std::chrono::duration_cast<milliseconds>(deadline.time_since_epoch()).count()));
    }
    if (!event.trace_id.empty()) {
      res.set_header("Lambda-Runtime-Trace-Id", event.trace_id);
    }
    res.set_header("Lambda-Runtime-Invoked-Function-Arn",
                   "arn:aws:lambda:us-east-1:123456789012:function:ghtraffic");
    res.set_content(event.body, "application/json");
  }

  mutable std::mutex m_mutex;
  std::vector<FakeEvent> m_events;
  std::size_t m_served = 0;
  int m_next_calls = 0;
  std::vector<Answer> m_answers;
  std::vector<Answer> m_init_errors;
  ghtraffic::testing::LoopbackServer m_server;  // last: it stops before what its handlers use
};

std::vector<std::string> collected_names(const json& answer) {
  std::vector<std::string> out;
  for (const auto& r : answer["repos"]) {
    if (r["ok"].get<bool>()) {
      out.push_back(r["repo"].get<std::string>());
    }
  }
  return out;
}

class LambdaTest : public CollectFixture {
 protected:
  // Runs `ghtraffic lambda` until the fake has no more events.
  ProcessResult run_lambda(FakeRuntimeApi& api, std::map<std::string, std::string> env = {}) {
    ProcessOptions options;
    options.env = {{"AWS_LAMBDA_RUNTIME_API", api.address()},
                   {"GHTRAFFIC_STORE", m_store},
                   {"GITHUB_API_URL", m_github.url()},
                   {"GITHUB_TOKEN", k_token}};
    for (auto& [k, v] : env) {
      options.env[k] = v;
    }
    options.kill_after = milliseconds(120000);
    return run_ghtraffic({"lambda"}, options);
  }

  void add_repos(const std::string& owner, int count) {
    for (int i = 0; i < count; ++i) {
      auto name = fmt::format("{}/repo-{:02}", owner, i);
      add_repo(name, 1000 + i);
      m_github.set_view(name, day("2026-03-18"), 10 + i, 3);
      m_github.set_clone(name, day("2026-03-19"), 2, 1);
    }
  }
};

TEST_F(LambdaTest, serves_several_invocations_then_exits_when_the_api_says_so) {
  add_repos("octo", 3);
  auto export_dir = m_dir + "/export";
  FakeRuntimeApi api({
      {"{}", milliseconds(60000), "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1"},
      {R"({"repos": ["octo/repo-02"]})", milliseconds(60000), ""},
      // What an EventBridge schedule sends: its fields are ignored.
      {R"({"version":"0","id":"x","detail-type":"Scheduled Event","source":"aws.events",
           "time":"2026-03-20T12:00:00Z","region":"us-east-1","resources":[],"detail":{}})",
       std::nullopt, ""},
  });
  auto result = run_lambda(api, {{"GHTRAFFIC_REPOS", "octo/repo-00, octo/repo-01"},
                                 {"GHTRAFFIC_EXPORT_URL", export_dir}});

  EXPECT_EQ(result.exit_code, 1) << result.err;
  EXPECT_NE(result.err.find("no more events"), std::string::npos) << result.err;
  EXPECT_EQ(api.next_calls(), 4);
  EXPECT_TRUE(api.init_errors().empty());
  auto answers = api.answers();
  ASSERT_EQ(answers.size(), 3u) << result.err;
  for (size_t i = 0; i < answers.size(); ++i) {
    EXPECT_EQ(answers[i].request_id, "req-" + std::to_string(i + 1));
    EXPECT_EQ(answers[i].kind, "response") << answers[i].body;
  }
  auto first = json::parse(answers[0].body);
  EXPECT_EQ(collected_names(first), (std::vector<std::string>{"octo/repo-00", "octo/repo-01"}));
  EXPECT_EQ(first["failed"], 0);
  EXPECT_EQ(first["left_for_next_run"], json::array());
  EXPECT_EQ(first["export"]["url"], export_dir);
  EXPECT_EQ(first["export"]["repos"], 2);
  EXPECT_EQ(collected_names(json::parse(answers[1].body)),
            (std::vector<std::string>{"octo/repo-02"}));
  auto third = json::parse(answers[2].body);
  EXPECT_EQ(collected_names(third), (std::vector<std::string>{"octo/repo-00", "octo/repo-01"}));
  EXPECT_EQ(third["export"]["repos"], 3);

  EXPECT_EQ(q("SELECT count(*) FROM repos"), (std::vector<std::string>{"3"}));
  auto daily = read_file(export_dir + "/daily.csv");
  EXPECT_NE(daily.find("octo/repo-02"), std::string::npos);
  EXPECT_EQ(result.err.find(k_token), std::string::npos);
  for (const auto& a : answers) {
    EXPECT_EQ(a.body.find(k_token), std::string::npos);
  }
}

TEST_F(LambdaTest, a_missing_repository_fails_alone_and_a_bad_event_goes_to_error) {
  add_repos("octo", 1);
  FakeRuntimeApi api({
      {R"({"repos": ["octo/repo-00", "octo/nope"]})", milliseconds(60000), ""},
      {"this is not json", milliseconds(60000), ""},
      {R"({"repos": "octo/repo-00"})", milliseconds(60000), ""},
      {R"({"repos": ["not-a-name"]})", milliseconds(60000), ""},
      {R"({"owners": ["octo"]})", milliseconds(60000), ""},
  });
  auto result = run_lambda(api);

  EXPECT_EQ(result.exit_code, 1) << result.err;
  auto answers = api.answers();
  ASSERT_EQ(answers.size(), 5u) << result.err;

  EXPECT_EQ(answers[0].kind, "response");
  auto first = json::parse(answers[0].body);
  EXPECT_EQ(first["collected"], 1);
  EXPECT_EQ(first["failed"], 1);
  auto failed = std::find_if(first["repos"].begin(), first["repos"].end(),
                             [](const json& r) { return r["repo"] == "octo/nope"; });
  ASSERT_NE(failed, first["repos"].end()) << answers[0].body;
  EXPECT_FALSE((*failed)["ok"].get<bool>());
  EXPECT_FALSE((*failed)["error"].get<std::string>().empty());

  for (int i : {1, 2}) {
    EXPECT_EQ(answers[i].kind, "error");
    EXPECT_EQ(answers[i].error_type_header, "Event.Malformed");
    auto body = json::parse(answers[i].body);
    EXPECT_EQ(body["errorType"], "Event.Malformed");
    EXPECT_FALSE(body["errorMessage"].get<std::string>().empty());
  }
  EXPECT_EQ(answers[3].kind, "error");
  EXPECT_EQ(json::parse(answers[3].body)["errorType"], "Event.InvalidRepository");
  EXPECT_NE(answers[3].body.find("not-a-name"), std::string::npos);

  // The loop goes on after errors.
  EXPECT_EQ(answers[4].kind, "response");
  EXPECT_EQ(collected_names(json::parse(answers[4].body)),
            (std::vector<std::string>{"octo/repo-00"}));
}

TEST_F(LambdaTest, a_repository_one_part_of_which_failed_is_stored_in_part_and_says_which) {
  add_repos("octo", 2);
  m_github.inject("octo/repo-01/traffic/views", Fault::malformed, 100);
  FakeRuntimeApi api({{R"({"repos": ["octo/repo-00", "octo/repo-01"]})", milliseconds(60000), ""}});
  auto result = run_lambda(api);
  auto answers = api.answers();
  ASSERT_EQ(answers.size(), 1u) << result.err;
  EXPECT_EQ(answers[0].kind, "response");
  auto body = json::parse(answers[0].body);
  EXPECT_EQ(body["ok"], false);
  EXPECT_EQ(body["collected"], 1);
  EXPECT_EQ(body["failed"], 1);
  EXPECT_EQ(body["partial"], 1);
  auto partial = std::find_if(body["repos"].begin(), body["repos"].end(),
                              [](const json& r) { return r["repo"] == "octo/repo-01"; });
  ASSERT_NE(partial, body["repos"].end()) << answers[0].body;
  EXPECT_EQ((*partial)["stored"], true);
  EXPECT_EQ((*partial)["missing"][0]["part"], "views");
  EXPECT_EQ(q("SELECT kind, count(*) FROM traffic_days WHERE repo_id = 1001 GROUP BY kind"),
            std::vector<std::string>{"clones|15"});
}

TEST_F(LambdaTest, near_the_deadline_leaves_repositories_for_the_next_invocation) {
  constexpr int k_repos = 20;
  add_repos("octo", k_repos);
  // At least 4 requests of 80 ms each: a repository takes over 320 ms, so at most a dozen
  // fit before the collection stops (a fifth of the 5 s is kept for the answer).
  m_github.set_latency(milliseconds(80));
  FakeRuntimeApi api({
      {"{}", milliseconds(5000), ""},
      {"{}", milliseconds(5000), ""},
      {"{}", milliseconds(600000), ""},
  });
  auto result = run_lambda(api, {{"GHTRAFFIC_OWNERS", "octo"}, {"GHTRAFFIC_CONCURRENCY", "1"}});

  EXPECT_EQ(result.exit_code, 1) << result.err;
  auto answers = api.answers();
  ASSERT_EQ(answers.size(), 3u) << result.err;
  std::vector<json> docs;
  for (const auto& a : answers) {
    ASSERT_EQ(a.kind, "response") << a.body;
    docs.push_back(json::parse(a.body));
  }

  auto first_collected = collected_names(docs[0]);
  auto first_left = docs[0]["left_for_next_run"].get<std::vector<std::string>>();
  EXPECT_FALSE(first_collected.empty()) << answers[0].body;
  EXPECT_FALSE(first_left.empty()) << answers[0].body;
  EXPECT_EQ(docs[0]["failed"], 0);
  EXPECT_EQ(first_collected.size() + first_left.size(), static_cast<size_t>(k_repos));
  for (const auto& r : docs[0]["repos"]) {
    EXPECT_GT(r["days_stored"].get<int>(), 0) << r.dump();
  }

  // The second invocation starts with what the first left.
  auto second_collected = collected_names(docs[1]);
  EXPECT_FALSE(second_collected.empty()) << answers[1].body;
  std::set<std::string> left(first_left.begin(), first_left.end());
  std::set<std::string> second(second_collected.begin(), second_collected.end());
  if (second.size() <= left.size()) {
    for (const auto& name : second) {
      EXPECT_TRUE(left.contains(name)) << name << " collected before the ones left";
    }
  } else {
    for (const auto& name : left) {
      EXPECT_TRUE(second.contains(name)) << name << " left again";
    }
  }

  // With time enough, everything.
  EXPECT_EQ(collected_names(docs[2]).size(), static_cast<size_t>(k_repos));
  EXPECT_EQ(docs[2]["left_for_next_run"], json::array());
  EXPECT_EQ(q("SELECT count(*) FROM repos"), (std::vector<std::string>{std::to_string(k_repos)}));
}

TEST_F(LambdaTest, backfills_within_its_cap_after_the_collection_and_goes_on_next_time) {
  auto& repo = add_repo("octo/alpha", 101);
  repo.star_history = false;  // the listing, one star a page: more than one pass needs
  repo.stargazers = {{at("2026-03-02T01:00:00Z"), "a"},
                     {at("2026-03-10T09:00:00Z"), "b"},
                     {at("2026-03-19T10:00:00Z"), "c"}};
  repo.stars = 3;
  m_github.set_listing_page_size(1);
  FakeRuntimeApi api({{"{}", milliseconds(60000), ""},
                      {"{}", milliseconds(60000), ""},
                      {"{}", milliseconds(60000), ""},
                      {"{}", milliseconds(60000), ""}});
  auto result = run_lambda(
      api, {{"GHTRAFFIC_REPOS", "octo/alpha"}, {"GHTRAFFIC_BACKFILL_MAX_REQUESTS", "2"}});
  auto answers = api.answers();
  ASSERT_EQ(answers.size(), 4u) << result.err;
  std::int64_t total = 0;
  for (const auto& a : answers) {
    ASSERT_EQ(a.kind, "response") << a.body;
    auto backfill = json::parse(a.body)["backfill"];
    EXPECT_EQ(backfill["ran"], true) << backfill.dump();
    EXPECT_LE(backfill["requests"].get<int>(), 2) << backfill.dump();
    total += backfill["requests"].get<int>();
  }
  EXPECT_EQ(json::parse(answers[0].body)["backfill"]["stopped"], "budget");
  auto stats = m_github.stats();
  EXPECT_EQ(
      stats.by_route["stargazers"] + stats.by_route["forks"] + stats.by_route["stargazers/history"],
      total);
  // Four passes of two requests: the listing's three pages read across them.
  auto stars = q("SELECT day, count FROM history_counts WHERE kind = 'stars' ORDER BY day");
  ASSERT_FALSE(stars.empty()) << result.err;
  EXPECT_EQ(stars.front(), "2026-03-02|1");
  EXPECT_EQ(stars.back(), "2026-03-20|3");
  EXPECT_NE(result.err.find("backfill: "), std::string::npos) << result.err;
}

TEST_F(LambdaTest, the_answer_and_one_log_line_each_name_the_repositories_at_risk) {
  add_repos("octo", 4);
  // By the real clock: repo-00 collected 12 days ago (2 days left), repo-01 20 days ago
  // (6 days lost), repo-03 two days ago (12 left).
  auto now = std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
  for (auto [name, days_ago] : std::vector<std::pair<std::string, int>>{
           {"octo/repo-00", 12}, {"octo/repo-01", 20}, {"octo/repo-03", 2}}) {
    m_github.set_now(now - std::chrono::days(days_ago));
    ASSERT_EQ(run_collect({name}).exit_code, 0);
  }
  m_github.set_now(now);
  // The schedule collects only repo-02 and repo-01.
  FakeRuntimeApi api({{R"({"repos": ["octo/repo-02", "octo/repo-01"]})", milliseconds(60000), ""}});
  auto result = run_lambda(api, {{"GHTRAFFIC_WARN_DAYS", "3"}});
  auto answers = api.answers();
  ASSERT_EQ(answers.size(), 1u) << result.err;
  ASSERT_EQ(answers[0].kind, "response") << answers[0].body;
  auto answer = json::parse(answers[0].body);
  ASSERT_EQ(answer["at_risk"].size(), 1u) << answers[0].body;
  EXPECT_EQ(answer["at_risk"][0]["repo"], "octo/repo-00");
  EXPECT_EQ(answer["at_risk"][0]["days_left"], 2);
  EXPECT_EQ(answer["at_risk"][0]["urgency"], "at-risk");
  ASSERT_EQ(answer["lost_before_run"].size(), 1u);
  EXPECT_EQ(answer["lost_before_run"][0]["repo"], "octo/repo-01");
  EXPECT_EQ(answer["lost_before_run"][0]["lost_days"], 6);

  // One line per repository at risk, in the form docs/aws.md's metric filter matches.
  auto last_success = util::format_iso8601(now - std::chrono::days(12));
  auto expected =
      "GHTRAFFIC_AT_RISK repo=octo/repo-00 urgency=at-risk days_left=2 lost_days=0 "
      "last_success=" +
      last_success + "\n";
  EXPECT_NE(result.err.find(expected), std::string::npos) << result.err;
  EXPECT_EQ(result.err.find("GHTRAFFIC_AT_RISK"), result.err.rfind("GHTRAFFIC_AT_RISK"))
      << result.err;
  EXPECT_NE(result.err.find("octo/repo-01 was last collected on"), std::string::npos) << result.err;
}

TEST_F(LambdaTest, a_webhook_hears_of_a_repository_at_risk_once_a_day_not_at_every_invocation) {
  add_repos("octo", 2);
  auto now = std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
  m_github.set_now(now - std::chrono::days(13));
  ASSERT_EQ(run_collect({"octo/repo-00"}).exit_code, 0);
  m_github.set_now(now);
  WebhookListener hook;
  FakeRuntimeApi api({{R"({"repos": ["octo/repo-01"]})", milliseconds(60000), ""},
                      {R"({"repos": ["octo/repo-01"]})", milliseconds(60000), ""}});
  auto result = run_lambda(api, {{"GHTRAFFIC_NOTIFY_URL", hook.url()}});
  ASSERT_EQ(api.answers().size(), 2u) << result.err;
  auto bodies = hook.bodies();
  ASSERT_EQ(bodies.size(), 1u) << result.err;
  auto text = json::parse(bodies[0])["text"].get<std::string>();
  EXPECT_NE(text.find("octo/repo-00 (1 day left)"), std::string::npos) << text;
  EXPECT_EQ(text.find("octo/repo-01"), std::string::npos) << text;
  EXPECT_EQ(result.err.find("T0SECRETPATH"), std::string::npos) << result.err;
}

TEST_F(LambdaTest, no_token_source_is_an_init_error) {
  FakeRuntimeApi api({{"{}", milliseconds(60000), ""}});
  auto result = run_lambda(api, {{"GITHUB_TOKEN", ""}});

  EXPECT_EQ(result.exit_code, 2) << result.err;
  EXPECT_EQ(api.next_calls(), 0);
  auto errors = api.init_errors();
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].error_type_header, "Config.NoToken");
  auto body = json::parse(errors[0].body);
  EXPECT_EQ(body["errorType"], "Config.NoToken");
  EXPECT_NE(body["errorMessage"].get<std::string>().find("GHTRAFFIC_TOKEN_SSM_PARAMETER"),
            std::string::npos)
      << errors[0].body;
}

TEST_F(LambdaTest, a_bad_store_url_is_an_init_error) {
  FakeRuntimeApi api({{"{}", milliseconds(60000), ""}});
  auto result = run_lambda(api, {{"GHTRAFFIC_STORE", "nosuch:thing"}});

  EXPECT_EQ(result.exit_code, 2) << result.err;
  EXPECT_EQ(api.next_calls(), 0);
  auto errors = api.init_errors();
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(json::parse(errors[0].body)["errorType"], "Config.InvalidStore");
  EXPECT_NE(result.err.find("nosuch"), std::string::npos) << result.err;
}

TEST_F(LambdaTest, a_concurrency_that_is_no_number_or_out_of_range_is_an_init_error) {
  for (const auto& [value, message] : std::vector<std::pair<std::string, std::string>>{
           {"abc", "GHTRAFFIC_CONCURRENCY: \"abc\" is not a whole number"},
           {"0", "GHTRAFFIC_CONCURRENCY: \"0\" must be from 1 to 100"}}) {
    FakeRuntimeApi api({{"{}", milliseconds(60000), ""}});
    auto result = run_lambda(api, {{"GHTRAFFIC_CONCURRENCY", value}});

    EXPECT_EQ(result.exit_code, 2) << result.err;
    EXPECT_EQ(api.next_calls(), 0);
    auto errors = api.init_errors();
    ASSERT_EQ(errors.size(), 1u);
    auto body = json::parse(errors[0].body);
    EXPECT_EQ(body["errorType"], "Config.Invalid");
    EXPECT_EQ(body["errorMessage"], message);
  }
}

TEST_F(LambdaTest, without_the_runtime_api_it_says_where_it_belongs) {
  auto result = run_ghtraffic({"lambda"}, {.env = {{"GHTRAFFIC_STORE", m_store}}});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("AWS_LAMBDA_RUNTIME_API"), std::string::npos) << result.err;
}

// The loop in-process: the trace id reaches _X_AMZN_TRACE_ID, a throwing handler becomes an
// error of its own type and the loop goes on.
TEST(lambda_runtime_api, serve_sets_the_trace_id_and_reports_exceptions) {
  FakeRuntimeApi fake({
      {R"({"n": 1})", milliseconds(30000), "Root=1-abc;Parent=def;Sampled=1"},
      {R"({"n": 2})", std::nullopt, ""},
  });
  auto transport = net::make_curl_transport({.http2 = false});
  aws::lambda::RuntimeApi api(fake.address(), *transport);
  std::vector<std::string> traces;
  std::vector<bool> had_deadline;
  auto reason = aws::lambda::serve(
      api, [&](const aws::lambda::Invocation& invocation) -> aws::lambda::HandlerResult {
        const char* trace = std::getenv("_X_AMZN_TRACE_ID");
        traces.push_back(trace ? trace : "(unset)");
        had_deadline.push_back(invocation.deadline.has_value());
        if (invocation.event.find('2') != std::string::npos) {
          throw std::runtime_error("boom");
        }
        return std::string(R"({"ok": true})");
      });
  EXPECT_NE(reason.find("500"), std::string::npos) << reason;
  EXPECT_EQ(traces, (std::vector<std::string>{"Root=1-abc;Parent=def;Sampled=1", "(unset)"}));
  EXPECT_EQ(had_deadline, (std::vector<bool>{true, false}));
  auto answers = fake.answers();
  ASSERT_EQ(answers.size(), 2u);
  EXPECT_EQ(answers[0].kind, "response");
  EXPECT_EQ(answers[0].body, R"({"ok": true})");
  EXPECT_EQ(answers[1].kind, "error");
  EXPECT_EQ(answers[1].error_type_header, "Runtime.Unhandled");
  EXPECT_EQ(json::parse(answers[1].body)["errorMessage"], "boom");
}

TEST(lambda_runtime_api, converts_the_deadline_to_the_steady_clock) {
  auto wall = std::chrono::system_clock::now();
  auto steady = std::chrono::steady_clock::now();
  auto converted = aws::lambda::to_steady(wall + milliseconds(1500), steady, wall);
  EXPECT_EQ(std::chrono::duration_cast<milliseconds>(converted - steady).count(), 1500);
}

}  // namespace
}  // namespace ghtraffic::testing
