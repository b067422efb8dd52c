#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "ghtraffic/cli/common.hpp"
#include "ghtraffic/cli/freshness_watch.hpp"
#include "ghtraffic/cli/signals.hpp"
#include "ghtraffic/collect/settings.hpp"
#include "ghtraffic/net/transport.hpp"
#include "ghtraffic/store/store.hpp"
#include "ghtraffic/util/error.hpp"
#include "ghtraffic/util/log.hpp"
#include "ghtraffic/util/number.hpp"
#include "ghtraffic/util/redact.hpp"
#include "ghtraffic/web/scheduler.hpp"
#include "ghtraffic/web/server.hpp"

namespace ghtraffic::cli {
namespace {

struct ServeOptions {
  std::string listen = "127.0.0.1:8080";
  std::string collect_every = "24h";
  std::string read_token;
  std::vector<std::string> allowed_hosts;
  std::optional<std::string> token_ssm;  // --token-ssm NAME
  AppOptions app;
  BudgetOptions budget;
  BackfillFlags backfill;
  std::optional<int> warn_days;
  std::string notify;
};

constexpr int k_store_connections = 4;
// Between collections days left still fall (and with collection off nothing else checks).
constexpr std::chrono::hours k_watch_every{1};

// Runs the freshness watch every k_watch_every until stopped.
class WatchTimer {
 public:
  explicit WatchTimer(std::function<void()> check)
      : m_thread([this, check = std::move(check)] {
          std::unique_lock lock(m_mutex);
          while (!m_wake.wait_for(lock, k_watch_every, [this] { return m_stop; })) {
            lock.unlock();
            check();
            lock.lock();
          }
        }) {}
  ~WatchTimer() { stop(); }
  WatchTimer(const WatchTimer&) = delete;
  WatchTimer& operator=(const WatchTimer&) = delete;

  void stop() {
    {
      std::lock_guard lock(m_mutex);
      m_stop = true;
    }
    m_wake.notify_all();
    if (m_thread.joinable() && m_thread.get_id() != std::this_thread::get_id()) {
      m_thread.join();
    }
  }

 private:
  std::mutex m_mutex;
  std::condition_variable m_wake;
  bool m_stop = false;
  std::thread m_thread;  // last: started once the fields above exist
};

std::string read_token_from(const ServeOptions& opts) {
  if (!opts.read_token.empty()) {
    return opts.read_token;
  }
  const char* env = std::getenv("GHTRAFFIC_READ_TOKEN");
  return env != nullptr ? std::string(env) : std::string();
}

// The collection the scheduler runs: the config file's repositories and owners, else every
// repository the token can push to; the client set up as `ghtraffic collect` sets it up.
web::SchedulerOptions scheduler_options(const collect::ConfigFile& config,
                                        github::ClientOptions client,
                                        std::optional<collect::AppAuth> app,
                                        const std::string& store_url, std::chrono::seconds interval,
                                        collect::Budget budget,
                                        collect::BackfillSettings backfill) {
  web::SchedulerOptions options;
  options.app = std::move(app);
  options.store_url = store_url;
  options.interval = interval;
  options.client = std::move(client);
  options.plan.repos = config.repos;
  options.plan.owners = config.owners;
  options.plan.budget = budget;
  options.backfill = backfill;
  return options;
}

int run_serve(const GlobalOptions& global, const ServeOptions& opts) {
  // glibc gives a thread that finds the arenas busy an arena of its own (up to 8 per core)
  // and keeps what each arena once held, so a server whose request threads come and go
  // grows by an arena's worth at a time. Two keep its memory flat; its threads spend their
  // time on sockets, not in malloc.
  ::mallopt(M_ARENA_MAX, 2);
  auto config = load_config_file(global);
  auto store_url = resolve_store_url(global, config);
  web::ServerOptions server_options;
  server_options.listen = web::parse_listen(opts.listen);
  server_options.read_token = read_token_from(opts);
  server_options.allowed_hosts = opts.allowed_hosts;
  auto interval = web::parse_interval(opts.collect_every);

  std::optional<github::ClientOptions> client;
  std::optional<collect::AppAuth> app;
  std::string disabled_reason;
  if (!interval) {
    disabled_reason = "collection is off (--collect-every off)";
  } else {
    auto flags = client_flags(global);
    flags.token_ssm_parameter = opts.token_ssm;
    apply_app_options(opts.app, flags);
    auto settings = collect::resolve_client_settings(flags, config);
    app = collect::find_app(settings);
    if (app) {
      util::log_verbose("authenticating as the GitHub App {} with the key from {}",
                        app->credentials.app_id, app->credentials.key_source);
      client = collect::client_options(settings, collect::Token{});
    } else if (auto token = collect::find_token(settings)) {
      util::log_verbose("using the GitHub token from {}", token->source);
      client = collect::client_options(settings, *token);
    } else {
      disabled_reason =
          "no GitHub token (set GITHUB_TOKEN or GH_TOKEN, give --token-file or --token-ssm, or a "
          "GitHub App with --app-id and --app-key-file); "
          "the dashboard shows what is stored";
    }
  }

  SignalWaiter signals;
  // Creates and migrates the store if needed; the server then reads through its own
  // connections and the scheduler writes through another.
  auto description = store::make_store(store_url)->describe();
  web::StorePool stores([store_url] { return store::make_store(store_url, {.read_only = true}); },
                        k_store_connections);
  web::SnapshotCache cache;
  int warn_days = resolve_warn_days(opts.warn_days, config);
  auto notify_transport = net::make_curl_transport();
  FreshnessWatch watch(
      {.notify_url = resolve_notify_url(opts.notify, config), .warn_days = warn_days},
      *notify_transport);
  auto check_freshness = [&stores, &watch] {
    try {
      auto lease = stores.acquire();
      watch.check(*lease);
    } catch (const std::exception& e) {
      util::log_error("could not check days left in the store: {}", util::scrub(e.what()));
    }
  };

  std::unique_ptr<web::Scheduler> scheduler;
  auto warm = [&stores, &cache] {
    auto lease = stores.acquire();
    cache.invalidate();
    return cache.get(*lease);
  };
  web::ServerContext context{stores, cache,           description,          {},
                             {},     disabled_reason, util::system_clock(), warn_days};
  if (client && interval) {
    scheduler = std::make_unique<web::Scheduler>(
        scheduler_options(config, *client, app, store_url, *interval,
                          resolve_budget(opts.budget, config),
                          resolve_backfill(opts.backfill, config)),
        [&] {
          try {
            warm();
          } catch (const std::exception& e) {
            util::log_error("could not read the store after the collection: {}", e.what());
          }
          check_freshness();
        });
    context.scheduler_state = [&scheduler] { return scheduler->state(); };
    context.repo_errors = [&scheduler] { return scheduler->repo_errors(); };
  }
  web::Server server(server_options, context);
  int port = server.bind();

  // The server answers while the store is read: the recent days first (the overview's
  // table and the status strip), then everything (requests that need older days wait).
  std::jthread loader([&stores, &cache, &description] {
    auto started = std::chrono::steady_clock::now();
    auto since_start = [&started] {
      return std::chrono::duration_cast<std::chrono::milliseconds>(
                 std::chrono::steady_clock::now() - started)
          .count();
    };
    try {
      auto lease = stores.acquire();
      cache.load_recent(*lease, util::day_of(util::system_clock().now()) -
                                    std::chrono::days{web::k_recent_days - 1});
      util::log_verbose("read the last {} days from {} in {} ms", web::k_recent_days, description,
                        since_start());
      auto snapshot = cache.get(*lease);
      util::log_info("read {} from {} in {} ms",
                     util::counted(snapshot->repos.size(), "repository", "repositories"),
                     description, since_start());
    } catch (const std::exception& e) {
      util::log_error("could not read the store: {}", util::scrub(e.what()));
    }
  });
  check_freshness();
  WatchTimer watch_timer(check_freshness);
  if (scheduler) {
    scheduler->start();
  } else {
    util::log_info("not collecting: {}", disabled_reason);
  }
  signals.on_signal([&](int signal) {
    util::log_info("{} received: stopping after the repository in progress",
                   signal == SIGINT ? "SIGINT" : "SIGTERM");
    server.stop();
    if (scheduler) {
      scheduler->request_stop();
    }
  });

  const auto& host = server_options.listen.host;
  auto url = fmt::format("http://{}:{}/",
                         host.find(':') != std::string::npos ? "[" + host + "]" : host, port);
  std::fputs(fmt::format("listening on {}\n", url).c_str(), stdout);
  std::fflush(stdout);
  server.run();
  loader.join();
  watch_timer.stop();
  if (scheduler) {
    scheduler->request_stop();
    scheduler->join();
  }
  util::log_info("stopped");
  return util::k_exit_ok;
}

}  // namespace

void add_serve_command(CLI::App& app, GlobalOptions& global, Action& action) {
  auto opts = std::make_shared<ServeOptions>();
  auto* cmd = app.add_subcommand(
      "serve",
      "Serve the dashboard and its JSON API from the store, and collect on a schedule.\n"
      "Read-only; listens on 127.0.0.1 unless told otherwise.");
  cmd->add_option("--listen", opts->listen,
                  "HOST:PORT to listen on (default 127.0.0.1:8080); any address but loopback "
                  "needs --read-token");
  cmd->add_option("--collect-every", opts->collect_every,
                  "Collect this often: 24h (default), 90m, 30s, or off. Off without a token");
  cmd->add_option("--read-token", opts->read_token,
                  "Token every request must carry as `Authorization: Bearer TOKEN` (env "
                  "GHTRAFFIC_READ_TOKEN); browsers open /?token=TOKEN once");
  cmd->add_option("--allow-host", opts->allowed_hosts,
                  "Without a read token, answer requests for this host name too (repeatable); "
                  "by default only 127.0.0.1, [::1] and localhost, so that no web page can "
                  "read the dashboard through a DNS name it points at 127.0.0.1");
  add_warn_days_option(*cmd, opts->warn_days);
  cmd->add_option("--notify", opts->notify,
                  "When a repository becomes at risk or loses days, POST an alert to this "
                  "webhook URL (Slack, Mattermost, Teams, Discord), once per repository per "
                  "UTC day (env GHTRAFFIC_NOTIFY_URL, config notify_url)")
      ->type_name("URL");
  add_token_ssm_option(*cmd, opts->token_ssm);
  add_app_options(*cmd, opts->app);
  add_budget_options(*cmd, opts->budget);
  add_scheduled_backfill_options(*cmd, opts->backfill);
  add_global_options(*cmd, global);
  cmd->footer(
      "Examples:\n"
      "  ghtraffic serve\n"
      "  ghtraffic serve --config big-org.toml --collect-every 1h   (thousands of repositories)\n"
      "  ghtraffic serve --notify \"$SLACK_WEBHOOK_URL\"\n"
      "  ghtraffic serve --config /etc/ghtraffic/ghtraffic.toml --collect-every 12h\n"
      "  GHTRAFFIC_READ_TOKEN=$(openssl rand -hex 32) ghtraffic serve --listen 0.0.0.0:8080\n"
      "Each collection follows the plan of `ghtraffic collect` (fewest days left first, none\n"
      "twice a UTC day, within --max-requests and the rate limit); when it leaves repositories\n"
      "for the rate limit, the next one starts as soon as the hourly limit is whole again.\n"
      "After each collection the stored repositories' star and fork history is backfilled in\n"
      "what its budget left, at most --backfill-max-requests, before the next one is due.\n"
      "Stops cleanly on SIGINT or SIGTERM: the repository being collected is committed first.");
  cmd->callback(
      [&action, &global, opts] { action = [&global, opts] { return run_serve(global, *opts); }; });
}

}  // namespace ghtraffic::cli
