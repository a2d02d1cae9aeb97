// DemoServer: the demo of `make run`, in-process on a loop thread, for the end-to-end tests.
//
// The same pieces duplex-server puts together: the static site (src/www), lesson 07's ticker
// and push endpoints, and lesson 11's /chat, /ticker and /echo-trace, on
// a port picked by the kernel. Building it here keeps the browser tests independent of how the
// program's flags evolve.
// @lesson 11
#pragma once

#include <cstdint>
#include <memory>

#include "tests/support/loop_thread.hpp"

namespace duplex::e2e {

class DemoServer {
 public:
  DemoServer();
  ~DemoServer();
  std::uint16_t port() const { return port_; }

 private:
  struct Parts;
  testing::LoopThread thread_;
  std::unique_ptr<Parts> parts_;
  std::uint16_t port_ = 0;
};

}  // namespace duplex::e2e
