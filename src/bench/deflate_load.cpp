// The compression measurements of duplex-bench (lesson 14): idle compressed connections and
// the corpus's per-message ratio. See deflate_load.hpp.
// @lesson 14
#include "src/bench/deflate_load.hpp"

#include <poll.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <stdexcept>

#include "src/bench/histogram.hpp"
#include "src/bench/load_loop.hpp"
#include "src/bench/system.hpp"
#include "src/bench/ws_frames.hpp"
#include "src/ws/client_handshake.hpp"

namespace duplex::bench {

namespace {

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i];
    char y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// What the server agreed to, as PerMessageDeflate on our side needs it; the defaults when the
// server accepted nothing (then nothing is compressed, but the ratio is still worth knowing).
ws::DeflateParams server_default_params() {
  ws::DeflateParams params;
  params.server_no_context_takeover = true;
  params.client_no_context_takeover = true;
  return params;
}

// One blocking WebSocket handshake offering permessage-deflate (5 s per step). Returns the
// socket; `answer` gets the 101's extension value.
int connect_offering_deflate(const LoadOptions& options, const std::string& offer,
                             UpgradeAnswer& answer) {
  int fd = connect_tcp(options.host, options.port);
  ws::ClientHandshakeOptions handshake_options;
  handshake_options.host = options.host + ":" + std::to_string(options.port);
  handshake_options.target = options.path;
  handshake_options.extra_fields.emplace_back("Sec-WebSocket-Extensions", offer);
  const std::string request = ws::ClientHandshake(std::move(handshake_options)).request();
  auto fail = [&](const std::string& why) {
    close(fd);
    throw std::runtime_error("handshake with permessage-deflate offered: " + why);
  };
  std::size_t sent = 0;
  while (sent < request.size()) {
    pollfd waiting{fd, POLLOUT, 0};
    if (poll(&waiting, 1, 5000) <= 0) fail("timed out sending");
    ssize_t n = send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno != EAGAIN) fail(std::strerror(errno));
    if (n > 0) sent += static_cast<std::size_t>(n);
  }
  std::string in;
  for (;;) {
    const std::size_t end = in.find("\r\n\r\n");
    if (end != std::string::npos) {
      auto parsed = parse_upgrade_answer(std::string_view(in).substr(0, end + 4));
      if (!parsed) fail("not an HTTP/1.1 answer");
      if (parsed->status != 101) fail("status " + std::to_string(parsed->status));
      answer = *parsed;
      return fd;
    }
    if (in.size() > 16384) fail("answer head over 16 KiB");
    pollfd waiting{fd, POLLIN, 0};
    if (poll(&waiting, 1, 5000) <= 0) fail("timed out waiting for the 101");
    char buffer[4096];
    ssize_t n = recv(fd, buffer, sizeof buffer, 0);
    if (n == 0) fail("connection closed");
    if (n < 0 && errno != EAGAIN) fail(std::strerror(errno));
    if (n > 0) in.append(buffer, static_cast<std::size_t>(n));
  }
}

}  // namespace

// @anchor lesson14-bench-ratio
MessageCompression compress_messages(const std::vector<std::string>& messages,
                                     const ws::DeflateParams& agreed,
                                     const ws::PerMessageDeflateOptions& options) {
  MessageCompression total;
  ws::PerMessageDeflate server(agreed, ws::PerMessageDeflate::Side::kServer, options);
  ws::PerMessageDeflate client(agreed, ws::PerMessageDeflate::Side::kClient, options);
  std::string payload;
  std::string decoded;
  for (const std::string& message : messages) {
    ++total.messages;
    total.bytes_in += message.size();
    if (!server.should_compress(message.size())) {
      total.bytes_out += message.size();  // RFC 7692 §6.1: sent as it is, RSV1 unset
      continue;
    }
    ++total.compressed;
    payload.clear();
    decoded.clear();
    server.compress(message, payload);
    total.bytes_out += payload.size();
    ws::InflateOutcome outcome = client.decompress(payload, decoded);
    if (outcome.ok) outcome = client.finish_message(decoded);
    if (!outcome.ok || decoded != message) ++total.round_trip_errors;
  }
  return total;
}

std::vector<std::string> read_messages(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::vector<std::string> messages;
  std::string line;
  while (std::getline(in, line))
    if (!line.empty()) messages.push_back(line);
  return messages;
}

std::optional<UpgradeAnswer> parse_upgrade_answer(std::string_view head) {
  // RFC 9112 §4: status-line = HTTP-version SP status-code SP [ reason-phrase ].
  constexpr std::string_view kVersion = "HTTP/1.1 ";
  if (head.substr(0, kVersion.size()) != kVersion || head.size() < kVersion.size() + 3)
    return std::nullopt;
  UpgradeAnswer answer;
  for (std::size_t i = 0; i < 3; ++i) {
    const char digit = head[kVersion.size() + i];
    if (digit < '0' || digit > '9') return std::nullopt;
    answer.status = answer.status * 10 + (digit - '0');
  }
  std::size_t line_start = head.find("\r\n");
  while (line_start != std::string_view::npos) {
    line_start += 2;
    const std::size_t line_end = head.find("\r\n", line_start);
    if (line_end == std::string_view::npos || line_end == line_start) break;
    const std::string_view line = head.substr(line_start, line_end - line_start);
    const std::size_t colon = line.find(':');
    if (colon != std::string_view::npos &&
        equals_ignoring_case(line.substr(0, colon), "Sec-WebSocket-Extensions")) {
      // RFC 9110 §5.3: several field lines are one list joined with ", ".
      const std::string_view value = trim(line.substr(colon + 1));
      if (answer.extensions)
        *answer.extensions += ", " + std::string(value);
      else
        answer.extensions = std::string(value);
    }
    line_start = line_end;
  }
  return answer;
}

// @anchor lesson14-bench-idle
Result run_deflate_idle(const LoadOptions& options, const std::string& corpus) {
  Result result;
  result.set("mode", "deflate-idle");
  if (options.server_pid <= 0)
    throw std::invalid_argument("deflate-idle: --server-pid is required");
  const std::uint64_t wanted = static_cast<std::uint64_t>(options.connections) + 64;
  const std::uint64_t limit = raise_fd_limit(wanted);
  const int connections = limit < wanted ? static_cast<int>(limit) - 64 : options.connections;
  ws::PerMessageDeflateOptions ours;  // what a browser offers: client_max_window_bits
  ours.server_no_context_takeover = false;
  ours.client_no_context_takeover = false;
  const std::string offer = ws::client_offer(ours);

  UpgradeAnswer answer;
  close(connect_offering_deflate(options, offer, answer));  // the server's first allocations
  const std::uint64_t before = resident_bytes(options.server_pid);
  std::vector<int> fds;
  fds.reserve(static_cast<std::size_t>(connections));
  std::string error;
  int agreed = 0;
  std::optional<ws::DeflateParams> params;
  const std::uint64_t start = now_ns();
  try {
    for (int i = 0; i < connections; ++i) {
      fds.push_back(connect_offering_deflate(options, offer, answer));
      if (!answer.extensions) continue;
      ws::ClientNegotiation check = ws::check_server_response(*answer.extensions, ours);
      if (check.failed()) {
        error = "the server's answer '" + *answer.extensions +
                "' fails RFC 7692 §7: " + std::string(ws::to_string(check.problem));
        break;
      }
      if (check.agreed) {
        ++agreed;
        params = check.agreed;
      }
    }
  } catch (const std::exception& e) {
    error = e.what();
  }
  const std::uint64_t after = resident_bytes(options.server_pid);
  const double open_seconds = static_cast<double>(now_ns() - start) / 1e9;
  for (int fd : fds) close(fd);

  const auto open = static_cast<double>(fds.size());
  result.set("conns", open);
  result.set("wanted", options.connections);
  result.set("deflate_agreed", agreed);
  if (params) result.set("extension", ws::to_header_value(*params));
  result.set("open_seconds", open_seconds);
  result.set("rss_before_kib", static_cast<double>(before) / 1024);
  result.set("rss_after_kib", static_cast<double>(after) / 1024);
  result.set("bytes_per_conn",
             open > 0 ? (static_cast<double>(after) - static_cast<double>(before)) / open : 0);
  if (!corpus.empty()) {
    // The chat under what was agreed (the server's defaults when nothing was).
    const MessageCompression chat =
        compress_messages(read_messages(corpus), params.value_or(server_default_params()), {});
    result.set("chat_ratio", chat.ratio());
    result.set("chat_messages", static_cast<double>(chat.messages));
    if (chat.round_trip_errors != 0 && error.empty()) error = "chat corpus did not round-trip";
  }
  result.set("errors", error.empty() ? 0.0 : 1.0);
  if (!error.empty()) result.set("error", error);
  return result;
}

namespace {

// A client text frame for `payload`, masked with `key`; RSV1 when compressed (RFC 7692 §6).
std::string client_frame(std::string_view payload, bool rsv1, const unsigned char key[4]) {
  return masked_frame(rsv1 ? kFinText | 0x40 : kFinText, payload, key);
}

struct EchoState {
  int fd = -1;
  Outbox out;
  InFlight in_flight;
  std::string in;
  std::uint64_t next_send = 0;
  std::uint64_t next_receive = 0;
};

}  // namespace

// @anchor lesson14-bench-echo
Result run_deflate_echo(const LoadOptions& options, const std::string& corpus, bool compress) {
  if (options.connections < 1 || options.inflight < 1)
    throw std::invalid_argument("deflate-echo: connections and inflight must be positive");
  if (corpus.empty()) throw std::invalid_argument("deflate-echo: --corpus FILE is required");
  std::vector<std::string> messages;
  for (std::string& m : read_messages(corpus))
    if (m.size() < 65536) messages.push_back(std::move(m));
  if (messages.empty()) throw std::invalid_argument("deflate-echo: no message in " + corpus);

  ws::PerMessageDeflateOptions ours;  // a client that accepts the server's defaults
  ours.server_no_context_takeover = false;
  ours.client_no_context_takeover = false;
  const std::string offer = ws::client_offer(ours);
  // The frames, built once: with no context takeover each message compresses the same way
  // every time, and one mask key for all connections keeps the client's cost out of the way.
  const unsigned char key[4] = {0x37, 0xfa, 0x21, 0x3d};
  std::optional<ws::DeflateParams> agreed;
  std::vector<EchoState> connections(static_cast<std::size_t>(options.connections));
  const int epoll = epoll_create1(EPOLL_CLOEXEC);
  std::string error;
  for (std::size_t i = 0; i < connections.size(); ++i) {
    EchoState& c = connections[i];
    if (compress) {
      UpgradeAnswer answer;
      c.fd = connect_offering_deflate(options, offer, answer);
      ws::ClientNegotiation check = ws::check_server_response(answer.extensions.value_or(""), ours);
      if (!answer.extensions || check.failed() || !check.agreed) {
        error = "deflate-echo: the server did not agree to permessage-deflate";
        close(c.fd);
        c.fd = -1;
        break;
      }
      agreed = check.agreed;
    } else {
      c.fd = websocket_connect(options.host, options.port, options.path);
    }
    c.in_flight = InFlight(static_cast<std::size_t>(options.inflight));
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.u64 = i;
    epoll_ctl(epoll, EPOLL_CTL_ADD, c.fd, &event);
  }
  std::vector<std::string> frames;
  if (error.empty()) {
    std::optional<ws::PerMessageDeflate> sender;
    if (agreed) sender.emplace(*agreed, ws::PerMessageDeflate::Side::kClient, ours);
    std::string payload;
    for (const std::string& m : messages) {
      const bool squeeze = sender && sender->should_compress(m.size());
      payload.clear();
      if (squeeze) sender->compress(m, payload);
      frames.push_back(
          client_frame(squeeze ? std::string_view(payload) : std::string_view(m), squeeze, key));
    }
  }
  std::optional<ws::PerMessageDeflate> receiver;
  if (agreed) receiver.emplace(*agreed, ws::PerMessageDeflate::Side::kClient, ours);

  LatencyHistogram latencies;
  std::uint64_t completed = 0;
  std::uint64_t text_bytes = 0;
  std::uint64_t wire_bytes = 0;
  MeasureWindow window(now_ns(), options.warmup, options.seconds, options.server_pid);
  auto queue_message = [&](EchoState& c, std::uint64_t now) {
    c.out.bytes += frames[c.next_send % frames.size()];
    c.in_flight.push(now);
    ++c.next_send;
  };
  std::string inflated;
  // Takes every whole frame at the front of c.in; false on an error.
  auto take_frames = [&](EchoState& c, std::uint64_t now) {
    std::size_t at = 0;
    while (auto frame = take_server_frame(std::string_view(c.in).substr(at))) {
      if (frame->opcode != 0x1 || !frame->fin || frame->masked) {
        error = "deflate-echo: expected one unmasked text frame per echo, got byte 0 = " +
                std::to_string(static_cast<unsigned char>(c.in[at]));
        return false;
      }
      const std::string_view payload = frame->payload;
      const std::string& expected = messages[c.next_receive % messages.size()];
      bool same = false;
      if (frame->rsv1) {
        if (!receiver) {
          error = "deflate-echo: RSV1 on a connection without permessage-deflate";
          return false;
        }
        inflated.clear();
        ws::InflateOutcome outcome = receiver->decompress(payload, inflated);
        if (outcome.ok) outcome = receiver->finish_message(inflated);
        same = outcome.ok && inflated == expected;
      } else {
        same = payload == expected;
      }
      if (!same) {
        error = "deflate-echo: echo " + std::to_string(c.next_receive) + " differs";
        return false;
      }
      if (c.in_flight.count() == 0) {
        error = "deflate-echo: an echo that was never sent";
        return false;
      }
      const std::uint64_t sent = c.in_flight.pop();
      ++c.next_receive;
      if (window.measuring()) {
        latencies.record(now - sent);
        ++completed;
        text_bytes += expected.size();
        wire_bytes += payload.size();
      }
      if (window.accepting_new_work(now)) queue_message(c, now);
      at += frame->length;
    }
    c.in.erase(0, at);
    return true;
  };

  std::uint64_t now = now_ns();
  if (error.empty()) {
    for (std::size_t i = 0; i < connections.size(); ++i) {
      for (int k = 0; k < options.inflight; ++k) queue_message(connections[i], now);
      connections[i].out.flush(connections[i].fd, epoll, i, error);
    }
  }
  std::vector<char> buffer(256 * 1024);
  std::vector<epoll_event> ready(connections.size());
  while (error.empty() && window.keep_going(now_ns())) {
    const int n = epoll_wait(epoll, ready.data(), static_cast<int>(ready.size()), 100);
    now = now_ns();
    for (int i = 0; i < n && error.empty(); ++i) {
      const std::size_t index = ready[static_cast<std::size_t>(i)].data.u64;
      EchoState& c = connections[index];
      if (ready[static_cast<std::size_t>(i)].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
        const ssize_t got = recv(c.fd, buffer.data(), buffer.size(), 0);
        if (got == 0) {
          error = "deflate-echo: the server closed connection " + std::to_string(index);
        } else if (got < 0 && errno != EAGAIN) {
          error = std::string("recv: ") + std::strerror(errno);
        } else if (got > 0) {
          c.in.append(buffer.data(), static_cast<std::size_t>(got));
          take_frames(c, now);
        }
      }
      if (error.empty()) c.out.flush(c.fd, epoll, index, error);
    }
  }
  const double elapsed = window.elapsed(now_ns());
  Result result;
  window.record_cpu(result);
  for (auto& c : connections)
    if (c.fd >= 0) close(c.fd);
  close(epoll);

  result.set("mode", "deflate-echo");
  result.set("compression", compress ? "on" : "off");
  result.set("conns", options.connections);
  result.set("inflight", options.inflight);
  result.set("messages_in_corpus", static_cast<double>(messages.size()));
  result.set("seconds", elapsed);
  result.set("msgs", static_cast<double>(completed));
  result.set("msgs_per_s", elapsed > 0 ? static_cast<double>(completed) / elapsed : 0);
  result.set("mb_per_s", elapsed > 0 ? static_cast<double>(text_bytes) / elapsed / 1e6 : 0);
  result.set("wire_bytes_per_msg",
             completed > 0 ? static_cast<double>(wire_bytes) / static_cast<double>(completed) : 0);
  result.set("text_bytes_per_msg",
             completed > 0 ? static_cast<double>(text_bytes) / static_cast<double>(completed) : 0);
  result.set("p50_us", static_cast<double>(latencies.percentile(50)) / 1e3);
  result.set("p99_us", static_cast<double>(latencies.percentile(99)) / 1e3);
  result.set("p999_us", static_cast<double>(latencies.percentile(99.9)) / 1e3);
  result.set("errors", error.empty() ? 0.0 : 1.0);
  if (!error.empty()) result.set("error", error);
  return result;
}

namespace {

// A JSON string's content for `text` (RFC 8259 §7: quote, backslash and control characters).
std::string json_escape(std::string_view text) {
  std::string out;
  for (char ch : text) {
    if (ch == '"' || ch == '\\') {
      out += '\\';
      out += ch;
    } else if (static_cast<unsigned char>(ch) < 0x20) {
      out += ' ';
    } else {
      out += ch;
    }
  }
  return out;
}

// The "text" of a corpus line (the chat corpus is {"type":"message",...,"text":"..."}); the
// whole line when it has none. At most 900 bytes, under the chat's 1000.
std::string said_text(const std::string& line) {
  constexpr std::string_view kKey = "\"text\":\"";
  const std::size_t at = line.find(kKey);
  std::string text = at == std::string::npos ? line : line.substr(at + kKey.size());
  if (at != std::string::npos && text.size() >= 2) text.resize(text.size() - 2);
  std::string plain;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 1 < text.size()) ++i;  // the corpus's escapes, undone simply
    plain += text[i];
  }
  if (plain.size() > 900) plain.resize(900);
  return plain;
}

struct Member {
  int fd = -1;
  Outbox out;
  std::string in;
  std::uint64_t next_say = 0;  // when this member says something next (ns)
  std::uint64_t said = 0;
};

}  // namespace

// @anchor lesson14-bench-broadcast
Result run_deflate_broadcast(const LoadOptions& options, const std::string& corpus, bool compress) {
  if (options.connections < 2) throw std::invalid_argument("deflate-broadcast: -c 2 or more");
  if (options.rate <= 0 || options.rate > 5)
    throw std::invalid_argument("deflate-broadcast: --rate must be in (0, 5], the chat's limit");
  std::vector<std::string> texts;
  for (const std::string& line : read_messages(corpus)) texts.push_back(said_text(line));
  if (texts.empty()) throw std::invalid_argument("deflate-broadcast: no message in " + corpus);

  ws::PerMessageDeflateOptions ours;
  ours.server_no_context_takeover = false;
  ours.client_no_context_takeover = false;
  const std::string offer = ws::client_offer(ours);
  const unsigned char key[4] = {0x37, 0xfa, 0x21, 0x3d};
  std::optional<ws::DeflateParams> agreed;
  std::vector<Member> members(static_cast<std::size_t>(options.connections));
  const int epoll = epoll_create1(EPOLL_CLOEXEC);
  std::string error;
  const std::uint64_t period = static_cast<std::uint64_t>(1e9 / options.rate);
  const std::uint64_t start = now_ns();
  for (std::size_t i = 0; i < members.size() && error.empty(); ++i) {
    Member& m = members[i];
    std::string early;
    if (compress) {
      UpgradeAnswer answer;
      m.fd = connect_offering_deflate(options, offer, answer);
      ws::ClientNegotiation check = ws::check_server_response(answer.extensions.value_or(""), ours);
      if (!answer.extensions || check.failed() || !check.agreed) {
        error = "deflate-broadcast: the server did not agree to permessage-deflate";
        break;
      }
      agreed = check.agreed;
    } else {
      m.fd = websocket_connect(options.host, options.port, options.path, &early);
    }
    m.in = early;
    // Join with a plain frame: a short message needs no compression (RFC 7692 §6.1).
    m.out.bytes += client_frame(
        R"({"type":"join","room":"bench","nick":"m)" + std::to_string(i) + "\"}", false, key);
    // Spread the members' turns over one period, so the load is even.
    m.next_say = start + period + period * i / members.size();
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.u64 = i;
    epoll_ctl(epoll, EPOLL_CTL_ADD, m.fd, &event);
  }
  std::optional<ws::PerMessageDeflate> codec;
  if (agreed) codec.emplace(*agreed, ws::PerMessageDeflate::Side::kClient, ours);
  // The "say" frames, built once.
  std::vector<std::string> says;
  std::string payload;
  for (const std::string& text : texts) {
    const std::string say = R"({"type":"say","text":")" + json_escape(text) + "\"}";
    const bool squeeze = codec && codec->should_compress(say.size());
    payload.clear();
    if (squeeze) codec->compress(say, payload);
    says.push_back(
        client_frame(squeeze ? std::string_view(payload) : std::string_view(say), squeeze, key));
  }

  std::uint64_t deliveries = 0;
  std::uint64_t wire_bytes = 0;
  std::uint64_t compressed = 0;
  std::uint64_t rate_limited = 0;
  std::string inflated;
  MeasureWindow window(now_ns(), options.warmup, options.seconds, options.server_pid);
  // Takes the whole frames at the front of m.in; every text frame is a chat message to us.
  auto take_frames = [&](Member& m) {
    std::size_t at = 0;
    while (auto frame = take_server_frame(std::string_view(m.in).substr(at))) {
      const std::string_view body = frame->payload;
      if (frame->opcode == 0x8) {
        error = "deflate-broadcast: the server closed a member";
        return;
      }
      if (frame->opcode == 0x1) {
        std::string_view text = body;
        if (frame->rsv1) {
          if (!codec) {
            error = "deflate-broadcast: RSV1 without permessage-deflate";
            return;
          }
          inflated.clear();
          ws::InflateOutcome outcome = codec->decompress(body, inflated);
          if (outcome.ok) outcome = codec->finish_message(inflated);
          if (!outcome.ok) {
            error = "deflate-broadcast: a compressed message did not inflate";
            return;
          }
          text = inflated;
        }
        if (text.find(R"("type":"error")") != std::string_view::npos) {
          // A server that falls behind reads a member's messages late and in bunches, and the
          // chat's rate limit (lesson 11) refuses some: counted, since it says "overloaded".
          if (text.find(R"("code":"rate-limited")") != std::string_view::npos) {
            ++rate_limited;
          } else {
            error = "deflate-broadcast: the chat answered an error: " + std::string(text);
            return;
          }
        }
        if (window.measuring() && text.find(R"("type":"message")") != std::string_view::npos) {
          ++deliveries;
          wire_bytes += body.size();
          if (frame->rsv1) ++compressed;
        }
      }
      at += frame->length;
    }
    m.in.erase(0, at);
  };

  for (std::size_t i = 0; i < members.size() && error.empty(); ++i)
    members[i].out.flush(members[i].fd, epoll, i, error);
  std::vector<char> buffer(256 * 1024);
  std::vector<epoll_event> ready(members.size());
  std::size_t next_text = 0;
  while (error.empty() && window.keep_going(now_ns())) {
    std::uint64_t now = now_ns();
    for (std::size_t i = 0; i < members.size() && error.empty(); ++i) {
      Member& m = members[i];
      if (m.next_say > now || !window.accepting_new_work(now)) continue;
      m.out.bytes += says[next_text++ % says.size()];
      m.next_say += period;
      ++m.said;
      m.out.flush(m.fd, epoll, i, error);
    }
    const int n = epoll_wait(epoll, ready.data(), static_cast<int>(ready.size()), 2);
    for (int i = 0; i < n && error.empty(); ++i) {
      const std::size_t index = ready[static_cast<std::size_t>(i)].data.u64;
      Member& m = members[index];
      if (ready[static_cast<std::size_t>(i)].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
        const ssize_t got = recv(m.fd, buffer.data(), buffer.size(), 0);
        if (got == 0) {
          error = "deflate-broadcast: the server closed member " + std::to_string(index);
        } else if (got < 0 && errno != EAGAIN) {
          error = std::string("recv: ") + std::strerror(errno);
        } else if (got > 0) {
          m.in.append(buffer.data(), static_cast<std::size_t>(got));
          take_frames(m);
        }
      }
      if (error.empty()) m.out.flush(m.fd, epoll, index, error);
    }
  }
  const double elapsed = window.elapsed(now_ns());
  Result result;
  window.record_cpu(result);
  for (auto& m : members)
    if (m.fd >= 0) close(m.fd);
  close(epoll);

  result.set("mode", "deflate-broadcast");
  result.set("compression", compress ? "on" : "off");
  result.set("conns", options.connections);
  result.set("rate", options.rate);
  result.set("seconds", elapsed);
  result.set("deliveries", static_cast<double>(deliveries));
  result.set("rate_limited", static_cast<double>(rate_limited));
  result.set("deliveries_per_s", elapsed > 0 ? static_cast<double>(deliveries) / elapsed : 0);
  result.set(
      "compressed_share",
      deliveries > 0 ? static_cast<double>(compressed) / static_cast<double>(deliveries) : 0);
  result.set(
      "wire_bytes_per_delivery",
      deliveries > 0 ? static_cast<double>(wire_bytes) / static_cast<double>(deliveries) : 0);
  if (auto server_cpu = result.number("server_cpu"); server_cpu && deliveries > 0 && elapsed > 0)
    result.set("server_cpu_us_per_1000",
               *server_cpu * elapsed * 1e6 / static_cast<double>(deliveries) * 1000);
  result.set("errors", error.empty() ? 0.0 : 1.0);
  if (!error.empty()) result.set("error", error);
  return result;
}

Result run_deflate_ratio(const std::string& corpus) {
  if (corpus.empty()) throw std::invalid_argument("deflate-ratio: --corpus FILE is required");
  const std::vector<std::string> messages = read_messages(corpus);
  Result result;
  result.set("mode", "deflate-ratio");
  result.set("messages", static_cast<double>(messages.size()));
  const MessageCompression alone = compress_messages(messages, server_default_params(), {});
  result.set("bytes_in", static_cast<double>(alone.bytes_in));
  result.set("bytes_out", static_cast<double>(alone.bytes_out));
  result.set("ratio", alone.ratio());
  ws::DeflateParams takeover;  // both sides keep their window between messages
  ws::PerMessageDeflateOptions keep;
  keep.server_no_context_takeover = false;
  keep.client_no_context_takeover = false;
  const MessageCompression kept = compress_messages(messages, takeover, keep);
  result.set("ratio_takeover", kept.ratio());
  const std::size_t errors = alone.round_trip_errors + kept.round_trip_errors;
  result.set("errors", errors == 0 ? 0.0 : 1.0);
  if (errors != 0) result.set("error", std::to_string(errors) + "_messages_did_not_round-trip");
  return result;
}

}  // namespace duplex::bench
