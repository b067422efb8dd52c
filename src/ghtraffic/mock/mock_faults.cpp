// The mock's faults: their names, which of them answer in place of the route, and the
// connection resets.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <filesystem>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "ghtraffic/mock/mock_github.hpp"
#include "ghtraffic/mock/mock_state.hpp"
#include "ghtraffic/util/number.hpp"

namespace ghtraffic::mock {
namespace {

using Json = nlohmann::ordered_json;

const std::vector<std::pair<std::string_view, Fault>>& fault_names() {
  static const std::vector<std::pair<std::string_view, Fault>> k_names = {
      {"server_error", Fault::server_error},
      {"bad_gateway", Fault::bad_gateway},
      {"reset", Fault::reset},
      {"truncated", Fault::truncated},
      {"malformed", Fault::malformed},
      {"wrong_shape", Fault::wrong_shape},
      {"forbidden_push", Fault::forbidden_push},
      {"not_found", Fault::not_found},
      {"unauthorized", Fault::unauthorized},
      {"slow", Fault::slow},
      {"moved", Fault::moved},
      {"too_many_requests", Fault::too_many_requests},
      {"too_many_requests_no_retry_after", Fault::too_many_requests_no_retry_after},
      {"secondary_limit", Fault::secondary_limit},
      {"secondary_limit_no_retry_after", Fault::secondary_limit_no_retry_after},
      {"primary_exhausted", Fault::primary_exhausted},
      {"graphql_errors", Fault::graphql_errors},
      {"missing_field", Fault::missing_field},
  };
  return k_names;
}

}  // namespace

std::string fault_list() {
  std::string out;
  for (const auto& [key, fault] : fault_names()) {
    out += (out.empty() ? "" : "|") + std::string(key);
  }
  return out;
}

// Faults answered in place of the route; the others shape the route's own answer.
bool answers_instead(Fault fault) {
  switch (fault) {
    case Fault::truncated:
    case Fault::slow:
    case Fault::moved:
    case Fault::graphql_errors:
    case Fault::missing_field:
      return false;
    default:
      return true;
  }
}

namespace {

// missing_field: leaves out the field a parser needs most, as a changed API would.
void drop_field(Json& body) {
  if (body.is_array()) {
    for (auto& entry : body) {
      if (entry.is_object()) {
        entry.erase("count");
      }
    }
    return;
  }
  if (body.is_object()) {
    for (const char* key : {"uniques", "stargazers_count"}) {
      if (body.erase(key) > 0) {
        return;
      }
    }
    if (!body.empty()) {
      body.erase(std::prev(body.end()));
    }
  }
}

}  // namespace

std::string drop_a_field(const std::string& body) {
  auto parsed = Json::parse(body, nullptr, false);
  drop_field(parsed);
  return parsed.dump();
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

std::optional<Fault> fault_from(std::string_view name) {
  for (const auto& [key, fault] : fault_names()) {
    if (key == name) {
      return fault;
    }
  }
  return std::nullopt;
}

std::string_view to_string(Fault fault) {
  for (const auto& [key, value] : fault_names()) {
    if (value == fault) {
      return key;
    }
  }
  return "unknown";
}

}  // namespace ghtraffic::mock
