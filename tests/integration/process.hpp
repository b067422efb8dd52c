// Runs the ghtraffic binary as a child process, the way a user or cron does, and
// captures what it prints; or keeps one running in the background (serve, demo).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ghtraffic::testing {

struct ProcessResult {
  int exit_code = -1;  // -1 when killed by a signal
  int signal = 0;
  std::string out;
  std::string err;
};

struct ProcessOptions {
  // Replaces the environment except PATH and HOME; entries with an empty value unset a
  // variable that would otherwise be kept.
  std::map<std::string, std::string> env;
  std::optional<std::chrono::milliseconds> kill_after;  // SIGKILL after this long
  std::string stdin_text;
};

ProcessResult run_process(const std::vector<std::string>& argv, const ProcessOptions& options = {});

// ghtraffic with args; HOME and XDG_DATA_HOME point at a scratch folder unless set.
ProcessResult run_ghtraffic(const std::vector<std::string>& args,
                            const ProcessOptions& options = {});

// ghtraffic running in the background, as `serve` and `demo` run: its standard output is
// read through a pipe (for the line that says where it listens), its standard error goes
// to a file. Its environment is exactly env plus PATH. Killed when destroyed if still
// running.
class BackgroundProcess {
 public:
  BackgroundProcess(const std::vector<std::string>& args,
                    const std::map<std::string, std::string>& env, const std::string& err_path);
  ~BackgroundProcess();
  BackgroundProcess(const BackgroundProcess&) = delete;
  BackgroundProcess& operator=(const BackgroundProcess&) = delete;

  // The port in the first "PREFIXPORT/" of its output ("http://127.0.0.1:" for serve), or
  // 0 when the output ends or timeout passes first.
  int wait_for_port(std::string_view prefix,
                    std::chrono::milliseconds timeout = std::chrono::seconds(20));
  // What it has printed so far (as far as wait_for_port read).
  const std::string& out() const { return m_out_text; }

  void signal(int sig);
  // The exit code, or -1 when it did not exit in time (or died of a signal).
  int wait_exit(std::chrono::milliseconds timeout);

 private:
  pid_t m_pid = -1;
  int m_out = -1;
  bool m_exited = false;
  std::string m_out_text;
};

// A fresh empty folder under the build tree's temporary space, removed at exit.
std::string scratch_dir(const std::string& name);

}  // namespace ghtraffic::testing
