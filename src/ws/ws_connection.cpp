// WsConnection (lesson 10): the glue between net::Connection and Protocol. RFC 6455 §5.5.2,
// §7.1.1-§7.1.5, §7.1.7, §7.4.1, §10.4. See ws_connection.hpp.
// @lesson 10
#include "src/ws/ws_connection.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <utility>

#include "src/ws/group.hpp"

namespace duplex::ws {

namespace {

std::atomic<std::uint64_t> next_id{1};
#if DUPLEX_LESSON >= 12
// From this size on a message skips the Protocol's buffer (send_message); below it the copy
// costs less than a second append to the transport's queue.
constexpr std::size_t kDirectSendMin = 4096;
// The largest frame the echo's fast path waits for in the input buffer until it is whole: the
// most one wake-up reads (ConnectionLimits::max_read_per_wakeup's default). A larger one is
// taken piece by piece into a message, so memory follows the bytes that arrived.
constexpr std::size_t kEchoHoldMax = 256 * 1024;
// And the least worth holding: a held frame keeps its input buffer (a pool block) between reads,
// one per connection; a piece smaller than this costs less to take the usual way.
constexpr std::size_t kEchoHoldMin = 4096;
#endif

std::string millis(std::chrono::milliseconds duration) {
  return std::to_string(duration.count()) + " ms";
}

}  // namespace

// @anchor lesson10-take-over
// The transport keeps the new object alive through its two handlers, the object keeps it through
// transport_: a cycle that ends when the transport drops its handlers, after on_close.
std::shared_ptr<WsConnection> WsConnection::adopt(net::Connection& transport,
                                                  std::shared_ptr<const WsConfig> config,
                                                  std::string subprotocol, Group* group) {
  auto self = std::make_shared<WsConnection>(Private{}, transport, std::move(config),
                                             std::move(subprotocol));
  start(self, transport, group);
  return self;
}

#if DUPLEX_LESSON >= 14
std::shared_ptr<WsConnection> WsConnection::adopt(net::Connection& transport,
                                                  std::shared_ptr<const WsConfig> config,
                                                  std::string subprotocol, Group* group,
                                                  const std::optional<DeflateParams>& deflate) {
  auto self = std::make_shared<WsConnection>(Private{}, transport, std::move(config),
                                             std::move(subprotocol));
  // Before the first byte is read: the client may send a compressed frame right behind its
  // handshake.
  if (deflate) self->protocol_.enable_deflate(*deflate, self->config_->options.handshake.deflate);
  start(self, transport, group);
  return self;
}
#endif

void WsConnection::start(const std::shared_ptr<WsConnection>& self, net::Connection& transport,
                         Group* group) {
  // Nagle's algorithm would hold a small frame while one is unacknowledged (40 ms with delayed
  // ACKs); net::Connection coalesces instead, one write per round.
  int one = 1;
  ::setsockopt(transport.fd(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  transport.set_on_data([self](net::Connection&, net::Buffer& input) { self->on_data(input); });
  transport.set_on_close([self](net::Connection&, net::CloseReason reason, int error_number) {
    self->on_transport_closed(reason, error_number);
  });
  if (self->config_->options.ping_interval.count() > 0) {
    self->arm_keepalive(self->config_->options.ping_interval);
  }
  if (group != nullptr) group->add(*self);
  if (const auto& on_open = self->config_->handlers.on_open) {
    self->call_handler("on_open", [&] { on_open(*self); });
  }
}

WsConnection::WsConnection(Private, net::Connection& transport,
                           std::shared_ptr<const WsConfig> config, std::string subprotocol)
    : config_(std::move(config)),
      transport_(transport.shared_from_this()),
      loop_(transport.loop()),
      protocol_(Role::kServer, config_->options.limits),
      subprotocol_(std::move(subprotocol)),
      id_(next_id.fetch_add(1, std::memory_order_relaxed)),
      keepalive_timer_(transport),
      close_timer_(transport),
      message_timer_(transport) {
  if (config_->options.trace) trace_ = std::make_unique<ConnectionTrace>(id_, config_->options.log);
#if DUPLEX_LESSON >= 12
  fast_echo_ = config_->handlers.echo && !trace_;
#endif
}

// @anchor lesson10-on-data
// A Buffer's storage is not const, only its view: the Protocol unmasks the bytes in place.
void WsConnection::on_data(net::Buffer& input) {
  if (trace_) trace_->received(input.view());
  std::span<char> data(const_cast<char*>(input.data()), input.size());
  // @anchor lesson10-frame-at-a-time
  // The Protocol stops after every message and control frame, and their events reach the
  // application before the next frame is parsed: a reply to a good message is queued before a
  // bad frame behind it fails the connection (after our close nothing may be sent, §5.5.1).
#if DUPLEX_LESSON >= 12
  // @anchor lesson12-echo-loop
  // Lesson 12, WsHandlers::echo: whole frames go straight back, all those in a row at once
  // (echo_frames); one still arriving stays in the input buffer, so that it is whole at the next
  // read instead of being taken piece by piece into a message. Everything else goes through the
  // Protocol as below.
  held_ = 0;
#endif
  while (!data.empty() && state_ < State::kDisconnecting) {
#if DUPLEX_LESSON >= 12
    if (fast_echo_) {
      Protocol::EchoPlan plan = protocol_.plan_echo(data, kEchoHoldMax);
      if (plan.status == Protocol::EchoPlan::Status::kPartial && data.size() >= kEchoHoldMin) {
        held_ = data.size();
        break;
      }
      if (plan.status == Protocol::EchoPlan::Status::kWhole) {
        std::size_t echoed = echo_frames(plan, data);
        if (echoed > 0) {
          data = data.subspan(echoed);
          message_pending_ = false;
          continue;
        }
      }
    }
#endif
    data = data.subspan(protocol_.receive_data_in_place(data));
    if (!protocol_.mid_message()) message_pending_ = false;  // the timed message is over
    dispatch_events();
  }
#if DUPLEX_LESSON >= 12
  input.consume(input.size() - held_);
#else
  input.consume(input.size());
#endif
  after_protocol();
  watch_message_deadline();
}

#if DUPLEX_LESSON >= 12
// @anchor lesson12-echo-frames
// The replies to the whole frames at the front of `data`, from the one `first` plans, go one
// after the other into one stretch of the transport's output queue: the send-queue check, the
// pong and the room are paid once per read, not once per frame. A reply is its frame without
// the masking key (a client masks every frame, RFC 6455 §5.3), so room for `data` is room for
// all of them. A reply is committed only once the Protocol has checked it: a text frame that is
// not UTF-8 stops the run, and the caller takes it the usual way, which fails the connection
// (1007) after the replies before it. Returns the input bytes answered.
std::size_t WsConnection::echo_frames(const Protocol::EchoPlan& first, std::span<const char> data) {
  if (!can_send(first.reply_size)) return 0;
  std::size_t room = std::min(data.size(), config_->options.max_send_queue - bytes_queued());
  flush_output();  // a pong the Protocol queued goes out first (§5.5.2)
  Protocol::EchoRun run = protocol_.echo_whole_frames(data, transport_->prepare_send(room));
  transport_->commit_send(run.written);
  return run.taken;
}

std::uint64_t WsConnection::bytes_received() const {
  return protocol_.bytes_received() + held_;
}
#endif

// @anchor lesson10-dispatch
// Each event to its handler. A ping's pong is already queued by the Protocol (§5.5.2); a close
// waits for on_close (§7.1.4).
#if DUPLEX_LESSON >= 12
// Lesson 12, no allocation per message: the events vector is swapped with the Protocol's, the
// message buffer given back.
#endif
void WsConnection::dispatch_events() {
#if DUPLEX_LESSON >= 12
  protocol_.events_received(events_);
  std::vector<Event>& events = events_;
#else
  std::vector<Event> events = protocol_.events_received();
#endif
  const auto& on_message = config_->handlers.on_message;
  for (Event& event : events) {
    bool text = event.kind == Event::Kind::kText;
#if DUPLEX_LESSON >= 12
    // WsHandlers::echo: a message the fast path did not take goes back the usual way.
    if ((text || event.kind == Event::Kind::kBinary) && config_->handlers.echo) {
      send_message(text ? Opcode::kText : Opcode::kBinary, event.data);
      protocol_.reuse_message_buffer(std::move(event.data));
      continue;
    }
#endif
    if ((text || event.kind == Event::Kind::kBinary) && on_message) {
      Message message{text ? MessageType::kText : MessageType::kBinary, std::move(event.data)};
      call_handler("on_message", [&] { on_message(*this, message); });
#if DUPLEX_LESSON >= 12
      protocol_.reuse_message_buffer(std::move(message.data));
#endif
    } else if (event.kind == Event::Kind::kPong) {
      awaiting_pong_ = false;  // §5.5.3: any pong will do, solicited or not
    } else if (event.kind == Event::Kind::kFailure) {
      report_error(event.code, std::move(event.data));
    }
  }
#if DUPLEX_LESSON >= 12
  events_.clear();
#endif
}

// @anchor lesson10-close-transport
// After every step: queue the Protocol's output, move the state on. RFC 6455 §7.1.1: the server
// closes TCP first once both closes are exchanged, at once after a failure (§7.1.7).
void WsConnection::after_protocol() {
  flush_output();
  if (state_ >= State::kDisconnecting || protocol_.state() == Protocol::State::kOpen) return;
  leave_groups();  // no more messages may be sent: no more broadcasts either
  if (protocol_.should_close_transport()) {
    state_ = State::kDisconnecting;
    transport_->close();
    return;
  }
  state_ = State::kClosing;
  if (protocol_.awaiting_close_reply() && !close_timer_.active()) {
    close_timer_.start(config_->options.close_timeout, [this] {
      if (state_ == State::kClosing) {
        drop("the peer did not answer our close within " + millis(config_->options.close_timeout));
      }
    });
  }
}

void WsConnection::flush_output() {
  std::string_view output = protocol_.pending_output();
  if (output.empty()) return;
  write(output);
  protocol_.consume_output(output.size());
}

// Only queues: net::Connection writes at the end of the round and never calls back from send().
void WsConnection::write(std::string_view bytes) {
  if (trace_) trace_->sent(bytes);
  transport_->send(bytes);
}

// @anchor lesson10-send-queue
// A peer that does not read may make us hold this much; past it, 1008 (policy violation).
// Dropping messages would corrupt the stream; waiting would let one slow reader grow memory.
bool WsConnection::can_send(std::size_t bytes) {
  if (!is_open()) return false;
  std::size_t queued = bytes_queued();
  if (queued + bytes <= config_->options.max_send_queue) return true;
  close_with(CloseCode::kPolicyViolation, "send queue full",
             "send queue full: " + std::to_string(queued) + " bytes queued, limit " +
                 std::to_string(config_->options.max_send_queue));
  return false;
}

// Our reason to close: on_error hears it, the peer gets the code.
void WsConnection::close_with(CloseCode code, std::string_view reason, std::string what) {
  report_error(code, std::move(what));
  if (protocol_.send_close(code, reason)) after_protocol();
}

// @anchor lesson10-send-message
// The Protocol checks the message and frames it into its output, which goes to the transport.
#if DUPLEX_LESSON >= 12
// Lesson 12: a large message skips the copy into the Protocol's output: the Protocol checks it
// and makes only its header, and the payload goes straight into the transport's queue.
#endif
bool WsConnection::send_message(Opcode opcode, std::string_view payload) {
  if (!can_send(payload.size() + kMaxFrameHeaderSize)) return false;
#if DUPLEX_LESSON >= 12
  bool direct = payload.size() >= kDirectSendMin;
#if DUPLEX_LESSON >= 14
  // A compressed message is made in the Protocol's buffer: its size is known only then.
  if (protocol_.compresses(payload.size())) direct = false;
#endif
  if (direct) {
    char header[kMaxFrameHeaderSize];
    std::size_t size = protocol_.send_header(opcode, payload, header);
    if (size == 0) return false;
    flush_output();
    write(std::string_view(header, size));
    write(payload);
    return true;
  }
#endif
  return flushed(opcode == Opcode::kText ? protocol_.send_text(payload)
                                         : protocol_.send_binary(payload));
}

bool WsConnection::ping(std::string_view payload) {
  return flushed(can_send(payload.size() + kMaxFrameHeaderSize) && protocol_.send_ping(payload));
}

bool WsConnection::send_frame(std::string_view frame) {
  return flushed(can_send(frame.size()) && protocol_.send_serialized_frame(frame));
}

bool WsConnection::close(CloseCode code, std::string_view reason) {
  if (state_ >= State::kDisconnecting || !protocol_.send_close(code, reason)) return false;
  after_protocol();
  return true;
}

// @anchor lesson10-keepalive
// Every ping_interval: a peer silent since the last look gets a ping (§5.5.2), then pong_timeout
// to answer. A peer that vanished never does, and TCP alone could take hours to notice.
void WsConnection::arm_keepalive(std::chrono::milliseconds delay) {
  keepalive_timer_.start(delay, [this] { on_keepalive(); });
}

void WsConnection::on_keepalive() {
  if (!is_open()) return;
  const WsOptions& options = config_->options;
  if (awaiting_pong_) {
    drop("no pong within " + millis(options.pong_timeout) + " of the keep-alive ping");
#if DUPLEX_LESSON >= 12
  } else if (bytes_received() != received_mark_) {
    received_mark_ = bytes_received();
#else
  } else if (protocol_.bytes_received() != received_mark_) {
    received_mark_ = protocol_.bytes_received();
#endif
    arm_keepalive(options.ping_interval);
  } else if (protocol_.send_ping({})) {
    awaiting_pong_ = true;
    after_protocol();
    arm_keepalive(options.pong_timeout);
  }
}

// @anchor lesson10-message-deadline
// No timer operation per message: one timer, armed when a read ends inside a frame or message.
// When it fires the timed message is over (it lapses), a later one pends (it waits for that
// one's deadline), or it is late: 1008, §7.4.1's code for a broken policy (not 1002: a slow
// peer breaks no protocol rule).
void WsConnection::watch_message_deadline() {
  if (config_->options.message_timeout.count() <= 0) return;
#if DUPLEX_LESSON >= 12
  // A frame held in the input for the echo is a frame begun, timed like one.
  if (!is_open() || !(protocol_.mid_message() || held_ > 0)) return;
#else
  if (!is_open() || !protocol_.mid_message()) return;
#endif
  if (!message_pending_) {
    message_pending_ = true;
    message_since_ = loop_.now();
  }
  if (!message_timer_.active()) arm_message_timer(config_->options.message_timeout);
}

void WsConnection::arm_message_timer(std::chrono::milliseconds delay) {
  message_timer_.start(delay, [this] {
    if (!message_pending_ || !is_open()) return;
    auto deadline = message_since_ + config_->options.message_timeout;
    if (loop_.now() < deadline) {
      arm_message_timer(std::chrono::ceil<std::chrono::milliseconds>(deadline - loop_.now()));
      return;
    }
    message_pending_ = false;
    close_with(
        CloseCode::kPolicyViolation, "message not complete in time",
        "a frame or message was not complete within " + millis(config_->options.message_timeout));
  });
}

// The peer is gone or does not answer: nothing can be sent, so TCP is dropped (1006, §7.1.5).
void WsConnection::drop(std::string what) {
  report_error(CloseCode::kAbnormalClosure, std::move(what));
  if (state_ >= State::kDisconnecting) return;
  state_ = State::kDisconnecting;
  leave_groups();
  transport_->abort();
}

// @anchor lesson10-on-close
// The one place on_close is called, after the round TCP closed in. RFC 6455 §7.1.4-5: the code
// is the peer's, 1005 if its close had none, 1006 if none came; both only reported, never sent.
void WsConnection::on_transport_closed(net::CloseReason reason, int error_number) {
  state_ = State::kClosed;
  protocol_.receive_eof();  // its 1006 close event, if any, is what on_close reports below
  if (reason == net::CloseReason::kError && !protocol_.failed()) {
    report_error(CloseCode::kAbnormalClosure,
                 std::string("connection error: ") + std::strerror(error_number));
  }
  leave_groups();
  if (const auto& on_close = config_->handlers.on_close) {
    call_handler("on_close",
                 [&] { on_close(*this, protocol_.close_code(), protocol_.close_reason()); });
  }
}

void WsConnection::leave_groups() {
  for (Group* group : std::exchange(groups_, {})) group->forget(*this);
}

void WsConnection::report_error(CloseCode code, std::string what) {
  if (const auto& on_error = config_->handlers.on_error) {
    call_handler("on_error", [&] { on_error(*this, WsError{code, std::move(what)}); });
  }
}

// @anchor lesson10-handler-errors
// Inside call_handler's catch block. RFC 6455 §7.4.1: 1011, the server "encountered an
// unexpected condition". on_error hears of it, unless on_error or on_close (the connection is
// gone) threw: then the loop's error sink does.
void WsConnection::handler_threw(const char* name, std::string_view what) {
  std::string where = std::string("WebSocket ") + name;
  if (std::strcmp(name, "on_error") != 0 && std::strcmp(name, "on_close") != 0) {
    close_with(CloseCode::kInternalError, "internal error",
               "internal error: " + where + " threw: " + std::string(what));
    return;
  }
  loop_.report_exception(where);
  if (protocol_.send_close(CloseCode::kInternalError, "internal error")) after_protocol();
}

}  // namespace duplex::ws
