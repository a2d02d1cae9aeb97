// The `Sec-WebSocket-Accept` value (lesson 08). RFC 6455 §4.2.2. See accept_key.hpp.
// @lesson 08
#include "src/ws/accept_key.hpp"

#include "src/ws/base64.hpp"
#include "src/ws/sha1.hpp"

namespace duplex::ws {

// @anchor lesson08-accept-key
std::string compute_accept_key(std::string_view client_key) {
  // @exercise lesson08-accept-key #the-key-and-the-accept-value-why-sha-1-and-base64
  Sha1 hash;
  hash.update(client_key);
  hash.update(kWebSocketGuid);
  Sha1Digest digest = hash.finish();
  return base64_encode(
      std::string_view(reinterpret_cast<const char*>(digest.data()), digest.size()));
  // @exercise end
}

}  // namespace duplex::ws
