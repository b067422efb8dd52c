// ghtraffic demo: the product without a token or the network. The built-in mock GitHub
// server answers on loopback with a simulated year of traffic; the real collection job
// (libcurl, the client, the merge, the store) collects it one simulated day at a time,
// as a daily schedule would; then the dashboard serves the store.
#include <stdlib.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <system_error>

#include "ghtraffic/cli/common.hpp"
#include "ghtraffic/cli/signals.hpp"
#include "ghtraffic/collect/job.hpp"
#include "ghtraffic/github/client.hpp"
#include "ghtraffic/mock/demo_year.hpp"
#include "ghtraffic/mock/mock_github.hpp"
#include "ghtraffic/net/transport.hpp"
#include "ghtraffic/store/store.hpp"
#include "ghtraffic/util/clock.hpp"
#include "ghtraffic/util/error.hpp"
#include "ghtraffic/util/log.hpp"
#include "ghtraffic/util/number.hpp"
#include "ghtraffic/util/redact.hpp"
#include "ghtraffic/web/server.hpp"

namespace ghtraffic::cli {
namespace {

// The mock accepts only this token, and the client sends it; it is registered as a secret,
// so no message can show it.
constexpr const char* k_demo_token = "demo-token-for-the-built-in-mock";
constexpr int k_store_connections = 4;
constexpr int k_exit_interrupted = 130;

struct DemoOptions {
  std::string store;  // empty: a temporary store, removed at the end
  std::string listen = "127.0.0.1:8080";
  int days = 365;
  bool no_serve = false;
};

// The simulated day for the data (the runs log, observation times where a Date header is
// missing); real time for pacing, waits and sleeps.
class SimulatedClock final : public util::Clock {
 public:
  void set(util::Timestamp now) {
    std::lock_guard lock(m_mutex);
    m_now = now;
  }
  util::Timestamp now() const override {
    std::lock_guard lock(m_mutex);
    return m_now;
  }
  SteadyTime steady_now() const override { return util::system_clock().steady_now(); }
  void sleep_until(SteadyTime deadline) override { util::system_clock().sleep_until(deadline); }

 private:
  mutable std::mutex m_mutex;
  util::Timestamp m_now{};
};

// A fresh folder under the system's temporary folder, removed with everything in it when
// this goes out of scope (also when the demo stops on an error or a signal).
class TemporaryFolder {
 public:
  TemporaryFolder() {
    auto pattern = (std::filesystem::temp_directory_path() / "ghtraffic-demo-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
      throw util::Error("could not create a temporary folder for the demo's store in {}: {}",
                        std::filesystem::temp_directory_path().string(),
                        std::generic_category().message(errno));
    }
    m_path = pattern;
  }
  ~TemporaryFolder() {
    std::error_code ignored;
    std::filesystem::remove_all(m_path, ignored);
  }
  TemporaryFolder(const TemporaryFolder&) = delete;
  TemporaryFolder& operator=(const TemporaryFolder&) = delete;

  const std::string& path() const { return m_path; }

 private:
  std::string m_path;
};

// What a signal stops: the collection (it checks `stopped` between days and repositories),
// then the server once it runs.
class StopSwitch {
 public:
  // False once closed: the demo is ending by itself and wakes the signal thread.
  bool fire() {
    std::lock_guard lock(m_mutex);
    if (m_closed) {
      return false;
    }
    m_stopped = true;
    if (m_action) {
      m_action();
    }
    return true;
  }
  void close() {
    std::lock_guard lock(m_mutex);
    m_closed = true;
  }
  // `action` runs at once if a signal came first.
  void set_action(std::function<void()> action) {
    std::lock_guard lock(m_mutex);
    m_action = std::move(action);
    if (m_stopped && m_action) {
      m_action();
    }
  }
  void clear_action() {
    std::lock_guard lock(m_mutex);
    m_action = nullptr;
  }
  const std::atomic<bool>& stopped() const { return m_stopped; }

 private:
  std::mutex m_mutex;
  std::atomic<bool> m_stopped{false};
  bool m_closed = false;
  std::function<void()> m_action;
};

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

struct CollectedYear {
  int days = 0;
  std::int64_t requests = 0;
  bool interrupted = false;
};

// One collection per simulated day, through the job `ghtraffic collect` runs.
CollectedYear collect_year(const mock::DemoYear& year, mock::MockGitHub& github,
                           const std::string& store_url, const std::atomic<bool>& stop) {
  auto lock = store::lock_for_collect(store_url);
  auto store = store::make_store(store_url);
  auto transport = net::make_curl_transport();
  SimulatedClock clock;

  github::ClientOptions options;
  options.api_url = github::resolve_api_url(github.url());
  options.token = k_demo_token;
  // The mock is on loopback and sets no secondary limit: no reason to pace.
  options.max_per_minute = 1'000'000;

  CollectedYear done;
  auto total = (year.last_day() - year.first_day()).count() + 1;
  auto last_drawn = std::chrono::steady_clock::time_point{};
  for (auto day = year.first_day(); day <= year.last_day(); day += std::chrono::days{1}) {
    if (stop) {
      done.interrupted = true;
      break;
    }
    year.advance(github, day);
    clock.set(github.now());
    github::Client client(options, *transport, clock);
    collect::Plan plan;
    plan.repos = year.schedule(day);
    plan.cancel = &stop;
    auto summary = collect::run_collection(client, *store, plan, nullptr, clock);
    done.requests += summary.client.requests;
    if (stop) {
      done.interrupted = true;
      break;
    }
    if (!summary.all_ok()) {
      std::string why;
      for (const auto& r : summary.repos) {
        if (!r.ok) {
          why += fmt::format("; {}: {}", r.full_name, r.error);
        }
      }
      for (const auto& e : summary.errors) {
        why += "; " + e;
      }
      throw util::Error(fmt::format("the demo's collection of {} failed{} (this is a bug in "
                                    "ghtraffic; please report it)",
                                    util::format_day(day), why),
                        static_cast<int>(util::k_exit_partial));
    }
    ++done.days;
    auto now = std::chrono::steady_clock::now();
    if (util::status_line_enabled() && now - last_drawn > std::chrono::milliseconds(100)) {
      last_drawn = now;
      util::set_status_line(fmt::format("collecting simulated day {} of {} ({}) · {}", done.days,
                                        total, util::format_day(day),
                                        util::counted(done.requests, "request", "requests")));
    }
  }
  util::clear_status_line();
  return done;
}

// The dashboard over the store, as `ghtraffic serve --collect-every off` serves it. Returns
// when `stop` has been called by the signal thread.
int serve_store(const std::string& store_url, web::ListenAddress listen, StopSwitch& stop,
                bool temporary) {
  auto description = store::make_store(store_url)->describe();
  web::StorePool stores([store_url] { return store::make_store(store_url, {.read_only = true}); },
                        k_store_connections);
  web::SnapshotCache cache;
  web::ServerContext context{stores,
                             cache,
                             description,
                             {},
                             {},
                             "this is the demo: its store holds a simulated year, collected "
                             "from the built-in mock",
                             util::system_clock()};

  web::ServerOptions server_options;
  server_options.listen = listen;
  std::optional<web::Server> server;
  server.emplace(server_options, context);
  int port = 0;
  try {
    port = server->bind();
  } catch (const util::Error&) {
    if (listen.port == 0) {
      throw;
    }
    // On loopback the only reason is a port in use (often by a `ghtraffic serve`).
    server_options.listen.port = 0;
    server.emplace(server_options, context);
    port = server->bind();
    util::log_warn("port {} is in use, so the demo listens on port {}", listen.port, port);
  }
  {
    auto lease = stores.acquire();
    cache.get(*lease);  // warm, so the first page is quick
  }

  stop.set_action([&server] { server->stop(); });
  struct Clear {
    StopSwitch& stop;
    ~Clear() { stop.clear_action(); }
  } clear{stop};
  const auto& host = listen.host;
  auto url = fmt::format("http://{}:{}/",
                         host.find(':') != std::string::npos ? "[" + host + "]" : host, port);
  std::fputs(fmt::format("Dashboard: {}\n", url).c_str(), stdout);
  std::fputs(temporary ? "Press Ctrl-C to stop; the demo's store is removed then.\n"
                       : "Press Ctrl-C to stop; the store stays.\n",
             stdout);
  std::fflush(stdout);
  server->run();
  return util::k_exit_ok;
}

int run_demo(const GlobalOptions& global, const DemoOptions& opts) {
  auto listen = web::parse_listen(opts.listen);
  if (!opts.no_serve && !web::is_loopback(listen.host)) {
    throw util::Error(
        "the demo listens on loopback only (--listen 127.0.0.1:PORT); to share a dashboard, "
        "collect into a store with --store and run `ghtraffic serve` on it");
  }
  util::register_secret(k_demo_token);

  // Signals are blocked before the mock, curl and the server start their threads.
  StopSwitch stop;
  SignalWaiter signals;
  signals.on_signal([&stop](int signal) {
    if (stop.fire()) {
      util::log_info("{} received: stopping", signal == SIGINT ? "SIGINT" : "SIGTERM");
    }
  });
  struct Close {
    StopSwitch& stop;
    ~Close() { stop.close(); }
  } close_before_signals{stop};

  std::optional<TemporaryFolder> folder;
  auto store_url = !opts.store.empty() ? opts.store : global.store;
  bool temporary = store_url.empty();
  if (temporary) {
    folder.emplace();
    store_url = "sqlite:" + folder->path() + "/ghtraffic.db";
  }

  auto started = std::chrono::steady_clock::now();
  CollectedYear collected;
  {
    mock::MockGitHub github;
    github.set_token(k_demo_token);
    github.set_threads(16);
    auto today = util::day_of(util::system_clock().now());
    mock::DemoYear year(today, opts.days);
    year.install(github);
    github.start(0);
    util::log_verbose("the mock GitHub server listens on {}", github.url());
    std::fputs(fmt::format(
                   "Collecting {} ({} to {}) of {} from the built-in mock GitHub...\n",
                   util::counted(opts.days, "simulated day", "simulated days"),
                   util::format_day(year.first_day()), util::format_day(year.last_day()),
                   util::counted(mock::DemoYear::repo_names().size(), "repository", "repositories"))
                   .c_str(),
               stdout);
    std::fflush(stdout);
    collected = collect_year(year, github, store_url, stop.stopped());
  }
  if (collected.interrupted) {
    std::fputs("Stopped before the simulated year was collected.\n", stdout);
    return k_exit_interrupted;
  }
  std::fputs(fmt::format("Collected {} in {:.1f} s ({}) into {}\n",
                         util::counted(collected.days, "day", "days"), seconds_since(started),
                         util::counted(collected.requests, "request", "requests"),
                         temporary ? "a temporary store" : store_url)
                 .c_str(),
             stdout);
  std::fflush(stdout);
  if (opts.no_serve) {
    if (temporary) {
      std::fputs("The temporary store is removed now; give --store sqlite:PATH to keep it.\n",
                 stdout);
    }
    return util::k_exit_ok;
  }
  return serve_store(store_url, listen, stop, temporary);
}

}  // namespace

void add_demo_command(CLI::App& app, GlobalOptions& global, Action& action) {
  auto opts = std::make_shared<DemoOptions>();
  auto* cmd = app.add_subcommand(
      "demo",
      "See ghtraffic at work without a token or the network: a simulated year of traffic\n"
      "of five repositories, collected day by day from a built-in mock of GitHub, then the\n"
      "dashboard over it.");
  cmd->add_option("--store", opts->store,
                  "Collect into this store and keep it (default: a temporary store, removed "
                  "when the demo stops)");
  cmd->add_option("--listen", opts->listen,
                  "127.0.0.1:PORT for the dashboard (default 127.0.0.1:8080; another free "
                  "port if that one is in use)");
  cmd->add_option("--days", opts->days,
                  "Days of simulated history to collect (default 365, at most 3650)")
      ->check(whole_number(1, 3650))
      ->type_name("INT");
  cmd->add_flag("--no-serve", opts->no_serve, "Collect, then exit without serving");
  cmd->footer(
      "The repositories (owner octo-demo):\n"
      "  busy      hundreds of views a day, a weekly rhythm and a launch spike\n"
      "  quiet     a few views, many days without any\n"
      "  steady    a modest project that grows\n"
      "  outage    left out of the schedule for 20 days: the days no collection covered\n"
      "            are shown as a gap, never as 0\n"
      "  old-name  renamed to new-name halfway: one history under the new name\n"
      "Everything runs on this machine: the mock listens on 127.0.0.1 and needs no token.\n\n"
      "Examples:\n"
      "  ghtraffic demo                                 # then open the printed address\n"
      "  ghtraffic demo --listen 127.0.0.1:9000\n"
      "  ghtraffic demo --no-serve --store sqlite:demo.db && ghtraffic show --store "
      "sqlite:demo.db\n"
      "Ctrl-C stops it and removes the temporary store (a --store given stays).");
  cmd->callback(
      [&action, &global, opts] { action = [&global, opts] { return run_demo(global, *opts); }; });
}

}  // namespace ghtraffic::cli
