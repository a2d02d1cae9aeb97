// ChatEndpoint: the chat of the demo on a WebSocket route (lesson 11).
//
//   GET /chat  (WebSocket) the JSON protocol of ChatRooms; one Group per room, so a message
//              is encoded once and queued on every member (ws::Group::broadcast_text)
//
// The glue between ws::WsEndpoint (lesson 10) and the sans-I/O ChatRooms: each connection is a
// member, each room a ws::Group. Messages over chat_options().limits fail the connection with
// 1009 (the ws layer does that); everything else the chat refuses gets an "error" message.
#pragma once

#include <memory>
#include <string_view>

#include "src/app/chat_room.hpp"
#include "src/http/router.hpp"
#include "src/ws/group.hpp"
#include "src/ws/ws_options.hpp"

namespace duplex::app {

// WsOptions for the chat: messages and frames up to 4 KiB (a said text is at most 1000 bytes,
// escaped up to six times as long is still far below), a send queue of 256 KiB per member.
ws::WsOptions chat_options();

// Closes every connection of `connections` with 1001 (going away): the server is stopping.
void close_all_going_away(ws::Group& connections);

class ChatEndpoint {
 public:
  explicit ChatEndpoint(ChatLimits limits = {}, ws::WsOptions options = chat_options());
  ~ChatEndpoint();
  ChatEndpoint(const ChatEndpoint&) = delete;
  ChatEndpoint& operator=(const ChatEndpoint&) = delete;

  // Adds the WebSocket route `path` (this object must outlive the router's use of it).
  void install(http::Router& router, std::string_view path = "/chat");
  // The server is stopping: close every chat connection with 1001 (going away).
  void shutdown();

  std::size_t connection_count() const;
  const ChatRooms& rooms() const;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace duplex::app
