#include "ghtraffic/web/server.hpp"

#include <arpa/inet.h>
#include <httplib.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <functional>
#include <mutex>
#include <thread>

#include "ghtraffic/util/error.hpp"
#include "ghtraffic/util/log.hpp"
#include "ghtraffic/util/number.hpp"
#include "ghtraffic/util/redact.hpp"
#include "ghtraffic/util/strings.hpp"
#include "ghtraffic/web/assets.hpp"
#include "ghtraffic/web/connection.hpp"
#include "ghtraffic/web/task_pool.hpp"

namespace ghtraffic::web {
namespace {

using nlohmann::json;

constexpr const char* k_json_type = "application/json; charset=utf-8";
// A connection holds a thread (TaskPool) only while one of its requests is read and
// answered; one waiting for its next request is parked (connection.hpp). Requests beyond
// this many at once wait in line.
constexpr std::size_t k_most_threads = 256;
// Connections open at once, parked ones included: the file descriptors serve asks for.
constexpr std::size_t k_most_connections = 8192;
// Connections the kernel holds for accept(): a burst of a thousand connections arriving at
// once must not overflow it (cpp-httplib asks for 5), or clients wait for a resent SYN.
constexpr int k_listen_backlog = 1024;
// Requests one keep-alive connection may send before it is closed (cpp-httplib: 5, which
// makes a busy client reconnect every fifth request).
constexpr std::size_t k_requests_per_connection = 1000;
// The oldest day /api/repos reads: its 30-day figures and sparkline end today.
constexpr int k_repos_days_back = 29;
constexpr std::size_t k_min_token_length = 16;

// The UI is in files, so nothing inline is needed; GitHub's strings can never run.
constexpr const char* k_content_security_policy =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'";

// Takes time by the length of given only, not by where the first difference lies.
bool constant_time_equal(std::string_view given, std::string_view expected) {
  unsigned char diff = given.size() == expected.size() ? 0 : 1;
  for (std::size_t i = 0; i < given.size(); ++i) {
    auto e = i < expected.size() ? static_cast<unsigned char>(expected[i]) : 0;
    diff |= static_cast<unsigned char>(static_cast<unsigned char>(given[i]) ^ e);
  }
  return diff == 0;
}

std::string dump(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

void send_json(httplib::Response& res, int status, const json& body) {
  res.status = status;
  res.set_header("Cache-Control", "no-store");
  res.set_content(dump(body), k_json_type);
}

void send_error(httplib::Response& res, int status, const std::string& message) {
  send_json(res, status, json{{"error", message}});
}

void refuse_method(httplib::Response& res) {
  res.set_header("Allow", "GET, HEAD");
  send_error(res, 405, "this server is read-only: only GET and HEAD are allowed");
}

std::optional<std::string> cookie_value(const httplib::Request& req, std::string_view name) {
  auto [begin, end] = req.headers.equal_range("Cookie");
  for (auto it = begin; it != end; ++it) {
    for (const auto& part : util::split(it->second, ';')) {
      auto item = util::trim(part);
      auto eq = item.find('=');
      if (eq != std::string_view::npos && item.substr(0, eq) == name) {
        return std::string(item.substr(eq + 1));
      }
    }
  }
  return std::nullopt;
}

// The request's path and query without the token parameter, for the redirect after it.
std::string without_token(const httplib::Request& req) {
  std::string query;
  for (const auto& [name, value] : req.params) {
    if (name == "token") {
      continue;
    }
    query += (query.empty() ? "?" : "&") + httplib::detail::encode_query_param(name) + "=" +
             httplib::detail::encode_query_param(value);
  }
  return req.path + query;
}

std::string etag_of(std::string_view content) {
  return fmt::format("\"{:016x}\"", std::hash<std::string_view>{}(content));
}

void check_read_token(const std::string& token) {
  if (token.size() < k_min_token_length) {
    throw util::Error(
        "the read token is shorter than {} characters; make a long random one, for example "
        "with `openssl rand -hex 32`",
        k_min_token_length);
  }
  for (char c : token) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f || c == ';' || c == ',' || c == '"' || c == '\\') {
      throw util::Error(
          "the read token may hold only printable ASCII without spaces, quotes, commas, "
          "semicolons or backslashes; make one with `openssl rand -hex 32`");
    }
  }
}

// A name for --allow-host as the Host header carries it, without brackets or port.
std::string allowed_host_name(std::string_view given) {
  auto name = util::trim(given);
  if (name.starts_with('[') && name.ends_with(']')) {
    name = name.substr(1, name.size() - 2);
  }
  in6_addr v6{};
  bool is_v6 = ::inet_pton(AF_INET6, std::string(name).c_str(), &v6) == 1;
  bool bad = name.empty() || (name.find(':') != std::string_view::npos && !is_v6) ||
             std::any_of(name.begin(), name.end(), [](char c) {
               auto u = static_cast<unsigned char>(c);
               return u <= 0x20 || u >= 0x7f || c == '/' || c == '@' || c == '[' || c == ']';
             });
  if (bad) {
    throw util::Error(
        "--allow-host: \"{}\" is not a host name; give the name alone, without scheme, port "
        "or path, for example --allow-host traffic.example.org",
        given);
  }
  if (name.ends_with('.')) {
    name.remove_suffix(1);
  }
  return std::string(name);
}

// Why binding the address fails (errno), found by trying it with the server's options:
// cpp-httplib reports only that it failed.
int bind_error(const ListenAddress& listen) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  auto service = std::to_string(listen.port);
  if (::getaddrinfo(listen.host.c_str(), service.c_str(), &hints, &found) != 0) {
    return EADDRNOTAVAIL;
  }
  int error = EADDRNOTAVAIL;
  for (auto* ai = found; ai != nullptr; ai = ai->ai_next) {
    int sock = ::socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
    if (sock < 0) {
      continue;
    }
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    error = ::bind(sock, ai->ai_addr, ai->ai_addrlen) == 0 ? 0 : errno;
    ::close(sock);
    if (error == EADDRINUSE) {
      break;
    }
  }
  ::freeaddrinfo(found);
  return error;
}

// Raises the soft limit of open files (often 1,024, as under systemd) towards wanted, within
// the hard limit, so that many open connections do not make accept() fail.
void allow_open_connections(std::size_t wanted) {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= wanted) {
    return;
  }
  limit.rlim_cur =
      limit.rlim_max == RLIM_INFINITY ? wanted : std::min<rlim_t>(wanted, limit.rlim_max);
  ::setrlimit(RLIMIT_NOFILE, &limit);
}

}  // namespace

ListenAddress parse_listen(std::string_view text) {
  auto bad = [&] {
    return util::Error(
        "--listen: \"{}\" is not HOST:PORT; for example 127.0.0.1:8080 or "
        "[::1]:8080",
        text);
  };
  ListenAddress out;
  std::string_view port_text = text;
  if (text.starts_with('[')) {
    auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      throw bad();
    }
    out.host = std::string(text.substr(1, close - 1));
    port_text = text.substr(close + 2);
  } else if (auto colon = text.rfind(':'); colon != std::string_view::npos) {
    if (text.find(':') != colon) {
      throw bad();  // an IPv6 address needs brackets
    }
    if (colon > 0) {
      out.host = std::string(text.substr(0, colon));
    }
    port_text = text.substr(colon + 1);
  }
  auto port = util::parse_int<int>(port_text, 0, 65535);
  if (!port || out.host.empty()) {
    throw bad();
  }
  out.port = *port;
  return out;
}

bool is_loopback(std::string_view host) {
  if (util::iequals(host, "localhost")) {
    return true;
  }
  std::string text(host);
  in_addr v4{};
  if (::inet_pton(AF_INET, text.c_str(), &v4) == 1) {
    return (ntohl(v4.s_addr) >> 24) == 127;
  }
  in6_addr v6{};
  if (::inet_pton(AF_INET6, text.c_str(), &v6) == 1) {
    return IN6_IS_ADDR_LOOPBACK(&v6);
  }
  return false;
}

bool host_allowed(std::string_view host_header, const std::vector<std::string>& allowed) {
  auto host = util::trim(host_header);
  if (host.empty()) {
    return true;
  }
  if (host.starts_with('[')) {
    auto close = host.find(']');
    if (close == std::string_view::npos) {
      return false;
    }
    host = host.substr(1, close - 1);
  } else if (auto colon = host.find(':'); colon != std::string_view::npos) {
    host = host.substr(0, colon);
  }
  if (host.ends_with('.')) {
    host.remove_suffix(1);  // "localhost." is the same name
  }
  if (host.empty()) {
    return false;
  }
  if (is_loopback(host)) {
    return true;
  }
  return std::any_of(allowed.begin(), allowed.end(),
                     [&](const std::string& name) { return util::iequals(host, name); });
}

struct Server::Impl {
  ServerOptions options;
  ServerContext context;
  // Declared before http, so that it outlives every request thread's note_work().
  util::PeriodicRelease releaser;
  PipeliningServer http;
  std::atomic<bool> stopped{false};
  // run() has been entered / has returned: stop() waits for the listener in between,
  // since stopping an HTTP server that has not started listening yet does nothing.
  std::atomic<bool> entered{false};
  std::atomic<bool> finished{false};
  int port = 0;

  // The /api/repos answer of one snapshot, day and set of scheduler errors: the overview's
  // table is the same for every request in between, so it is serialised once.
  struct ReposAnswer {
    std::shared_ptr<const Snapshot> snapshot;
    util::Day today{};
    std::map<std::string, std::string> errors;
    std::shared_ptr<const std::string> body;
  };
  std::mutex repos_mutex;
  ReposAnswer repos_answer;

  Impl(ServerOptions o, ServerContext c)
      : options(std::move(o)),
        context(std::move(c)),
        releaser(options.release_memory_every, options.release_memory) {}

  std::shared_ptr<const std::string> repos_body(const std::shared_ptr<const Snapshot>& snapshot,
                                                util::Day day,
                                                std::map<std::string, std::string> errors) {
    {
      std::lock_guard lock(repos_mutex);
      if (repos_answer.body && repos_answer.snapshot == snapshot && repos_answer.today == day &&
          repos_answer.errors == errors) {
        return repos_answer.body;
      }
    }
    auto body = std::make_shared<const std::string>(dump(repos_json(*snapshot, day, errors)));
    std::lock_guard lock(repos_mutex);
    repos_answer = {snapshot, day, std::move(errors), body};
    return body;
  }

  util::Day today() const { return util::day_of(context.clock.now()); }

  StatusInfo status(const Snapshot& snapshot) const {
    StatusInfo info;
    info.store = context.store_description;
    info.today = today();
    info.warn_days = context.warn_days;
    if (context.scheduler_state) {
      info.scheduler = context.scheduler_state();
      info.last_run = info.scheduler.last_run;
    } else {
      info.scheduler.disabled_reason = context.disabled_reason;
    }
    // A collection by another process (`ghtraffic collect`) is newer than ours.
    if (snapshot.last_run &&
        (!info.last_run || snapshot.last_run->started_at > info.last_run->started_at)) {
      info.last_run = run_report_from(*snapshot.last_run);
    }
    return info;
  }

  std::map<std::string, std::string> repo_errors() const {
    return context.repo_errors ? context.repo_errors() : std::map<std::string, std::string>{};
  }

  using ApiHandler = std::function<json(store::Store&, const Snapshot&, const Params&)>;

  // days_back: the handler reads no day older than today minus that many days, so a
  // recent snapshot (at start, while the whole one loads) answers it.
  void api(const std::string& path, ApiHandler handler, std::optional<int> days_back = {}) {
    http.Get(path, [this, days_back, handler = std::move(handler)](const httplib::Request& req,
                                                                   httplib::Response& res) {
      auto lease = context.stores.acquire();
      auto snapshot = context.cache.get(*lease, oldest_day(days_back));
      send_json(res, 200, handler(*lease, *snapshot, req.params));
    });
  }

  std::optional<util::Day> oldest_day(std::optional<int> days_back) const {
    if (!days_back) {
      return std::nullopt;
    }
    return today() - std::chrono::days{*days_back};
  }

  bool authorized(const httplib::Request& req) const {
    const auto& token = options.read_token;
    auto header = req.get_header_value("Authorization");
    if (header.size() > 7 && util::iequals(header.substr(0, 7), "bearer ")) {
      return constant_time_equal(util::trim(header.substr(7)), token);
    }
    if (auto cookie = cookie_value(req, k_token_cookie)) {
      return constant_time_equal(*cookie, token);
    }
    return false;
  }

  httplib::Server::HandlerResponse before_routing(const httplib::Request& req,
                                                  httplib::Response& res) {
    // Range is ignored, as RFC 9110 allows: the answers are small and made per request.
    // cpp-httplib would otherwise cut the body of a 200 to the range. The request object
    // is the server's own, not a constant one.
    const_cast<httplib::Request&>(req).ranges.clear();
    // Without a token, loopback is the only protection, and a page on another site reaches
    // loopback through a name it rebinds to 127.0.0.1: that name is in the Host header.
    if (options.read_token.empty() &&
        !host_allowed(req.get_header_value("Host"), options.allowed_hosts)) {
      res.status = 403;
      res.set_header("Cache-Control", "no-store");
      res.set_content(
          "this server answers only requests for 127.0.0.1, [::1], localhost or a name given "
          "with --allow-host\n",
          "text/plain; charset=utf-8");
      return httplib::Server::HandlerResponse::Handled;
    }
    if (options.read_token.empty() || req.path == "/healthz" || authorized(req)) {
      // Refused before cpp-httplib reads a body: without a Content-Length it would wait for
      // the end of the connection and then answer 400.
      if (req.method != "GET" && req.method != "HEAD") {
        refuse_method(res);
        close_after_response(res);  // a body may follow, unread
        return httplib::Server::HandlerResponse::Handled;
      }
      return httplib::Server::HandlerResponse::Unhandled;
    }
    // A browser opens /?token=... once; the token moves into a cookie and out of the URL.
    if (req.has_param("token") && (req.method == "GET" || req.method == "HEAD") &&
        constant_time_equal(req.get_param_value("token"), options.read_token)) {
      res.status = 303;
      res.set_header("Set-Cookie", fmt::format("{}={}; Path=/; HttpOnly; SameSite=Strict",
                                               k_token_cookie, options.read_token));
      res.set_header("Location", without_token(req));
      res.set_header("Cache-Control", "no-store");
      return httplib::Server::HandlerResponse::Handled;
    }
    res.set_header("WWW-Authenticate", "Bearer realm=\"ghtraffic\"");
    send_error(res, 401,
               "this server needs its read token: send `Authorization: Bearer TOKEN`, or open "
               "/?token=TOKEN once in a browser");
    return httplib::Server::HandlerResponse::Handled;
  }

  void serve_asset(const httplib::Request& req, httplib::Response& res, std::string_view path) {
    auto found = asset(path);
    if (!found) {
      res.status = 404;
      res.set_content("not found\n", "text/plain; charset=utf-8");
      return;
    }
    auto etag = etag_of(found->content);
    res.set_header("ETag", etag);
    res.set_header("Cache-Control", "no-cache");
    if (req.get_header_value("If-None-Match") == etag) {
      res.status = 304;
      return;
    }
    res.status = 200;
    res.set_content(std::string(found->content), std::string(found->content_type));
  }

  void routes() {
    http.set_default_headers({
        {"Content-Security-Policy", k_content_security_policy},
        {"X-Content-Type-Options", "nosniff"},
        {"Referrer-Policy", "no-referrer"},
        {"X-Frame-Options", "DENY"},
        {"Cross-Origin-Resource-Policy", "same-origin"},
    });
    http.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
      return before_routing(req, res);
    });

    http.Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
      res.set_header("Cache-Control", "no-store");
      res.set_content("ok\n", "text/plain; charset=utf-8");
    });
    http.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
      auto lease = context.stores.acquire();
      auto snapshot = context.cache.get(*lease);
      res.set_header("Cache-Control", "no-store");
      res.set_content(metrics_text(*snapshot, status(*snapshot).last_run, today()),
                      "text/plain; version=0.0.4; charset=utf-8");
    });
    api(
        "/api/status",
        [this](store::Store& store, const Snapshot& snapshot, const Params&) {
          auto info = status(snapshot);
          info.attention =
              needing_attention(read::store_freshness(store, info.today, context.warn_days));
          return status_json(info);
        },
        0);
    http.Get("/api/repos", [this](const httplib::Request&, httplib::Response& res) {
      auto day = today();
      std::shared_ptr<const Snapshot> snapshot;
      {
        auto lease = context.stores.acquire();
        snapshot = context.cache.get(*lease, day - std::chrono::days{k_repos_days_back});
      }
      auto body = repos_body(snapshot, day, repo_errors());
      res.status = 200;
      res.set_header("Cache-Control", "no-store");
      // Written from the answer shared by every request of this snapshot, not copied for
      // each: a copy per request is a large allocation that each thread's malloc arena
      // keeps.
      res.set_content_provider(
          body->size(), k_json_type,
          [body](std::size_t offset, std::size_t length, httplib::DataSink& sink) {
            return sink.write(body->data() + offset, std::min(length, body->size() - offset));
          });
    });
    api("/api/daily", [](store::Store&, const Snapshot& snapshot, const Params& params) {
      return daily_json(snapshot, params);
    });
    api("/api/paths", paths_json);
    api("/api/referrers", referrers_json);
    api("/api/counters", counters_json);
    api("/api/windows", windows_json);
    http.Get("/api/.*", [](const httplib::Request& req, httplib::Response& res) {
      send_error(res, 404, "no API endpoint " + req.path + "; see docs/api.md");
    });
    http.Get("/", [this](const httplib::Request& req, httplib::Response& res) {
      serve_asset(req, res, "index.html");
    });
    http.Get("/(.+)", [this](const httplib::Request& req, httplib::Response& res) {
      serve_asset(req, res, req.matches[1].str());
    });

    auto read_only = [](const httplib::Request&, httplib::Response& res) { refuse_method(res); };
    http.Post(".*", read_only);
    http.Put(".*", read_only);
    http.Patch(".*", read_only);
    http.Delete(".*", read_only);
    http.Options(".*", read_only);

    http.set_exception_handler(
        [](const httplib::Request& req, httplib::Response& res, std::exception_ptr error) {
          try {
            std::rethrow_exception(error);
          } catch (const RequestError& e) {
            send_error(res, e.status(), e.what());
          } catch (const std::exception& e) {
            auto message = util::scrub(e.what());
            util::log_error("{} {}: {}", req.method, req.path, message);
            send_error(res, 500, message);
          } catch (...) {
            send_error(res, 500, "internal error");
          }
        });
    // Routing misses and bodiless errors get a body; a body set by a handler stays.
    http.set_error_handler(httplib::Server::HandlerWithResponse([](const httplib::Request& req,
                                                                   httplib::Response& res) {
      if (!res.body.empty() || res.status == 304) {
        return httplib::Server::HandlerResponse::Unhandled;
      }
      // cpp-httplib answers 400 before routing to a POST without a body; any method but
      // GET and HEAD is refused the same way, with or without one.
      if (req.method != "GET" && req.method != "HEAD") {
        refuse_method(res);
        return httplib::Server::HandlerResponse::Handled;
      }
      if (req.path.starts_with("/api/")) {
        send_error(res, res.status, "request failed");
      } else {
        res.set_content(res.status == 404 ? "not found\n" : fmt::format("error {}\n", res.status),
                        "text/plain; charset=utf-8");
      }
      return httplib::Server::HandlerResponse::Handled;
    }));
    // Paths only: a query may hold the read token.
    http.set_logger([this](const httplib::Request& req, const httplib::Response& res) {
      releaser.note_work();
      util::log_debug("{} {} {}", req.method, req.path, res.status);
    });
  }
};

Server::Server(ServerOptions options, ServerContext context)
    : m_impl(std::make_unique<Impl>(std::move(options), std::move(context))) {
  auto threads = static_cast<std::size_t>(std::max(m_impl->options.threads, 1));
  m_impl->http.set_task_pool([threads] {
    return std::make_unique<TaskPool>(threads, std::max(threads, k_most_threads),
                                      std::chrono::seconds(10));
  });
  // Headers and body leave in separate writes; without this the body waits for the
  // client's delayed ACK (about 40 ms on Linux) whenever the headers were not yet ACKed.
  m_impl->http.set_tcp_nodelay(true);
  m_impl->http.set_keep_alive_timeout(5);
  m_impl->http.set_keep_alive_max_count(k_requests_per_connection);
  m_impl->http.set_read_timeout(10);
  m_impl->http.set_write_timeout(30);
  m_impl->http.set_payload_max_length(64 * 1024);
  // SO_REUSEADDR only: a restart may take the port over from connections in TIME_WAIT, but
  // cpp-httplib's default SO_REUSEPORT would let a second server listen on the same port
  // and the kernel share the connections between the two.
  m_impl->http.set_socket_options([](socket_t sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    // A connection reaches accept() once its request has begun to arrive (or after a few
    // seconds): connections opened and left silent wait in the kernel, then parked.
    int defer_seconds = 5;
    ::setsockopt(sock, IPPROTO_TCP, TCP_DEFER_ACCEPT, &defer_seconds, sizeof defer_seconds);
  });
  m_impl->routes();
}

Server::~Server() {
  stop();
}

int Server::bind() {
  const auto& listen = m_impl->options.listen;
  const auto& token = m_impl->options.read_token;
  if (!token.empty()) {
    check_read_token(token);
    util::register_secret(token);
  } else if (!is_loopback(listen.host)) {
    throw util::Error(
        "refusing to listen on {} without a read token: anyone who can reach it could read "
        "the traffic. Give one with --read-token or GHTRAFFIC_READ_TOKEN (make it with "
        "`openssl rand -hex 32`), or listen on 127.0.0.1 behind a reverse proxy",
        listen.host);
  }
  for (auto& name : m_impl->options.allowed_hosts) {
    name = allowed_host_name(name);
  }
  if (listen.host.find(':') != std::string::npos) {
    m_impl->http.set_address_family(AF_INET6);
  }
  int port = listen.port;
  if (port == 0) {
    port = m_impl->http.bind_to_any_port(listen.host);
  } else if (!m_impl->http.bind_to_port(listen.host, port)) {
    port = -1;
  }
  if (port < 0) {
    if (bind_error(listen) == EADDRINUSE) {
      throw util::Error(
          "port {} is in use on {}: another program (perhaps another ghtraffic serve) listens "
          "there; stop it, or choose another port with --listen HOST:PORT",
          listen.port, listen.host);
    }
    throw util::Error(
        "could not listen on {}:{}: the address is not one of this machine's; choose another "
        "with --listen HOST:PORT",
        listen.host, listen.port);
  }
  m_impl->port = port;
  m_impl->http.set_listen_backlog(k_listen_backlog);
  allow_open_connections(k_most_connections + 64);
  return port;
}

void Server::run() {
  m_impl->entered = true;
  if (!m_impl->stopped) {
    m_impl->http.listen_after_bind();
  }
  m_impl->finished = true;
}

void Server::stop() {
  m_impl->stopped = true;
  if (m_impl->entered) {
    while (!m_impl->finished && !m_impl->http.is_running()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
  m_impl->http.stop();
}

}  // namespace ghtraffic::web
