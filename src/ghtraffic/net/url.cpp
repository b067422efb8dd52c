// Generic URL parsing: absolute http(s) URLs split into origin and target, and Location
// headers resolved against the URL that answered.
#include "ghtraffic/net/url.hpp"

#include "ghtraffic/util/strings.hpp"

namespace ghtraffic::net {

// A URL's scheme is case-insensitive (RFC 3986), as split_url reads it: "hTTps://" too.
bool is_absolute_url(std::string_view url) {
  return util::iequals(url.substr(0, 8), "https://") || util::iequals(url.substr(0, 7), "http://");
}

std::optional<UrlParts> split_url(std::string_view url) {
  auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) {
    return std::nullopt;
  }
  UrlParts parts;
  parts.scheme = util::to_lower(url.substr(0, scheme_end));
  if (parts.scheme != "http" && parts.scheme != "https") {
    return std::nullopt;
  }
  auto rest = url.substr(scheme_end + 3);
  auto authority_end = rest.find_first_of("/?#");
  auto authority = rest.substr(0, authority_end);
  if (auto at = authority.rfind('@'); at != std::string_view::npos) {
    authority.remove_prefix(at + 1);
  }
  std::string lowered = util::to_lower(authority);
  const std::string default_port = parts.scheme == "https" ? ":443" : ":80";
  if (lowered.ends_with(default_port)) {
    lowered.resize(lowered.size() - default_port.size());
  }
  if (lowered.empty()) {
    return std::nullopt;
  }
  parts.authority = std::move(lowered);
  if (authority_end == std::string_view::npos) {
    parts.target = "/";
  } else {
    auto target = rest.substr(authority_end);
    if (auto hash = target.find('#'); hash != std::string_view::npos) {
      target = target.substr(0, hash);
    }
    parts.target = target.starts_with('/') ? std::string(target) : "/" + std::string(target);
  }
  return parts;
}

bool same_origin(std::string_view a, std::string_view b) {
  auto pa = split_url(a);
  auto pb = split_url(b);
  return pa && pb && pa->origin() == pb->origin();
}

std::optional<std::string> resolve_location(std::string_view base, std::string_view location) {
  location = util::trim(location);
  if (location.empty()) {
    return std::nullopt;
  }
  if (is_absolute_url(location)) {
    return split_url(location) ? std::optional<std::string>(location) : std::nullopt;
  }
  auto parts = split_url(base);
  if (!parts) {
    return std::nullopt;
  }
  if (location.starts_with("//")) {
    return parts->scheme + ":" + std::string(location);
  }
  if (location.starts_with('/')) {
    return parts->origin() + std::string(location);
  }
  std::string_view directory = parts->target;
  directory = directory.substr(0, directory.find('?'));
  directory = directory.substr(0, directory.rfind('/') + 1);
  return parts->origin() + std::string(directory) + std::string(location);
}

}  // namespace ghtraffic::net
