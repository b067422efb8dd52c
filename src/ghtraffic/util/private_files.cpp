#include "ghtraffic/util/private_files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

#include "ghtraffic/util/error.hpp"

namespace ghtraffic::util {

void create_private_folders(const std::string& path, const std::string& what) {
  namespace fs = std::filesystem;
  std::vector<fs::path> missing;
  std::error_code error;
  for (auto folder = fs::path(path).lexically_normal(); !folder.empty();
       folder = folder.parent_path()) {
    if (fs::exists(folder, error) || folder == folder.root_path()) {
      break;
    }
    missing.push_back(folder);
  }
  for (auto it = missing.rbegin(); it != missing.rend(); ++it) {
    // mkdir applies the umask, which may also take away the owner's own bits: chmod sets
    // exactly 0700 on the folders created here.
    if (::mkdir(it->c_str(), k_private_folder_mode) != 0 && errno != EEXIST) {
      throw Error("could not create the folder {} for {}: {}", it->string(), what,
                  std::strerror(errno));
    }
    ::chmod(it->c_str(), k_private_folder_mode);
  }
}

namespace {

int open_new_file(const std::string& path, mode_t mode) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd >= 0 && ::fchmod(fd, mode) != 0) {
    int saved = errno;
    ::close(fd);
    ::unlink(path.c_str());
    errno = saved;
    return -1;
  }
  return fd;
}

}  // namespace

int open_replacement_file(const std::string& temporary, const std::string& target) {
  struct stat info {};
  bool replaces = ::stat(target.c_str(), &info) == 0 && S_ISREG(info.st_mode);
  return open_new_file(temporary, replaces ? (info.st_mode & 07777) : k_private_file_mode);
}

bool create_private_file(const std::string& path) {
  int fd = open_new_file(path, k_private_file_mode);
  if (fd < 0) {
    return errno == EEXIST;
  }
  ::close(fd);
  return true;
}

std::optional<std::string> exposed_secret_warning(const std::string& path,
                                                  const std::string& what) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0 || (info.st_mode & 077) == 0) {
    return std::nullopt;
  }
  return fmt::format(
      "{} {} is open to other users (mode {:04o}): anyone who can read it can use the "
      "token; make it private with chmod 600 {}",
      what, path, info.st_mode & 07777, path);
}

}  // namespace ghtraffic::util
