// SystemError (lesson 01): see system_error.hpp.
#include "src/net/system_error.hpp"

#include <cerrno>
#include <cstring>

namespace duplex::net {

namespace {

std::string describe(int error_number) {
  // strerror_r's GNU form returns the message (maybe a static string), unlike strerror it is
  // safe when several threads fail at once.
  char scratch[256];
  return ::strerror_r(error_number, scratch, sizeof scratch);
}

}  // namespace

SystemError::SystemError(int error_number, const std::string& doing)
    : std::runtime_error(doing + ": " + describe(error_number)), error_number_(error_number) {}

int SystemError::error_number() const noexcept {
  return error_number_;
}

void throw_errno(const std::string& doing) {
  throw SystemError(errno, doing);
}

}  // namespace duplex::net
