// URL pieces HTTP callers need: the origin (a credential may be sent only to its own
// origin) and the absolute target of a Location header.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace ghtraffic::net {

struct UrlParts {
  std::string scheme;     // lower case: "http" or "https"
  std::string authority;  // lower-case host[:port], default port and user info dropped
  std::string target;     // path and query, starting with '/' ("/" when empty)

  std::string origin() const { return scheme + "://" + authority; }
};

// True when the URL starts with http:// or https://, the scheme in any case.
bool is_absolute_url(std::string_view url);

// Only absolute http(s) URLs; anything else is nullopt.
std::optional<UrlParts> split_url(std::string_view url);

// True when both are absolute http(s) URLs of the same scheme, host and port.
bool same_origin(std::string_view a, std::string_view b);

// The absolute URL a Location header points to, relative to the URL that answered.
std::optional<std::string> resolve_location(std::string_view base, std::string_view location);

}  // namespace ghtraffic::net
