#include "ghtraffic/github/client.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <mutex>
#include <random>

#include "ghtraffic/github/pacer.hpp"
#include "ghtraffic/github/rate_limit.hpp"
#include "ghtraffic/net/url.hpp"
#include "ghtraffic/util/log.hpp"
#include "ghtraffic/util/redact.hpp"
#include "ghtraffic/util/strings.hpp"

namespace ghtraffic::github {
namespace {

using std::chrono::milliseconds;

constexpr int k_max_redirects = 5;
// A second thread running into the same limit extends the pause by a few milliseconds;
// only a wait that adds at least this much is a new wait worth a log line.
constexpr milliseconds k_new_wait_threshold{1000};
constexpr const char* k_api_version = "2022-11-28";

// GitHub's explanation from an error body: its "message" field, else the start of the body.
std::string github_message(const std::string& body) {
  auto json = nlohmann::json::parse(body, nullptr, false);
  if (json.is_object()) {
    auto it = json.find("message");
    if (it != json.end() && it->is_string()) {
      return it->get<std::string>();
    }
  }
  std::string_view text = util::trim(body);
  if (text.size() > 200) {
    return std::string(text.substr(0, 200)) + "...";
  }
  return std::string(text);
}

bool is_redirect(long status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

}  // namespace

struct Client::State {
  State(const ClientOptions& o, net::HttpTransport& t, util::Clock& c)
      : options(o),
        transport(t),
        clock(c),
        pacer(c, o.concurrency, o.max_per_minute, o.graphql_per_minute, o.pace_window),
        graphql_endpoint(graphql_url(o.api_url)),
        random(std::random_device{}()) {}

  const ClientOptions& options;
  net::HttpTransport& transport;
  util::Clock& clock;
  Pacer pacer;
  const std::string graphql_endpoint;

  mutable std::mutex mutex;  // guards the members below
  ClientStats stats;
  std::optional<std::int64_t> request_limit;  // set_request_limit
  std::mt19937_64 random;

  Result<ApiResponse> execute(const std::string& method, const std::string& path,
                              const net::Headers& extra, const std::string& body,
                              const CacheLookup& cache);
  std::string display_path(const std::string& url) const;

 private:
  net::HttpRequest build_request(const std::string& method, const std::string& url,
                                 const net::Headers& extra, const std::string& body,
                                 const std::optional<core::CachedResponse>& cached,
                                 const std::string& token) const;
  ApiError make_error(ErrorKind kind, long status, const std::string& url,
                      const std::string& message) const;
  ApiError error_for_status(const net::HttpResponse& response, const std::string& url,
                            int attempts) const;
  RetryLimits retry_limits() const;
  void note_rate_limit(const AnswerFacts& answer, Budget budget);
  void begin_wait(const Pause& pause);
  void shrink_window(Budget budget, Pacer::SteadyTime started);
  void back_off(milliseconds ceiling, std::optional<milliseconds> at_least);
  // A success or a 304 made into one with the cached body.
  Result<ApiResponse> use_answer(net::HttpResponse response, std::optional<util::Timestamp> date,
                                 const std::string& key, const std::string& url,
                                 const std::optional<core::CachedResponse>& cached,
                                 const std::string& method);
};

net::HttpRequest Client::State::build_request(const std::string& method, const std::string& url,
                                              const net::Headers& extra, const std::string& body,
                                              const std::optional<core::CachedResponse>& cached,
                                              const std::string& token) const {
  net::HttpRequest request;
  request.method = method;
  request.url = url;
  request.body = body;
  request.timeout = options.request_timeout;
  request.headers["Accept"] = "application/vnd.github+json";
  request.headers["User-Agent"] = options.user_agent;
  request.headers["X-GitHub-Api-Version"] = k_api_version;
  for (const auto& [name, value] : extra) {
    request.headers[name] = value;
  }
  if (cached) {
    request.headers["If-None-Match"] = cached->etag;
  }
  if (token.empty()) {
    request.headers.erase("Authorization");
  } else {
    request.headers["Authorization"] = "Bearer " + token;
  }
  return request;
}

std::string Client::State::display_path(const std::string& url) const {
  if (url.starts_with(options.api_url) && url.size() > options.api_url.size() &&
      url[options.api_url.size()] == '/') {
    return util::scrub(url.substr(options.api_url.size()));
  }
  return util::scrub(url);
}

ApiError Client::State::make_error(ErrorKind kind, long status, const std::string& url,
                                   const std::string& message) const {
  return ApiError{kind, status, util::scrub(message), display_path(url)};
}

ApiError Client::State::error_for_status(const net::HttpResponse& response, const std::string& url,
                                         int attempts) const {
  const long status = response.status;
  const std::string path = display_path(url);
  const std::string said = github_message(response.body);
  const std::string said_suffix = said.empty() ? "" : ": " + said;
  switch (status) {
    case 401:
      if (options.token_source) {
        return make_error(ErrorKind::unauthorized, status, url,
                          options.token_source->rejected_message(said));
      }
      if (options.token.empty()) {
        return make_error(ErrorKind::unauthorized, status, url,
                          fmt::format("GitHub requires a token for {} (401{}): set GITHUB_TOKEN "
                                      "to a personal access token",
                                      path, said.empty() ? "" : " " + said));
      }
      return make_error(
          ErrorKind::unauthorized, status, url,
          fmt::format("GitHub rejected the token (401 {}): it is invalid, expired or revoked — "
                      "create a new one (GitHub Settings → Developer settings → Personal access "
                      "tokens) and set it in GITHUB_TOKEN or a --token-file",
                      said.empty() ? "Bad credentials" : said));
    case 403:
      return make_error(ErrorKind::forbidden, status, url,
                        fmt::format("GitHub refused access to {} (403){}", path, said_suffix));
    case 404:
      return make_error(ErrorKind::not_found, status, url,
                        fmt::format("{} was not found on GitHub (404){}", path, said_suffix));
    default:
      break;
  }
  if (status >= 500) {
    return make_error(
        ErrorKind::server, status, url,
        fmt::format("GitHub answered {} for {}{}{}", status, path,
                    attempts > 1 ? fmt::format(" after {} attempts", attempts) : "", said_suffix));
  }
  return make_error(ErrorKind::other, status, url,
                    fmt::format("GitHub answered {} for {}{}", status, path, said_suffix));
}

RetryLimits Client::State::retry_limits() const {
  return RetryLimits{options.max_retries, options.retry_base, options.secondary_backoff,
                     options.max_wait, options.reserve()};
}

void Client::State::begin_wait(const Pause& pause) {
  const milliseconds added = pacer.pause_until(clock.steady_now() + pause.length, pause.reason);
  {
    std::lock_guard lock(mutex);
    stats.waited += added;
  }
  if (added < k_new_wait_threshold) {
    return;  // another thread already waits for (about) this long
  }
  if (pause.refused) {
    util::log_warn("{}", pause.reason);
  } else {
    util::log_info("{}", pause.reason);
  }
  if (options.on_wait) {
    options.on_wait(WaitEvent{pause.reason, pause.length, pause.until});
  }
}

// Another process spends the same token: what is left of the window is smaller than
// the window, so the rest of the run keeps under a smaller one.
void Client::State::shrink_window(Budget budget, Pacer::SteadyTime started) {
  const int before = pacer.window_size(budget);
  auto smaller = pacer.shrink(budget, started);
  if (!smaller) {
    return;
  }
  util::log_warn(
      "secondary rate limit: pacing to {} {} a minute (was {}) for the rest of the run; "
      "something else may be using the same token",
      *smaller, budget == Budget::graphql ? "GraphQL requests" : "requests", before);
}

void Client::State::note_rate_limit(const AnswerFacts& answer, Budget budget) {
  const RateLimitHeaders& limits = answer.limits;
  std::lock_guard lock(mutex);
  if (budget == Budget::rest && limits.remaining) {
    // Answers arrive out of order: within one hour the fewest left is the truth, and an
    // answer of an hour that has ended says nothing.
    if (!limits.reset || !stats.core_reset || *limits.reset > *stats.core_reset) {
      stats.core_remaining = *limits.remaining;
      stats.core_reset = limits.reset;
      stats.core_reset_steady.reset();
      if (limits.reset) {
        stats.core_reset_steady =
            clock.steady_now() + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                     *limits.reset - answer.server_now);
      }
    } else if (*limits.reset == *stats.core_reset) {
      stats.core_remaining = std::min(stats.core_remaining, *limits.remaining);
    }
  }
  if (limits.remaining) {
    stats.rate_limit_remaining = *limits.remaining;
  }
  if (limits.limit) {
    stats.rate_limit_limit = *limits.limit;
  }
  if (limits.reset) {
    stats.rate_limit_reset = limits.reset;
  }
}

void Client::State::back_off(milliseconds ceiling, std::optional<milliseconds> at_least) {
  milliseconds delay{0};
  {
    std::lock_guard lock(mutex);
    ++stats.retries;
    if (ceiling.count() > 0) {
      delay = milliseconds(std::uniform_int_distribution<std::int64_t>(0, ceiling.count())(random));
    }
  }
  if (at_least) {
    delay = std::max(delay, *at_least);
  }
  clock.sleep_for(delay);
}

Result<ApiResponse> Client::State::execute(const std::string& method, const std::string& path,
                                           const net::Headers& extra, const std::string& body,
                                           const CacheLookup& cache) {
  const std::string key = join_url(options.api_url, path);
  if (!net::same_origin(key, options.api_url)) {
    return std::unexpected(
        make_error(ErrorKind::other, 0, key,
                   fmt::format("refusing to send a request for {} outside the API at {}", key,
                               options.api_url)));
  }
  std::optional<core::CachedResponse> cached;
  if (cache && method == "GET") {
    cached = cache(key);
    if (cached && cached->etag.empty()) {
      cached.reset();
    }
  }

  const RetryLimits limits = retry_limits();
  std::string url = key;
  std::string current_method = method;
  std::string current_body = body;
  bool send_token = true;
  bool renewed_after_401 = false;
  std::vector<std::string> redirected_from;
  int attempts = 0;
  int redirects = 0;
  AttemptsSoFar so_far;

  // GitHub's secondary limits count GraphQL apart from REST; a REST request that writes
  // costs 5 points, a read 1, a GraphQL query 1.
  const Budget budget = key == graphql_endpoint ? Budget::graphql : Budget::rest;
  for (;;) {
    std::string token;
    if (send_token) {
      if (options.token_source) {
        auto current = options.token_source->token();
        if (!current) {
          return std::unexpected(current.error());
        }
        token = std::move(*current);
      } else {
        token = options.token;
      }
    }
    {
      std::lock_guard lock(mutex);
      if (request_limit && stats.requests >= *request_limit) {
        return std::unexpected(ApiError{
            ErrorKind::budget, 0,
            fmt::format("not sent: the {} requests this run may spend are spent{}", *request_limit,
                        attempts > 0 ? fmt::format(" ({} attempts made)", attempts) : ""),
            display_path(url)});
      }
    }
    net::HttpResponse response;
    Pacer::SteadyTime started;
    {
      const bool reads = current_method == "GET" || current_method == "HEAD";
      auto permit = pacer.acquire(budget, budget == Budget::rest && !reads ? 5 : 1);
      started = permit.started();
      response =
          transport.send(build_request(current_method, url, extra, current_body, cached, token));
    }
    ++attempts;
    {
      std::lock_guard lock(mutex);
      ++stats.requests;
    }

    const AnswerFacts facts = read_answer(response, clock.now());
    if (facts.status != 0) {
      note_rate_limit(facts, budget);
    }
    const Decision decision = decide(facts, so_far, limits, display_path(url));
    if (decision.pause) {
      begin_wait(*decision.pause);
    }
    if (decision.secondary_limit) {
      {
        std::lock_guard lock(mutex);
        ++stats.secondary_limited;
      }
      // After the pause has begun: a request started later than the shrink was sent
      // after the pause and so knew of it.
      shrink_window(budget, started);
    }
    switch (decision.next) {
      case Next::give_up:
        return std::unexpected(
            make_error(ErrorKind::rate_limited, facts.status, url, decision.message));
      case Next::wait:
        ++so_far.rate_limit_waits;
        so_far.rate_limit_waited += decision.pause->length;
        continue;
      case Next::back_off:
        ++so_far.transient_failures;
        util::log_verbose("{}", util::scrub(decision.message));
        back_off(decision.backoff_ceiling, decision.backoff_at_least);
        continue;
      case Next::use:
        break;
    }

    if (!response.ok()) {
      return std::unexpected(
          make_error(ErrorKind::transport, 0, url,
                     fmt::format("cannot reach GitHub at {}{}: {}", options.api_url,
                                 attempts > 1 ? fmt::format(" after {} attempts", attempts) : "",
                                 response.error_message)));
    }
    const long status = response.status;
    // A token that expired early (a clock running late, a revoked installation token) is
    // renewed and the request sent once more, so that the renewal fails no request.
    if (status == 401 && options.token_source && !token.empty() && !renewed_after_401 &&
        options.token_source->refused(token)) {
      renewed_after_401 = true;
      util::log_verbose("GitHub refused the token for {} (401); renewed it, asking again",
                        display_path(url));
      continue;
    }
    if (is_redirect(status)) {
      auto location = response.header("location");
      auto target = location ? net::resolve_location(url, *location) : std::nullopt;
      if (!target) {
        return std::unexpected(
            make_error(ErrorKind::other, status, url,
                       fmt::format("GitHub answered {} for {} without a usable Location", status,
                                   display_path(url))));
      }
      if (++redirects > k_max_redirects) {
        return std::unexpected(
            make_error(ErrorKind::other, status, url,
                       fmt::format("too many redirects (more than {}) starting from {}",
                                   k_max_redirects, display_path(key))));
      }
      if (status == 301 || status == 308) {
        redirected_from.push_back(url);
      }
      if ((status == 301 || status == 302 || status == 303) && current_method != "GET" &&
          current_method != "HEAD") {
        current_method = "GET";
        current_body.clear();
      }
      // The token goes only to the API's own host.
      send_token = send_token && net::same_origin(*target, options.api_url);
      url = std::move(*target);
      continue;
    }
    if (status == 304 || (status >= 200 && status < 300)) {
      auto out = use_answer(std::move(response), facts.date, key, url, cached, method);
      if (out) {
        out->redirected_from = std::move(redirected_from);
      }
      return out;
    }
    return std::unexpected(error_for_status(response, url, attempts));
  }
}

Result<ApiResponse> Client::State::use_answer(net::HttpResponse response,
                                              std::optional<util::Timestamp> date,
                                              const std::string& key, const std::string& url,
                                              const std::optional<core::CachedResponse>& cached,
                                              const std::string& method) {
  ApiResponse out;
  out.url = url;
  out.date = date;
  if (response.status == 304) {
    if (!cached) {
      return std::unexpected(make_error(ErrorKind::other, response.status, url,
                                        fmt::format("GitHub answered 304 Not Modified for {} "
                                                    "to a request that was not conditional",
                                                    display_path(url))));
    }
    {
      std::lock_guard lock(mutex);
      ++stats.not_modified;
    }
    out.status = 200;
    out.body = cached->body;
    out.from_cache = true;
    auto etag = response.header("etag");
    out.cache_entry = core::CachedResponse{key, etag.value_or(cached->etag), cached->body};
    out.headers = std::move(response.headers);
    return out;
  }
  out.status = response.status;
  if (auto etag = response.header("etag"); etag && response.status == 200 && method == "GET") {
    out.cache_entry = core::CachedResponse{key, *etag, response.body};
  }
  out.headers = std::move(response.headers);
  out.body = std::move(response.body);
  return out;
}

Client::Client(ClientOptions options, net::HttpTransport& transport, util::Clock& clock)
    : m_options(std::move(options)), m_transport(transport), m_clock(clock) {
  m_options.concurrency = std::clamp(m_options.concurrency, 1, k_max_concurrency);
  m_options.max_per_minute = std::max(m_options.max_per_minute, 1);
  m_options.graphql_per_minute = std::max(m_options.graphql_per_minute, 1);
  m_options.max_retries = std::max(m_options.max_retries, 0);
  while (m_options.api_url.ends_with('/')) {
    m_options.api_url.pop_back();
  }
  if (m_options.api_url.empty()) {
    m_options.api_url = k_default_api_url;
  }
  if (m_options.user_agent.empty()) {
    m_options.user_agent = "ghtraffic/" GHTRAFFIC_VERSION;
  }
  if (!m_options.token.empty()) {
    util::register_secret(m_options.token);
  }
  m_state = std::make_unique<State>(m_options, m_transport, m_clock);
}

Client::~Client() = default;

Result<ApiResponse> Client::get(const std::string& path, const net::Headers& extra,
                                const CacheLookup& cache) {
  return m_state->execute("GET", path, extra, {}, cache);
}

Result<ApiResponse> Client::post_json(const std::string& path, const nlohmann::json& body) {
  net::Headers extra{{"Content-Type", "application/json"}};
  return m_state->execute("POST", path, extra, body.dump(), {});
}

Result<std::vector<nlohmann::json>> Client::get_all_pages(const std::string& path,
                                                          const net::Headers& extra) {
  std::vector<nlohmann::json> items;
  std::vector<std::string> seen;
  std::string url = path;
  for (int page = 1;; ++page) {
    auto response = get(url, extra);
    if (!response) {
      return std::unexpected(response.error());
    }
    auto json = nlohmann::json::parse(response->body, nullptr, false);
    if (json.is_discarded() || !json.is_array()) {
      return std::unexpected(ApiError{
          ErrorKind::malformed, response->status,
          util::scrub(fmt::format("malformed response from GitHub for {}: page {} is not a JSON "
                                  "array",
                                  m_state->display_path(response->url), page)),
          m_state->display_path(response->url)});
    }
    for (auto& item : json) {
      items.push_back(std::move(item));
    }
    seen.push_back(join_url(m_options.api_url, url));
    auto link = response->headers.find("link");
    if (link == response->headers.end()) {
      break;
    }
    auto next = next_link(link->second);
    if (!next) {
      break;
    }
    if (!net::same_origin(*next, m_options.api_url)) {
      return std::unexpected(ApiError{
          ErrorKind::malformed, response->status,
          util::scrub(fmt::format("GitHub's next-page link for {} points outside {}: {}",
                                  m_state->display_path(response->url), m_options.api_url, *next)),
          m_state->display_path(response->url)});
    }
    if (std::find(seen.begin(), seen.end(), *next) != seen.end()) {
      break;  // a link back to a page already read would loop forever
    }
    url = *next;
  }
  return items;
}

void Client::set_request_limit(std::optional<std::int64_t> total) {
  std::lock_guard lock(m_state->mutex);
  m_state->request_limit = total;
}

ClientStats Client::stats() const {
  ClientStats copy;
  {
    std::lock_guard lock(m_state->mutex);
    copy = m_state->stats;
  }
  copy.current_wait = m_state->pacer.current_pause();
  copy.max_per_minute = m_state->pacer.window_size(Budget::rest);
  return copy;
}

}  // namespace ghtraffic::github
