// Connection-rate loads (lesson 12): the handshake cycle, its raw TCP baseline, and the idle
// connections whose memory the server pays.
//
// One cycle is connect + one exchange + close, on N clients at once:
//   WebSocket: the opening handshake (RFC 6455 §4.1): GET with a fresh key, a 101 whose
//              Sec-WebSocket-Accept is checked by ws::ClientHandshake, then close()
//   raw TCP:   32 bytes written, the same 32 read back, then close()
// Both close the same way, so the difference between them is what HTTP parsing, SHA-1, the
// response and the WebSocket connection's setup cost.
// @lesson 12
#include <poll.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "src/bench/histogram.hpp"
#include "src/bench/load.hpp"
#include "src/bench/load_loop.hpp"
#include "src/bench/system.hpp"
#include "src/ws/base64.hpp"
#include "src/ws/client_handshake.hpp"

namespace duplex::bench {

namespace {

constexpr std::string_view kTcpPing = "0123456789abcdefghijklmnopqrstuv";  // 32 bytes

// A Sec-WebSocket-Key from a cheap generator: the load tool must not spend a getrandom(2) per
// handshake. (A real client must use a strong source, RFC 6455 §10.3 and §4.1 item 7.)
std::string cheap_key(std::mt19937_64& random) {
  char bytes[16];
  std::uint64_t a = random(), b = random();
  std::memcpy(bytes, &a, 8);
  std::memcpy(bytes + 8, &b, 8);
  return ws::base64_encode(std::string_view(bytes, 16));
}

struct Cycle {
  enum class State { kIdle, kConnecting, kWaiting, kOpen };
  State state = State::kIdle;
  int fd = -1;
  std::uint64_t started = 0;
  std::string in;
  std::optional<ws::ClientHandshake> handshake;
};

// Drives up to `concurrency` cycles at once; `keep` keeps each connection open once it is
// accepted (the idle mode) instead of closing it. Stops when `stop()` says so.
class CycleDriver {
 public:
  CycleDriver(const LoadOptions& options, int concurrency, bool keep)
      : options_(options), keep_(keep), random_(std::random_device{}()) {
    cycles_.resize(static_cast<std::size_t>(concurrency));
    epoll_ = epoll_create1(EPOLL_CLOEXEC);
  }
  ~CycleDriver() {
    for (auto& c : cycles_)
      if (c.fd >= 0) close(c.fd);
    for (int fd : kept_) close(fd);
    close(epoll_);
  }

  LatencyHistogram latencies;
  std::uint64_t completed = 0;
  bool measuring = true;
  std::string error;
  std::size_t kept() const { return kept_.size(); }

  // Runs until the window closes or, when limit > 0, until `limit` cycles completed.
  void run(MeasureWindow& window, std::uint64_t limit) {
    for (std::size_t i = 0; i < cycles_.size(); ++i)
      if (cycles_[i].state == Cycle::State::kIdle && (limit == 0 || started_ < limit)) begin(i);
    std::vector<epoll_event> ready(cycles_.size());
    while (error.empty() && window.keep_going(now_ns())) {
      measuring = window.measuring();
      if (limit > 0 && completed >= limit) break;
      int n = epoll_wait(epoll_, ready.data(), static_cast<int>(ready.size()), 100);
      for (int i = 0; i < n && error.empty(); ++i) {
        std::size_t index = ready[static_cast<std::size_t>(i)].data.u64;
        step(index);
        if (cycles_[index].state == Cycle::State::kIdle && error.empty() &&
            (limit == 0 || started_ < limit))
          begin(index);
      }
    }
  }

 private:
  void begin(std::size_t index) {
    Cycle& c = cycles_[index];
    c.fd = start_connect(options_.host, options_.port);
    if (c.fd < 0) {
      error = std::string("connect: ") + std::strerror(errno);
      return;
    }
    ++started_;
    c.started = now_ns();
    c.state = Cycle::State::kConnecting;
    c.in.clear();
    epoll_event event{};
    event.events = EPOLLOUT;
    event.data.u64 = index;
    epoll_ctl(epoll_, EPOLL_CTL_ADD, c.fd, &event);
  }

  void step(std::size_t index) {
    Cycle& c = cycles_[index];
    if (c.state == Cycle::State::kConnecting) {
      int socket_error = 0;
      socklen_t size = sizeof socket_error;
      getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &socket_error, &size);
      if (socket_error != 0) {
        error = std::string("connect: ") + std::strerror(socket_error);
        return;
      }
      std::string out;
      if (options_.websocket) {
        ws::ClientHandshakeOptions handshake_options;
        handshake_options.host = options_.host + ":" + std::to_string(options_.port);
        handshake_options.target = options_.path;
        c.handshake.emplace(std::move(handshake_options), cheap_key(random_));
        out = c.handshake->request();
      } else {
        out = kTcpPing;
      }
      // A fresh socket's send buffer always takes a few hundred bytes at once.
      if (send(c.fd, out.data(), out.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(out.size())) {
        error = std::string("send: ") + std::strerror(errno);
        return;
      }
      c.state = Cycle::State::kWaiting;
      epoll_event event{};
      event.events = EPOLLIN;
      event.data.u64 = index;
      epoll_ctl(epoll_, EPOLL_CTL_MOD, c.fd, &event);
      return;
    }
    char buffer[4096];
    ssize_t got = recv(c.fd, buffer, sizeof buffer, 0);
    if (got < 0 && errno == EAGAIN) return;
    if (c.state == Cycle::State::kOpen) {
      error = "idle: the server closed or wrote to an idle connection";
      return;
    }
    if (got <= 0) {
      error = got == 0 ? "the server closed the connection before answering"
                       : std::string("recv: ") + std::strerror(errno);
      return;
    }
    c.in.append(buffer, static_cast<std::size_t>(got));
    bool done = false;
    if (options_.websocket) {
      auto status = c.handshake->receive(c.in);
      if (status == ws::ClientHandshake::Status::kFailed) {
        error = "handshake: " + c.handshake->error();
        return;
      }
      done = status == ws::ClientHandshake::Status::kAccepted;
    } else {
      if (c.in.size() > kTcpPing.size() || kTcpPing.substr(0, c.in.size()) != c.in) {
        error = "tcp: wrong echo bytes";
        return;
      }
      done = c.in.size() == kTcpPing.size();
    }
    if (!done) return;
    if (measuring) {
      latencies.record(now_ns() - c.started);
      ++completed;
    } else if (keep_) {
      ++completed;
    }
    if (keep_) {
      c.state = Cycle::State::kIdle;
      kept_.push_back(c.fd);
      epoll_ctl(epoll_, EPOLL_CTL_DEL, c.fd, nullptr);
      c.fd = -1;
      return;
    }
    close(c.fd);
    c.fd = -1;
    c.state = Cycle::State::kIdle;
    c.handshake.reset();
  }

  const LoadOptions& options_;
  bool keep_;
  std::mt19937_64 random_;
  std::vector<Cycle> cycles_;
  std::vector<int> kept_;
  int epoll_ = -1;
  std::uint64_t started_ = 0;
};

std::string open_files_limit(pid_t pid) {
  std::ifstream limits("/proc/" + std::to_string(pid) + "/limits");
  std::string line;
  while (std::getline(limits, line)) {
    if (line.rfind("Max open files", 0) == 0) {
      auto start = line.find_first_of("0123456789");
      auto end = line.find(' ', start);
      return start == std::string::npos ? "" : line.substr(start, end - start);
    }
  }
  return "";
}

}  // namespace

struct WebSocketDial::State {
  State(int socket, std::string target, ws::ClientHandshakeOptions options)
      : fd(socket), where(std::move(target)), handshake(std::move(options)) {}
  ~State() {
    if (fd >= 0) close(fd);
  }
  State(const State&) = delete;
  State& operator=(const State&) = delete;

  int fd;             // owned until finish() hands it over
  std::string where;  // host:port/path, for the errors
  std::string request;
  ws::ClientHandshake handshake;
};

WebSocketDial::WebSocketDial(const std::string& host, std::uint16_t port, const std::string& path) {
  ws::ClientHandshakeOptions options;
  options.host = host + ":" + std::to_string(port);
  options.target = path;
  const int fd = connect_tcp(host, port);
  std::string where = options.host + path;
  state_ = std::make_unique<State>(fd, std::move(where), std::move(options));
  state_->request = state_->handshake.request();
  std::size_t sent = 0;
  while (sent < state_->request.size()) {
    pollfd waiting{fd, POLLOUT, 0};
    if (poll(&waiting, 1, 5000) <= 0)
      throw std::runtime_error("WebSocket handshake with " + state_->where + ": timed out sending");
    ssize_t n =
        send(fd, state_->request.data() + sent, state_->request.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno != EAGAIN)
      throw std::runtime_error("WebSocket handshake with " + state_->where + ": " +
                               std::strerror(errno));
    if (n > 0) sent += static_cast<std::size_t>(n);
  }
}

WebSocketDial::WebSocketDial(WebSocketDial&&) noexcept = default;
WebSocketDial& WebSocketDial::operator=(WebSocketDial&&) noexcept = default;

WebSocketDial::~WebSocketDial() = default;

int WebSocketDial::finish(std::string* early, std::size_t* handshake_bytes) {
  State& s = *state_;
  auto fail = [&](const std::string& why) {
    throw std::runtime_error("WebSocket handshake with " + s.where + ": " + why);
  };
  std::string in;
  for (;;) {
    pollfd waiting{s.fd, POLLIN, 0};
    if (poll(&waiting, 1, 5000) <= 0) fail("timed out waiting for the 101");
    char buffer[4096];
    ssize_t n = recv(s.fd, buffer, sizeof buffer, 0);
    if (n == 0) fail("connection closed");
    if (n < 0 && errno != EAGAIN) fail(std::strerror(errno));
    if (n > 0) in.append(buffer, static_cast<std::size_t>(n));
    auto status = s.handshake.receive(in);
    if (status == ws::ClientHandshake::Status::kFailed) fail(s.handshake.error());
    if (status == ws::ClientHandshake::Status::kAccepted) {
      if (handshake_bytes != nullptr) *handshake_bytes = s.request.size() + s.handshake.consumed();
      if (s.handshake.consumed() != in.size()) {
        if (early == nullptr) fail("frames arrived before we sent anything");
        early->assign(in, s.handshake.consumed());
      }
      return std::exchange(s.fd, -1);
    }
  }
}

int websocket_connect(const std::string& host, std::uint16_t port, const std::string& path,
                      std::string* early, std::size_t* handshake_bytes) {
  return WebSocketDial(host, port, path).finish(early, handshake_bytes);
}

Result run_handshake_load(const LoadOptions& options) {
  if (options.connections < 1)
    throw std::invalid_argument("handshake: connections must be positive");
  CycleDriver driver(options, options.connections, false);
  MeasureWindow window(now_ns(), options.warmup, options.seconds, options.server_pid);
  driver.run(window, 0);
  const double elapsed = window.elapsed(now_ns());

  Result result;
  window.record_cpu(result);
  result.set("mode", options.websocket ? "ws-handshake" : "tcp-cycle");
  result.set("conns", options.connections);
  result.set("seconds", elapsed);
  result.set("cycles", static_cast<double>(driver.completed));
  result.set("cycles_per_s", elapsed > 0 ? static_cast<double>(driver.completed) / elapsed : 0);
  result.set("p50_us", static_cast<double>(driver.latencies.percentile(50)) / 1e3);
  result.set("p99_us", static_cast<double>(driver.latencies.percentile(99)) / 1e3);
  result.set("p999_us", static_cast<double>(driver.latencies.percentile(99.9)) / 1e3);
  result.set("errors", driver.error.empty() ? 0.0 : 1.0);
  if (!driver.error.empty()) result.set("error", driver.error);
  return result;
}

Result run_idle(const LoadOptions& options) {
  Result result;
  result.set("mode", options.websocket ? "ws-idle" : "tcp-idle");
  if (options.server_pid <= 0) throw std::invalid_argument("idle: --server-pid is required");
  std::uint64_t wanted = static_cast<std::uint64_t>(options.connections) + 64;
  std::uint64_t limit = raise_fd_limit(wanted);
  int connections = options.connections;
  std::string note;
  if (limit < wanted) {
    connections = static_cast<int>(limit) - 64;
    note = "client RLIMIT_NOFILE hard limit is " + std::to_string(limit);
  }
  std::string server_limit = open_files_limit(options.server_pid);
  if (!server_limit.empty() &&
      std::stoull(server_limit) < static_cast<std::uint64_t>(connections) + 16)
    note += " server RLIMIT_NOFILE is " + server_limit;
  // Warm the server once (first connection allocations), then read its memory.
  {
    int fd = options.websocket ? websocket_connect(options.host, options.port, options.path)
                               : connect_tcp(options.host, options.port);
    close(fd);
  }
  std::uint64_t before = resident_bytes(options.server_pid);
  CycleDriver driver(options, 64, true);
  const std::uint64_t start = now_ns();
  MeasureWindow window(start, 0, options.seconds);
  driver.run(window, static_cast<std::uint64_t>(connections));
  // The server answered every 101, so it has set every connection up; read its memory now.
  std::uint64_t after = resident_bytes(options.server_pid);
  const double open_seconds = static_cast<double>(now_ns() - start) / 1e9;
  auto open = static_cast<double>(driver.kept());
  result.set("conns", open);
  result.set("wanted", options.connections);
  result.set("open_seconds", open_seconds);
  result.set("rss_before_kib", static_cast<double>(before) / 1024);
  result.set("rss_after_kib", static_cast<double>(after) / 1024);
  result.set("bytes_per_conn",
             open > 0 ? (static_cast<double>(after) - static_cast<double>(before)) / open : 0);
  result.set("server_fd_limit", server_limit.empty() ? "unknown" : server_limit);
  if (!note.empty()) result.set("note", note);
  result.set("errors", driver.error.empty() ? 0.0 : 1.0);
  if (!driver.error.empty()) result.set("error", driver.error);
  return result;
}

}  // namespace duplex::bench
