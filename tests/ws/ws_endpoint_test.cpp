// Tests for WsEndpoint (lesson 10): a WebSocket route on the HTTP server, sharing the port and
// the loop with plain HTTP routes; handshake errors; subprotocols; closing every connection.
// @lesson 10
#include "src/ws/ws_endpoint.hpp"

#include <gtest/gtest.h>

#include <sys/socket.h>

#include <string>

#include "src/app/echo_endpoint.hpp"
#include "tests/support/ws_raw_client.hpp"
#include "tests/ws/ws_server_fixture.hpp"

namespace duplex::ws {
namespace {

using std::chrono::milliseconds;
using testing::Recorder;
using testing::WsRawClient;
using testing::WsTestServer;

// Writes `request` on a new connection and returns everything the server sends until it
// closes or the first response head is complete.
std::string http_exchange(std::uint16_t port, const std::string& request) {
  WsRawClient client(net::TcpStream::connect(net::SocketAddress::from_numeric("127.0.0.1", port)));
  client.stream().set_receive_timeout(testing::kWsReadTimeout);
  client.send_raw(request);
  std::string response;
  char chunk[4096];
  while (response.find("\r\n\r\n") == std::string::npos) {
    std::size_t n = client.stream().read_some(chunk);
    if (n == 0) break;
    response.append(chunk, n);
  }
  return response;
}

std::string status_line(const std::string& response) {
  return response.substr(0, response.find("\r\n"));
}

TEST(L10_WsEndpoint, HttpAndWebSocketShareOnePort) {
  WsTestServer server([](http::Router& router) {
    router.get("/hello",
               [](http::Exchange& exchange) { exchange.respond(200, "text/plain", "hi\n"); });
    app::install_echo_endpoint(router);
  });
  WsRawClient ws = WsRawClient::connect(server.port(), "/echo");
  EXPECT_EQ(status_line(http_exchange(server.port(), "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")),
            "HTTP/1.1 200 OK");
  ws.send_text("still here");
  auto frame = ws.read_frame();
  ASSERT_TRUE(frame);
  EXPECT_EQ(frame->payload, "still here");
}

TEST(L10_WsEndpoint, AnswersTheHandshakeErrorResponse) {
  WsTestServer server([](http::Router& router) { app::install_echo_endpoint(router); });
  // A plain GET to a WebSocket route is not an upgrade: 400 naming the missing field.
  EXPECT_EQ(status_line(http_exchange(server.port(), "GET /echo HTTP/1.1\r\nHost: x\r\n\r\n")),
            "HTTP/1.1 400 Bad Request");
  // RFC 6455 §4.4: an unsupported version gets 426 with the version we speak.
  std::string request = testing::handshake_request("/echo");
  request.replace(request.find("Version: 13"), 11, "Version: 8");
  std::string response = http_exchange(server.port(), request);
  EXPECT_EQ(status_line(response), "HTTP/1.1 426 Upgrade Required");
  EXPECT_NE(response.find("Sec-WebSocket-Version: 13"), std::string::npos);
  // Only GET routes: POST with the upgrade fields is 405.
  request = testing::handshake_request("/echo");
  request.replace(0, 3, "POST");
  EXPECT_EQ(status_line(http_exchange(server.port(), request)).substr(0, 12), "HTTP/1.1 405");
}

TEST(L10_WsEndpoint, ChoosesASubprotocolTheClientOffered) {
  Recorder recorder;
  WsOptions options;
  options.handshake.subprotocols = {"chat.v2", "chat.v1"};
  WsTestServer server([&](http::Router& router) {
    WsEndpoint endpoint(recorder.handlers(), options);
    endpoint.install(router, "/chat");
  });
  std::string request =
      testing::handshake_request("/chat", "Sec-WebSocket-Protocol: chat.v1, chat.v2\r\n");
  std::string response = http_exchange(server.port(), request);
  EXPECT_EQ(status_line(response), "HTTP/1.1 101 Switching Protocols");
  EXPECT_NE(response.find("Sec-WebSocket-Protocol: chat.v2"), std::string::npos);
  ASSERT_EQ(recorder.wait_for("open"), "open");
}

TEST(L10_WsEndpoint, CountsConnectionsAndClosesThemAll) {
  Recorder recorder;
  std::unique_ptr<WsEndpoint> endpoint;
  WsTestServer server([&](http::Router& router) {
    endpoint = std::make_unique<WsEndpoint>(recorder.handlers(
        [](WsConnection& connection, Message& message) { connection.send_text(message.data); }));
    endpoint->install(router, "/ws");
  });
  WsRawClient first = WsRawClient::connect(server.port(), "/ws");
  WsRawClient second = WsRawClient::connect(server.port(), "/ws");
  first.send_text("sync");  // the echo proves the connection is adopted
  second.send_text("sync");
  ASSERT_TRUE(first.read_frame());
  ASSERT_TRUE(second.read_frame());
  EXPECT_EQ(server.call([&] { return endpoint->connection_count(); }), 2U);
  server.call([&] {
    endpoint->close_all(CloseCode::kGoingAway, "restarting");
    return 0;
  });
  for (WsRawClient* client : {&first, &second}) {
    auto close = client->read_close();
    EXPECT_EQ(close.close_code(), 1001);
    EXPECT_EQ(close.close_reason(), "restarting");
    client->send_close(1001);
    EXPECT_TRUE(client->wait_for_eof());
  }
  EXPECT_EQ(server.call([&] { return endpoint->connection_count(); }), 0U);
}

// The handler keeps the endpoint's state alive: the endpoint object may go away after install.
TEST(L10_WsEndpoint, RouteOutlivesTheEndpointObject) {
  WsTestServer server([](http::Router& router) {
    WsHandlers handlers;
    handlers.on_message = [](WsConnection& connection, Message& message) {
      connection.send_text("got " + message.data);
    };
    WsEndpoint(handlers).install(router, "/ws");
  });
  WsRawClient client = WsRawClient::connect(server.port(), "/ws");
  client.send_text("x");
  auto frame = client.read_frame();
  ASSERT_TRUE(frame);
  EXPECT_EQ(frame->payload, "got x");
}

// A send to a peer that reset the connection fails inside the write, which closes the connection
// and drops the server's last reference to it while send_text() is still running (ASan caught
// this in the demo's shutdown): the send must return without touching freed memory.
TEST(L10_WsEndpoint, SendToAResetPeerIsSafe) {
  Recorder recorder;
  WsTestServer server(
      [&](http::Router& router) { WsEndpoint(recorder.handlers()).install(router, "/ws"); });
  WsRawClient client = WsRawClient::connect(server.port(), "/ws");
  ASSERT_EQ(recorder.wait_for("open"), "open");
  net::Fd client_fd = std::move(client.stream()).release_fd();
  server.call([&] {
    // On the loop thread, so the server cannot notice the reset before the send does.
    linger abort_on_close{1, 0};
    setsockopt(client_fd.get(), SOL_SOCKET, SO_LINGER, &abort_on_close, sizeof abort_on_close);
    client_fd.reset();
    WsConnection* connection = recorder.last_connection().get();
    ASSERT_NE(connection, nullptr);
    // The write fails (ECONNRESET or EPIPE) and closes the connection inside this call.
    connection->send_text(std::string(1 << 20, 'x'));
  });
  EXPECT_NE(recorder.wait_for("close"), "");
}

}  // namespace
}  // namespace duplex::ws
