// @lesson 14
// libFuzzer target for src/ws/protocol.cpp with permessage-deflate enabled (lesson 14; RFC 7692
// §6, §7.2): compressed messages, RSV1 in every place, bombs.
//
// Byte 0 picks the role and the agreed parameters (context takeover each way, window bits),
// byte 1 a chunk size. Invariants: no crash (ASan/UBSan); the same events and the same output
// whole or in chunks; every text event is valid UTF-8 and no message exceeds the limit, however
// much its payload inflates; what we send parses for the peer, with RSV1 only on data frames.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string>
#include <vector>

#include "src/ws/frame_parser.hpp"
#include "src/ws/permessage_deflate.hpp"
#include "src/ws/protocol.hpp"

namespace {

constexpr std::uint64_t kMaxMessage = 4096;

struct Outcome {
  std::string log;
  std::string sent;
  bool failed;
};

Outcome run(duplex::ws::Role role, const duplex::ws::DeflateParams& agreed, std::string_view input,
            std::size_t chunk) {
  duplex::ws::ProtocolLimits limits;
  limits.max_frame_size = 2048;
  limits.max_message_size = kMaxMessage;
  duplex::ws::Protocol protocol(role, limits, [] { return duplex::ws::MaskKey{9, 8, 7, 6}; });
  duplex::ws::PerMessageDeflateOptions options;
  options.min_compress_size = 1;
  protocol.enable_deflate(agreed, options);
  Outcome out;
  std::string copy;
  std::vector<duplex::ws::Event> echo;
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
      if (event.data.size() > kMaxMessage) std::abort();
      if (event.kind == duplex::ws::Event::Kind::kText ||
          event.kind == duplex::ws::Event::Kind::kBinary) {
        echo.push_back(event);
      }
      out.log += std::to_string(static_cast<int>(event.kind)) + " " +
                 std::to_string(duplex::ws::to_int(event.code)) + " " + event.data + "\n";
    }
    out.sent += protocol.data_to_send();
  }
  // Echo the messages at the end (so whole and chunked runs send the same bytes): exercises the
  // compressing side on what the fuzzer made us inflate.
  for (const auto& event : echo) {
    if (event.kind == duplex::ws::Event::Kind::kText) protocol.send_text(event.data);
    if (event.kind == duplex::ws::Event::Kind::kBinary) protocol.send_binary(event.data);
  }
  out.sent += protocol.data_to_send();
  out.failed = protocol.failed();
  return out;
}

// What we sent parses for the peer; RSV1 appears on data frames only, and each compressed
// message inflates with the peer's side of the agreement.
void check_sent(duplex::ws::Role role, const duplex::ws::DeflateParams& agreed, std::string sent) {
  using duplex::ws::PerMessageDeflate;
  auto peer =
      role == duplex::ws::Role::kServer ? duplex::ws::Role::kClient : duplex::ws::Role::kServer;
  duplex::ws::FrameParser parser(peer, {1 << 20, duplex::ws::kRsv1});
  PerMessageDeflate inflating(agreed, role == duplex::ws::Role::kServer
                                          ? PerMessageDeflate::Side::kClient
                                          : PerMessageDeflate::Side::kServer);
  std::span<char> rest(sent.data(), sent.size());
  bool compressed = false;
  std::string message;
  for (;;) {
    auto result = parser.parse(rest);
    rest = rest.subspan(result.consumed);
    using Step = duplex::ws::FrameStep;
    if (result.need_more()) break;
    if (result.failed()) std::abort();
    const auto& header = parser.header();
    if (result.step == Step::kHeader) {
      compressed = (header.rsv & duplex::ws::kRsv1) != 0;
      if (compressed && duplex::ws::is_control(header.opcode)) std::abort();
      message.clear();
    }
    if (result.step == Step::kPayload && compressed &&
        !inflating.decompress(result.payload, message).ok) {
      std::abort();
    }
    if (result.step == Step::kFrameEnd && compressed) {
      if (!inflating.finish_message(message).ok) std::abort();
    }
  }
  if (!rest.empty()) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  auto role = (data[0] & 1) != 0 ? duplex::ws::Role::kServer : duplex::ws::Role::kClient;
  duplex::ws::DeflateParams agreed;
  agreed.server_no_context_takeover = (data[0] & 2) != 0;
  agreed.client_no_context_takeover = (data[0] & 4) != 0;
  agreed.server_max_window_bits = 9 + (data[0] >> 3 & 7) % 7;
  agreed.client_max_window_bits = 9 + (data[0] >> 5 & 7) % 7;
  std::size_t chunk = data[1] % 16 + 1;
  std::string_view input(reinterpret_cast<const char*>(data) + 2, size - 2);
  Outcome whole = run(role, agreed, input, input.size() + 1);
  Outcome split = run(role, agreed, input, chunk);
  if (whole.log != split.log || whole.sent != split.sent || whole.failed != split.failed) {
    std::abort();
  }
  check_sent(role, agreed, whole.sent);
  return 0;
}
