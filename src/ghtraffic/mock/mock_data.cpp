// Data for the mock: synthetic repositories, scenario files, and the stats as JSON.
#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <string>

#include "ghtraffic/mock/mock_github.hpp"
#include "ghtraffic/mock/random.hpp"

namespace ghtraffic::mock {
namespace {

using Json = nlohmann::json;

// A popularity with a long tail: most repositories are quiet, a few are busy.
std::int64_t popularity(Random& random) {
  auto level = random.below(9);
  return (std::int64_t{1} << level) + random.below(std::int64_t{1} << level);
}

void fill_history(Random& random, std::map<util::Day, core::DayCount>& history, util::Day first,
                  util::Day last, std::int64_t level, int zero_percent) {
  for (auto day = first; day <= last; day += std::chrono::days{1}) {
    if (random.chance(zero_percent)) {
      continue;
    }
    auto count = 1 + level / 2 + random.below(level + 1);
    auto uniques = std::max<std::int64_t>(1, count * (30 + random.below(60)) / 100);
    history[day] = core::DayCount{day, count, uniques};
  }
}

constexpr const char* k_referrers[] = {
    "github.com", "Google", "news.ycombinator.com", "reddit.com",     "t.co", "stackoverflow.com",
    "Bing",       "dev.to", "linkedin.com",         "duckduckgo.com",
};

MockRepo synthetic_repo(const std::string& owner, int index, util::Day first_day,
                        util::Day last_day, std::uint64_t seed) {
  Random random(seed * 0x2545f4914f6cdd1dULL + static_cast<std::uint64_t>(index) * 7919 + 1);
  MockRepo repo;
  repo.owner = owner;
  repo.name = fmt::format("repo-{}", index);
  auto level = popularity(random);
  fill_history(random, repo.views, first_day, last_day, level, level < 8 ? 35 : 10);
  fill_history(random, repo.clones, first_day, last_day, std::max<std::int64_t>(1, level / 6), 40);

  const std::string base = "/" + repo.full_name();
  const std::string pages[] = {
      "",      "/blob/main/README.md", "/issues",        "/pulls",      "/releases", "/actions",
      "/wiki", "/blob/main/LICENSE",   "/tree/main/src", "/discussions"};
  std::int64_t path_count = 5 * level + 10;
  for (int i = 0; i < 10; ++i) {
    auto title = fmt::format("{}{}: {}", repo.name, pages[i], "a synthetic page");
    if (index == 0 && i == 3) {
      title = "<img src=x onerror=alert(1)>";
    }
    auto uniques = std::max<std::int64_t>(1, path_count / 3);
    repo.paths.push_back(core::PopularPath{base + pages[i], title, path_count, uniques});
    path_count = std::max<std::int64_t>(1, path_count * (60 + random.below(35)) / 100);
  }
  std::int64_t referrer_count = 3 * level + 8;
  for (const char* referrer : k_referrers) {
    auto uniques = std::max<std::int64_t>(1, referrer_count / 2);
    repo.referrers.push_back(core::Referrer{referrer, referrer_count, uniques});
    referrer_count = std::max<std::int64_t>(1, referrer_count * (55 + random.below(40)) / 100);
  }

  repo.stars = random.below(level + 1) + random.below(4);
  repo.forks = repo.stars / 6 + random.below(3);
  repo.watchers = 1 + repo.stars / 15;
  repo.open_issues = random.below(25);
  repo.visibility = index % 10 == 9 ? "private" : "public";
  repo.archived = index % 13 == 12;
  repo.fork = index % 17 == 16;

  // Stars spread over the year before the history starts and the history itself.
  auto from = util::Timestamp{first_day - std::chrono::days{365}};
  auto span = (util::Timestamp{last_day} - from).count();
  std::vector<util::Timestamp> times;
  times.reserve(static_cast<std::size_t>(repo.stars));
  for (std::int64_t i = 0; i < repo.stars; ++i) {
    times.push_back(from + std::chrono::seconds{random.below(span)});
  }
  std::sort(times.begin(), times.end());
  for (std::size_t i = 0; i < times.size(); ++i) {
    repo.stargazers.emplace_back(times[i], fmt::format("stargazer-{}-{}", index, i));
  }
  for (std::int64_t i = 0; i < repo.forks; ++i) {
    repo.fork_times.push_back(from + std::chrono::seconds{random.below(span)});
  }
  std::sort(repo.fork_times.begin(), repo.fork_times.end());
  if (index % 3 == 0) {
    repo.releases.push_back(
        {"v1.1.0",
         {{"tool-linux.tar.gz", random.below(500)}, {"tool-macos.zip", random.below(300)}}});
    repo.releases.push_back({"v1.0.0", {{"tool-linux.tar.gz", 500 + random.below(500)}}});
  }
  return repo;
}

util::Day required_day(const Json& object, const char* key, const std::string& where) {
  auto text = object.at(key).get<std::string>();
  auto day = util::parse_day(text);
  if (!day) {
    throw std::runtime_error(fmt::format("{}: \"{}\" is not a YYYY-MM-DD day", where, text));
  }
  return *day;
}

util::Timestamp parse_time(const std::string& text, const std::string& where) {
  if (auto t = util::parse_iso8601(text)) {
    return *t;
  }
  if (auto day = util::parse_day(text)) {
    return util::Timestamp{*day};
  }
  throw std::runtime_error(
      fmt::format("{}: \"{}\" is neither YYYY-MM-DD nor YYYY-MM-DDTHH:MM:SSZ", where, text));
}

void read_history(const Json& list, std::map<util::Day, core::DayCount>& history,
                  const std::string& where) {
  for (const auto& entry : list) {
    auto day = required_day(entry, "day", where);
    history[day] = core::DayCount{day, entry.at("count").get<std::int64_t>(),
                                  entry.value("uniques", std::int64_t{0})};
  }
}

MockRepo read_repo(const Json& object, const std::string& where) {
  MockRepo repo;
  repo.id = object.value("id", std::int64_t{0});
  if (object.contains("full_name")) {
    auto ref = core::RepoRef::parse(object.at("full_name").get<std::string>());
    if (!ref) {
      throw std::runtime_error(where + ": full_name must be owner/name");
    }
    repo.owner = ref->owner;
    repo.name = ref->name;
  } else {
    repo.owner = object.at("owner").get<std::string>();
    repo.name = object.at("name").get<std::string>();
  }
  auto here = where + " " + repo.full_name();
  read_history(object.value("views", Json::array()), repo.views, here + " views");
  read_history(object.value("clones", Json::array()), repo.clones, here + " clones");
  for (const auto& p : object.value("paths", Json::array())) {
    repo.paths.push_back(
        core::PopularPath{p.at("path").get<std::string>(), p.value("title", std::string{}),
                          p.at("count").get<std::int64_t>(), p.value("uniques", std::int64_t{0})});
  }
  for (const auto& r : object.value("referrers", Json::array())) {
    repo.referrers.push_back(core::Referrer{r.at("referrer").get<std::string>(),
                                            r.at("count").get<std::int64_t>(),
                                            r.value("uniques", std::int64_t{0})});
  }
  for (const auto& s : object.value("stargazers", Json::array())) {
    repo.stargazers.emplace_back(parse_time(s.at("starred_at").get<std::string>(), here),
                                 s.at("login").get<std::string>());
  }
  repo.stars = object.value("stars", static_cast<std::int64_t>(repo.stargazers.size()));
  for (const auto& f : object.value("fork_times", Json::array())) {
    repo.fork_times.push_back(parse_time(f.get<std::string>(), here));
  }
  std::sort(repo.fork_times.begin(), repo.fork_times.end());
  repo.forks = object.value("forks", static_cast<std::int64_t>(repo.fork_times.size()));
  repo.star_history = object.value("star_history", true);
  for (const auto& r : object.value("releases", Json::array())) {
    MockRelease release{r.at("tag").get<std::string>(), {}};
    for (const auto& a : r.value("assets", Json::array())) {
      release.assets.push_back(
          {a.at("name").get<std::string>(), a.at("downloads").get<std::int64_t>()});
    }
    repo.releases.push_back(std::move(release));
  }
  repo.watchers = object.value("watchers", std::int64_t{0});
  repo.open_issues = object.value("open_issues", std::int64_t{0});
  repo.visibility = object.value("visibility", std::string("public"));
  repo.archived = object.value("archived", false);
  repo.fork = object.value("fork", false);
  repo.push = object.value("push", true);
  return repo;
}

}  // namespace

void add_synthetic_repos(MockGitHub& github, const std::string& owner, int count,
                         util::Day first_day, util::Day last_day, std::uint64_t seed) {
  for (int i = 0; i < count; ++i) {
    github.add_repo(synthetic_repo(owner, i, first_day, last_day, seed));
  }
}

void load_scenario_text(MockGitHub& github, const std::string& json_text) {
  Json scenario = Json::parse(json_text, nullptr, false);
  if (scenario.is_discarded() || !scenario.is_object()) {
    throw std::runtime_error("the scenario is not a JSON object");
  }
  try {
    if (scenario.contains("now")) {
      github.set_now(parse_time(scenario.at("now").get<std::string>(), "now"));
    }
    for (const auto& login : scenario.value("users", Json::array())) {
      github.add_user(login.get<std::string>());
    }
    int index = 0;
    for (const auto& repo : scenario.value("repos", Json::array())) {
      github.add_repo(read_repo(repo, fmt::format("repos[{}]", index++)));
    }
    for (const auto& synthetic : scenario.value("synthetic", Json::array())) {
      auto last = required_day(synthetic, "last_day", "synthetic");
      auto first = synthetic.contains("first_day")
                       ? required_day(synthetic, "first_day", "synthetic")
                       : last - std::chrono::days{59};
      add_synthetic_repos(github, synthetic.at("owner").get<std::string>(),
                          synthetic.value("count", 3), first, last,
                          synthetic.value("seed", std::uint64_t{1}));
    }
    for (const auto& rename : scenario.value("renames", Json::array())) {
      github.rename_repo(rename.at("from").get<std::string>(), rename.at("to").get<std::string>());
    }
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error(
        fmt::format("the scenario has a missing or mistyped field: {}", e.what()));
  } catch (const std::invalid_argument& e) {
    throw std::runtime_error(fmt::format("the scenario is inconsistent: {}", e.what()));
  }
}

void load_scenario(MockGitHub& github, const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    throw std::runtime_error(fmt::format("cannot read the scenario file {}", path));
  }
  std::stringstream text;
  text << in.rdbuf();
  try {
    load_scenario_text(github, text.str());
  } catch (const std::runtime_error& e) {
    throw std::runtime_error(fmt::format("{}: {}", path, e.what()));
  }
}

std::string stats_to_json(const MockStats& stats) {
  Json by_route = Json::object();
  for (const auto& [route, count] : stats.by_route) {
    by_route[route] = count;
  }
  return Json{{"requests", stats.requests},
              {"not_modified", stats.not_modified},
              {"secondary_limited", stats.secondary_limited},
              {"primary_limited", stats.primary_limited},
              {"max_in_flight", stats.max_in_flight},
              {"graphql_requests", stats.graphql_requests},
              {"by_route", by_route},
              {"enabled_workflows", stats.enabled_workflows},
              {"app_tokens_issued", stats.app_tokens_issued},
              {"expired_tokens_refused", stats.expired_tokens_refused},
              {"jwts_refused", stats.jwts_refused}}
      .dump();
}

}  // namespace ghtraffic::mock
