// The server's worker threads. cpp-httplib gives each connection a thread for as long as it
// stays open, idle keep-alive connections included, so a fixed pool of a few threads is
// taken by a few hundred connections that send nothing, and every other client waits in
// the queue behind them. This pool keeps `steady` threads and starts more while every one
// is busy, up to `most`; a thread beyond `steady` ends after `linger` without work.
#pragma once

#include <httplib.h>

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>

namespace ghtraffic::web {

class TaskPool : public httplib::TaskQueue {
 public:
  TaskPool(std::size_t steady, std::size_t most, std::chrono::milliseconds linger);
  ~TaskPool() override;
  TaskPool(const TaskPool&) = delete;
  TaskPool& operator=(const TaskPool&) = delete;

  void enqueue(std::function<void()> fn) override;
  // Runs what is queued, then returns once every thread has ended.
  void shutdown() override;

  // Threads alive now (for tests and figures).
  std::size_t threads() const;

 private:
  void start_thread();  // with m_mutex held
  void work();

  const std::size_t m_steady;
  const std::size_t m_most;
  const std::chrono::milliseconds m_linger;
  mutable std::mutex m_mutex;
  std::condition_variable m_wake;
  std::condition_variable m_ended;
  std::deque<std::function<void()>> m_jobs;
  std::size_t m_alive = 0;
  std::size_t m_idle = 0;
  bool m_shutdown = false;
};

}  // namespace ghtraffic::web
