// BrowserTest: the fixture of the browser tests (lesson 11): the demo server on a loop thread
// and a headless Chromium driven over DevTools; skips with the reason when Chromium is missing.
// @lesson 11
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "tests/e2e/demo_server.hpp"
#include "tests/e2e/devtools.hpp"

namespace duplex::e2e {

class BrowserTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string binary = find_chromium();
    if (binary.empty()) {
      GTEST_SKIP() << "Chromium is not installed (run tests/e2e/setup, or set DUPLEX_CHROMIUM)";
    }
    server_ = std::make_unique<DemoServer>();
    browser_ = std::make_unique<Browser>(binary);
  }
  std::string url(const std::string& path) {
    return "http://127.0.0.1:" + std::to_string(server_->port()) + path;
  }

  std::unique_ptr<DemoServer> server_;
  std::unique_ptr<Browser> browser_;
};

}  // namespace duplex::e2e
