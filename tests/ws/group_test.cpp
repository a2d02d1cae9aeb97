// Tests for Group (lesson 10): broadcast encodes once and reaches every member but the sender;
// members leave when they close; a group may die before its members and vice versa.
// @lesson 10
#include "src/ws/group.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "src/ws/ws_endpoint.hpp"
#include "tests/support/ws_raw_client.hpp"
#include "tests/ws/ws_server_fixture.hpp"

namespace duplex::ws {
namespace {

using testing::RawFrame;
using testing::WsRawClient;
using testing::WsTestServer;

// A chat room: every member joins `room` on open; each message is broadcast to the others and
// the number of recipients is sent back to the sender.
struct Room {
  std::unique_ptr<Group> room = std::make_unique<Group>();

  WsHandlers handlers() {
    WsHandlers handlers;
    handlers.on_open = [this](WsConnection& connection) {
      room->add(connection);
      connection.send_text("joined");
    };
    handlers.on_message = [this](WsConnection& connection, Message& message) {
      std::size_t reached = message.is_text() ? room->broadcast_text(message.data, &connection)
                                              : room->broadcast_binary(message.data, &connection);
      connection.send_text("reached " + std::to_string(reached));
    };
    return handlers;
  }
};

std::vector<WsRawClient> join(std::uint16_t port, int count) {
  std::vector<WsRawClient> clients;
  for (int i = 0; i < count; ++i) {
    clients.push_back(WsRawClient::connect(port, "/room"));
    auto joined = clients.back().read_frame();
    EXPECT_TRUE(joined && joined->payload == "joined");
  }
  return clients;
}

TEST(L10_Group, BroadcastReachesEveryMemberButTheSender) {
  Room room;
  WsTestServer server(
      [&](http::Router& router) { WsEndpoint(room.handlers()).install(router, "/room"); });
  std::vector<WsRawClient> clients = join(server.port(), 3);
  clients[0].send_text("hello, all");
  auto answer = clients[0].read_frame();
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->payload, "reached 2");
  for (int i = 1; i < 3; ++i) {
    auto frame = clients[i].read_frame();
    ASSERT_TRUE(frame);
    EXPECT_EQ(frame->opcode, 0x1);
    EXPECT_EQ(frame->payload, "hello, all");
  }
  clients[2].send_binary(std::string("\xff\x00", 2));
  for (int i = 0; i < 2; ++i) {
    auto frame = clients[i].read_frame();
    ASSERT_TRUE(frame);
    EXPECT_EQ(frame->opcode, 0x2);
    EXPECT_EQ(frame->payload, std::string("\xff\x00", 2));
  }
}

TEST(L10_Group, MembersLeaveWhenTheyClose) {
  Room room;
  WsTestServer server(
      [&](http::Router& router) { WsEndpoint(room.handlers()).install(router, "/room"); });
  std::vector<WsRawClient> clients = join(server.port(), 3);
  EXPECT_EQ(server.call([&] { return room.room->size(); }), 3U);
  clients[1].send_close(1000);
  ASSERT_EQ(clients[1].read_close().close_code(), 1000);
  ASSERT_TRUE(clients[1].wait_for_eof());
  clients[0].send_text("who is left?");
  auto answer = clients[0].read_frame();
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->payload, "reached 1");
  EXPECT_EQ(server.call([&] { return room.room->size(); }), 2U);
}

// Text that is not UTF-8 may not be sent at all (RFC 6455 §8.1): nobody gets it.
TEST(L10_Group, InvalidUtf8BroadcastReachesNobody) {
  Room room;
  WsTestServer server(
      [&](http::Router& router) { WsEndpoint(room.handlers()).install(router, "/room"); });
  std::vector<WsRawClient> clients = join(server.port(), 2);
  std::size_t reached = server.call([&] { return room.room->broadcast_text("\xc3\x28"); });
  EXPECT_EQ(reached, 0U);
  reached = server.call([&] { return room.room->broadcast_text("ok"); });
  EXPECT_EQ(reached, 2U);
  // "ok", and not the invalid message before it.
  EXPECT_EQ(clients[0].read_frame().value_or(RawFrame{}).payload, "ok");
}

// The group may be destroyed while its members live, and members may close after that.
TEST(L10_Group, GroupAndMembersMayEndInEitherOrder) {
  Room room;
  WsTestServer server(
      [&](http::Router& router) { WsEndpoint(room.handlers()).install(router, "/room"); });
  std::vector<WsRawClient> clients = join(server.port(), 2);
  server.call([&] {
    room.room.reset();
    return 0;
  });
  clients[0].send_close(1000);
  EXPECT_EQ(clients[0].read_close().close_code(), 1000);
  EXPECT_TRUE(clients[0].wait_for_eof());
}

TEST(L10_Group, AddRemoveContains) {
  Room room;
  Group other;
  WsTestServer server(
      [&](http::Router& router) { WsEndpoint(room.handlers()).install(router, "/room"); });
  std::vector<WsRawClient> clients = join(server.port(), 1);
  bool ok = server.call([&] {
    bool result = true;
    room.room->for_each([&](WsConnection& connection) {
      result =
          result && other.add(connection) && !other.add(connection) && other.contains(connection);
      result = result && other.size() == 1 && other.remove(connection) && !other.remove(connection);
      result = result && !other.contains(connection) && other.empty();
    });
    return result;
  });
  EXPECT_TRUE(ok);
}

}  // namespace
}  // namespace duplex::ws
