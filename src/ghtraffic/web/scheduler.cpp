#include "ghtraffic/web/scheduler.hpp"

#include <algorithm>
#include <cctype>
#include <random>

#include "ghtraffic/collect/app_session.hpp"
#include "ghtraffic/collect/github_transport.hpp"
#include "ghtraffic/store/store.hpp"
#include "ghtraffic/util/error.hpp"
#include "ghtraffic/util/log.hpp"
#include "ghtraffic/util/memory.hpp"
#include "ghtraffic/util/number.hpp"
#include "ghtraffic/util/redact.hpp"

namespace ghtraffic::web {
namespace {

std::string describe_interval(std::chrono::seconds interval) {
  auto s = interval.count();
  if (s % 86400 == 0) {
    return fmt::format("{}d", s / 86400);
  }
  if (s % 3600 == 0) {
    return fmt::format("{}h", s / 3600);
  }
  if (s % 60 == 0) {
    return fmt::format("{}m", s / 60);
  }
  return fmt::format("{}s", s);
}

std::string deferred_text(const collect::Summary& summary) {
  if (summary.deferred.empty()) {
    return {};
  }
  std::string reasons;
  for (auto reason : collect::k_defer_reasons) {
    if (int count = summary.deferred_count(reason); count > 0) {
      reasons +=
          fmt::format("{}{} {}", reasons.empty() ? "" : ", ", count, collect::to_string(reason));
    }
  }
  return fmt::format("; {} deferred to a later run ({})",
                     util::counted(summary.deferred.size(), "repository", "repositories"), reasons);
}

void log_collection(const RunReport& report, const collect::Summary& summary) {
  if (summary.failed_listings() > 0) {
    for (const auto& message : summary.errors) {
      util::log_error("{}", message);
    }
    util::log_error(
        "collection failed: {} collected, {} failed, {} of repositories could not be read",
        util::counted(report.repos_ok, "repository", "repositories"), summary.failed(),
        util::counted(summary.failed_listings(), "list", "lists"));
  } else {
    util::log_info("collection ended: {} collected, {} failed{}{}",
                   util::counted(report.repos_ok, "repository", "repositories"),
                   report.repos_failed,
                   summary.partial() > 0 ? fmt::format(" ({} stored in part)", summary.partial())
                                         : std::string(),
                   deferred_text(summary));
  }
}

BackfillReport backfill_report(const collect::ScheduledBackfill& pass, util::Timestamp at) {
  BackfillReport report;
  report.at = at;
  report.ran = pass.ran;
  report.skipped = pass.skipped;
  report.error = pass.error;
  report.allowed = pass.allowance;
  report.requests = pass.summary.requests;
  report.repos = static_cast<int>(pass.summary.repos.size());
  report.advanced = pass.advanced();
  report.failed = pass.summary.failed();
  if (pass.summary.cancelled) {
    report.stopped = "shutdown";
  } else if (pass.summary.out_of_time) {
    report.stopped = "deadline";
  } else if (pass.summary.out_of_requests) {
    report.stopped = "budget";
  }
  return report;
}

}  // namespace

std::optional<util::Timestamp> resume_time(const collect::Summary& summary,
                                           const github::ClientStats& stats, util::Timestamp now,
                                           util::Clock::SteadyTime steady_now) {
  if (summary.deferred_count(collect::DeferReason::rate_limit) == 0 || !stats.core_reset_steady) {
    return std::nullopt;
  }
  auto until_reset = std::max(
      std::chrono::duration_cast<std::chrono::seconds>(*stats.core_reset_steady - steady_now),
      std::chrono::seconds(0));
  return now + until_reset + k_resume_margin;
}

std::optional<util::Timestamp> backfill_deadline(util::Timestamp now, std::chrono::seconds interval,
                                                 double jitter, std::chrono::seconds max_jitter,
                                                 std::optional<util::Timestamp> resume) {
  auto spread = std::min(std::chrono::seconds(static_cast<std::int64_t>(
                             static_cast<double>(interval.count()) * jitter)),
                         max_jitter);
  auto next = now + interval - spread;
  if (resume && *resume < next) {
    next = *resume;
  }
  // A tenth of the time there is, at most a minute: the pass's last request and its commit.
  auto margin = std::min<std::chrono::seconds>((next - now) / 10, std::chrono::minutes(1));
  return next - margin;
}

std::optional<std::chrono::seconds> parse_interval(std::string_view text) {
  if (text == "off") {
    return std::nullopt;
  }
  auto bad = [&] {
    return util::Error(
        "--collect-every: \"{}\" is not a duration; write it like 24h, 90m, 30s, 1h30m or off",
        text);
  };
  std::int64_t total = 0;
  std::size_t i = 0;
  if (text.empty()) {
    throw bad();
  }
  while (i < text.size()) {
    std::int64_t number = 0;
    std::size_t digits = 0;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])) != 0) {
      number = number * 10 + (text[i] - '0');
      if (number > 10'000'000) {
        throw bad();
      }
      ++i;
      ++digits;
    }
    if (digits == 0 || i == text.size()) {
      throw bad();
    }
    switch (text[i++]) {
      case 'd':
        total += number * 86400;
        break;
      case 'h':
        total += number * 3600;
        break;
      case 'm':
        total += number * 60;
        break;
      case 's':
        total += number;
        break;
      default:
        throw bad();
    }
  }
  if (total <= 0) {
    throw bad();
  }
  return std::chrono::seconds(total);
}

Scheduler::Scheduler(SchedulerOptions options, std::function<void()> on_finished,
                     util::Clock& clock)
    : m_options(std::move(options)), m_on_finished(std::move(on_finished)), m_clock(clock) {}

Scheduler::~Scheduler() {
  request_stop();
  join();
}

void Scheduler::start() {
  m_thread = std::thread([this] { loop(); });
}

void Scheduler::request_stop() {
  {
    std::lock_guard lock(m_mutex);
    m_cancel = true;
  }
  m_wake.notify_all();
}

void Scheduler::join() {
  if (m_thread.joinable()) {
    m_thread.join();
  }
}

SchedulerState Scheduler::state() const {
  std::lock_guard lock(m_mutex);
  SchedulerState state;
  state.enabled = true;
  state.interval = m_options.interval;
  state.running = m_running;
  state.next_run_at = m_next_run;
  state.last_run = m_last_run;
  state.rate_limit = m_rate_limit;
  state.backfill_enabled = m_options.backfill.enabled;
  state.backfill = m_backfill;
  state.backfill_requests_total = m_backfill_requests;
  return state;
}

std::map<std::string, std::string> Scheduler::repo_errors() const {
  std::lock_guard lock(m_mutex);
  return m_repo_errors;
}

int Scheduler::runs() const {
  std::lock_guard lock(m_mutex);
  return m_runs;
}

std::chrono::seconds Scheduler::jittered(std::chrono::seconds interval) {
  auto spread = std::min<double>(static_cast<double>(interval.count()) * m_options.jitter,
                                 static_cast<double>(m_options.max_jitter.count()));
  static thread_local std::mt19937_64 random{std::random_device{}()};
  std::uniform_real_distribution<double> offset(-spread, spread);
  auto seconds = static_cast<std::int64_t>(static_cast<double>(interval.count()) + offset(random));
  return std::chrono::seconds(std::max<std::int64_t>(seconds, 1));
}

// Due now when the store has no finished run, or its last one ended an interval ago.
util::Timestamp Scheduler::first_run_time() {
  auto now = m_clock.now();
  try {
    auto store = store::make_store(m_options.store_url);
    auto last = store->last_run();
    if (last && last->finished_at && *last->finished_at + m_options.interval > now) {
      auto next = *last->finished_at + m_options.interval;
      util::log_info("last collection ended {}; the next one starts at {}",
                     util::format_iso8601(*last->finished_at), util::format_iso8601(next));
      return next;
    }
  } catch (const util::Error& e) {
    util::log_warn("could not read the last collection from the store: {}", e.what());
  }
  return now;
}

void Scheduler::loop() {
  util::log_info("collecting every {} (with up to {:.0f}% jitter)",
                 describe_interval(m_options.interval), m_options.jitter * 100);
  auto next = first_run_time();
  while (true) {
    {
      std::unique_lock lock(m_mutex);
      m_next_run = next;
      // The wall clock decides; waking every second keeps a changed clock from stalling us.
      while (!m_cancel && m_clock.now() < next) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(next - m_clock.now());
        m_wake.wait_for(lock, std::min(left, std::chrono::milliseconds(1000)));
      }
      if (m_cancel) {
        m_next_run.reset();
        return;
      }
      m_running = true;
    }
    run_once();
    // A collection's memory (its answers, the freshness pass over every repository) is
    // freed by now; give it back instead of holding it until the next one.
    util::release_free_memory();
    next = m_clock.now() + jittered(m_options.interval);
    bool busy = false;
    {
      std::lock_guard lock(m_mutex);
      if (m_resume && *m_resume < next) {
        next = *m_resume;
        util::log_info("the next collection starts at {}, when the rate limit is whole again",
                       util::format_iso8601(next));
      }
      busy =
          m_last_run && m_last_run->repos_ok == 0 && m_last_run->repos_failed == 0 &&
          !m_last_run->errors.empty() &&
          m_last_run->errors.front().second.find("another ghtraffic collect") != std::string::npos;
    }
    if (busy) {
      next = m_clock.now() + std::min(m_options.retry_when_busy, m_options.interval);
    }
  }
}

void Scheduler::run_once() {
  RunReport report;
  report.started_at = m_clock.now();
  std::map<std::string, std::string> repo_errors;
  RateLimit rate_limit;
  std::optional<util::Timestamp> resume;
  std::optional<BackfillReport> backfill;
  {
    std::lock_guard lock(m_mutex);
    rate_limit = m_rate_limit;
  }
  util::log_info("collection started");
  try {
    auto lock = store::lock_for_collect(m_options.store_url);
    auto store = store::make_store(m_options.store_url);
    auto transport = collect::make_github_transport();
    collect::RunAccounts run_accounts(m_options.app, m_options.client, *transport, m_clock);
    auto plan = m_options.plan;
    plan.cancel = &m_cancel;
    auto summary = collect::run_collection(run_accounts.accounts(), *store, plan, nullptr, m_clock);
    report.started_at = summary.started_at;
    report.finished_at = summary.finished_at;
    report.repos_ok = static_cast<int>(summary.repos.size()) - summary.failed();
    // As in the runs log: a listing that failed counts as a failure.
    report.repos_failed = summary.failed() + summary.failed_listings();
    report.ok = summary.all_ok();
    for (const auto& message : summary.errors) {
      report.errors.emplace_back("", message);
    }
    for (const auto& repo : summary.repos) {
      if (!repo.ok) {
        report.errors.emplace_back(repo.full_name, repo.problem());
        repo_errors[repo.full_name] = repo.problem();
      }
    }
    resume = resume_time(summary, collect::combined_stats(run_accounts.accounts()), m_clock.now(),
                         m_clock.steady_now());
    log_collection(report, summary);
    // Its own failure is its own: the collection above is committed and stays a success.
    auto pass = collect::run_scheduled_backfill(
        run_accounts.accounts(), *store, summary, m_options.backfill,
        backfill_deadline(m_clock.now(), m_options.interval, m_options.jitter, m_options.max_jitter,
                          resume),
        &m_cancel);
    backfill = backfill_report(pass, m_clock.now());
    auto stats = collect::combined_stats(run_accounts.accounts());
    if (stats.rate_limit_remaining >= 0) {
      rate_limit.remaining = stats.rate_limit_remaining;
      rate_limit.limit =
          stats.rate_limit_limit >= 0 ? std::optional(stats.rate_limit_limit) : std::nullopt;
      rate_limit.reset = stats.rate_limit_reset;
    }
  } catch (const std::exception& e) {
    report.finished_at = m_clock.now();
    report.ok = false;
    report.errors.emplace_back("", util::scrub(e.what()));
    util::log_error("collection failed: {}", util::scrub(e.what()));
  }
  {
    std::lock_guard lock(m_mutex);
    m_last_run = std::move(report);
    m_repo_errors = std::move(repo_errors);
    m_rate_limit = rate_limit;
    m_resume = resume;
    if (backfill) {
      m_backfill_requests += backfill->requests;
      m_backfill = std::move(backfill);
    }
    m_running = false;
    ++m_runs;
  }
  if (m_on_finished) {
    m_on_finished();
  }
}

}  // namespace ghtraffic::web
