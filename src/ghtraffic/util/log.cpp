#include "ghtraffic/util/log.hpp"

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <mutex>

#include "ghtraffic/util/redact.hpp"

namespace ghtraffic::util {
namespace {

std::atomic<LogLevel> g_level{LogLevel::normal};
std::mutex g_mutex;
std::string g_status;

void stderr_sink(std::string_view line) {
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fputc('\n', stderr);
}

std::atomic<void (*)(std::string_view)> g_sink{&stderr_sink};

bool stderr_is_terminal() {
  static const bool is_tty = ::isatty(STDERR_FILENO) == 1;
  return is_tty;
}

void erase_status_locked() {
  if (!g_status.empty()) {
    std::fputs("\r\033[2K", stderr);
  }
}

void draw_status_locked() {
  if (!g_status.empty()) {
    std::fwrite(g_status.data(), 1, g_status.size(), stderr);
    std::fflush(stderr);
  }
}

}  // namespace

void set_log_level(LogLevel level) {
  g_level = level;
}
LogLevel log_level() {
  return g_level;
}

void set_log_sink(void (*sink)(std::string_view line)) {
  g_sink = sink;
}
void reset_log_sink() {
  g_sink = &stderr_sink;
}

void log_line(LogLevel level, std::string_view message) {
  if (level > g_level.load()) {
    return;
  }
  auto clean = scrub(message);
  std::lock_guard lock(g_mutex);
  bool to_terminal = g_sink.load() == &stderr_sink;
  if (to_terminal) {
    erase_status_locked();
  }
  g_sink.load()(clean);
  if (to_terminal) {
    draw_status_locked();
  }
}

bool status_line_enabled() {
  return stderr_is_terminal() && g_level.load() != LogLevel::quiet;
}

void set_status_line(std::string_view text) {
  if (!status_line_enabled()) {
    return;
  }
  std::lock_guard lock(g_mutex);
  erase_status_locked();
  g_status = scrub(text);
  draw_status_locked();
}

void clear_status_line() {
  if (!status_line_enabled()) {
    return;
  }
  std::lock_guard lock(g_mutex);
  erase_status_locked();
  g_status.clear();
  std::fflush(stderr);
}

}  // namespace ghtraffic::util
