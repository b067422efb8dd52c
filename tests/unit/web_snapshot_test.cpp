// The dashboard's snapshot: a repository collected again is read from its recent days on
// and ends up the same as one read whole; an import of older days reads it whole; a recent
// snapshot answers the overview until the whole one is loaded. And the server's worker
// pool, which must not let connections that send nothing keep others waiting.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <string>
#include <thread>

#include "ghtraffic/store/store.hpp"
#include "ghtraffic/web/api.hpp"
#include "ghtraffic/web/snapshot.hpp"
#include "ghtraffic/web/task_pool.hpp"
#include "store_test_support.hpp"
#include "support/eventually.hpp"

using namespace ghtraffic;
using namespace ghtraffic::store::testing;

namespace {

// Forwards to a real store and notes what the snapshot reads.
class ReadLog final : public store::Store {
 public:
  explicit ReadLog(store::Store& inner) : m_inner(inner) {}

  std::vector<std::optional<util::Day>> day_reads;  // the `from` of each days() call
  int window_reads = 0;

  std::string describe() const override { return m_inner.describe(); }
  store::CommitResult commit(const core::RepoObservation& o) override { return m_inner.commit(o); }
  std::optional<core::CachedResponse> cached_response(const std::string& url) override {
    return m_inner.cached_response(url);
  }
  std::int64_t begin_run(util::Timestamp at) override { return m_inner.begin_run(at); }
  void finish_run(std::int64_t id, util::Timestamp at, int ok, int failed) override {
    m_inner.finish_run(id, at, ok, failed);
  }
  void record_attempt(const store::RepoAttempt& a) override { m_inner.record_attempt(a); }
  std::vector<store::RepoRecord> repositories() override { return m_inner.repositories(); }
  std::vector<store::DayRecord> days(core::RepoId repo, core::TrafficKind kind,
                                     const store::DayRange& range) override {
    day_reads.push_back(range.from);
    return m_inner.days(repo, kind, range);
  }
  std::vector<store::WindowRecord> windows(core::RepoId repo) override {
    ++window_reads;
    return m_inner.windows(repo);
  }
  std::vector<core::PathSnapshot> path_snapshots(core::RepoId repo,
                                                 const store::DayRange& range) override {
    return m_inner.path_snapshots(repo, range);
  }
  std::vector<core::ReferrerSnapshot> referrer_snapshots(core::RepoId repo,
                                                         const store::DayRange& range) override {
    return m_inner.referrer_snapshots(repo, range);
  }
  std::vector<core::CounterSnapshot> counters(core::RepoId repo,
                                              const store::DayRange& range) override {
    return m_inner.counters(repo, range);
  }
  std::vector<core::RepoEvent> events(core::RepoId repo) override { return m_inner.events(repo); }
  std::optional<store::RunRecord> last_run() override { return m_inner.last_run(); }
  std::vector<store::RepoAttempt> attempts() override { return m_inner.attempts(); }

  void forget() {
    day_reads.clear();
    window_reads = 0;
  }

 private:
  store::Store& m_inner;
};

// "YYYY-MM-DD" of an observation time "YYYY-MM-DDTHH:MM:SSZ".
const char* at_text_day(const char* at_text) {
  static thread_local std::string text;
  text.assign(at_text, 10);
  return text.c_str();
}

core::RepoObservation collected(const char* at_text, std::vector<core::DayCount> views,
                                std::int64_t uniques, std::int64_t stars) {
  auto o = observation(1, "acme/alpha", at_text);
  o.views = window(core::TrafficKind::views, at_text, std::move(views), 0, uniques);
  o.clones = window(core::TrafficKind::clones, at_text, {{day(at_text_day(at_text)), 1, 1}}, 1, 1);
  o.meta.stars = stars;
  return o;
}

// Everything a view reads of one repository, field by field.
void expect_same(const web::RepoData& a, const web::RepoData& b) {
  EXPECT_EQ(a.record.last_collected, b.record.last_collected);
  EXPECT_EQ(a.first, b.first);
  ASSERT_EQ(a.cells.size(), b.cells.size());
  for (std::size_t i = 0; i < a.cells.size(); ++i) {
    EXPECT_EQ(a.cells[i].views, b.cells[i].views) << i;
    EXPECT_EQ(a.cells[i].views_unique, b.cells[i].views_unique) << i;
    EXPECT_EQ(a.cells[i].clones, b.cells[i].clones) << i;
    EXPECT_EQ(a.cells[i].clones_unique, b.cells[i].clones_unique) << i;
  }
  EXPECT_EQ(a.views_total, b.views_total);
  EXPECT_EQ(a.clones_total, b.clones_total);
  ASSERT_EQ(a.views_windows.size(), b.views_windows.size());
  for (std::size_t i = 0; i < a.views_windows.size(); ++i) {
    EXPECT_EQ(a.views_windows[i].observed_at, b.views_windows[i].observed_at);
    EXPECT_EQ(a.views_windows[i].uniques, b.views_windows[i].uniques);
  }
  ASSERT_EQ(a.latest_counters.has_value(), b.latest_counters.has_value());
  if (a.latest_counters) {
    EXPECT_EQ(a.latest_counters->stars, b.latest_counters->stars);
  }
}

class web_snapshot : public ::testing::Test {
 protected:
  void SetUp() override {
    m_store = store::make_store("sqlite:" + m_dir.file("s.db"));
    // A collection in January, a gap, then one on 03-20 (covers 03-06..03-20).
    m_store->commit(collected("2026-01-15T12:00:00Z", {{day("2026-01-10"), 4, 2}}, 2, 3));
    m_store->commit(collected("2026-03-20T12:00:00Z", {{day("2026-03-10"), 5, 2}}, 3, 4));
  }

  TempDir m_dir;
  std::unique_ptr<store::Store> m_store;
};

}  // namespace

TEST_F(web_snapshot, a_repository_collected_again_reads_its_recent_days_only_and_ends_the_same) {
  ReadLog log(*m_store);
  auto before = web::load_snapshot(log, nullptr);
  // The next collection raises 03-10 (R2), covers 03-21 with 6 views and 03-22 with none.
  m_store->commit(collected("2026-03-22T12:00:00Z",
                            {{day("2026-03-10"), 8, 3}, {day("2026-03-21"), 6, 1}}, 5, 9));
  log.forget();
  auto after = web::load_snapshot(log, before.get());
  // From 16 days before the previous collection: never the January days again.
  EXPECT_THAT(log.day_reads, ::testing::Each(::testing::Eq(day("2026-03-04"))));
  EXPECT_EQ(log.window_reads, 1);

  auto whole = web::load_snapshot(*m_store, nullptr);
  ASSERT_EQ(after->repos.size(), 1u);
  expect_same(*after->repos[0], *whole->repos[0]);
  EXPECT_EQ(after->repos[0]->at(day("2026-03-10"))->views, 8);
  EXPECT_EQ(after->repos[0]->at(day("2026-01-10"))->views, 4);
  EXPECT_EQ(after->repos[0]->at(day("2026-03-22"))->views, 0);  // covered, no views
  EXPECT_LT(after->repos[0]->at(day("2026-02-15"))->views, 0);  // still a gap (R3)
  EXPECT_EQ(after->repos[0]->views_total, 4 + 8 + 6);
  EXPECT_EQ(after->repos[0]->clones_total, 3);  // one clone on each day collected
}

TEST_F(web_snapshot, older_days_stored_later_read_the_repository_whole) {
  ReadLog log(*m_store);
  auto before = web::load_snapshot(log, nullptr);
  // An observation from December committed now: the first day moves back, the last
  // collection does not move.
  m_store->commit(collected("2025-12-20T12:00:00Z", {{day("2025-12-12"), 2, 1}}, 1, 1));
  log.forget();
  auto after = web::load_snapshot(log, before.get());
  EXPECT_THAT(log.day_reads, ::testing::Each(::testing::Eq(std::nullopt)));
  EXPECT_EQ(log.window_reads, 1);
  expect_same(*after->repos[0], *web::load_snapshot(*m_store, nullptr)->repos[0]);
  EXPECT_EQ(after->repos[0]->at(day("2025-12-12"))->views, 2);
}

TEST_F(web_snapshot, a_recent_snapshot_answers_the_overview_until_the_whole_one_is_loaded) {
  auto today = day("2026-03-22");
  web::SnapshotCache cache;
  cache.load_recent(*m_store, today - std::chrono::days{web::k_recent_days - 1});
  auto recent = cache.get(*m_store, today - std::chrono::days{29});
  ASSERT_FALSE(recent->complete);
  EXPECT_EQ(recent->repos[0]->at(day("2026-01-10")), nullptr);  // not read yet
  auto whole_snapshot = web::load_snapshot(*m_store, nullptr);
  EXPECT_EQ(web::repos_json(*recent, today, {}), web::repos_json(*whole_snapshot, today, {}));

  auto whole = cache.get(*m_store);  // no day given: every day
  ASSERT_TRUE(whole->complete);
  EXPECT_EQ(whole->repos[0]->at(day("2026-01-10"))->views, 4);
  EXPECT_EQ(cache.get(*m_store, today), whole);
}

TEST(web_task_pool, connections_that_send_nothing_do_not_keep_other_work_waiting) {
  web::TaskPool pool(2, 64, std::chrono::milliseconds(50));
  std::promise<void> release_promise;
  std::shared_future<void> release = release_promise.get_future().share();
  std::atomic<int> waiting{0};
  for (int i = 0; i < 20; ++i) {  // twenty idle connections, each holding a thread
    pool.enqueue([&waiting, release] {
      ++waiting;
      release.wait();
    });
  }
  std::promise<void> answered;
  auto done = answered.get_future();
  pool.enqueue([&answered] { answered.set_value(); });
  // A fixed pool of two would never get to it while the twenty wait.
  EXPECT_EQ(done.wait_for(std::chrono::seconds(30)), std::future_status::ready);
  EXPECT_GE(pool.threads(), 21u);
  release_promise.set_value();
  // The threads beyond the steady two end once idle.
  for (int i = 0; i < 600 && pool.threads() > 2; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(pool.threads(), 2u);
  EXPECT_EQ(waiting.load(), 20);
  pool.shutdown();
  EXPECT_EQ(pool.threads(), 0u);
}

TEST(web_task_pool, a_burst_of_short_jobs_is_done_by_the_threads_there_are) {
  // A thousand connections closed at once are a thousand jobs of microseconds each: the
  // two threads are done with them long before a thread started for each would be.
  web::TaskPool pool(2, 2048, std::chrono::milliseconds(50), std::chrono::milliseconds(20));
  std::atomic<int> ran{0};
  for (int i = 0; i < 2000; ++i) {
    pool.enqueue([&ran] { ++ran; });
  }
  ghtraffic::testing::eventually([&ran] { return ran.load() >= 2000; });
  EXPECT_EQ(ran.load(), 2000);
  // One more thread at most every 20 ms while work waits: a few, never hundreds.
  EXPECT_LE(pool.most_threads(), 12u);
  pool.shutdown();
}

TEST(web_task_pool, threads_started_for_a_burst_end_although_a_trickle_of_work_goes_on) {
  // Steady traffic after a burst: each job is taken by the thread idle the shortest time,
  // so the others stay idle and end after their linger. Handed round all of them, every
  // thread would be woken within its linger and the pool would never shrink.
  web::TaskPool pool(1, 64, std::chrono::milliseconds(300), std::chrono::milliseconds(1));
  std::promise<void> release_promise;
  std::shared_future<void> release = release_promise.get_future().share();
  for (int i = 0; i < 8; ++i) {  // eight slow requests: the pool grows to eight threads
    pool.enqueue([release] { release.wait(); });
  }
  ghtraffic::testing::eventually([&pool] { return pool.threads() >= 8; });
  ASSERT_GE(pool.threads(), 8u);
  release_promise.set_value();
  // A short job every 10 ms for a while: one thread is enough for it.
  std::atomic<int> ran{0};
  for (int i = 0; i < 300 && (i < 100 || pool.threads() > 2); ++i) {
    pool.enqueue([&ran] { ++ran; });
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_LE(pool.threads(), 2u);
  EXPECT_GE(ran.load(), 100);
  pool.shutdown();
}

TEST(web_task_pool, runs_what_is_queued_before_it_shuts_down) {
  std::atomic<int> ran{0};
  {
    web::TaskPool pool(1, 1, std::chrono::milliseconds(50));
    for (int i = 0; i < 100; ++i) {
      pool.enqueue([&ran] { ++ran; });
    }
    pool.shutdown();
  }
  EXPECT_EQ(ran.load(), 100);
}
