#include "ghtraffic/github/history.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "ghtraffic/util/redact.hpp"

namespace ghtraffic::github {
namespace {

using nlohmann::json;

ApiError malformed(const std::string& url, const std::string& detail) {
  return ApiError{
      ErrorKind::malformed, 200,
      util::scrub(fmt::format("malformed response from GitHub for {}: {}", url, detail)), url};
}

std::optional<util::Day> week_start(const json& value) {
  if (value.is_number_integer()) {
    return util::day_of(util::Timestamp{std::chrono::seconds{value.get<std::int64_t>()}});
  }
  if (value.is_string()) {
    const auto& text = value.get_ref<const std::string&>();
    if (auto day = util::parse_day(text)) {
      return day;
    }
    if (auto at = util::parse_iso8601(text)) {
      return util::day_of(*at);
    }
  }
  return std::nullopt;
}

template <typename Item, typename Parse>
Result<HistoryPage<Item>> fetch_page(Client& client, const std::string& url,
                                     const net::Headers& headers, Parse parse) {
  auto response = client.get(url, headers);
  if (!response) {
    return std::unexpected(response.error());
  }
  auto items = parse(response->body);
  if (!items) {
    return std::unexpected(malformed(url, items.error().message));
  }
  HistoryPage<Item> page;
  page.items = std::move(*items);
  page.url = response->url.empty() ? url : response->url;
  page.observed_at = response->date.value_or(client.clock().now());
  if (auto link = response->headers.find("link"); link != response->headers.end()) {
    page.next_url = next_link(link->second);
  }
  return page;
}

}  // namespace

std::string star_history_path(const core::RepoRef& repo) {
  return repo_path(repo) + "/stargazers/history?per_page=100";
}

std::string stargazers_path(const core::RepoRef& repo) {
  return repo_path(repo) + "/stargazers?per_page=100";
}

std::string forks_path(const core::RepoRef& repo) {
  return repo_path(repo) + "/forks?sort=oldest&per_page=100";
}

Result<std::vector<StarWeek>> parse_star_history(const std::string& body) {
  auto parsed = json::parse(body, nullptr, false);
  auto fail = [](std::string detail) {
    return std::unexpected(ApiError{ErrorKind::malformed, 200, std::move(detail), {}});
  };
  if (parsed.is_discarded()) {
    return fail("the body is not valid JSON (cut short?)");
  }
  const json* weeks = &parsed;
  if (parsed.is_object()) {
    auto it = parsed.find("weeks");
    if (it == parsed.end()) {
      return fail("the star history is neither a list of weeks nor an object with \"weeks\"");
    }
    weeks = &*it;
  }
  if (!weeks->is_array()) {
    return fail("the star history's weeks are not a list");
  }
  std::vector<StarWeek> out;
  for (const auto& entry : *weeks) {
    if (!entry.is_object()) {
      return fail("a week of the star history is not an object");
    }
    auto start = week_start(entry.value("week", json()));
    if (!start) {
      return fail(fmt::format("a week of the star history has no readable start: {}",
                              entry.value("week", json()).dump()));
    }
    StarWeek week{*start, {}};
    auto days = entry.find("days");
    if (days != entry.end() && days->is_array()) {
      if (days->size() > 7) {
        return fail("a week of the star history has more than 7 days");
      }
      for (const auto& n : *days) {
        if (!n.is_number_integer() || n.get<std::int64_t>() < 0) {
          return fail(fmt::format("a day of the star history is not a count: {}", n.dump()));
        }
        week.days.push_back(n.get<std::int64_t>());
      }
    } else {
      auto total = entry.find("total");
      if (total == entry.end() || !total->is_number_integer() || total->get<std::int64_t>() < 0) {
        return fail("a week of the star history has neither days nor a total");
      }
      week.days.assign(7, 0);
      week.days[6] = total->get<std::int64_t>();
    }
    out.push_back(std::move(week));
  }
  return out;
}

Result<std::vector<util::Timestamp>> parse_listing_times(const std::string& body,
                                                         const char* field) {
  auto parsed = json::parse(body, nullptr, false);
  auto fail = [](std::string detail) {
    return std::unexpected(ApiError{ErrorKind::malformed, 200, std::move(detail), {}});
  };
  if (parsed.is_discarded()) {
    return fail("the body is not valid JSON (cut short?)");
  }
  if (!parsed.is_array()) {
    return fail("the listing is not a list");
  }
  std::vector<util::Timestamp> out;
  for (const auto& item : parsed) {
    auto it = item.is_object() ? item.find(field) : item.end();
    if (!item.is_object() || it == item.end() || !it->is_string()) {
      return fail(fmt::format("an entry has no {} (was the Accept header honoured?)", field));
    }
    auto at = util::parse_iso8601(it->get_ref<const std::string&>());
    if (!at) {
      return fail(fmt::format("{} is not a time: {}", field, it->dump()));
    }
    out.push_back(*at);
  }
  return out;
}

Result<HistoryPage<StarWeek>> fetch_star_history_page(Client& client, const std::string& url) {
  return fetch_page<StarWeek>(client, url, {}, parse_star_history);
}

Result<HistoryPage<util::Timestamp>> fetch_stargazers_page(Client& client, const std::string& url) {
  return fetch_page<util::Timestamp>(
      client, url, {{"Accept", "application/vnd.github.star+json"}},
      [](const std::string& body) { return parse_listing_times(body, "starred_at"); });
}

Result<HistoryPage<util::Timestamp>> fetch_forks_page(Client& client, const std::string& url) {
  return fetch_page<util::Timestamp>(client, url, {}, [](const std::string& body) {
    return parse_listing_times(body, "created_at");
  });
}

}  // namespace ghtraffic::github
