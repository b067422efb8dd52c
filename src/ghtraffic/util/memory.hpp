// Memory a burst of work freed goes back to the system. glibc keeps what its heaps once
// held for reuse, returning only what lies free at the very top of a heap, so a server
// that answered a burst of requests, or ran a collection, goes on holding that burst's
// memory for as long as it runs, and each busier moment raises it again. Releasing the
// free pages now and then keeps its resident memory at what it uses.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <thread>

namespace ghtraffic::util {

// Gives the free pages of every malloc heap back to the system (glibc's malloc_trim;
// nothing with another C library). Holds each heap's lock in turn while it walks that
// heap's free blocks, so other threads' allocations wait that long.
void release_free_memory();

// The process's resident memory now, in bytes (/proc/self/statm), or 0 where that cannot be
// read.
std::size_t resident_bytes();

// Calls `release` every `every`, on a thread of its own, if work was noted since the last
// call: a busy process gives its freed memory back within `every`, an idle one is not woken
// for nothing beyond a check. `every` of zero never calls it.
class PeriodicRelease {
 public:
  explicit PeriodicRelease(std::chrono::milliseconds every,
                           std::function<void()> release = release_free_memory);
  ~PeriodicRelease();
  PeriodicRelease(const PeriodicRelease&) = delete;
  PeriodicRelease& operator=(const PeriodicRelease&) = delete;

  // Cheap enough for every request: one relaxed store.
  void note_work() noexcept { m_work.store(true, std::memory_order_relaxed); }
  // How many times `release` was called.
  std::size_t releases() const noexcept { return m_releases.load(); }

 private:
  void loop();

  const std::chrono::milliseconds m_every;
  const std::function<void()> m_release;
  std::atomic<bool> m_work{false};
  std::atomic<std::size_t> m_releases{0};
  std::mutex m_mutex;
  std::condition_variable m_wake;
  bool m_stop = false;
  std::thread m_thread;
};

}  // namespace ghtraffic::util
