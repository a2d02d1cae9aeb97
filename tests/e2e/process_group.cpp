// ProcessGroup (the e2e suite). See process_group.hpp.
// @lesson 11
#include "tests/e2e/process_group.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <stdexcept>

namespace duplex::e2e {

using Clock = std::chrono::steady_clock;

ProcessGroup::ProcessGroup(const std::vector<std::string>& argv) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
  std::vector<char*> args;
  for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    ::setpgid(0, 0);
    int null = ::open("/dev/null", O_RDWR);
    ::dup2(null, STDIN_FILENO);
    ::dup2(null, STDOUT_FILENO);
    ::dup2(fds[1], STDERR_FILENO);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  ::setpgid(pid_, pid_);  // here too, so the group exists whichever process runs first
  ::close(fds[1]);
  stderr_fd_ = fds[0];
}

ProcessGroup::~ProcessGroup() {
  if (pid_ > 0) {
    ::kill(-pid_, SIGTERM);
    auto deadline = Clock::now() + std::chrono::seconds(5);
    while (running() && Clock::now() < deadline) drain(50);
    if (running()) {
      ::kill(-pid_, SIGKILL);
      deadline = Clock::now() + std::chrono::seconds(5);
      while (running() && Clock::now() < deadline) drain(50);
    }
    // Helpers that outlived their leader are in the group too.
    ::kill(-pid_, SIGKILL);
  }
  if (stderr_fd_ >= 0) ::close(stderr_fd_);
}

bool ProcessGroup::running() {
  if (exited_) return false;
  int status = 0;
  pid_t done = ::waitpid(pid_, &status, WNOHANG);
  if (done == pid_ || done < 0) exited_ = true;
  return !exited_;
}

// Waits at most `timeout_ms` for stderr and reads what is there (so the pipe never fills).
void ProcessGroup::drain(int timeout_ms) {
  if (stderr_fd_ < 0) {
    ::poll(nullptr, 0, timeout_ms);
    return;
  }
  pollfd entry{stderr_fd_, POLLIN, 0};
  if (::poll(&entry, 1, timeout_ms) <= 0) return;
  char block[4096];
  ssize_t n = ::read(stderr_fd_, block, sizeof block);
  if (n <= 0) {
    ::close(stderr_fd_);
    stderr_fd_ = -1;
    return;
  }
  stderr_.append(block, static_cast<std::size_t>(n));
}

const std::string& ProcessGroup::wait_stderr_for(const std::string& needle,
                                                 std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  while (stderr_.find(needle) == std::string::npos && stderr_fd_ >= 0) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) break;
    drain(static_cast<int>(left.count()));
  }
  return stderr_;
}

std::string find_program(const std::vector<std::string>& names,
                         const std::vector<std::string>& extra_dirs) {
  std::vector<std::string> dirs;
  if (const char* path = std::getenv("PATH")) {
    std::string all = path;
    std::size_t start = 0;
    while (start <= all.size()) {
      std::size_t end = all.find(':', start);
      if (end == std::string::npos) end = all.size();
      dirs.push_back(all.substr(start, end - start));
      start = end + 1;
    }
  }
  dirs.insert(dirs.end(), extra_dirs.begin(), extra_dirs.end());
  for (const std::string& name : names) {
    for (const std::string& dir : dirs) {
      std::filesystem::path candidate = std::filesystem::path(dir) / name;
      if (!dir.empty() && ::access(candidate.c_str(), X_OK) == 0) return candidate.string();
    }
  }
  return {};
}

}  // namespace duplex::e2e
