// Which end of the connection a ws object speaks for (lesson 09).
//
// RFC 6455 §5.1: a client masks every frame it sends and a server masks none, so each side
// checks the MASK bit of what it receives against the other side's role.
// @lesson 09
#pragma once

namespace duplex::ws {

enum class Role { kServer, kClient };

}  // namespace duplex::ws
