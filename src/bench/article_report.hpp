// The article's question, answered with numbers (lesson 12, issue 15): the section of
// docs/benchmarks.md built from the subscribe, send and push rows.
//
// The project began from an article comparing HTTP and WebSocket: request-driven HTTP, polling
// and long-polling, HTTP streaming, WebSocket full duplex. This section measures each claim on
// the demo server: what one update costs the server per push technique (CPU, system calls,
// bytes, memory per subscriber), what one client-to-server message costs as an HTTP POST or a
// WebSocket message, after how many messages the WebSocket handshake has paid for itself, and
// a "when to choose which" table in which every cell quotes a measured figure.
// @lesson 12
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "src/bench/result.hpp"

namespace duplex::bench {

// The markdown section ("## The article's question ..."); says "not measured" and why for each
// part whose rows are missing or failed. Its chart is added to `images` (file name -> SVG).
std::string article_section(const std::vector<Result>& results,
                            std::vector<std::pair<std::string, std::string>>& images);

// Messages after which a one-off cost is paid back by a per-message saving: cost / saving,
// rounded up. nullopt when there is no saving (the handshake never pays for itself).
std::optional<double> break_even(double one_off_cost, double cost_per_message_a,
                                 double cost_per_message_b);

}  // namespace duplex::bench
