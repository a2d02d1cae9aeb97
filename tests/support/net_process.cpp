// Running a built program from a test (lessons 01 and 02): see net_process.hpp.
#include "tests/support/net_process.hpp"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <exception>
#include <stdexcept>
#include <utility>

#include "src/net/system_error.hpp"

extern char** environ;

namespace duplex::testing {

namespace {

std::pair<net::Fd, net::Fd> make_pipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) net::throw_errno("pipe2");
  return {net::Fd(fds[0]), net::Fd(fds[1])};
}

// Waits until `fd` is readable; false on timeout.
bool wait_readable(int fd, std::chrono::milliseconds timeout) {
  pollfd entry{fd, POLLIN, 0};
  for (;;) {
    int ready = ::poll(&entry, 1, static_cast<int>(timeout.count()));
    if (ready >= 0) return ready > 0;
    if (errno != EINTR) net::throw_errno("poll");
  }
}

// Reads what is there into `pending`; false at end of output.
bool read_more(int fd, std::string& pending) {
  char chunk[4096];
  for (;;) {
    ssize_t n = ::read(fd, chunk, sizeof chunk);
    if (n > 0) {
      pending.append(chunk, static_cast<std::size_t>(n));
      return true;
    }
    if (n == 0) return false;
    if (errno != EINTR) net::throw_errno("read pipe");
  }
}

}  // namespace

ChildProcess::ChildProcess(const std::string& path, const std::vector<std::string>& args)
    : path_(path) {
  auto [in_read, in_write] = make_pipe();
  auto [out_read, out_write] = make_pipe();
  auto [err_read, err_write] = make_pipe();
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  // dup2 clears O_CLOEXEC on the copies, so only these three descriptors reach the child.
  posix_spawn_file_actions_adddup2(&actions, in_read.get(), 0);
  posix_spawn_file_actions_adddup2(&actions, out_write.get(), 1);
  posix_spawn_file_actions_adddup2(&actions, err_write.get(), 2);
  std::vector<std::string> argv_storage{path};
  argv_storage.insert(argv_storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& arg : argv_storage) argv.push_back(arg.data());
  argv.push_back(nullptr);
  int error = ::posix_spawn(&pid_, path.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (error != 0) throw net::SystemError(error, "posix_spawn " + path);
  stdin_ = std::move(in_write);
  stdout_ = std::move(out_read);
  stderr_ = std::move(err_read);
}

ChildProcess::~ChildProcess() {
  if (pid_ > 0 && !exited_) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, &status_, 0);
  }
  // A test that failed while talking to the program usually failed because the program stopped
  // (a reset, a short read): what it said on stderr is the reason, for example an exercise stub
  // not written yet, so it belongs next to the failure. A test body unwinding on an exception
  // has failed too, though GoogleTest records that only once the unwinding is over.
  bool failing = ::testing::Test::HasFailure() || std::uncaught_exceptions() > 0;
  if (!failing || !stderr_) return;
  std::string said;
  try {
    said = read_stderr(std::chrono::seconds(1));
  } catch (const std::exception&) {
    said = std::exchange(stderr_pending_, std::string());
  }
  if (!said.empty()) ADD_FAILURE() << "the program " << path_ << " wrote on stderr:\n" << said;
}

std::string ChildProcess::read_line(std::chrono::milliseconds timeout) {
  for (;;) {
    auto newline = stdout_pending_.find('\n');
    if (newline != std::string::npos) {
      std::string line = stdout_pending_.substr(0, newline);
      stdout_pending_.erase(0, newline + 1);
      return line;
    }
    if (!wait_readable(stdout_.get(), timeout)) {
      throw std::runtime_error("child: no line of output within the timeout");
    }
    if (!read_more(stdout_.get(), stdout_pending_)) {
      // What the child said on stderr is why it stopped (a busy port, a stub not written yet).
      std::string said;
      try {
        said = read_stderr(std::chrono::seconds(1));
      } catch (const std::exception&) {
      }
      throw std::runtime_error("child: output ended before a full line: \"" + stdout_pending_ +
                               "\"; its stderr: \"" + said + "\"");
    }
  }
}

std::string ChildProcess::read_until_eof(net::Fd& fd, std::string& pending,
                                         std::chrono::milliseconds timeout) {
  while (fd) {
    if (!wait_readable(fd.get(), timeout)) {
      throw std::runtime_error("child: output did not end within the timeout");
    }
    if (!read_more(fd.get(), pending)) fd.reset();
  }
  return std::exchange(pending, std::string());
}

std::string ChildProcess::read_stdout(std::chrono::milliseconds timeout) {
  return read_until_eof(stdout_, stdout_pending_, timeout);
}

std::string ChildProcess::read_stderr(std::chrono::milliseconds timeout) {
  return read_until_eof(stderr_, stderr_pending_, timeout);
}

void ChildProcess::write_stdin(std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::write(stdin_.get(), bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      net::throw_errno("write child stdin");
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
}

void ChildProcess::close_stdin() {
  stdin_.reset();
}

int ChildProcess::wait(std::chrono::milliseconds timeout) {
  if (!exited_) {
    // A pidfd becomes readable when the child exits: a wait with a timeout and no sleeping.
    net::Fd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid_, 0)));
    if (pidfd && !wait_readable(pidfd.get(), timeout)) {
      throw std::runtime_error("child: did not exit within the timeout");
    }
    while (::waitpid(pid_, &status_, 0) < 0) {
      if (errno != EINTR) net::throw_errno("waitpid");
    }
    exited_ = true;
  }
  if (WIFEXITED(status_)) return WEXITSTATUS(status_);
  return 128 + WTERMSIG(status_);
}

void ChildProcess::terminate() {
  if (!exited_) ::kill(pid_, SIGTERM);
}

unsigned short port_of(const std::string& address_line) {
  auto colon = address_line.rfind(':');
  if (address_line.rfind("tcp://", 0) != 0 || colon == std::string::npos) {
    throw std::runtime_error("not a tcp:// address: " + address_line);
  }
  return static_cast<unsigned short>(std::stoul(address_line.substr(colon + 1)));
}

}  // namespace duplex::testing
