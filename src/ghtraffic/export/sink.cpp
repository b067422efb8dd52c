#include "ghtraffic/export/sink.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <string_view>
#include <system_error>
#include <utility>

#include "ghtraffic/util/error.hpp"
#include "ghtraffic/util/private_files.hpp"
#include "ghtraffic/util/strings.hpp"

namespace ghtraffic::exports {
namespace {

namespace fs = std::filesystem;

class UniqueFd {
 public:
  explicit UniqueFd(int fd) : m_fd(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : m_fd(std::exchange(other.m_fd, -1)) {}
  UniqueFd& operator=(UniqueFd&&) = delete;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() {
    if (m_fd >= 0) {
      ::close(m_fd);
    }
  }

  int get() const { return m_fd; }
  bool valid() const { return m_fd >= 0; }
  // Closes now so that a failing close (NFS reports write errors there) can be reported.
  bool close() { return ::close(std::exchange(m_fd, -1)) == 0; }

 private:
  int m_fd;
};

std::string error_text(int error) {
  return std::generic_category().message(error);
}

[[noreturn]] void fail(const fs::path& file, std::string_view what, int error) {
  throw util::Error(
      fmt::format("cannot write export file {}: {} ({})", file.string(), what, error_text(error)));
}

bool write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    auto written = ::write(fd, data.data(), data.size());
    if (written < 0) {
      if (errno == EINTR) {
        continue;
      }
      return false;
    }
    data.remove_prefix(static_cast<size_t>(written));
  }
  return true;
}

// A temporary name in the target's folder, unique across processes and calls, hidden so
// that tools listing the folder do not pick it up.
fs::path temporary_name(const fs::path& target) {
  static std::atomic<unsigned> counter{0};
  return target.parent_path() /
         fmt::format(".{}.{}.{}.tmp", target.filename().string(), ::getpid(), counter++);
}

void sync_folder(const fs::path& folder) {
  UniqueFd fd(::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.valid()) {
    ::fsync(fd.get());  // best effort: some file systems refuse fsync on folders
  }
}

void write_atomically(const fs::path& target, std::string_view content) {
  auto temp = temporary_name(target);
  UniqueFd fd(util::open_replacement_file(temp.string(), target.string()));
  if (!fd.valid()) {
    fail(target, "cannot create a temporary file in its folder", errno);
  }
  auto remove_temp = [&] { ::unlink(temp.c_str()); };
  if (!write_all(fd.get(), content)) {
    int error = errno;
    remove_temp();
    fail(target, "write failed", error);
  }
  if (::fsync(fd.get()) != 0) {
    int error = errno;
    remove_temp();
    fail(target, "flushing to disk failed", error);
  }
  if (!fd.close()) {
    int error = errno;
    remove_temp();
    fail(target, "closing failed", error);
  }
  if (::rename(temp.c_str(), target.c_str()) != 0) {
    int error = errno;
    remove_temp();
    fail(target, "renaming the temporary file into place failed", error);
  }
  sync_folder(target.parent_path());
}

class DirectorySink final : public Sink {
 public:
  explicit DirectorySink(fs::path root) : m_root(std::move(root)) { create_folder(m_root); }

  void write(const std::string& relative_path, const std::string& content) override {
    check_relative_path(relative_path);
    auto target = m_root / fs::path(relative_path);
    create_folder(target.parent_path());
    write_atomically(target, content);
  }

 private:
  static void create_folder(const fs::path& folder) {
    util::create_private_folders(folder.string(), "the export");
  }

  fs::path m_root;
};

}  // namespace

void check_relative_path(const std::string& relative_path) {
  bool ok = !relative_path.empty() && relative_path.front() != '/';
  if (ok) {
    for (const auto& part : util::split(relative_path, '/')) {
      if (part.empty() || part == "." || part == ".." || part.find('\0') != std::string::npos) {
        ok = false;
        break;
      }
    }
  }
  if (!ok) {
    throw util::Fatal("export path is not a plain relative path: " + relative_path);
  }
}

std::unique_ptr<Sink> make_directory_sink(const std::filesystem::path& root) {
  return std::make_unique<DirectorySink>(root);
}

void MemorySink::write(const std::string& relative_path, const std::string& content) {
  check_relative_path(relative_path);
  m_files[relative_path] = content;
}

}  // namespace ghtraffic::exports
