// The test runner's entry point (lesson 01).
//
// GoogleTest's own main, plus two things every Duplex test run relies on:
//  - a watchdog: no test may hang, so the whole run is killed with a message after
//    DUPLEX_TEST_TIMEOUT seconds (default 300), even if some blocking call forgot its timeout;
//  - a closing line "tests: N passed, N failed" that CI and humans can read at a glance.
#include <gtest/gtest.h>

#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>

namespace {

void on_watchdog(int) {
  static const char kMessage[] = "\nduplex-tests: the watchdog fired; some test hangs\n";
  // Only async-signal-safe calls here: write(2) and _exit(2).
  [[maybe_unused]] auto written = write(STDERR_FILENO, kMessage, sizeof kMessage - 1);
  _exit(124);
}

class ClosingLine : public ::testing::EmptyTestEventListener {
  void OnTestProgramEnd(const ::testing::UnitTest& unit) override {
    std::printf("tests: %d passed, %d failed, %d skipped\n", unit.successful_test_count(),
                unit.failed_test_count(), unit.skipped_test_count());
  }
};

}  // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  const char* timeout = std::getenv("DUPLEX_TEST_TIMEOUT");
  std::signal(SIGALRM, on_watchdog);
  alarm(timeout != nullptr ? static_cast<unsigned>(std::atoi(timeout)) : 300U);
  ::testing::UnitTest::GetInstance()->listeners().Append(new ClosingLine);
  return RUN_ALL_TESTS();
}
