// libFuzzer target for permessage-deflate (lesson 14; RFC 7692 §5, §7.2.2).
//
// The input up to the first newline is a Sec-WebSocket-Extensions value: negotiated as a
// server and checked as a client's response, an accepted answer must parse back to the same
// parameters. The rest is one compressed message's payload: decompressed whole and in two
// fragments (cut where its first byte says), the two must agree, never exceed the limit, and a
// failure must carry 1007 or 1009.
// @lesson 14
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "src/ws/permessage_deflate.hpp"

namespace {

using duplex::ws::PerMessageDeflate;
using duplex::ws::PerMessageDeflateOptions;

constexpr std::size_t kLimit = 1 << 18;

void check(bool condition) {
  if (!condition) std::abort();
}

struct Outcome {
  bool ok = true;
  std::uint16_t close_code = 0;
  std::string output;
  bool operator==(const Outcome&) const = default;
};

Outcome receive(std::string_view payload, std::size_t cut) {
  PerMessageDeflate receiver({}, PerMessageDeflate::Side::kServer, {.max_message_size = kLimit});
  Outcome out;
  // Copies of exactly each fragment, so an over-read leaves the heap block ASan watches.
  const std::string first(payload.substr(0, cut));
  const std::string second(payload.substr(cut));
  duplex::ws::InflateOutcome r = receiver.decompress(first, out.output);
  if (r.ok) r = receiver.decompress(second, out.output);
  if (r.ok) r = receiver.finish_message(out.output);
  out.ok = r.ok;
  out.close_code = r.close_code;
  check(r.ok || r.close_code == 1007 || r.close_code == 1009);
  check(out.output.size() <= kLimit);
  if (!r.ok) out.output.clear();  // a failed message's bytes are never delivered
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::size_t newline = input.find('\n');
  const std::string_view header = input.substr(0, newline);
  for (const PerMessageDeflateOptions& options :
       {PerMessageDeflateOptions{},
        PerMessageDeflateOptions{.server_max_window_bits = 9, .client_max_window_bits = 10}}) {
    const auto n = duplex::ws::negotiate_server(header, options);
    check(n.agreed.has_value() == !n.response.empty());
    if (n.agreed) {
      const auto c = duplex::ws::check_server_response(n.response, PerMessageDeflateOptions{});
      check(!c.failed() && c.agreed == n.agreed);
    }
  }
  (void)duplex::ws::check_server_response(header, PerMessageDeflateOptions{});
  if (newline == std::string_view::npos) return 0;
  const std::string_view payload = input.substr(newline + 1);
  const std::size_t cut =
      payload.empty() ? 0 : static_cast<std::uint8_t>(payload[0]) % (payload.size() + 1);
  check(receive(payload, 0) == receive(payload, cut));
  return 0;
}
