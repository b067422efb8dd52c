// URL helpers of the client: joining paths, the API and GraphQL endpoints, Link headers.
#include <cstdlib>

#include "ghtraffic/github/client.hpp"
#include "ghtraffic/github/url_parts.hpp"
#include "ghtraffic/util/error.hpp"
#include "ghtraffic/util/strings.hpp"

namespace ghtraffic::github {
namespace {

bool is_absolute(std::string_view url) {
  return url.starts_with("https://") || url.starts_with("http://") || url.starts_with("HTTPS://") ||
         url.starts_with("HTTP://");
}

std::string_view without_trailing_slashes(std::string_view url) {
  while (url.ends_with('/')) {
    url.remove_suffix(1);
  }
  return url;
}

}  // namespace

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
  if (is_absolute(location)) {
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

std::string join_url(const std::string& api_url, const std::string& path) {
  if (is_absolute(path)) {
    return path;
  }
  std::string url(without_trailing_slashes(api_url));
  if (!path.starts_with('/')) {
    url += '/';
  }
  return url + path;
}

std::string resolve_api_url(const std::optional<std::string>& flag) {
  std::string chosen;
  std::string source;
  if (flag && !util::trim(*flag).empty()) {
    chosen = util::trim(*flag);
    source = "--api-url";
  } else if (const char* env = std::getenv("GITHUB_API_URL"); env != nullptr && *env != '\0') {
    chosen = util::trim(env);
    source = "GITHUB_API_URL";
  } else {
    return k_default_api_url;
  }
  std::string url(without_trailing_slashes(chosen));
  auto parts = split_url(url);
  const bool has_space = url.find_first_of(" \t\r\n") != std::string::npos;
  if (!parts || has_space || url.find_first_of("?#") != std::string::npos) {
    throw util::Error(
        "invalid GitHub API URL '{}' (from {}): expected an http(s) base URL such as "
        "https://api.github.com or https://HOST/api/v3 for GitHub Enterprise Server",
        chosen, source);
  }
  return url;
}

std::string graphql_url(const std::string& api_url) {
  std::string base(without_trailing_slashes(api_url));
  auto parts = split_url(base);
  if (parts && parts->authority == "api.github.com") {
    return "https://api.github.com/graphql";
  }
  constexpr std::string_view k_rest_suffix = "/api/v3";
  if (base.ends_with(k_rest_suffix)) {
    return base.substr(0, base.size() - k_rest_suffix.size()) + "/api/graphql";
  }
  return base + "/graphql";
}

std::optional<std::string> next_link(const std::string& link_header) {
  // Link: <url>; rel="next", <url>; rel="last"   (RFC 8288; URLs may hold commas)
  std::string_view rest = link_header;
  while (!rest.empty()) {
    auto open = rest.find('<');
    if (open == std::string_view::npos) {
      return std::nullopt;
    }
    auto close = rest.find('>', open);
    if (close == std::string_view::npos) {
      return std::nullopt;
    }
    std::string_view target = rest.substr(open + 1, close - open - 1);
    rest = rest.substr(close + 1);
    // Parameters run to the next comma outside quotes.
    std::size_t end = 0;
    bool quoted = false;
    for (; end < rest.size(); ++end) {
      if (rest[end] == '"') {
        quoted = !quoted;
      } else if (rest[end] == ',' && !quoted) {
        break;
      }
    }
    std::string_view params = rest.substr(0, end);
    rest = end < rest.size() ? rest.substr(end + 1) : std::string_view{};
    for (const auto& param : util::split(params, ';')) {
      auto eq = param.find('=');
      if (eq == std::string::npos ||
          !util::iequals(util::trim(std::string_view(param).substr(0, eq)), "rel")) {
        continue;
      }
      std::string_view value = util::trim(std::string_view(param).substr(eq + 1));
      if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
        value = value.substr(1, value.size() - 2);
      }
      for (const auto& rel : util::split(value, ' ')) {
        if (util::iequals(rel, "next")) {
          return std::string(util::trim(target));
        }
      }
    }
  }
  return std::nullopt;
}

}  // namespace ghtraffic::github
