// `ghtraffic status` end to end: a store collected from the mock GitHub server at chosen
// simulated times, then status counted from a chosen day (--today): the figures, the
// words, the exit codes, --json, and --notify against a webhook listener on loopback.
#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "fixture.hpp"
#include "webhook_listener.hpp"

using namespace ghtraffic;
using namespace ghtraffic::testing;
using ::testing::HasSubstr;
using ::testing::Not;
using json = nlohmann::json;

namespace {

// A loopback port with nothing listening on it: bound to learn a free one, then closed.
int refused_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  ::close(fd);
  return ntohs(address.sin_port);
}

class status : public CollectFixture {
 protected:
  // Three repositories collected on different simulated days of March 2026:
  // octo/fresh on the 19th, octo/soon on the 8th, octo/stale on the 1st.
  void collect_three() {
    add_repo("octo/fresh", 1);
    add_repo("octo/soon", 2);
    add_repo("octo/stale", 3);
    collect_at("2026-03-01T10:00:00Z", {"octo/fresh", "octo/soon", "octo/stale"});
    collect_at("2026-03-08T10:00:00Z", {"octo/fresh", "octo/soon"});
    collect_at("2026-03-19T10:00:00Z", {"octo/fresh"});
  }

  void collect_at(const char* now, std::vector<std::string> repos) {
    m_github.set_now(at(now));
    auto r = run_collect(std::move(repos));
    ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  }

  ProcessResult status_on(const char* today, std::vector<std::string> args = {},
                          ProcessOptions options = {}) {
    std::vector<std::string> full{"status", "--today", today};
    full.insert(full.end(), args.begin(), args.end());
    return ghtraffic(full, options);
  }
};

}  // namespace

TEST_F(status, lists_days_left_and_lost_days_most_urgent_first_and_exits_1) {
  collect_three();
  auto r = status_on("2026-03-20");
  EXPECT_EQ(r.exit_code, 1) << r.err << r.out;
  // 1st + 14 - 20th = -5: the 2nd to the 6th are gone.
  auto stale = r.out.find("octo/stale");
  auto soon = r.out.find("octo/soon");
  auto fresh = r.out.find("octo/fresh");
  ASSERT_NE(stale, std::string::npos) << r.out;
  EXPECT_LT(stale, soon);
  EXPECT_LT(soon, fresh);
  EXPECT_THAT(r.out, HasSubstr("LOST 5 days (2026-03-02 to 2026-03-06)"));
  EXPECT_THAT(r.out, HasSubstr("AT RISK: collect it within 2 days"));
  EXPECT_THAT(r.out, HasSubstr("2026-03-19 10:00 UTC"));
  EXPECT_THAT(r.out, HasSubstr("2 of 3 repositories need collecting"));
  EXPECT_THAT(r.out, HasSubstr("ghtraffic collect"));
  EXPECT_THAT(r.out, Not(HasSubstr("\x1b[")));  // no colour off a terminal
}

TEST_F(status, exits_0_when_every_repository_has_more_than_warn_days_left) {
  collect_three();
  auto r = status_on("2026-03-20", {"octo/fresh"});
  EXPECT_EQ(r.exit_code, 0) << r.err << r.out;
  EXPECT_THAT(r.out, HasSubstr("13"));
  EXPECT_THAT(r.out, HasSubstr("All 1 repository has more than 3 days left."));
  EXPECT_THAT(r.out, Not(HasSubstr("octo/stale")));

  // octo/soon has 2 days left: at risk by default, not with --warn-days 1.
  EXPECT_EQ(status_on("2026-03-20", {"octo/soon"}).exit_code, 1);
  EXPECT_EQ(status_on("2026-03-20", {"octo/soon", "--warn-days", "1"}).exit_code, 0);
  // 0 days left is due today whatever --warn-days says.
  auto due = status_on("2026-03-22", {"octo/soon", "--warn-days", "0"});
  EXPECT_EQ(due.exit_code, 1);
  EXPECT_THAT(due.out, HasSubstr("DUE TODAY"));
}

TEST_F(status, quiet_prints_only_the_repositories_that_need_attention) {
  collect_three();
  auto r = status_on("2026-03-20", {"--quiet"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.out, HasSubstr("octo/stale"));
  EXPECT_THAT(r.out, Not(HasSubstr("octo/fresh")));
  auto calm = status_on("2026-03-20", {"--quiet", "octo/fresh"});
  EXPECT_EQ(calm.exit_code, 0);
  EXPECT_EQ(calm.out, "");
}

TEST_F(status, json_gives_the_same_figures_per_repository) {
  collect_three();
  auto r = status_on("2026-03-20", {"--json"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  auto doc = json::parse(r.out);
  EXPECT_EQ(doc["today"], "2026-03-20");
  EXPECT_EQ(doc["warn_days"], 3);
  auto& repos = doc["repositories"];
  ASSERT_EQ(repos.size(), 3u);
  EXPECT_EQ(repos[0]["repo"], "octo/stale");
  EXPECT_EQ(repos[0]["last_success"], "2026-03-01T10:00:00Z");
  EXPECT_EQ(repos[0]["days_left"], -5);
  EXPECT_EQ(repos[0]["lost_days"], 5);
  EXPECT_EQ(repos[0]["lost_from"], "2026-03-02");
  EXPECT_EQ(repos[0]["lost_to"], "2026-03-06");
  EXPECT_EQ(repos[0]["urgency"], "lost");
  EXPECT_TRUE(repos[0]["last_error"].is_null());
  EXPECT_EQ(repos[1]["repo"], "octo/soon");
  EXPECT_EQ(repos[1]["days_left"], 2);
  EXPECT_EQ(repos[1]["lost_days"], 0);
  EXPECT_EQ(repos[1]["urgency"], "at-risk");
  EXPECT_EQ(repos[2]["repo"], "octo/fresh");
  EXPECT_EQ(repos[2]["days_left"], 13);
  EXPECT_EQ(repos[2]["needs_attention"], false);
}

TEST_F(status, shows_the_last_error_when_the_latest_attempt_failed) {
  collect_three();
  m_github.set_now(at("2026-03-20T09:00:00Z"));
  m_github.inject("/repos/octo/soon/traffic/views", Fault::forbidden_push, 1);
  auto failed = run_collect({"octo/soon", "octo/fresh"});
  EXPECT_EQ(failed.exit_code, 1);
  auto r = status_on("2026-03-20", {"--json"});
  auto doc = json::parse(r.out);
  json soon;
  json fresh;
  for (const auto& repo : doc["repositories"]) {
    (repo["repo"] == "octo/soon" ? soon : fresh) = repo;
  }
  EXPECT_THAT(soon["last_error"].get<std::string>(), HasSubstr("push access"));
  EXPECT_EQ(soon["days_left"], 2);  // the failed run changed nothing of its figures
  auto text = status_on("2026-03-20", {"octo/soon"});
  EXPECT_THAT(text.out, HasSubstr("last attempt 2026-"));
  EXPECT_THAT(text.out, HasSubstr("push access"));
  // A later success clears it.
  m_github.set_now(at("2026-03-20T10:00:00Z"));
  ASSERT_EQ(run_collect({"octo/soon"}).exit_code, 0);
  auto after = json::parse(status_on("2026-03-20", {"--json", "octo/soon"}).out);
  EXPECT_TRUE(after["repositories"][0]["last_error"].is_null());
  EXPECT_EQ(after["repositories"][0]["days_left"], 14);
}

TEST_F(status, a_repository_never_collected_is_listed_with_its_error) {
  add_repo("octo/fresh", 1);
  m_github.inject("/repos/octo/locked/traffic/views", Fault::forbidden_push, 10);
  add_repo("octo/locked", 9);
  m_github.set_now(at("2026-03-19T10:00:00Z"));
  EXPECT_EQ(run_collect({"octo/fresh", "octo/locked"}).exit_code, 1);
  auto r = status_on("2026-03-20");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.out, HasSubstr("NEVER COLLECTED"));
  EXPECT_THAT(r.out, HasSubstr("push access"));
  EXPECT_LT(r.out.find("octo/locked"), r.out.find("octo/fresh"));
}

TEST_F(status, usage_errors_exit_2) {
  collect_three();
  EXPECT_EQ(status_on("2026-03-20", {"--warn-days", "x"}).exit_code, 2);
  EXPECT_EQ(status_on("2026-03-20", {"--warn-days", "-1"}).exit_code, 2);
  auto bad_day = status_on("March");
  EXPECT_EQ(bad_day.exit_code, 2);
  auto unknown = status_on("2026-03-20", {"octo/typo"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_THAT(unknown.err, HasSubstr("octo/typo"));
  auto no_store = run_ghtraffic({"status", "--store", "sqlite:" + m_dir + "/none.db"});
  EXPECT_EQ(no_store.exit_code, 2);
  EXPECT_THAT(no_store.err, HasSubstr("ghtraffic collect"));
}

TEST_F(status, notify_posts_one_message_naming_the_repositories_at_risk_without_secrets) {
  collect_three();
  WebhookListener hook;
  const std::string canary = "ghp_CANARYTOKEN0123456789abcdefXYZ";
  auto r = status_on("2026-03-20", {"--notify", hook.url()},
                     {.env = {{"GITHUB_TOKEN", canary}, {"GH_TOKEN", canary}}});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  auto bodies = hook.bodies();
  ASSERT_EQ(bodies.size(), 1u);
  EXPECT_EQ(hook.content_types()[0], "application/json");
  auto body = json::parse(bodies[0]);
  auto text = body["text"].get<std::string>();
  EXPECT_EQ(body["content"], text);
  EXPECT_THAT(text, HasSubstr("octo/stale"));
  EXPECT_THAT(text, HasSubstr("5 days lost"));
  EXPECT_THAT(text, HasSubstr("octo/soon"));
  EXPECT_THAT(text, Not(HasSubstr("octo/fresh")));
  EXPECT_THAT(text, HasSubstr("ghtraffic collect"));
  for (const auto* where : {&bodies[0], &r.out, &r.err}) {
    EXPECT_THAT(*where, Not(HasSubstr(canary)));
    EXPECT_THAT(*where, Not(HasSubstr(k_token)));
  }

  // Nothing is posted when nothing needs attention.
  WebhookListener quiet_hook;
  EXPECT_EQ(status_on("2026-03-20", {"octo/fresh", "--notify", quiet_hook.url()}).exit_code, 0);
  EXPECT_TRUE(quiet_hook.bodies().empty());
}

TEST_F(status, a_failing_webhook_is_a_warning_and_keeps_the_exit_code) {
  collect_three();
  WebhookListener broken(500);
  auto r = status_on("2026-03-20", {"--notify", broken.url()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(broken.bodies().size(), 1u);
  EXPECT_THAT(r.err, HasSubstr("alert was not sent"));
  EXPECT_THAT(r.err, HasSubstr("500"));
  EXPECT_THAT(r.err, Not(HasSubstr("T0SECRETPATH")));  // a webhook's path is its secret

  auto refused = status_on(
      "2026-03-20",
      {"--notify", "http://127.0.0.1:" + std::to_string(refused_port()) + "/hooks/T0SECRETPATH"});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_THAT(refused.err, HasSubstr("alert was not sent"));
  EXPECT_THAT(refused.err, Not(HasSubstr("T0SECRETPATH")));

  // With every repository fine, a broken webhook is never called and status exits 0.
  EXPECT_EQ(status_on("2026-03-20", {"octo/fresh", "--notify", broken.url()}).exit_code, 0);
}
