// The mock server's internals, shared by the request pipeline (mock_github.cpp) and the
// endpoint answers (mock_routes.cpp). Not for use by tests.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <shared_mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "ghtraffic/mock/mock_github.hpp"

namespace httplib {
class Server;
struct Request;
}  // namespace httplib

namespace ghtraffic::mock {

// What the data part of an answer is, before the pipeline adds the common headers.
struct Answer {
  int status = 200;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

struct RateBucket {
  std::int64_t limit = 5000;
  std::int64_t remaining = 5000;
  util::Timestamp reset{};
};

// A secondary limit's sliding window: the points of the requests it accepted, by arrival.
struct PointWindow {
  int max_points = 0;  // 0: no limit
  std::deque<std::pair<std::chrono::steady_clock::time_point, int>> accepted;
  std::int64_t points = 0;  // the sum of `accepted`

  // Whether `cost` more points at `now` stay within the limit; if so they are taken.
  bool take(std::chrono::steady_clock::time_point now, std::chrono::milliseconds length, int cost);
  void clear() {
    accepted.clear();
    points = 0;
  }
};

struct FaultRule {
  std::string url_substring;
  Fault fault = Fault::server_error;
  int remaining = 1;
  std::string graphql_repo;  // lowercase full name: a per-repository GraphQL fault
};

// What an installation token may see, for the answers.
struct InstallationView {
  std::int64_t id = 0;
  std::string account;                    // lowercase
  std::unordered_set<std::string> repos;  // lowercase full names; empty: all of the account
  bool administration = false;            // Administration: read or write

  bool sees(const MockRepo& repo) const;
};

struct IssuedInstallationToken {
  std::int64_t installation = 0;
  std::chrono::system_clock::time_point expires;
};

struct MockGitHub::State {
  // Repositories. Answers are built under a shared lock; edits take it exclusively.
  mutable std::shared_mutex data_mutex;
  std::vector<std::unique_ptr<MockRepo>> repos;        // in the order added
  std::unordered_map<std::string, MockRepo*> by_name;  // lowercase full name
  std::unordered_map<std::int64_t, MockRepo*> by_id;
  std::unordered_map<std::string, std::int64_t> moved;               // lowercase old full name
  std::unordered_map<std::string, std::vector<MockRepo*>> by_owner;  // lowercase owner
  std::unordered_set<std::string> users;                             // lowercase logins
  std::int64_t next_id = 100000001;

  // Behaviour, read by every request under a brief lock.
  mutable std::mutex config_mutex;
  std::optional<util::Timestamp> simulated_now;
  std::chrono::milliseconds latency{0};
  std::string token;
  bool rate_enforced = false;
  RateBucket core_bucket;
  RateBucket graphql_bucket;
  PointWindow rest_window;     // REST points of accepted requests
  PointWindow graphql_window;  // GraphQL points of accepted requests
  int max_in_flight = 0;
  std::chrono::milliseconds secondary_window{60'000};
  int retry_after = 60;
  std::vector<FaultRule> faults;
  std::chrono::milliseconds slow_delay{2000};
  bool graphql_enabled = true;
  int listing_page_size = 0;
  int threads = 160;
  // The GitHub App, when set_app was called.
  std::string app_id;
  std::string app_public_key_pem;
  std::map<std::int64_t, MockInstallation> installations;
  std::unordered_map<std::string, IssuedInstallationToken> installation_tokens;
  std::chrono::seconds installation_token_lifetime{3600};
  std::int64_t tokens_issued = 0;

  mutable std::mutex stats_mutex;
  MockStats stats;
  std::atomic<std::int64_t> in_flight{0};

  // The server and its lifecycle.
  std::unique_ptr<httplib::Server> server;
  std::thread listener;
  int port = 0;
  std::mutex stop_mutex;
  std::condition_variable stop_cv;
  bool stopping = false;

  util::Timestamp now() const;
  const MockRepo* find(const std::string& full_name) const;  // caller holds data_mutex
  // Draws the next per-repository GraphQL fault for full_name, if any (takes config_mutex).
  std::optional<Fault> take_graphql_fault(const std::string& full_name);
};

// A request as the endpoint answers need it: the path without an /api/v3 prefix split
// in segments, and what is needed to build absolute URLs for Link and Location.
struct RouteRequest {
  const httplib::Request* http = nullptr;
  std::string method;
  std::vector<std::string> segments;
  std::string prefix;  // "/api/v3" or ""
  std::string origin;  // "http://HOST:PORT"
  int listing_page_size = 0;
  // The fault the pipeline drew for this request, when the route itself must shape it
  // (moved), and the per-repository GraphQL faults, drawn as the answer names them.
  std::optional<Fault> fault;
  std::function<std::optional<Fault>(const std::string& full_name)> graphql_fault;
  // The credential: a GitHub App's JWT, or an installation token and what it sees.
  bool app_jwt = false;
  std::optional<InstallationView> installation;
};

// The stats key of a request ("traffic/views", "graphql", ...), "unknown" if no route.
std::string route_key(const RouteRequest& request);
bool is_graphql(const RouteRequest& request);

// The answer to a request that passed the limits, auth and faults. Takes the shared lock.
Answer answer_route(const MockGitHub::State& state, const RouteRequest& request,
                    util::Timestamp now);

std::string json_message(std::string_view message);

// GitHub App (mock_app.cpp). The credential of a request: who it is, or the answer that
// refuses it. `personal_token` is set_token's (empty: any other credential is accepted).
struct Credential {
  std::optional<Answer> refusal;
  bool app_jwt = false;
  std::optional<InstallationView> installation;
};
Credential authenticate(MockGitHub::State& state, const httplib::Request& http,
                        const std::string& personal_token);
// The /app and /installation routes; nullopt for any other. Takes the locks it needs.
std::optional<Answer> answer_app_route(MockGitHub::State& state, const RouteRequest& request);
// One page of a list as GitHub pages it (per_page, page, Link), for the app routes.
struct PageRange {
  std::size_t begin = 0;
  std::size_t end = 0;
};
PageRange page_of(const RouteRequest& request, std::size_t total, Answer& answer);
// A repository as the REST API shows it.
nlohmann::ordered_json rest_repo_json(const MockRepo& repo);

// Faults (mock_faults.cpp): "server_error|reset|...", for messages; whether a fault is
// answered in place of the route (else it shapes the route's own answer); a JSON body with
// the field missing_field leaves out; and shutting down the accepted connections of the
// server on `port` whose peer port is `peer_port` (or all, for -1).
std::string fault_list();
bool answers_instead(Fault fault);
std::string drop_a_field(const std::string& body);
void shutdown_connections(int port, int peer_port);
std::string to_lower_ascii(std::string_view text);

}  // namespace ghtraffic::mock
