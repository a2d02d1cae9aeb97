// Group (lesson 10): broadcast a frame serialised once. RFC 6455 §5.1. See group.hpp.
// @lesson 10
#include "src/ws/group.hpp"

#include <algorithm>
#include <string>

#include "src/ws/frame_writer.hpp"
#if DUPLEX_LESSON >= 14
#include "src/ws/permessage_deflate.hpp"
#endif
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
#if DUPLEX_LESSON >= 14
  return broadcast_message(Opcode::kText, text, except);
#endif
  std::string frame = serialize_frame(Opcode::kText, text);
  return broadcast_frame(frame, except);
}

std::size_t Group::broadcast_binary(std::string_view bytes, const WsConnection* except) {
#if DUPLEX_LESSON >= 14
  return broadcast_message(Opcode::kBinary, bytes, except);
#endif
  std::string frame = serialize_frame(Opcode::kBinary, bytes);
  return broadcast_frame(frame, except);
}

#if DUPLEX_LESSON >= 14
namespace {

// One compressor per loop thread, shared by every group on it: its buffers (~200 KiB at window
// 15) are reused message after message instead of being held once per group or connection.
BroadcastCompressor& thread_compressor() {
  thread_local BroadcastCompressor compressor;
  return compressor;
}

}  // namespace

// @anchor lesson14-group-broadcast
// Three kinds of member. Without the extension: the plain frame, serialised once. With it, no
// server context takeover and the full window (RFC 7692 §7.1.1.1, §7.1.2.1): the frame
// compressed once, RSV1 set, since a message compressed from an empty window is valid on each of
// them. Anyone else (context takeover, a smaller window): its own compressor, through
// send_text/send_binary, because its stream of messages is its own.
std::size_t Group::broadcast_message(Opcode opcode, std::string_view payload,
                                     const WsConnection* except) {
  std::string plain;
  std::string compressed;
  BroadcastCompressor& compressor = thread_compressor();
  std::size_t sent = 0;
  ++walking_;
  for (std::size_t i = 0; i < members_.size(); ++i) {
    WsConnection* member = members_[i];
    if (member == nullptr || member == except) continue;
    const Protocol& protocol = member->protocol_;
    const PerMessageDeflate* deflate = protocol.deflate();
    bool queued = false;
    if (deflate == nullptr || !protocol.compresses(payload.size())) {
      if (plain.empty()) plain = serialize_frame(opcode, payload);
      queued = member->send_frame(plain);
    } else if (!deflate->send_takeover() &&
               deflate->send_window_bits() >= compressor.window_bits()) {
      if (compressed.empty()) {
        compressed =
            serialize_frame(opcode, compressor.compress(payload), true, std::nullopt, kRsv1);
        ++broadcasts_compressed_;
      }
      queued = member->send_frame(compressed);
    } else {
      queued = opcode == Opcode::kText ? member->send_text(payload) : member->send_binary(payload);
    }
    if (queued) ++sent;
  }
  --walking_;
  compact();
  return sent;
}
#endif

}  // namespace duplex::ws
