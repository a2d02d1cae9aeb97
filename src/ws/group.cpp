// Group (lesson 10): broadcast a frame serialised once. RFC 6455 §5.1. See group.hpp.
#include "src/ws/group.hpp"

#include <algorithm>
#include <string>

#include "src/ws/frame_writer.hpp"
#include "src/ws/utf8_validator.hpp"
#include "src/ws/ws_connection.hpp"

namespace duplex::ws {

Group::~Group() {
  for (WsConnection* member : members_) {
    if (member == nullptr) continue;
    std::erase(member->groups_, this);
  }
}

bool Group::add(WsConnection& connection) {
  if (!connection.is_open() || contains(connection)) return false;
  members_.push_back(&connection);
  connection.groups_.push_back(this);
  ++size_;
  return true;
}

bool Group::remove(WsConnection& connection) {
  if (!contains(connection)) return false;
  std::erase(connection.groups_, this);
  forget(connection);
  return true;
}

// A connection belongs to few groups, a group may hold thousands of connections: ask the
// connection.
bool Group::contains(const WsConnection& connection) const {
  return std::find(connection.groups_.begin(), connection.groups_.end(), this) !=
         connection.groups_.end();
}

void Group::forget(WsConnection& connection) {
  auto it = std::find(members_.begin(), members_.end(), &connection);
  if (it == members_.end()) return;
  --size_;
  if (walking_ > 0) {
    *it = nullptr;
    holes_ = true;
  } else {
    members_.erase(it);
  }
}

void Group::compact() {
  if (walking_ > 0 || !holes_) return;
  std::erase(members_, nullptr);
  holes_ = false;
}

void Group::for_each(const std::function<void(WsConnection&)>& visit) {
  ++walking_;
  // Members added during the walk are appended and visited too; indices stay valid.
  for (std::size_t i = 0; i < members_.size(); ++i) {
    if (members_[i] != nullptr) visit(*members_[i]);
  }
  --walking_;
  compact();
}

// @anchor lesson10-broadcast
// The frame is encoded once; each member only copies the same bytes into its send queue.
std::size_t Group::broadcast_frame(std::string_view frame, const WsConnection* except) {
  std::size_t sent = 0;
  ++walking_;
  for (std::size_t i = 0; i < members_.size(); ++i) {
    WsConnection* member = members_[i];
    if (member == nullptr || member == except) continue;
    if (member->send_frame(frame)) ++sent;
  }
  --walking_;
  compact();
  return sent;
}

std::size_t Group::broadcast_text(std::string_view text, const WsConnection* except) {
  // RFC 6455 §8.1: text frames carry UTF-8; checked once for everyone.
  if (!is_valid_utf8(text)) return 0;
  std::string frame = serialize_frame(Opcode::kText, text);
  return broadcast_frame(frame, except);
}

std::size_t Group::broadcast_binary(std::string_view bytes, const WsConnection* except) {
  std::string frame = serialize_frame(Opcode::kBinary, bytes);
  return broadcast_frame(frame, except);
}

}  // namespace duplex::ws
