// FrameTap: the `--trace` view of one direction of a WebSocket connection (lesson 10), for the
// server's WsConnection (through ConnectionTrace, both directions) and for WsClient alike.
//
// It reads a copy of the bytes that cross the wire with a FrameParser of its own and prints each
// frame with ws::trace_frame (lesson 09), so the trace shows what was really sent or received,
// independent of what the Protocol made of it. It exists only while tracing is on.
// RFC 6455 §5.2 (the frame layout it decodes).
// @lesson 10
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "src/ws/frame_parser.hpp"
#include "src/ws/role.hpp"

namespace duplex::ws {

class FrameTap {
 public:
  // `reader` is the role that reads these bytes: frames a server sends are read as a client
  // reads them (unmasked), frames it receives as a server reads them (masked). Every line of
  // the trace starts with `prefix`.
  FrameTap(Role reader, std::string prefix);

  // Appends to `out` one trace per frame completed by `bytes`. After bytes that are not a valid
  // frame it prints why once and then stays quiet (the Protocol fails the connection anyway).
  void feed(std::string_view bytes, std::string& out);
  // Appends `text` (an HTTP head, say) with every line prefixed like the frames; a CRLF line end
  // becomes LF.
  void append_prefixed(std::string& out, std::string_view text) const;

 private:
  FrameParser parser_;
  std::string prefix_;
  std::string pending_;        // bytes of a frame not yet complete (a copy: parsing unmasks)
  std::string payload_start_;  // the first kTracePayloadBytes of the current frame
  bool broken_ = false;
};

// Both directions of one server connection, with the markers of the HTTP trace
// (http/access_log.hpp): "ws#N > " before each line of a frame the server received, "ws#N < "
// before each line of a frame it sent. Lines go to `log` (whole lines per call) or, when it is
// empty, to stderr. `log` must outlive this object.
class ConnectionTrace {
 public:
  ConnectionTrace(std::uint64_t id, const std::function<void(std::string_view lines)>& log);
  void received(std::string_view bytes);
  void sent(std::string_view bytes);

 private:
  void write(std::string_view lines) const;

  FrameTap received_;
  FrameTap sent_;
  const std::function<void(std::string_view lines)>& log_;
};

}  // namespace duplex::ws
