// Runs the ghtraffic binary as a child process, the way cron or a user does, and measures
// it: wall time on the steady clock, and the child's own CPU time and peak resident
// memory as the kernel accounts them to that one process (wait4).
//
// run_child() starts the child through this benchmark's own binary as a small launcher
// (k_launcher_arg): a process started straight from the benchmark begins with the
// benchmark's peak resident memory as its own (posix_spawn shares the benchmark's memory
// until exec, and Linux carries that memory's peak into the new program's ru_maxrss), so
// the in-process mock server's memory would be counted as the collector's. The launcher
// is small when it forks, and reports the grandchild's wait4 figures.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace ghtraffic::bench {

struct ChildRun {
  int exit_code = -1;  // -1 when killed by a signal
  int signal = 0;
  bool timed_out = false;
  std::chrono::nanoseconds wall{};
  std::chrono::microseconds user_cpu{};
  std::chrono::microseconds system_cpu{};
  std::int64_t max_rss_kib = 0;
  std::string out;
  std::string err;
};

// The first argument that makes the benchmark binary the launcher: `ghtraffic-bench
// --measured-launcher USAGE_FILE PROGRAM ARG...` runs PROGRAM, writes its wait4 figures
// to USAGE_FILE and exits as PROGRAM did. The program is killed if the launcher dies.
inline constexpr const char* k_launcher_arg = "--measured-launcher";
int launcher_main(int argc, char** argv);

// Starts argv[0] with exactly `env` as its environment, stdout and stderr going to files
// in `scratch_dir`, stdin from /dev/null. Kills the child after `timeout`. Throws
// std::runtime_error if the child cannot be started.
ChildRun run_child(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                   const std::string& scratch_dir, std::chrono::seconds timeout);

// A child that runs beside the benchmark (a server) until stop(). Its stdout and stderr go
// to files in `scratch_dir` named after `label`. Killed and reaped on destruction if still
// running.
class BackgroundChild {
 public:
  BackgroundChild(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                  const std::string& scratch_dir, const std::string& label);
  ~BackgroundChild();
  BackgroundChild(const BackgroundChild&) = delete;
  BackgroundChild& operator=(const BackgroundChild&) = delete;

  // Whether the child has not exited yet.
  bool running() const;
  // SIGTERM, then SIGKILL after `grace`; the figures are the child's whole life.
  ChildRun stop(std::chrono::milliseconds grace);
  int pid() const { return m_pid; }

 private:
  int m_pid = -1;
  bool m_reaped = false;
  std::string m_out_path;
  std::string m_err_path;
  std::chrono::steady_clock::time_point m_started;
};

// This process's environment, for children that need the user's (node, wrk).
std::vector<std::string> inherited_environment();

}  // namespace ghtraffic::bench
