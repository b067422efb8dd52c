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

bool authorized(const httplib::Request& http, const std::string& token) {
  if (token.empty()) {
    return true;
  }
  auto value = http.get_header_value("Authorization");
  auto space = value.find(' ');
  if (space == std::string::npos) {
    return false;
  }
  auto scheme = to_lower_ascii(value.substr(0, space));
  return (scheme == "bearer" || scheme == "token") && value.substr(space + 1) == token;
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

// Shuts down the accepted connections of the server on `port` whose peer port is
// `peer_port` (or all, for -1). cpp-httplib does not hand the socket to handlers, so it is
// found among the process's descriptors by its addresses.
void shutdown_connections(int port, int peer_port) {
  std::error_code ec;
  std::vector<int> fds;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd", ec)) {
    if (auto fd = util::parse_int<int>(entry.path().filename().string(), 0)) {
      fds.push_back(*fd);
    }
  }
  for (int fd : fds) {
    struct stat info {};
    if (fstat(fd, &info) != 0 || !S_ISSOCK(info.st_mode)) {
      continue;
    }
    sockaddr_storage local{};
    sockaddr_storage peer{};
    socklen_t local_len = sizeof(local);
    socklen_t peer_len = sizeof(peer);
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&local), &local_len) != 0 ||
        getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &peer_len) != 0 ||
        local.ss_family != AF_INET || peer.ss_family != AF_INET) {
      continue;
    }
    const auto& local_in = reinterpret_cast<const sockaddr_in&>(local);
    const auto& peer_in = reinterpret_cast<const sockaddr_in&>(peer);
    if (ntohs(local_in.sin_port) == port &&
        (peer_port < 0 || ntohs(peer_in.sin_port) == peer_port)) {
      ::shutdown(fd, SHUT_RDWR);
    }
  }
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
    return target.find(rule.url_substring) != std::string::npos;
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
    case Fault::reset:
    case Fault::truncated:
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
    if (!fault || !body.contains("url") || !body["url"].is_string()) {
      m_res.status = 400;
      m_res.set_content(
          json_message(R"(expected {"url":"substring","fault":"server_error|bad_gateway|reset|)"
                       R"(truncated|malformed|wrong_shape|forbidden_push|not_found|unauthorized",)"
                       R"("times":1})"),
          k_content_type);
      return;
    }
    int times = body.value("times", 1);
    {
      std::lock_guard lock(m_state.config_mutex);
      m_state.faults.push_back(FaultRule{body["url"].get<std::string>(), *fault, times});
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
  sleep_latency(settings.latency);

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
  if (settings.fault && *settings.fault != Fault::truncated) {
    return send_fault(*settings.fault, settings, graphql);
  }
  if (!authorized(m_http, settings.token)) {
    return send(Answer{401, json_message("Bad credentials"), {}}, settings, graphql);
  }
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

  auto answer = graphql && !settings.graphql_enabled ? Answer{404, json_message("Not Found"), {}}
                                                     : answer_route(m_state, request, settings.now);
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

std::optional<Fault> fault_from(std::string_view name) {
  static const std::pair<std::string_view, Fault> k_names[] = {
      {"server_error", Fault::server_error},
      {"bad_gateway", Fault::bad_gateway},
      {"reset", Fault::reset},
      {"truncated", Fault::truncated},
      {"malformed", Fault::malformed},
      {"wrong_shape", Fault::wrong_shape},
      {"forbidden_push", Fault::forbidden_push},
      {"not_found", Fault::not_found},
      {"unauthorized", Fault::unauthorized},
  };
  for (const auto& [key, fault] : k_names) {
    if (key == name) {
      return fault;
    }
  }
  return std::nullopt;
}

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

void MockGitHub::add_repo(MockRepo repo) {
  std::unique_lock lock(m_state->data_mutex);
  auto& s = *m_state;
  if (repo.id == 0) {
    repo.id = s.next_id;
  }
  s.next_id = std::max(s.next_id, repo.id + 1);
  auto key = to_lower_ascii(repo.full_name());
  if (auto old = s.by_name.find(key); old != s.by_name.end()) {
    // Replacing a repository of the same name: drop the old one everywhere.
    auto* previous = old->second;
    s.by_id.erase(previous->id);
    auto& owned = s.by_owner[to_lower_ascii(previous->owner)];
    std::erase(owned, previous);
    std::erase_if(s.repos, [&](const auto& r) { return r.get() == previous; });
  }
  auto owned = std::make_unique<MockRepo>(std::move(repo));
  auto* raw = owned.get();
  s.moved.erase(key);
  s.by_name[key] = raw;
  s.by_id[raw->id] = raw;
  s.by_owner[to_lower_ascii(raw->owner)].push_back(raw);
  s.repos.push_back(std::move(owned));
}

MockRepo* MockGitHub::repo(const std::string& full_name) {
  std::shared_lock lock(m_state->data_mutex);
  return const_cast<MockRepo*>(m_state->find(full_name));
}

namespace {

void set_day(MockGitHub::State& state, const std::string& full_name, bool views, util::Day day,
             std::int64_t count, std::int64_t uniques) {
  std::unique_lock lock(state.data_mutex);
  auto* repo = const_cast<MockRepo*>(state.find(full_name));
  if (repo == nullptr) {
    throw std::invalid_argument("mock GitHub has no repository " + full_name);
  }
  (views ? repo->views : repo->clones)[day] = core::DayCount{day, count, uniques};
}

}  // namespace

void MockGitHub::set_view(const std::string& full_name, util::Day day, std::int64_t count,
                          std::int64_t uniques) {
  set_day(*m_state, full_name, true, day, count, uniques);
}

void MockGitHub::set_clone(const std::string& full_name, util::Day day, std::int64_t count,
                           std::int64_t uniques) {
  set_day(*m_state, full_name, false, day, count, uniques);
}

void MockGitHub::rename_repo(const std::string& old_full_name, const std::string& new_full_name) {
  auto ref = core::RepoRef::parse(new_full_name);
  if (!ref) {
    throw std::invalid_argument("not an owner/name: " + new_full_name);
  }
  std::unique_lock lock(m_state->data_mutex);
  auto& s = *m_state;
  auto old_key = to_lower_ascii(old_full_name);
  auto it = s.by_name.find(old_key);
  if (it == s.by_name.end()) {
    throw std::invalid_argument("mock GitHub has no repository " + old_full_name);
  }
  auto* repo = it->second;
  s.by_name.erase(it);
  std::erase(s.by_owner[to_lower_ascii(repo->owner)], repo);
  repo->owner = ref->owner;
  repo->name = ref->name;
  auto new_key = to_lower_ascii(repo->full_name());
  s.by_name[new_key] = repo;
  s.by_owner[to_lower_ascii(repo->owner)].push_back(repo);
  s.moved.erase(new_key);
  s.moved[old_key] = repo->id;
}

void MockGitHub::add_user(const std::string& login) {
  std::unique_lock lock(m_state->data_mutex);
  m_state->users.insert(to_lower_ascii(login));
}

std::size_t MockGitHub::repo_count() const {
  std::shared_lock lock(m_state->data_mutex);
  return m_state->repos.size();
}

void MockGitHub::set_now(util::Timestamp now) {
  std::lock_guard lock(m_state->config_mutex);
  m_state->simulated_now = now;
}

util::Timestamp MockGitHub::now() const {
  std::lock_guard lock(m_state->config_mutex);
  return m_state->now();
}

void MockGitHub::set_latency(std::chrono::milliseconds latency) {
  std::lock_guard lock(m_state->config_mutex);
  m_state->latency = latency;
}

void MockGitHub::set_token(std::string token) {
  std::lock_guard lock(m_state->config_mutex);
  m_state->token = std::move(token);
}

void MockGitHub::set_rate_limit(std::int64_t limit, std::int64_t remaining, util::Timestamp reset) {
  std::lock_guard lock(m_state->config_mutex);
  m_state->rate_enforced = true;
  m_state->core_bucket = RateBucket{limit, remaining, reset};
  m_state->graphql_bucket = RateBucket{limit, remaining, reset};
}

void MockGitHub::set_max_per_minute(int n) {
  std::lock_guard lock(m_state->config_mutex);
  m_state->rest_window.max_points = n;
  m_state->rest_window.clear();
}

void MockGitHub::set_max_graphql_per_minute(int n) {
  std::lock_guard lock(m_state->config_mutex);
  m_state->graphql_window.max_points = n;
  m_state->graphql_window.clear();
}

void MockGitHub::enforce_github_secondary_limits() {
  set_max_per_minute(k_github_rest_points_per_minute);
  set_max_graphql_per_minute(k_github_graphql_points_per_minute);
  set_max_in_flight(k_github_max_in_flight);
  set_secondary_window(std::chrono::minutes(1));
}

void MockGitHub::set_max_in_flight(int n) {
  std::lock_guard lock(m_state->config_mutex);
  m_state->max_in_flight = n;
}

void MockGitHub::set_secondary_window(std::chrono::milliseconds window) {
  std::lock_guard lock(m_state->config_mutex);
  m_state->secondary_window = window;
}

void MockGitHub::set_retry_after(int seconds) {
  std::lock_guard lock(m_state->config_mutex);
  m_state->retry_after = seconds;
}

void MockGitHub::inject(const std::string& url_substring, Fault fault, int times) {
  if (times <= 0) {
    return;
  }
  std::lock_guard lock(m_state->config_mutex);
  m_state->faults.push_back(FaultRule{url_substring, fault, times});
}

void MockGitHub::clear_faults() {
  std::lock_guard lock(m_state->config_mutex);
  m_state->faults.clear();
}

void MockGitHub::set_graphql_enabled(bool enabled) {
  std::lock_guard lock(m_state->config_mutex);
  m_state->graphql_enabled = enabled;
}

void MockGitHub::set_listing_page_size(int n) {
  std::lock_guard lock(m_state->config_mutex);
  m_state->listing_page_size = n;
}

void MockGitHub::set_threads(int n) {
  std::lock_guard lock(m_state->config_mutex);
  m_state->threads = std::max(1, n);
}

MockStats MockGitHub::stats() const {
  std::lock_guard lock(m_state->stats_mutex);
  return m_state->stats;
}

void MockGitHub::reset_stats() {
  std::lock_guard lock(m_state->stats_mutex);
  m_state->stats = MockStats{};
}

}  // namespace ghtraffic::mock
