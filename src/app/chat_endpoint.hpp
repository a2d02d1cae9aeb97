// ChatEndpoint: the chat of the demo on a WebSocket route (lesson 11).
//
//   GET /chat  (WebSocket) the JSON protocol of ChatRooms; one Group per room, so a message
//              is encoded once and queued on every member (ws::Group::broadcast_text)
//
// The glue between ws::WsEndpoint (lesson 10) and the sans-I/O ChatRooms: each connection is a
// member, each room a ws::Group. Messages over chat_options().limits fail the connection with
// 1009 (the ws layer does that); everything else the chat refuses gets an "error" message.
//
// With one loop per core each loop has its own ChatEndpoint, and they share one ChatHub: the
// endpoint then hands its members' messages to the hub and sends what the hub posts back.
// @lesson 11
#pragma once

#include <memory>
#include <string_view>

#include "src/app/chat_hub.hpp"
#include "src/app/chat_room.hpp"
#include "src/http/router.hpp"
#include "src/net/event_loop.hpp"
#include "src/ws/group.hpp"
#include "src/ws/ws_connection.hpp"
#include "src/ws/ws_options.hpp"

namespace duplex::app {

// WsOptions for the chat: messages and frames up to 4 KiB (a said text is at most 1000 bytes,
// escaped up to six times as long is still far below), a send queue of 256 KiB per member.
ws::WsOptions chat_options();

// Closes every connection of `connections` with 1001 (going away): the server is stopping.
void close_all_going_away(ws::Group& connections);

class ChatEndpoint {
 public:
  // The chat of one loop: the rooms live in this endpoint.
  explicit ChatEndpoint(ChatLimits limits = {}, ws::WsOptions options = chat_options());
#if DUPLEX_LESSON >= 15
  // The chat of one loop with its rooms' messages in `engine` (lesson 15), which lives on this
  // loop and outlives the endpoint.
  ChatEndpoint(ChatEngine& engine, ChatLimits limits = {}, ws::WsOptions options = chat_options());
#endif
  // One loop's share of a chat spread over loops: the rooms live in `hub` (see chat_hub.hpp),
  // this endpoint's connections live on `loop`. The hub must outlive the endpoint.
  ChatEndpoint(ChatHub& hub, net::EventLoop& loop, ws::WsOptions options = chat_options());
  ~ChatEndpoint();
  ChatEndpoint(const ChatEndpoint&) = delete;
  ChatEndpoint& operator=(const ChatEndpoint&) = delete;

  // Adds the WebSocket route `path` (this object must outlive the router's use of it).
  void install(http::Router& router, std::string_view path = "/chat");
  // The server is stopping: close every chat connection with 1001 (going away).
  void shutdown();

  std::size_t connection_count() const;
  // With a hub: the hub's rooms, to be read on the hub's home loop only.
  const ChatRooms& rooms() const;

 private:
  struct State;
  ws::WsHandlers local_handlers();
  ws::WsHandlers hub_handlers();

  std::shared_ptr<State> state_;
};

}  // namespace duplex::app
