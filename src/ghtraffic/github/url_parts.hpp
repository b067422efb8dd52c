// URL pieces the client needs: the origin a token may be sent to, and Location targets.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace ghtraffic::github {

struct UrlParts {
  std::string scheme;     // lower case: "http" or "https"
  std::string authority;  // lower-case host[:port], default port and user info dropped
  std::string target;     // path and query, starting with '/' ("/" when empty)

  std::string origin() const { return scheme + "://" + authority; }
};

// Only absolute http(s) URLs; anything else is nullopt.
std::optional<UrlParts> split_url(std::string_view url);

// True when both are absolute http(s) URLs of the same scheme, host and port.
bool same_origin(std::string_view a, std::string_view b);

// The absolute URL a Location header points to, relative to the URL that answered.
std::optional<std::string> resolve_location(std::string_view base, std::string_view location);

}  // namespace ghtraffic::github
