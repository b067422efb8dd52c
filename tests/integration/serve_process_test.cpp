// `ghtraffic serve` as a child process against the mock GitHub server: the scheduler
// collects on its interval without overlapping runs, reports its runs at /api/status, and
// SIGTERM stops it cleanly with every stored repository whole and the port released.
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <httplib.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "fixture.hpp"
#include "ghtraffic/store/store.hpp"
#include "webhook_listener.hpp"

using namespace ghtraffic;
using namespace ghtraffic::testing;
using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;
using namespace std::chrono_literals;

namespace {

// The port of serve's "listening on http://127.0.0.1:PORT/" line, or 0.
int wait_for_serve(BackgroundProcess& child) {
  return child.wait_for_port("http://127.0.0.1:");
}

class serve_process : public ServeFixture {
 protected:
  json status() {
    httplib::Client client("127.0.0.1", m_port);
    auto res = client.Get("/api/status");
    return res && res->status == 200 ? json::parse(res->body) : json(nullptr);
  }

  // Polls /api/status until pred holds; the last answer.
  template <typename Pred>
  json wait_status(Pred pred, std::chrono::milliseconds timeout = 20s) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    json last;
    while (std::chrono::steady_clock::now() < deadline) {
      last = status();
      if (!last.is_null() && pred(last)) {
        return last;
      }
      std::this_thread::sleep_for(100ms);
    }
    ADD_FAILURE() << "status never matched; last: " << last.dump() << "\n" << read_file(m_err);
    return last;
  }
};

}  // namespace

TEST_F(serve_process, collects_on_its_interval_without_overlapping_runs_and_reports_errors) {
  add_repo("octo/alpha", 101);
  m_github.set_view("octo/alpha", day("2026-03-18"), 9, 4);
  add_repo("octo/locked", 102).push = false;
  m_github.set_latency(100ms);  // each run takes a while: a 2 s interval must not overlap
  auto child = serve({"--collect-every", "2s"});
  ASSERT_GT(m_port, 0);

  // The store records the run as finished a moment before the scheduler takes in its
  // outcome (rate limit, errors): wait until the scheduler is idle again too.
  auto first = wait_status([](const json& s) {
    return !s["last_run"].is_null() && !s["last_run"]["finished_at"].is_null() &&
           s["scheduler"]["running"] == false;
  });
  EXPECT_EQ(first["scheduler"]["enabled"], true);
  EXPECT_EQ(first["scheduler"]["interval_seconds"], 2);
  EXPECT_FALSE(first["scheduler"]["next_run_at"].is_null());
  EXPECT_EQ(first["rate_limit"]["limit"], 5000);
  // Two more runs at least; on a loaded machine a run may take longer than usual, so poll
  // for them instead of sleeping a fixed time.
  std::vector<std::string> runs;
  for (auto deadline = std::chrono::steady_clock::now() + 30s;
       std::chrono::steady_clock::now() < deadline; std::this_thread::sleep_for(200ms)) {
    runs = q("SELECT started_at, finished_at FROM runs ORDER BY id");
    if (runs.size() >= 3u) {
      break;
    }
  }
  ASSERT_GE(runs.size(), 3u) << read_file(m_err);
  for (size_t i = 1; i < runs.size(); ++i) {
    auto previous_end = runs[i - 1].substr(runs[i - 1].find('|') + 1);
    auto start = runs[i].substr(0, runs[i].find('|'));
    EXPECT_NE(previous_end, "NULL");
    EXPECT_GE(start, previous_end) << "run " << i << " overlaps the one before";
  }
  auto repos = q("SELECT full_name FROM repos ORDER BY full_name");
  EXPECT_EQ(repos, std::vector<std::string>({"octo/alpha"}));

  child->signal(SIGTERM);
  EXPECT_EQ(child->wait_exit(20s), 0) << read_file(m_err);
}

TEST_F(serve_process, status_and_overview_show_a_repository_that_failed) {
  add_repo("octo/alpha", 101);
  add_repo("octo/flaky", 102);
  m_github.inject("octo/flaky/traffic/views", Fault::forbidden_push, 1000);
  std::ofstream(m_dir + "/ghtraffic.toml")
      << "[[sources]]\nrepos = [\"octo/alpha\", \"octo/flaky\"]\n";
  auto child = serve({"--collect-every", "1h", "--config", m_dir + "/ghtraffic.toml"});
  ASSERT_GT(m_port, 0);
  auto s = wait_status([](const json& st) {
    return !st["last_run"].is_null() && !st["last_run"]["finished_at"].is_null() &&
           st["scheduler"]["running"] == false;
  });
  EXPECT_EQ(s["last_run"]["ok"], false);
  EXPECT_EQ(s["last_run"]["repos_failed"], 1);
  ASSERT_FALSE(s["last_run"]["errors"].empty()) << s.dump();
  EXPECT_EQ(s["last_run"]["errors"][0]["repo"], "octo/flaky");
  EXPECT_THAT(s["last_run"]["errors"][0]["error"].get<std::string>(), HasSubstr("push access"));
  httplib::Client client("127.0.0.1", m_port);
  auto repos = json::parse(client.Get("/api/repos")->body);
  ASSERT_EQ(repos["repos"].size(), 1u);  // flaky was never stored
  EXPECT_TRUE(repos["repos"][0]["error"].is_null());
  child->signal(SIGINT);
  EXPECT_EQ(child->wait_exit(20s), 0) << read_file(m_err);
  EXPECT_THAT(read_file(m_err), Not(HasSubstr(k_token)));
}

TEST_F(serve_process, a_run_that_could_not_list_its_repositories_is_failed_in_status_and_metrics) {
  add_repo("octo/alpha", 101);
  m_github.set_token("ghp_anothertoken0123456789abcdefXYZ");  // k_token is now wrong
  std::ofstream(m_dir + "/ghtraffic.toml") << "[[sources]]\nowner = \"octo\"\n";
  auto child = serve({"--collect-every", "1h", "--config", m_dir + "/ghtraffic.toml"});
  ASSERT_GT(m_port, 0);
  auto s = wait_status([](const json& st) {
    return !st["last_run"].is_null() && !st["last_run"]["finished_at"].is_null() &&
           st["scheduler"]["running"] == false;
  });
  EXPECT_EQ(s["last_run"]["ok"], false);
  EXPECT_EQ(s["last_run"]["repos_failed"], 1);
  httplib::Client client("127.0.0.1", m_port);
  auto metrics = client.Get("/metrics")->body;
  EXPECT_THAT(metrics, HasSubstr("ghtraffic_last_collection_success 0"));
  EXPECT_THAT(metrics, HasSubstr("ghtraffic_last_collection_repos_failed 1"));
  child->signal(SIGTERM);
  EXPECT_EQ(child->wait_exit(20s), 0) << read_file(m_err);
  auto err = read_file(m_err);
  EXPECT_THAT(err, HasSubstr("collection failed"));
  EXPECT_THAT(err, HasSubstr("could not list the repositories of octo"));
  EXPECT_THAT(err, Not(HasSubstr("collection ended")));
  EXPECT_THAT(err, Not(HasSubstr(k_token)));
}

TEST_F(serve_process, without_a_token_it_serves_and_says_once_that_it_does_not_collect) {
  m_err = m_dir + "/serve.err";
  BackgroundProcess child({"serve", "--listen", "127.0.0.1:0", "--store", m_store},
                          {{"HOME", m_dir}}, m_err);
  m_port = wait_for_serve(child);
  ASSERT_GT(m_port, 0) << read_file(m_err);
  auto s = status();
  EXPECT_EQ(s["scheduler"]["enabled"], false);
  EXPECT_THAT(s["scheduler"]["disabled_reason"].get<std::string>(), HasSubstr("no GitHub token"));
  child.signal(SIGTERM);
  EXPECT_EQ(child.wait_exit(20s), 0);
  auto err = read_file(m_err);
  EXPECT_EQ(err.find("not collecting"), err.rfind("not collecting"));
  EXPECT_THAT(err, HasSubstr("not collecting"));
}

TEST_F(serve_process, answers_only_loopback_host_names_and_those_given_with_allow_host) {
  auto child = serve({"--collect-every", "off", "--allow-host", "dash.example.org"});
  ASSERT_GT(m_port, 0);
  httplib::Client client("127.0.0.1", m_port);
  auto port = ":" + std::to_string(m_port);
  auto rebound = client.Get("/api/repos", {{"Host", "attacker.example" + port}});
  ASSERT_TRUE(rebound);
  EXPECT_EQ(rebound->status, 403);
  EXPECT_THAT(rebound->body, HasSubstr("--allow-host"));
  EXPECT_EQ(client.Get("/", {{"Host", "attacker.example" + port}})->status, 403);
  EXPECT_EQ(client.Get("/api/repos", {{"Host", "dash.example.org" + port}})->status, 200);
  EXPECT_EQ(client.Get("/api/repos", {{"Host", "localhost" + port}})->status, 200);
  EXPECT_EQ(client.Get("/api/repos")->status, 200);
  child->signal(SIGTERM);
  EXPECT_EQ(child->wait_exit(20s), 0) << read_file(m_err);
  EXPECT_THAT(read_file(m_err), Not(HasSubstr(k_token)));
}

TEST_F(serve_process, a_second_serve_on_a_port_in_use_exits_2_and_says_so) {
  auto first = serve({"--collect-every", "off"});
  ASSERT_GT(m_port, 0);
  auto port = std::to_string(m_port);
  auto second = run_ghtraffic(
      {"serve", "--listen", "127.0.0.1:" + port, "--store", m_store, "--collect-every", "off"},
      {.env = {{"GITHUB_TOKEN", k_token}}, .kill_after = 10s});
  EXPECT_EQ(second.exit_code, 2) << second.out << second.err;
  EXPECT_THAT(second.err, HasSubstr("port " + port + " is in use"));
  EXPECT_THAT(second.out, Not(HasSubstr("listening")));
  EXPECT_THAT(second.out + second.err, Not(HasSubstr(k_token)));
  EXPECT_FALSE(status().is_null());  // the first one still answers
  first->signal(SIGTERM);
  EXPECT_EQ(first->wait_exit(20s), 0) << read_file(m_err);
}

TEST_F(serve_process,
       sigterm_during_a_collection_exits_0_with_whole_repositories_and_frees_the_port) {
  for (int i = 0; i < 12; ++i) {
    add_repo("octo/repo-" + std::to_string(i), 200 + i);
  }
  m_github.set_latency(150ms);
  std::ofstream(m_dir + "/ghtraffic.toml") << "concurrency = 2\n";
  auto child = serve({"--collect-every", "24h", "--config", m_dir + "/ghtraffic.toml"});
  ASSERT_GT(m_port, 0);
  wait_status([](const json& s) { return s["scheduler"]["running"] == true; });
  std::this_thread::sleep_for(1500ms);  // some repositories are in, some in flight
  auto started = std::chrono::steady_clock::now();
  child->signal(SIGTERM);
  EXPECT_EQ(child->wait_exit(30s), 0) << read_file(m_err);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 10s);

  // Every stored repository is whole (R7): 15 days of views and of clones, its snapshots.
  auto stored = q("SELECT id FROM repos");
  EXPECT_GT(stored.size(), 0u);
  EXPECT_LT(stored.size(), 12u) << "the collection was not interrupted";
  for (const auto& id : stored) {
    EXPECT_EQ(q("SELECT count(*) FROM traffic_days WHERE kind='views' AND repo_id=" + id)[0], "15");
    EXPECT_EQ(q("SELECT count(*) FROM traffic_days WHERE kind='clones' AND repo_id=" + id)[0],
              "15");
    EXPECT_EQ(q("SELECT count(*) FROM counters WHERE repo_id=" + id)[0], "1");
  }
  EXPECT_EQ(q("PRAGMA integrity_check")[0], "ok");
  auto run = q("SELECT finished_at IS NOT NULL, repos_ok, repos_failed FROM runs");
  ASSERT_EQ(run.size(), 1u);
  EXPECT_EQ(run[0],
            "1|" + std::to_string(stored.size()) + "|" + std::to_string(12 - stored.size()));
  EXPECT_NO_THROW(store::make_store(m_store, {.read_only = true})->repositories());

  // Bound as serve binds (SO_REUSEADDR, which TIME_WAIT connections do not block): a
  // restarted serve gets the port.
  httplib::Server again;
  again.set_socket_options([](socket_t sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  EXPECT_TRUE(again.bind_to_port("127.0.0.1", m_port)) << "port " << m_port << " still held";
}

TEST_F(serve_process, alerts_once_names_the_repository_at_risk_in_status_and_gives_metrics) {
  // Collected 12 days ago by the real clock: 2 days left today.
  add_repo("octo/soon", 301);
  add_repo("octo/fresh", 302);
  auto now = std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
  m_github.set_now(now - std::chrono::days(12));
  ASSERT_EQ(run_collect({"octo/soon"}).exit_code, 0);
  m_github.set_now(now);
  ASSERT_EQ(run_collect({"octo/fresh"}).exit_code, 0);
  WebhookListener hook;
  std::ofstream(m_dir + "/ghtraffic.toml")
      << "notify_url = \"" << hook.url() << "\"\n[[sources]]\nrepos = [\"octo/fresh\"]\n";
  // Runs every second: the alert is posted at start-up, not again after each run.
  auto child = serve({"--collect-every", "1s", "--config", m_dir + "/ghtraffic.toml"});
  ASSERT_GT(m_port, 0);
  auto s = wait_status([](const json& st) {
    return !st["last_run"].is_null() && !st["last_run"]["finished_at"].is_null() &&
           st["scheduler"]["running"] == false;
  });
  auto runs_before = q("SELECT count(*) FROM runs")[0];
  std::this_thread::sleep_for(2500ms);
  EXPECT_GT(q("SELECT count(*) FROM runs")[0], runs_before) << "the scheduler did not run again";
  auto bodies = hook.bodies();
  ASSERT_EQ(bodies.size(), 1u) << read_file(m_err);
  auto text = json::parse(bodies[0])["text"].get<std::string>();
  EXPECT_THAT(text, HasSubstr("octo/soon (2 days left)"));
  EXPECT_THAT(text, Not(HasSubstr("octo/fresh")));

  s = status();
  ASSERT_EQ(s["attention"]["repositories"].size(), 1u) << s.dump();
  EXPECT_EQ(s["attention"]["repositories"][0]["repo"], "octo/soon");
  EXPECT_EQ(s["attention"]["repositories"][0]["days_left"], 2);
  EXPECT_EQ(s["attention"]["warn_days"], 3);
  httplib::Client client("127.0.0.1", m_port);
  auto metrics = client.Get("/metrics")->body;
  EXPECT_THAT(metrics, HasSubstr("ghtraffic_days_left{repo=\"octo/soon\"} 2\n"));
  EXPECT_THAT(metrics, HasSubstr("ghtraffic_days_left{repo=\"octo/fresh\"} 14\n"));
  EXPECT_THAT(metrics, HasSubstr(fmt::format(
                           "ghtraffic_last_success_timestamp_seconds{{repo=\"octo/soon\"}} {}\n",
                           (now - std::chrono::days(12)).time_since_epoch().count())));
  child->signal(SIGTERM);
  EXPECT_EQ(child->wait_exit(20s), 0) << read_file(m_err);
  auto err = read_file(m_err);
  // Logged once too, at start-up.
  EXPECT_THAT(err, HasSubstr("warning: ghtraffic: 1 repository needs collecting"));
  EXPECT_EQ(err.find("octo/soon (2 days left)"), err.rfind("octo/soon (2 days left)")) << err;
  EXPECT_THAT(err, Not(HasSubstr("T0SECRETPATH")));
}
