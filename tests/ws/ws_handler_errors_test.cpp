// Tests for WsConnection's error policy (lesson 10): an exception from an application handler
// never unwinds the event loop. From on_open, on_message or on_error the connection is closed
// with 1011 (RFC 6455 §7.4.1, "internal error"), reported through on_error unless on_error is
// what threw; from on_close it is swallowed and logged through the loop's error sink. After
// each, the same server still serves a new connection: the loop went on.
// @lesson 10
#include <gtest/gtest.h>

#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "src/ws/ws_connection.hpp"
#include "src/ws/ws_endpoint.hpp"
#include "tests/support/ws_raw_client.hpp"
#include "tests/ws/ws_server_fixture.hpp"

namespace duplex::ws {
namespace {

using testing::Recorder;
using testing::WsRawClient;
using testing::WsTestServer;

// What the loop's error sink received, one line each.
struct SinkLines {
  std::mutex mutex;
  std::vector<std::string> lines;

  std::string all() {
    std::lock_guard lock(mutex);
    std::string out;
    for (const auto& line : lines) out += line + "\n";
    return out;
  }
};

// A server whose /ws endpoint has the recorder's handlers with `change` applied (the handler
// under test made to throw), and /echo a plain echo, to show the loop still runs afterwards.
std::unique_ptr<WsTestServer> serve(Recorder& recorder, SinkLines& sink,
                                    const std::function<void(WsHandlers&)>& change) {
  auto server = std::make_unique<WsTestServer>([&](http::Router& router) {
    WsHandlers handlers = recorder.handlers();
    change(handlers);
    WsEndpoint(std::move(handlers)).install(router, "/ws");
    WsHandlers echo;
    echo.on_message = [](WsConnection& connection, Message& message) {
      connection.send_text(message.data);
    };
    WsEndpoint(std::move(echo)).install(router, "/echo");
  });
  server->call([&server, &sink] {
    server->loop().set_error_sink([&sink](std::string_view line) {
      std::lock_guard lock(sink.mutex);
      sink.lines.emplace_back(line);
    });
  });
  return server;
}

// The loop survived: a new connection on the same server is echoed.
void expect_server_still_serves(WsTestServer& server) {
  WsRawClient client = WsRawClient::connect(server.port(), "/echo");
  client.send_text("still here");
  auto frame = client.read_frame();
  ASSERT_TRUE(frame);
  EXPECT_EQ(frame->payload, "still here");
}

// Without the policy the exception would reach net::Connection's backstop, which aborts the TCP
// connection: the peer would never hear why. It must hear 1011.
TEST(L10_WsHandlerErrors, OnMessageThrowingClosesWith1011AndReportsIt) {
  Recorder recorder;
  SinkLines sink;
  auto server = serve(recorder, sink, [](WsHandlers& handlers) {
    handlers.on_message = [](WsConnection&, Message&) { throw std::runtime_error("boom"); };
  });
  WsRawClient client = WsRawClient::connect(server->port(), "/ws");
  client.send_text("hello");
  auto close = client.read_close();
  EXPECT_EQ(close.close_code(), 1011);
  EXPECT_EQ(close.close_reason(), "internal error");
  client.send_close(1011);
  EXPECT_TRUE(client.wait_for_eof());
  client.stream().shutdown_write();  // our FIN ends the server's wait for it
  EXPECT_EQ(recorder.wait_for("error"),
            "error 1011 internal error: WebSocket on_message threw: boom");
  EXPECT_EQ(recorder.wait_for("close"), "close 1011 ");
  expect_server_still_serves(*server);
}

// An exception from on_open: the handshake is done, so the close frame can still say why.
TEST(L10_WsHandlerErrors, OnOpenThrowingClosesWith1011AndReportsIt) {
  Recorder recorder;
  SinkLines sink;
  auto server = serve(recorder, sink, [](WsHandlers& handlers) {
    handlers.on_open = [](WsConnection&) { throw std::logic_error("no session"); };
  });
  WsRawClient client = WsRawClient::connect(server->port(), "/ws");
  auto close = client.read_close();
  EXPECT_EQ(close.close_code(), 1011);
  client.send_close(1011);
  EXPECT_TRUE(client.wait_for_eof());
  client.stream().shutdown_write();  // our FIN ends the server's wait for it
  EXPECT_EQ(recorder.wait_for("error"),
            "error 1011 internal error: WebSocket on_open threw: no session");
  expect_server_still_serves(*server);
}

// on_error cannot report its own failure to itself: the loop's error sink gets it, and the
// connection closes like any other failure (here the peer's 1002 came first).
TEST(L10_WsHandlerErrors, OnErrorThrowingIsLoggedAndTheConnectionStillCloses) {
  Recorder recorder;
  SinkLines sink;
  auto server = serve(recorder, sink, [](WsHandlers& handlers) {
    handlers.on_error = [](WsConnection&, const WsError&) { throw std::runtime_error("oops"); };
  });
  WsRawClient client = WsRawClient::connect(server->port(), "/ws");
  client.send_raw(testing::raw_frame(0x1, "unmasked", true, false));
  auto close = client.read_close();
  EXPECT_EQ(close.close_code(), 1002);
  EXPECT_TRUE(client.wait_for_eof());
  client.stream().shutdown_write();
  EXPECT_EQ(recorder.wait_for("close"), "close 1006 ");
  expect_server_still_serves(*server);
  std::string logged = sink.all();
  EXPECT_NE(logged.find("WebSocket on_error"), std::string::npos) << logged;
  EXPECT_NE(logged.find("oops"), std::string::npos) << logged;
}

// on_close runs when the connection is already gone: nothing to close, so the exception is only
// logged, and the loop goes on.
TEST(L10_WsHandlerErrors, OnCloseThrowingIsSwallowedAndLogged) {
  Recorder recorder;
  SinkLines sink;
  auto server = serve(recorder, sink, [](WsHandlers& handlers) {
    handlers.on_close = [on_close = handlers.on_close](WsConnection& connection, CloseCode code,
                                                       std::string_view reason) {
      on_close(connection, code, reason);
      throw std::runtime_error("cleanup failed");
    };
  });
  WsRawClient client = WsRawClient::connect(server->port(), "/ws");
  client.send_close(1000, "bye");
  auto close = client.read_close();
  EXPECT_EQ(close.close_code(), 1000);
  EXPECT_TRUE(client.wait_for_eof());
  client.stream().shutdown_write();
  EXPECT_EQ(recorder.wait_for("close"), "close 1000 bye");
  expect_server_still_serves(*server);
  std::string logged = server->call([&] { return sink.all(); });
  EXPECT_NE(logged.find("WebSocket on_close"), std::string::npos) << logged;
  EXPECT_NE(logged.find("cleanup failed"), std::string::npos) << logged;
  EXPECT_EQ(recorder.wait_for("error", std::chrono::milliseconds(0)), "");
}

}  // namespace
}  // namespace duplex::ws
