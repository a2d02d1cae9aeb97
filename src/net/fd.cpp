// Fd (lesson 01): see fd.hpp.
#include "src/net/fd.hpp"

#include <unistd.h>

#include <utility>

namespace duplex::net {

Fd::Fd(int fd) noexcept : fd_(fd) {}

Fd::~Fd() {
  reset();
}

// @anchor lesson01-fd-move
Fd::Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}

Fd& Fd::operator=(Fd&& other) noexcept {
  if (this != &other) reset(std::exchange(other.fd_, -1));
  return *this;
}

int Fd::get() const noexcept {
  return fd_;
}

bool Fd::valid() const noexcept {
  return fd_ >= 0;
}

Fd::operator bool() const noexcept {
  return valid();
}

int Fd::release() noexcept {
  return std::exchange(fd_, -1);
}

// @anchor lesson01-fd-close
void Fd::reset(int fd) noexcept {
  int old = std::exchange(fd_, fd);
  // close() is never retried on EINTR: on Linux the descriptor is already released when it
  // returns, so a retry could close a number another thread has just been given.
  if (old >= 0) ::close(old);
}

}  // namespace duplex::net
