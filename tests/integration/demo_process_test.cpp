// `ghtraffic demo` as a child process: it collects its simulated period from the built-in
// mock through the real collection job into the store (a gap where the outage was, one
// history for the renamed repository), and serves the dashboard until SIGINT, after which
// its temporary store is gone.
#include <arpa/inet.h>
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <httplib.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "fixture.hpp"

using namespace ghtraffic;
using namespace ghtraffic::testing;
using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;
using namespace std::chrono_literals;

namespace {

constexpr const char* k_busy = "710001";
constexpr const char* k_quiet = "710002";
constexpr const char* k_outage = "710004";
constexpr const char* k_renamed = "710005";

std::string day_text(util::Day d) {
  return util::format_day(d);
}

// The folders the demo made under `tmp` for its temporary store.
std::vector<std::string> demo_folders(const std::string& tmp) {
  std::vector<std::string> out;
  for (const auto& entry : std::filesystem::directory_iterator(tmp)) {
    if (entry.path().filename().string().starts_with("ghtraffic-demo-")) {
      out.push_back(entry.path().string());
    }
  }
  return out;
}

// The port of the demo's "Dashboard: http://127.0.0.1:PORT/" line, or 0.
int wait_for_dashboard(BackgroundProcess& child) {
  return child.wait_for_port("Dashboard: http://127.0.0.1:", 60s);
}

// ghtraffic demo with its HOME and temporary folder in tmp.
std::map<std::string, std::string> demo_env(const std::string& tmp) {
  return {{"HOME", tmp}, {"TMPDIR", tmp}};
}

// Holds a loopback port, so that the demo finds it in use.
class HeldPort {
 public:
  HeldPort() {
    m_fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    socklen_t length = sizeof address;
    if (::bind(m_fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        ::listen(m_fd, 1) != 0 ||
        ::getsockname(m_fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
      throw std::runtime_error("could not hold a loopback port");
    }
    m_port = ntohs(address.sin_port);
  }
  ~HeldPort() { ::close(m_fd); }
  int port() const { return m_port; }

 private:
  int m_fd = -1;
  int m_port = 0;
};

}  // namespace

TEST(demo_process, collects_sixty_simulated_days_with_a_gap_and_a_rename) {
  auto dir = scratch_dir("demo-store");
  auto db = dir + "/demo.db";
  auto run = run_ghtraffic({"demo", "--no-serve", "--store", "sqlite:" + db, "--days", "60"},
                           {.env = {{"TMPDIR", dir}}, .kill_after = 120s});
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_THAT(run.out, HasSubstr("Collected 60 days"));
  EXPECT_THAT(
      run.out + run.err,
      Not(HasSubstr("demo-token-for-the-built-in-mock")));  // the internal token never shows
  EXPECT_TRUE(demo_folders(dir).empty());                   // --store given: no temporary one

  // The period is the 60 days ending today (UTC); the first collection's window reaches 14
  // days further back.
  auto last = *util::parse_day(query(db, "SELECT max(day) FROM traffic_days")[0]);
  auto first = last - std::chrono::days{59};
  auto from = day_text(first - std::chrono::days{14});
  auto runs = query(db, "SELECT count(*), min(started_at), max(started_at) FROM runs");
  EXPECT_EQ(runs[0], "60|" + day_text(first) + "T06:00:00Z|" + day_text(last) + "T06:00:00Z");

  // Every day of the busy repository is stored, views and clones.
  for (const char* kind : {"views", "clones"}) {
    auto days = query(db, fmt::format("SELECT count(*), min(day), max(day) FROM traffic_days "
                                      "WHERE repo_id = {} AND kind = '{}'",
                                      k_busy, kind));
    EXPECT_EQ(days[0], "74|" + from + "|" + day_text(last)) << kind;
  }
  // The quiet one has days without traffic: covered, so stored as 0 (R3).
  EXPECT_GT(std::stoi(query(db, fmt::format("SELECT count(*) FROM traffic_days WHERE repo_id = {} "
                                            "AND kind = 'views' AND count = 0",
                                            k_quiet))[0]),
            10);

  // The outage: 20 days from 60% of the period without a collection of that repository;
  // the first 6 of them were never covered by any window, so they are absent, never 0.
  auto outage = first + std::chrono::days{36};
  auto gap_last = outage + std::chrono::days{5};
  auto in_gap = query(db, fmt::format("SELECT count(*) FROM traffic_days WHERE repo_id = {} AND "
                                      "day BETWEEN '{}' AND '{}'",
                                      k_outage, day_text(outage), day_text(gap_last)));
  EXPECT_EQ(in_gap[0], "0");
  auto around = query(db, fmt::format("SELECT day FROM traffic_days WHERE repo_id = {} AND kind = "
                                      "'views' AND day IN ('{}', '{}') ORDER BY day",
                                      k_outage, day_text(outage - std::chrono::days{1}),
                                      day_text(gap_last + std::chrono::days{1})));
  EXPECT_EQ(around, std::vector<std::string>({day_text(outage - std::chrono::days{1}),
                                              day_text(gap_last + std::chrono::days{1})}));
  EXPECT_EQ(query(db, fmt::format("SELECT count(*) FROM traffic_days WHERE repo_id = {} AND kind "
                                  "= 'views'",
                                  k_outage))[0],
            "68");
  auto outage_runs = query(db, fmt::format("SELECT count(*) FROM windows WHERE repo_id = {} AND "
                                           "kind = 'views'",
                                           k_outage));
  EXPECT_EQ(outage_runs[0], "40");

  // The rename: one repository, one history, under the new name, with both names.
  EXPECT_EQ(query(db, "SELECT id, full_name FROM repos ORDER BY id"),
            std::vector<std::string>({"710001|octo-demo/busy", "710002|octo-demo/quiet",
                                      "710003|octo-demo/steady", "710004|octo-demo/outage",
                                      "710005|octo-demo/new-name"}));
  EXPECT_EQ(query(db, fmt::format("SELECT full_name FROM repo_names WHERE repo_id = {} ORDER BY "
                                  "full_name",
                                  k_renamed)),
            std::vector<std::string>({"octo-demo/new-name", "octo-demo/old-name"}));
  EXPECT_EQ(query(db, fmt::format("SELECT count(*), min(day), max(day) FROM traffic_days WHERE "
                                  "repo_id = {} AND kind = 'views'",
                                  k_renamed))[0],
            "74|" + from + "|" + day_text(last));

  // Stars and forks grow over the period.
  auto stars = query(db, fmt::format("SELECT stars, forks FROM counters WHERE repo_id = {} ORDER "
                                     "BY day",
                                     k_busy));
  ASSERT_EQ(stars.size(), 60u);
  auto first_stars = std::stoi(stars.front());
  auto last_stars = std::stoi(stars.back());
  EXPECT_GT(last_stars, first_stars);
}

TEST(demo_process, serves_the_dashboard_until_sigint_and_removes_its_temporary_store) {
  auto tmp = scratch_dir("demo-serve");
  auto err = tmp + "/demo.err";
  BackgroundProcess child({"demo", "--listen", "127.0.0.1:0", "--days", "30"}, demo_env(tmp), err);
  auto port = wait_for_dashboard(child);
  ASSERT_GT(port, 0) << child.out() << read_file(err);
  EXPECT_EQ(demo_folders(tmp).size(), 1u);

  httplib::Client client("127.0.0.1", port);
  auto health = client.Get("/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  auto repos = client.Get("/api/repos");
  ASSERT_TRUE(repos);
  ASSERT_EQ(repos->status, 200) << repos->body;
  std::vector<std::string> names;
  auto body = json::parse(repos->body);
  for (const auto& r : body["repos"]) {
    names.push_back(r["repo"].get<std::string>());
  }
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names,
            std::vector<std::string>({"octo-demo/busy", "octo-demo/new-name", "octo-demo/outage",
                                      "octo-demo/quiet", "octo-demo/steady"}));

  child.signal(SIGINT);
  EXPECT_EQ(child.wait_exit(20s), 0) << read_file(err);
  EXPECT_TRUE(demo_folders(tmp).empty()) << "the temporary store is left behind";
  EXPECT_THAT(child.out() + read_file(err), Not(HasSubstr("demo-token-for-the-built-in-mock")));
}

TEST(demo_process, takes_another_port_when_the_one_asked_for_is_in_use) {
  auto tmp = scratch_dir("demo-port");
  auto err = tmp + "/demo.err";
  HeldPort held;
  BackgroundProcess child(
      {"demo", "--listen", fmt::format("127.0.0.1:{}", held.port()), "--days", "3"}, demo_env(tmp),
      err);
  auto port = wait_for_dashboard(child);
  ASSERT_GT(port, 0) << child.out() << read_file(err);
  EXPECT_NE(port, held.port());
  EXPECT_THAT(read_file(err), HasSubstr(fmt::format("port {} is in use", held.port())));
  child.signal(SIGTERM);
  EXPECT_EQ(child.wait_exit(20s), 0) << read_file(err);
  EXPECT_TRUE(demo_folders(tmp).empty());
}

TEST(demo_process, help_teaches_and_a_bad_listen_address_is_a_usage_error) {
  auto help = run_ghtraffic({"demo", "--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_THAT(help.out, HasSubstr("without a token"));
  EXPECT_THAT(help.out, HasSubstr("--no-serve"));
  EXPECT_THAT(help.out, HasSubstr("octo-demo"));
  auto outside = run_ghtraffic({"demo", "--listen", "0.0.0.0:8080"});
  EXPECT_EQ(outside.exit_code, 2);
  EXPECT_THAT(outside.err, HasSubstr("loopback"));
}
