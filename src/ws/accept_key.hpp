// The `Sec-WebSocket-Accept` value (lesson 08).
//
// RFC 6455 §4.2.2 (step 5, item 4) and §1.3: the server proves it understood the WebSocket
// handshake by hashing the client's key with a fixed GUID that no other protocol would use.
// The handshake's header checks live with the handshake; this is only the computation.
// @lesson 08
#pragma once

#include <string>
#include <string_view>

namespace duplex::ws {

// RFC 6455 §1.3: the GUID appended to the key.
inline constexpr std::string_view kWebSocketGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

// base64(SHA-1(client_key + kWebSocketGuid)). `client_key` is used as sent, without decoding.
std::string compute_accept_key(std::string_view client_key);

}  // namespace duplex::ws
