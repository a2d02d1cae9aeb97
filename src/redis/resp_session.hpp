// RespSession: the client side of one Redis connection, sans-I/O (lesson 15).
//
// Above RespParser sits what a client must remember between replies. Commands go in with
// send() and are pipelined: written at once, without waiting. Each gets an id, and each id ends
// in exactly one event: kReply (Redis's answer, an error reply included: `-ERR ...` is a value of
// the command, not a broken connection) or kFailed (the command will get no answer, and why).
// Replies are matched to commands by order alone, because Redis answers in the order it reads
// (RESP spec, "Pipelining").
//
// A subscriber: subscribe()/psubscribe()/unsubscribe()/punsubscribe() change the set of
// channels and patterns this session wants. Their confirmations come back as kSubscribed and
// kUnsubscribed events, published messages as kMessage. In RESP2 a connection with a
// subscription accepts only (P)(UN)SUBSCRIBE, PING and QUIT (redis.io, "Pub/Sub"), so send()
// refuses anything else there with kFailed(kNotAllowedWhileSubscribed) instead of letting the
// server's answer be mistaken for a message. In RESP3 pushes carry their own type byte ('>'),
// and any command may share the connection.
//
// Connection lifecycle: connection_made() starts a connection (the setup commands such as AUTH,
// HELLO 3 in RESP3, then SUBSCRIBE / PSUBSCRIBE for everything the session wants, so a
// reconnect resubscribes by itself); connection_lost() fails every command still waiting, in order,
// with kConnectionLost. Nothing here owns a socket, a timer or a clock: timeouts, backoff and the
// decision to reconnect belong to the glue (docs/redis.md describes it). Implements the client side
// of the RESP2 and RESP3 specifications and Redis Pub/Sub.
// @lesson 15
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <initializer_list>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "src/redis/resp_parser.hpp"
#include "src/redis/value.hpp"

namespace duplex::redis {

enum class Protocol { kResp2, kResp3 };

// 64 Ki commands waiting for replies: far beyond any useful pipeline, small enough that a glue
// that keeps sending to a Redis that stopped answering is stopped before memory is.
inline constexpr std::size_t kDefaultMaxPending = 64 * 1024;

struct SessionOptions {
  // kResp3 sends HELLO 3 on every connection; if Redis refuses it (a Redis before 6), the
  // connection goes on in RESP2.
  Protocol protocol = Protocol::kResp2;
  RespParserLimits limits;
  std::size_t max_pending = kDefaultMaxPending;  // commands sent and not yet answered
  // Commands every connection starts with, before HELLO and the resubscription: AUTH, SELECT,
  // CLIENT SETNAME. A server that wants AUTH refuses everything else until it has it, SUBSCRIBE
  // included. Their replies come as kSetup events, in this order.
  std::vector<std::vector<std::string>> setup;
};

// Why a command ended without a reply.
enum class SessionError {
  kNone,
  kNotConnected,               // sent while there was no connection (or after it broke)
  kConnectionLost,             // the connection ended before the reply came
  kProtocolError,              // the reply stream broke a RESP rule; the connection must close
  kNotAllowedWhileSubscribed,  // RESP2: only (P)(UN)SUBSCRIBE, PING and QUIT while subscribed
  kTooManyPending,             // SessionOptions::max_pending commands already wait
  kBadCommand,                 // empty, or a command this session cannot track the replies of
  kUnexpectedReply,            // kProtocolError only: a reply came that no command waits for
};

std::string_view to_string(SessionError error);

using CommandId = std::uint64_t;

struct SessionEvent {
  enum class Kind {
    kReply,          // id, value: the reply to command `id` (maybe an error reply)
    kFailed,         // id, error: command `id` will get no reply
    kSetup,          // value, id = index in SessionOptions::setup: a setup command's reply; an
                     // error reply there (a wrong password) is the glue's to report and act on
    kHello,          // value: the answer to the session's own HELLO 3 (a map, or an error)
    kMessage,        // channel, payload; pattern too when it matched a PSUBSCRIBE
    kSubscribed,     // channel (or pattern, `is_pattern`), count: subscriptions now held
    kUnsubscribed,   // likewise; count 0 means none is left
    kPush,           // value: another RESP3 push (client tracking "invalidate", ...)
    kProtocolError,  // error (kProtocolError with parse_error, or kUnexpectedReply): the stream
                     // broke; the waiting commands failed; the glue closes the connection
  };
  Kind kind = Kind::kReply;
  CommandId id = 0;
  Value value;
  SessionError error = SessionError::kNone;
  std::string channel;
  std::string pattern;
  std::string payload;
  bool is_pattern = false;
  std::int64_t count = 0;
  RespError parse_error;
};

class RespSession {
 public:
  enum class State { kDisconnected, kConnected, kBroken };

  explicit RespSession(SessionOptions options = {});

  // --- Connection, told by the glue ---
  // The transport is up: queues the setup commands, HELLO (RESP3) and the resubscription.
  void connection_made();
  // The transport ended (or the glue closed it): every waiting command fails with
  // kConnectionLost, in the order sent, and unsent output is dropped. The wanted channels and
  // patterns stay, for the next connection_made().
  void connection_lost();

  // --- Commands ---
  // `args[0]` is the command's name. Returns the command's id; its end comes as an event (at
  // once as kFailed when refused). SUBSCRIBE and friends go to the methods below (send() passes
  // them on), and MONITOR and the sharded SSUBSCRIBE family, whose replies this session cannot
  // match, are refused with kBadCommand.
  CommandId send(std::span<const std::string_view> args);
  CommandId send(std::initializer_list<std::string_view> args);

  // Pub/Sub. The wanted set changes at once; the server's confirmations follow as events, one
  // per name. While disconnected only the wanted set changes; connection_made() sends it.
  // These never send a bare UNSUBSCRIBE: "all" is spelt out as the names this session wants,
  // so the number of confirmations to come is always known. send() returns 0 for them.
  void subscribe(std::span<const std::string_view> channels);
  void psubscribe(std::span<const std::string_view> patterns);
  // No names: every channel (pattern) this session wants.
  void unsubscribe(std::span<const std::string_view> channels = {});
  void punsubscribe(std::span<const std::string_view> patterns = {});

  // --- Input ---
  // Bytes read from the connection, split anywhere.
  void receive_data(std::string_view data);

  // --- Output ---
  std::vector<SessionEvent> events();  // oldest first; empties the queue
  // The same into `out` (cleared first), swapping buffers so that a glue calling it on every
  // read does not allocate a vector each time.
  void events(std::vector<SessionEvent>& out);
  std::string data_to_send();  // every byte waiting to be written
  std::string_view pending_output() const { return std::string_view(output_).substr(written_); }
  void consume_output(std::size_t written);

  // --- State ---
  State state() const { return state_; }
  Protocol protocol() const { return protocol_; }
  // Commands sent and not answered: the glue runs a reply timeout while this is not zero.
  std::size_t pending() const { return pending_.size(); }
  // RESP2: the server holds a subscription, or confirmations of (P)(UN)SUBSCRIBE are still to
  // come, so only (P)(UN)SUBSCRIBE, PING and QUIT may be sent. Until the answer to HELLO 3
  // arrives a connection follows RESP2's rules.
  bool in_subscriber_mode() const;
  // Confirmations of sent (P)(UN)SUBSCRIBE commands still to come (one per name sent).
  std::int64_t awaited_confirmations() const { return awaited_confirmations_; }
  const std::set<std::string>& channels() const { return channels_; }
  const std::set<std::string>& patterns() const { return patterns_; }
  const SessionOptions& options() const { return options_; }

 private:
  enum class Kind { kCommand, kSubscriberCommand, kSetup, kHello };
  struct Pending {
    CommandId id;
    Kind kind;
  };

  void forget_connection(State next);
  void fail_command(CommandId id, SessionError error);
  void fail_all_pending(SessionError error);
  void write_subscription(std::string_view command, std::span<const std::string_view> names);
  void on_value(Value value);
  void deliver_reply(Value value);
  // A RESP2 array or RESP3 push shaped like a Pub/Sub event: consumes it and returns true.
  bool on_pubsub(Value& value);
  void protocol_error(SessionError error, RespError parse_error);

  SessionOptions options_;
  Protocol protocol_;
  RespParser parser_;
  State state_ = State::kDisconnected;
  CommandId next_id_ = 1;
  std::deque<Pending> pending_;
  std::vector<SessionEvent> events_;
  std::string output_;
  std::size_t written_ = 0;

  std::set<std::string> channels_;  // wanted: resent after a reconnect
  std::set<std::string> patterns_;
  // What the server holds, by its own count, and the confirmations still to come of the
  // (P)(UN)SUBSCRIBE commands sent: in RESP2 either one non-zero means subscriber mode.
  std::int64_t server_subscriptions_ = 0;
  std::int64_t awaited_confirmations_ = 0;
};

}  // namespace duplex::redis
