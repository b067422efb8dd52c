// Days left everywhere the tool runs: `collect` warns about the stored repositories it did
// not collect that are at risk and about days lost before it collected one, and serve's
// freshness watch logs and posts to a webhook once per repository per UTC day.
#include <gmock/gmock.h>

#include <nlohmann/json.hpp>

#include "fixture.hpp"
#include "ghtraffic/cli/freshness_watch.hpp"
#include "ghtraffic/net/transport.hpp"
#include "ghtraffic/store/store.hpp"
#include "ghtraffic/util/clock.hpp"
#include "ghtraffic/util/log.hpp"
#include "support/captured_log.hpp"
#include "webhook_listener.hpp"

using namespace ghtraffic;
using namespace ghtraffic::testing;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using json = nlohmann::json;

namespace {

class alerts : public CollectFixture {
 protected:
  // octo/stale collected on 2026-03-01 only, octo/soon last on 03-31, octo/fresh on 04-11:
  // on 04-12 stale has lost days, soon has 2 days left and fresh 13.
  void collect_three() {
    add_repo("octo/fresh", 1);
    add_repo("octo/soon", 2);
    add_repo("octo/stale", 3);
    collect_at("2026-03-01T10:00:00Z", {"octo/fresh", "octo/soon", "octo/stale"});
    collect_at("2026-03-31T10:00:00Z", {"octo/fresh", "octo/soon"});
    collect_at("2026-04-11T10:00:00Z", {"octo/fresh"});
  }

  void collect_at(const char* now, std::vector<std::string> repos) {
    m_github.set_now(at(now));
    auto r = run_collect(std::move(repos));
    ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  }

  // collect on 2026-04-12 at noon, days left counted from that day.
  ProcessResult collect_on_april_12(std::vector<std::string> args) {
    m_github.set_now(at("2026-04-12T12:00:00Z"));
    args.insert(args.begin(), {"--today", "2026-04-12"});
    return run_collect(std::move(args));
  }

  static std::vector<std::string> warnings(const std::string& err) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start < err.size()) {
      auto end = err.find('\n', start);
      auto line = err.substr(start, end == std::string::npos ? std::string::npos : end - start);
      if (line.starts_with("warning: ")) {
        out.push_back(line);
      }
      start = end == std::string::npos ? err.size() : end + 1;
    }
    return out;
  }
};

}  // namespace

TEST_F(alerts, collect_warns_about_a_stored_repository_it_did_not_collect_that_is_at_risk) {
  collect_three();
  auto r = collect_on_april_12({"octo/stale", "octo/fresh", "--quiet"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  auto lines = warnings(r.err);
  ASSERT_EQ(lines.size(), 2u) << r.err;
  EXPECT_THAT(lines[0], HasSubstr("1 repository this run did not collect needs collecting"));
  EXPECT_THAT(lines[0], HasSubstr("octo/soon (2 days left)"));
  EXPECT_THAT(lines[0], Not(HasSubstr("octo/fresh")));
  EXPECT_THAT(lines[0], Not(HasSubstr("octo/stale")));
  // A run 42 days after the previous one says which days it could not save.
  EXPECT_THAT(lines[1], HasSubstr("days were lost before this run"));
  EXPECT_THAT(lines[1], HasSubstr("octo/stale was last collected on 2026-03-01, 42 days before, "
                                  "so 28 days (2026-03-02 to 2026-03-29) went uncollected"));
  EXPECT_THAT(lines[1], Not(HasSubstr("octo/fresh")));
}

TEST_F(alerts, collect_json_lists_the_repositories_at_risk_and_the_days_lost_before_the_run) {
  collect_three();
  auto r = collect_on_april_12({"octo/stale", "octo/fresh", "--json"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  auto doc = json::parse(r.out);
  ASSERT_EQ(doc["at_risk"].size(), 1u) << r.out;
  EXPECT_EQ(doc["at_risk"][0]["repo"], "octo/soon");
  EXPECT_EQ(doc["at_risk"][0]["days_left"], 2);
  EXPECT_EQ(doc["at_risk"][0]["urgency"], "at-risk");
  ASSERT_EQ(doc["lost_before_run"].size(), 1u);
  EXPECT_EQ(doc["lost_before_run"][0]["repo"], "octo/stale");
  EXPECT_EQ(doc["lost_before_run"][0]["previous_success"], "2026-03-01T10:00:00Z");
  EXPECT_EQ(doc["lost_before_run"][0]["lost_days"], 28);
  EXPECT_EQ(doc["lost_before_run"][0]["lost_from"], "2026-03-02");
  EXPECT_EQ(doc["lost_before_run"][0]["lost_to"], "2026-03-29");
}

TEST_F(alerts, a_repository_that_failed_in_this_run_counts_as_not_collected) {
  collect_three();
  m_github.inject("/repos/octo/soon/traffic/views", Fault::forbidden_push, 10);
  auto r = collect_on_april_12({"octo/soon", "octo/fresh", "--warn-days", "1"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  auto lines = warnings(r.err);
  // soon has 2 days left: not at risk with --warn-days 1; stale was not collected and lost.
  ASSERT_EQ(lines.size(), 1u) << r.err;
  EXPECT_THAT(lines[0], HasSubstr("octo/stale (28 days lost (2026-03-02 to 2026-03-29))"));
  EXPECT_THAT(lines[0], Not(HasSubstr("octo/soon")));
  auto at_risk = collect_on_april_12({"octo/soon", "octo/fresh"});
  ASSERT_EQ(warnings(at_risk.err).size(), 1u) << at_risk.err;
  EXPECT_THAT(warnings(at_risk.err)[0], HasSubstr("octo/soon (2 days left)"));
}

TEST_F(alerts, collect_says_nothing_when_no_day_is_at_risk_or_was_lost) {
  collect_three();
  auto r = collect_on_april_12({"octo/stale", "octo/soon", "octo/fresh"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(warnings(r.err), ElementsAre(HasSubstr("octo/stale was last collected")));
  // The next day every repository was collected the day before: nothing to say.
  m_github.set_now(at("2026-04-13T12:00:00Z"));
  auto next = run_collect({"--today", "2026-04-13"});
  EXPECT_EQ(next.exit_code, 0) << next.err;
  EXPECT_THAT(warnings(next.err), IsEmpty()) << next.err;
}

// serve's watch, in process: a clock moved by hand, a webhook on loopback.
class freshness_watch : public alerts {
 protected:
  void SetUp() override {
    alerts::SetUp();
    collect_three();
    m_read = store::make_store(m_store, {.read_only = true});
    CapturedLog::clear();
  }

  std::unique_ptr<store::Store> m_read;
  std::unique_ptr<net::HttpTransport> m_transport = net::make_curl_transport();
  util::ManualClock m_clock{at("2026-04-12T08:00:00Z")};
  CapturedLog m_log;  // the watch's lines, from the end of SetUp
};

TEST_F(freshness_watch, posts_once_per_repository_per_utc_day_not_at_every_check) {
  WebhookListener hook;
  cli::FreshnessWatch watch({.notify_url = hook.url(), .warn_days = 3}, *m_transport, m_clock);

  EXPECT_THAT(watch.check(*m_read), ElementsAre("octo/stale", "octo/soon"));
  ASSERT_EQ(hook.bodies().size(), 1u);
  auto text = json::parse(hook.bodies()[0])["text"].get<std::string>();
  EXPECT_THAT(text, HasSubstr("octo/stale (28 days lost"));
  EXPECT_THAT(text, HasSubstr("octo/soon (2 days left)"));
  EXPECT_THAT(text, Not(HasSubstr("octo/fresh")));
  EXPECT_THAT(CapturedLog::text(), HasSubstr("warning: ghtraffic: 2 repositories need collecting"));

  // Later the same UTC day, after other runs: nothing new.
  m_clock.advance(std::chrono::hours(15));
  EXPECT_THAT(watch.check(*m_read), IsEmpty());
  EXPECT_THAT(watch.check(*m_read), IsEmpty());
  EXPECT_EQ(hook.bodies().size(), 1u);

  // The next UTC day both still need collecting: one more alert.
  m_clock.advance(std::chrono::hours(1));
  EXPECT_THAT(watch.check(*m_read), ElementsAre("octo/stale", "octo/soon"));
  EXPECT_EQ(hook.bodies().size(), 2u);
  EXPECT_THAT(json::parse(hook.bodies()[1])["text"].get<std::string>(),
              HasSubstr("octo/soon (1 day left)"));
}

TEST_F(freshness_watch, a_repository_is_posted_from_the_day_it_becomes_at_risk) {
  WebhookListener hook;
  // With --warn-days 1, soon (2 days left) is fine on 04-12 and at risk on 04-13.
  cli::FreshnessWatch watch({.notify_url = hook.url(), .warn_days = 1}, *m_transport, m_clock);
  EXPECT_THAT(watch.check(*m_read), ElementsAre("octo/stale"));
  m_clock.advance(std::chrono::hours(17));  // 04-13 01:00
  EXPECT_THAT(watch.check(*m_read), ElementsAre("octo/stale", "octo/soon"));
  m_clock.advance(std::chrono::hours(1));
  EXPECT_THAT(watch.check(*m_read), IsEmpty());
  EXPECT_EQ(hook.bodies().size(), 2u);
}

TEST_F(freshness_watch, a_failing_webhook_is_tried_again_at_the_next_check) {
  WebhookListener hook(500);
  cli::FreshnessWatch watch({.notify_url = hook.url(), .warn_days = 3}, *m_transport, m_clock);
  EXPECT_THAT(watch.check(*m_read), IsEmpty());
  EXPECT_THAT(CapturedLog::text(), HasSubstr("alert was not sent"));
  EXPECT_THAT(CapturedLog::text(), Not(HasSubstr("T0SECRETPATH")));
  hook.set_status(200);
  EXPECT_THAT(watch.check(*m_read), ElementsAre("octo/stale", "octo/soon"));
  EXPECT_EQ(hook.bodies().size(), 2u);
  // The log named them once: the webhook failure does not repeat the warning.
  EXPECT_THAT(CapturedLog::text(), HasSubstr("2 repositories need collecting"));
  EXPECT_EQ(CapturedLog::text().find("need collecting"),
            CapturedLog::text().rfind("need collecting"))
      << CapturedLog::text();
}

TEST_F(freshness_watch, without_a_webhook_it_logs_once_per_repository_per_day) {
  cli::FreshnessWatch watch({.notify_url = "", .warn_days = 3}, *m_transport, m_clock);
  EXPECT_THAT(watch.check(*m_read), ElementsAre("octo/stale", "octo/soon"));
  EXPECT_THAT(watch.check(*m_read), IsEmpty());
  EXPECT_THAT(CapturedLog::text(), HasSubstr("2 repositories need collecting"));
  EXPECT_EQ(CapturedLog::text().find("need collecting"),
            CapturedLog::text().rfind("need collecting"))
      << CapturedLog::text();
}
