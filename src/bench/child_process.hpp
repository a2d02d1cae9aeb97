// Running the outside tools of the benchmark (lesson 12): wrk as a load generator whose output
// and CPU time become a Result, and strace attached to a server for a bounded window.
//
// fork + execvp, no shell: the arguments are passed as they are. The child inherits this
// process's CPU affinity, so `duplex-bench wrk --cpu 1` runs wrk on CPU 1.
// @lesson 12
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

namespace duplex::bench {

struct ProgramRun {
  bool started = false;     // false: the program could not be executed (not installed)
  int exit_status = -1;     // exit code, or -1 when killed by a signal
  std::string output;       // stdout and stderr together
  double cpu_seconds = 0;   // user + system time of the child (wait4's rusage)
  double wall_seconds = 0;  // from fork to exit
};

// Runs `argv` to completion; a child still running after `timeout_seconds` is sent SIGKILL.
ProgramRun run_program(const std::vector<std::string>& argv, double timeout_seconds);

// `strace -c -f -p PID` for a window: start() returns once strace says it has attached (or
// failed), stop() interrupts it and returns its summary's total of system calls.
class SyscallCounter {
 public:
  SyscallCounter() = default;
  ~SyscallCounter();
  SyscallCounter(const SyscallCounter&) = delete;
  SyscallCounter& operator=(const SyscallCounter&) = delete;

  // False with error() set when strace is missing or could not attach (ptrace not allowed).
  bool start(pid_t pid);
  std::optional<std::uint64_t> stop();
  const std::string& error() const { return error_; }

 private:
  pid_t child_ = -1;
  int stderr_ = -1;
  std::string summary_path_;
  std::string error_;
};

}  // namespace duplex::bench
