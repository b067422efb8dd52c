// Fuzz target of what GitHub's headers and URLs are parsed by (github/client.hpp,
// net/url.hpp): the Link header's rel="next", URL splitting, origins, Location targets and
// API URL joining. Input: a header or URL, "\n--\n", a second URL. Any bytes give a value
// or nothing (a malformed --api-url is a util::Error), and the answers keep their promises.
#include <string>

#include "fuzz_input.hpp"
#include "ghtraffic/github/client.hpp"
#include "ghtraffic/net/url.hpp"
#include "ghtraffic/util/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace ghtraffic;
  auto parts = fuzz::split_parts(fuzz::as_text(data, size), 2);
  const auto& first = parts[0];
  const auto& second = parts[1];

  if (auto next = github::next_link(first)) {
    fuzz::require(next->size() <= first.size(), "a next link is part of its header");
  }
  for (const auto* url : {&first, &second}) {
    auto split = net::split_url(*url);
    fuzz::require(!split || net::is_absolute_url(*url), "only absolute URLs split");
    if (split) {
      fuzz::require(!split->target.empty() && split->target.front() == '/',
                    "a target starts with /");
      fuzz::require(split->scheme == "http" || split->scheme == "https", "http(s) only");
      fuzz::require(split->authority.find('@') == std::string::npos,
                    "user info never reaches the origin");
      fuzz::require(net::same_origin(*url, *url), "a URL has its own origin");
    }
  }
  fuzz::require(net::same_origin(first, second) == net::same_origin(second, first),
                "same_origin is symmetric");
  if (auto target = net::resolve_location(first, second)) {
    fuzz::require(net::is_absolute_url(*target), "a resolved Location is absolute");
  }
  try {
    auto api = github::resolve_api_url(first);
    (void)github::join_url(api, second);
    (void)github::graphql_url(api);
  } catch (const util::Error&) {
    // A malformed --api-url: the user is told.
  }
  return 0;
}
