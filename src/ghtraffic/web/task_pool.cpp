#include "ghtraffic/web/task_pool.hpp"

#include <algorithm>

#include "ghtraffic/util/log.hpp"

namespace ghtraffic::web {

TaskPool::TaskPool(std::size_t steady, std::size_t most, std::chrono::milliseconds linger,
                   std::chrono::milliseconds start_after)
    : m_steady(std::max<std::size_t>(steady, 1)),
      m_most(std::max(most, std::max<std::size_t>(steady, 1))),
      m_linger(linger),
      m_start_after(start_after) {
  std::lock_guard lock(m_mutex);
  for (std::size_t i = 0; i < m_steady; ++i) {
    start_thread();
  }
  m_watcher = std::thread([this] { watch(); });
}

TaskPool::~TaskPool() {
  shutdown();
}

void TaskPool::start_thread() {
  try {
    std::thread([this] { work(); }).detach();
    ++m_alive;
    ++m_starting;
    m_most_alive = std::max(m_most_alive, m_alive);
  } catch (const std::system_error& e) {
    // Out of threads: the job waits for a busy one instead.
    util::log_warn("could not start another server thread ({} running): {}", m_alive, e.what());
  }
}

void TaskPool::enqueue(std::function<void()> fn) {
  std::lock_guard lock(m_mutex);
  if (m_shutdown) {
    return;
  }
  m_jobs.push_back({std::move(fn), Clock::now()});
  if (m_jobs.size() > ready()) {
    if (m_alive < m_steady) {
      start_thread();  // one that could not be started before
    } else if (m_alive < m_most) {
      m_waiting.notify_one();
    }
  }
  wake_one();
}

void TaskPool::wake_one() {
  if (m_idle_threads.empty()) {
    return;
  }
  Idle* idle = m_idle_threads.back();
  m_idle_threads.pop_back();
  idle->woken = true;
  idle->wake.notify_one();
}

void TaskPool::shutdown() {
  std::unique_lock lock(m_mutex);
  m_shutdown = true;
  while (!m_idle_threads.empty()) {
    wake_one();
  }
  m_waiting.notify_all();
  if (m_watcher.joinable()) {
    lock.unlock();
    m_watcher.join();
    lock.lock();
  }
  m_ended.wait(lock, [this] { return m_alive == 0; });
}

std::size_t TaskPool::threads() const {
  std::lock_guard lock(m_mutex);
  return m_alive;
}

std::size_t TaskPool::most_threads() const {
  std::lock_guard lock(m_mutex);
  return m_most_alive;
}

void TaskPool::watch() {
  std::unique_lock lock(m_mutex);
  while (!m_shutdown) {
    if (m_jobs.size() <= ready() || m_alive >= m_most) {
      m_waiting.wait(lock);
      continue;
    }
    // The jobs beyond the threads about to take them, oldest first (the queue's order).
    const auto due = m_jobs[ready()].queued + m_start_after;
    if (Clock::now() < due) {
      m_waiting.wait_until(lock, due);
      continue;
    }
    // One thread more, then a moment for the queue to drain before another: a burst of
    // short jobs is done by the threads there are, while work that holds its threads
    // (slow requests) still gets one every start_after.
    start_thread();
    m_waiting.wait_until(lock, Clock::now() + m_start_after, [this] { return m_shutdown; });
  }
}

void TaskPool::work() {
  std::unique_lock lock(m_mutex);
  --m_starting;
  for (;;) {
    if (m_jobs.empty()) {
      if (m_shutdown) {
        break;
      }
      Idle me;
      m_idle_threads.push_back(&me);
      ++m_idle;
      const bool woken = me.wake.wait_until(lock, Clock::now() + m_linger,
                                            [&me, this] { return me.woken || m_shutdown; });
      --m_idle;
      if (!me.woken) {
        std::erase(m_idle_threads, &me);
      }
      if (!woken && m_jobs.empty() && m_alive > m_steady) {
        break;
      }
      continue;
    }
    auto job = std::move(m_jobs.front().fn);
    m_jobs.pop_front();
    lock.unlock();
    try {
      job();
    } catch (const std::exception& e) {
      util::log_error("a server thread's request failed: {}", e.what());
    }
    lock.lock();
  }
  --m_alive;
  m_ended.notify_all();
}

}  // namespace ghtraffic::web
