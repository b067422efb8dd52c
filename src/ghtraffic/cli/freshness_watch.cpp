#include "ghtraffic/cli/freshness_watch.hpp"

#include "ghtraffic/cli/notify.hpp"
#include "ghtraffic/util/log.hpp"
#include "ghtraffic/util/number.hpp"
#include "ghtraffic/util/strings.hpp"

namespace ghtraffic::cli {
namespace {

// The repositories of due that a map of days does not yet hold for today.
std::vector<read::RepoFreshness> not_yet_today(const std::vector<read::RepoFreshness>& due,
                                               const std::map<std::string, util::Day>& told,
                                               util::Day today) {
  std::vector<read::RepoFreshness> out;
  for (const auto& repo : due) {
    auto it = told.find(util::to_lower(repo.full_name));
    if (it == told.end() || it->second != today) {
      out.push_back(repo);
    }
  }
  return out;
}

void mark(std::map<std::string, util::Day>& told, const std::vector<read::RepoFreshness>& repos,
          util::Day today) {
  for (const auto& repo : repos) {
    told[util::to_lower(repo.full_name)] = today;
  }
}

}  // namespace

FreshnessWatch::FreshnessWatch(FreshnessWatchOptions options, net::HttpTransport& transport,
                               util::Clock& clock)
    : m_options(std::move(options)), m_transport(transport), m_clock(clock) {}

std::vector<std::string> FreshnessWatch::check(store::Store& store) {
  std::lock_guard lock(m_mutex);
  auto today = util::day_of(m_clock.now());
  std::vector<read::RepoFreshness> due;
  for (auto& repo : read::store_freshness(store, today, m_options.warn_days)) {
    if (repo.freshness.needs_attention()) {
      due.push_back(std::move(repo));
    }
  }

  auto to_log = not_yet_today(due, m_logged, today);
  if (!to_log.empty()) {
    util::log_warn("{}", read::attention_message(to_log));
    mark(m_logged, to_log, today);
  }

  std::vector<std::string> told;
  if (m_options.notify_url.empty()) {
    for (const auto& repo : to_log) {
      told.push_back(repo.full_name);
    }
    return told;
  }
  auto to_post = not_yet_today(due, m_posted, today);
  if (!to_post.empty() &&
      post_webhook(m_transport, m_options.notify_url, read::attention_message(to_post))) {
    util::log_info("alert sent to the webhook for {}",
                   util::counted(to_post.size(), "repository", "repositories"));
    mark(m_posted, to_post, today);
    for (const auto& repo : to_post) {
      told.push_back(repo.full_name);
    }
  }
  return told;
}

}  // namespace ghtraffic::cli
