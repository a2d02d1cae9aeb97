// Tests for Connector (lesson 15): a non-blocking connect hands over a started Connection, or a
// named error (refused, timed out), never from inside connect(); a destroyed Connector leaves no
// watch, timer or socket behind; a throwing handler is reported and its connection aborted.
// @lesson 15
#include "src/net/connector.hpp"

#include <gtest/gtest.h>

#include <cerrno>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "src/net/connection.hpp"
#include "src/net/event_loop.hpp"
#include "src/net/socket_address.hpp"
#include "src/net/tcp_listener.hpp"
#include "tests/support/loop_thread.hpp"

namespace duplex::net {
namespace {

using namespace std::chrono_literals;
using testing::run_until;

SocketAddress loopback(std::uint16_t port) {
  return SocketAddress::from_numeric("127.0.0.1", port);
}

// A port nothing listens on: bound by a listener that is closed at once. connect() there is
// answered with an RST.
std::uint16_t closed_port() {
  auto listener = TcpListener::listen(loopback(0));
  return listener.local_address().port();
}

struct Outcome {
  bool called = false;
  std::shared_ptr<Connection> connection;
  ConnectError error;
};

Connector::Handler record(Outcome& outcome) {
  return [&outcome](std::shared_ptr<Connection> connection, const ConnectError* error) {
    outcome.called = true;
    outcome.connection = std::move(connection);
    if (error != nullptr) outcome.error = *error;
  };
}

TEST(L15_Connector, HandsOverAStartedConnection) {
  EventLoop loop;
  auto listener = TcpListener::listen(loopback(0));
  Connector connector(loop);
  Outcome outcome;
  connector.connect(listener.local_address(), {}, record(outcome));
  EXPECT_FALSE(outcome.called) << "the handler never runs inside connect()";
  EXPECT_TRUE(connector.connecting());
  ASSERT_TRUE(run_until(loop, [&] { return outcome.called; }));
  ASSERT_NE(outcome.connection, nullptr) << outcome.error.message;
  EXPECT_FALSE(connector.connecting());
  EXPECT_TRUE(outcome.connection->is_open());
  EXPECT_TRUE(loop.watching(outcome.connection->fd())) << "started: registered with the loop";

  TcpStream server = listener.accept();
  server.set_receive_timeout(5s);
  outcome.connection->send("ping");
  loop.run_once(0ms);
  char buffer[4];
  server.read_exact(buffer);
  EXPECT_EQ(std::string(buffer, 4), "ping");
  server.write_all("pong");
  std::string got;
  outcome.connection->set_on_data([&](Connection&, Buffer& input) {
    got.append(input.view());
    input.consume(input.size());
  });
  ASSERT_TRUE(run_until(loop, [&] { return got == "pong"; }));
}

TEST(L15_Connector, RefusedIsNamed) {
  EventLoop loop;
  Connector connector(loop);
  Outcome outcome;
  connector.connect(loopback(closed_port()), {}, record(outcome));
  EXPECT_FALSE(outcome.called) << "even an immediate refusal is handed over later";
  ASSERT_TRUE(run_until(loop, [&] { return outcome.called; }));
  EXPECT_EQ(outcome.connection, nullptr);
  EXPECT_EQ(outcome.error.failure, ConnectFailure::kRefused);
  EXPECT_EQ(outcome.error.error_number, ECONNREFUSED);
  EXPECT_NE(outcome.error.message.find("refused"), std::string::npos) << outcome.error.message;
  EXPECT_EQ(loop.watch_count(), 0U);
  EXPECT_EQ(loop.timer_count(), 0U);
}

// A peer that never answers the SYN must not hold the caller for the kernel's two minutes. A
// listener with a full accept queue makes one on loopback: Linux drops the SYNs it cannot queue.
TEST(L15_Connector, TimeoutIsNamed) {
  EventLoop loop;
  auto listener = TcpListener::listen(loopback(0), 0);
  std::vector<TcpStream> fillers;
  Connector connector(loop);
  Outcome outcome;
  ConnectOptions options;
  options.timeout = 50ms;
  // The queue's size depends on the kernel: fill it until an attempt hangs.
  for (int i = 0; i < 8; ++i) {
    outcome = Outcome{};
    connector.connect(listener.local_address(), options, record(outcome));
    ASSERT_TRUE(run_until(loop, [&] { return outcome.called; }));
    if (outcome.connection == nullptr) break;
    outcome.connection->abort();
  }
  ASSERT_EQ(outcome.connection, nullptr) << "the accept queue never filled";
  EXPECT_EQ(outcome.error.failure, ConnectFailure::kTimedOut) << outcome.error.message;
  EXPECT_EQ(outcome.error.error_number, 0);
  EXPECT_NE(outcome.error.message.find("timed out"), std::string::npos);
  EXPECT_EQ(loop.watch_count(), 0U) << "the socket was unwatched and closed";
}

TEST(L15_Connector, ADestroyedConnectorLeavesNothingBehind) {
  EventLoop loop;
  auto listener = TcpListener::listen(loopback(0));
  Outcome outcome;
  {
    Connector connector(loop);
    connector.connect(listener.local_address(), {}, record(outcome));
    EXPECT_EQ(loop.watch_count(), 1U);
    EXPECT_EQ(loop.timer_count(), 1U);
  }
  EXPECT_EQ(loop.watch_count(), 0U);
  EXPECT_EQ(loop.timer_count(), 0U);
  // A second attempt on the same loop completes; the first one's handler never ran.
  Connector second(loop);
  Outcome second_outcome;
  second.connect(listener.local_address(), {}, record(second_outcome));
  ASSERT_TRUE(run_until(loop, [&] { return second_outcome.called; }));
  EXPECT_NE(second_outcome.connection, nullptr);
  EXPECT_FALSE(outcome.called);
}

// The error policy: application code that throws in the handler never unwinds the loop; the
// connection it was handed cannot be trusted to have handlers, so it is aborted.
TEST(L15_Connector, AThrowingHandlerIsReportedAndItsConnectionAborted) {
  EventLoop loop;
  std::vector<std::string> reports;
  loop.set_error_sink([&](std::string_view line) { reports.emplace_back(line); });
  auto listener = TcpListener::listen(loopback(0));
  Connector connector(loop);
  std::shared_ptr<Connection> kept;
  connector.connect(listener.local_address(), {},
                    [&](std::shared_ptr<Connection> connection, const ConnectError*) {
                      kept = connection;
                      throw std::runtime_error("handler bug");
                    });
  ASSERT_TRUE(run_until(loop, [&] { return !reports.empty(); }));
  EXPECT_NE(reports[0].find("connect handler: handler bug"), std::string::npos) << reports[0];
  ASSERT_NE(kept, nullptr);
  EXPECT_FALSE(kept->is_open());
}

// A handler may start the next attempt at once (a reconnect loop does).
TEST(L15_Connector, TheHandlerMayConnectAgain) {
  EventLoop loop;
  Connector connector(loop);
  std::uint16_t port = closed_port();
  int failures = 0;
  std::function<void(std::shared_ptr<Connection>, const ConnectError*)> again =
      [&](std::shared_ptr<Connection>, const ConnectError* error) {
        ASSERT_NE(error, nullptr);
        if (++failures < 3) connector.connect(loopback(port), {}, again);
      };
  connector.connect(loopback(port), {}, again);
  ASSERT_TRUE(run_until(loop, [&] { return failures == 3; }));
  EXPECT_FALSE(connector.connecting());
}

}  // namespace
}  // namespace duplex::net
