#include "ghtraffic/util/file_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string_view>
#include <utility>

#include "ghtraffic/util/error.hpp"
#include "ghtraffic/util/number.hpp"
#include "ghtraffic/util/strings.hpp"

namespace ghtraffic::util {

namespace {

pid_t read_pid(int fd) {
  char buffer[32] = {};
  auto n = ::pread(fd, buffer, sizeof buffer - 1, 0);
  if (n <= 0) {
    return 0;
  }
  return parse_int<pid_t>(trim(std::string_view(buffer, static_cast<std::size_t>(n))), 1)
      .value_or(0);
}

void write_pid(int fd) {
  auto text = std::to_string(::getpid()) + "\n";
  // The pid is only informative: a failure to record it must not fail the lock.
  if (::ftruncate(fd, 0) == 0) {
    [[maybe_unused]] auto written = ::pwrite(fd, text.data(), text.size(), 0);
  }
}

}  // namespace

std::expected<FileLock, LockHeld> FileLock::try_acquire(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    throw Error("could not open the lock file {}: {}", path, std::strerror(errno));
  }
  while (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    if (errno == EINTR) {
      continue;
    }
    int error = errno;
    if (error == EWOULDBLOCK) {
      LockHeld held{read_pid(fd)};
      ::close(fd);
      return std::unexpected(held);
    }
    ::close(fd);
    throw Error("could not lock {}: {}", path, std::strerror(error));
  }
  write_pid(fd);
  return FileLock(path, fd);
}

FileLock::FileLock(FileLock&& other) noexcept
    : m_path(std::move(other.m_path)), m_fd(std::exchange(other.m_fd, -1)) {}

FileLock& FileLock::operator=(FileLock&& other) noexcept {
  if (this != &other) {
    release();
    m_path = std::move(other.m_path);
    m_fd = std::exchange(other.m_fd, -1);
  }
  return *this;
}

FileLock::~FileLock() {
  release();
}

void FileLock::release() noexcept {
  if (m_fd >= 0) {
    // Clear the pid so that nobody blames a finished process; closing drops the lock.
    [[maybe_unused]] auto truncated = ::ftruncate(m_fd, 0);
    ::close(m_fd);
    m_fd = -1;
  }
}

}  // namespace ghtraffic::util
