// GitHub URLs: joining paths to the API URL, the API and GraphQL endpoints, Link headers.
// Parsing URLs in general is net/url.cpp.
#include <fmt/format.h>

#include <cctype>
#include <cstdlib>

#include "ghtraffic/github/client.hpp"
#include "ghtraffic/net/url.hpp"
#include "ghtraffic/util/error.hpp"
#include "ghtraffic/util/strings.hpp"

namespace ghtraffic::github {
namespace {

std::string_view without_trailing_slashes(std::string_view url) {
  while (url.ends_with('/')) {
    url.remove_suffix(1);
  }
  return url;
}

}  // namespace

std::string encode_segment(std::string_view segment) {
  std::string out;
  for (unsigned char c : segment) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.') {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

std::string repo_path(const core::RepoRef& repo) {
  return "/repos/" + encode_segment(repo.owner) + "/" + encode_segment(repo.name);
}

std::string join_url(const std::string& api_url, const std::string& path) {
  if (net::is_absolute_url(path)) {
    return path;
  }
  std::string url(without_trailing_slashes(api_url));
  if (!path.starts_with('/')) {
    url += '/';
  }
  return url + path;
}

std::string resolve_api_url(const std::optional<std::string>& flag,
                            const std::optional<std::string>& config) {
  std::string chosen;
  std::string source;
  if (flag && !util::trim(*flag).empty()) {
    chosen = util::trim(*flag);
    source = "--api-url";
  } else if (const char* env = std::getenv("GITHUB_API_URL"); env != nullptr && *env != '\0') {
    chosen = util::trim(env);
    source = "GITHUB_API_URL";
  } else if (config && !util::trim(*config).empty()) {
    chosen = util::trim(*config);
    source = "api_url in the config file";
  } else {
    return k_default_api_url;
  }
  std::string url(without_trailing_slashes(chosen));
  auto parts = net::split_url(url);
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
  auto parts = net::split_url(base);
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
