// An exclusive advisory lock on a file (flock), held for the lifetime of a FileLock. The
// holder writes its pid into the file so that a refused process can say who holds it.
// The kernel releases the lock when the holder exits, however it exits.
#pragma once

#include <sys/types.h>

#include <expected>
#include <string>

namespace ghtraffic::util {

// Why a lock was not taken: another open file description holds it.
struct LockHeld {
  pid_t pid = 0;  // 0 when the holder has not written its pid yet
};

class FileLock {
 public:
  // Creates the file if needed and takes the lock without waiting. Throws util::Error when
  // the file cannot be opened or locked for another reason than being held.
  static std::expected<FileLock, LockHeld> try_acquire(const std::string& path);

  FileLock(FileLock&& other) noexcept;
  FileLock& operator=(FileLock&& other) noexcept;
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;
  ~FileLock();

  const std::string& path() const { return m_path; }

 private:
  FileLock(std::string path, int fd) : m_path(std::move(path)), m_fd(fd) {}
  void release() noexcept;

  std::string m_path;
  int m_fd = -1;
};

}  // namespace ghtraffic::util
