// WsClient (lessons 08 and 10). RFC 6455 §3, §4.1, §7.1. See ws_client.hpp.
// @lesson 10
#include "src/ws/ws_client.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <span>

#include "src/net/resolve.hpp"
#include "src/net/system_error.hpp"
#include "src/ws/client_handshake.hpp"
#include "src/ws/ws_connection_trace.hpp"

namespace duplex::ws {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// ---------------------------------------------------------------------------------------------
// URLs

std::string WsUrl::host_field() const {
  std::string host_part = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return port == 80 ? host_part : host_part + ":" + std::to_string(port);
}

std::string WsUrl::to_string() const {
  std::string host_part = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return "ws://" + host_part + ":" + std::to_string(port) + target;
}

// @anchor lesson08-url
std::optional<WsUrl> parse_ws_url(std::string_view url, std::string& error) {
  auto fail = [&](std::string message) -> std::optional<WsUrl> {
    error = std::move(message) + ": " + std::string(url);
    return std::nullopt;
  };
  constexpr std::string_view kScheme = "ws://";
  if (url.substr(0, 6) == "wss://") return fail("wss:// needs TLS, which duplex-ws does not speak");
  if (url.substr(0, kScheme.size()) != kScheme) return fail("not a ws:// URL");
  std::string_view rest = url.substr(kScheme.size());
  for (char c : rest) {
    if (static_cast<unsigned char>(c) <= ' ' || c == '\x7f') {
      return fail("space or control character in URL");
    }
  }
  // §3: "Fragment identifiers are meaningless in the context of WebSocket URIs".
  if (rest.find('#') != std::string_view::npos) return fail("a ws:// URL may not have a fragment");
  std::size_t path_start = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, path_start);
  std::string_view target = path_start == std::string_view::npos ? "" : rest.substr(path_start);
  if (authority.find('@') != std::string_view::npos) return fail("user information in URL");
  WsUrl parsed;
  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {
    std::size_t close = authority.find(']');
    if (close == std::string_view::npos) return fail("unclosed '[' in URL");
    parsed.host = authority.substr(1, close - 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return fail("bad port in URL");
      port_text = after.substr(1);
      if (port_text.empty()) return fail("bad port in URL");
    }
  } else {
    std::size_t colon = authority.find(':');
    parsed.host = authority.substr(0, colon);
    if (colon != std::string_view::npos) {
      port_text = authority.substr(colon + 1);
      if (port_text.empty()) return fail("bad port in URL");
    }
  }
  if (parsed.host.empty()) return fail("no host in URL");
  if (!port_text.empty()) {
    unsigned long port = 0;
    for (char c : port_text) {
      if (c < '0' || c > '9' || port > 65535) return fail("bad port in URL");
      port = port * 10 + static_cast<unsigned long>(c - '0');
    }
    if (port == 0 || port > 65535) return fail("bad port in URL");
    parsed.port = static_cast<std::uint16_t>(port);
  }
  // §3: an empty path is "/"; a query alone keeps its '?'.
  if (target.empty() || target.front() == '?') {
    parsed.target = "/" + std::string(target);
  } else {
    parsed.target = target;
  }
  return parsed;
}

// ---------------------------------------------------------------------------------------------
// Connecting

namespace {

int remaining_ms(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now()).count();
  return left < 0 ? 0 : static_cast<int>(left);
}

// Waits for `events` on `fd` until `deadline`; false on timeout.
bool wait_for(int fd, short events, Clock::time_point deadline) {
  for (;;) {
    pollfd entry{fd, events, 0};
    int ready = ::poll(&entry, 1, remaining_ms(deadline));
    if (ready > 0) return true;
    if (ready == 0) return false;
    if (errno != EINTR) net::throw_errno("poll");
  }
}

// A non-blocking connect() bounded by poll(): a blocking one can hang for minutes on an address
// that drops SYNs. Each resolved address is tried in turn, within one overall deadline.
// @anchor lesson08-connect
net::TcpStream connect_with_timeout(const WsUrl& url, milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  std::vector<net::SocketAddress> addresses = net::resolve(url.host, url.port);
  std::optional<net::SystemError> last_error;
  for (const auto& address : addresses) {
    std::string doing = "connect " + address.to_string();
    net::Fd fd(::socket(address.family(), SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (!fd) net::throw_errno("socket");
    if (::connect(fd.get(), address.get(), address.length()) != 0) {
      if (errno != EINPROGRESS) {
        last_error.emplace(errno, doing);
        continue;
      }
      if (!wait_for(fd.get(), POLLOUT, deadline)) {
        last_error.emplace(ETIMEDOUT, doing);
        continue;
      }
      int error = 0;
      socklen_t length = sizeof error;
      if (::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &error, &length) != 0) error = errno;
      if (error != 0) {
        last_error.emplace(error, doing);
        continue;
      }
    }
    // Back to blocking: reads are bounded by poll(), writes by SO_SNDTIMEO.
    int flags = ::fcntl(fd.get(), F_GETFL);
    if (flags < 0 || ::fcntl(fd.get(), F_SETFL, flags & ~O_NONBLOCK) < 0) net::throw_errno("fcntl");
    // Interactive messages are small; Nagle would hold each one back for the previous one's ACK.
    int one = 1;
    ::setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return net::TcpStream(std::move(fd));
  }
  throw *last_error;
}

}  // namespace

WsClient WsClient::connect(std::string_view url, WsClientOptions options) {
  std::string error;
  auto parsed = parse_ws_url(url, error);
  if (!parsed) throw WsClientError(error);
  return connect(*parsed, std::move(options));
}

WsClient WsClient::connect(const WsUrl& url, WsClientOptions options) {
  net::TcpStream stream = connect_with_timeout(url, options.connect_timeout);
  return WsClient(std::move(stream), url, std::move(options));
}

WsClient::WsClient(net::TcpStream stream, const WsUrl& url, WsClientOptions options)
    : options_(std::move(options)),
      stream_(std::move(stream)),
      protocol_(Role::kClient, options_.limits, options_.mask_source),
      sent_tap_(std::make_unique<FrameTap>(Role::kServer, "> ")),
      received_tap_(std::make_unique<FrameTap>(Role::kClient, "< ")) {
  stream_.set_send_timeout(options_.write_timeout);
  handshake(url);
}

WsClient::~WsClient() = default;
WsClient::WsClient(WsClient&&) noexcept = default;
WsClient& WsClient::operator=(WsClient&&) noexcept = default;

// @anchor lesson08-client-handshake
void WsClient::handshake(const WsUrl& url) {
  ClientHandshakeOptions handshake_options;
  handshake_options.host = url.host_field();
  handshake_options.target = url.target;
  handshake_options.subprotocols = options_.subprotocols;
  handshake_options.origin = options_.origin;
  handshake_options.extra_fields = options_.extra_fields;
#if DUPLEX_LESSON >= 14
  handshake_options.deflate = options_.deflate;
#endif
  ClientHandshake handshake(std::move(handshake_options));
  std::string request = handshake.request();
  trace_head(*sent_tap_, request);
  std::string where = " with " + url.to_string();
  try {
    stream_.write_all(request);
  } catch (const net::SystemError& error) {
    throw WsClientError(std::string("handshake") + where + ": " + error.what());
  }

  auto deadline = Clock::now() + options_.handshake_timeout;
  std::string buffered;
  char block[4096];
  while (handshake.receive(buffered) == ClientHandshake::Status::kNeedMore) {
    if (!wait_for(stream_.fd().get(), POLLIN, deadline)) {
      throw WsClientError("handshake" + where + " timed out after " +
                          std::to_string(options_.handshake_timeout.count()) + " ms");
    }
    std::size_t n = 0;
    try {
      n = stream_.read_some(block);
    } catch (const net::SystemError& error) {
      throw WsClientError(std::string("handshake") + where + ": " + error.what());
    }
    if (n == 0) throw WsClientError("handshake" + where + ": server closed the connection");
    buffered.append(block, n);
  }
  std::size_t head_size =
      handshake.status() == ClientHandshake::Status::kAccepted ? handshake.consumed() : 0;
  if (options_.trace && handshake.status_code() != 0) {
    std::string_view head = buffered;
    std::size_t end = head.find("\r\n\r\n");
    if (end != std::string_view::npos) head = head.substr(0, end + 2);
    trace_head(*received_tap_, head);
  }
  if (handshake.status() == ClientHandshake::Status::kFailed) {
    throw WsClientError("handshake" + where + " failed: " + handshake.error());
  }
  subprotocol_ = handshake.subprotocol();
#if DUPLEX_LESSON >= 14
  // Before the bytes behind the 101: they may already be compressed frames.
  deflate_ = handshake.deflate();
  if (deflate_) protocol_.enable_deflate(*deflate_, options_.deflate);
#endif
  // @anchor lesson08-leftover
  // The classic bug: the server may send its first frames right behind the 101, and one read
  // can return both. Those bytes are WebSocket data; dropping them loses the first messages.
  if (buffered.size() > head_size) {
    feed(std::span<char>(buffered).subspan(head_size));
    after_io();
  }
}

// ---------------------------------------------------------------------------------------------
// Messages

int WsClient::fd() const {
  return transport_closed_ ? -1 : stream_.fd().get();
}

bool WsClient::closed() const {
  return transport_closed_;
}

void WsClient::trace_head(const FrameTap& tap, std::string_view head) {
  if (!options_.trace) return;
  std::string text;
  tap.append_prefixed(text, head);
  options_.trace(text);
}

void WsClient::trace_frames(FrameTap& tap, std::string_view bytes) {
  if (!options_.trace) return;
  std::string text;
  tap.feed(bytes, text);
  if (!text.empty()) options_.trace(text);
}

void WsClient::feed(std::span<char> bytes) {
  trace_frames(*received_tap_, std::string_view(bytes.data(), bytes.size()));
  // One message or control frame at a time, so the pong to a ping and the answer to a close
  // leave right after it, in the order the frames came.
  while (!bytes.empty()) {
    bytes = bytes.subspan(protocol_.receive_data_in_place(bytes));
    for (auto& event : protocol_.events_received()) events_.push_back(std::move(event));
    flush();
  }
}

void WsClient::flush() {
  if (transport_closed_) {
    protocol_.data_to_send();
    return;
  }
  std::string out = protocol_.data_to_send();
  if (out.empty()) return;
  trace_frames(*sent_tap_, out);
  try {
    stream_.write_all(out);
  } catch (const net::SystemError& error) {
    end_transport(error.what());
  }
}

void WsClient::end_transport(const std::string& error) {
  if (transport_closed_) return;
  if (!error.empty() && last_error_.empty()) last_error_ = error;
  protocol_.receive_eof();
  for (auto& event : protocol_.events_received()) events_.push_back(std::move(event));
  stream_ = net::TcpStream(net::Fd());
  transport_closed_ = true;
}

// One read. False when the stream ended (or failed), which also closes the transport.
bool WsClient::read_once() {
  char block[16 * 1024];
  std::size_t n = 0;
  try {
    n = stream_.read_some(block);
  } catch (const net::SystemError& error) {
    end_transport(error.what());
    return false;
  }
  if (n == 0) {
    end_transport("");
    return false;
  }
  feed(std::span<char>(block, n));
  return true;
}

// §7.1.1: once both closes are exchanged, "the client SHOULD wait for the server to close the
// connection but MAY close the connection at any time after sending and receiving a Close
// message, e.g., if it has not received a TCP Close from the server in a reasonable time period".
void WsClient::wait_for_server_eof() {
  auto deadline = Clock::now() + options_.close_timeout;
  char block[4096];
  while (!transport_closed_) {
    if (!wait_for(stream_.fd().get(), POLLIN, deadline)) break;
    std::size_t n = 0;
    try {
      n = stream_.read_some(block);
    } catch (const net::SystemError&) {
      break;
    }
    if (n == 0) break;
  }
  if (!transport_closed_) {
    stream_ = net::TcpStream(net::Fd());
    transport_closed_ = true;
  }
}

// What the socket must do after the Protocol has seen new bytes.
void WsClient::after_io() {
  if (transport_closed_) return;
  if (protocol_.failed()) {
    // We failed the connection (§7.1.7): the close frame went out in flush(); close now.
    stream_ = net::TcpStream(net::Fd());
    transport_closed_ = true;
  } else if (protocol_.closing_handshake_done()) {
    wait_for_server_eof();
  }
}

bool WsClient::send_text(std::string_view text) {
  if (!protocol_.send_text(text)) return false;
  flush();
  return true;
}

bool WsClient::send_binary(std::string_view bytes) {
  if (!protocol_.send_binary(bytes)) return false;
  flush();
  return true;
}

bool WsClient::send_ping(std::string_view payload) {
  if (!protocol_.send_ping(payload)) return false;
  flush();
  return true;
}

std::vector<Event> WsClient::take_events() {
  std::vector<Event> out(std::make_move_iterator(events_.begin()),
                         std::make_move_iterator(events_.end()));
  events_.clear();
  return out;
}

std::vector<Event> WsClient::poll_events(milliseconds timeout) {
  if (events_.empty() && !transport_closed_) {
    if (wait_for(stream_.fd().get(), POLLIN, Clock::now() + timeout) && read_once()) after_io();
  }
  return take_events();
}

std::optional<Event> WsClient::receive(milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  while (events_.empty() && !transport_closed_) {
    int left = remaining_ms(deadline);
    if (!wait_for(stream_.fd().get(), POLLIN, deadline)) break;
    if (read_once()) after_io();
    if (left == 0) break;
  }
  if (events_.empty()) return std::nullopt;
  Event event = std::move(events_.front());
  events_.pop_front();
  return event;
}

// @anchor lesson08-client-close
bool WsClient::close(CloseCode code, std::string_view reason) {
  if (transport_closed_) return protocol_.close_received();
  if (protocol_.state() == Protocol::State::kOpen) {
    protocol_.send_close(code, reason);
    flush();
  }
  auto deadline = Clock::now() + options_.close_timeout;
  while (!transport_closed_ && !protocol_.close_received() && !protocol_.failed()) {
    if (!wait_for(stream_.fd().get(), POLLIN, deadline)) break;
    read_once();
  }
  bool clean = protocol_.close_received() && !protocol_.failed();
  if (!transport_closed_) {
    if (clean) {
      wait_for_server_eof();
    } else {
      stream_ = net::TcpStream(net::Fd());
      transport_closed_ = true;
    }
  }
  return clean;
}

}  // namespace duplex::ws
