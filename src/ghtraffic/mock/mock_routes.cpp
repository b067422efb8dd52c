// The endpoint answers of the mock: the JSON GitHub would send for each route.
#include <fmt/format.h>
#include <httplib.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "ghtraffic/mock/mock_state.hpp"
#include "ghtraffic/util/number.hpp"

namespace ghtraffic::mock {
namespace {

using Json = nlohmann::ordered_json;

constexpr int k_default_per_page = 30;
constexpr int k_max_per_page = 100;
constexpr int k_max_stargazer_pages = 400;
constexpr int k_window_days = 14;

Answer json_answer(int status, const Json& body) {
  return Answer{status, body.dump(), {}};
}

Answer not_found() {
  return Answer{404, json_message("Not Found"), {}};
}

std::optional<std::int64_t> to_int(std::string_view text) {
  auto value = util::parse_int<std::int64_t>(text);
  return value ? std::optional(*value) : std::nullopt;
}

std::int64_t int_param(const httplib::Request& http, const char* name, std::int64_t fallback) {
  if (!http.has_param(name)) {
    return fallback;
  }
  return to_int(http.get_param_value(name)).value_or(fallback);
}

std::string percent_encode(std::string_view text) {
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) != 0 || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

// The same request's absolute URL with `page` replaced, as GitHub writes Link targets.
std::string page_url(const RouteRequest& request, std::int64_t page, std::int64_t per_page) {
  const auto& http = *request.http;
  std::string query;
  bool has_per_page = false;
  for (const auto& [key, value] : http.params) {
    if (key == "page") {
      continue;
    }
    has_per_page = has_per_page || key == "per_page";
    query += fmt::format("{}={}&", percent_encode(key), percent_encode(value));
  }
  if (!has_per_page) {
    query += fmt::format("per_page={}&", per_page);
  }
  query += fmt::format("page={}", page);
  return fmt::format("{}{}?{}", request.origin, http.path, query);
}

struct Page {
  std::size_t begin = 0;
  std::size_t end = 0;
  bool beyond_limit = false;
};

// Picks one page of `total` items and adds the RFC 5988 Link header to `answer`.
Page paginate(const RouteRequest& request, std::size_t total, int max_pages, Answer& answer) {
  std::int64_t per_page =
      request.listing_page_size > 0
          ? request.listing_page_size
          : std::clamp<std::int64_t>(int_param(*request.http, "per_page", k_default_per_page), 1,
                                     k_max_per_page);
  std::int64_t page = std::max<std::int64_t>(1, int_param(*request.http, "page", 1));
  auto count = static_cast<std::int64_t>(total);
  std::int64_t last = std::max<std::int64_t>(1, (count + per_page - 1) / per_page);
  if (max_pages > 0) {
    last = std::min<std::int64_t>(last, max_pages);
  }
  Page result;
  if (max_pages > 0 && page > max_pages) {
    result.beyond_limit = true;
    return result;
  }
  result.begin = static_cast<std::size_t>(std::min(count, (page - 1) * per_page));
  result.end = static_cast<std::size_t>(std::min(count, page * per_page));

  std::vector<std::string> links;
  if (page < last) {
    links.push_back(fmt::format("<{}>; rel=\"next\"", page_url(request, page + 1, per_page)));
    links.push_back(fmt::format("<{}>; rel=\"last\"", page_url(request, last, per_page)));
  }
  if (page > 1) {
    links.push_back(
        fmt::format("<{}>; rel=\"prev\"", page_url(request, std::min(page - 1, last), per_page)));
    links.push_back(fmt::format("<{}>; rel=\"first\"", page_url(request, 1, per_page)));
  }
  if (!links.empty()) {
    std::string value;
    for (const auto& link : links) {
      value += value.empty() ? link : ", " + link;
    }
    answer.headers.emplace_back("Link", value);
  }
  return result;
}

std::string_view gql_visibility(const std::string& visibility) {
  if (visibility == "private") {
    return "PRIVATE";
  }
  if (visibility == "internal") {
    return "INTERNAL";
  }
  return "PUBLIC";
}

Json repo_json(const MockRepo& repo) {
  return Json{
      {"id", repo.id},
      {"node_id", fmt::format("R_mock{}", repo.id)},
      {"name", repo.name},
      {"full_name", repo.full_name()},
      {"owner", Json{{"login", repo.owner}}},
      {"private", repo.visibility != "public"},
      {"visibility", repo.visibility},
      {"archived", repo.archived},
      {"fork", repo.fork},
      {"stargazers_count", repo.stars},
      {"watchers_count", repo.stars},
      {"subscribers_count", repo.watchers},
      {"forks_count", repo.forks},
      {"open_issues_count", repo.open_issues},
      {"permissions", Json{{"admin", repo.push}, {"push", repo.push}, {"pull", true}}},
  };
}

Json traffic_json(const std::map<util::Day, core::DayCount>& history, const char* key,
                  util::Timestamp now) {
  auto last = util::day_of(now);
  auto first = last - std::chrono::days{k_window_days};
  Json buckets = Json::array();
  std::int64_t count = 0;
  std::int64_t unique_sum = 0;
  std::int64_t unique_max = 0;
  for (auto it = history.lower_bound(first); it != history.end() && it->first <= last; ++it) {
    const auto& day = it->second;
    if (day.count == 0) {
      continue;
    }
    buckets.push_back(Json{{"timestamp", util::format_iso8601(util::Timestamp{it->first})},
                           {"count", day.count},
                           {"uniques", day.uniques.value_or(0)}});
    count += day.count;
    unique_sum += day.uniques.value_or(0);
    unique_max = std::max(unique_max, day.uniques.value_or(0));
  }
  // Visitors come back on several days: de-duplicated uniques lie between the best day
  // and the sum of the days.
  std::int64_t uniques = unique_max + (unique_sum - unique_max) / 2;
  return Json{{"count", count}, {"uniques", uniques}, {key, std::move(buckets)}};
}

Answer traffic_answer(const RouteRequest& request, const MockRepo& repo,
                      const std::vector<std::string>& rest, util::Timestamp now) {
  if (request.installation && !request.installation->administration) {
    return Answer{403, json_message("Resource not accessible by integration"), {}};
  }
  if (!repo.push) {
    return Answer{403, json_message("Must have push access to repository"), {}};
  }
  if (rest.size() == 2 && rest[1] == "views") {
    return json_answer(200, traffic_json(repo.views, "views", now));
  }
  if (rest.size() == 2 && rest[1] == "clones") {
    return json_answer(200, traffic_json(repo.clones, "clones", now));
  }
  if (rest.size() == 3 && rest[1] == "popular" && rest[2] == "paths") {
    Json list = Json::array();
    for (std::size_t i = 0; i < repo.paths.size() && i < 10; ++i) {
      const auto& p = repo.paths[i];
      list.push_back(Json{{"path", p.path},
                          {"title", p.title},
                          {"count", p.count},
                          {"uniques", p.uniques.value_or(0)}});
    }
    return json_answer(200, list);
  }
  if (rest.size() == 3 && rest[1] == "popular" && rest[2] == "referrers") {
    Json list = Json::array();
    for (std::size_t i = 0; i < repo.referrers.size() && i < 10; ++i) {
      const auto& r = repo.referrers[i];
      list.push_back(Json{{"referrer", r.referrer}, {"count", r.count}, {"uniques", r.uniques}});
    }
    return json_answer(200, list);
  }
  return not_found();
}

Answer stargazers_answer(const RouteRequest& request, const MockRepo& repo) {
  Answer answer;
  auto page = paginate(request, repo.stargazers.size(), k_max_stargazer_pages, answer);
  if (page.beyond_limit) {
    return Answer{422,
                  json_message("In order to keep the API fast for everyone, pagination is "
                               "limited for this resource. Check the rel=last link relation "
                               "in the Link response header to see how far back you can "
                               "traverse."),
                  {}};
  }
  bool with_dates = request.http->get_header_value("Accept").find("star+json") != std::string::npos;
  Json list = Json::array();
  for (auto i = page.begin; i < page.end; ++i) {
    const auto& [at, login] = repo.stargazers[i];
    Json user{{"login", login}, {"type", "User"}};
    if (with_dates) {
      list.push_back(Json{{"starred_at", util::format_iso8601(at)}, {"user", std::move(user)}});
    } else {
      list.push_back(std::move(user));
    }
  }
  answer.body = list.dump();
  return answer;
}

// Weeks from Sunday 00:00 UTC, newest first, each with the stars added on each of its
// seven days; up to the simulated now.
Answer star_history_answer(const RouteRequest& request, const MockRepo& repo, util::Timestamp now) {
  if (!repo.star_history) {
    return not_found();
  }
  using std::chrono::days;
  auto week_of = [](util::Day day) {
    // 1970-01-01 was a Thursday: day 0 is 4 days after a Sunday.
    auto since_sunday = (day.time_since_epoch().count() + 4) % 7;
    return day - days{since_sunday};
  };
  const auto today = util::day_of(now);
  std::map<util::Day, std::array<std::int64_t, 7>> weeks;
  for (const auto& [at, login] : repo.stargazers) {
    auto day = util::day_of(at);
    if (day > today) {
      continue;
    }
    auto week = week_of(day);
    weeks[week][static_cast<std::size_t>((day - week).count())] += 1;
  }
  std::vector<std::pair<util::Day, std::array<std::int64_t, 7>>> newest_first;
  if (!weeks.empty()) {
    for (auto week = week_of(today); week >= weeks.begin()->first; week -= days{7}) {
      auto it = weeks.find(week);
      newest_first.emplace_back(week,
                                it == weeks.end() ? std::array<std::int64_t, 7>{} : it->second);
    }
  }
  Answer answer;
  auto page = paginate(request, newest_first.size(), 0, answer);
  Json list = Json::array();
  for (auto i = page.begin; i < page.end; ++i) {
    const auto& [week, counts] = newest_first[i];
    std::int64_t total = 0;
    Json per_day = Json::array();
    for (auto n : counts) {
      total += n;
      per_day.push_back(n);
    }
    list.push_back(Json{{"week", std::chrono::duration_cast<std::chrono::seconds>(
                                     util::Timestamp{week}.time_since_epoch())
                                     .count()},
                        {"total", total},
                        {"days", per_day}});
  }
  answer.body = list.dump();
  return answer;
}

// GET .../forks: newest first, or oldest first with sort=oldest.
Answer forks_answer(const RouteRequest& request, const MockRepo& repo) {
  std::vector<std::size_t> order(repo.fork_times.size());
  for (std::size_t i = 0; i < order.size(); ++i) {
    order[i] = i;
  }
  const bool oldest =
      request.http->has_param("sort") && request.http->get_param_value("sort") == "oldest";
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return oldest ? repo.fork_times[a] < repo.fork_times[b]
                  : repo.fork_times[b] < repo.fork_times[a];
  });
  Answer answer;
  auto page = paginate(request, order.size(), 0, answer);
  Json list = Json::array();
  for (auto i = page.begin; i < page.end; ++i) {
    auto index = order[i];
    list.push_back(Json{{"id", repo.id * 1000 + static_cast<std::int64_t>(index)},
                        {"full_name", fmt::format("forker-{}/{}", index, repo.name)},
                        {"created_at", util::format_iso8601(repo.fork_times[index])}});
  }
  answer.body = list.dump();
  return answer;
}

Json releases_rest_json(const MockRepo& repo, std::size_t limit) {
  Json list = Json::array();
  for (std::size_t i = 0; i < repo.releases.size() && i < limit; ++i) {
    Json assets = Json::array();
    for (const auto& asset : repo.releases[i].assets) {
      assets.push_back(Json{{"name", asset.name}, {"download_count", asset.downloads}});
    }
    list.push_back(Json{{"tag_name", repo.releases[i].tag}, {"assets", assets}});
  }
  return list;
}

bool is_enable_workflow(const std::vector<std::string>& rest) {
  return rest.size() == 4 && rest[0] == "actions" && rest[1] == "workflows" && rest[3] == "enable";
}

// PUT .../actions/workflows/{file or id}/enable: 204, as GitHub answers whether or not the
// workflow was disabled. Any workflow name is known. The token needs actions: write, which
// the mock grants with push access.
Answer enable_workflow_answer(const MockRepo& repo) {
  if (!repo.push) {
    return Answer{403, json_message("Resource not accessible by personal access token"), {}};
  }
  return Answer{204, "", {}};
}

// Everything under /repos/{o}/{r} or /repositories/{id}, once the repository is known.
Answer repo_route_answer(const RouteRequest& request, const MockRepo& repo,
                         const std::vector<std::string>& rest, util::Timestamp now) {
  if (is_enable_workflow(rest)) {
    return request.method == "PUT" ? enable_workflow_answer(repo) : not_found();
  }
  if (request.method != "GET" && request.method != "HEAD") {
    return not_found();
  }
  if (rest.empty()) {
    return json_answer(200, repo_json(repo));
  }
  if (rest[0] == "traffic") {
    return traffic_answer(request, repo, rest, now);
  }
  if (rest.size() == 1 && rest[0] == "stargazers") {
    return stargazers_answer(request, repo);
  }
  if (rest.size() == 2 && rest[0] == "stargazers" && rest[1] == "history") {
    return star_history_answer(request, repo, now);
  }
  if (rest.size() == 1 && rest[0] == "forks") {
    return forks_answer(request, repo);
  }
  if (rest.size() == 1 && rest[0] == "releases") {
    auto per_page =
        std::clamp<std::int64_t>(int_param(*request.http, "per_page", 30), 1, k_max_per_page);
    return json_answer(200, releases_rest_json(repo, static_cast<std::size_t>(per_page)));
  }
  return not_found();
}

std::string join_suffix(const std::vector<std::string>& rest) {
  std::string out;
  for (const auto& segment : rest) {
    out += "/" + segment;
  }
  return out;
}

Answer moved_answer(const RouteRequest& request, std::int64_t id,
                    const std::vector<std::string>& rest) {
  std::string location =
      fmt::format("{}{}/repositories/{}{}", request.origin, request.prefix, id, join_suffix(rest));
  auto query_start = request.http->target.find('?');
  if (query_start != std::string::npos) {
    location += request.http->target.substr(query_start);
  }
  Json body{{"message", "Moved Permanently"},
            {"url", location},
            {"documentation_url",
             "https://docs.github.com/v3/#http-redirects-redirects-and-rate-limits"}};
  return Answer{301, body.dump(), {{"Location", location}}};
}

Answer listing_answer(const RouteRequest& request, const std::vector<MockRepo*>& all) {
  std::vector<MockRepo*> repos;
  for (auto* repo : all) {
    if (!request.installation || request.installation->sees(*repo)) {
      repos.push_back(repo);
    }
  }
  Answer answer;
  auto page = paginate(request, repos.size(), 0, answer);
  Json list = Json::array();
  for (auto i = page.begin; i < page.end; ++i) {
    list.push_back(repo_json(*repos[i]));
  }
  answer.body = list.dump();
  return answer;
}

Answer owner_listing_answer(const MockGitHub::State& state, const RouteRequest& request,
                            bool org_only) {
  auto owner = to_lower_ascii(request.segments[1]);
  bool is_user = state.users.contains(owner);
  auto it = state.by_owner.find(owner);
  bool known = it != state.by_owner.end() && !it->second.empty();
  if (org_only ? (is_user || !known) : (!is_user && !known)) {
    return not_found();
  }
  static const std::vector<MockRepo*> k_none;
  return listing_answer(request, known ? it->second : k_none);
}

// One `ALIAS: repository(owner:"X", name:"Y")` of a GraphQL query.
struct RepositoryField {
  std::string alias;
  std::string owner;
  std::string name;
};

bool is_name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_';
}

std::optional<std::string> string_argument(std::string_view args, std::string_view key) {
  for (auto pos = args.find(key); pos != std::string_view::npos; pos = args.find(key, pos + 1)) {
    if (pos > 0 && is_name_char(args[pos - 1])) {
      continue;
    }
    auto i = pos + key.size();
    while (i < args.size() && std::isspace(static_cast<unsigned char>(args[i])) != 0) {
      ++i;
    }
    if (i >= args.size() || args[i] != ':') {
      continue;
    }
    auto open = args.find('"', i);
    auto close = open == std::string_view::npos ? open : args.find('"', open + 1);
    if (close == std::string_view::npos) {
      return std::nullopt;
    }
    return std::string(args.substr(open + 1, close - open - 1));
  }
  return std::nullopt;
}

// Not a GraphQL parser: it finds the repository fields, which is all the collector asks.
std::vector<RepositoryField> repository_fields(std::string_view query) {
  constexpr std::string_view k_field = "repository";
  std::vector<RepositoryField> fields;
  for (auto pos = query.find(k_field); pos != std::string_view::npos;
       pos = query.find(k_field, pos + k_field.size())) {
    auto after = pos + k_field.size();
    if ((pos > 0 && is_name_char(query[pos - 1])) ||
        (after < query.size() && is_name_char(query[after]))) {
      continue;
    }
    while (after < query.size() && std::isspace(static_cast<unsigned char>(query[after])) != 0) {
      ++after;
    }
    if (after >= query.size() || query[after] != '(') {
      continue;
    }
    auto close = query.find(')', after);
    if (close == std::string_view::npos) {
      break;
    }
    auto args = query.substr(after + 1, close - after - 1);
    RepositoryField field{std::string(k_field), "", ""};
    auto back = pos;
    while (back > 0 && std::isspace(static_cast<unsigned char>(query[back - 1])) != 0) {
      --back;
    }
    if (back > 0 && query[back - 1] == ':') {
      --back;
      while (back > 0 && std::isspace(static_cast<unsigned char>(query[back - 1])) != 0) {
        --back;
      }
      auto end = back;
      while (back > 0 && is_name_char(query[back - 1])) {
        --back;
      }
      field.alias = std::string(query.substr(back, end - back));
    }
    auto owner = string_argument(args, "owner");
    auto name = string_argument(args, "name");
    if (owner && name && !field.alias.empty()) {
      field.owner = *owner;
      field.name = *name;
      fields.push_back(std::move(field));
    }
  }
  return fields;
}

// The latest 20 releases with up to 50 assets each, as the metadata query asks.
Json graphql_releases_json(const MockRepo& repo) {
  Json nodes = Json::array();
  for (std::size_t i = 0; i < repo.releases.size() && i < 20; ++i) {
    Json assets = Json::array();
    for (std::size_t j = 0; j < repo.releases[i].assets.size() && j < 50; ++j) {
      const auto& asset = repo.releases[i].assets[j];
      assets.push_back(Json{{"name", asset.name}, {"downloadCount", asset.downloads}});
    }
    nodes.push_back(
        Json{{"tagName", repo.releases[i].tag}, {"releaseAssets", Json{{"nodes", assets}}}});
  }
  return Json{{"nodes", nodes}};
}

Json graphql_repo_json(const MockRepo& repo) {
  return Json{
      {"databaseId", repo.id},
      {"id", fmt::format("R_mock{}", repo.id)},
      {"name", repo.name},
      {"nameWithOwner", repo.full_name()},
      {"owner", Json{{"login", repo.owner}}},
      {"stargazerCount", repo.stars},
      {"forkCount", repo.forks},
      {"watchers", Json{{"totalCount", repo.watchers}}},
      {"issues", Json{{"totalCount", repo.open_issues}}},
      // MockRepo::open_issues is REST's open_issues_count, which already counts pull requests.
      {"pullRequests", Json{{"totalCount", 0}}},
      {"visibility", gql_visibility(repo.visibility)},
      {"isPrivate", repo.visibility != "public"},
      {"isArchived", repo.archived},
      {"isFork", repo.fork},
      {"viewerPermission", repo.push ? "ADMIN" : "READ"},
      {"releases", graphql_releases_json(repo)},
  };
}

const MockRepo* resolve(const MockGitHub::State& state, const std::string& full_name) {
  if (const auto* repo = state.find(full_name)) {
    return repo;
  }
  auto moved = state.moved.find(to_lower_ascii(full_name));
  if (moved == state.moved.end()) {
    return nullptr;
  }
  auto it = state.by_id.find(moved->second);
  return it == state.by_id.end() ? nullptr : it->second;
}

Answer graphql_answer(const MockGitHub::State& state, const RouteRequest& request) {
  Json body = Json::parse(request.http->body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) {
    return Answer{400, json_message("Problems parsing JSON"), {}};
  }
  auto query = body.find("query");
  if (query == body.end() || !query->is_string()) {
    return json_answer(200,
                       Json{{"errors", Json::array({Json{{"message",
                                                          "A query attribute must be specified "
                                                          "and must be a string."}}})}});
  }
  Json data = Json::object();
  Json errors = Json::array();
  for (const auto& field : repository_fields(query->get_ref<const std::string&>())) {
    auto full_name = field.owner + "/" + field.name;
    const auto* repo = resolve(state, full_name);
    if (repo != nullptr && request.installation && !request.installation->sees(*repo)) {
      repo = nullptr;
    }
    if (repo != nullptr) {
      std::optional<Fault> drawn;
      if (request.graphql_fault) {
        drawn = request.graphql_fault(full_name);
      }
      const bool errors_fault = drawn.has_value() && *drawn == Fault::graphql_errors;
      const bool missing_fault = drawn.has_value() && *drawn == Fault::missing_field;
      if (errors_fault) {
        data[field.alias] = nullptr;
        errors.push_back(Json{
            {"path", Json::array({field.alias})},
            {"locations", Json::array({Json{{"line", 1}, {"column", 1}}})},
            {"message",
             "Something went wrong while executing your query. This may be the "
             "result of a timeout."},
        });
        continue;
      }
      data[field.alias] = graphql_repo_json(*repo);
      if (missing_fault) {
        data[field.alias].erase("pullRequests");
      }
      continue;
    }
    data[field.alias] = nullptr;
    errors.push_back(Json{
        {"type", "NOT_FOUND"},
        {"path", Json::array({field.alias})},
        {"locations", Json::array({Json{{"line", 1}, {"column", 1}}})},
        {"message",
         fmt::format("Could not resolve to a Repository with the name '{}'.", full_name)},
    });
  }
  Json answer{{"data", std::move(data)}};
  if (!errors.empty()) {
    answer["errors"] = std::move(errors);
  }
  return json_answer(200, answer);
}

bool is_repo_path(const std::vector<std::string>& s) {
  return s.size() >= 3 && s[0] == "repos";
}
bool is_id_path(const std::vector<std::string>& s) {
  return s.size() >= 2 && s[0] == "repositories";
}

std::string suffix_key(const std::vector<std::string>& s, std::size_t from) {
  std::string key;
  for (auto i = from; i < s.size(); ++i) {
    key += (key.empty() ? "" : "/") + s[i];
  }
  return key;
}

}  // namespace

PageRange page_of(const RouteRequest& request, std::size_t total, Answer& answer) {
  auto page = paginate(request, total, 0, answer);
  return PageRange{page.begin, page.end};
}

nlohmann::ordered_json rest_repo_json(const MockRepo& repo) {
  return repo_json(repo);
}

bool InstallationView::sees(const MockRepo& repo) const {
  if (to_lower_ascii(repo.owner) != account) {
    return false;
  }
  return repos.empty() || repos.contains(to_lower_ascii(repo.full_name()));
}

std::string json_message(std::string_view message) {
  return Json{{"message", message}, {"documentation_url", "https://docs.github.com/rest"}}.dump();
}

std::string to_lower_ascii(std::string_view text) {
  std::string out(text);
  for (auto& c : out) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

bool is_graphql(const RouteRequest& request) {
  return request.method == "POST" && request.segments.size() == 1 &&
         request.segments[0] == "graphql";
}

std::string route_key(const RouteRequest& request) {
  const auto& s = request.segments;
  if (is_graphql(request)) {
    return "graphql";
  }
  if (is_repo_path(s)) {
    if (s.size() == 3) {
      return "repos";
    }
    return is_enable_workflow({s.begin() + 3, s.end()}) ? "actions/workflows/enable"
                                                        : suffix_key(s, 3);
  }
  if (is_id_path(s)) {
    return s.size() == 2 ? "repositories" : "repositories/" + suffix_key(s, 2);
  }
  if (s.size() == 2 && s[0] == "user" && s[1] == "repos") {
    return "user/repos";
  }
  if (s.size() == 3 && (s[0] == "orgs" || s[0] == "users") && s[2] == "repos") {
    return s[0] + "/repos";
  }
  if (s.size() == 1 && s[0] == "rate_limit") {
    return "rate_limit";
  }
  if (s.size() >= 2 && s[0] == "app" && s[1] == "installations") {
    if (s.size() == 4 && s[3] == "access_tokens") {
      return "app/installations/access_tokens";
    }
    return s.size() == 2 ? "app/installations" : "app/installations/id";
  }
  if (s.size() == 2 && s[0] == "installation" && s[1] == "repositories") {
    return "installation/repositories";
  }
  return "unknown";
}

Answer answer_route(const MockGitHub::State& state, const RouteRequest& request,
                    util::Timestamp now) {
  std::shared_lock lock(state.data_mutex);
  const auto& s = request.segments;
  if (is_graphql(request)) {
    return graphql_answer(state, request);
  }
  if (request.method != "GET" && request.method != "HEAD" && request.method != "PUT") {
    return not_found();
  }
  if (is_repo_path(s)) {
    std::vector<std::string> rest(s.begin() + 3, s.end());
    auto full_name = s[1] + "/" + s[2];
    const auto* repo = state.find(full_name);
    if (repo != nullptr && request.installation && !request.installation->sees(*repo)) {
      return not_found();
    }
    if (repo != nullptr) {
      if (request.fault.has_value() && *request.fault == Fault::moved) {
        return moved_answer(request, repo->id, rest);
      }
      return repo_route_answer(request, *repo, rest, now);
    }
    auto moved = state.moved.find(to_lower_ascii(full_name));
    if (moved != state.moved.end()) {
      return moved_answer(request, moved->second, rest);
    }
    return not_found();
  }
  if (is_id_path(s)) {
    auto id = to_int(s[1]);
    auto it = id ? state.by_id.find(*id) : state.by_id.end();
    if (it == state.by_id.end() ||
        (request.installation && !request.installation->sees(*it->second))) {
      return not_found();
    }
    return repo_route_answer(request, *it->second, std::vector<std::string>(s.begin() + 2, s.end()),
                             now);
  }
  if (request.method == "PUT") {
    return not_found();
  }
  if (s.size() == 2 && s[0] == "user" && s[1] == "repos") {
    if (request.installation) {
      return Answer{403, json_message("Resource not accessible by integration"), {}};
    }
    std::vector<MockRepo*> all;
    all.reserve(state.repos.size());
    for (const auto& repo : state.repos) {
      all.push_back(repo.get());
    }
    return listing_answer(request, all);
  }
  if (s.size() == 3 && s[0] == "orgs" && s[2] == "repos") {
    return owner_listing_answer(state, request, true);
  }
  if (s.size() == 3 && s[0] == "users" && s[2] == "repos") {
    return owner_listing_answer(state, request, false);
  }
  return not_found();
}

}  // namespace ghtraffic::mock
