// Running wrk and strace from duplex-bench (lesson 12). See child_process.hpp.
// @lesson 12
#include "src/bench/child_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "src/bench/system.hpp"
#include "src/bench/tool_output.hpp"

namespace duplex::bench {

namespace {

// The child side of fork(): stdout and stderr to `out`, then exec. 127 when exec fails, like
// a shell.
[[noreturn]] void exec_child(const std::vector<std::string>& argv, int out) {
  dup2(out, STDOUT_FILENO);
  dup2(out, STDERR_FILENO);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  execvp(args[0], args.data());
  _exit(127);
}

double seconds_of(const timeval& t) {
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
}

}  // namespace

ProgramRun run_program(const std::vector<std::string>& argv, double timeout_seconds) {
  ProgramRun run;
  int pipe_fds[2];
  if (argv.empty() || pipe2(pipe_fds, O_CLOEXEC) != 0) return run;
  const std::uint64_t started = now_ns();
  pid_t child = fork();
  if (child < 0) {
    close(pipe_fds[0]);
    close(pipe_fds[1]);
    return run;
  }
  if (child == 0) exec_child(argv, pipe_fds[1]);
  close(pipe_fds[1]);
  const std::uint64_t deadline = started + static_cast<std::uint64_t>(timeout_seconds * 1e9);
  char buffer[4096];
  for (;;) {
    std::uint64_t now = now_ns();
    if (now >= deadline) {
      kill(child, SIGKILL);
      break;
    }
    pollfd waiting{pipe_fds[0], POLLIN, 0};
    int ready = poll(&waiting, 1, static_cast<int>((deadline - now) / 1'000'000 + 1));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) continue;
    ssize_t n = read(pipe_fds[0], buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    run.output.append(buffer, static_cast<std::size_t>(n));
  }
  close(pipe_fds[0]);
  int status = 0;
  rusage usage{};
  while (wait4(child, &status, 0, &usage) < 0 && errno == EINTR) {
  }
  run.wall_seconds = static_cast<double>(now_ns() - started) / 1e9;
  run.cpu_seconds = seconds_of(usage.ru_utime) + seconds_of(usage.ru_stime);
  run.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  run.started = run.exit_status != 127;
  return run;
}

SyscallCounter::~SyscallCounter() {
  if (child_ > 0) stop();
}

bool SyscallCounter::start(pid_t pid) {
  char path[] = "/tmp/duplex-strace.XXXXXX";
  int file = mkstemp(path);
  if (file < 0) {
    error_ = std::string("mkstemp: ") + std::strerror(errno);
    return false;
  }
  close(file);
  summary_path_ = path;
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) {
    error_ = std::string("pipe: ") + std::strerror(errno);
    return false;
  }
  child_ = fork();
  if (child_ == 0) {
    exec_child({"strace", "-c", "-f", "-p", std::to_string(pid), "-o", summary_path_}, pipe_fds[1]);
  }
  close(pipe_fds[1]);
  stderr_ = pipe_fds[0];
  if (child_ < 0) {
    error_ = std::string("fork: ") + std::strerror(errno);
    return false;
  }
  // strace says "Process N attached" on stderr once the tracee is stopped and traced; counting
  // starts there, so the caller's window opens after it.
  std::string said;
  const std::uint64_t deadline = now_ns() + 5'000'000'000ULL;
  while (said.find("attached") == std::string::npos) {
    std::uint64_t now = now_ns();
    pollfd waiting{stderr_, POLLIN, 0};
    if (now >= deadline ||
        poll(&waiting, 1, static_cast<int>((deadline - now) / 1'000'000 + 1)) <= 0)
      break;
    char buffer[512];
    ssize_t n = read(stderr_, buffer, sizeof buffer);
    if (n <= 0) break;
    said.append(buffer, static_cast<std::size_t>(n));
  }
  if (said.find("attached") == std::string::npos) {
    error_ = said.empty() ? "strace did not attach within 5 s" : said;
    stop();
    return false;
  }
  return true;
}

std::optional<std::uint64_t> SyscallCounter::stop() {
  if (child_ <= 0) return std::nullopt;
  // SIGINT makes strace detach and write its summary.
  kill(child_, SIGINT);
  int status = 0;
  while (waitpid(child_, &status, 0) < 0 && errno == EINTR) {
  }
  child_ = -1;
  if (stderr_ >= 0) close(stderr_);
  stderr_ = -1;
  std::ifstream in(summary_path_);
  std::stringstream text;
  text << in.rdbuf();
  unlink(summary_path_.c_str());
  if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
    error_ = "strace is not installed";
    return std::nullopt;
  }
  auto total = parse_strace_total(text.str());
  if (!total && error_.empty()) error_ = "no strace summary";
  return total;
}

}  // namespace duplex::bench
