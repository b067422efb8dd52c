#include "ghtraffic/github/client.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <mutex>
#include <random>

#include "ghtraffic/github/pacer.hpp"
#include "ghtraffic/github/url_parts.hpp"
#include "ghtraffic/util/log.hpp"
#include "ghtraffic/util/redact.hpp"
#include "ghtraffic/util/strings.hpp"

namespace ghtraffic::github {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr int k_max_redirects = 5;
constexpr int k_max_rate_limit_waits = 8;
constexpr seconds k_reset_margin{1};
constexpr milliseconds k_max_transient_backoff{60'000};
// A second thread running into the same limit extends the pause by a few milliseconds;
// only a wait that adds at least this much is a new wait worth a log line.
constexpr milliseconds k_new_wait_threshold{1000};
constexpr const char* k_api_version = "2022-11-28";

std::optional<std::int64_t> parse_int(std::optional<std::string> text) {
  if (!text) {
    return std::nullopt;
  }
  std::string_view digits = util::trim(*text);
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (ec != std::errc() || end != digits.data() + digits.size()) {
    return std::nullopt;
  }
  return value;
}

std::string format_length(milliseconds length) {
  auto total = std::chrono::ceil<seconds>(length).count();
  if (total >= 3600) {
    return fmt::format("{}h {}m", total / 3600, (total % 3600) / 60);
  }
  if (total >= 60) {
    return fmt::format("{}m {}s", total / 60, total % 60);
  }
  return fmt::format("{}s", total);
}

std::string format_time_of_day(util::Timestamp t) {
  return util::format_iso8601(t).substr(11, 8) + " UTC";
}

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

bool contains_ignoring_case(std::string_view text, std::string_view needle) {
  return util::to_lower(text).find(needle) != std::string::npos;
}

bool is_retryable(TransportError error) {
  return error == TransportError::connect || error == TransportError::timeout ||
         error == TransportError::reset || error == TransportError::protocol;
}

bool is_transient_status(long status) {
  return status == 500 || status == 502 || status == 503 || status == 504;
}

bool is_redirect(long status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

struct RateLimitHeaders {
  std::optional<std::int64_t> limit;
  std::optional<std::int64_t> remaining;
  std::optional<util::Timestamp> reset;
  std::string resource;
};

RateLimitHeaders read_rate_limit(const HttpResponse& response) {
  RateLimitHeaders out;
  out.limit = parse_int(response.header("x-ratelimit-limit"));
  out.remaining = parse_int(response.header("x-ratelimit-remaining"));
  if (auto reset = parse_int(response.header("x-ratelimit-reset"))) {
    out.reset = util::Timestamp(seconds(*reset));
  }
  out.resource = response.header("x-ratelimit-resource").value_or("");
  return out;
}

// retry-after is either delay-seconds or an HTTP date (RFC 9110 10.2.3).
std::optional<milliseconds> read_retry_after(const HttpResponse& response,
                                             util::Timestamp server_now) {
  auto value = response.header("retry-after");
  if (!value) {
    return std::nullopt;
  }
  if (auto secs = parse_int(value)) {
    return milliseconds(seconds(std::max<std::int64_t>(*secs, 0)));
  }
  if (auto at = util::parse_http_date(util::trim(*value))) {
    return milliseconds(std::max(*at - server_now, seconds(0)));
  }
  return std::nullopt;
}

bool is_rate_limit_answer(const HttpResponse& response, const RateLimitHeaders& limits) {
  if (response.status == 429) {
    return true;
  }
  if (response.status != 403) {
    return false;
  }
  return contains_ignoring_case(response.body, "rate limit") ||
         (limits.remaining && *limits.remaining == 0) || response.header("retry-after");
}

}  // namespace

struct Client::State {
  State(const ClientOptions& o, HttpTransport& t, util::Clock& c)
      : options(o),
        transport(t),
        clock(c),
        pacer(c, o.concurrency, o.max_per_minute),
        random(std::random_device{}()) {}

  const ClientOptions& options;
  HttpTransport& transport;
  util::Clock& clock;
  Pacer pacer;

  mutable std::mutex mutex;  // guards the members below
  ClientStats stats;
  std::mt19937_64 random;

  Result<ApiResponse> execute(const std::string& method, const std::string& path,
                              const Headers& extra, const std::string& body,
                              const CacheLookup& cache);
  std::string display_path(const std::string& url) const;

 private:
  HttpRequest build_request(const std::string& method, const std::string& url, const Headers& extra,
                            const std::string& body,
                            const std::optional<core::CachedResponse>& cached,
                            bool send_token) const;
  ApiError make_error(ErrorKind kind, long status, const std::string& url,
                      const std::string& message) const;
  ApiError error_for_status(const HttpResponse& response, const std::string& url,
                            int attempts) const;
  void note_rate_limit(const RateLimitHeaders& limits, util::Timestamp server_now);
  void begin_wait(milliseconds length, util::Timestamp wall_end, const std::string& reason,
                  bool warn);
  void back_off(int failures, std::optional<milliseconds> at_least);
};

HttpRequest Client::State::build_request(const std::string& method, const std::string& url,
                                         const Headers& extra, const std::string& body,
                                         const std::optional<core::CachedResponse>& cached,
                                         bool send_token) const {
  HttpRequest request;
  request.method = method;
  request.url = url;
  request.body = body;
  request.timeout = options.request_timeout;
  request.headers["Accept"] = "application/vnd.github+json";
  request.headers["User-Agent"] = options.user_agent;
  request.headers["X-GitHub-Api-Version"] = k_api_version;
  if (!options.token.empty()) {
    request.headers["Authorization"] = "Bearer " + options.token;
  }
  for (const auto& [name, value] : extra) {
    request.headers[name] = value;
  }
  if (cached) {
    request.headers["If-None-Match"] = cached->etag;
  }
  if (!send_token) {
    request.headers.erase("Authorization");
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

ApiError Client::State::error_for_status(const HttpResponse& response, const std::string& url,
                                         int attempts) const {
  const long status = response.status;
  const std::string path = display_path(url);
  const std::string said = github_message(response.body);
  const std::string said_suffix = said.empty() ? "" : ": " + said;
  switch (status) {
    case 401:
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

void Client::State::begin_wait(milliseconds length, util::Timestamp wall_end,
                               const std::string& reason, bool warn) {
  const milliseconds added = pacer.pause_until(clock.steady_now() + length, reason);
  {
    std::lock_guard lock(mutex);
    stats.waited += added;
  }
  if (added < k_new_wait_threshold) {
    return;  // another thread already waits for (about) this long
  }
  if (warn) {
    util::log_warn("{}", reason);
  } else {
    util::log_info("{}", reason);
  }
  if (options.on_wait) {
    options.on_wait(WaitEvent{reason, length, wall_end});
  }
}

void Client::State::note_rate_limit(const RateLimitHeaders& limits, util::Timestamp server_now) {
  {
    std::lock_guard lock(mutex);
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
  if (!limits.remaining || !limits.reset) {
    return;
  }
  const std::int64_t low = options.low_remaining > 0
                               ? options.low_remaining
                               : static_cast<std::int64_t>(options.concurrency);
  // A remaining of 0 on a successful answer still means the next request will be refused.
  if (*limits.remaining > low || *limits.reset <= server_now) {
    return;
  }
  // Measured against the server's own clock (its Date header), so a skewed local clock
  // neither shortens nor stretches the wait.
  milliseconds length = *limits.reset - server_now + k_reset_margin;
  length = std::min<milliseconds>(length, options.max_wait);
  const auto wall_end = clock.now() + std::chrono::ceil<seconds>(length);
  begin_wait(length, wall_end,
             fmt::format("rate limit: {} requests left of {}{}; waiting {} until {} for the reset",
                         *limits.remaining, limits.limit.value_or(0),
                         limits.resource.empty() || limits.resource == "core"
                             ? ""
                             : fmt::format(" ({})", limits.resource),
                         format_length(length), format_time_of_day(*limits.reset + k_reset_margin)),
             false);
}

void Client::State::back_off(int failures, std::optional<milliseconds> at_least) {
  // Full jitter: a random delay up to an exponentially growing ceiling.
  const double factor = std::ldexp(1.0, std::min(failures - 1, 20));
  const auto ceiling = std::min<milliseconds>(
      milliseconds(
          static_cast<std::int64_t>(static_cast<double>(options.retry_base.count()) * factor)),
      k_max_transient_backoff);
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
                                           const Headers& extra, const std::string& body,
                                           const CacheLookup& cache) {
  const std::string key = join_url(options.api_url, path);
  if (!same_origin(key, options.api_url)) {
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

  std::string url = key;
  std::string current_method = method;
  std::string current_body = body;
  bool send_token = true;
  std::vector<std::string> redirected_from;
  int attempts = 0;
  int transient_failures = 0;
  int redirects = 0;
  int rate_limit_waits = 0;
  milliseconds rate_limit_waited{0};

  for (;;) {
    HttpRequest request =
        build_request(current_method, url, extra, current_body, cached, send_token);
    HttpResponse response;
    {
      auto permit = pacer.acquire();
      response = transport.send(request);
    }
    ++attempts;
    {
      std::lock_guard lock(mutex);
      ++stats.requests;
    }

    if (!response.ok()) {
      if (is_retryable(response.error) && transient_failures < options.max_retries) {
        ++transient_failures;
        util::log_verbose("{}; retrying (attempt {} of {})", util::scrub(response.error_message),
                          transient_failures + 1, options.max_retries + 1);
        back_off(transient_failures, std::nullopt);
        continue;
      }
      return std::unexpected(
          make_error(ErrorKind::transport, 0, url,
                     fmt::format("cannot reach GitHub at {}{}: {}", options.api_url,
                                 attempts > 1 ? fmt::format(" after {} attempts", attempts) : "",
                                 response.error_message)));
    }

    const auto date = response.header("date").and_then(
        [](const std::string& text) { return util::parse_http_date(util::trim(text)); });
    const util::Timestamp server_now = date.value_or(clock.now());
    const RateLimitHeaders limits = read_rate_limit(response);
    const long status = response.status;

    if ((status == 403 || status == 429) && is_rate_limit_answer(response, limits)) {
      {
        std::lock_guard lock(mutex);
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
      const bool exhausted = limits.remaining && *limits.remaining == 0;
      const auto retry_after = read_retry_after(response, server_now);
      milliseconds wait{0};
      std::string reason;
      if (exhausted && limits.reset) {
        wait = std::max<milliseconds>(*limits.reset - server_now + k_reset_margin, milliseconds(0));
      }
      if (retry_after) {
        wait = std::max(wait, *retry_after);
      }
      if (!exhausted) {
        std::lock_guard lock(mutex);
        ++stats.secondary_limited;
      }
      if (retry_after) {
        reason = fmt::format(
            "{} rate limit (GitHub answered {} for {}): waiting {} as its retry-after asks",
            exhausted ? "primary" : "secondary", status, display_path(url), format_length(wait));
      } else if (exhausted && limits.reset) {
        reason = fmt::format("rate limit: 0 requests left of {}; waiting {} until {} for the reset",
                             limits.limit.value_or(0), format_length(wait),
                             format_time_of_day(*limits.reset + k_reset_margin));
      } else {
        const double factor = std::ldexp(1.0, std::min(rate_limit_waits, 20));
        wait = std::chrono::duration_cast<milliseconds>(options.secondary_backoff * factor);
        reason = fmt::format(
            "secondary rate limit (GitHub answered {} for {} without retry-after): backing "
            "off {}",
            status, display_path(url), format_length(wait));
      }
      ++rate_limit_waits;
      if (rate_limit_waits > k_max_rate_limit_waits ||
          rate_limit_waited + wait > options.max_wait) {
        return std::unexpected(make_error(
            ErrorKind::rate_limited, status, url,
            fmt::format("gave up on {}: GitHub's rate limit still refused it after waiting {} "
                        "({} waits); the next wait of {} would exceed the {} allowed",
                        display_path(url), format_length(rate_limit_waited), rate_limit_waits - 1,
                        format_length(wait), format_length(options.max_wait))));
      }
      rate_limit_waited += wait;
      begin_wait(wait, clock.now() + std::chrono::ceil<seconds>(wait), reason, true);
      continue;
    }

    note_rate_limit(limits, server_now);

    if (status == 304) {
      if (!cached) {
        return std::unexpected(make_error(ErrorKind::other, status, url,
                                          fmt::format("GitHub answered 304 Not Modified for {} "
                                                      "to a request that was not conditional",
                                                      display_path(url))));
      }
      {
        std::lock_guard lock(mutex);
        ++stats.not_modified;
      }
      ApiResponse out;
      out.status = 200;
      out.body = cached->body;
      out.url = url;
      out.date = date;
      out.from_cache = true;
      out.redirected_from = std::move(redirected_from);
      auto etag = response.header("etag");
      out.cache_entry = core::CachedResponse{key, etag.value_or(cached->etag), cached->body};
      out.headers = std::move(response.headers);
      return out;
    }

    if (status >= 200 && status < 300) {
      ApiResponse out;
      out.status = status;
      out.url = url;
      out.date = date;
      out.redirected_from = std::move(redirected_from);
      if (auto etag = response.header("etag"); etag && status == 200 && method == "GET") {
        out.cache_entry = core::CachedResponse{key, *etag, response.body};
      }
      out.headers = std::move(response.headers);
      out.body = std::move(response.body);
      return out;
    }

    if (is_redirect(status)) {
      auto location = response.header("location");
      auto target = location ? resolve_location(url, *location) : std::nullopt;
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
      send_token = send_token && same_origin(*target, options.api_url);
      url = std::move(*target);
      continue;
    }

    if (is_transient_status(status) && transient_failures < options.max_retries) {
      ++transient_failures;
      util::log_verbose("GitHub answered {} for {}; retrying (attempt {} of {})", status,
                        display_path(url), transient_failures + 1, options.max_retries + 1);
      back_off(transient_failures, read_retry_after(response, server_now));
      continue;
    }
    return std::unexpected(error_for_status(response, url, attempts));
  }
}

Client::Client(ClientOptions options, HttpTransport& transport, util::Clock& clock)
    : m_options(std::move(options)), m_transport(transport), m_clock(clock) {
  m_options.concurrency = std::clamp(m_options.concurrency, 1, k_max_concurrency);
  m_options.max_per_minute = std::max(m_options.max_per_minute, 1);
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

Result<ApiResponse> Client::get(const std::string& path, const Headers& extra,
                                const CacheLookup& cache) {
  return m_state->execute("GET", path, extra, {}, cache);
}

Result<ApiResponse> Client::post_json(const std::string& path, const nlohmann::json& body) {
  Headers extra{{"Content-Type", "application/json"}};
  return m_state->execute("POST", path, extra, body.dump(), {});
}

Result<std::vector<nlohmann::json>> Client::get_all_pages(const std::string& path,
                                                          const Headers& extra) {
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
    if (!same_origin(*next, m_options.api_url)) {
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

ClientStats Client::stats() const {
  ClientStats copy;
  {
    std::lock_guard lock(m_state->mutex);
    copy = m_state->stats;
  }
  copy.current_wait = m_state->pacer.current_pause();
  return copy;
}

}  // namespace ghtraffic::github
