#include "support/local_aws.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <regex>
#include <stdexcept>
#include <thread>

namespace ghtraffic::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr auto k_start_timeout = 30s;
constexpr int k_start_attempts = 5;

fs::path source_dir() {
  if (const char* env = std::getenv("GHTRAFFIC_SOURCE_DIR"); env && *env) {
    return env;
  }
#ifdef GHTRAFFIC_SOURCE_DIR
  return GHTRAFFIC_SOURCE_DIR;
#else
  // This file lives in <source>/tests/support/.
  return fs::path(__FILE__).parent_path().parent_path().parent_path();
#endif
}

fs::path require_binary(const std::string& name) {
  auto path = fs::path(node_bin_dir()) / name;
  if (!fs::exists(path)) {
    throw std::runtime_error(name + " is not installed at " + path.string() +
                             "; run scripts/setup to install the npm test servers");
  }
  return path;
}

int free_loopback_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    throw std::runtime_error("socket() failed while looking for a free port");
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ::close(fd);
    throw std::runtime_error("could not bind a loopback port");
  }
  int port = ntohs(addr.sin_port);
  ::close(fd);
  return port;
}

}  // namespace

std::string node_bin_dir() {
  return (source_dir() / "node_modules" / ".bin").string();
}

struct LocalAwsServer::Impl {
  pid_t pid = -1;
  int out_fd = -1;
  int port = 0;
  std::string data_dir;
  mutable std::mutex mutex;
  std::string output;
  std::thread drain;

  ~Impl() {
    stop();
    if (!data_dir.empty()) {
      std::error_code ec;
      fs::remove_all(data_dir, ec);
    }
  }

  void append(const char* data, size_t size) {
    std::lock_guard lock(mutex);
    output.append(data, size);
    if (output.size() > 64 * 1024) {
      output.erase(0, output.size() - 64 * 1024);
    }
  }

  std::string text() const {
    std::lock_guard lock(mutex);
    return output;
  }

  void spawn(const std::vector<std::string>& argv) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) {
      throw std::runtime_error("pipe2 failed");
    }
    std::vector<char*> argv_c;
    for (const auto& a : argv) {
      argv_c.push_back(const_cast<char*>(a.c_str()));
    }
    argv_c.push_back(nullptr);
    pid = ::fork();
    if (pid < 0) {
      throw std::runtime_error("fork failed");
    }
    if (pid == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      ::setpgid(0, 0);
      ::dup2(fds[1], STDOUT_FILENO);
      ::dup2(fds[1], STDERR_FILENO);
      int devnull = ::open("/dev/null", O_RDONLY);
      ::dup2(devnull, STDIN_FILENO);
      ::execv(argv_c[0], argv_c.data());
      ::_exit(127);
    }
    ::close(fds[1]);
    out_fd = fds[0];
  }

  // Reads the child's output until it says it is listening; false when it exited first.
  bool wait_listening() {
    auto deadline = std::chrono::steady_clock::now() + k_start_timeout;
    char buffer[4096];
    while (std::chrono::steady_clock::now() < deadline) {
      pollfd pfd{out_fd, POLLIN, 0};
      if (::poll(&pfd, 1, 100) <= 0) {
        continue;
      }
      auto got = ::read(out_fd, buffer, sizeof buffer);
      if (got <= 0) {
        return false;
      }
      append(buffer, static_cast<size_t>(got));
      if (text().find("listening") != std::string::npos) {
        return true;
      }
    }
    throw std::runtime_error("the local AWS server did not start within 30 s; it printed: " +
                             text());
  }

  // Keeps reading so that a chatty server never blocks on a full pipe.
  void start_drain() {
    drain = std::thread([this] {
      char buffer[4096];
      while (true) {
        auto got = ::read(out_fd, buffer, sizeof buffer);
        if (got <= 0) {
          return;
        }
        append(buffer, static_cast<size_t>(got));
      }
    });
  }

  void stop() {
    if (pid > 0) {
      ::kill(-pid, SIGTERM);
      ::kill(pid, SIGTERM);
      int status = 0;
      auto deadline = std::chrono::steady_clock::now() + 3s;
      bool reaped = false;
      while (std::chrono::steady_clock::now() < deadline) {
        if (::waitpid(pid, &status, WNOHANG) == pid) {
          reaped = true;
          break;
        }
        std::this_thread::sleep_for(20ms);
      }
      if (!reaped) {
        ::kill(-pid, SIGKILL);
        ::kill(pid, SIGKILL);
        ::waitpid(pid, &status, 0);
      }
      pid = -1;
    }
    if (drain.joinable()) {
      drain.join();
    }
    if (out_fd >= 0) {
      ::close(out_fd);
      out_fd = -1;
    }
  }
};

LocalAwsServer::LocalAwsServer(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
LocalAwsServer::LocalAwsServer(LocalAwsServer&&) noexcept = default;
LocalAwsServer& LocalAwsServer::operator=(LocalAwsServer&&) noexcept = default;
LocalAwsServer::~LocalAwsServer() = default;

LocalAwsServer LocalAwsServer::dynalite() {
  return dynalite({"--createTableMs", "0", "--deleteTableMs", "0", "--updateTableMs", "0"});
}

LocalAwsServer LocalAwsServer::dynalite(const std::vector<std::string>& extra_args) {
  auto binary = require_binary("dynalite");
  std::string last_output;
  // dynalite cannot be told to pick its own port, so a free one is chosen here; another
  // process may take it first, hence the retries.
  for (int attempt = 0; attempt < k_start_attempts; ++attempt) {
    auto impl = std::make_unique<Impl>();
    impl->port = free_loopback_port();
    std::vector<std::string> argv{binary.string(), "--host", "127.0.0.1", "--port",
                                  std::to_string(impl->port)};
    argv.insert(argv.end(), extra_args.begin(), extra_args.end());
    impl->spawn(argv);
    if (impl->wait_listening()) {
      impl->start_drain();
      return LocalAwsServer(std::move(impl));
    }
    last_output = impl->text();
  }
  throw std::runtime_error(
      "dynalite did not start (is Node.js installed? run scripts/setup); "
      "it printed: " +
      last_output);
}

LocalAwsServer LocalAwsServer::s3rver() {
  return s3rver({});
}

LocalAwsServer LocalAwsServer::s3rver(const std::vector<std::string>& buckets) {
  auto binary = require_binary("s3rver");
  std::string last_output;
  for (int attempt = 0; attempt < k_start_attempts; ++attempt) {
    auto impl = std::make_unique<Impl>();
    auto pattern = (fs::temp_directory_path() / "ghtraffic-s3rver-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
      throw std::runtime_error("mkdtemp failed for the s3rver data folder");
    }
    impl->data_dir = pattern;
    std::vector<std::string> argv{
        binary.string(), "-d", impl->data_dir, "-a", "127.0.0.1", "-p", "0", "--silent"};
    for (const auto& bucket : buckets) {
      argv.push_back("--configure-bucket");
      argv.push_back(bucket);
    }
    impl->spawn(argv);
    if (impl->wait_listening()) {
      static const std::regex listening(R"(listening on [^\s:]+:(\d+))");
      std::smatch match;
      auto text = impl->text();
      if (!std::regex_search(text, match, listening)) {
        throw std::runtime_error("could not read s3rver's port from: " + text);
      }
      impl->port = std::stoi(match[1].str());
      impl->start_drain();
      return LocalAwsServer(std::move(impl));
    }
    last_output = impl->text();
  }
  throw std::runtime_error(
      "s3rver did not start (is Node.js installed? run scripts/setup); "
      "it printed: " +
      last_output);
}

std::string LocalAwsServer::endpoint() const {
  return "http://127.0.0.1:" + std::to_string(m_impl->port);
}

int LocalAwsServer::port() const {
  return m_impl->port;
}

std::string LocalAwsServer::data_dir() const {
  return m_impl->data_dir;
}

void LocalAwsServer::stop() {
  m_impl->stop();
}

std::string LocalAwsServer::output() const {
  return m_impl->text();
}

}  // namespace ghtraffic::testing
