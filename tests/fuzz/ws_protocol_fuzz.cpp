// libFuzzer target for src/ws/protocol.cpp (lesson 10): message assembly and the state machine.
//
// Byte 0 picks the role and byte 1 a chunk size. Invariants: no crash (ASan/UBSan); every
// receive_data_in_place() call makes progress and consumes no more than it was given; the same
// events and the same output whole or in chunks; every text event is valid UTF-8; every close
// or failure code we send is one allowed on the wire; after a failure at most one close frame
// was sent and nothing can be sent any more.
// @lesson 10
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string>

#include "src/ws/frame_parser.hpp"
#include "src/ws/protocol.hpp"

namespace {

struct Outcome {
  std::string log;
  std::string sent;
  bool failed;
};

Outcome run(duplex::ws::Role role, std::string_view input, std::size_t chunk) {
  duplex::ws::ProtocolLimits limits;
  limits.max_frame_size = 2048;
  limits.max_message_size = 4096;
  duplex::ws::Protocol protocol(role, limits, [] { return duplex::ws::MaskKey{9, 8, 7, 6}; });
  Outcome out;
  std::string copy;
  for (std::size_t at = 0; at < input.size(); at += chunk) {
    copy.assign(input.substr(at, chunk));
    std::span<char> rest(copy.data(), copy.size());
    while (!rest.empty()) {
      std::size_t used = protocol.receive_data_in_place(rest);
      if (used == 0 || used > rest.size()) std::abort();
      rest = rest.subspan(used);
    }
    for (auto& event : protocol.events_received()) {
      if (event.kind == duplex::ws::Event::Kind::kText && !duplex::ws::is_valid_utf8(event.data)) {
        std::abort();
      }
      if (event.data.size() > limits.max_message_size) std::abort();
      out.log += std::to_string(static_cast<int>(event.kind)) + " " +
                 std::to_string(duplex::ws::to_int(event.code)) + " " + event.data + "\n";
    }
    out.sent += protocol.data_to_send();
  }
  out.failed = protocol.failed();
  if (out.failed && (protocol.send_text("x") || !protocol.data_to_send().empty())) std::abort();
  return out;
}

// What we sent must be valid frames for the peer, with at most one close, and never a
// reported-only close code.
void check_sent(duplex::ws::Role role, std::string sent) {
  auto peer =
      role == duplex::ws::Role::kServer ? duplex::ws::Role::kClient : duplex::ws::Role::kServer;
  duplex::ws::FrameParser parser(peer);
  std::span<char> rest(sent.data(), sent.size());
  int closes = 0;
  std::string close_body;
  for (;;) {
    auto result = parser.parse(rest);
    rest = rest.subspan(result.consumed);
    using Step = duplex::ws::FrameStep;
    if (result.need_more()) break;
    if (result.failed()) std::abort();
    if (result.step == Step::kHeader && parser.header().opcode == duplex::ws::Opcode::kClose) {
      ++closes;
      close_body.clear();
    }
    if (result.step == Step::kPayload && parser.header().opcode == duplex::ws::Opcode::kClose) {
      close_body += result.payload;
    }
  }
  if (!rest.empty() || closes > 1) std::abort();
  if (close_body.size() >= 2) {
    auto code = static_cast<std::uint16_t>(static_cast<unsigned char>(close_body[0]) << 8 |
                                           static_cast<unsigned char>(close_body[1]));
    if (!duplex::ws::is_valid_wire_close_code(code)) std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  auto role = (data[0] & 1) != 0 ? duplex::ws::Role::kServer : duplex::ws::Role::kClient;
  std::size_t chunk = data[1] % 16 + 1;
  std::string_view input(reinterpret_cast<const char*>(data) + 2, size - 2);
  Outcome whole = run(role, input, input.size() + 1);
  Outcome split = run(role, input, chunk);
  if (whole.log != split.log || whole.sent != split.sent || whole.failed != split.failed) {
    std::abort();
  }
  check_sent(role, whole.sent);
  return 0;
}
