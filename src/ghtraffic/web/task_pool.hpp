// The server's worker threads. cpp-httplib gives each connection a thread for as long as it
// stays open, idle keep-alive connections included, so a fixed pool of a few threads is
// taken by a few hundred connections that send nothing, and every other client waits in
// the queue behind them. This pool keeps `steady` threads and starts more, up to `most`,
// for work that has waited `start_after` while every thread was busy; a thread beyond
// `steady` ends after `linger` without work. A job goes to the thread idle the shortest
// time, so that under steady traffic after a burst the threads it started stay idle and
// end, instead of each being woken in turn within its linger and kept forever. Waiting a moment
// before starting one keeps a burst of short jobs (a thousand connections closed at once, each
// answered in microseconds) from starting a thread for each: the busy threads are done with them
// first, and the memory of threads started for nothing stays unspent.
#pragma once

#include <httplib.h>

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace ghtraffic::web {

class TaskPool : public httplib::TaskQueue {
 public:
  TaskPool(std::size_t steady, std::size_t most, std::chrono::milliseconds linger,
           std::chrono::milliseconds start_after = std::chrono::milliseconds(5));
  ~TaskPool() override;
  TaskPool(const TaskPool&) = delete;
  TaskPool& operator=(const TaskPool&) = delete;

  void enqueue(std::function<void()> fn) override;
  // Runs what is queued, then returns once every thread has ended.
  void shutdown() override;

  // Threads alive now, and the most alive at once so far (for tests and figures).
  std::size_t threads() const;
  std::size_t most_threads() const;

 private:
  using Clock = std::chrono::steady_clock;
  struct Job {
    std::function<void()> fn;
    Clock::time_point queued;
  };
  // A thread waiting for work, on the stack of idle threads.
  struct Idle {
    std::condition_variable wake;
    bool woken = false;
  };

  void start_thread();                                       // with m_mutex held
  std::size_t ready() const { return m_idle + m_starting; }  // with m_mutex held
  void wake_one();                                           // with m_mutex held
  void work();
  void watch();  // starts threads for work that waits

  const std::size_t m_steady;
  const std::size_t m_most;
  const std::chrono::milliseconds m_linger;
  const std::chrono::milliseconds m_start_after;
  mutable std::mutex m_mutex;
  std::condition_variable m_waiting;  // wakes the watcher
  std::condition_variable m_ended;
  std::deque<Job> m_jobs;
  std::size_t m_alive = 0;
  std::size_t m_starting = 0;         // started, not yet looking for work
  std::size_t m_idle = 0;             // waiting, or woken and not yet looking at the queue
  std::vector<Idle*> m_idle_threads;  // waiting; the last went idle last
  std::size_t m_most_alive = 0;
  bool m_shutdown = false;
  std::thread m_watcher;
};

}  // namespace ghtraffic::web
