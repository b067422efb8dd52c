#include "ghtraffic/collect/job.hpp"

#include <algorithm>
#include <map>
#include <mutex>
#include <thread>

#include "ghtraffic/collect/plan.hpp"
#include "ghtraffic/collect/targets.hpp"
#include "ghtraffic/github/api.hpp"
#include "ghtraffic/util/error.hpp"
#include "ghtraffic/util/log.hpp"
#include "ghtraffic/util/number.hpp"
#include "ghtraffic/util/redact.hpp"
#include "ghtraffic/util/strings.hpp"

namespace ghtraffic::collect {
namespace {

std::string describe(const github::ApiError& error) {
  return util::scrub(error.message);
}

// A failure every later traffic request of the repository would share: the token cannot
// read its traffic (a bad token, no push access) or GitHub does not serve it (404, as on
// Enterprise Server). The remaining parts are not asked.
bool shared_by_later_requests(const github::ApiError& error) {
  using github::ErrorKind;
  return error.kind == ErrorKind::unauthorized || error.kind == ErrorKind::forbidden ||
         error.kind == ErrorKind::not_found;
}

std::string describe_missing(const std::vector<MissingPart>& missing) {
  std::string out;
  for (const auto& part : missing) {
    out += fmt::format("{}{}: {}", out.empty() ? "" : "; ", part.part, part.error);
  }
  return out;
}

class RepoCollector {
 public:
  RepoCollector(store::Store& store, std::mutex& store_mutex)
      : m_store(store), m_store_mutex(store_mutex) {}

  // `asked`: how many of the repository's requests were sent (retries aside).
  RepoOutcome collect(const Target& target, github::Client& client, int& asked) {
    RepoOutcome outcome;
    outcome.full_name = target.listing.meta.full_name;
    outcome.id = target.listing.meta.id;
    auto current = core::RepoRef::parse(target.listing.meta.full_name).value_or(target.requested);
    // The ETag cache saves requests, nothing more: a store that cannot read it (an expired
    // credential, a lost connection) costs the repository its conditional requests, not
    // its traffic, and its commit then says what is wrong with the store.
    auto cache = [this](const std::string& url) -> std::optional<core::CachedResponse> {
      std::lock_guard lock(m_store_mutex);
      try {
        return m_store.cached_response(url);
      } catch (const util::Error& e) {
        if (!m_cache_warned.exchange(true)) {
          util::log_warn("could not read the cached answers in {}; asking GitHub without them: {}",
                         m_store.describe(), util::scrub(e.what()));
        }
        return std::nullopt;
      }
    };

    core::RepoObservation obs;
    obs.meta = target.listing.meta;
    if (target.listing.downloads) {
      obs.downloads = core::DownloadSnapshot{{}, *target.listing.downloads};
    }
    obs.names.push_back(target.requested.full_name());
    if (target.listing.details_error) {
      obs.details_known = false;
      outcome.missing.push_back({"metadata", describe(*target.listing.details_error)});
    }

    Fetcher fetcher{obs, outcome};
    fetcher.get(
        "views",
        [&] { return github::fetch_traffic(client, current, core::TrafficKind::views, cache); },
        obs.views);
    fetcher.get(
        "clones",
        [&] { return github::fetch_traffic(client, current, core::TrafficKind::clones, cache); },
        obs.clones);
    fetcher.get(
        "paths", [&] { return github::fetch_popular_paths(client, current, cache); }, obs.paths);
    fetcher.get(
        "referrers", [&] { return github::fetch_popular_referrers(client, current, cache); },
        obs.referrers);

    asked = fetcher.asked;
    // Counters alone would add a repository without traffic to every view: a repository
    // none of whose traffic could be read stores nothing, and says why.
    if (!fetcher.any) {
      outcome.error = fetcher.first_error;
      outcome.missing.clear();
      return outcome;
    }
    if (obs.downloads) {
      obs.downloads->observed_at = obs.observed_at;
    }
    try {
      std::lock_guard lock(m_store_mutex);
      outcome.commit = m_store.commit(obs);
      outcome.stored = true;
      outcome.ok = outcome.missing.empty();
      outcome.error = describe_missing(outcome.missing);
    } catch (const store::StoreFull& e) {
      m_full = true;
      fail_commit(outcome, e);
    } catch (const util::Error& e) {
      fail_commit(outcome, e);
    }
    return outcome;
  }

  // True once a commit found the store full: no later one can succeed.
  bool store_full() const { return m_full; }

 private:
  // Fetches the parts one after the other, keeping what each answered and noting each
  // that failed.
  struct Fetcher {
    core::RepoObservation& obs;
    RepoOutcome& outcome;
    bool any = false;
    int asked = 0;
    std::string first_error;
    std::string stopped_by;  // the part whose failure every later request would share

    template <typename Call, typename Value>
    void get(const char* part, Call call, std::optional<Value>& into) {
      if (!stopped_by.empty()) {
        outcome.missing.push_back({part, "not asked after " + stopped_by + " failed"});
        return;
      }
      ++asked;
      auto fetched = call();
      if (!fetched) {
        auto message = describe(fetched.error());
        if (first_error.empty()) {
          first_error = message;
        }
        outcome.missing.push_back({part, std::move(message)});
        if (shared_by_later_requests(fetched.error())) {
          stopped_by = part;
        }
        return;
      }
      if (!any) {
        obs.observed_at = fetched->observed_at;  // the counters' day (R6)
        any = true;
      }
      if (fetched->cache_entry) {
        obs.cache.push_back(*fetched->cache_entry);
      }
      into = std::move(fetched->value);
    }
  };

  static void fail_commit(RepoOutcome& outcome, const util::Error& e) {
    outcome.error = util::scrub(e.what());
    outcome.missing.clear();
  }

  store::Store& m_store;
  std::mutex& m_store_mutex;
  std::atomic<bool> m_full{false};
  std::atomic<bool> m_cache_warned{false};
};

// Each repository's outcome becomes its latest attempt, for `status`. The data is already
// committed, so a store that refuses these records costs the run nothing but the record.
void record_attempts(store::Store& store, std::int64_t run_id, const Summary& summary) {
  try {
    for (const auto& outcome : summary.repos) {
      store.record_attempt(
          {outcome.full_name, outcome.id, run_id, summary.finished_at, outcome.problem()});
    }
  } catch (const util::Error& e) {
    util::log_warn("could not record the outcome of each repository for `ghtraffic status`: {}",
                   util::scrub(e.what()));
  }
}

// Closes the run record; it comes before the attempts, which a store short of room may
// refuse, since the run record is what says the run ended. The data is already committed,
// so a store that refuses it costs the run nothing but the record.
void finish_run(store::Store& store, std::int64_t run_id, const Summary& summary) {
  int failed_count = summary.failed();
  try {
    // The runs log has no column for a listing: one that failed counts as a failure there,
    // so that whoever reads the log (serve, /metrics) sees a failed run.
    store.finish_run(run_id, summary.finished_at,
                     static_cast<int>(summary.repos.size()) - failed_count,
                     failed_count + summary.failed_listings());
  } catch (const util::Error& e) {
    util::log_warn("could not record the end of this run in {}: {}", store.describe(),
                   util::scrub(e.what()));
  }
}

}  // namespace

std::string RepoOutcome::problem() const {
  if (ok) {
    return {};
  }
  if (partial()) {
    return "stored in part; not stored: " + error;
  }
  return error.empty() ? "not collected" : error;
}

int Summary::failed() const {
  return static_cast<int>(
      std::count_if(repos.begin(), repos.end(), [](const RepoOutcome& r) { return !r.ok; }));
}

int Summary::deferred_count(DeferReason reason) const {
  return static_cast<int>(std::count_if(deferred.begin(), deferred.end(),
                                        [&](const Deferred& d) { return d.reason == reason; }));
}

int Summary::partial() const {
  return static_cast<int>(
      std::count_if(repos.begin(), repos.end(), [](const RepoOutcome& r) { return r.partial(); }));
}

github::ClientStats combined_stats(const Accounts& accounts) {
  github::ClientStats total;
  bool first = true;
  for (const auto& account : accounts.list) {
    auto stats = account.client->stats();
    if (first) {
      total = stats;
      first = false;
      continue;
    }
    total.requests += stats.requests;
    total.not_modified += stats.not_modified;
    total.retries += stats.retries;
    total.secondary_limited += stats.secondary_limited;
    total.waited += stats.waited;
    if (total.current_wait.empty()) {
      total.current_wait = stats.current_wait;
    }
    total.max_per_minute = std::min(total.max_per_minute, stats.max_per_minute);
    if (stats.rate_limit_remaining >= 0 &&
        (total.rate_limit_remaining < 0 ||
         stats.rate_limit_remaining < total.rate_limit_remaining)) {
      total.rate_limit_remaining = stats.rate_limit_remaining;
      total.rate_limit_limit = stats.rate_limit_limit;
      total.rate_limit_reset = stats.rate_limit_reset;
    }
    if (stats.core_remaining >= 0 &&
        (total.core_remaining < 0 || stats.core_remaining < total.core_remaining)) {
      total.core_remaining = stats.core_remaining;
      total.core_reset = stats.core_reset;
      total.core_reset_steady = stats.core_reset_steady;
    }
  }
  return total;
}

Summary run_collection(github::Client& client, store::Store& store, const Plan& plan,
                       Progress* progress, util::Clock& clock) {
  Accounts accounts;
  accounts.list.push_back(Account{&client, {}, {}, {}});
  return run_collection(accounts, store, plan, progress, clock);
}

Summary run_collection(const Accounts& accounts, store::Store& store, const Plan& plan,
                       Progress* progress, util::Clock& clock) {
  Summary summary;
  summary.started_at = clock.now();
  auto run_id = store.begin_run(summary.started_at);

  auto resolved = resolve_targets(accounts, plan, summary);
  Spending spending(accounts, plan.budget, clock);
  auto targets = plan_targets(store, plan, clock, resolved, spending, summary);
  add_downloads(accounts, resolved.graphql_available, targets);
  spending.settle();
  if (progress) {
    progress->total = static_cast<int>(targets.size() + summary.repos.size());
    progress->done = static_cast<int>(summary.repos.size());
    progress->failed = static_cast<int>(summary.repos.size());
  }
  if (summary.skipped_no_push > 0) {
    util::log_info("skipped {} the token cannot push to (traffic needs push access)",
                   util::counted(summary.skipped_no_push, "repository", "repositories"));
  }

  std::mutex store_mutex;
  std::mutex results_mutex;
  std::atomic<size_t> next{0};
  std::atomic<std::chrono::milliseconds::rep> longest_ms{0};
  RepoCollector collector(store, store_mutex);
  // The longest repository so far stands for the next one: repositories of a run cost
  // about the same (four requests and one commit), and erring long only defers one.
  auto fits_before_deadline = [&] {
    if (!plan.deadline) {
      return true;
    }
    auto longest = std::chrono::milliseconds(longest_ms.load());
    auto estimate = longest.count() > 0 ? longest : plan.repo_estimate;
    return clock.steady_now() + estimate + plan.deadline_margin <= *plan.deadline;
  };
  auto defer = [&](const Target& target, DeferReason reason) {
    std::lock_guard lock(results_mutex);
    if (reason == DeferReason::deadline) {
      summary.left_for_next_run.push_back(target.listing.meta.full_name);
    }
    summary.deferred.push_back({target.listing.meta.full_name, reason});
    if (progress) {
      ++progress->done;
    }
  };
  auto worker = [&] {
    for (size_t i = next++; i < targets.size(); i = next++) {
      if (!fits_before_deadline()) {
        defer(targets[i], DeferReason::deadline);
        continue;
      }
      const bool cancelled = plan.cancel != nullptr && plan.cancel->load();
      if (cancelled || collector.store_full()) {
        RepoOutcome skipped;
        skipped.full_name = targets[i].listing.meta.full_name;
        skipped.id = targets[i].listing.meta.id;
        skipped.error = cancelled ? "not collected: the collection was stopped before it started"
                                  : "not collected: the store refused a write earlier in this "
                                    "run; free some space or check the disk and run again";
        if (progress) {
          ++progress->done;
          ++progress->failed;
        }
        std::lock_guard lock(results_mutex);
        summary.repos.push_back(std::move(skipped));
        continue;
      }
      const bool forced = plan.named_always && targets[i].named;
      if (auto reason = spending.start(targets[i].account, k_requests_per_repo, forced)) {
        defer(targets[i], *reason);
        continue;
      }
      auto started = clock.steady_now();
      int asked = 0;
      auto outcome =
          collector.collect(targets[i], *accounts.list[targets[i].account].client, asked);
      spending.finish(targets[i].account, k_requests_per_repo, asked);
      auto took =
          std::chrono::duration_cast<std::chrono::milliseconds>(clock.steady_now() - started)
              .count();
      for (auto seen = longest_ms.load();
           took > seen && !longest_ms.compare_exchange_weak(seen, took);) {
      }
      if (outcome.partial()) {
        util::log_error("{}: stored in part ({}, {} new); not stored: {}", outcome.full_name,
                        util::counted(outcome.commit.days_stored, "day", "days"),
                        outcome.commit.new_days, outcome.error);
      } else if (!outcome.ok) {
        util::log_error("{}: {}", outcome.full_name, outcome.error);
      } else {
        util::log_verbose("{}: {} stored, {} new", outcome.full_name,
                          util::counted(outcome.commit.days_stored, "day", "days"),
                          outcome.commit.new_days);
      }
      if (progress) {
        ++progress->done;
        if (!outcome.ok) {
          ++progress->failed;
        }
      }
      std::lock_guard lock(results_mutex);
      summary.repos.push_back(std::move(outcome));
    }
  };
  const int concurrency =
      accounts.list.empty() ? 1 : accounts.list.front().client->options().concurrency;
  auto workers_wanted =
      std::clamp<size_t>(static_cast<size_t>(concurrency), 1, std::max<size_t>(targets.size(), 1));
  std::vector<std::thread> workers;
  for (size_t i = 1; i < workers_wanted; ++i) {
    workers.emplace_back(worker);
  }
  worker();
  for (auto& t : workers) {
    t.join();
  }

  std::sort(summary.repos.begin(), summary.repos.end(),
            [](const RepoOutcome& a, const RepoOutcome& b) { return a.full_name < b.full_name; });
  std::sort(summary.left_for_next_run.begin(), summary.left_for_next_run.end());
  std::sort(summary.deferred.begin(), summary.deferred.end(),
            [](const Deferred& a, const Deferred& b) { return a.full_name < b.full_name; });
  summary.requests_left = spending.left();
  summary.longest_repo = std::chrono::milliseconds(longest_ms.load());
  summary.client = combined_stats(accounts);
  summary.finished_at = clock.now();
  if (collector.store_full()) {
    auto stored = std::count_if(summary.repos.begin(), summary.repos.end(),
                                [](const RepoOutcome& r) { return r.stored; });
    util::log_error(
        "the store {} refused a write: {} of {} stored before it did (listed below), the rest "
        "not started; free some space or check the disk and run again",
        store.describe(), stored,
        util::counted(summary.repos.size(), "repository", "repositories"));
  }
  finish_run(store, run_id, summary);
  record_attempts(store, run_id, summary);
  return summary;
}

}  // namespace ghtraffic::collect
