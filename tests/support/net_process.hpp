// Running a built program from a test (lessons 01 and 02).
//
// The lesson programs are tested as a user runs them: start with --port 0, read the address
// from the first line of output, talk to it, stop it. Every wait has a timeout, and the
// destructor kills the child if the test ends early.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "src/net/fd.hpp"

namespace duplex::testing {

class ChildProcess {
 public:
  // Starts `path` with `args`; its stdin, stdout and stderr are pipes to this process.
  ChildProcess(const std::string& path, const std::vector<std::string>& args);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // One line of stdout without its "\n"; throws std::runtime_error on timeout or end of output.
  std::string read_line(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // The rest of stdout / all of stderr, until the child closes it.
  std::string read_stdout(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  std::string read_stderr(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  void write_stdin(std::string_view bytes);
  void close_stdin();
  // Waits for the exit and returns the exit code (128 + signal if killed by one).
  int wait(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  void terminate();  // SIGTERM

 private:
  std::string read_until_eof(net::Fd& fd, std::string& pending, std::chrono::milliseconds timeout);

  std::string path_;
  pid_t pid_ = -1;
  net::Fd stdin_, stdout_, stderr_;
  std::string stdout_pending_, stderr_pending_;
  bool exited_ = false;
  int status_ = 0;
};

// "tcp://127.0.0.1:41234" -> 41234; throws std::runtime_error if the line is not an address.
unsigned short port_of(const std::string& address_line);

}  // namespace duplex::testing
