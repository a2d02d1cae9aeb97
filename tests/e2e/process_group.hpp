// ProcessGroup: a child program in a process group of its own, for the end-to-end tests.
//
// Chromium and nginx both start helper processes. Killing only the first one would leave the
// rest running after a failed test, so the child becomes the leader of a new process group and
// the destructor kills the whole group (SIGTERM, then SIGKILL), whatever happened in the test.
// @lesson 11
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace duplex::e2e {

class ProcessGroup {
 public:
  // Starts `argv[0]` (a path) with stdin and stdout on /dev/null and stderr on a pipe.
  explicit ProcessGroup(const std::vector<std::string>& argv);
  ~ProcessGroup();
  ProcessGroup(const ProcessGroup&) = delete;
  ProcessGroup& operator=(const ProcessGroup&) = delete;

  // Reads stderr until `needle` appears or `timeout` passes; returns what was read so far
  // (check with find). Stops early when the child closes stderr.
  const std::string& wait_stderr_for(const std::string& needle, std::chrono::milliseconds timeout);
  const std::string& stderr_text() const { return stderr_; }
  // True while the leader has not exited.
  bool running();
  pid_t pid() const { return pid_; }

 private:
  void drain(int timeout_ms);

  pid_t pid_ = -1;
  int stderr_fd_ = -1;
  std::string stderr_;
  bool exited_ = false;
};

// $PATH lookup: the full path of the first of `names` that is an executable, or "".
std::string find_program(const std::vector<std::string>& names,
                         const std::vector<std::string>& extra_dirs = {});

}  // namespace duplex::e2e
