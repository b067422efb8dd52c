// The dashboard's HTTP server: the embedded UI, the JSON API of docs/api.md, /healthz and
// /metrics. Read-only; on loopback by default; anywhere else only with a read token,
// which every request but /healthz must then carry.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ghtraffic/util/clock.hpp"
#include "ghtraffic/util/memory.hpp"
#include "ghtraffic/web/api.hpp"
#include "ghtraffic/web/snapshot.hpp"
#include "ghtraffic/web/store_pool.hpp"

namespace ghtraffic::web {

struct ListenAddress {
  std::string host = "127.0.0.1";
  int port = 8080;
};

// "HOST:PORT", "[::1]:PORT", ":PORT" (loopback) or "PORT"; a bad one is a util::Error.
ListenAddress parse_listen(std::string_view text);

// 127.0.0.0/8, ::1 and "localhost".
bool is_loopback(std::string_view host);

// Whether a request's Host header ("name", "name:port", "[v6]:port") names this server
// when it has no read token: a loopback address, localhost, or one of allowed (names
// given with --allow-host, compared without case). A missing header passes: browsers
// always send one, and DNS rebinding needs a browser.
bool host_allowed(std::string_view host_header, const std::vector<std::string>& allowed);

// The name of the cookie that carries the read token once a browser has presented it.
inline constexpr std::string_view k_token_cookie = "ghtraffic_read_token";

struct ServerOptions {
  ListenAddress listen;
  std::string read_token;  // empty: no token (loopback only)
  int threads = 8;
  // Without a read token only requests whose Host is loopback, localhost or one of these
  // are answered, so that a web page cannot read the API through a rebound DNS name.
  std::vector<std::string> allowed_hosts;
  // While requests come, the memory they freed goes back to the system this often
  // (util/memory.hpp: without it a busier moment raises the resident memory for good);
  // zero: never. `release_memory` does it (tests count its calls).
  std::chrono::milliseconds release_memory_every{std::chrono::seconds(1)};
  std::function<void()> release_memory = util::release_free_memory;
};

// What the server shows about the store and the scheduler.
struct ServerContext {
  StorePool& stores;
  SnapshotCache& cache;
  std::string store_description;
  // The scheduler's state; when empty the scheduler is off for disabled_reason.
  std::function<SchedulerState()> scheduler_state;
  std::function<std::map<std::string, std::string>()> repo_errors;
  std::string disabled_reason;
  util::Clock& clock = util::system_clock();
  // At this many days left or fewer a repository is at risk (/api/status's attention).
  int warn_days = read::k_default_warn_days;
};

class Server {
 public:
  Server(ServerOptions options, ServerContext context);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds the address and returns the port. A non-loopback address without a read token,
  // a bad token, or a port in use is a util::Error (exit code 2).
  int bind();
  // Serves until stop(); returns once the port is released and requests are done.
  void run();
  // Stops accepting; safe from any thread, also before run().
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

}  // namespace ghtraffic::web
