// The mock's server and request pipeline: control routes, in-flight and secondary limits,
// latency, faults, auth, the primary limit, conditional requests and common headers.
#include "ghtraffic/mock/mock_github.hpp"

#include <fmt/format.h>
#include <httplib.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <algorithm>
#include <charconv>
#include <csignal>
#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <string_view>

#include "ghtraffic/mock/mock_state.hpp"
#include "ghtraffic/util/number.hpp"

namespace ghtraffic::mock {
namespace {

using Json = nlohmann::ordered_json;
using SteadyClock = std::chrono::steady_clock;

constexpr std::string_view k_api_prefix = "/api/v3";
constexpr const char* k_content_type = "application/json; charset=utf-8";
constexpr std::chrono::hours k_rate_window{1};

Json bucket_json(const RateBucket& bucket) {
  return Json{{"limit", bucket.limit},
              {"remaining", bucket.remaining},
              {"used", bucket.limit - bucket.remaining},
              {"reset", bucket.reset.time_since_epoch().count()}};
}

// A strong validator: 128 bits of two FNV-1a hashes of the body.
std::string etag_of(std::string_view body) {
  std::uint64_t a = 0xcbf29ce484222325ULL;
  std::uint64_t b = 0x84222325cbf29ce4ULL;
  for (unsigned char c : body) {
    a = (a ^ c) * 0x100000001b3ULL;
    b = (b ^ c) * 0x100000001b3ULL;
    b ^= b >> 29;
  }
  return fmt::format("\"{:016x}{:016x}\"", a, b);
}

bool etag_matches(const std::string& if_none_match, const std::string& etag) {
  std::string_view rest = if_none_match;
  while (!rest.empty()) {
    auto comma = rest.find(',');
    auto item = rest.substr(0, comma);
    while (!item.empty() && item.front() == ' ') {
      item.remove_prefix(1);
    }
    while (!item.empty() && item.back() == ' ') {
      item.remove_suffix(1);
    }
    if (item.starts_with("W/")) {
      item.remove_prefix(2);
    }
    if (item == etag || item == "*") {
      return true;
    }
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
  }
  return false;
}

std::vector<std::string> split_path(std::string_view path) {
  std::vector<std::string> segments;
  std::size_t start = 0;
  while (start <= path.size()) {
    auto slash = path.find('/', start);
    auto end = slash == std::string_view::npos ? path.size() : slash;
    if (end > start) {
      segments.emplace_back(path.substr(start, end - start));
    }
    if (slash == std::string_view::npos) {
      break;
    }
    start = slash + 1;
  }
  return segments;
}

RouteRequest make_route_request(const httplib::Request& http, int port) {
  RouteRequest request;
  request.http = &http;
  request.method = http.method;
  std::string_view path = http.path;
  if (path.starts_with("/api/graphql")) {
    request.prefix = "/api";
    path.remove_prefix(4);
  } else if (path.starts_with(k_api_prefix) &&
             (path.size() == k_api_prefix.size() || path[k_api_prefix.size()] == '/')) {
    request.prefix = std::string(k_api_prefix);
    path.remove_prefix(k_api_prefix.size());
  }
  request.segments = split_path(path);
  auto host = http.get_header_value("Host");
  request.origin = "http://" + (host.empty() ? fmt::format("127.0.0.1:{}", port) : host);
  return request;
}

// cpp-httplib listens with a backlog of 5: a burst of connections beyond it waits a second
// for the SYN to be sent again. Benchmarks open a hundred at once.
class Server final : public httplib::Server {
 public:
  void widen_backlog() { ::listen(svr_sock_, 1024); }
};

struct InFlight {
  explicit InFlight(MockGitHub::State& state) : m_state(state) {
    value = ++m_state.in_flight;
    std::lock_guard lock(m_state.stats_mutex);
    m_state.stats.max_in_flight = std::max(m_state.stats.max_in_flight, value);
  }
  ~InFlight() { --m_state.in_flight; }
  InFlight(const InFlight&) = delete;
  InFlight& operator=(const InFlight&) = delete;

  std::int64_t value = 0;

 private:
  MockGitHub::State& m_state;
};

// What one request needs of the configuration, copied under one brief lock.
struct Settings {
  util::Timestamp now;
  std::chrono::milliseconds latency{0};
  std::string token;
  int retry_after = 60;
  bool graphql_enabled = true;
  int listing_page_size = 0;
  bool secondary_limited = false;
  std::optional<Fault> fault;
  std::chrono::milliseconds slow_delay{0};
};

class Pipeline {
 public:
  Pipeline(MockGitHub::State& state, const httplib::Request& http, httplib::Response& res)
      : m_state(state), m_http(http), m_res(res) {}

  void run();

 private:
  Settings read_settings(std::int64_t in_flight, const std::string& target, bool graphql);
  void sleep_latency(std::chrono::milliseconds latency);
  bool take_primary_budget_check(bool graphql, util::Timestamp now);
  void spend(bool graphql);
  RateBucket bucket(bool graphql, util::Timestamp now) const;
  void rate_headers(bool graphql, util::Timestamp now);
  void send(const Answer& answer, const Settings& settings, bool graphql);
  void send_fault(Fault fault, const Settings& settings, bool graphql);
  void control();
  template <typename F>
  void count(F&& update) {
    std::lock_guard lock(m_state.stats_mutex);
    update(m_state.stats);
  }

  MockGitHub::State& m_state;
  const httplib::Request& m_http;
  httplib::Response& m_res;
};

// GitHub's secondary-limit points: a REST read costs 1, a REST write 5, a GraphQL query 1
// (a mutation 5; ghtraffic sends none, and the mock does not tell them apart).
int secondary_points(const std::string& method, bool graphql) {
  if (graphql || method == "GET" || method == "HEAD" || method == "OPTIONS") {
    return 1;
  }
  return 5;
}

}  // namespace

bool PointWindow::take(std::chrono::steady_clock::time_point now, std::chrono::milliseconds length,
                       int cost) {
  if (max_points <= 0) {
    return true;
  }
  while (!accepted.empty() && now - accepted.front().first >= length) {
    points -= accepted.front().second;
    accepted.pop_front();
  }
  if (points + cost > max_points) {
    return false;
  }
  accepted.emplace_back(now, cost);
  points += cost;
  return true;
}

namespace {

Settings Pipeline::read_settings(std::int64_t in_flight, const std::string& target, bool graphql) {
  Settings settings;
  std::lock_guard lock(m_state.config_mutex);
  settings.now = m_state.now();
  settings.latency = m_state.latency;
  settings.token = m_state.token;
  settings.retry_after = m_state.retry_after;
  settings.graphql_enabled = m_state.graphql_enabled;
  settings.listing_page_size = m_state.listing_page_size;
  settings.slow_delay = m_state.slow_delay;

  if (m_state.max_in_flight > 0 && in_flight > m_state.max_in_flight) {
    settings.secondary_limited = true;
  } else {
    auto& window = graphql ? m_state.graphql_window : m_state.rest_window;
    settings.secondary_limited = !window.take(SteadyClock::now(), m_state.secondary_window,
                                              secondary_points(m_http.method, graphql));
  }
  if (settings.secondary_limited) {
    return settings;
  }
  auto& faults = m_state.faults;
  auto it = std::find_if(faults.begin(), faults.end(), [&](const FaultRule& rule) {
    return rule.graphql_repo.empty() && target.find(rule.url_substring) != std::string::npos;
  });
  if (it != faults.end()) {
    settings.fault = it->fault;
    if (--it->remaining <= 0) {
      faults.erase(it);
    }
  }
  return settings;
}

void Pipeline::sleep_latency(std::chrono::milliseconds latency) {
  if (latency.count() <= 0) {
    return;
  }
  std::unique_lock lock(m_state.stop_mutex);
  m_state.stop_cv.wait_for(lock, latency, [&] { return m_state.stopping; });
}

// False if the primary budget is spent; refills it once the current time (simulated if
// set, else real) has passed its reset time.
bool Pipeline::take_primary_budget_check(bool graphql, util::Timestamp now) {
  std::lock_guard lock(m_state.config_mutex);
  if (!m_state.rate_enforced) {
    return true;
  }
  auto& bucket = graphql ? m_state.graphql_bucket : m_state.core_bucket;
  if (bucket.remaining <= 0 && now >= bucket.reset) {
    bucket.remaining = bucket.limit;
    bucket.reset = now + k_rate_window;
  }
  return bucket.remaining > 0;
}

void Pipeline::spend(bool graphql) {
  std::lock_guard lock(m_state.config_mutex);
  if (!m_state.rate_enforced) {
    return;
  }
  auto& bucket = graphql ? m_state.graphql_bucket : m_state.core_bucket;
  bucket.remaining = std::max<std::int64_t>(0, bucket.remaining - 1);
}

RateBucket Pipeline::bucket(bool graphql, util::Timestamp now) const {
  std::lock_guard lock(m_state.config_mutex);
  if (m_state.rate_enforced) {
    return graphql ? m_state.graphql_bucket : m_state.core_bucket;
  }
  return RateBucket{.limit = 5000, .remaining = 5000, .reset = now + k_rate_window};
}

void Pipeline::rate_headers(bool graphql, util::Timestamp now) {
  auto bucket = this->bucket(graphql, now);
  m_res.set_header("x-ratelimit-limit", std::to_string(bucket.limit));
  m_res.set_header("x-ratelimit-remaining", std::to_string(bucket.remaining));
  m_res.set_header("x-ratelimit-used", std::to_string(bucket.limit - bucket.remaining));
  m_res.set_header("x-ratelimit-reset", std::to_string(bucket.reset.time_since_epoch().count()));
  m_res.set_header("x-ratelimit-resource", graphql ? "graphql" : "core");
}

void Pipeline::send(const Answer& answer, const Settings& settings, bool graphql) {
  m_res.status = answer.status;
  m_res.set_header("Date", util::format_http_date(settings.now));
  for (const auto& [key, value] : answer.headers) {
    m_res.set_header(key, value);
  }
  rate_headers(graphql, settings.now);
  m_res.set_content(answer.body, k_content_type);
}

void Pipeline::send_fault(Fault fault, const Settings& settings, bool graphql) {
  switch (fault) {
    case Fault::server_error:
      return send(Answer{500, json_message("Server Error"), {}}, settings, graphql);
    case Fault::bad_gateway:
      return send(Answer{502, json_message("Bad Gateway"), {}}, settings, graphql);
    case Fault::malformed:
      return send(Answer{200, "<html><body>Unicorn! This page is taking too long", {}}, settings,
                  graphql);
    case Fault::wrong_shape:
      return send(Answer{200, R"({"count":"x"})", {}}, settings, graphql);
    case Fault::forbidden_push:
      return send(Answer{403, json_message("Must have push access to repository"), {}}, settings,
                  graphql);
    case Fault::not_found:
      return send(Answer{404, json_message("Not Found"), {}}, settings, graphql);
    case Fault::unauthorized:
      return send(Answer{401, json_message("Bad credentials"), {}}, settings, graphql);
    case Fault::too_many_requests:
    case Fault::too_many_requests_no_retry_after:
    case Fault::secondary_limit:
    case Fault::secondary_limit_no_retry_after: {
      bool too_many =
          fault == Fault::too_many_requests || fault == Fault::too_many_requests_no_retry_after;
      bool with_retry_after = fault == Fault::too_many_requests || fault == Fault::secondary_limit;
      Answer answer{too_many ? 429 : 403,
                    json_message("You have exceeded a secondary rate limit. Please wait a few "
                                 "minutes before you try again."),
                    {}};
      if (with_retry_after && settings.retry_after > 0) {
        answer.headers.emplace_back("retry-after", std::to_string(settings.retry_after));
      }
      count([](MockStats& stats) { ++stats.secondary_limited; });
      return send(answer, settings, graphql);
    }
    case Fault::primary_exhausted: {
      count([](MockStats& stats) { ++stats.primary_limited; });
      auto limit = bucket(graphql, settings.now).limit;
      m_res.status = 403;
      m_res.set_header("Date", util::format_http_date(settings.now));
      m_res.set_header("x-ratelimit-limit", std::to_string(limit));
      m_res.set_header("x-ratelimit-remaining", "0");
      m_res.set_header("x-ratelimit-used", std::to_string(limit));
      m_res.set_header(
          "x-ratelimit-reset",
          std::to_string((settings.now + std::chrono::seconds(60)).time_since_epoch().count()));
      m_res.set_header("x-ratelimit-resource", graphql ? "graphql" : "core");
      m_res.set_content(json_message("API rate limit exceeded for user ID 1."), k_content_type);
      return;
    }
    case Fault::reset:
    case Fault::truncated:
    case Fault::slow:
    case Fault::moved:
    case Fault::graphql_errors:
    case Fault::missing_field:
      break;
  }
  // Reset: close the connection under cpp-httplib, whose answer then goes nowhere.
  shutdown_connections(m_state.port, m_http.remote_port);
  m_res.status = 500;
}

void Pipeline::control() {
  const auto& path = m_http.path;
  m_res.set_header("Date", util::format_http_date(m_state.now()));
  if (path == "/_mock/stats" && m_http.method == "GET") {
    std::lock_guard lock(m_state.stats_mutex);
    m_res.set_content(stats_to_json(m_state.stats), k_content_type);
    return;
  }
  if (path == "/_mock/reset-stats" && m_http.method == "POST") {
    std::lock_guard lock(m_state.stats_mutex);
    m_state.stats = MockStats{};
    m_res.set_content("{}", k_content_type);
    return;
  }
  if (path == "/_mock/fault" && m_http.method == "POST") {
    auto body = Json::parse(m_http.body, nullptr, false);
    std::optional<Fault> fault;
    if (body.is_object() && body.contains("fault") && body["fault"].is_string()) {
      fault = fault_from(body["fault"].get<std::string>());
    }
    bool has_target = (body.contains("url") && body["url"].is_string()) ||
                      (body.contains("graphql_repo") && body["graphql_repo"].is_string());
    if (!fault || !has_target) {
      m_res.status = 400;
      m_res.set_content(
          json_message(fmt::format(
              R"(expected {{"url":"substring" or "graphql_repo":"owner/name","fault":"{}","times":1}})",
              fault_list())),
          k_content_type);
      return;
    }
    int times = body.value("times", 1);
    FaultRule rule{body.value("url", std::string()), *fault, times, {}};
    if (body.contains("graphql_repo") && body["graphql_repo"].is_string()) {
      rule.graphql_repo = to_lower_ascii(body["graphql_repo"].get<std::string>());
    }
    {
      std::lock_guard lock(m_state.config_mutex);
      m_state.faults.push_back(std::move(rule));
    }
    m_res.set_content("{}", k_content_type);
    return;
  }
  if (path == "/_mock/now" && m_http.method == "POST") {
    auto body = Json::parse(m_http.body, nullptr, false);
    std::optional<util::Timestamp> now;
    if (body.is_object() && body.contains("now") && body["now"].is_string()) {
      auto text = body["now"].get<std::string>();
      now = util::parse_iso8601(text);
      if (!now) {
        if (auto day = util::parse_day(text)) {
          now = util::Timestamp{*day};
        }
      }
    }
    if (!now) {
      m_res.status = 400;
      m_res.set_content(json_message(R"(expected {"now":"YYYY-MM-DD[THH:MM:SSZ]"})"),
                        k_content_type);
      return;
    }
    {
      std::lock_guard lock(m_state.config_mutex);
      m_state.simulated_now = *now;
    }
    m_res.set_content(Json{{"now", util::format_iso8601(*now)}}.dump(), k_content_type);
    return;
  }
  m_res.status = 404;
  m_res.set_content(json_message("Not Found"), k_content_type);
}

void Pipeline::run() {
  if (m_http.path.starts_with("/_mock/")) {
    return control();
  }
  auto request = make_route_request(m_http, m_state.port);
  auto key = route_key(request);
  bool graphql = is_graphql(request);

  InFlight in_flight(m_state);
  count([&](MockStats& stats) {
    ++stats.requests;
    ++stats.by_route[key];
    stats.graphql_requests += graphql ? 1 : 0;
  });
  auto settings = read_settings(in_flight.value, m_http.target, graphql);
  request.listing_page_size = settings.listing_page_size;
  request.fault = settings.fault;
  auto* state = &m_state;
  request.graphql_fault = [state](const std::string& full_name) {
    return state->take_graphql_fault(full_name);
  };
  sleep_latency(settings.latency);
  if (settings.fault == Fault::slow) {
    sleep_latency(settings.slow_delay);
  }

  if (settings.secondary_limited) {
    count([](MockStats& stats) { ++stats.secondary_limited; });
    Answer answer{403,
                  json_message("You have exceeded a secondary rate limit. Please wait a few "
                               "minutes before you try again."),
                  {}};
    if (settings.retry_after > 0) {
      answer.headers.emplace_back("retry-after", std::to_string(settings.retry_after));
    }
    return send(answer, settings, graphql);
  }
  if (settings.fault && answers_instead(*settings.fault)) {
    return send_fault(*settings.fault, settings, graphql);
  }
  auto credential = authenticate(m_state, m_http, settings.token);
  if (credential.refusal) {
    return send(*credential.refusal, settings, graphql);
  }
  request.app_jwt = credential.app_jwt;
  request.installation = std::move(credential.installation);
  if (key == "rate_limit") {
    // Asking for the rate limit does not count against it.
    auto core_bucket = bucket(false, settings.now);
    auto graphql_bucket = bucket(true, settings.now);
    return send(Answer{200,
                       Json{{"resources", Json{{"core", bucket_json(core_bucket)},
                                               {"graphql", bucket_json(graphql_bucket)}}},
                            {"rate", bucket_json(core_bucket)}}
                           .dump(),
                       {}},
                settings, graphql);
  }

  if (!take_primary_budget_check(graphql, settings.now)) {
    count([](MockStats& stats) { ++stats.primary_limited; });
    return send(Answer{403, json_message("API rate limit exceeded for user ID 1."), {}}, settings,
                graphql);
  }

  auto app_answer = answer_app_route(m_state, request);
  auto answer = app_answer ? std::move(*app_answer)
                : graphql && !settings.graphql_enabled
                    ? Answer{404, json_message("Not Found"), {}}
                    : answer_route(m_state, request, settings.now);
  if (answer.status == 200 && settings.fault == Fault::missing_field) {
    answer.body = drop_a_field(answer.body);
  } else if (answer.status == 200 && graphql && settings.fault == Fault::graphql_errors) {
    answer.body =
        Json{{"errors", Json::array({Json{{"message",
                                           "Something went wrong while executing your query. "
                                           "This may be the result of a timeout."}}})}}
            .dump();
  }
  if (answer.status == 200) {
    auto etag = etag_of(answer.body);
    answer.headers.emplace_back("ETag", etag);
    if (!graphql && etag_matches(m_http.get_header_value("If-None-Match"), etag)) {
      count([](MockStats& stats) { ++stats.not_modified; });
      answer.status = 304;
      answer.body.clear();
      return send(answer, settings, graphql);
    }
  }
  if (key == "actions/workflows/enable" && answer.status == 204) {
    const auto& s = request.segments;
    count([&](MockStats& stats) {
      stats.enabled_workflows.push_back(fmt::format("{}/{}/{}", s[1], s[2], s[5]));
    });
  }
  spend(graphql);
  send(answer, settings, graphql);
  if (settings.fault == Fault::truncated) {
    auto body = std::make_shared<std::string>(std::move(m_res.body));
    m_res.body.clear();
    m_res.headers.erase("Content-Type");
    if (body->empty()) {
      shutdown_connections(m_state.port, m_http.remote_port);
      return;
    }
    // The full Content-Length is announced, half the body is written, then the
    // connection closes.
    m_res.set_content_provider(body->size(), k_content_type,
                               [body](std::size_t offset, std::size_t, httplib::DataSink& sink) {
                                 auto half = body->size() / 2;
                                 if (offset < half) {
                                   sink.write(body->data() + offset, half - offset);
                                 }
                                 return false;
                               });
  }
}

}  // namespace

util::Timestamp MockGitHub::State::now() const {
  if (simulated_now) {
    return *simulated_now;
  }
  return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
}

const MockRepo* MockGitHub::State::find(const std::string& full_name) const {
  auto it = by_name.find(to_lower_ascii(full_name));
  return it == by_name.end() ? nullptr : it->second;
}

MockGitHub::MockGitHub() : m_state(std::make_unique<State>()) {}

MockGitHub::~MockGitHub() {
  stop();
}

int MockGitHub::start(int port) {
  if (m_state->server) {
    throw std::logic_error("the mock GitHub server is already running");
  }
  // A client that goes away mid-answer must not kill the process.
  std::signal(SIGPIPE, SIG_IGN);
  {
    std::lock_guard lock(m_state->stop_mutex);
    m_state->stopping = false;
  }
  auto server = std::make_unique<Server>();
  int threads = 0;
  {
    std::lock_guard lock(m_state->config_mutex);
    threads = m_state->threads;
  }
  server->new_task_queue = [threads] {
    return new httplib::ThreadPool(static_cast<std::size_t>(threads));
  };
  server->set_keep_alive_max_count(100000);
  server->set_keep_alive_timeout(10);
  server->set_tcp_nodelay(true);
  auto* state = m_state.get();
  auto handler = [state](const httplib::Request& http, httplib::Response& res) {
    Pipeline(*state, http, res).run();
  };
  server->Get(".*", handler);
  server->Post(".*", handler);
  server->Put(".*", handler);
  server->Patch(".*", handler);
  server->Delete(".*", handler);

  int bound = port == 0 ? server->bind_to_any_port("127.0.0.1")
                        : (server->bind_to_port("127.0.0.1", port) ? port : -1);
  if (bound <= 0) {
    throw std::runtime_error(
        fmt::format("the mock GitHub server could not listen on 127.0.0.1:{}", port));
  }
  server->widen_backlog();
  m_state->port = bound;
  auto* raw = server.get();
  m_state->server = std::move(server);
  m_state->listener = std::thread([raw] { raw->listen_after_bind(); });
  while (!raw->is_running()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return bound;
}

void MockGitHub::stop() {
  if (!m_state->server) {
    return;
  }
  {
    std::lock_guard lock(m_state->stop_mutex);
    m_state->stopping = true;
  }
  m_state->stop_cv.notify_all();
  m_state->server->stop();
  // Idle keep-alive connections would hold their worker threads until they time out.
  shutdown_connections(m_state->port, -1);
  if (m_state->listener.joinable()) {
    m_state->listener.join();
  }
  m_state->server.reset();
}

int MockGitHub::port() const {
  return m_state->port;
}

std::string MockGitHub::url() const {
  return fmt::format("http://127.0.0.1:{}", m_state->port);
}

}  // namespace ghtraffic::mock
