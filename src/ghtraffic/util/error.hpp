// Error kinds shared by every layer. An Error is something the user can fix (a bad flag,
// a missing token, an unreadable file): main prints its message on one line and exits
// with its exit code. Expected failures of a single request or repository are values
// (std::expected), never exceptions.
#pragma once

#include <fmt/format.h>

#include <stdexcept>
#include <string>

namespace ghtraffic::util {

enum ExitCode : int {
  k_exit_ok = 0,
  k_exit_partial = 1,  // some repositories failed
  k_exit_usage = 2,    // usage or configuration error
  k_exit_busy = 3,     // the store is locked by another collection
};

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message, int exit_code = k_exit_usage)
      : std::runtime_error(message), m_exit_code(exit_code) {}

  template <typename... Args>
  explicit Error(fmt::format_string<Args...> format, Args&&... args)
      : Error(fmt::format(format, std::forward<Args>(args)...)) {}

  int exit_code() const { return m_exit_code; }

 private:
  int m_exit_code;
};

// A broken invariant: a bug, not a user mistake.
class Fatal : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

}  // namespace ghtraffic::util
