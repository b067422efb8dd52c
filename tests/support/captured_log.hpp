// The log lines written while one lives, kept from the test output and readable by the
// test (ghtraffic's log takes a plain function as its sink, so they are kept in one place
// for the process). Thread-safe: collections log from their worker threads.
#pragma once

#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "ghtraffic/util/log.hpp"

namespace ghtraffic::testing {

class CapturedLog {
 public:
  CapturedLog() {
    clear();
    util::set_log_sink(&append);
  }
  CapturedLog(const CapturedLog&) = delete;
  CapturedLog& operator=(const CapturedLog&) = delete;
  ~CapturedLog() { util::reset_log_sink(); }

  static std::vector<std::string> lines() {
    std::lock_guard lock(state().mutex);
    return state().lines;
  }
  // Every line, each followed by a newline.
  static std::string text() {
    std::string out;
    for (const auto& line : lines()) {
      out += line + "\n";
    }
    return out;
  }
  static void clear() {
    std::lock_guard lock(state().mutex);
    state().lines.clear();
  }

 private:
  struct State {
    std::mutex mutex;
    std::vector<std::string> lines;
  };
  static State& state() {
    static State kept;
    return kept;
  }
  static void append(std::string_view line) {
    std::lock_guard lock(state().mutex);
    state().lines.emplace_back(line);
  }
};

}  // namespace ghtraffic::testing
