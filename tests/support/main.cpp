// The test runner's entry point (lesson 01).
//
// GoogleTest's own main, plus what every Duplex test run relies on:
//  - a watchdog: no test may hang, so the whole run is killed with a message after
//    DUPLEX_TEST_TIMEOUT seconds (default 300), even if some blocking call forgot its timeout;
//  - a closing line "tests: N passed, N failed" that CI and humans can read at a glance;
#if DUPLEX_LESSON >= 13
//  - faults on request (lesson 13): DUPLEX_FAULT_SEED=N installs the process fault plan with the
//    survivable faults (short reads and writes, EAGAIN, EINTR) seeded from N, so every
//    connection the tests create runs over a FaultyTransport (`make test-faults`). The server
//    itself never reads that variable: only this test binary does.
#endif
#include <gtest/gtest.h>

#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#if DUPLEX_LESSON >= 13
#include <exception>
#include <string>

#include "src/net/transport.hpp"
#endif

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

#if DUPLEX_LESSON >= 13
void install_fault_plan_from_environment() {
  const char* seed = std::getenv("DUPLEX_FAULT_SEED");
  if (seed == nullptr || *seed == '\0') return;
  duplex::net::FaultPlan plan;
  try {
    plan.seed = std::stoull(seed);
  } catch (const std::exception&) {
    plan.seed = 1;  // a garbled value still means "faults on"; the seed is then 1
  }
  duplex::net::set_process_fault_plan(plan);
  std::printf("duplex-tests: faults injected, seed %llu\n",
              static_cast<unsigned long long>(plan.seed));
}
#endif

}  // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
#if DUPLEX_LESSON >= 13
  install_fault_plan_from_environment();
#endif
  const char* timeout = std::getenv("DUPLEX_TEST_TIMEOUT");
  std::signal(SIGALRM, on_watchdog);
  alarm(timeout != nullptr ? static_cast<unsigned>(std::atoi(timeout)) : 300U);
  ::testing::UnitTest::GetInstance()->listeners().Append(new ClosingLine);
  return RUN_ALL_TESTS();
}
