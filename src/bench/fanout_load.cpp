// The fan-out load of duplex-bench (lesson 15). See fanout_load.hpp.
// @lesson 15
#include "src/bench/fanout_load.hpp"

#include <poll.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <random>
#include <stdexcept>

#include "src/bench/histogram.hpp"
#include "src/bench/load.hpp"
#include "src/bench/system.hpp"
#include "src/bench/ws_frames.hpp"
#include "src/redis/resp_parser.hpp"
#include "src/redis/resp_writer.hpp"

namespace duplex::bench {

namespace {

constexpr std::string_view kTextPrefix = "\"text\":\"fanout ";

bool parse_u64(std::string_view text, std::uint64_t& value) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  return ec == std::errc() && end != text.data();
}

// A client's text frame, masked as a client must (RFC 6455 §5.3), with a fresh key.
std::string masked_text_frame(std::string_view payload, std::mt19937& random) {
  unsigned char key[4];
  for (unsigned char& k : key) k = static_cast<unsigned char>(random() & 0xff);
  return masked_frame(kFinText, payload, key);
}

struct Member {
  int fd = -1;
  std::string in;
  std::string out;  // what send() did not take yet
  std::uint64_t next_say = 0;
  std::uint64_t said = 0;
};

std::uint64_t total_calls(const std::map<std::string, std::uint64_t>& calls) {
  std::uint64_t total = 0;
  for (const auto& [name, count] : calls)
    if (name != "info") total += count;
  return total;
}

}  // namespace

std::vector<std::uint16_t> parse_ports(std::string_view list) {
  std::vector<std::uint16_t> ports;
  while (!list.empty()) {
    std::size_t comma = list.find(',');
    std::string_view item = list.substr(0, comma);
    std::uint64_t port = 0;
    if (!parse_u64(item, port) || std::to_string(port) != item || port == 0 || port > 65535)
      throw std::invalid_argument("--ports wants ports like 8081,8082, not '" + std::string(item) +
                                  "'");
    ports.push_back(static_cast<std::uint16_t>(port));
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
    if (list.empty()) throw std::invalid_argument("--ports ends with a comma");
  }
  if (ports.empty()) throw std::invalid_argument("--ports wants at least one port");
  return ports;
}

std::string fanout_text(std::uint64_t sent_ns, int sender, std::uint64_t sequence) {
  return "fanout " + std::to_string(sent_ns) + " " + std::to_string(sender) + " " +
         std::to_string(sequence);
}

std::optional<std::uint64_t> fanout_stamp(std::string_view message) {
  // A replayed message says "history":"yes": it was sent before this member joined, perhaps
  // in an earlier run, and its age is no latency.
  if (message.find("\"history\":\"yes\"") != std::string_view::npos) return std::nullopt;
  if (message.find("\"type\":\"message\"") == std::string_view::npos) return std::nullopt;
  std::size_t at = message.find(kTextPrefix);
  if (at == std::string_view::npos) return std::nullopt;
  std::string_view rest = message.substr(at + kTextPrefix.size());
  std::uint64_t stamp = 0;
  if (!parse_u64(rest.substr(0, rest.find(' ')), stamp)) return std::nullopt;
  return stamp;
}

std::map<std::string, std::uint64_t> parse_commandstats(std::string_view info) {
  constexpr std::string_view kPrefix = "cmdstat_";
  std::map<std::string, std::uint64_t> calls;
  while (!info.empty()) {
    std::size_t end = info.find('\n');
    std::string_view line = info.substr(0, end);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    info.remove_prefix(end == std::string_view::npos ? info.size() : end + 1);
    if (!line.starts_with(kPrefix)) continue;
    std::size_t colon = line.find(':');
    std::size_t field = line.find("calls=");
    if (colon == std::string_view::npos || field == std::string_view::npos) continue;
    std::string_view digits = line.substr(field + 6);
    std::uint64_t count = 0;
    if (!parse_u64(digits.substr(0, digits.find(',')), count)) continue;
    calls[std::string(line.substr(kPrefix.size(), colon - kPrefix.size()))] = count;
  }
  return calls;
}

std::string redis_info_commandstats(const std::string& host, std::uint16_t port) {
  int fd = connect_tcp(host, port);
  auto fail = [&](const std::string& why) {
    close(fd);
    throw std::runtime_error("redis INFO at " + host + ":" + std::to_string(port) + ": " + why);
  };
  std::string request = redis::encode_command({"INFO", "commandstats"});
  std::size_t written = 0;
  redis::RespParser parser;
  std::string_view sent(request);
  const std::uint64_t deadline = now_ns() + 5'000'000'000ULL;
  char buffer[16384];
  while (true) {
    const std::uint64_t now = now_ns();
    if (now >= deadline) fail("no answer within 5 s");
    pollfd p{fd, static_cast<short>(written < sent.size() ? POLLOUT : POLLIN), 0};
    int ready = poll(&p, 1, static_cast<int>((deadline - now) / 1'000'000 + 1));
    if (ready < 0 && errno != EINTR) fail(std::string("poll: ") + std::strerror(errno));
    if (ready <= 0) continue;
    if (written < sent.size()) {
      ssize_t n = send(fd, sent.data() + written, sent.size() - written, MSG_NOSIGNAL);
      if (n < 0 && errno != EAGAIN) fail(std::string("send: ") + std::strerror(errno));
      if (n > 0) written += static_cast<std::size_t>(n);
      continue;
    }
    ssize_t n = recv(fd, buffer, sizeof buffer, 0);
    if (n < 0 && errno == EAGAIN) continue;
    if (n <= 0) fail(n == 0 ? "closed before the answer" : std::strerror(errno));
    auto result = parser.parse(std::string_view(buffer, static_cast<std::size_t>(n)));
    if (result.failed()) fail("not RESP: " + std::string(to_string(parser.error().code)));
    if (result.done()) break;
  }
  close(fd);
  const redis::Value& value = parser.value();
  if (value.is_error()) throw std::runtime_error("redis INFO: " + value.string);
  return value.string;
}

Result run_fanout(const FanoutOptions& options) {
  if (options.ports.empty()) throw std::invalid_argument("fanout: --ports is required");
  if (options.members < 1 || options.senders < 1 || options.senders > options.members)
    throw std::invalid_argument("fanout: want 1 <= --senders <= -c");
  if (options.rate <= 0) throw std::invalid_argument("fanout: --rate must be positive");
  Result result;
  result.set("mode", "fanout");
  result.set("engine", options.engine);
  result.set("processes", static_cast<double>(options.ports.size()));
  result.set("members", options.members);
  result.set("senders", options.senders);
  result.set("rate", options.rate);

  const std::uint64_t wanted = static_cast<std::uint64_t>(options.members) + 64;
  if (raise_fd_limit(wanted) < wanted) throw std::runtime_error("fanout: RLIMIT_NOFILE too low");

  std::mt19937 random(12345);
  std::vector<Member> members(static_cast<std::size_t>(options.members));
  int epoll = epoll_create1(EPOLL_CLOEXEC);
  std::string error;
  LatencyHistogram latency;
  std::uint64_t delivered = 0, said = 0, late = 0;
  bool measuring = false;
  std::uint64_t window_start = 0;

  auto flush = [&](Member& m) {
    while (!m.out.empty()) {
      ssize_t n = send(m.fd, m.out.data(), m.out.size(), MSG_NOSIGNAL);
      if (n < 0 && errno == EAGAIN) return;
      if (n <= 0) {
        error = std::string("fanout: send: ") + std::strerror(errno);
        return;
      }
      m.out.erase(0, static_cast<std::size_t>(n));
    }
  };
  auto on_frames = [&](Member& m) {
    while (auto frame = take_server_frame(m.in)) {
      if (frame->opcode == 0x8) {
        error = "fanout: the server closed a member's WebSocket";
        return;
      }
      if (frame->opcode == 0x1) {
        if (auto stamp = fanout_stamp(frame->payload)) {
          if (measuring && *stamp >= window_start) {
            ++delivered;
            latency.record(now_ns() - *stamp);
          } else if (measuring) {
            ++late;  // said during the warm-up, heard in the window
          }
        } else if (frame->payload.find("\"type\":\"error\"") != std::string_view::npos) {
          error = "fanout: the chat refused: " + std::string(frame->payload.substr(0, 200));
          return;
        }
      }
      m.in.erase(0, frame->length);
    }
  };

  const std::uint64_t setup_started = now_ns();
  const std::string join_prefix =
      "{\"type\":\"join\",\"room\":\"" + options.room + "\",\"nick\":\"m";
  for (std::size_t i = 0; i < members.size() && error.empty(); ++i) {
    Member& m = members[i];
    const std::uint16_t port = options.ports[i % options.ports.size()];
    try {
      m.fd = websocket_connect(options.host, port, options.path, &m.in);
    } catch (const std::exception& failure) {
      error = "fanout: member " + std::to_string(i) + " on port " + std::to_string(port) + ": " +
              failure.what();
      break;
    }
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.u64 = i;
    epoll_ctl(epoll, EPOLL_CTL_ADD, m.fd, &event);
    m.out = masked_text_frame(join_prefix + std::to_string(i) + "\"}", random);
    flush(m);
  }
  result.set("setup_seconds", static_cast<double>(now_ns() - setup_started) / 1e9);

  // Senders start spread over one interval, like people typing independently.
  const auto interval = static_cast<std::uint64_t>(1e9 / options.rate);
  const std::uint64_t first = now_ns();
  for (int s = 0; s < options.senders; ++s)
    members[static_cast<std::size_t>(s)].next_say =
        first +
        interval * static_cast<std::uint64_t>(s) / static_cast<std::uint64_t>(options.senders);

  std::vector<char> buffer(64 * 1024);
  std::vector<epoll_event> ready(std::min<std::size_t>(members.size(), 1024));
  auto run_until = [&](std::uint64_t until) {
    while (error.empty()) {
      std::uint64_t now = now_ns();
      if (now >= until) return;
      for (int s = 0; s < options.senders && error.empty(); ++s) {
        Member& m = members[static_cast<std::size_t>(s)];
        if (now < m.next_say) continue;
        m.next_say += interval;
        std::string text = fanout_text(now_ns(), s, m.said++);
        m.out += masked_text_frame("{\"type\":\"say\",\"text\":\"" + text + "\"}", random);
        if (measuring) ++said;
        flush(m);
      }
      int n = epoll_wait(epoll, ready.data(), static_cast<int>(ready.size()), 1);
      for (int i = 0; i < n && error.empty(); ++i) {
        Member& m = members[ready[static_cast<std::size_t>(i)].data.u64];
        ssize_t got = recv(m.fd, buffer.data(), buffer.size(), 0);
        if (got < 0 && errno == EAGAIN) continue;
        if (got <= 0) {
          error = "fanout: the server closed a member's connection";
          break;
        }
        m.in.append(buffer.data(), static_cast<std::size_t>(got));
        on_frames(m);
      }
    }
  };

  run_until(now_ns() + static_cast<std::uint64_t>(std::max(options.warmup, 0.0) * 1e9));
  std::map<std::string, std::uint64_t> before;
  if (options.redis_port != 0 && error.empty()) {
    try {
      before = parse_commandstats(redis_info_commandstats(options.host, options.redis_port));
    } catch (const std::exception& failure) {
      error = failure.what();
    }
  }
  measuring = true;
  window_start = now_ns();
  run_until(window_start + static_cast<std::uint64_t>(options.seconds * 1e9));
  const double elapsed = static_cast<double>(now_ns() - window_start) / 1e9;
  // What was said in the window is still on its way: give it half a second to arrive (it
  // counts, its latency too), with the senders quiet.
  for (int s = 0; s < options.senders; ++s)
    members[static_cast<std::size_t>(s)].next_say = ~std::uint64_t{0};
  run_until(now_ns() + 500'000'000ULL);
  measuring = false;
  std::map<std::string, std::uint64_t> after;
  if (options.redis_port != 0 && error.empty()) {
    try {
      after = parse_commandstats(redis_info_commandstats(options.host, options.redis_port));
    } catch (const std::exception& failure) {
      error = failure.what();
    }
  }
  for (auto& m : members)
    if (m.fd >= 0) close(m.fd);
  close(epoll);

  const auto msgs = static_cast<double>(said);
  const auto deliveries = static_cast<double>(delivered);
  result.set("seconds", elapsed);
  result.set("said", msgs);
  result.set("delivered", deliveries);
  result.set("deliveries_per_s", elapsed > 0 ? deliveries / elapsed : 0);
  result.set("deliveries_per_msg", msgs > 0 ? deliveries / msgs : 0);
  result.set("late", static_cast<double>(late));
  result.set("lat_p50_us", static_cast<double>(latency.percentile(50)) / 1e3);
  result.set("lat_p99_us", static_cast<double>(latency.percentile(99)) / 1e3);
  result.set("lat_max_us", static_cast<double>(latency.max()) / 1e3);
  if (options.redis_port != 0 && error.empty() && msgs > 0) {
    // The INFO that read `before` is counted in `after` under "info", which total_calls skips.
    const double total =
        static_cast<double>(total_calls(after)) - static_cast<double>(total_calls(before));
    result.set("redis_cmds_per_msg", total / msgs);
    for (const auto& [name, count] : after) {
      if (name == "info") continue;
      auto was = before.find(name);
      const std::uint64_t delta = count - (was == before.end() ? 0 : was->second);
      if (delta > 0) result.set("redis_" + name + "_per_msg", static_cast<double>(delta) / msgs);
    }
  }
  const bool complete = deliveries >= msgs * options.members;
  result.set("errors", error.empty() && msgs > 0 && complete ? 0.0 : 1.0);
  if (!error.empty()) {
    result.set("error", error);
  } else if (msgs == 0) {
    result.set("error", "fanout: nothing was said in the window");
  } else if (!complete) {
    result.set("error", "fanout: " + std::to_string(said) + " messages x " +
                            std::to_string(options.members) + " members, but only " +
                            std::to_string(delivered) + " deliveries");
  }
  return result;
}

}  // namespace duplex::bench
