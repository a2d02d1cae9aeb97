// RedisClient (lesson 15): the RespSession driven by a net::Connector and a net::Connection,
// with the reply timeout, reconnection with backoff, and the ordered delivery of callbacks.
// @lesson 15
#include "src/redis/redis_client.hpp"

#include <algorithm>
#include <cctype>
#include <utility>

namespace duplex::redis {

std::string_view to_string(ClientError error) {
  switch (error) {
    case ClientError::kNone:
      return "none";
    case ClientError::kNotConnected:
      return "not connected";
    case ClientError::kConnectionLost:
      return "connection lost";
    case ClientError::kReplyTimeout:
      return "reply timeout";
    case ClientError::kProtocolError:
      return "protocol error";
    case ClientError::kNotAllowedWhileSubscribed:
      return "not allowed while subscribed";
    case ClientError::kTooManyPending:
      return "too many pending";
    case ClientError::kBadCommand:
      return "bad command";
    case ClientError::kStopped:
      return "stopped";
  }
  return "unknown";
}

std::string_view to_string(DisconnectReason reason) {
  switch (reason) {
    case DisconnectReason::kConnectFailed:
      return "connect failed";
    case DisconnectReason::kConnectTimeout:
      return "connect timeout";
    case DisconnectReason::kPeerClosed:
      return "closed by redis";
    case DisconnectReason::kIoError:
      return "i/o error";
    case DisconnectReason::kReplyTimeout:
      return "reply timeout";
    case DisconnectReason::kProtocolError:
      return "protocol error";
    case DisconnectReason::kSetupFailed:
      return "setup failed";
    case DisconnectReason::kStopped:
      return "stopped";
  }
  return "unknown";
}

std::string Disconnect::describe() const {
  std::string line = "redis: ";
  line.append(to_string(reason));
  if (!detail.empty()) line.append(" (").append(detail).append(")");
  if (reason != DisconnectReason::kStopped) {
    line.append(", attempt ").append(std::to_string(attempt));
    line.append(", retry in ").append(std::to_string(retry_in.count())).append(" ms");
  }
  return line;
}

namespace {

ClientError from_session(SessionError error, ClientError lost_as) {
  switch (error) {
    case SessionError::kNone:
      return ClientError::kNone;
    case SessionError::kNotConnected:
      return ClientError::kNotConnected;
    case SessionError::kConnectionLost:
      return lost_as;
    case SessionError::kProtocolError:
    case SessionError::kUnexpectedReply:
      return ClientError::kProtocolError;
    case SessionError::kNotAllowedWhileSubscribed:
      return ClientError::kNotAllowedWhileSubscribed;
    case SessionError::kTooManyPending:
      return ClientError::kTooManyPending;
    case SessionError::kBadCommand:
      return ClientError::kBadCommand;
  }
  return ClientError::kProtocolError;
}

bool is_subscription_command(std::string_view name) {
  std::string upper(name);
  std::transform(upper.begin(), upper.end(), upper.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return upper == "SUBSCRIBE" || upper == "PSUBSCRIBE" || upper == "UNSUBSCRIBE" ||
         upper == "PUNSUBSCRIBE";
}

}  // namespace

RedisClient::RedisClient(net::EventLoop& loop, net::SocketAddress address, ClientOptions options)
    : loop_(loop),
      address_(address),
      options_(std::move(options)),
      session_(options_.session),
      backoff_(options_.backoff),
      connector_(loop),
      reply_timer_(loop),
      retry_timer_(loop),
      dispatch_timer_(loop) {}

RedisClient::~RedisClient() {
  if (connection_) {
    connection_->set_on_data(nullptr);
    connection_->set_on_close(nullptr);
    connection_->abort();
  }
}

void RedisClient::start() {
  if (state_ != State::kStopped) return;
  backoff_.reset();
  failed_attempts_ = 0;
  connect_now();
}

void RedisClient::connect_now() {
  state_ = State::kConnecting;
  net::ConnectOptions connect_options;
  connect_options.timeout = options_.connect_timeout;
  connect_options.limits = options_.limits;
  connector_.connect(
      address_, connect_options,
      [this](std::shared_ptr<net::Connection> connection, const net::ConnectError* error) {
        on_connect(std::move(connection), error);
      });
}

void RedisClient::on_connect(std::shared_ptr<net::Connection> connection,
                             const net::ConnectError* error) {
  if (error != nullptr) {
    Disconnect disconnect;
    disconnect.reason = error->failure == net::ConnectFailure::kTimedOut
                            ? DisconnectReason::kConnectTimeout
                            : DisconnectReason::kConnectFailed;
    disconnect.error_number = error->error_number;
    disconnect.detail = error->message;
    fail_connection(std::move(disconnect), ClientError::kConnectionLost, true);
    dispatch();
    return;
  }
  connection_ = std::move(connection);
  ++connections_made_;
  connection_->set_on_data([this](net::Connection&, net::Buffer& input) { on_data(input); });
  connection_->set_on_close([this](net::Connection&, net::CloseReason reason, int error_number) {
    on_close(reason, error_number);
  });
  session_.connection_made();
  setup_left_ = options_.session.setup.size();
  setup_error_.clear();
  protocol_error_.clear();
  state_ = State::kSettingUp;
  if (setup_left_ == 0) became_connected();
  flush();
  watch_replies(true);
  dispatch();
}

// Every setup command answered: the connection is ready, and the backoff starts afresh.
void RedisClient::became_connected() {
  state_ = State::kConnected;
  backoff_.reset();
  failed_attempts_ = 0;
  Ready ready;
  ready.note = Ready::Note::kConnected;
  ready_.push_back(std::move(ready));
}

void RedisClient::on_data(net::Buffer& input) {
  bytes_read_ += input.size();
  session_.receive_data(input.view());
  input.consume(input.size());
  pull_events(ClientError::kConnectionLost);
  if (session_.state() == RespSession::State::kBroken) {
    Disconnect disconnect;
    disconnect.reason = DisconnectReason::kProtocolError;
    disconnect.detail = protocol_error_;
    fail_connection(std::move(disconnect), ClientError::kProtocolError, true);
  } else if (!setup_error_.empty()) {
    Disconnect disconnect;
    disconnect.reason = DisconnectReason::kSetupFailed;
    disconnect.detail = setup_error_;
    fail_connection(std::move(disconnect), ClientError::kConnectionLost, true);
  } else {
    flush();
    watch_replies(true);
  }
  dispatch();
}

void RedisClient::on_close(net::CloseReason reason, int error_number) {
  Disconnect disconnect;
  disconnect.reason = reason == net::CloseReason::kPeerClosed ? DisconnectReason::kPeerClosed
                                                              : DisconnectReason::kIoError;
  disconnect.error_number = error_number;
  if (disconnect.reason == DisconnectReason::kIoError) disconnect.detail = net::to_string(reason);
  fail_connection(std::move(disconnect), ClientError::kConnectionLost, true);
  dispatch();
}

void RedisClient::on_reply_timeout() {
  Disconnect disconnect;
  disconnect.reason = DisconnectReason::kReplyTimeout;
  disconnect.detail = "no reply for " + std::to_string(options_.reply_timeout.count()) + " ms";
  fail_connection(std::move(disconnect), ClientError::kReplyTimeout, true);
  dispatch();
}

// @anchor lesson15-fail-connection
// The one path out of a connection, whatever ended it: the socket is dropped, every command
// still owed a reply fails once with the reason (the session fails them in the order sent), the
// outage is queued for on_disconnected behind those failures, and the next attempt is scheduled.
// The wanted subscriptions stay in the session, which sends them again on the next connection.
void RedisClient::fail_connection(Disconnect disconnect, ClientError pending_error, bool retry) {
  disconnect.was_connected = state_ == State::kConnected;
  if (connection_) {
    connection_->set_on_data(nullptr);
    connection_->set_on_close(nullptr);
    if (connection_->is_open()) connection_->abort();
    connection_.reset();
  }
  connector_.cancel();
  reply_timer_.cancel();
  retry_timer_.cancel();
  session_.connection_lost();
  pull_events(pending_error);
  if (retry) {
    ++failed_attempts_;
    disconnect.attempt = failed_attempts_;
    disconnect.retry_in = backoff_.next();
    state_ = State::kWaitingToRetry;
    retry_timer_.start(disconnect.retry_in, [this] { connect_now(); });
  } else {
    state_ = State::kStopped;
  }
  Ready ready;
  ready.note = Ready::Note::kDisconnected;
  ready.disconnect = std::move(disconnect);
  ready_.push_back(std::move(ready));
}

void RedisClient::stop() {
  if (state_ == State::kStopped) return;
  Disconnect disconnect;
  disconnect.reason = DisconnectReason::kStopped;
  fail_connection(std::move(disconnect), ClientError::kStopped, false);
  dispatch_timer_.cancel();
  dispatch();
}

void RedisClient::command(std::span<const std::string_view> args, Callback done) {
  if (!args.empty() && is_subscription_command(args[0])) {
    // Their outcome is one confirmation per name, not one reply: subscribe() and friends.
    Ready ready;
    ready.event.kind = SessionEvent::Kind::kFailed;
    ready.error = ClientError::kBadCommand;
    ready.callback = std::move(done);
    ready_.push_back(std::move(ready));
    schedule_dispatch();
    return;
  }
  CommandId id = session_.send(args);
  if (done) callbacks_.emplace(id, std::move(done));
  after_call();
}

void RedisClient::command(std::initializer_list<std::string_view> args, Callback done) {
  command(std::span<const std::string_view>(args.begin(), args.size()), std::move(done));
}

void RedisClient::command(std::span<const std::string> args, Callback done) {
  std::vector<std::string_view> views(args.begin(), args.end());
  command(std::span<const std::string_view>(views), std::move(done));
}

void RedisClient::subscribe(std::span<const std::string_view> channels) {
  session_.subscribe(channels);
  after_call();
}

void RedisClient::psubscribe(std::span<const std::string_view> patterns) {
  session_.psubscribe(patterns);
  after_call();
}

void RedisClient::unsubscribe(std::span<const std::string_view> channels) {
  session_.unsubscribe(channels);
  after_call();
}

void RedisClient::punsubscribe(std::span<const std::string_view> patterns) {
  session_.punsubscribe(patterns);
  after_call();
}

// After a call from the application: what the session wrote is queued on the connection (it
// leaves at the end of the loop's round, with everything else sent in the round: one write for a
// whole pipeline), and what it decided at once (a refusal) is delivered from a timer, never
// inside the call.
void RedisClient::after_call() {
  pull_events(ClientError::kConnectionLost);
  flush();
  watch_replies(false);
  schedule_dispatch();
}

// @anchor lesson15-flush
// What the session wrote this round leaves in one send: every command of the round pipelined.
void RedisClient::flush() {
  if (!connection_) return;
  std::string_view output = session_.pending_output();
  if (output.empty()) return;
  connection_->send(output);
  session_.consume_output(output.size());
}

bool RedisClient::awaiting() const noexcept {
  return session_.pending() > 0 || session_.awaited_confirmations() > 0;
}

// @anchor lesson15-reply-timeout
// One timer per connection, not one per command: replies come in order, so while anything is
// owed, a connection that delivers nothing for reply_timeout has stalled for every command at
// once. Each arrival restarts the clock; an idle subscriber owes nothing and has no timer.
void RedisClient::watch_replies(bool progress) {
  if (!connection_ || options_.reply_timeout.count() <= 0 || !awaiting()) {
    reply_timer_.cancel();
    return;
  }
  if (progress || !reply_timer_.active()) {
    reply_timer_.start(options_.reply_timeout, [this] { on_reply_timeout(); });
  }
}

void RedisClient::pull_events(ClientError lost_as) {
  session_.events(batch_);
  for (SessionEvent& event : batch_) {
    Ready ready;
    switch (event.kind) {
      case SessionEvent::Kind::kSetup:
        if (event.value.is_error()) {
          if (setup_error_.empty()) setup_error_ = event.value.string;
        } else if (setup_left_ > 0 && --setup_left_ == 0 && setup_error_.empty() &&
                   state_ == State::kSettingUp) {
          became_connected();
        }
        continue;
      case SessionEvent::Kind::kHello:
        continue;
      case SessionEvent::Kind::kProtocolError:
        protocol_error_ = event.error == SessionError::kProtocolError
                              ? std::string(to_string(event.parse_error.code))
                              : std::string(to_string(event.error));
        continue;
      case SessionEvent::Kind::kFailed:
        ready.error = from_session(event.error, lost_as);
        break;
      default:
        break;
    }
    ready.event = std::move(event);
    ready_.push_back(std::move(ready));
  }
  batch_.clear();
}

void RedisClient::schedule_dispatch() {
  if (!ready_.empty() && !dispatch_timer_.active()) {
    dispatch_timer_.start(std::chrono::milliseconds{0}, [this] { dispatch(); });
  }
}

// Runs what is owed in order. A callback may call back into the client (send the next command,
// stop()); what that adds to the queue is delivered by the same loop, after what was there.
void RedisClient::dispatch() {
  if (dispatching_) return;
  dispatching_ = true;
  while (!ready_.empty()) {
    Ready ready = std::move(ready_.front());
    ready_.pop_front();
    try {
      deliver(ready);
    } catch (...) {
      // @anchor lesson15-callback-errors
      // The error policy: an application callback that throws is reported and the client goes
      // on. Its command was already matched to its reply, so the stream is still in step; closing
      // the connection would fail every other command for one callback's bug.
      loop_.report_exception("redis callback");
    }
  }
  dispatching_ = false;
}

void RedisClient::deliver(Ready& ready) {
  switch (ready.note) {
    case Ready::Note::kConnected:
      if (on_connected_) on_connected_();
      return;
    case Ready::Note::kDisconnected:
      if (on_disconnected_) on_disconnected_(ready.disconnect);
      return;
    case Ready::Note::kEvent:
      break;
  }
  SessionEvent& event = ready.event;
  if (event.kind == SessionEvent::Kind::kReply || event.kind == SessionEvent::Kind::kFailed) {
    Callback callback = std::move(ready.callback);
    if (!callback) {
      auto it = callbacks_.find(event.id);
      if (it == callbacks_.end()) return;
      callback = std::move(it->second);
      callbacks_.erase(it);
    }
    Reply reply;
    reply.error = ready.error;
    reply.value = std::move(event.value);
    callback(std::move(reply));
    return;
  }
  if (on_push_) on_push_(event);
}

}  // namespace duplex::redis
