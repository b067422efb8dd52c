#include "ghtraffic/util/memory.hpp"

#include <unistd.h>

#include <cstdio>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace ghtraffic::util {

void release_free_memory() {
#if defined(__GLIBC__)
  ::malloc_trim(0);
#endif
}

std::size_t resident_bytes() {
  std::FILE* statm = std::fopen("/proc/self/statm", "r");
  if (statm == nullptr) {
    return 0;
  }
  unsigned long size = 0;
  unsigned long resident = 0;
  const int read = std::fscanf(statm, "%lu %lu", &size, &resident);
  std::fclose(statm);
  const long page = ::sysconf(_SC_PAGESIZE);
  if (read != 2 || page <= 0) {
    return 0;
  }
  return static_cast<std::size_t>(resident) * static_cast<std::size_t>(page);
}

PeriodicRelease::PeriodicRelease(std::chrono::milliseconds every, std::function<void()> release)
    : m_every(every), m_release(std::move(release)) {
  if (m_every.count() > 0 && m_release) {
    m_thread = std::thread([this] { loop(); });
  }
}

PeriodicRelease::~PeriodicRelease() {
  {
    std::lock_guard lock(m_mutex);
    m_stop = true;
  }
  m_wake.notify_all();
  if (m_thread.joinable()) {
    m_thread.join();
  }
}

void PeriodicRelease::loop() {
  std::unique_lock lock(m_mutex);
  while (!m_wake.wait_for(lock, m_every, [this] { return m_stop; })) {
    if (!m_work.exchange(false, std::memory_order_relaxed)) {
      continue;
    }
    lock.unlock();
    m_release();
    m_releases.fetch_add(1);
    lock.lock();
  }
}

}  // namespace ghtraffic::util
