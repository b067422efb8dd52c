#include "ghtraffic/github/api.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "ghtraffic/github/json_shape.hpp"
#include "ghtraffic/util/log.hpp"
#include "ghtraffic/util/number.hpp"
#include "ghtraffic/util/redact.hpp"
#include "ghtraffic/util/strings.hpp"

namespace ghtraffic::github {
using namespace json_shape;
namespace {

std::string not_visible_message(const core::RepoRef& repo) {
  return fmt::format("{} does not exist or the token cannot see it", repo.full_name());
}

// Rewords the client's error for a request about one repository.
ApiError about_repo(ApiError error, const core::RepoRef& repo, bool traffic) {
  if (error.kind == ErrorKind::not_found) {
    error.message = not_visible_message(repo);
  } else if (error.kind == ErrorKind::forbidden && traffic) {
    error.message = missing_push_permission_message(repo);
  }
  return error;
}

template <typename T>
Fetched<T> fetched(Client& client, ApiResponse& response, T value, const std::string& what) {
  Fetched<T> out{std::move(value), {}, std::move(response.cache_entry)};
  if (response.date) {
    out.observed_at = *response.date;
  } else {
    out.observed_at = client.clock().now();
    util::log_verbose("GitHub's answer for {} has no Date header; using the local clock", what);
  }
  return out;
}

template <typename T, typename Parse>
Result<Fetched<T>> fetch_parsed(Client& client, const core::RepoRef& repo,
                                const std::string& endpoint, const CacheLookup& cache,
                                Parse parse) {
  const std::string what = repo.full_name() + " " + endpoint;
  auto response = client.get(repo_path(repo) + "/" + endpoint, {}, cache);
  if (!response) {
    return std::unexpected(about_repo(response.error(), repo, true));
  }
  auto parsed = parse(response->body);
  if (!parsed) {
    ApiError error = parsed.error();
    error.message =
        util::scrub(fmt::format("malformed response from GitHub for {}: {}", what, error.message));
    error.url = repo_path(repo) + "/" + endpoint;
    return std::unexpected(error);
  }
  return fetched(client, *response, std::move(*parsed), what);
}

std::string lower(std::string_view text) {
  return util::to_lower(text);
}

// Everything of a repository node but its id and name, which `identity` holds.
RepoListing parse_graphql_details(const json& node, std::string_view where,
                                  const core::RepoMeta& identity) {
  RepoListing listing;
  auto& meta = listing.meta;
  meta = identity;
  meta.stars = count_member(node, "stargazerCount", where);
  meta.forks = count_member(node, "forkCount", where);
  meta.watchers = count_member(member(node, "watchers", where), "totalCount",
                               fmt::format("{}.watchers", where));
  // REST's open_issues_count counts open pull requests too; add them so that both
  // sources give the same figure.
  meta.open_issues =
      count_member(member(node, "issues", where), "totalCount", fmt::format("{}.issues", where)) +
      count_member(member(node, "pullRequests", where), "totalCount",
                   fmt::format("{}.pullRequests", where));
  meta.visibility = lower(string_member(node, "visibility", where));
  meta.archived = optional_bool(node, "isArchived", where);
  meta.fork = optional_bool(node, "isFork", where);
  if (auto releases = parse_graphql_releases(node)) {
    listing.downloads = std::move(*releases);
  }
  const std::string permission = string_member(node, "viewerPermission", where, true);
  listing.can_push = permission == "ADMIN" || permission == "MAINTAIN" || permission == "WRITE";
  return listing;
}

// The id and name are what the traffic needs: without them the node is an error. Anything
// else that cannot be read leaves the details unknown (RepoListing::details_error).
RepoListing parse_graphql_repo(const json& node, std::string_view where) {
  RepoListing listing;
  const json& id = member(node, "databaseId", where);
  if (!id.is_number_integer()) {
    throw ShapeError{fmt::format("{}.databaseId is not an integer: {}", where, id.dump())};
  }
  listing.meta.id = id.get<core::RepoId>();
  listing.meta.full_name = string_member(node, "nameWithOwner", where);
  try {
    listing = parse_graphql_details(node, where, listing.meta);
  } catch (const ShapeError& e) {
    listing.details_error =
        ApiError{ErrorKind::malformed, 200,
                 util::scrub(fmt::format("malformed response from GitHub for {} metadata: {}",
                                         where, e.detail)),
                 "/graphql"};
  }
  return listing;
}

std::string graphql_query(const std::vector<core::RepoRef>& repos, std::size_t begin,
                          std::size_t end) {
  std::string query = "query {";
  for (std::size_t i = begin; i < end; ++i) {
    // JSON string escapes are valid GraphQL string escapes.
    query += fmt::format(" r{}: repository(owner: {}, name: {}) {{ ...meta }}", i - begin,
                         json(repos[i].owner).dump(), json(repos[i].name).dump());
  }
  query +=
      " } fragment meta on Repository { databaseId nameWithOwner stargazerCount forkCount "
      "watchers { totalCount } issues(states: OPEN) { totalCount } "
      "pullRequests(states: OPEN) { totalCount } visibility isArchived isFork viewerPermission "
      "...releases } " +
      releases_fragment();
  return query;
}

const json* error_for_alias(const json& errors, const std::string& alias) {
  if (!errors.is_array()) {
    return nullptr;
  }
  for (const auto& error : errors) {
    auto path = error.find("path");
    if (path != error.end() && path->is_array() && !path->empty() && (*path)[0] == alias) {
      return &error;
    }
  }
  return nullptr;
}

std::string error_text(const json& error, const char* key) {
  auto it = error.find(key);
  return it != error.end() && it->is_string() ? it->get<std::string>() : std::string();
}

void fill_by_rest(Client& client, const std::vector<core::RepoRef>& repos, std::size_t begin,
                  std::size_t end, MetadataResult& result) {
  for (std::size_t i = begin; i < end; ++i) {
    auto listing = fetch_repo(client, repos[i]);
    if (listing) {
      result.repos[i] = std::move(*listing);
    } else {
      result.errors[i] = listing.error();
    }
  }
}

// A GraphQL failure REST may not share: not a repository that does not exist, nor a token
// GitHub refuses.
bool worth_asking_rest(const ApiError& error) {
  return error.kind != ErrorKind::not_found && error.kind != ErrorKind::unauthorized;
}

// Asks REST for each repository of [begin, end) that GraphQL could not read, or read only in
// part. A repository REST reads is whole; one it cannot read keeps GraphQL's error (or its
// partial answer), with REST's reason added.
void complete_by_rest(Client& client, const std::vector<core::RepoRef>& repos, std::size_t begin,
                      std::size_t end, MetadataResult& result) {
  int recovered = 0;
  std::string first_reason;
  for (std::size_t i = begin; i < end; ++i) {
    auto& listed = result.repos[i];
    auto& error = result.errors[i];
    const bool partial = listed && listed->details_error;
    const bool failed = !listed && error && worth_asking_rest(*error);
    if (!partial && !failed) {
      continue;
    }
    const std::string graphql_reason = partial ? listed->details_error->message : error->message;
    auto rest = fetch_repo(client, repos[i]);
    if (rest) {
      listed = std::move(*rest);
      error.reset();
      if (recovered++ == 0) {
        first_reason = graphql_reason;
      }
      continue;
    }
    const std::string both =
        util::scrub(fmt::format("{}; over REST: {}", graphql_reason, rest.error().message));
    if (partial) {
      listed->details_error->message = both;
    } else {
      error = rest.error();
      error->message = both;
    }
  }
  if (recovered > 0) {
    util::log_warn("GitHub's GraphQL API could not read {} ({}); read {} over REST instead",
                   util::counted(recovered, "repository", "repositories"), first_reason,
                   recovered == 1 ? "it" : "them");
  }
}

enum class BatchOutcome { done, graphql_unavailable };

BatchOutcome fill_by_graphql(Client& client, const std::vector<core::RepoRef>& repos,
                             std::size_t begin, std::size_t end, MetadataResult& result) {
  const std::string endpoint = graphql_url(client.options().api_url);
  auto response = client.post_json(endpoint, json{{"query", graphql_query(repos, begin, end)}});
  if (!response) {
    const long status = response.error().status;
    if (status == 404 || status == 410 || status == 501) {
      return BatchOutcome::graphql_unavailable;
    }
    for (std::size_t i = begin; i < end; ++i) {
      result.errors[i] = response.error();
    }
    return BatchOutcome::done;
  }
  auto body = json::parse(response->body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) {
    return BatchOutcome::graphql_unavailable;
  }
  const json errors = body.value("errors", json());
  auto data = body.find("data");
  if (data == body.end() || !data->is_object()) {
    ApiError error{ErrorKind::other, response->status, "", "/graphql"};
    std::string message = "GitHub's GraphQL API returned no data";
    if (errors.is_array() && !errors.empty()) {
      message += ": " + error_text(errors[0], "message");
      if (error_text(errors[0], "type") == "RATE_LIMITED") {
        error.kind = ErrorKind::rate_limited;
      }
    }
    error.message = util::scrub(message);
    for (std::size_t i = begin; i < end; ++i) {
      result.errors[i] = error;
    }
    return BatchOutcome::done;
  }
  for (std::size_t i = begin; i < end; ++i) {
    const core::RepoRef& repo = repos[i];
    const std::string alias = fmt::format("r{}", i - begin);
    auto node = data->find(alias);
    if (node != data->end() && node->is_object()) {
      try {
        result.repos[i] = parse_graphql_repo(*node, repo.full_name());
      } catch (const ShapeError& e) {
        result.errors[i] =
            ApiError{ErrorKind::malformed, response->status,
                     util::scrub(fmt::format("malformed response from GitHub for {} metadata: {}",
                                             repo.full_name(), e.detail)),
                     "/graphql"};
      }
      continue;
    }
    ApiError error{ErrorKind::other, response->status, "", repo_path(repo)};
    if (const json* entry = error_for_alias(errors, alias)) {
      const std::string type = error_text(*entry, "type");
      if (type == "NOT_FOUND") {
        error.kind = ErrorKind::not_found;
        error.message = not_visible_message(repo);
      } else {
        error.kind = type == "FORBIDDEN" ? ErrorKind::forbidden : ErrorKind::other;
        error.message = util::scrub(fmt::format("GitHub could not read {}: {}", repo.full_name(),
                                                error_text(*entry, "message")));
      }
    } else {
      error.message = fmt::format("GitHub returned no data for {}", repo.full_name());
    }
    result.errors[i] = std::move(error);
  }
  return BatchOutcome::done;
}

// One repository of a listing; a malformed one is an error that names the listing.
Result<RepoListing> parse_listed_repo(const json& item, const std::string& what) {
  auto listing = parse_repo(item);
  if (!listing) {
    ApiError error = listing.error();
    error.message =
        util::scrub(fmt::format("malformed response from GitHub for {}: {}", what, error.message));
    return std::unexpected(error);
  }
  return listing;
}

Result<std::vector<RepoListing>> parse_listings(Result<std::vector<json>> items,
                                                const std::string& what) {
  if (!items) {
    return std::unexpected(items.error());
  }
  std::vector<RepoListing> out;
  out.reserve(items->size());
  for (const auto& item : *items) {
    auto listing = parse_listed_repo(item, what);
    if (!listing) {
      return std::unexpected(listing.error());
    }
    out.push_back(std::move(*listing));
  }
  return out;
}

// A top-10 answer (popular paths or referrers): a JSON array, one entry built from each
// element by `entry(element, "[i]")`.
template <class Entry, class Build>
Result<std::vector<Entry>> parse_top_list(const std::string& body, Build entry) {
  try {
    const json root = parse_body(body);
    if (!root.is_array()) {
      throw ShapeError{"expected a JSON array"};
    }
    std::vector<Entry> out;
    out.reserve(root.size());
    for (std::size_t i = 0; i < root.size(); ++i) {
      out.push_back(entry(root[i], fmt::format("[{}]", i)));
    }
    return out;
  } catch (const ShapeError& e) {
    return std::unexpected(malformed(e.detail));
  }
}

}  // namespace

std::string missing_push_permission_message(const core::RepoRef& repo) {
  return fmt::format(
      "cannot read traffic of {}: the token lacks push access (needs push access, or "
      "Administration: read for fine-grained tokens and GitHub Apps; the Actions GITHUB_TOKEN "
      "never has it)",
      repo.full_name());
}

Result<core::TrafficWindow> parse_traffic(const std::string& body, core::TrafficKind kind) {
  try {
    const json root = parse_body(body);
    if (!root.is_object()) {
      throw ShapeError{"expected a JSON object"};
    }
    core::TrafficWindow window;
    window.kind = kind;
    window.count = count_member(root, "count", "the response");
    window.uniques = count_member(root, "uniques", "the response");
    const std::string key(core::to_string(kind));
    const json& buckets = member(root, key.c_str(), "the response");
    if (!buckets.is_array()) {
      throw ShapeError{fmt::format("\"{}\" is not an array", key)};
    }
    for (std::size_t i = 0; i < buckets.size(); ++i) {
      const std::string where = fmt::format("{}[{}]", key, i);
      const std::string text = string_member(buckets[i], "timestamp", where);
      auto at = util::parse_iso8601(text);
      if (!at || util::Timestamp(util::day_of(*at)) != *at) {
        throw ShapeError{
            fmt::format("{}.timestamp is not a UTC midnight timestamp: \"{}\"", where, text)};
      }
      window.days.push_back(core::DayCount{util::day_of(*at),
                                           count_member(buckets[i], "count", where),
                                           count_member(buckets[i], "uniques", where)});
    }
    return window;
  } catch (const ShapeError& e) {
    return std::unexpected(malformed(e.detail));
  }
}

Result<std::vector<core::PopularPath>> parse_popular_paths(const std::string& body) {
  return parse_top_list<core::PopularPath>(body, [](const json& item, const std::string& where) {
    return core::PopularPath{
        string_member(item, "path", where), string_member(item, "title", where, true),
        count_member(item, "count", where), count_member(item, "uniques", where)};
  });
}

Result<std::vector<core::Referrer>> parse_popular_referrers(const std::string& body) {
  return parse_top_list<core::Referrer>(body, [](const json& item, const std::string& where) {
    return core::Referrer{string_member(item, "referrer", where),
                          count_member(item, "count", where), count_member(item, "uniques", where)};
  });
}

Result<RepoListing> parse_repo(const nlohmann::json& repo) {
  try {
    if (!repo.is_object()) {
      throw ShapeError{"a repository is not a JSON object"};
    }
    RepoListing listing;
    auto& meta = listing.meta;
    meta.full_name = string_member(repo, "full_name", "the repository");
    const std::string where = meta.full_name;
    const json& id = member(repo, "id", where);
    if (!id.is_number_integer()) {
      throw ShapeError{fmt::format("{}.id is not an integer: {}", where, id.dump())};
    }
    meta.id = id.get<core::RepoId>();
    meta.stars = count_member(repo, "stargazers_count", where);
    meta.forks = count_member(repo, "forks_count", where);
    meta.watchers = repo.contains("subscribers_count")
                        ? count_member(repo, "subscribers_count", where)
                        : count_member(repo, "watchers_count", where);
    meta.open_issues = count_member(repo, "open_issues_count", where);
    if (auto it = repo.find("visibility"); it != repo.end() && it->is_string()) {
      meta.visibility = lower(it->get<std::string>());
    } else {
      meta.visibility = optional_bool(repo, "private", where) ? "private" : "public";
    }
    meta.archived = optional_bool(repo, "archived", where);
    meta.fork = optional_bool(repo, "fork", where);
    if (auto it = repo.find("permissions"); it != repo.end() && it->is_object()) {
      const std::string perms = where + ".permissions";
      listing.can_push = optional_bool(*it, "push", perms) || optional_bool(*it, "admin", perms) ||
                         optional_bool(*it, "maintain", perms);
    }
    return listing;
  } catch (const ShapeError& e) {
    return std::unexpected(malformed(e.detail));
  }
}

Result<Fetched<core::TrafficWindow>> fetch_traffic(Client& client, const core::RepoRef& repo,
                                                   core::TrafficKind kind,
                                                   const CacheLookup& cache) {
  const std::string endpoint = fmt::format("traffic/{}", core::to_string(kind));
  auto result = fetch_parsed<core::TrafficWindow>(
      client, repo, endpoint + "?per=day", cache,
      [kind](const std::string& body) { return parse_traffic(body, kind); });
  if (result) {
    result->value.observed_at = result->observed_at;
  } else if (result.error().kind == ErrorKind::malformed) {
    // Name the endpoint without its query, as a person would.
    auto& message = result.error().message;
    if (auto at = message.find(endpoint + "?per=day"); at != std::string::npos) {
      message.erase(at + endpoint.size(), 8);
    }
  }
  return result;
}

Result<Fetched<core::PathSnapshot>> fetch_popular_paths(Client& client, const core::RepoRef& repo,
                                                        const CacheLookup& cache) {
  auto entries = fetch_parsed<std::vector<core::PopularPath>>(client, repo, "traffic/popular/paths",
                                                              cache, parse_popular_paths);
  if (!entries) {
    return std::unexpected(entries.error());
  }
  return Fetched<core::PathSnapshot>{
      core::PathSnapshot{entries->observed_at, std::move(entries->value)}, entries->observed_at,
      std::move(entries->cache_entry)};
}

Result<Fetched<core::ReferrerSnapshot>> fetch_popular_referrers(Client& client,
                                                                const core::RepoRef& repo,
                                                                const CacheLookup& cache) {
  auto entries = fetch_parsed<std::vector<core::Referrer>>(
      client, repo, "traffic/popular/referrers", cache, parse_popular_referrers);
  if (!entries) {
    return std::unexpected(entries.error());
  }
  return Fetched<core::ReferrerSnapshot>{
      core::ReferrerSnapshot{entries->observed_at, std::move(entries->value)}, entries->observed_at,
      std::move(entries->cache_entry)};
}

Result<RepoListing> fetch_repo(Client& client, const core::RepoRef& repo) {
  auto response = client.get(repo_path(repo));
  if (!response) {
    return std::unexpected(about_repo(response.error(), repo, false));
  }
  auto body = json::parse(response->body, nullptr, false);
  if (body.is_discarded()) {
    return std::unexpected(
        ApiError{ErrorKind::malformed, response->status,
                 fmt::format("malformed response from GitHub for {}: the body is not valid JSON",
                             repo.full_name()),
                 repo_path(repo)});
  }
  auto listing = parse_repo(body);
  if (!listing) {
    ApiError error = listing.error();
    error.message = util::scrub(
        fmt::format("malformed response from GitHub for {}: {}", repo.full_name(), error.message));
    error.url = repo_path(repo);
    return std::unexpected(error);
  }
  return listing;
}

MetadataResult fetch_metadata(Client& client, const std::vector<core::RepoRef>& repos) {
  MetadataResult result;
  result.repos.resize(repos.size());
  result.errors.resize(repos.size());
  bool graphql_available = true;
  for (std::size_t begin = 0; begin < repos.size(); begin += k_graphql_batch) {
    const std::size_t end = std::min(begin + k_graphql_batch, repos.size());
    if (graphql_available &&
        fill_by_graphql(client, repos, begin, end, result) == BatchOutcome::graphql_unavailable) {
      graphql_available = false;
      util::log_verbose(
          "GitHub's GraphQL API is not available at {}; reading repositories "
          "one by one over REST",
          graphql_url(client.options().api_url));
    }
    if (!graphql_available) {
      result.graphql_available = false;
      fill_by_rest(client, repos, begin, end, result);
    } else {
      complete_by_rest(client, repos, begin, end, result);
    }
  }
  return result;
}

Result<std::vector<RepoListing>> list_user_repos(Client& client) {
  return parse_listings(client.get_all_pages("/user/repos?per_page=100"), "/user/repos");
}

Result<std::vector<RepoListing>> list_installation_repos(Client& client) {
  const std::string what = "/installation/repositories";
  std::vector<RepoListing> out;
  std::vector<std::string> seen;
  std::string url = what + "?per_page=100";
  for (;;) {
    auto response = client.get(url);
    if (!response) {
      return std::unexpected(response.error());
    }
    auto root = json::parse(response->body, nullptr, false);
    auto repositories = root.is_object() ? root.find("repositories") : root.end();
    if (!root.is_object() || repositories == root.end() || !repositories->is_array()) {
      return std::unexpected(malformed(
          fmt::format("malformed response from GitHub for {}: no \"repositories\" array", what)));
    }
    for (const auto& item : *repositories) {
      auto listing = parse_listed_repo(item, what);
      if (!listing) {
        return std::unexpected(listing.error());
      }
      listing->can_push = true;
      out.push_back(std::move(*listing));
    }
    seen.push_back(join_url(client.options().api_url, url));
    auto link = response->headers.find("link");
    auto next = link == response->headers.end() ? std::nullopt : next_link(link->second);
    if (!next || std::find(seen.begin(), seen.end(), *next) != seen.end()) {
      return out;
    }
    url = *next;
  }
}

Result<std::vector<RepoListing>> list_owner_repos(Client& client, const std::string& owner) {
  const std::string org_path = "/orgs/" + encode_segment(owner) + "/repos";
  auto org = client.get_all_pages(org_path + "?per_page=100&type=all");
  if (!org && org.error().kind == ErrorKind::not_found) {
    const std::string user_path = "/users/" + encode_segment(owner) + "/repos";
    auto user = client.get_all_pages(user_path + "?per_page=100&type=owner");
    if (!user && user.error().kind == ErrorKind::not_found) {
      ApiError error = user.error();
      error.message = fmt::format("{} is neither an organization nor a user on GitHub", owner);
      return std::unexpected(error);
    }
    return parse_listings(std::move(user), user_path);
  }
  return parse_listings(std::move(org), org_path);
}

}  // namespace ghtraffic::github
