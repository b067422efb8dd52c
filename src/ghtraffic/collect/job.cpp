#include "ghtraffic/collect/job.hpp"

#include <algorithm>
#include <map>
#include <mutex>
#include <thread>

#include "ghtraffic/github/api.hpp"
#include "ghtraffic/util/error.hpp"
#include "ghtraffic/util/log.hpp"
#include "ghtraffic/util/number.hpp"
#include "ghtraffic/util/redact.hpp"
#include "ghtraffic/util/strings.hpp"

namespace ghtraffic::collect {
namespace {

struct Target {
  core::RepoRef requested;       // the name we were given or listed
  github::RepoListing listing;   // id, current name and counters
  std::size_t account = 0;       // Accounts::list index: the client it is collected through
  bool named = false;            // named in Plan::repos (not only listed)
  bool collected_today = false;  // its last collection was on the plan's day
};

struct Resolved {
  std::vector<Target> targets;
  std::map<std::size_t, bool> graphql_available;  // per account; absent: not asked
};

bool any_glob_matches(const std::vector<std::string>& patterns, const core::RepoMeta& meta) {
  auto slash = meta.full_name.find('/');
  std::string_view name = slash == std::string::npos
                              ? std::string_view(meta.full_name)
                              : std::string_view(meta.full_name).substr(slash + 1);
  return std::any_of(patterns.begin(), patterns.end(), [&](const std::string& p) {
    return util::glob_match(p, name) || util::glob_match(p, meta.full_name);
  });
}

std::string describe(const github::ApiError& error) {
  return util::scrub(error.message);
}

// Moves the targets named in `first` to the front, in the order of `first`; the others
// keep their order.
void put_first(std::vector<Target>& targets, const std::vector<std::string>& first) {
  if (first.empty()) {
    return;
  }
  std::map<std::string, size_t> rank;
  for (size_t i = 0; i < first.size(); ++i) {
    rank.try_emplace(util::to_lower(first[i]), i);
  }
  auto rank_of = [&](const Target& t) {
    for (const auto& name : {t.listing.meta.full_name, t.requested.full_name()}) {
      if (auto found = rank.find(util::to_lower(name)); found != rank.end()) {
        return found->second;
      }
    }
    return first.size();
  };
  std::stable_sort(targets.begin(), targets.end(),
                   [&](const Target& a, const Target& b) { return rank_of(a) < rank_of(b); });
}

// The account whose installation is on `owner`, if any.
std::optional<std::size_t> account_for(const Accounts& accounts, const std::string& owner) {
  for (std::size_t i = 0; i < accounts.list.size(); ++i) {
    if (util::to_lower(accounts.list[i].login) == util::to_lower(owner)) {
      return i;
    }
  }
  return std::nullopt;
}

std::string not_installed_message(const Accounts& accounts, const std::string& owner) {
  return fmt::format(
      "the GitHub App {} is not installed on {}: install it there (the App's page → Install "
      "App), or leave --app-installation-id out if another installation of it is",
      accounts.app_id, owner);
}

// The names of one account, fetched through its client: GitHub answers "not found" for a
// repository the installation cannot see, which says what to do about it.
// True when GraphQL answered (false: the metadata came over REST).
bool resolve_named(const Accounts& accounts, std::size_t account,
                   const std::vector<core::RepoRef>& repos, std::vector<Target>& targets,
                   Summary& summary) {
  const Account& through = accounts.list[account];
  auto metadata = github::fetch_metadata(*through.client, repos);
  for (size_t i = 0; i < repos.size(); ++i) {
    if (metadata.repos[i]) {
      targets.push_back({repos[i], *metadata.repos[i], account, true});
      continue;
    }
    RepoOutcome failed;
    failed.full_name = repos[i].full_name();
    failed.error = metadata.errors[i] ? describe(*metadata.errors[i])
                                      : "no metadata returned for " + failed.full_name;
    if (accounts.app && metadata.errors[i] &&
        metadata.errors[i]->kind == github::ErrorKind::not_found) {
      failed.error = fmt::format(
          "the GitHub App's {} cannot see {}: add it to the installation's repositories ({}'s "
          "Settings → GitHub Apps → Configure → Repository access), or check the name",
          through.installation, failed.full_name, through.login);
    }
    summary.repos.push_back(std::move(failed));
  }
  return metadata.graphql_available;
}

// Collects the targets the plan names. Listing failures are recorded in the summary.
Resolved resolve_targets(const Accounts& accounts, const Plan& plan, Summary& summary) {
  std::vector<Target> targets;
  std::map<std::size_t, bool> graphql_available;
  auto take_listing = [&](const std::vector<github::RepoListing>& listed, const Filters& filters,
                          std::size_t account) {
    for (const auto& item : listed) {
      if (!item.can_push) {
        ++summary.skipped_no_push;
      } else if (!filters.accepts(item.meta)) {
        ++summary.skipped_filtered;
      } else if (auto ref = core::RepoRef::parse(item.meta.full_name)) {
        targets.push_back({*ref, item, account, false});
      }
    }
  };
  for (const auto& error : accounts.errors) {
    summary.errors.push_back(error);
  }

  if (!accounts.app) {
    github::Client& client = *accounts.list.front().client;
    if (plan.repos.empty() && plan.owners.empty()) {
      auto listed = github::list_user_repos(client);
      if (!listed) {
        summary.errors.push_back("could not list the token's repositories: " +
                                 describe(listed.error()));
      } else {
        take_listing(*listed, plan.filters, 0);
      }
    }
    for (const auto& source : plan.owners) {
      auto listed = github::list_owner_repos(client, source.owner);
      if (!listed) {
        summary.errors.push_back(fmt::format("could not list the repositories of {}: {}",
                                             source.owner, describe(listed.error())));
        continue;
      }
      take_listing(*listed, source.filters, 0);
    }
    if (!plan.repos.empty()) {
      graphql_available[0] = resolve_named(accounts, 0, plan.repos, targets, summary);
    }
  } else {
    // An installation lists what it sees; an owner is the account an installation is on.
    auto list_account = [&](std::size_t i, const Filters& filters) {
      const Account& account = accounts.list[i];
      if (!account.unusable.empty()) {
        summary.errors.push_back(account.unusable);
        return;
      }
      auto listed = github::list_installation_repos(*account.client);
      if (!listed) {
        summary.errors.push_back(
            fmt::format("could not list the repositories of the GitHub "
                        "App's {}: {}",
                        account.installation, describe(listed.error())));
        return;
      }
      take_listing(*listed, filters, i);
    };
    if (plan.repos.empty() && plan.owners.empty()) {
      for (std::size_t i = 0; i < accounts.list.size(); ++i) {
        list_account(i, plan.filters);
      }
    }
    for (const auto& source : plan.owners) {
      if (auto i = account_for(accounts, source.owner)) {
        list_account(*i, source.filters);
      } else {
        summary.errors.push_back(not_installed_message(accounts, source.owner));
      }
    }
    std::map<std::size_t, std::vector<core::RepoRef>> by_account;
    for (const auto& repo : plan.repos) {
      auto i = account_for(accounts, repo.owner);
      if (i && accounts.list[*i].unusable.empty()) {
        by_account[*i].push_back(repo);
        continue;
      }
      RepoOutcome failed;
      failed.full_name = repo.full_name();
      if (i) {
        failed.error = accounts.list[*i].unusable;
      } else if (accounts.list.empty() && !accounts.errors.empty()) {
        failed.error = "not collected: " + accounts.errors.front();
      } else {
        failed.error = not_installed_message(accounts, repo.owner);
      }
      summary.repos.push_back(std::move(failed));
    }
    for (const auto& [i, repos] : by_account) {
      graphql_available[i] = resolve_named(accounts, i, repos, targets, summary);
    }
  }

  // The same repository named twice (an owner and an explicit name) is collected once.
  std::map<core::RepoId, Target> unique;
  for (auto& t : targets) {
    auto [it, added] = unique.try_emplace(t.listing.meta.id, t);
    if (!added) {
      it->second.named = it->second.named || t.named;
    }
  }
  Resolved out;
  out.targets.reserve(unique.size());
  for (auto& [id, t] : unique) {
    out.targets.push_back(std::move(t));
  }
  out.graphql_available = std::move(graphql_available);
  return out;
}

// Downloads ride on the GraphQL metadata; listed repositories (and those read over REST)
// are asked for them in batches through their account, or with one request each where
// GraphQL is unavailable. Only the repositories a run collects are asked.
void add_downloads(const Accounts& accounts, const std::map<std::size_t, bool>& graphql_available,
                   std::vector<Target>& targets) {
  std::map<std::size_t, std::vector<std::size_t>> without_downloads;  // account → positions
  for (std::size_t i = 0; i < targets.size(); ++i) {
    if (!targets[i].listing.downloads) {
      without_downloads[targets[i].account].push_back(i);
    }
  }
  for (const auto& [account, positions] : without_downloads) {
    std::vector<core::RepoRef> refs;
    for (auto i : positions) {
      refs.push_back(
          core::RepoRef::parse(targets[i].listing.meta.full_name).value_or(targets[i].requested));
    }
    auto graphql = graphql_available.find(account);
    auto downloads = github::fetch_downloads(*accounts.list[account].client, refs,
                                             graphql == graphql_available.end() || graphql->second);
    for (std::size_t i = 0; i < positions.size(); ++i) {
      targets[positions[i]].listing.downloads = std::move(downloads[i]);
    }
  }
}

// The requests a repository's downloads add when they are asked for: one GraphQL request
// per batch, or one REST request each where GraphQL is unavailable.
int downloads_cost(const Target& target, const std::map<std::size_t, bool>& graphql_available,
                   std::int64_t without_downloads_so_far) {
  if (target.listing.downloads) {
    return 0;
  }
  auto graphql = graphql_available.find(target.account);
  if (graphql != graphql_available.end() && !graphql->second) {
    return 1;
  }
  return without_downloads_so_far % k_repos_per_graphql_request == 0 ? 1 : 0;
}

// The plan's view of what each account has spent and may spend, kept up to date as the
// run's repositories start and finish. Thread-safe.
class Spending {
 public:
  Spending(const Accounts& accounts, const Budget& budget, util::Clock& clock)
      : m_accounts(accounts), m_budget(budget), m_clock(clock), m_state(accounts.list.size()) {
    for (std::size_t i = 0; i < m_state.size(); ++i) {
      const auto& options = accounts.list[i].client->options();
      m_state[i].reserve = options.low_remaining > 0 ? options.low_remaining : options.concurrency;
    }
    refresh_all();
  }

  // Takes the requests the client has sent since as the new baseline: what was expected
  // of the repositories so far is spent.
  void settle() {
    std::lock_guard lock(m_mutex);
    refresh_locked();
    for (auto& state : m_state) {
      state.expected = state.spent;
    }
  }

  // Starts a repository of `cost` requests through `account` when the budget allows it
  // (always when `forced`); else the reason it must wait for a later run.
  std::optional<DeferReason> start(std::size_t account, int cost, bool forced) {
    std::lock_guard lock(m_mutex);
    refresh_locked();
    if (!forced) {
      if (auto reason =
              over_budget(m_state[account], total_projected(), cost, m_budget.max_requests)) {
        return reason;
      }
    }
    m_state[account].expected = m_state[account].projected() + cost;
    return std::nullopt;
  }

  // A repository started with `cost` sent only `asked` of its requests (a failure every
  // later one would share stops it early).
  void finish(std::size_t account, int cost, int asked) {
    std::lock_guard lock(m_mutex);
    m_state[account].expected -= std::max(cost - asked, 0);
  }

  std::optional<std::int64_t> left() {
    std::lock_guard lock(m_mutex);
    refresh_locked();
    return requests_left(m_state, m_budget.max_requests);
  }

 private:
  void refresh_all() {
    std::lock_guard lock(m_mutex);
    refresh_locked();
    for (auto& state : m_state) {
      state.expected = state.spent;
    }
  }

  void refresh_locked() {
    const auto now = m_clock.steady_now();
    for (std::size_t i = 0; i < m_state.size(); ++i) {
      auto stats = m_accounts.list[i].client->stats();
      auto& state = m_state[i];
      state.spent = stats.requests;
      // Once the hour has ended the limit is whole again, whatever was last seen.
      const bool current =
          stats.core_remaining >= 0 && (!stats.core_reset_steady || now < *stats.core_reset_steady);
      state.remaining = current ? stats.core_remaining : -1;
      if (m_budget.rate_share && state.share_cap < 0 && state.remaining >= 0) {
        state.share_cap = state.spent + state.remaining * *m_budget.rate_share / 100;
      }
    }
  }

  std::int64_t total_projected() const {
    std::int64_t total = 0;
    for (const auto& state : m_state) {
      total += state.projected();
    }
    return total;
  }

  const Accounts& m_accounts;
  const Budget& m_budget;
  util::Clock& m_clock;
  std::mutex m_mutex;
  std::vector<AccountSpend> m_state;
};

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

// The plan of one run: the repositories in the order they are to be collected, the ones
// collected today and those beyond the budget left out (deferred in the summary). Reads
// each repository's last collection from the store.
std::vector<Target> plan_targets(store::Store& store, const Plan& plan, util::Clock& clock,
                                 const Resolved& resolved, Spending& spending, Summary& summary) {
  const auto today = plan.today.value_or(util::day_of(clock.now()));
  std::map<core::RepoId, util::Timestamp> last_collected;
  for (const auto& record : store.repositories()) {
    if (record.last_collected) {
      last_collected.emplace(record.id, *record.last_collected);
    }
  }
  const auto& all = resolved.targets;
  std::vector<std::optional<util::Timestamp>> last(all.size());
  std::vector<std::string> names(all.size());
  for (std::size_t i = 0; i < all.size(); ++i) {
    if (auto it = last_collected.find(all[i].listing.meta.id); it != last_collected.end()) {
      last[i] = it->second;
    }
    names[i] = all[i].listing.meta.full_name;
  }
  std::vector<Target> ordered;
  ordered.reserve(all.size());
  for (auto i : plan_order(last, names, today)) {
    ordered.push_back(all[i]);
    ordered.back().collected_today = last[i] && util::day_of(*last[i]) == today;
  }
  put_first(ordered, plan.first);
  if (plan.named_always) {
    // Named on the command line: before the plan's, in the order given.
    std::map<std::string, std::size_t> given;
    for (std::size_t i = 0; i < plan.repos.size(); ++i) {
      given.try_emplace(util::to_lower(plan.repos[i].full_name()), i);
    }
    auto rank = [&](const Target& t) {
      if (!t.named) {
        return plan.repos.size();
      }
      auto it = given.find(util::to_lower(t.requested.full_name()));
      return it == given.end() ? plan.repos.size() : it->second;
    };
    std::stable_sort(ordered.begin(), ordered.end(),
                     [&](const Target& a, const Target& b) { return rank(a) < rank(b); });
  }

  // What fits is decided before the downloads are asked for, so that only the repositories
  // this run collects cost a downloads request; each is checked again as it starts.
  std::vector<Target> chosen;
  std::map<std::size_t, std::int64_t> without_downloads;  // per account, chosen so far
  for (auto& target : ordered) {
    const bool forced = plan.named_always && target.named;
    if (!forced && target.collected_today && !plan.budget.again_today) {
      summary.deferred.push_back({target.listing.meta.full_name, DeferReason::collected_today});
      continue;
    }
    const int cost = k_requests_per_repo + downloads_cost(target, resolved.graphql_available,
                                                          without_downloads[target.account]);
    if (auto reason = spending.start(target.account, cost, forced)) {
      summary.deferred.push_back({target.listing.meta.full_name, *reason});
      continue;
    }
    if (!target.listing.downloads) {
      ++without_downloads[target.account];
    }
    chosen.push_back(std::move(target));
  }
  return chosen;
}

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

bool Filters::accepts(const core::RepoMeta& meta) const {
  if (no_forks && meta.fork) {
    return false;
  }
  if (no_archived && meta.archived) {
    return false;
  }
  if (!include.empty() && !any_glob_matches(include, meta)) {
    return false;
  }
  return !any_glob_matches(exclude, meta);
}

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
