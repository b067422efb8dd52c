// The alerts of `ghtraffic serve` (and of `lambda` with a webhook): the days-left check
// (read/freshness) at start-up, after each scheduled run and now and then between runs. A
// repository that needs attention (at risk, due today or with lost days) is named in one
// warning line of the log and, with a webhook, in one posted alert: once per repository
// per UTC day, not at every check.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "ghtraffic/net/transport.hpp"
#include "ghtraffic/read/freshness.hpp"
#include "ghtraffic/store/store.hpp"
#include "ghtraffic/util/clock.hpp"

namespace ghtraffic::cli {

struct FreshnessWatchOptions {
  std::string notify_url;  // empty: the log only
  int warn_days = read::k_default_warn_days;
};

class FreshnessWatch {
 public:
  FreshnessWatch(FreshnessWatchOptions options, net::HttpTransport& transport,
                 util::Clock& clock = util::system_clock());

  // Reads days left from store and tells of the repositories that need attention and were
  // not told of yet today (UTC). Returns the names newly told of, most urgent first: posted
  // to the webhook when there is one, else logged. A webhook that fails is a warning, and
  // its repositories are posted again at the next check.
  // Thread-safe.
  std::vector<std::string> check(store::Store& store);

 private:
  FreshnessWatchOptions m_options;
  net::HttpTransport& m_transport;
  util::Clock& m_clock;
  std::mutex m_mutex;
  std::map<std::string, util::Day> m_logged;  // by lower-case name: the day last logged
  std::map<std::string, util::Day> m_posted;  // the day last posted to the webhook
};

}  // namespace ghtraffic::cli
