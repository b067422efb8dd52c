#include "ghtraffic/core/types.hpp"

namespace ghtraffic::core {

std::optional<RepoRef> RepoRef::parse(std::string_view full_name) {
  auto slash = full_name.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == full_name.size() ||
      full_name.find('/', slash + 1) != std::string_view::npos) {
    return std::nullopt;
  }
  for (char c : full_name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.' || c == '/';
    if (!ok) {
      return std::nullopt;
    }
  }
  return RepoRef{std::string(full_name.substr(0, slash)), std::string(full_name.substr(slash + 1))};
}

std::string_view to_string(TrafficKind kind) {
  return kind == TrafficKind::views ? "views" : "clones";
}

std::optional<TrafficKind> traffic_kind_from(std::string_view text) {
  if (text == "views") {
    return TrafficKind::views;
  }
  if (text == "clones") {
    return TrafficKind::clones;
  }
  return std::nullopt;
}

std::string_view to_string(EventKind kind) {
  return kind == EventKind::star ? "star" : "fork";
}

std::string_view to_string(CountKind kind) {
  return kind == CountKind::stars ? "stars" : "forks";
}

std::optional<CountKind> count_kind_from(std::string_view text) {
  if (text == "stars") {
    return CountKind::stars;
  }
  if (text == "forks") {
    return CountKind::forks;
  }
  return std::nullopt;
}

}  // namespace ghtraffic::core
