// Runs the ghtraffic binary as a child process, the way a user or cron does, and
// captures what it prints.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
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

// A fresh empty folder under the build tree's temporary space, removed at exit.
std::string scratch_dir(const std::string& name);

}  // namespace ghtraffic::testing
