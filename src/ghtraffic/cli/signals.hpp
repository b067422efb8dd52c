// Ctrl-C and SIGTERM for the commands that run until stopped (serve, demo).
#pragma once

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <thread>

namespace ghtraffic::cli {

// SIGINT and SIGTERM are blocked in every thread and taken by one waiting thread, which
// runs the command's stop; blocking must happen before any thread starts.
class SignalWaiter {
 public:
  SignalWaiter() {
    sigemptyset(&m_set);
    sigaddset(&m_set, SIGINT);
    sigaddset(&m_set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &m_set, nullptr);
  }
  ~SignalWaiter() {
    if (m_thread.joinable()) {
      if (!m_fired) {
        ::kill(::getpid(), SIGTERM);  // wakes the waiting thread
      }
      m_thread.join();
    }
    pthread_sigmask(SIG_UNBLOCK, &m_set, nullptr);
  }
  SignalWaiter(const SignalWaiter&) = delete;
  SignalWaiter& operator=(const SignalWaiter&) = delete;

  template <typename F>
  void on_signal(F stop) {
    m_thread = std::thread([this, stop] {
      int signal = 0;
      sigwait(&m_set, &signal);
      m_fired = true;
      stop(signal);
    });
  }

 private:
  sigset_t m_set{};
  std::atomic<bool> m_fired{false};
  std::thread m_thread;
};

}  // namespace ghtraffic::cli
