// RespSession: the client side of one Redis connection, sans-I/O (lesson 15). See
// resp_session.hpp.
// @lesson 15
#include "src/redis/resp_session.hpp"

#include <algorithm>
#include <array>

#include "src/redis/resp_writer.hpp"

namespace duplex::redis {

namespace {

std::string upper(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 32) : c; });
  return out;
}

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; });
  return out;
}

// Commands whose replies break the one-command-one-reply order this session keeps: MONITOR and
// the replication commands stream forever, CLIENT REPLY OFF|SKIP suppresses replies, HELLO and
// RESET change the protocol under the session's feet, and the sharded Pub/Sub family has
// confirmations of its own.
bool untrackable(const std::string& name, std::span<const std::string_view> args) {
  static constexpr std::array<std::string_view, 7> kNames = {
      "MONITOR", "SYNC", "PSYNC", "HELLO", "RESET", "SSUBSCRIBE", "SUNSUBSCRIBE"};
  if (std::find(kNames.begin(), kNames.end(), name) != kNames.end()) return true;
  return name == "CLIENT" && args.size() > 1 && upper(args[1]) == "REPLY";
}

}  // namespace

std::string_view to_string(SessionError error) {
  switch (error) {
    case SessionError::kNone:
      return "no error";
    case SessionError::kNotConnected:
      return "not connected";
    case SessionError::kConnectionLost:
      return "connection lost";
    case SessionError::kProtocolError:
      return "protocol error";
    case SessionError::kNotAllowedWhileSubscribed:
      return "only (P)(UN)SUBSCRIBE, PING and QUIT are allowed while subscribed";
    case SessionError::kTooManyPending:
      return "too many commands waiting for replies";
    case SessionError::kBadCommand:
      return "bad command";
    case SessionError::kUnexpectedReply:
      return "unexpected reply";
  }
  return "unknown";
}

RespSession::RespSession(SessionOptions options)
    : options_(options), protocol_(Protocol::kResp2), parser_(options.limits) {}

bool RespSession::in_subscriber_mode() const {
  return protocol_ == Protocol::kResp2 && (server_subscriptions_ > 0 || awaited_confirmations_ > 0);
}

// What belonged to one connection: its waiting commands, its unsent bytes, its half-read reply,
// the protocol it negotiated and the subscriptions its server held.
void RespSession::forget_connection(State next) {
  fail_all_pending(SessionError::kConnectionLost);
  state_ = next;
  protocol_ = Protocol::kResp2;
  parser_.reset();
  output_.clear();
  written_ = 0;
  server_subscriptions_ = 0;
  awaited_confirmations_ = 0;
}

void RespSession::connection_made() {
  forget_connection(State::kConnected);
  for (std::size_t i = 0; i < options_.setup.size(); ++i) {
    append_command(output_, options_.setup[i]);
    pending_.push_back({i, Kind::kSetup});
  }
  if (options_.protocol == Protocol::kResp3) {
    append_command(output_, std::array<std::string_view, 2>{"HELLO", "3"});
    pending_.push_back({0, Kind::kHello});
  }
  // @anchor lesson15-resubscribe
  // The server forgot our subscriptions with the old connection: ask again for all of them.
  std::vector<std::string_view> names(channels_.begin(), channels_.end());
  if (!names.empty()) write_subscription("SUBSCRIBE", names);
  names.assign(patterns_.begin(), patterns_.end());
  if (!names.empty()) write_subscription("PSUBSCRIBE", names);
}

// @anchor lesson15-connection-lost
void RespSession::connection_lost() {
  forget_connection(State::kDisconnected);
}

void RespSession::fail_command(CommandId id, SessionError error) {
  SessionEvent event;
  event.kind = SessionEvent::Kind::kFailed;
  event.id = id;
  event.error = error;
  events_.push_back(std::move(event));
}

void RespSession::fail_all_pending(SessionError error) {
  for (const auto& pending : pending_) {
    if (pending.kind == Kind::kCommand || pending.kind == Kind::kSubscriberCommand) {
      fail_command(pending.id, error);
    }
  }
  pending_.clear();
}

CommandId RespSession::send(std::initializer_list<std::string_view> args) {
  return send(std::span<const std::string_view>(args.begin(), args.size()));
}

CommandId RespSession::send(std::span<const std::string_view> args) {
  std::string name = args.empty() ? std::string() : upper(args[0]);
  auto names = args.empty() ? args : args.subspan(1);
  if (name == "SUBSCRIBE" || name == "PSUBSCRIBE") {
    if (!names.empty()) {
      name == "SUBSCRIBE" ? subscribe(names) : psubscribe(names);
      return 0;
    }
  } else if (name == "UNSUBSCRIBE") {
    unsubscribe(names);
    return 0;
  } else if (name == "PUNSUBSCRIBE") {
    punsubscribe(names);
    return 0;
  }
  CommandId id = next_id_++;
  if (name.empty() || name == "SUBSCRIBE" || name == "PSUBSCRIBE" || untrackable(name, args)) {
    fail_command(id, SessionError::kBadCommand);
    return id;
  }
  if (state_ != State::kConnected) {
    fail_command(id, SessionError::kNotConnected);
    return id;
  }
  if (pending_.size() >= options_.max_pending) {
    fail_command(id, SessionError::kTooManyPending);
    return id;
  }
  Kind kind = Kind::kCommand;
  if (in_subscriber_mode()) {
    // redis.io, "Pub/Sub": a RESP2 subscriber may only (un)subscribe, PING and QUIT. Its PING
    // is answered with the array ["pong", argument], among the messages.
    if (name != "PING" && name != "QUIT") {
      fail_command(id, SessionError::kNotAllowedWhileSubscribed);
      return id;
    }
    kind = Kind::kSubscriberCommand;
  }
  append_command(output_, args);
  pending_.push_back({id, kind});
  return id;
}

void RespSession::write_subscription(std::string_view command,
                                     std::span<const std::string_view> names) {
  std::vector<std::string_view> args;
  args.reserve(names.size() + 1);
  args.push_back(command);
  args.insert(args.end(), names.begin(), names.end());
  append_command(output_, args);
  // Redis confirms each name given, one event per name, subscribed before or not.
  awaited_confirmations_ += static_cast<std::int64_t>(names.size());
}

void RespSession::subscribe(std::span<const std::string_view> channels) {
  if (channels.empty()) return;
  channels_.insert(channels.begin(), channels.end());
  if (state_ == State::kConnected) write_subscription("SUBSCRIBE", channels);
}

void RespSession::psubscribe(std::span<const std::string_view> patterns) {
  if (patterns.empty()) return;
  patterns_.insert(patterns.begin(), patterns.end());
  if (state_ == State::kConnected) write_subscription("PSUBSCRIBE", patterns);
}

void RespSession::unsubscribe(std::span<const std::string_view> channels) {
  std::vector<std::string> all;
  std::vector<std::string_view> names(channels.begin(), channels.end());
  if (names.empty()) {
    all.assign(channels_.begin(), channels_.end());
    names.assign(all.begin(), all.end());
  }
  if (names.empty()) return;
  for (auto name : names) channels_.erase(std::string(name));
  if (state_ == State::kConnected) write_subscription("UNSUBSCRIBE", names);
}

void RespSession::punsubscribe(std::span<const std::string_view> patterns) {
  std::vector<std::string> all;
  std::vector<std::string_view> names(patterns.begin(), patterns.end());
  if (names.empty()) {
    all.assign(patterns_.begin(), patterns_.end());
    names.assign(all.begin(), all.end());
  }
  if (names.empty()) return;
  for (auto name : names) patterns_.erase(std::string(name));
  if (state_ == State::kConnected) write_subscription("PUNSUBSCRIBE", names);
}

void RespSession::receive_data(std::string_view data) {
  while (state_ == State::kConnected && !data.empty()) {
    auto result = parser_.parse(data);
    data.remove_prefix(result.consumed);
    if (result.failed()) {
      protocol_error(SessionError::kProtocolError, result.error);
      return;
    }
    if (result.need_more()) return;
    on_value(parser_.take_value());
  }
}

void RespSession::protocol_error(SessionError error, RespError parse_error) {
  SessionEvent event;
  event.kind = SessionEvent::Kind::kProtocolError;
  event.error = error;
  event.parse_error = parse_error;
  events_.push_back(std::move(event));
  fail_all_pending(SessionError::kProtocolError);
  output_.clear();
  written_ = 0;
  state_ = State::kBroken;
}

void RespSession::on_value(Value value) {
  if (protocol_ == Protocol::kResp3) {
    // RESP3 spec, "Push type": pushes may come before or after any reply, and the next
    // non-push value is still the reply to the oldest command.
    if (value.type == Type::kPush) {
      if (!on_pubsub(value)) {
        SessionEvent event;
        event.kind = SessionEvent::Kind::kPush;
        event.value = std::move(value);
        events_.push_back(std::move(event));
      }
      return;
    }
    deliver_reply(std::move(value));
    return;
  }
  // @anchor lesson15-subscriber-mode
  // RESP2: a command sent outside subscriber mode was sent before any SUBSCRIBE still in play,
  // and Redis answers in order, so the next value is its reply whatever its shape.
  if (!pending_.empty() && pending_.front().kind != Kind::kSubscriberCommand) {
    deliver_reply(std::move(value));
    return;
  }
  if (on_pubsub(value)) return;
  deliver_reply(std::move(value));
}

// @anchor lesson15-pubsub-message
bool RespSession::on_pubsub(Value& value) {
  if ((value.type != Type::kArray && value.type != Type::kPush) || value.elements.empty() ||
      !value.elements[0].is_string()) {
    return false;
  }
  auto& e = value.elements;
  std::string kind = lower(e[0].string);
  SessionEvent event;
  if (kind == "message" && e.size() == 3) {
    event.kind = SessionEvent::Kind::kMessage;
    event.channel = std::move(e[1].string);
    event.payload = std::move(e[2].string);
  } else if (kind == "pmessage" && e.size() == 4) {
    event.kind = SessionEvent::Kind::kMessage;
    event.is_pattern = true;
    event.pattern = std::move(e[1].string);
    event.channel = std::move(e[2].string);
    event.payload = std::move(e[3].string);
  } else if ((kind == "subscribe" || kind == "psubscribe" || kind == "unsubscribe" ||
              kind == "punsubscribe") &&
             e.size() == 3 && e[2].type == Type::kInteger) {
    bool subscribed = kind == "subscribe" || kind == "psubscribe";
    event.kind = subscribed ? SessionEvent::Kind::kSubscribed : SessionEvent::Kind::kUnsubscribed;
    event.is_pattern = kind[0] == 'p';
    (event.is_pattern ? event.pattern : event.channel) = std::move(e[1].string);
    event.count = e[2].integer;
    // The third element counts channels and patterns together: 0 ends subscriber mode.
    server_subscriptions_ = std::max<std::int64_t>(e[2].integer, 0);
    if (awaited_confirmations_ > 0) --awaited_confirmations_;
  } else {
    return false;
  }
  events_.push_back(std::move(event));
  return true;
}

// @anchor lesson15-in-order
// Redis answers in the order it reads (RESP spec, "Pipelining"): a reply that is not a push
// belongs to the oldest command still waiting.
void RespSession::deliver_reply(Value value) {
  if (pending_.empty()) {
    protocol_error(SessionError::kUnexpectedReply,
                   RespError{RespErrorCode::kNone, "a reply that no command waits for"});
    return;
  }
  Pending pending = pending_.front();
  pending_.pop_front();
  SessionEvent event;
  if (pending.kind == Kind::kHello) {
    // RESP3 spec, "The HELLO command": an error (a Redis before 6 does not know HELLO, or
    // refuses the version) leaves the connection in RESP2.
    if (!value.is_error()) protocol_ = Protocol::kResp3;
    event.kind = SessionEvent::Kind::kHello;
  } else if (pending.kind == Kind::kSetup) {
    event.kind = SessionEvent::Kind::kSetup;
    event.id = pending.id;
  } else {
    event.kind = SessionEvent::Kind::kReply;
    event.id = pending.id;
  }
  event.value = std::move(value);
  events_.push_back(std::move(event));
}

std::vector<SessionEvent> RespSession::events() {
  std::vector<SessionEvent> out;
  out.swap(events_);
  return out;
}

void RespSession::events(std::vector<SessionEvent>& out) {
  out.clear();
  out.swap(events_);
}

std::string RespSession::data_to_send() {
  std::string out = output_.substr(written_);
  output_.clear();
  written_ = 0;
  return out;
}

void RespSession::consume_output(std::size_t written) {
  written_ += std::min(written, output_.size() - written_);
  if (written_ == output_.size()) {
    output_.clear();
    written_ = 0;
  }
}

}  // namespace duplex::redis
