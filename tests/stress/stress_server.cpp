// StressServer (lesson 13): the child-process server of `make stress`, and the result table.
// @lesson 13
#include "tests/stress/stress_server.hpp"

#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "src/app/echo_endpoint.hpp"
#include "src/http/http_server.hpp"
#include "src/http/router.hpp"
#include "src/net/event_loop.hpp"
#include "src/net/socket_address.hpp"
#include "src/net/tcp_listener.hpp"

namespace duplex::testing {

namespace {

[[noreturn]] void serve(const StressServerConfig& config, int report_fd) {
  if (config.faults) net::set_process_fault_plan(config.faults);
  net::EventLoop loop;
  http::Router router;
  router.get("/hello", [](http::Exchange& e) { e.respond(200, "text/plain", "hello\n"); });
  router.post("/body", [](http::Exchange& e) {
    e.respond(200, "text/plain", std::to_string(e.body().size()) + "\n");
  });
  router.get("/big", [](http::Exchange& e) {
    e.respond(200, "application/octet-stream", std::string(std::size_t{1} << 20, 'b'));
  });
  router.get("/faults", [](http::Exchange& e) {
    net::FaultCounts counts = net::process_fault_counts();
    e.respond(200, "text/plain", std::to_string(counts.total()) + "\n");
  });
  app::install_echo_endpoint(router);
  ws::WsOptions defaults;
  defaults.ping_interval = config.ws_ping_interval;
  defaults.pong_timeout = config.ws_ping_interval;
  defaults.message_timeout = config.ws_message_timeout;
  defaults.close_timeout = config.ws_close_timeout;
  app::install_echo_endpoint(router, defaults, "/echo-default");
  auto listener = net::TcpListener::listen(net::SocketAddress::from_numeric("127.0.0.1", 0));
  http::HttpServer server(loop, std::move(listener), router.handler(), config.http);
  server.start();
  std::uint16_t port = server.local_address().port();
  if (::write(report_fd, &port, sizeof port) != sizeof port) _exit(3);
  ::close(report_fd);
  loop.run();
  _exit(0);
}

long status_field(pid_t pid, const std::string& name) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind(name + ":", 0) == 0) return std::stol(line.substr(name.size() + 1));
  }
  return 0;
}

struct Row {
  std::string test, load, faults;
  std::uint64_t bytes = 0;
  long peak_rss_kib = 0;
};

std::mutex rows_mutex;
std::vector<Row> rows;

// Prints the table once every test has run.
class TableEnvironment : public ::testing::Environment {
 public:
  void TearDown() override {
    std::lock_guard lock(rows_mutex);
    std::printf("\n%-28s | %-44s | %-22s | %14s | %s\n", "flood", "load held", "faults survived",
                "bytes verified", "server peak RSS");
    std::printf("%s\n", std::string(130, '-').c_str());
    for (const Row& row : rows) {
      std::printf("%-28s | %-44s | %-22s | %14llu | %ld KiB\n", row.test.c_str(), row.load.c_str(),
                  row.faults.c_str(), static_cast<unsigned long long>(row.bytes), row.peak_rss_kib);
    }
    std::fflush(stdout);
  }
};

[[maybe_unused]] ::testing::Environment* const table_environment =
    ::testing::AddGlobalTestEnvironment(new TableEnvironment);

}  // namespace

StressServer::StressServer(StressServerConfig config) {
  int fds[2];
  if (::pipe(fds) != 0) throw std::runtime_error("pipe failed");
  std::fflush(nullptr);
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    ::close(fds[0]);
    try {
      serve(config, fds[1]);
    } catch (...) {
      _exit(2);
    }
  }
  ::close(fds[1]);
  pollfd p{fds[0], POLLIN, 0};
  bool ready = ::poll(&p, 1, 10'000) == 1 && ::read(fds[0], &port_, sizeof port_) == sizeof port_;
  ::close(fds[0]);
  if (!ready) throw std::runtime_error("the stress server did not start");
}

StressServer::~StressServer() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
}

bool StressServer::alive() {
  int status = 0;
  return ::waitpid(pid_, &status, WNOHANG) == 0;
}

long StressServer::peak_rss_kib() const {
  return status_field(pid_, "VmHWM");
}

long StressServer::rss_kib() const {
  return status_field(pid_, "VmRSS");
}

long StressServer::cpu_ticks() const {
  std::ifstream stat("/proc/" + std::to_string(pid_) + "/stat");
  std::string all;
  std::getline(stat, all);
  // Fields after the command name (which may hold spaces) start after the last ')'.
  std::istringstream rest(all.substr(all.rfind(')') + 2));
  std::vector<std::string> fields;
  std::string field;
  while (rest >> field) fields.push_back(field);
  // utime and stime are fields 14 and 15 of the whole line: 12 and 13 here (state is 3).
  if (fields.size() < 13) return 0;
  return std::stol(fields[11]) + std::stol(fields[12]);
}

void record_row(const std::string& test, const std::string& load, const std::string& faults,
                std::uint64_t bytes_verified, long peak_rss_kib) {
  std::lock_guard lock(rows_mutex);
  rows.push_back({test, load, faults, bytes_verified, peak_rss_kib});
}

}  // namespace duplex::testing
