// Group: a set of WebSocket connections that receive the same messages (lesson 10).
//
// A chat room, the subscribers of a ticker, every connection of an endpoint. broadcast encodes
// the frame once and queues the same bytes on every member: a server's frames are not masked
// (RFC 6455 §5.1), so one encoding fits all. From lesson 14 the same holds for compression: a
// member that agreed permessage-deflate without server context takeover (RFC 7692 §7.1.1.1)
// decodes a message compressed on its own, so the group compresses it once for all of them. Members
// leave by themselves once they stop being open (a close sent or received, a failure, the end of
// TCP), and a destroyed group lets go of its members; neither side keeps the other alive.
// Everything runs on the loop thread.
// @lesson 10
#pragma once

#include <cstddef>
#include <functional>
#include <string_view>
#include <vector>

#include "src/ws/frame_header.hpp"

namespace duplex::ws {

class WsConnection;

class Group {
 public:
  Group() = default;
  ~Group();
  Group(const Group&) = delete;
  Group& operator=(const Group&) = delete;

  // false when already a member, or when the connection is not open (is_open()).
  bool add(WsConnection& connection);
  // false when not a member.
  bool remove(WsConnection& connection);
  bool contains(const WsConnection& connection) const;
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

  // One frame, serialised once, queued on every member but `except` (the sender, say). Returns
  // the number of members it was queued on: not those closing, nor those whose send queue was
  // full (they are being closed with 1008). Text that is not UTF-8 is sent to nobody.
  std::size_t broadcast_text(std::string_view text, const WsConnection* except = nullptr);
  std::size_t broadcast_binary(std::string_view bytes, const WsConnection* except = nullptr);
  // A frame already serialised (serialize_frame), for a message sent to several groups.
  std::size_t broadcast_frame(std::string_view frame, const WsConnection* except = nullptr);

  // Calls `visit` for each member; members may join, leave or close meanwhile.
  void for_each(const std::function<void(WsConnection&)>& visit);
#if DUPLEX_LESSON >= 14
  // How many broadcasts were compressed (once each, whatever the number of members): tests and
  // the lesson use it to show that compression does not multiply with the group's size.
  std::size_t broadcasts_compressed() const {
    return broadcasts_compressed_;
  }
#endif

 private:
  friend class WsConnection;
  // A member is closing or being destroyed.
  void forget(WsConnection& connection);
  void compact();
#if DUPLEX_LESSON >= 14
  // A message for a group where some members agreed permessage-deflate.
  std::size_t broadcast_message(Opcode opcode, std::string_view payload,
                                const WsConnection* except);
  std::size_t broadcasts_compressed_ = 0;
#endif

  // A vector, walked in order. A member that leaves during a walk leaves a hole (nullptr),
  // compacted when the walk ends, so the walk never skips or revisits anyone.
  std::vector<WsConnection*> members_;
  std::size_t size_ = 0;
  int walking_ = 0;
  bool holes_ = false;
};

}  // namespace duplex::ws
