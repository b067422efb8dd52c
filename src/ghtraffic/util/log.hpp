// Logging to stderr. Every line is scrubbed of secrets. On a terminal one status line
// (progress) stays at the bottom and log lines are printed above it.
#pragma once

#include <fmt/format.h>

#include <string>
#include <string_view>

namespace ghtraffic::util {

enum class LogLevel { quiet = 0, normal = 1, verbose = 2, debug = 3 };

void set_log_level(LogLevel level);
LogLevel log_level();

// Where log lines go; tests capture them. Defaults to stderr.
void set_log_sink(void (*sink)(std::string_view line));
void reset_log_sink();

void log_line(LogLevel level, std::string_view message);

// The status line: shown only when stderr is a terminal and the level is not quiet.
bool status_line_enabled();
void set_status_line(std::string_view text);
void clear_status_line();

template <typename... Args>
void log_error(fmt::format_string<Args...> format, Args&&... args) {
  log_line(LogLevel::quiet, "error: " + fmt::format(format, std::forward<Args>(args)...));
}

template <typename... Args>
void log_warn(fmt::format_string<Args...> format, Args&&... args) {
  log_line(LogLevel::normal, "warning: " + fmt::format(format, std::forward<Args>(args)...));
}

template <typename... Args>
void log_info(fmt::format_string<Args...> format, Args&&... args) {
  log_line(LogLevel::normal, fmt::format(format, std::forward<Args>(args)...));
}

template <typename... Args>
void log_verbose(fmt::format_string<Args...> format, Args&&... args) {
  if (log_level() >= LogLevel::verbose) {
    log_line(LogLevel::verbose, fmt::format(format, std::forward<Args>(args)...));
  }
}

template <typename... Args>
void log_debug(fmt::format_string<Args...> format, Args&&... args) {
  if (log_level() >= LogLevel::debug) {
    log_line(LogLevel::debug, fmt::format(format, std::forward<Args>(args)...));
  }
}

}  // namespace ghtraffic::util
