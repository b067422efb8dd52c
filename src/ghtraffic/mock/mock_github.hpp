// A mock of the GitHub REST and GraphQL APIs on loopback, for `ghtraffic demo`, integration
// tests, benchmarks and manual runs. It answers the endpoints ghtraffic uses with GitHub's shapes
// and headers (Date, ETag, x-ratelimit-*, Link), and can simulate what goes wrong on the real
// service: rate limits, renames, missing push access, bad tokens, broken answers.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ghtraffic/core/types.hpp"
#include "ghtraffic/util/date.hpp"

namespace ghtraffic::mock {

// GitHub's documented secondary limits.
inline constexpr int k_github_rest_points_per_minute = 900;
inline constexpr int k_github_graphql_points_per_minute = 2000;
inline constexpr int k_github_max_in_flight = 100;

struct MockAsset {
  std::string name;
  std::int64_t downloads = 0;
};
struct MockRelease {
  std::string tag;
  std::vector<MockAsset> assets;
};

struct MockRepo {
  std::int64_t id = 0;  // 0: add_repo assigns the next free id
  std::string owner;
  std::string name;
  // Full daily history; the server answers with the 14-day window (15 buckets) ending on
  // the simulated "now" day.
  std::map<util::Day, core::DayCount> views;
  std::map<util::Day, core::DayCount> clones;
  std::vector<core::PopularPath> paths;
  std::vector<core::Referrer> referrers;
  std::int64_t stars = 0;
  std::int64_t forks = 0;
  std::int64_t watchers = 0;
  std::int64_t open_issues = 0;
  std::string visibility = "public";
  bool archived = false;
  bool fork = false;
  // false: traffic endpoints answer 403 "Must have push access to repository" and
  // listings show permissions.push=false.
  bool push = true;
  std::vector<std::pair<util::Timestamp, std::string>> stargazers;  // oldest first
  // GET .../stargazers/history (weeks of stars added, drawn from `stargazers`); false: it
  // answers 404, as GitHub Enterprise Server and older GitHub do.
  bool star_history = true;
  std::vector<util::Timestamp> fork_times;  // each fork's created_at, oldest first
  std::vector<MockRelease> releases;        // newest first

  std::string full_name() const { return owner + "/" + name; }
};

enum class Fault {
  server_error,    // 500
  bad_gateway,     // 502
  reset,           // the connection is closed without an answer
  truncated,       // the real status and headers, the body cut in half, then the connection closes
  malformed,       // 200 with a body that is not JSON
  wrong_shape,     // 200 with JSON of the wrong shape: {"count":"x"}
  forbidden_push,  // 403 "Must have push access to repository"
  not_found,       // 404
  unauthorized,    // 401 "Bad credentials"
  slow,            // the real answer, sent after the slow delay (set_slow_delay)
  moved,           // 301 to the same path under /repositories/{id}/, as after a rename
  too_many_requests,                 // 429 with retry-after (set_retry_after)
  too_many_requests_no_retry_after,  // 429 without retry-after
  secondary_limit,                   // 403 "exceeded a secondary rate limit", retry-after
  secondary_limit_no_retry_after,    // the same without retry-after
  primary_exhausted,  // 403 "API rate limit exceeded", x-ratelimit-remaining 0, reset in 60 s
  graphql_errors,     // GraphQL 200 with an errors array: no data at all, or (inject_graphql)
                      // the repository's alias null with an error naming it
  missing_field,      // 200 with a field left out: GraphQL (inject_graphql) the repository's
                      // pullRequests; REST "uniques" of a traffic window, "stargazers_count"
                      // of a repository, "count" of every entry of a list
};

// "server_error", "reset", ... as spelled above; nullopt for anything else.
std::optional<Fault> fault_from(std::string_view name);
// The name fault_from() reads.
std::string_view to_string(Fault fault);

struct MockStats {
  std::int64_t requests = 0;
  std::int64_t not_modified = 0;
  std::int64_t secondary_limited = 0;
  std::int64_t primary_limited = 0;
  std::int64_t max_in_flight = 0;
  std::int64_t graphql_requests = 0;
  // "repos", "traffic/views", "traffic/clones", "traffic/popular/paths",
  // "traffic/popular/referrers", "stargazers", "forks", "graphql", "user/repos",
  // "orgs/repos", "users/repos", "rate_limit", "repositories" (GET /repositories/{id}),
  // "repositories/traffic/views" and so on for the redirect targets, "unknown".
  std::map<std::string, std::int64_t> by_route;
  // "OWNER/REPO/WORKFLOW" of every workflow re-enabled (PUT .../actions/workflows/W/enable
  // answered 204), in the order of the requests.
  std::vector<std::string> enabled_workflows;
  // GitHub App: installation tokens issued, and requests refused for an expired
  // installation token or a JWT that does not verify (signature, iss, iat, exp).
  std::int64_t app_tokens_issued = 0;
  std::int64_t expired_tokens_refused = 0;
  std::int64_t jwts_refused = 0;
};

// An installation of the mock's GitHub App (MockGitHub::set_app).
struct MockInstallation {
  std::int64_t id = 0;
  std::string account;  // the organization or user it is installed on
  // The repositories it can see, as OWNER/NAME; empty: every repository of the account.
  std::vector<std::string> repos;
  std::map<std::string, std::string> permissions{{"administration", "read"}, {"metadata", "read"}};
};

class MockGitHub {
 public:
  MockGitHub();
  ~MockGitHub();  // stops the server
  MockGitHub(const MockGitHub&) = delete;
  MockGitHub& operator=(const MockGitHub&) = delete;

  // Binds 127.0.0.1 (port 0 picks a free one) and serves on background threads.
  // Returns the port. Throws std::runtime_error if the port cannot be bound.
  int start(int port = 0);
  void stop();
  int port() const;
  std::string url() const;  // "http://127.0.0.1:PORT"

  // --- data; every call is thread-safe and may be made while the server runs ---
  void add_repo(MockRepo repo);
  // For tests to edit a repository in place; the caller keeps edits away from requests in
  // flight. nullptr if there is no such repository.
  MockRepo* repo(const std::string& full_name);
  void set_view(const std::string& full_name, util::Day day, std::int64_t count,
                std::int64_t uniques);
  void set_clone(const std::string& full_name, util::Day day, std::int64_t count,
                 std::int64_t uniques);
  // The old name answers 301 with a Location under /repositories/{id}/ (same suffix), as
  // GitHub does for renames and transfers; GraphQL resolves the old name to the new one.
  void rename_repo(const std::string& old_full_name, const std::string& new_full_name);
  // Owners of repositories are organizations unless registered as users here:
  // /orgs/{user}/repos then answers 404.
  void add_user(const std::string& login);
  std::size_t repo_count() const;

  // --- time and behaviour ---
  // The simulated current time: the Date header and the traffic window. Default: real time.
  void set_now(util::Timestamp now);
  util::Timestamp now() const;
  void set_latency(std::chrono::milliseconds latency);  // added to every request
  // If set, requests must send "Authorization: Bearer <token>" (or "token <token>"),
  // else 401 {"message":"Bad credentials"}.
  void set_token(std::string token);
  // The primary limit, one budget for "core" (REST) and one for "graphql", each starting
  // at `remaining`. Every answer but a 304 spends one; at 0 the answer is 403 "API rate
  // limit exceeded" until the simulated or real time passes `reset`, then the budget
  // refills to `limit` for another hour. Without this call the headers show 5000 and
  // nothing is enforced.
  void set_rate_limit(std::int64_t limit, std::int64_t remaining, util::Timestamp reset);
  // Secondary limits, counted as GitHub does: more than n points of REST requests in any
  // sliding window (60 s of real time by default; a GET costs 1 point, a POST, PATCH, PUT
  // or DELETE 5), more than n GraphQL requests in any window (apart from REST), or more
  // than n requests in flight (REST and GraphQL together) answer 403 "You have exceeded a
  // secondary rate limit" with retry-after. A refused request takes no points. 0 turns a
  // limit off (the default for each).
  void set_max_per_minute(int n);
  void set_max_graphql_per_minute(int n);
  void set_max_in_flight(int n);
  // GitHub's own secondary limits: 900 REST points and 2,000 GraphQL points in any 60 s,
  // 100 requests in flight.
  void enforce_github_secondary_limits();
  void set_secondary_window(std::chrono::milliseconds window);  // for tests; default 60 s
  void set_retry_after(int seconds);  // 0: no retry-after header; default 60
  // The next `times` requests whose path contains `url_substring` fail that way.
  void inject(const std::string& url_substring, Fault fault, int times = 1);
  // The next `times` GraphQL answers that ask for the repository `full_name` (as asked, any
  // case) answer it that way, the others in the same query as usual. Only graphql_errors
  // and missing_field are per repository; any other fault is std::invalid_argument.
  void inject_graphql(const std::string& full_name, Fault fault, int times = 1);
  // How long a `slow` answer waits; default 2 s.
  void set_slow_delay(std::chrono::milliseconds delay);
  void clear_faults();
  void set_graphql_enabled(bool enabled);  // false: POST /graphql answers 404
  void set_listing_page_size(int n);       // 0 (default): honour per_page, max 100
  // Worker threads; one is busy per open keep-alive connection. Takes effect at start().
  void set_threads(int n);

  // --- GitHub App ---
  // The App whose JWTs are accepted: each must be signed RS256 by the private key of
  // `public_key_pem` (a PEM public key, or the private key itself), have `app_id` as its
  // iss, an iat not in the future and an exp at most 10 minutes ahead, as GitHub checks
  // them. JWTs open the /app routes only; installation tokens open the rest, limited to
  // what the installation sees. Credentials are checked against the real clock, on which
  // clients make them, whatever set_now says. Throws std::invalid_argument for a key
  // that is not one.
  void set_app(std::string app_id, const std::string& public_key_pem);
  void add_installation(MockInstallation installation);
  // How long an installation token lasts (GitHub: one hour). Used after its expires_at,
  // a token is answered 401 "Bad credentials".
  void set_installation_token_lifetime(std::chrono::seconds lifetime);
  // Every installation token issued so far expires now, as if revoked.
  void expire_installation_tokens();
  // The installation tokens issued so far, for tests that look for them in output.
  std::vector<std::string> installation_tokens() const;

  MockStats stats() const;
  void reset_stats();

  struct State;

 private:
  std::unique_ptr<State> m_state;
};

// Adds `count` repositories "owner/repo-0".. with deterministic, varied daily views and
// clones from first_day to last_day (some days zero), 10 popular paths (repo-0 has one
// whose title is an HTML injection attempt), 10 referrers, counters and stargazers.
void add_synthetic_repos(MockGitHub& github, const std::string& owner, int count,
                         util::Day first_day, util::Day last_day, std::uint64_t seed);

// Loads a scenario file (format in tests/support/README.md). Throws std::runtime_error
// with the file name and the problem if it cannot be read.
void load_scenario(MockGitHub& github, const std::string& path);
void load_scenario_text(MockGitHub& github, const std::string& json_text);

std::string stats_to_json(const MockStats& stats);

}  // namespace ghtraffic::mock
