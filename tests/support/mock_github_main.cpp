// ghtraffic-mock-github: the mock GitHub server as a program, for trying ghtraffic by hand
// and for scripts. See tests/support/README.md.
#include <fmt/format.h>
#include <pthread.h>

#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "ghtraffic/mock/mock_github.hpp"
#include "ghtraffic/util/date.hpp"

namespace {

using ghtraffic::mock::MockGitHub;
namespace util = ghtraffic::util;

struct Options {
  int port = 0;
  int repos = 3;
  std::string owner = "octo-org";
  int days = 60;
  std::string now;
  int latency_ms = 0;
  int max_per_minute = 0;
  int max_in_flight = 0;
  int max_graphql_per_minute = 0;
  bool github_limits = false;
  int retry_after = 60;
  std::string token;
  std::string scenario;
  std::uint64_t seed = 1;
  std::string app_id;
  std::string app_key;
  std::vector<std::string> app_installations;
};

util::Timestamp parse_now(const std::string& text) {
  if (auto t = util::parse_iso8601(text)) {
    return *t;
  }
  if (auto day = util::parse_day(text)) {
    return util::Timestamp{*day} + std::chrono::hours{12};
  }
  throw CLI::ValidationError("--now", "expected YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ, got " + text);
}

// Blocks SIGINT and SIGTERM in every thread, so the main thread can wait for them.
sigset_t block_stop_signals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  return signals;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  CLI::App app{"A mock of the GitHub API on 127.0.0.1 for trying ghtraffic without GitHub."};
  app.add_option("--port", options.port, "Port to listen on; 0 picks a free one")
      ->check(CLI::Range(0, 65535));
  app.add_option("--repos", options.repos, "Number of synthetic repositories")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--owner", options.owner, "Owner (organization) of the synthetic repositories");
  app.add_option("--days", options.days, "Days of synthetic history, ending on the --now day")
      ->check(CLI::PositiveNumber);
  app.add_option("--now", options.now,
                 "Simulated current time, YYYY-MM-DD[THH:MM:SSZ] (default: the real time)");
  app.add_option("--seed", options.seed, "Seed of the synthetic data");
  app.add_option("--latency-ms", options.latency_ms, "Delay added to every request")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--max-per-minute", options.max_per_minute,
                 "Secondary rate limit: REST points per sliding minute, a GET 1, a POST 5 "
                 "(0: none)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--max-graphql-per-minute", options.max_graphql_per_minute,
                 "Secondary rate limit: GraphQL requests per sliding minute (0: none)")
      ->check(CLI::NonNegativeNumber);
  app.add_flag("--github-limits", options.github_limits,
               "GitHub's secondary limits: 900 REST points and 2000 GraphQL points a minute, "
               "100 requests in flight (instead of the three options above)");
  app.add_option("--max-in-flight", options.max_in_flight,
                 "Secondary rate limit: concurrent requests (0: none)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--retry-after", options.retry_after,
                 "retry-after seconds sent with secondary limits (0: no header)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--token", options.token,
                 "Token that requests must send as 'Authorization: Bearer ...' (default: any)");
  app.add_option("--scenario", options.scenario,
                 "JSON file of repositories with explicit histories (replaces the synthetic ones)")
      ->check(CLI::ExistingFile);
  app.add_option("--app-id", options.app_id,
                 "Accept JWTs of this GitHub App id, signed by --app-key (then only the App's "
                 "credentials are accepted)");
  app.add_option("--app-key", options.app_key,
                 "PEM file of the App's public key (or its private key) that verifies its JWTs")
      ->check(CLI::ExistingFile);
  app.add_option("--app-installation", options.app_installations,
                 "An installation of the App on this owner, with Administration: read, seeing "
                 "all its repositories; ids 1, 2, ... in order (repeatable)");
  CLI11_PARSE(app, argc, argv);

  auto signals = block_stop_signals();
  try {
    MockGitHub github;
    if (!options.now.empty()) {
      github.set_now(parse_now(options.now));
    }
    if (!options.scenario.empty()) {
      ghtraffic::mock::load_scenario(github, options.scenario);
    } else {
      auto last = util::day_of(github.now());
      auto first = last - std::chrono::days{options.days - 1};
      ghtraffic::mock::add_synthetic_repos(github, options.owner, options.repos, first, last,
                                           options.seed);
    }
    github.set_latency(std::chrono::milliseconds{options.latency_ms});
    github.set_max_per_minute(options.max_per_minute);
    github.set_max_graphql_per_minute(options.max_graphql_per_minute);
    github.set_max_in_flight(options.max_in_flight);
    if (options.github_limits) {
      github.enforce_github_secondary_limits();
    }
    github.set_retry_after(options.retry_after);
    github.set_token(options.token);
    if (!options.app_id.empty()) {
      std::ifstream in(options.app_key);
      std::stringstream pem;
      pem << in.rdbuf();
      github.set_app(options.app_id, pem.str());
      std::int64_t id = 0;
      for (const auto& owner : options.app_installations) {
        github.add_installation({++id, owner, {}});
      }
    }

    github.start(options.port);
    std::cout << "listening on " << github.url() << std::endl;
    std::cerr << fmt::format("serving {} repositories; stop with Ctrl-C\n", github.repo_count());

    int received = 0;
    sigwait(&signals, &received);
    std::cerr << "stopping\n";
    github.stop();
  } catch (const CLI::Error& e) {
    return app.exit(e);
  } catch (const std::exception& e) {
    std::cerr << "ghtraffic-mock-github: " << e.what() << "\n";
    return 2;
  }
  return 0;
}
