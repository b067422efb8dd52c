// Star and fork history endpoints: GET /repos/{o}/{r}/stargazers/history (stars added per
// week with a day-by-day breakdown), the stargazer listing with starred_at
// (application/vnd.github.star+json) and the fork listing with created_at. One page per
// call, so that a backfill can stop between pages and go on from the next one.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "ghtraffic/core/types.hpp"
#include "ghtraffic/github/client.hpp"

namespace ghtraffic::github {

// Stars added on each day of one week; days[0] is the week's first day.
struct StarWeek {
  util::Day week;
  std::vector<std::int64_t> days;
};

template <typename Item>
struct HistoryPage {
  std::vector<Item> items;
  std::optional<std::string> next_url;  // rel="next" of the Link header
  std::string url;                      // the URL that answered
  util::Timestamp observed_at;          // the Date header, else the local clock
};

// The first page of each source; later pages come from the Link header.
std::string star_history_path(const core::RepoRef& repo);
std::string stargazers_path(const core::RepoRef& repo);
std::string forks_path(const core::RepoRef& repo);

// GET one page of the star history (weeks in the order GitHub sends them).
Result<HistoryPage<StarWeek>> fetch_star_history_page(Client& client, const std::string& url);
// GET one page of a listing: each item's starred_at (stargazers) or created_at (forks).
Result<HistoryPage<util::Timestamp>> fetch_stargazers_page(Client& client, const std::string& url);
Result<HistoryPage<util::Timestamp>> fetch_forks_page(Client& client, const std::string& url);

// Parsing, exposed for tests. The history is read defensively, as its shape is new: a list
// of weeks, or an object holding one under "weeks"; a week's start as Unix seconds or an
// ISO 8601 day or time; "days" of up to 7 counts, or only a "total" (counted on the week's
// last day).
Result<std::vector<StarWeek>> parse_star_history(const std::string& body);
Result<std::vector<util::Timestamp>> parse_listing_times(const std::string& body,
                                                         const char* field);

}  // namespace ghtraffic::github
