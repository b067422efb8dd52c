#include "ghtraffic/collect/backfill.hpp"

#include <fmt/format.h>

#include <map>

#include "ghtraffic/github/api.hpp"
#include "ghtraffic/github/history.hpp"
#include "ghtraffic/read/series.hpp"
#include "ghtraffic/util/redact.hpp"

namespace ghtraffic::collect {
namespace {

using std::chrono::days;

constexpr const char* k_history_source = "stargazers/history";
constexpr const char* k_stargazers_source = "stargazers";
constexpr const char* k_forks_source = "forks";
constexpr std::int64_t k_listing_page_limit = 400;

// The run's allowance: requests (retries included, as the client counts them) and time.
class Budget {
 public:
  // The client sends no request beyond the allowance, retries included; a request it
  // refuses so ends the run as the allowance would (the next run goes on).
  Budget(github::Client& client, const BackfillOptions& options)
      : m_client(client), m_options(options), m_start(client.stats().requests) {
    m_client.set_request_limit(m_start + std::max<std::int64_t>(m_options.max_requests, 0));
  }
  ~Budget() { m_client.set_request_limit(std::nullopt); }
  Budget(const Budget&) = delete;
  Budget& operator=(const Budget&) = delete;

  bool allows(BackfillSummary& summary) {
    if (m_options.cancel && m_options.cancel->load()) {
      summary.cancelled = true;
      return false;
    }
    if (m_options.deadline && m_client.clock().now() >= *m_options.deadline) {
      summary.out_of_time = true;
      return false;
    }
    if (spent() >= m_options.max_requests) {
      summary.out_of_requests = true;
      return false;
    }
    return true;
  }

  std::int64_t spent() const { return m_client.stats().requests - m_start; }

 private:
  github::Client& m_client;
  const BackfillOptions& m_options;
  std::int64_t m_start;
};

// Counts per day, the larger kept when a day comes twice.
void emit(std::map<util::Day, std::int64_t>& counts, util::Day day, std::int64_t count) {
  auto [it, inserted] = counts.try_emplace(day, count);
  if (!inserted && it->second < count) {
    it->second = count;
  }
}

std::vector<core::HistoryCount> as_counts(const std::map<util::Day, std::int64_t>& counts) {
  std::vector<core::HistoryCount> out;
  out.reserve(counts.size());
  for (const auto& [day, count] : counts) {
    out.push_back({day, count});
  }
  return out;
}

enum class PassEnd { done, stopped, not_available, failed };

class RepoBackfill {
 public:
  RepoBackfill(github::Client& client, store::Store& store, const store::RepoRecord& record,
               const core::RepoRef& ref, Budget& budget, BackfillSummary& summary,
               BackfillOutcome& outcome, util::Day today)
      : m_client(client),
        m_store(store),
        m_record(record),
        m_ref(ref),
        m_budget(budget),
        m_summary(summary),
        m_outcome(outcome),
        m_today(today) {}

  void stars() {
    auto state = m_store.backfill_state(m_record.id, core::CountKind::stars);
    if (!state || state->source == k_history_source) {
      auto end = history_pass(state);
      if (end != PassEnd::not_available) {
        return;
      }
      // No star history here: later runs go to the listing at once.
      state = core::BackfillState{};
      state->kind = core::CountKind::stars;
      state->source = k_stargazers_source;
      m_states.push_back(*state);
    }
    m_outcome.stars_source = k_stargazers_source;
    listing_pass(core::CountKind::stars, state, k_stargazers_source, github::stargazers_path(m_ref),
                 m_star_counts, m_outcome.stars_complete);
  }

  void forks() {
    auto state = m_store.backfill_state(m_record.id, core::CountKind::forks);
    listing_pass(core::CountKind::forks, state, k_forks_source, github::forks_path(m_ref),
                 m_fork_counts, m_outcome.forks_complete);
  }

  core::Backfill result() const {
    return {m_record.id, m_record.full_name, as_counts(m_star_counts), as_counts(m_fork_counts),
            m_states};
  }

 private:
  void fail(const std::string& part, const github::ApiError& error) {
    if (error.kind == github::ErrorKind::budget) {
      m_summary.out_of_requests = true;  // not a failure: the next run goes on from here
      return;
    }
    m_outcome.ok = false;
    auto message = util::scrub(fmt::format("{}: {}", part, error.message));
    m_outcome.error += (m_outcome.error.empty() ? "" : "; ") + message;
  }

  // Newest first: the count at the end of a day is the current count less the stars added
  // after it, so every page stands on its own and a pass can stop between pages.
  PassEnd history_pass(const std::optional<core::BackfillState>& previous) {
    m_outcome.stars_source = k_history_source;
    core::BackfillState state;
    state.kind = core::CountKind::stars;
    state.source = k_history_source;
    std::string url;
    std::int64_t remaining = 0;
    const bool resuming = previous && !previous->complete && !previous->next_url.empty();
    if (resuming) {
      state = *previous;
      url = previous->next_url;
      remaining = previous->next_position;
    } else {
      if (previous && previous->through_day && *previous->through_day >= m_today - days{1}) {
        m_outcome.stars_complete = true;
        return PassEnd::done;  // read yesterday already; today is not over
      }
      url = github::star_history_path(m_ref);
      state.pass_until = previous ? previous->through_day : std::nullopt;
    }
    bool first_page = !resuming;
    while (true) {
      if (!m_budget.allows(m_summary)) {
        save_stopped(state, url, remaining);
        return PassEnd::stopped;
      }
      auto page = github::fetch_star_history_page(m_client, url);
      if (!page) {
        if (first_page && page.error().kind == github::ErrorKind::not_found) {
          return PassEnd::not_available;
        }
        fail("stars", page.error());
        if (!first_page) {
          save_stopped(state, url, remaining);
        }
        return PassEnd::failed;
      }
      if (first_page) {
        // Asked after the first page, so that a server without the history spends one
        // request on it: the count the newest day starts from.
        if (!m_budget.allows(m_summary)) {
          return PassEnd::stopped;
        }
        auto repo = github::fetch_repo(m_client, m_ref);
        if (!repo) {
          fail("stars", repo.error());
          return PassEnd::failed;
        }
        remaining = repo->meta.stars;
      }
      const auto today = util::day_of(page->observed_at);
      if (first_page) {
        state.resume_before = today + days{1};
        state.through_day = today - days{1};  // today is not over: the next pass reads it again
        first_page = false;
      }
      std::map<util::Day, std::int64_t> added;
      std::optional<util::Day> oldest;
      for (const auto& week : page->items) {
        oldest = oldest ? std::min(*oldest, week.week) : week.week;
        for (std::size_t i = 0; i < week.days.size(); ++i) {
          added[week.week + days{static_cast<int>(i)}] += week.days[i];
        }
      }
      bool reached_end = !page->next_url || !oldest || remaining <= 0;
      if (oldest) {
        auto stop = state.pass_until ? std::max(*oldest, *state.pass_until + days{1}) : *oldest;
        for (auto day = *state.resume_before - days{1}; day >= stop && remaining > 0;
             day -= days{1}) {
          if (day <= today) {
            emit(m_star_counts, day, remaining);
            auto it = added.find(day);
            remaining -= it == added.end() ? 0 : it->second;
          }
          state.resume_before = day;
        }
        if (remaining <= 0 || (state.pass_until && *oldest <= *state.pass_until)) {
          reached_end = true;
        }
      }
      if (reached_end) {
        state.complete = true;
        state.next_url.clear();
        state.next_position = 0;
        state.resume_before.reset();
        state.pass_until.reset();
        state.updated_at = page->observed_at;
        m_states.push_back(state);
        m_outcome.stars_complete = true;
        return PassEnd::done;
      }
      url = *page->next_url;
      state.updated_at = page->observed_at;
    }
  }

  void save_stopped(core::BackfillState state, const std::string& url, std::int64_t remaining) {
    if (!state.resume_before) {
      return;  // nothing read yet: the next run starts this pass again
    }
    state.complete = false;
    state.next_url = url;
    state.next_position = remaining;
    m_states.push_back(state);
  }

  // Oldest first: an item's position in the listing is the count at its time. Days between
  // listed ones keep the count before them; the day of the last item read stays open until
  // a later item (or the end of the listing) closes it.
  void listing_pass(core::CountKind kind, std::optional<core::BackfillState> previous,
                    const char* source, const std::string& first_url,
                    std::map<util::Day, std::int64_t>& counts, bool& complete) {
    core::BackfillState state;
    if (previous && previous->source == source) {
      state = *previous;
    }
    state.kind = kind;
    state.source = source;
    if (state.complete && state.approximate_from) {
      complete = true;
      m_outcome.notes.push_back(state.note);
      return;  // the listing was cut off: nothing more to read from it
    }
    if (state.complete && state.through_day && *state.through_day >= m_today - days{1}) {
      complete = true;
      return;  // read up to yesterday already; today is not over
    }
    const char* part = kind == core::CountKind::stars ? "stars" : "forks";
    std::string url = state.next_url.empty() ? first_url : state.next_url;
    std::int64_t position = state.next_url.empty() ? 0 : state.next_position;
    std::optional<util::Day> last_emitted =
        state.next_url.empty() ? std::nullopt : state.through_day;
    std::optional<util::Day> open_day;
    std::int64_t open_count = 0;
    auto close_open_day = [&] {
      if (open_day) {
        emit(counts, *open_day, open_count);
        last_emitted = open_day;
        open_day.reset();
      }
    };
    while (true) {
      if (!m_budget.allows(m_summary)) {
        break;
      }
      const std::int64_t position_before = position;
      auto page = kind == core::CountKind::stars ? github::fetch_stargazers_page(m_client, url)
                                                 : github::fetch_forks_page(m_client, url);
      if (!page) {
        if (page.error().status == 422 && position > 0) {
          cut_off(state, part, last_emitted, open_day, complete);
          return;
        }
        fail(part, page.error());
        break;
      }
      const auto today = util::day_of(page->observed_at);
      state.updated_at = page->observed_at;
      if (page->items.empty() && position > 0 && page->next_url) {
        cut_off(state, part, last_emitted, open_day, complete);
        return;
      }
      for (const auto& at : page->items) {
        ++position;
        const auto day = util::day_of(at);
        if (open_day && day > *open_day) {
          close_open_day();
        }
        if (!open_day) {
          if (last_emitted && day <= *last_emitted) {
            continue;  // a day already closed by an earlier run
          }
          if (last_emitted) {
            for (auto d = *last_emitted + days{1}; d < day; d += days{1}) {
              emit(counts, d, position - 1);
            }
          }
          open_day = day;
        }
        open_count = position;
      }
      if (!page->next_url && kind == core::CountKind::stars &&
          cut_at_page_400(position, page->items.size())) {
        cut_off(state, part, last_emitted, open_day, complete);
        return;
      }
      if (!page->next_url) {
        // The whole listing: every day up to today has its count; the next run reads this
        // last page again for what comes after.
        close_open_day();
        if (position > 0) {
          auto from = last_emitted ? *last_emitted + days{1} : today;
          for (auto d = from; d <= today; d += days{1}) {
            emit(counts, d, position);
          }
        }
        state.complete = true;
        state.next_url = page->url;
        state.next_position = position_before;
        state.through_day = today - days{1};
        m_states.push_back(state);
        complete = true;
        return;
      }
      url = *page->next_url;
      state.next_url = url;
      state.next_position = position;
      // The open day may go on on the next page: the days before it are the ones known.
      state.through_day = open_day ? *open_day - days{1} : last_emitted;
      state.complete = false;
    }
    if (!state.next_url.empty()) {
      m_states.push_back(state);  // stopped between pages: the next run goes on from there
    }
  }

  // GitHub's stargazer listing ends at page 400 whatever the count: a last page that is
  // full, 400 pages in, listing fewer stars than the repository's latest snapshot has.
  bool cut_at_page_400(std::int64_t position, std::size_t page_size) {
    if (page_size == 0 || position % static_cast<std::int64_t>(page_size) != 0 ||
        position / static_cast<std::int64_t>(page_size) < k_listing_page_limit) {
      return false;
    }
    auto latest = read::latest_counters(m_store, m_record);
    return latest && latest->stars > position;
  }

  void cut_off(core::BackfillState& state, const char* part, std::optional<util::Day> last_emitted,
               std::optional<util::Day> open_day, bool& complete) {
    // The open day's count may go on past the cut: it is not stored.
    auto from = open_day ? *open_day : (last_emitted ? *last_emitted + days{1} : util::Day{});
    state.complete = true;
    state.approximate_from = from;
    state.through_day = last_emitted;
    state.note = fmt::format(
        "{} of {}: GitHub lists only the first 400 pages, so the {} history ends on {}; from "
        "{} on only the daily snapshots of collections are known",
        part, m_record.full_name, part, last_emitted ? util::format_day(*last_emitted) : "-",
        util::format_day(from));
    m_states.push_back(state);
    m_outcome.notes.push_back(state.note);
    complete = true;
  }

  github::Client& m_client;
  store::Store& m_store;
  const store::RepoRecord& m_record;
  core::RepoRef m_ref;
  Budget& m_budget;
  BackfillSummary& m_summary;
  BackfillOutcome& m_outcome;
  util::Day m_today;  // only to skip asking again what was read today; data days come from Date
  std::map<util::Day, std::int64_t> m_star_counts;
  std::map<util::Day, std::int64_t> m_fork_counts;
  std::vector<core::BackfillState> m_states;
};

}  // namespace

int BackfillSummary::failed() const {
  int n = 0;
  for (const auto& repo : repos) {
    n += repo.ok ? 0 : 1;
  }
  return n;
}

BackfillSummary run_backfill(github::Client& client, store::Store& store,
                             const std::vector<store::RepoRecord>& repos,
                             const BackfillOptions& options) {
  BackfillSummary summary;
  Budget budget(client, options);
  for (const auto& record : repos) {
    BackfillOutcome outcome;
    outcome.full_name = record.full_name;
    auto ref = core::RepoRef::parse(record.full_name);
    if (!ref) {
      outcome.ok = false;
      outcome.error = fmt::format("{} is not an OWNER/REPO name", record.full_name);
      summary.repos.push_back(std::move(outcome));
      continue;
    }
    if (!budget.allows(summary)) {
      break;
    }
    const auto before = budget.spent();
    RepoBackfill backfill(client, store, record, *ref, budget, summary, outcome,
                          options.today.value_or(util::day_of(client.clock().now())));
    backfill.stars();
    backfill.forks();
    outcome.requests = budget.spent() - before;
    auto result = backfill.result();
    if (!result.stars.empty() || !result.forks.empty() || !result.states.empty()) {
      try {
        auto changed = store.commit_backfill(result);
        outcome.new_days = changed.new_days;
        outcome.grown_days = changed.grown_days;
      } catch (const util::Error& e) {
        outcome.ok = false;
        outcome.error = util::scrub(e.what());
      }
    }
    summary.repos.push_back(std::move(outcome));
  }
  summary.requests = budget.spent();
  return summary;
}

}  // namespace ghtraffic::collect
