#include "ghtraffic/web/task_pool.hpp"

#include <algorithm>
#include <thread>

#include "ghtraffic/util/log.hpp"

namespace ghtraffic::web {

TaskPool::TaskPool(std::size_t steady, std::size_t most, std::chrono::milliseconds linger)
    : m_steady(std::max<std::size_t>(steady, 1)),
      m_most(std::max(most, std::max<std::size_t>(steady, 1))),
      m_linger(linger) {
  std::lock_guard lock(m_mutex);
  for (std::size_t i = 0; i < m_steady; ++i) {
    start_thread();
  }
}

TaskPool::~TaskPool() {
  shutdown();
}

void TaskPool::start_thread() {
  try {
    std::thread([this] { work(); }).detach();
    ++m_alive;
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
  m_jobs.push_back(std::move(fn));
  if (m_jobs.size() > m_idle && m_alive < m_most) {
    start_thread();
  }
  m_wake.notify_one();
}

void TaskPool::shutdown() {
  std::unique_lock lock(m_mutex);
  m_shutdown = true;
  m_wake.notify_all();
  m_ended.wait(lock, [this] { return m_alive == 0; });
}

std::size_t TaskPool::threads() const {
  std::lock_guard lock(m_mutex);
  return m_alive;
}

void TaskPool::work() {
  std::unique_lock lock(m_mutex);
  for (;;) {
    ++m_idle;
    bool woke = m_wake.wait_for(lock, m_linger, [this] { return m_shutdown || !m_jobs.empty(); });
    --m_idle;
    if (m_jobs.empty() && (m_shutdown || (!woke && m_alive > m_steady))) {
      break;
    }
    if (m_jobs.empty()) {
      continue;
    }
    auto job = std::move(m_jobs.front());
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
