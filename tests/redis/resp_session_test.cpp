// Tests for src/redis/resp_session.cpp (lesson 15): pipelined commands matched to replies in
// order, error replies as values, the RESP2 subscriber mode and RESP3 pushes, the fate of
// waiting commands when the connection ends, and resubscription after a reconnect. Every
// stream of replies is fed at every split point.
// @lesson 15
#include "src/redis/resp_session.hpp"

#include <gtest/gtest.h>

#include <functional>

#include "src/redis/resp_writer.hpp"
#include "tests/support/split_feed.hpp"

namespace duplex::redis {
namespace {

std::string event_log(const std::vector<SessionEvent>& events) {
  std::string log;
  for (const auto& e : events) {
    switch (e.kind) {
      case SessionEvent::Kind::kReply:
        log += "reply #" + std::to_string(e.id) + " " + describe(e.value);
        break;
      case SessionEvent::Kind::kFailed:
        log += "failed #" + std::to_string(e.id) + " " + std::string(to_string(e.error));
        break;
      case SessionEvent::Kind::kHello:
        log += "hello " + describe(e.value);
        break;
      case SessionEvent::Kind::kSetup:
        log += "setup #" + std::to_string(e.id) + " " + describe(e.value);
        break;
      case SessionEvent::Kind::kMessage:
        log += e.is_pattern ? "pmessage " + e.pattern + " " : "message ";
        log += e.channel + " " + describe(Value::bulk_string(e.payload));
        break;
      case SessionEvent::Kind::kSubscribed:
      case SessionEvent::Kind::kUnsubscribed:
        log += e.kind == SessionEvent::Kind::kSubscribed ? "" : "un";
        log += e.is_pattern ? "psubscribed " + e.pattern : "subscribed " + e.channel;
        log += " " + std::to_string(e.count);
        break;
      case SessionEvent::Kind::kPush:
        log += "push " + describe(e.value);
        break;
      case SessionEvent::Kind::kProtocolError:
        log += "protocol error: " + std::string(to_string(e.error)) + ": " +
               std::string(to_string(e.parse_error.code));
        break;
    }
    log += "\n";
  }
  return log;
}

std::string bulks(std::initializer_list<std::string_view> items) {
  std::string out = "*" + std::to_string(items.size()) + "\r\n";
  for (auto item : items)
    out += "$" + std::to_string(item.size()) + "\r\n" + std::string(item) + "\r\n";
  return out;
}

std::string confirmation(std::string_view kind, std::string_view name, int count) {
  return "*3\r\n$" + std::to_string(kind.size()) + "\r\n" + std::string(kind) + "\r\n$" +
         std::to_string(name.size()) + "\r\n" + std::string(name) +
         "\r\n:" + std::to_string(count) + "\r\n";
}

// Builds a session with `setup` (which sends commands), feeds `replies` cut every way, and
// checks that each cut gives the same events, which it returns.
std::string events_for_every_split(const std::function<void(RespSession&)>& setup,
                                   std::string_view replies, SessionOptions options = {}) {
  std::string first;
  bool have_first = false;
  for (const auto& plan : duplex::testing::split_plans(replies)) {
    RespSession session(options);
    session.connection_made();
    setup(session);
    std::string log = event_log(session.events());
    for (auto chunk : plan.chunks) {
      session.receive_data(chunk);
      log += event_log(session.events());
    }
    if (!have_first) {
      first = log;
      have_first = true;
    }
    EXPECT_EQ(log, first) << plan.name;
    if (log != first) break;
  }
  return first;
}

TEST(L15_RespSession, StartsDisconnected) {
  RespSession session;
  EXPECT_EQ(session.state(), RespSession::State::kDisconnected);
  CommandId id = session.send({"PING"});
  EXPECT_EQ(event_log(session.events()), "failed #" + std::to_string(id) + " not connected\n");
  EXPECT_EQ(session.data_to_send(), "");
}

TEST(L15_RespSession, PipelinedRepliesMatchInOrder) {
  std::string expected_output, replies, expected;
  for (int i = 1; i <= 100; ++i) {
    expected_output += encode_command({"INCR", "counter"});
    replies += ":" + std::to_string(i) + "\r\n";
    expected += "reply #" + std::to_string(i) + " :" + std::to_string(i) + "\n";
  }
  auto setup = [&](RespSession& session) {
    for (int i = 1; i <= 100; ++i) EXPECT_EQ(session.send({"INCR", "counter"}), CommandId(i));
    EXPECT_EQ(session.pending(), 100U);
    EXPECT_EQ(session.data_to_send(), expected_output);
  };
  EXPECT_EQ(events_for_every_split(setup, replies), expected);
}

// An error reply ends its command, not the connection: the next reply goes to the next command.
TEST(L15_RespSession, ErrorReplyIsAValueOfItsCommand) {
  auto setup = [](RespSession& session) {
    session.send({"SET", "k", "v"});
    session.send({"LPUSH", "k", "x"});
    session.send({"GET", "k"});
  };
  EXPECT_EQ(events_for_every_split(
                setup,
                "+OK\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"
                "$1\r\nv\r\n"),
            "reply #1 +OK\n"
            "reply #2 -WRONGTYPE Operation against a key holding the wrong kind of value\n"
            "reply #3 \"v\"\n");
}

TEST(L15_RespSession, CommandsAreBinarySafe) {
  RespSession session;
  session.connection_made();
  std::string key("k\r\n\0", 4);
  std::array<std::string_view, 3> args = {"SET", key, "$-1\r\n"};
  session.send(args);
  EXPECT_EQ(session.data_to_send(),
            std::string("*3\r\n$3\r\nSET\r\n$4\r\nk\r\n\0\r\n$5\r\n$-1\r\n\r\n", 34));
}

TEST(L15_RespSession, Resp2SubscriberMode) {
  auto setup = [](RespSession& session) {
    std::array<std::string_view, 2> channels = {"room:1", "room:2"};
    session.subscribe(channels);
    std::array<std::string_view, 1> patterns = {"ticker.*"};
    session.psubscribe(patterns);
    EXPECT_TRUE(session.in_subscriber_mode());
    EXPECT_EQ(session.data_to_send(),
              bulks({"SUBSCRIBE", "room:1", "room:2"}) + bulks({"PSUBSCRIBE", "ticker.*"}));
    // redis.io, "Pub/Sub": a RESP2 subscriber may not send GET; its reply would look like
    // anything, so the session refuses it before it is written.
    EXPECT_EQ(session.send({"GET", "k"}), 1U);
    EXPECT_EQ(session.send({"PING"}), 2U);
    EXPECT_EQ(session.data_to_send(), bulks({"PING"}));
  };
  std::string replies =
      confirmation("subscribe", "room:1", 1) + confirmation("subscribe", "room:2", 2) +
      confirmation("psubscribe", "ticker.*", 3) + bulks({"message", "room:1", "hello\r\nada"}) +
      bulks({"pong", ""}) + bulks({"pmessage", "ticker.*", "ticker.eur", "1.09"});
  EXPECT_EQ(events_for_every_split(setup, replies),
            "failed #1 only (P)(UN)SUBSCRIBE, PING and QUIT are allowed while subscribed\n"
            "subscribed room:1 1\n"
            "subscribed room:2 2\n"
            "psubscribed ticker.* 3\n"
            "message room:1 \"hello\\r\\nada\"\n"
            "reply #2 [\"pong\", \"\"]\n"
            "pmessage ticker.* ticker.eur \"1.09\"\n");
}

// Subscriber mode ends when the server says no subscription is left and no confirmation is
// still to come; only then may ordinary commands go out again.
TEST(L15_RespSession, UnsubscribeAllLeavesSubscriberMode) {
  RespSession session;
  session.connection_made();
  std::array<std::string_view, 2> channels = {"a", "b"};
  session.subscribe(channels);
  session.receive_data(confirmation("subscribe", "a", 1) + confirmation("subscribe", "b", 2));
  session.data_to_send();
  session.send({"UNSUBSCRIBE"});
  // "All" is spelt out, so the number of confirmations to come is known.
  EXPECT_EQ(session.data_to_send(), bulks({"UNSUBSCRIBE", "a", "b"}));
  EXPECT_TRUE(session.channels().empty());
  session.receive_data(confirmation("unsubscribe", "a", 1));
  EXPECT_TRUE(session.in_subscriber_mode());
  session.receive_data(confirmation("unsubscribe", "b", 0));
  EXPECT_FALSE(session.in_subscriber_mode());
  CommandId get = session.send({"GET", "k"});
  session.receive_data("$-1\r\n");
  EXPECT_EQ(event_log(session.events()),
            "subscribed a 1\nsubscribed b 2\nunsubscribed a 1\nunsubscribed b 0\nreply #" +
                std::to_string(get) + " (nil)\n");
}

// An UNSUBSCRIBE of a channel never subscribed is still confirmed (count 0): until that
// confirmation comes, a GET's reply could be mistaken for it, so GET waits.
TEST(L15_RespSession, UnsubscribeOutsideSubscriberModeStillAwaitsItsConfirmation) {
  RespSession session;
  session.connection_made();
  std::array<std::string_view, 1> channels = {"x"};
  session.unsubscribe(channels);
  EXPECT_TRUE(session.in_subscriber_mode());
  session.send({"GET", "k"});
  session.receive_data(confirmation("unsubscribe", "x", 0));
  EXPECT_FALSE(session.in_subscriber_mode());
  EXPECT_EQ(event_log(session.events()),
            "failed #1 only (P)(UN)SUBSCRIBE, PING and QUIT are allowed while subscribed\n"
            "unsubscribed x 0\n");
}

// A reply to a command sent before SUBSCRIBE comes before the confirmations, whatever it looks
// like: a list holding "message", "a", "b" is LRANGE's reply, not a published message.
TEST(L15_RespSession, ReplyShapedLikeAMessageBeforeSubscribeIsAReply) {
  auto setup = [](RespSession& session) {
    session.send({"LRANGE", "l", "0", "-1"});
    std::array<std::string_view, 1> channels = {"a"};
    session.subscribe(channels);
  };
  EXPECT_EQ(events_for_every_split(setup, bulks({"message", "a", "b"}) +
                                              confirmation("subscribe", "a", 1) +
                                              bulks({"message", "a", "b"})),
            "reply #1 [\"message\", \"a\", \"b\"]\nsubscribed a 1\nmessage a \"b\"\n");
}

TEST(L15_RespSession, ConnectionLostFailsEveryWaitingCommandInOrder) {
  RespSession session;
  session.connection_made();
  session.send({"GET", "a"});
  session.send({"GET", "b"});
  session.send({"GET", "c"});
  session.receive_data("$1\r\n1\r\n$1");
  session.connection_lost();
  EXPECT_EQ(session.pending(), 0U);
  EXPECT_EQ(session.data_to_send(), "");
  session.send({"GET", "d"});
  EXPECT_EQ(event_log(session.events()),
            "reply #1 \"1\"\n"
            "failed #2 connection lost\n"
            "failed #3 connection lost\n"
            "failed #4 not connected\n");
  // The half-read reply of the old connection is forgotten, not glued to the new one.
  session.connection_made();
  session.send({"GET", "e"});
  session.receive_data("$1\r\n5\r\n");
  EXPECT_EQ(event_log(session.events()), "reply #5 \"5\"\n");
}

// After a reconnect the server knows no subscription: the session asks again for every
// channel and pattern it wants, and for none it gave up.
TEST(L15_RespSession, ReconnectResubscribes) {
  RespSession session;
  std::array<std::string_view, 3> channels = {"a", "b", "c"};
  session.subscribe(channels);  // while disconnected: remembered, not sent
  EXPECT_EQ(session.data_to_send(), "");
  session.connection_made();
  EXPECT_EQ(session.data_to_send(), bulks({"SUBSCRIBE", "a", "b", "c"}));
  std::array<std::string_view, 1> patterns = {"p*"};
  session.psubscribe(patterns);
  std::array<std::string_view, 1> gone = {"b"};
  session.unsubscribe(gone);
  session.data_to_send();
  session.connection_lost();
  EXPECT_FALSE(session.in_subscriber_mode());
  session.connection_made();
  EXPECT_EQ(session.data_to_send(), bulks({"SUBSCRIBE", "a", "c"}) + bulks({"PSUBSCRIBE", "p*"}));
  EXPECT_EQ(session.awaited_confirmations(), 3);
}

TEST(L15_RespSession, Resp3HelloPushesAndCommandsWhileSubscribed) {
  SessionOptions options;
  options.protocol = Protocol::kResp3;
  auto setup = [](RespSession& session) {
    EXPECT_EQ(session.data_to_send(), bulks({"HELLO", "3"}));
    std::array<std::string_view, 1> channels = {"room"};
    session.subscribe(channels);
    // Until HELLO is answered the connection follows RESP2's rules.
    EXPECT_EQ(session.send({"GET", "k"}), 1U);
  };
  std::string replies =
      "%2\r\n$6\r\nserver\r\n$5\r\nredis\r\n$5\r\nproto\r\n:3\r\n"
      ">3\r\n$9\r\nsubscribe\r\n$4\r\nroom\r\n:1\r\n"
      ">3\r\n$7\r\nmessage\r\n$4\r\nroom\r\n$2\r\nhi\r\n"
      ">2\r\n$10\r\ninvalidate\r\n*1\r\n$1\r\nk\r\n";
  EXPECT_EQ(events_for_every_split(setup, replies, options),
            "failed #1 only (P)(UN)SUBSCRIBE, PING and QUIT are allowed while subscribed\n"
            "hello {\"server\": \"redis\", \"proto\": :3}\n"
            "subscribed room 1\n"
            "message room \"hi\"\n"
            "push >[\"invalidate\", [\"k\"]]\n");

  RespSession session(options);
  session.connection_made();
  session.receive_data("%1\r\n$5\r\nproto\r\n:3\r\n");
  EXPECT_EQ(session.protocol(), Protocol::kResp3);
  std::array<std::string_view, 1> channels = {"room"};
  session.subscribe(channels);
  CommandId get = session.send({"GET", "k"});
  // RESP3 spec, "Push type": a push may come before the reply; the reply is still GET's.
  session.receive_data(">3\r\n$7\r\nmessage\r\n$4\r\nroom\r\n$1\r\nx\r\n$3\r\nbar\r\n");
  EXPECT_EQ(event_log(session.events()), "hello {\"proto\": :3}\nmessage room \"x\"\nreply #" +
                                             std::to_string(get) + " \"bar\"\n");
}

// A server that wants AUTH refuses everything before it, SUBSCRIBE included: the setup
// commands go first on every connection, then HELLO, then the resubscription.
TEST(L15_RespSession, SetupCommandsComeFirstOnEveryConnection) {
  SessionOptions options;
  options.protocol = Protocol::kResp3;
  options.setup = {{"AUTH", "default", "secret"}, {"CLIENT", "SETNAME", "duplex"}};
  RespSession session(options);
  std::array<std::string_view, 1> channels = {"room"};
  session.subscribe(channels);
  for (int connection = 0; connection < 2; ++connection) {
    session.connection_made();
    EXPECT_EQ(session.data_to_send(), bulks({"AUTH", "default", "secret"}) +
                                          bulks({"CLIENT", "SETNAME", "duplex"}) +
                                          bulks({"HELLO", "3"}) + bulks({"SUBSCRIBE", "room"}));
    session.receive_data(
        "-WRONGPASS invalid username-password pair\r\n+OK\r\n"
        "%1\r\n$5\r\nproto\r\n:3\r\n"
        ">3\r\n$9\r\nsubscribe\r\n$4\r\nroom\r\n:1\r\n");
    std::vector<SessionEvent> events;
    session.events(events);
    EXPECT_EQ(event_log(events),
              "setup #0 -WRONGPASS invalid username-password pair\nsetup #1 +OK\n"
              "hello {\"proto\": :3}\nsubscribed room 1\n");
    session.connection_lost();
    EXPECT_TRUE(session.events().empty());
  }
}

// A Redis before 6 does not know HELLO: the error is reported and the connection stays RESP2.
TEST(L15_RespSession, HelloRefusedFallsBackToResp2) {
  SessionOptions options;
  options.protocol = Protocol::kResp3;
  RespSession session(options);
  session.connection_made();
  session.receive_data("-ERR unknown command 'HELLO'\r\n");
  EXPECT_EQ(session.protocol(), Protocol::kResp2);
  EXPECT_EQ(event_log(session.events()), "hello -ERR unknown command 'HELLO'\n");
}

// A reply nobody asked for means the session and the server disagree about the stream.
TEST(L15_RespSession, UnexpectedReplyBreaksTheSession) {
  RespSession session;
  session.connection_made();
  session.receive_data("+OK\r\n");
  EXPECT_EQ(session.state(), RespSession::State::kBroken);
  session.send({"PING"});
  EXPECT_EQ(event_log(session.events()),
            "protocol error: unexpected reply: no error\nfailed #1 not connected\n");
}

// A stream that breaks a RESP rule fails the commands waiting: their replies cannot be found.
TEST(L15_RespSession, ParseErrorFailsWaitingCommands) {
  auto setup = [](RespSession& session) {
    session.send({"GET", "a"});
    session.send({"GET", "b"});
  };
  EXPECT_EQ(events_for_every_split(setup, "$1\r\nx\r\n$-5\r\n"),
            "reply #1 \"x\"\n"
            "protocol error: protocol error: bad length\n"
            "failed #2 protocol error\n");
}

// The parser's limits are the session's: an oversized reply breaks the session, not memory.
TEST(L15_RespSession, ParserLimitsApply) {
  SessionOptions options;
  options.limits.max_bulk_length = 4;
  auto setup = [](RespSession& session) { session.send({"GET", "big"}); };
  EXPECT_EQ(events_for_every_split(setup, "$5\r\nhello\r\n", options),
            "protocol error: protocol error: bulk too long\nfailed #1 protocol error\n");
}

TEST(L15_RespSession, RefusesCommandsItCannotTrack) {
  RespSession session;
  session.connection_made();
  session.send(std::span<const std::string_view>());
  session.send({"MONITOR"});
  session.send({"client", "reply", "off"});
  session.send({"SUBSCRIBE"});
  session.send({"hello", "3"});
  EXPECT_EQ(session.send({"subscribe", "x"}), 0U);
  EXPECT_EQ(event_log(session.events()),
            "failed #1 bad command\nfailed #2 bad command\nfailed #3 bad command\n"
            "failed #4 bad command\nfailed #5 bad command\n");
  EXPECT_EQ(session.data_to_send(), bulks({"SUBSCRIBE", "x"}));
}

TEST(L15_RespSession, MaxPendingBoundsTheQueue) {
  SessionOptions options;
  options.max_pending = 2;
  RespSession session(options);
  session.connection_made();
  session.send({"PING"});
  session.send({"PING"});
  session.send({"PING"});
  session.receive_data("+PONG\r\n");
  session.send({"PING"});
  EXPECT_EQ(event_log(session.events()),
            "failed #3 too many commands waiting for replies\nreply #1 +PONG\n");
  EXPECT_EQ(session.pending(), 2U);
}

TEST(L15_RespSession, PartialWrites) {
  RespSession session;
  session.connection_made();
  session.send({"PING"});
  std::string all(session.pending_output());
  session.consume_output(3);
  EXPECT_EQ(session.pending_output(), all.substr(3));
  session.send({"ECHO", "x"});
  EXPECT_EQ(session.data_to_send(), all.substr(3) + encode_command({"ECHO", "x"}));
  EXPECT_EQ(session.pending_output(), "");
}

}  // namespace
}  // namespace duplex::redis
