// The GitHub API client: authentication, pacing under the primary and secondary rate
// limits, retries, conditional requests, pagination and redirects. It is shared by all
// collection workers and safe to call from several threads at once.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <expected>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ghtraffic/core/types.hpp"
#include "ghtraffic/net/transport.hpp"
#include "ghtraffic/util/clock.hpp"

namespace ghtraffic::github {

inline constexpr const char* k_default_api_url = "https://api.github.com";
// The accepted ranges of ClientOptions::concurrency and ::max_per_minute, for the flags,
// the environment and the config file alike. A million a minute is "no ceiling" (benchmarks,
// mock servers); GitHub's own secondary limit is 900.
inline constexpr int k_max_concurrency = 100;
inline constexpr int k_max_per_minute = 1'000'000;

// A rate-limit wait the client has just begun; every request not yet started waits too.
struct WaitEvent {
  std::string reason;  // the line that was logged, e.g. "rate limit: 12 requests left ..."
  std::chrono::milliseconds length{0};
  util::Timestamp until;  // when the wait ends, on the wall clock
};

class TokenSource;

struct ClientOptions {
  std::string api_url = k_default_api_url;  // e.g. https://HOST/api/v3 for Enterprise
  std::string token;
  // When set, each request's token comes from here instead of `token`.
  std::shared_ptr<TokenSource> token_source;
  std::string user_agent = "ghtraffic/" GHTRAFFIC_VERSION;
  int concurrency = 8;  // requests in flight, 1..100
  // The REST window: at most this many points (a GET is 1, a POST 5) start in any 60 s;
  // below it requests go as fast as latency and the concurrency allow.
  int max_per_minute = 900;
  int graphql_per_minute = 2000;                  // GraphQL's own window, in points (a query is 1)
  std::chrono::milliseconds pace_window{60'000};  // the windows' length; tests shorten it
  int max_retries = 4;                            // transient failures: 5xx, timeouts, resets
  std::chrono::milliseconds retry_base{1000};     // first transient backoff, jittered
  std::chrono::seconds secondary_backoff{
      60};                                   // first wait on a secondary limit without retry-after
  std::chrono::seconds max_wait{3600 + 60};  // longest single wait before giving up
  std::int64_t low_remaining =
      0;  // wait for the reset when remaining falls to this (0 = concurrency)
  std::chrono::milliseconds request_timeout{30000};
  // Called once for each wait on a rate limit (after it is logged), from the thread that
  // ran into the limit; for status lines. Must not call back into the client.
  std::function<void(const WaitEvent&)> on_wait;

  // The requests of the primary limit kept back: at this many left the client waits for the
  // reset, and a collection plan stops spending before it (low_remaining, else one for each
  // request that may be in flight).
  std::int64_t reserve() const {
    return low_remaining > 0 ? low_remaining : static_cast<std::int64_t>(concurrency);
  }
};

enum class ErrorKind {
  transport,     // connection failed after retries
  unauthorized,  // 401: bad or expired token
  forbidden,     // 403 that is not a rate limit: missing permission
  not_found,     // 404
  rate_limited,  // gave up waiting for a rate limit
  server,        // 5xx after retries
  malformed,     // body not the JSON shape expected, or truncated
  budget,        // not sent: the request limit set on the client is spent
  other,
};

struct ApiError {
  ErrorKind kind = ErrorKind::other;
  long status = 0;
  std::string message;  // for a person; already scrubbed of secrets
  std::string url;      // the API path, without query secrets
};

template <typename T>
using Result = std::expected<T, ApiError>;

// Where the token of each request comes from when it is not one fixed string: a GitHub App's
// JWT, or an App installation's token renewed before it expires (github/app_auth.hpp).
// Called from several threads at once.
class TokenSource {
 public:
  virtual ~TokenSource() = default;
  // The token to send now; an error for a person when none can be had.
  virtual Result<std::string> token() = 0;
  // GitHub answered 401 to `token`: true when the source dropped it and a fresh one may be
  // accepted (the request is then sent once more with it).
  virtual bool refused(const std::string& token) = 0;
  // What a 401 means for this source, for a person; `github_said` is GitHub's message.
  virtual std::string rejected_message(const std::string& github_said) const = 0;
};

struct ApiResponse {
  long status = 0;  // 200 (a 304 is turned into 200 with the cached body, from_cache set)
  net::Headers headers;
  std::string body;
  std::string url;                                  // the URL finally answered (after redirects)
  std::optional<util::Timestamp> date;              // the response's Date header
  bool from_cache = false;                          // 304: body reused from the cache
  std::vector<std::string> redirected_from;         // URLs that answered 301 or 308 on the way
  std::optional<core::CachedResponse> cache_entry;  // to store for next time (has an ETag)
};

// Figures for progress lines and summaries; read at any time from any thread.
struct ClientStats {
  std::int64_t requests = 0;      // sent, including retries and 304s
  std::int64_t not_modified = 0;  // 304 answers
  std::int64_t retries = 0;
  std::int64_t rate_limit_remaining = -1;  // last seen x-ratelimit-remaining, -1 unknown
  std::int64_t rate_limit_limit = -1;
  std::optional<util::Timestamp> rate_limit_reset;
  // The primary limit of REST requests alone (GraphQL has a budget of its own): the fewest
  // left seen in the current hour, -1 unknown. A collection plan spends from it.
  std::int64_t core_remaining = -1;
  std::optional<util::Timestamp> core_reset;  // on GitHub's clock
  // When that hour ends on the client clock's steady time (GitHub's clock may differ from
  // ours): from then on core_remaining says nothing.
  std::optional<util::Clock::SteadyTime> core_reset_steady;
  // core_remaining while its hour lasts at `now` (the client clock's steady time), else -1:
  // once the hour has ended the limit is whole again, whatever was last seen.
  std::int64_t core_remaining_at(util::Clock::SteadyTime now) const {
    return core_remaining >= 0 && (!core_reset_steady || now < *core_reset_steady) ? core_remaining
                                                                                   : -1;
  }
  std::int64_t secondary_limited = 0;  // 403/429 secondary-limit answers drawn
  int max_per_minute = 0;              // the REST window now: smaller after a secondary limit
  std::chrono::milliseconds waited{0};
  std::string current_wait;  // reason of the wait in progress, empty when none
};

using CacheLookup = std::function<std::optional<core::CachedResponse>(const std::string& url)>;

class Client {
 public:
  Client(ClientOptions options, net::HttpTransport& transport,
         util::Clock& clock = util::system_clock());
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  const ClientOptions& options() const { return m_options; }
  // The clock the client paces with; callers use it for an observation time when a
  // response lacks a Date header.
  util::Clock& clock() const { return m_clock; }

  // path: "/repos/o/r" (joined to api_url) or an absolute URL under api_url (Link headers).
  // With a cache lookup, an entry's ETag is sent as If-None-Match and a 304 reuses its body.
  Result<ApiResponse> get(const std::string& path, const net::Headers& extra = {},
                          const CacheLookup& cache = {});
  Result<ApiResponse> post_json(const std::string& path, const nlohmann::json& body);

  // Follows rel="next" Link headers; returns each page's parsed JSON array, concatenated.
  Result<std::vector<nlohmann::json>> get_all_pages(const std::string& path,
                                                    const net::Headers& extra = {});

  ClientStats stats() const;

  // At most `total` requests in all, as stats().requests counts them (retries and redirects
  // included): a request, or a retry, beyond it is not sent and fails with
  // ErrorKind::budget. None: no limit (the default).
  void set_request_limit(std::optional<std::int64_t> total);

 private:
  struct State;
  ClientOptions m_options;
  net::HttpTransport& m_transport;
  util::Clock& m_clock;
  std::unique_ptr<State> m_state;
};

// One path segment percent-encoded for a URL: letters, digits and "-_." stay as they are.
std::string encode_segment(std::string_view segment);
// "/repos/OWNER/REPO", each part encoded: the prefix of every repository endpoint.
std::string repo_path(const core::RepoRef& repo);
// Joins a base API URL and a path: ("https://h/api/v3", "/repos/o/r").
std::string join_url(const std::string& api_url, const std::string& path);
// The base API URL: the flag, else GITHUB_API_URL, else the config file's api_url, else
// https://api.github.com; trailing slashes removed; a malformed URL is a util::Error.
std::string resolve_api_url(const std::optional<std::string>& flag,
                            const std::optional<std::string>& config = std::nullopt);
// The GraphQL endpoint for an API URL: https://api.github.com/graphql, https://HOST/api/graphql.
std::string graphql_url(const std::string& api_url);
// The rel="next" target of a Link header, if any.
std::optional<std::string> next_link(const std::string& link_header);

}  // namespace ghtraffic::github
