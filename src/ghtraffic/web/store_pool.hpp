// A few store connections for the server's request threads: a Store is used by one thread
// at a time, and a request borrows one for as long as it reads.
#pragma once

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "ghtraffic/store/store.hpp"

namespace ghtraffic::web {

class StorePool {
 public:
  using Open = std::function<std::unique_ptr<store::Store>()>;

  // Opens connections with open, lazily, at most size of them.
  StorePool(Open open, int size) : m_open(std::move(open)), m_size(size) {}

  class Lease {
   public:
    Lease(StorePool& pool, std::unique_ptr<store::Store> store)
        : m_pool(&pool), m_store(std::move(store)) {}
    Lease(Lease&& other) noexcept = default;
    Lease& operator=(Lease&&) = delete;
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease() {
      if (m_store) {
        m_pool->give_back(std::move(m_store));
      }
    }
    store::Store& operator*() const { return *m_store; }
    store::Store* operator->() const { return m_store.get(); }

   private:
    StorePool* m_pool;
    std::unique_ptr<store::Store> m_store;
  };

  Lease acquire() {
    std::unique_lock lock(m_mutex);
    m_returned.wait(lock, [this] { return !m_idle.empty() || m_opened < m_size; });
    if (!m_idle.empty()) {
      auto store = std::move(m_idle.back());
      m_idle.pop_back();
      return Lease(*this, std::move(store));
    }
    ++m_opened;
    lock.unlock();
    try {
      return Lease(*this, m_open());
    } catch (...) {
      std::lock_guard relock(m_mutex);
      --m_opened;
      m_returned.notify_one();
      throw;
    }
  }

 private:
  void give_back(std::unique_ptr<store::Store> store) {
    {
      std::lock_guard lock(m_mutex);
      m_idle.push_back(std::move(store));
    }
    m_returned.notify_one();
  }

  Open m_open;
  int m_size;
  std::mutex m_mutex;
  std::condition_variable m_returned;
  std::vector<std::unique_ptr<store::Store>> m_idle;
  int m_opened = 0;
};

}  // namespace ghtraffic::web
