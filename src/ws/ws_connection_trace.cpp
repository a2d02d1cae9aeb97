// FrameTap (lesson 10): a second frame parser per direction for `--trace`. See
// ws_connection_trace.hpp.
// @lesson 10
#include "src/ws/ws_connection_trace.hpp"

#include <cstdio>
#include <limits>
#include <span>
#include <utility>

#include "src/ws/frame_trace.hpp"

namespace duplex::ws {

// The tap is an observer: it accepts any size and any RSV bits, since refusing them is the
// Protocol's job and the trace should show the offending frame.
FrameTap::FrameTap(Role reader, std::string prefix)
    : parser_(reader, FrameParserLimits{std::numeric_limits<std::uint64_t>::max(), 0b111}),
      prefix_(std::move(prefix)) {}

void FrameTap::feed(std::string_view bytes, std::string& out) {
  if (broken_ || bytes.empty()) return;
  pending_.append(bytes);
  std::span<char> rest(pending_.data(), pending_.size());
  std::size_t used = 0;
  for (;;) {
    FrameResult result = parser_.parse(rest);
    rest = rest.subspan(result.consumed);
    used += result.consumed;
    if (result.need_more()) break;
    if (result.failed()) {
      append_prefixed(out, "not a valid frame: " + std::string(result.error.reason) + "\n");
      broken_ = true;
      break;
    }
    if (result.step == FrameStep::kHeader) payload_start_.clear();
    if (result.step == FrameStep::kPayload && payload_start_.size() < kTracePayloadBytes) {
      payload_start_.append(result.payload.substr(0, kTracePayloadBytes - payload_start_.size()));
    }
    if (result.step == FrameStep::kFrameEnd) {
      append_prefixed(out, trace_frame(parser_.header(), payload_start_));
    }
  }
  pending_.erase(0, used);
}

void FrameTap::append_prefixed(std::string& out, std::string_view text) const {
  while (!text.empty()) {
    std::size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    out.append(prefix_).append(line).append("\n");
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
}

// Frames a server sends are read as a client reads them (unmasked), frames it receives as a
// server reads them (masked).
ConnectionTrace::ConnectionTrace(std::uint64_t id,
                                 const std::function<void(std::string_view lines)>& log)
    : received_(Role::kServer, "ws#" + std::to_string(id) + " > "),
      sent_(Role::kClient, "ws#" + std::to_string(id) + " < "),
      log_(log) {}

void ConnectionTrace::received(std::string_view bytes) {
  std::string lines;
  received_.feed(bytes, lines);
  write(lines);
}

void ConnectionTrace::sent(std::string_view bytes) {
  std::string lines;
  sent_.feed(bytes, lines);
  write(lines);
}

void ConnectionTrace::write(std::string_view lines) const {
  if (lines.empty()) return;
  if (log_) {
    log_(lines);
  } else {
    std::fwrite(lines.data(), 1, lines.size(), stderr);
  }
}

}  // namespace duplex::ws
