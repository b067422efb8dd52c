#include "child.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace ghtraffic::bench {
namespace {

class SpawnFileActions {
 public:
  SpawnFileActions() { posix_spawn_file_actions_init(&m_actions); }
  ~SpawnFileActions() { posix_spawn_file_actions_destroy(&m_actions); }
  SpawnFileActions(const SpawnFileActions&) = delete;
  SpawnFileActions& operator=(const SpawnFileActions&) = delete;

  void open(int fd, const std::string& path, int flags) {
    posix_spawn_file_actions_addopen(&m_actions, fd, path.c_str(), flags, 0644);
  }
  const posix_spawn_file_actions_t* get() const { return &m_actions; }

 private:
  posix_spawn_file_actions_t m_actions;
};

std::vector<char*> c_strings(const std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (const auto& s : strings) {
    out.push_back(const_cast<char*>(s.c_str()));
  }
  out.push_back(nullptr);
  return out;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::chrono::microseconds to_duration(const timeval& tv) {
  return std::chrono::seconds(tv.tv_sec) + std::chrono::microseconds(tv.tv_usec);
}

// Kills the child if it outlives its deadline. The child is only reaped after the
// watchdog has stood down, so its pid cannot have been reused when it is signalled.
class Watchdog {
 public:
  Watchdog(pid_t pid, std::chrono::seconds timeout)
      : m_thread([this, pid, timeout] {
          std::unique_lock lock(m_mutex);
          if (!m_done.wait_for(lock, timeout, [this] { return m_stand_down; })) {
            m_fired = true;
            ::kill(pid, SIGKILL);
          }
        }) {}
  ~Watchdog() { stand_down(); }
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

  // Returns whether the watchdog killed the child.
  bool stand_down() {
    {
      std::lock_guard lock(m_mutex);
      m_stand_down = true;
    }
    m_done.notify_all();
    if (m_thread.joinable()) {
      m_thread.join();
    }
    return m_fired;
  }

 private:
  std::mutex m_mutex;
  std::condition_variable m_done;
  bool m_stand_down = false;
  bool m_fired = false;
  std::thread m_thread;
};

// The launcher's report: "USER_US SYSTEM_US MAX_RSS_KIB" of the program it ran.
bool read_launcher_usage(const std::string& path, ChildRun& run) {
  std::ifstream in(path);
  long long user_us = 0;
  long long system_us = 0;
  long long max_rss_kib = 0;
  if (!(in >> user_us >> system_us >> max_rss_kib)) {
    return false;
  }
  run.user_cpu = std::chrono::microseconds(user_us);
  run.system_cpu = std::chrono::microseconds(system_us);
  run.max_rss_kib = max_rss_kib;
  return true;
}

}  // namespace

int launcher_main(int argc, char** argv) {
  if (argc < 4) {
    std::fputs("usage: ghtraffic-bench --measured-launcher USAGE_FILE PROGRAM [ARG...]\n", stderr);
    return 127;
  }
  const std::string usage_path = argv[2];
  const pid_t launcher = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    std::fprintf(stderr, "could not start %s: %s\n", argv[3], std::strerror(errno));
    return 127;
  }
  if (pid == 0) {
    // Killed with the launcher (the benchmark's watchdog kills the launcher).
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != launcher) {
      ::_exit(127);
    }
    ::execv(argv[3], argv + 3);
    std::fprintf(stderr, "could not start %s: %s\n", argv[3], std::strerror(errno));
    ::_exit(127);
  }
  int status = 0;
  rusage usage{};
  while (::wait4(pid, &status, 0, &usage) < 0 && errno == EINTR) {
  }
  {
    std::ofstream out(usage_path, std::ios::trunc);
    out << to_duration(usage.ru_utime).count() << ' ' << to_duration(usage.ru_stime).count() << ' '
        << usage.ru_maxrss << '\n';
  }
  if (WIFSIGNALED(status)) {
    ::signal(WTERMSIG(status), SIG_DFL);
    ::raise(WTERMSIG(status));
    return 128 + WTERMSIG(status);
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 127;
}

ChildRun run_child(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                   const std::string& scratch_dir, std::chrono::seconds timeout) {
  const auto out_path = scratch_dir + "/child.out";
  const auto err_path = scratch_dir + "/child.err";
  if (::access(argv.front().c_str(), X_OK) != 0) {
    throw std::runtime_error(
        fmt::format("could not start {}: {}", argv.front(), std::strerror(errno)));
  }
  const auto usage_path = scratch_dir + "/child.usage";
  std::filesystem::remove(usage_path);
  std::vector<std::string> launched{std::filesystem::read_symlink("/proc/self/exe").string(),
                                    k_launcher_arg, usage_path};
  launched.insert(launched.end(), argv.begin(), argv.end());
  SpawnFileActions actions;
  actions.open(0, "/dev/null", O_RDONLY);
  actions.open(1, out_path, O_WRONLY | O_CREAT | O_TRUNC);
  actions.open(2, err_path, O_WRONLY | O_CREAT | O_TRUNC);
  auto argv_c = c_strings(launched);
  auto env_c = c_strings(env);

  ChildRun run;
  pid_t pid = 0;
  const auto started = std::chrono::steady_clock::now();
  int rc = posix_spawn(&pid, argv_c[0], actions.get(), nullptr, argv_c.data(), env_c.data());
  if (rc != 0) {
    throw std::runtime_error(
        fmt::format("could not start {}: {}", argv.front(), std::strerror(rc)));
  }
  {
    Watchdog watchdog(pid, timeout);
    siginfo_t info{};
    while (::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOWAIT) != 0 &&
           errno == EINTR) {
    }
    run.wall = std::chrono::steady_clock::now() - started;
    run.timed_out = watchdog.stand_down();
  }
  int status = 0;
  rusage usage{};
  while (::wait4(pid, &status, 0, &usage) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status)) {
    run.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    run.signal = WTERMSIG(status);
  }
  run.user_cpu = to_duration(usage.ru_utime);
  run.system_cpu = to_duration(usage.ru_stime);
  run.max_rss_kib = usage.ru_maxrss;  // kibibytes on Linux
  // The program's own figures, without the launcher's or the benchmark's memory; the
  // launcher's own (above) only when it was killed before it could write them.
  read_launcher_usage(usage_path, run);
  run.out = read_file(out_path);
  run.err = read_file(err_path);
  return run;
}

namespace {

void fill_usage(ChildRun& run, int status, const rusage& usage) {
  if (WIFEXITED(status)) {
    run.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    run.signal = WTERMSIG(status);
  }
  run.user_cpu = to_duration(usage.ru_utime);
  run.system_cpu = to_duration(usage.ru_stime);
  run.max_rss_kib = usage.ru_maxrss;
}

}  // namespace

BackgroundChild::BackgroundChild(const std::vector<std::string>& argv,
                                 const std::vector<std::string>& env,
                                 const std::string& scratch_dir, const std::string& label)
    : m_out_path(scratch_dir + "/" + label + ".out"),
      m_err_path(scratch_dir + "/" + label + ".err") {
  SpawnFileActions actions;
  actions.open(0, "/dev/null", O_RDONLY);
  actions.open(1, m_out_path, O_WRONLY | O_CREAT | O_TRUNC);
  actions.open(2, m_err_path, O_WRONLY | O_CREAT | O_TRUNC);
  auto argv_c = c_strings(argv);
  auto env_c = c_strings(env);
  pid_t pid = 0;
  m_started = std::chrono::steady_clock::now();
  int rc = posix_spawn(&pid, argv_c[0], actions.get(), nullptr, argv_c.data(), env_c.data());
  if (rc != 0) {
    throw std::runtime_error(
        fmt::format("could not start {}: {}", argv.front(), std::strerror(rc)));
  }
  m_pid = pid;
}

BackgroundChild::~BackgroundChild() {
  if (!m_reaped && m_pid > 0) {
    ::kill(m_pid, SIGKILL);
    int status = 0;
    while (::waitpid(m_pid, &status, 0) < 0 && errno == EINTR) {
    }
  }
}

bool BackgroundChild::running() const {
  if (m_reaped) {
    return false;
  }
  siginfo_t info{};
  info.si_pid = 0;
  if (::waitid(P_PID, static_cast<id_t>(m_pid), &info, WEXITED | WNOHANG | WNOWAIT) != 0) {
    return false;
  }
  return info.si_pid == 0;
}

ChildRun BackgroundChild::stop(std::chrono::milliseconds grace) {
  ChildRun run;
  if (m_reaped) {
    return run;
  }
  if (running()) {
    ::kill(m_pid, SIGTERM);
    const auto deadline = std::chrono::steady_clock::now() + grace;
    while (running() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (running()) {
      ::kill(m_pid, SIGKILL);
    }
  }
  int status = 0;
  rusage usage{};
  while (::wait4(m_pid, &status, 0, &usage) < 0 && errno == EINTR) {
  }
  m_reaped = true;
  run.wall = std::chrono::steady_clock::now() - m_started;
  fill_usage(run, status, usage);
  run.out = read_file(m_out_path);
  run.err = read_file(m_err_path);
  return run;
}

std::vector<std::string> inherited_environment() {
  std::vector<std::string> out;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    out.emplace_back(*e);
  }
  return out;
}

}  // namespace ghtraffic::bench
