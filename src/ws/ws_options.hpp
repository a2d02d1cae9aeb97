// WsOptions: every limit, timer and switch of a server-side WebSocket connection (lesson 10).
//
// Each limit names what it protects against: a peer that sends huge messages (max sizes,
// RFC 6455 §10.4), a peer that does not read what we send (max_send_queue), a peer that vanished
// without closing (keep-alive pings), and a peer that never answers our close (close_timeout,
// RFC 6455 §7.1.1). docs/ws.md lists the defaults.
// @lesson 10
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <string_view>

#include "src/ws/handshake.hpp"
#include "src/ws/protocol.hpp"

namespace duplex::ws {

// Four default-sized messages: room for a burst of broadcasts, and a bound on what one slow
// reader can make the server hold.
inline constexpr std::size_t kDefaultMaxSendQueue = std::size_t{4} << 20;

struct WsOptions {
  // Frame and message size limits (RFC 6455 §10.4); over either, the connection fails with 1009.
  // Defaults: 1 MiB each.
  ProtocolLimits limits;
  // Bytes queued for a peer that does not read them. A send that would go past this bound is
  // refused and the connection is closed with 1008 (policy violation): a slow consumer costs
  // at most this much memory. Must hold the largest message the application sends. 4 MiB.
  std::size_t max_send_queue = kDefaultMaxSendQueue;
  // After this long without a byte from the peer, send a ping (RFC 6455 §5.5.2 keep-alive).
  // Zero disables keep-alive. Default 30 s, below the usual 60 s idle timeout of proxies.
  std::chrono::milliseconds ping_interval{30'000};
  // A pong must arrive this long after the keep-alive ping, or the connection is dropped
  // (reported as 1006). Default 10 s.
  std::chrono::milliseconds pong_timeout{10'000};
  // After sending our close frame, wait this long for the peer's, then drop TCP (RFC 6455
  // §7.1.1). Default 5 s.
  std::chrono::milliseconds close_timeout{5'000};
  // Once a frame or a fragmented message has begun, it must be complete this long after its
  // first byte arrived, or the connection is closed with 1008 (policy violation), and TCP is
  // dropped if the peer does not answer that close within close_timeout. Without it, a peer
  // that dribbles a frame a byte at a time holds the connection (and its message buffer)
  // forever: it is never idle, so keep-alive never fires. Zero disables it. Default 30 s, like
  // HTTP's body_timeout; a 1 MiB message then needs about 35 KB/s.
  std::chrono::milliseconds message_timeout{30'000};
  // Subprotocols and the Origin check of the opening handshake (RFC 6455 §4.2.2, §10.2).
  HandshakeOptions handshake;
  // Print every frame in both directions (ws::trace_frame), like `duplex-ws --trace`.
  bool trace = false;
  // Where trace lines go (each call gets whole lines). Empty: stderr.
  std::function<void(std::string_view lines)> log;
};

}  // namespace duplex::ws
