// WsConnection (lesson 10): the glue between net::Connection and Protocol. RFC 6455 §5.5.2,
// §7.1.1-§7.1.5, §7.1.7, §10.4. See ws_connection.hpp.
#include "src/ws/ws_connection.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstring>
#include <span>
#include <utility>

#include "src/ws/frame_header.hpp"
#include "src/ws/group.hpp"

namespace duplex::ws {

namespace {

std::atomic<std::uint64_t> next_id{1};

// From this size on, a message sent inside on_data skips the Protocol's buffer (see
// send_message). Below it the copy is cheaper than a second call into the transport.
constexpr std::size_t kDirectSendMin = 4096;

std::string millis(std::chrono::milliseconds duration) {
  return std::to_string(duration.count()) + " ms";
}

}  // namespace

std::shared_ptr<WsConnection> WsConnection::adopt(net::Connection& transport,
                                                  std::shared_ptr<const WsConfig> config,
                                                  std::string subprotocol, Group* group) {
  auto connection = std::make_shared<WsConnection>(Private{}, transport, std::move(config),
                                                   std::move(subprotocol));
  connection->install();
  if (group != nullptr) group->add(*connection);
  const WsHandlers& handlers = connection->config_->handlers;
  if (handlers.on_open && connection->is_open()) handlers.on_open(*connection);
  return connection;
}

WsConnection::WsConnection(Private, net::Connection& transport,
                           std::shared_ptr<const WsConfig> config, std::string subprotocol)
    : config_(std::move(config)),
      transport_(transport.shared_from_this()),
      loop_(transport.loop()),
      protocol_(Role::kServer, config_->options.limits),
      subprotocol_(std::move(subprotocol)),
      id_(next_id.fetch_add(1, std::memory_order_relaxed)) {
  if (config_->options.trace) {
    // The markers of the HTTP trace (access_log.hpp): "> " before what the server received,
    // "< " before what it sent.
    std::string tag = "ws#" + std::to_string(id_);
    sent_tap_ = std::make_unique<FrameTap>(Role::kClient, tag + " < ");
    received_tap_ = std::make_unique<FrameTap>(Role::kServer, tag + " > ");
  }
}

WsConnection::~WsConnection() {
  if (keepalive_timer_ != 0) loop_.cancel(keepalive_timer_);
  if (close_timer_ != 0) loop_.cancel(close_timer_);
  if (message_timer_ != 0) loop_.cancel(message_timer_);
  leave_groups();
}

// @anchor lesson10-take-over
// The net::Connection keeps this object alive through its two handlers, and this object keeps
// the connection through transport_. The cycle is deliberate and short-lived: the connection
// drops its handlers when the socket closes, and on_transport_closed() drops transport_.
void WsConnection::install() {
  std::shared_ptr<WsConnection> self = shared_from_this();
  // Messages are small and latency matters: without TCP_NODELAY, Nagle's algorithm holds a
  // small frame while an earlier one is unacknowledged, and the peer's delayed ACK makes that
  // 40 ms. Coalescing is done by us instead: every reply to one read leaves in one write.
  int one = 1;
  ::setsockopt(transport_->fd(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  transport_->set_on_data([self](net::Connection&, net::Buffer& input) { self->on_data(input); });
  transport_->set_on_close([self](net::Connection&, net::CloseReason reason, int error_number) {
    self->on_transport_closed(reason, error_number);
  });
  received_mark_ = protocol_.bytes_received();
  if (config_->options.ping_interval.count() > 0) arm_keepalive(config_->options.ping_interval);
}

// @anchor lesson10-on-data
// Everything the socket gave us in this wake-up goes through the Protocol at once: every
// complete frame is handled, the application's replies are queued, and net::Connection writes
// them all in one write() when this handler returns (lesson 03's cork).
void WsConnection::on_data(net::Buffer& input) {
  auto self = shared_from_this();
  if (received_tap_) {
    std::string text;
    received_tap_->feed(input.view(), text);
    write_trace(text);
  }
  // The bytes are ours until consumed below, so the Protocol may unmask them where they lie
  // (Buffer hands out only a const view; its storage is not const).
  in_on_data_ = true;
  feed(std::span<char>(const_cast<char*>(input.data()), input.size()));
  in_on_data_ = false;
  input.consume(input.size());
  after_protocol();
  watch_message_deadline();
}

// @anchor lesson10-frame-at-a-time
// The Protocol stops after every message and every control frame, and the events of each
// reach the application before the next frame is parsed. Without that, a good message followed
// in the same read by a bad frame would be parsed, then the connection failed, and only then
// the application asked to answer the message: too late, nothing may be sent after the close
// (§5.5.1). The peer would never see the reply to a message it sent before its mistake. Replies
// still leave in one write when on_data returns.
void WsConnection::feed(std::span<char> data) {
  while (!data.empty() && transport_ != nullptr) {
    data = data.subspan(protocol_.receive_data_in_place(data));
    // The frame or message the deadline was timing is over (see watch_message_deadline).
    if (!protocol_.mid_message()) message_pending_ = false;
    dispatch_events();
  }
}

// @anchor lesson10-dispatch
// In steady state a message costs no allocation here: the events vector is swapped with the
// Protocol's (both keep their capacity), and the message's buffer goes back to the Protocol
// once the handler returns, unless the handler moved it away.
void WsConnection::dispatch_events() {
  std::vector<Event> events = std::move(events_);  // a handler may reach here again
  protocol_.events_received(events);
  for (Event& event : events) {
    // A callback may have ended the connection (and on_close has run): nothing more is due.
    if (transport_ == nullptr) break;
    switch (event.kind) {
      case Event::Kind::kText:
      case Event::Kind::kBinary:
        if (config_->handlers.on_message) {
          Message message{
              event.kind == Event::Kind::kText ? MessageType::kText : MessageType::kBinary,
              std::move(event.data)};
          config_->handlers.on_message(*this, message);
          protocol_.reuse_message_buffer(std::move(message.data));
        }
        break;
      case Event::Kind::kPing:
        break;  // RFC 6455 §5.5.2: the Protocol has already queued the pong
      case Event::Kind::kPong:
        // §5.5.3: any pong will do; an unsolicited one is a heartbeat and changes nothing else.
        awaiting_pong_ = false;
        break;
      case Event::Kind::kClose:
        break;  // reported by on_close once the TCP connection is closed (§7.1.4)
      case Event::Kind::kFailure:
        report_error(event.code, std::move(event.data));
        break;
    }
  }
  events.clear();
  events_ = std::move(events);
}

// @anchor lesson10-close-transport
// After every step: write what the Protocol produced, then decide about TCP. RFC 6455 §7.1.1:
// once both close frames are exchanged the server closes the TCP connection first; after a
// failure (§7.1.7) it closes at once. While our close waits for its answer, a timer bounds the
// wait.
void WsConnection::after_protocol() {
  if (transport_ == nullptr) return;
  flush_output();
  if (transport_ == nullptr) return;
  // A connection that can send no more messages receives no more broadcasts.
  if (!is_open()) leave_groups();
  if (protocol_.should_close_transport()) {
    if (closing_transport_) return;
    closing_transport_ = true;
    if (keepalive_timer_ != 0) loop_.cancel(keepalive_timer_);
    if (close_timer_ != 0) loop_.cancel(close_timer_);
    if (message_timer_ != 0) loop_.cancel(message_timer_);
    keepalive_timer_ = close_timer_ = message_timer_ = 0;
    transport_->close();
    return;
  }
  if (protocol_.awaiting_close_reply() && close_timer_ == 0) {
    std::weak_ptr<WsConnection> weak = weak_from_this();
    close_timer_ = loop_.run_after(config_->options.close_timeout, [weak] {
      if (auto self = weak.lock()) {
        self->close_timer_ = 0;
        self->on_close_timeout();
      }
    });
  }
}

void WsConnection::flush_output() {
  std::string_view output = protocol_.pending_output();
  if (transport_ == nullptr || output.empty()) return;
  if (sent_tap_) {
    std::string text;
    sent_tap_->feed(output, text);
    write_trace(text);
  }
  std::size_t size = output.size();
  // A write error inside send() closes the transport (on_transport_closed runs first).
  transport_->send(output);
  protocol_.consume_output(size);
}

// Inside on_data a send only queues: on_data flushes once at its end. A trace shows each frame
// as it is sent (the echo-trace demo of lesson 11 relies on it), so tracing flushes every time.
void WsConnection::flush_after_send() {
  if (!in_on_data_ || sent_tap_) flush_output();
}

// A write error inside net::Connection::send() closes the transport on the spot, and its close
// handler drops what may be the last reference to this object. Every public send holds one more
// until it returns, so nothing below it runs on freed memory.
std::shared_ptr<WsConnection> WsConnection::hold_self_while_sending() {
  return shared_from_this();
}

// @anchor lesson10-send-queue
// The bound on what a peer that does not read can make us hold. net::Connection already stops
// reading from such a peer (its requests stop coming), but a server also sends on its own
// account: broadcasts, tickers. Past the bound the connection is closed with 1008 (policy
// violation): dropping messages silently would corrupt the application's stream, and waiting
// would let one slow reader grow the server's memory without limit.
bool WsConnection::make_room(std::size_t bytes) {
  std::size_t queued = transport_->bytes_queued() + protocol_.pending_output().size();
  if (queued + bytes <= config_->options.max_send_queue) return true;
  report_error(CloseCode::kPolicyViolation, "send queue full: " + std::to_string(queued) +
                                                " bytes queued, limit " +
                                                std::to_string(config_->options.max_send_queue));
  if (transport_ != nullptr &&
      protocol_.send_close(CloseCode::kPolicyViolation, "send queue full")) {
    after_protocol();
  }
  return false;
}

bool WsConnection::send_text(std::string_view text) {
  return send_message(Opcode::kText, text);
}

bool WsConnection::send_binary(std::string_view bytes) {
  return send_message(Opcode::kBinary, bytes);
}

// @anchor lesson10-send-message
// A message is normally framed into the Protocol's output, then copied into the transport's. A
// large one sent while on_data runs skips the first copy: the Protocol only checks it and makes
// its header, and the payload goes straight to the transport, which is buffering anyway until
// on_data returns. (Outside on_data the transport writes each send at once: a separate header
// would cost a write of its own, so small and outside messages take the ordinary path.)
bool WsConnection::send_message(Opcode opcode, std::string_view payload) {
  auto self = hold_self_while_sending();
  if (!is_open() || !make_room(payload.size() + kMaxFrameHeaderSize)) return false;
  if (in_on_data_ && payload.size() >= kDirectSendMin && !sent_tap_) {
    char header[kMaxFrameHeaderSize];
    std::size_t size = protocol_.send_header(opcode, payload, header);
    if (size == 0) return false;
    flush_output();  // what the Protocol queued earlier goes first
    transport_->send(std::string_view(header, size));
    transport_->send(payload);
    return true;
  }
  bool queued =
      opcode == Opcode::kText ? protocol_.send_text(payload) : protocol_.send_binary(payload);
  if (!queued) return false;
  flush_after_send();
  return true;
}

bool WsConnection::ping(std::string_view payload) {
  auto self = hold_self_while_sending();
  if (!is_open() || !make_room(payload.size() + kMaxFrameHeaderSize)) return false;
  if (!protocol_.send_ping(payload)) return false;
  flush_after_send();
  return true;
}

bool WsConnection::send_frame(std::string_view serialized_frame) {
  auto self = hold_self_while_sending();
  if (!is_open() || !make_room(serialized_frame.size())) return false;
  if (!protocol_.send_serialized_frame(serialized_frame)) return false;
  flush_after_send();
  return true;
}

bool WsConnection::close(CloseCode code, std::string_view reason) {
  auto self = hold_self_while_sending();
  if (transport_ == nullptr || closing_transport_) return false;
  if (!protocol_.send_close(code, reason)) return false;
  after_protocol();
  return true;
}

bool WsConnection::is_open() const {
  return transport_ != nullptr && !closing_transport_ &&
         protocol_.state() == Protocol::State::kOpen;
}

std::size_t WsConnection::bytes_queued() const {
  return transport_ == nullptr ? 0 : transport_->bytes_queued() + protocol_.pending_output().size();
}

void WsConnection::arm_keepalive(std::chrono::milliseconds delay) {
  std::weak_ptr<WsConnection> weak = weak_from_this();
  keepalive_timer_ = loop_.run_after(delay, [weak] {
    if (auto self = weak.lock()) {
      self->keepalive_timer_ = 0;
      self->on_keepalive();
    }
  });
}

// @anchor lesson10-keepalive
// One timer per connection. It wakes every ping_interval and looks whether the peer sent
// anything since the last look; only a silent peer gets a ping (RFC 6455 §5.5.2 allows a ping at
// any time). Then the same timer waits pong_timeout for the pong: a peer that is gone (a cable
// pulled, a laptop closed) never answers, and TCP alone could take hours to notice.
void WsConnection::on_keepalive() {
  if (!is_open()) return;
  const WsOptions& options = config_->options;
  if (awaiting_pong_) {
    report_error(CloseCode::kAbnormalClosure,
                 "no pong within " + millis(options.pong_timeout) + " of the keep-alive ping");
    if (transport_ != nullptr) transport_->abort();
    return;
  }
  if (protocol_.bytes_received() != received_mark_) {
    received_mark_ = protocol_.bytes_received();
    arm_keepalive(options.ping_interval);
    return;
  }
  if (!protocol_.send_ping({})) return;
  awaiting_pong_ = true;
  after_protocol();
  if (transport_ != nullptr) arm_keepalive(options.pong_timeout);
}

void WsConnection::on_close_timeout() {
  if (transport_ == nullptr) return;
  report_error(CloseCode::kAbnormalClosure, "the peer did not answer our close within " +
                                                millis(config_->options.close_timeout));
  if (transport_ != nullptr) transport_->abort();
}

// @anchor lesson10-message-deadline
// Runs at the end of every on_data, and costs no timer operation per message: a timer is armed
// only when a read ends inside a frame or a message and none is armed yet. When it fires it
// looks at the message it was timing: already complete, it lapses; another one, begun later, it
// waits for that one's deadline; the same one, past its deadline, the connection is closed with
// 1008. RFC 6455 §7.4.1 has no code for "too slow": 1002 would say the peer broke the protocol,
// which a slow peer does not, while 1008 says it broke this server's policy (§7.4.1: "a generic
// status code that can be returned when there is no other more suitable status code").
void WsConnection::watch_message_deadline() {
  if (config_->options.message_timeout.count() <= 0 || !is_open()) return;
  if (!protocol_.mid_message()) return;
  if (!message_pending_) {
    message_pending_ = true;
    message_since_ = loop_.now();
  }
  if (message_timer_ == 0) arm_message_timer(config_->options.message_timeout);
}

void WsConnection::arm_message_timer(std::chrono::milliseconds delay) {
  std::weak_ptr<WsConnection> weak = weak_from_this();
  message_timer_ = loop_.run_after(delay, [weak] {
    if (auto self = weak.lock()) {
      self->message_timer_ = 0;
      self->on_message_timer();
    }
  });
}

void WsConnection::on_message_timer() {
  if (!message_pending_ || !is_open()) return;
  std::chrono::milliseconds timeout = config_->options.message_timeout;
  auto deadline = message_since_ + timeout;
  if (loop_.now() < deadline) {
    arm_message_timer(std::chrono::ceil<std::chrono::milliseconds>(deadline - loop_.now()));
    return;
  }
  message_pending_ = false;
  report_error(CloseCode::kPolicyViolation,
               "a frame or message was not complete within " + millis(timeout));
  if (transport_ != nullptr &&
      protocol_.send_close(CloseCode::kPolicyViolation, "message not complete in time")) {
    after_protocol();
  }
}

// @anchor lesson10-on-close
// The one place on_close is called. RFC 6455 §7.1.4-§7.1.5: the WebSocket connection is closed
// when the TCP connection is; its close code is the one in the peer's close frame, 1005 if that
// frame had none, and 1006 if no close frame arrived at all. 1005 and 1006 are reported here and
// never sent (the Protocol refuses to put them on the wire).
void WsConnection::on_transport_closed(net::CloseReason reason, int error_number) {
  auto self = shared_from_this();
  if (keepalive_timer_ != 0) loop_.cancel(keepalive_timer_);
  if (close_timer_ != 0) loop_.cancel(close_timer_);
  if (message_timer_ != 0) loop_.cancel(message_timer_);
  keepalive_timer_ = close_timer_ = message_timer_ = 0;
  std::shared_ptr<net::Connection> transport = std::move(transport_);
  transport_ = nullptr;
  protocol_.receive_eof();
  protocol_.events_received();  // the 1006 close event, if any: reported below
  if (reason == net::CloseReason::kError && !protocol_.failed()) {
    report_error(CloseCode::kAbnormalClosure,
                 std::string("connection error: ") + std::strerror(error_number));
  }
  leave_groups();
  if (config_->handlers.on_close) {
    config_->handlers.on_close(*this, protocol_.close_code(), protocol_.close_reason());
  }
}

void WsConnection::leave_groups() {
  for (Group* group : std::exchange(groups_, {})) group->forget(*this);
}

void WsConnection::report_error(CloseCode code, std::string what) {
  if (config_->handlers.on_error) config_->handlers.on_error(*this, WsError{code, std::move(what)});
}

void WsConnection::write_trace(std::string_view text) const {
  if (text.empty()) return;
  if (config_->options.log) {
    config_->options.log(text);
  } else {
    std::fwrite(text.data(), 1, text.size(), stderr);
  }
}

}  // namespace duplex::ws
