// SystemError: a failed system call, with its errno and what was being done (lesson 01).
//
// Every socket call in Duplex can fail for reasons outside the program (a port in use, a peer
// that reset the connection). The error names the call and its argument so that a message like
// "connect 127.0.0.1:9: Connection refused" is enough to diagnose it without a debugger.
#pragma once

#include <stdexcept>
#include <string>

namespace duplex::net {

// what() reads "<doing>: <strerror(error_number)>", e.g. "connect 127.0.0.1:9: Connection refused".
class SystemError : public std::runtime_error {
 public:
  SystemError(int error_number, const std::string& doing);
  int error_number() const noexcept;

 private:
  int error_number_;
};

// Throws SystemError built from the current errno.
[[noreturn]] void throw_errno(const std::string& doing);

}  // namespace duplex::net
