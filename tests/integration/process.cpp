#include "process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <thread>

namespace ghtraffic::testing {
namespace {

std::vector<std::string> build_env(const std::map<std::string, std::string>& overrides) {
  std::map<std::string, std::string> env;
  for (const char* keep : {"PATH", "HOME", "ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"}) {
    if (const char* v = std::getenv(keep)) {
      env[keep] = v;
    }
  }
  for (const auto& [k, v] : overrides) {
    if (v.empty()) {
      env.erase(k);
    } else {
      env[k] = v;
    }
  }
  std::vector<std::string> out;
  for (const auto& [k, v] : env) {
    out.push_back(k + "=" + v);
  }
  return out;
}

}  // namespace

ProcessResult run_process(const std::vector<std::string>& argv, const ProcessOptions& options) {
  int out_pipe[2];
  int err_pipe[2];
  int in_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0 || ::pipe2(err_pipe, O_CLOEXEC) != 0 ||
      ::pipe2(in_pipe, O_CLOEXEC) != 0) {
    throw std::runtime_error("pipe failed");
  }
  auto env = build_env(options.env);
  std::vector<char*> argv_c;
  for (const auto& a : argv) {
    argv_c.push_back(const_cast<char*>(a.c_str()));
  }
  argv_c.push_back(nullptr);
  std::vector<char*> env_c;
  for (const auto& e : env) {
    env_c.push_back(const_cast<char*>(e.c_str()));
  }
  env_c.push_back(nullptr);

  pid_t pid = ::fork();
  if (pid < 0) {
    throw std::runtime_error("fork failed");
  }
  if (pid == 0) {
    ::dup2(in_pipe[0], STDIN_FILENO);
    ::dup2(out_pipe[1], STDOUT_FILENO);
    ::dup2(err_pipe[1], STDERR_FILENO);
    ::execve(argv_c[0], argv_c.data(), env_c.data());
    ::_exit(127);
  }
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  ::close(in_pipe[0]);
  if (!options.stdin_text.empty()) {
    auto written = ::write(in_pipe[1], options.stdin_text.data(), options.stdin_text.size());
    (void)written;
  }
  ::close(in_pipe[1]);

  ProcessResult result;
  auto start = std::chrono::steady_clock::now();
  bool killed = false;
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  int open_fds = 2;
  char buffer[65536];
  while (open_fds > 0) {
    int timeout_ms = 100;
    if (options.kill_after && !killed) {
      auto left = *options.kill_after - std::chrono::duration_cast<std::chrono::milliseconds>(
                                            std::chrono::steady_clock::now() - start);
      if (left.count() <= 0) {
        ::kill(pid, SIGKILL);
        killed = true;
      } else {
        timeout_ms = static_cast<int>(std::min<long>(left.count(), 100));
      }
    }
    int n = ::poll(fds, 2, timeout_ms);
    if (n <= 0) {
      continue;
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) {
        continue;
      }
      auto got = ::read(fds[i].fd, buffer, sizeof buffer);
      if (got <= 0) {
        ::close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      } else {
        (i == 0 ? result.out : result.err).append(buffer, static_cast<size_t>(got));
      }
    }
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (WIFEXITED(status)) {
    result.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    result.signal = WTERMSIG(status);
  }
  return result;
}

ProcessResult run_ghtraffic(const std::vector<std::string>& args, const ProcessOptions& options) {
  std::vector<std::string> argv{GHTRAFFIC_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  auto opts = options;
  if (!opts.env.contains("XDG_DATA_HOME")) {
    opts.env["XDG_DATA_HOME"] = scratch_dir("xdg");
  }
  return run_process(argv, opts);
}

BackgroundProcess::BackgroundProcess(const std::vector<std::string>& args,
                                     const std::map<std::string, std::string>& env,
                                     const std::string& err_path) {
  int out[2];
  if (::pipe2(out, O_CLOEXEC) != 0) {
    throw std::runtime_error("pipe failed");
  }
  std::vector<std::string> argv{GHTRAFFIC_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  std::vector<std::string> environment;
  for (const auto& [k, v] : env) {
    environment.push_back(k + "=" + v);
  }
  environment.push_back(std::string("PATH=") + (std::getenv("PATH") ? std::getenv("PATH") : ""));
  std::vector<char*> argv_c;
  for (auto& a : argv) {
    argv_c.push_back(a.data());
  }
  argv_c.push_back(nullptr);
  std::vector<char*> env_c;
  for (auto& e : environment) {
    env_c.push_back(e.data());
  }
  env_c.push_back(nullptr);
  m_pid = ::fork();
  if (m_pid < 0) {
    throw std::runtime_error("fork failed");
  }
  if (m_pid == 0) {
    int err = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(out[1], STDOUT_FILENO);
    ::dup2(err, STDERR_FILENO);
    ::execve(argv_c[0], argv_c.data(), env_c.data());
    ::_exit(127);
  }
  ::close(out[1]);
  m_out = out[0];
}

BackgroundProcess::~BackgroundProcess() {
  if (m_pid > 0 && !m_exited) {
    ::kill(m_pid, SIGKILL);
    ::waitpid(m_pid, nullptr, 0);
  }
  ::close(m_out);
}

int BackgroundProcess::wait_for_port(std::string_view prefix, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    auto at = m_out_text.find(prefix);
    if (at != std::string::npos && m_out_text.find('/', at + prefix.size()) != std::string::npos) {
      return std::stoi(m_out_text.substr(at + prefix.size()));
    }
    pollfd fd{m_out, POLLIN, 0};
    if (::poll(&fd, 1, 100) > 0) {
      char buffer[256];
      auto got = ::read(m_out, buffer, sizeof buffer);
      if (got <= 0) {
        return 0;
      }
      m_out_text.append(buffer, static_cast<size_t>(got));
    }
  }
  return 0;
}

void BackgroundProcess::signal(int sig) {
  ::kill(m_pid, sig);
}

int BackgroundProcess::wait_exit(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (::waitpid(m_pid, &status, WNOHANG) == m_pid) {
      m_exited = true;
      return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return -1;
}

std::string scratch_dir(const std::string& name) {
  static const auto root = [] {
    auto base =
        std::filesystem::temp_directory_path() / ("ghtraffic-it-" + std::to_string(::getpid()));
    std::filesystem::create_directories(base);
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(
          std::filesystem::temp_directory_path() / ("ghtraffic-it-" + std::to_string(::getpid())),
          ec);
    });
    return base;
  }();
  static int counter = 0;
  auto dir = root / (name + "-" + std::to_string(++counter));
  std::filesystem::create_directories(dir);
  return dir.string();
}

}  // namespace ghtraffic::testing
