// permessage-deflate: the WebSocket compression extension, sans-I/O (lesson 14; RFC 7692).
//
// Two halves, neither of which touches a socket or a frame:
// - Negotiation (RFC 7692 §5, §7.1): parse a `Sec-WebSocket-Extensions` value (RFC 6455 §9.1
//   grammar, RFC 9110 §5.6 tokens and quoted strings), pick the first permessage-deflate offer
//   the server can accept and write the answer; on the client, make the offer and check the
//   server's answer.
// - The message transform (RFC 7692 §6, §7.2): one message in, its compressed payload out (the
//   00 00 ff ff tail removed, §7.2.1); a compressed message's payload fed fragment by fragment,
//   the tail appended at the end (§7.2.2), with a decompressed-size limit.
// Context takeover (§7.1.1) decides whether the DEFLATE state outlives a message; without it the
// big buffers are freed after each message, so an idle connection holds only this object.
// @lesson 14
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "src/deflate/deflater.hpp"
#include "src/deflate/inflater.hpp"

namespace duplex::ws {

inline constexpr std::string_view kPerMessageDeflate = "permessage-deflate";

// One element of a Sec-WebSocket-Extensions value: `name; param; param=value`.
struct ExtensionParam {
  std::string name;
  std::optional<std::string> value;  // unquoted; empty optional when the parameter has none
  bool operator==(const ExtensionParam&) const = default;
};
struct Extension {
  std::string name;
  std::vector<ExtensionParam> params;
  bool operator==(const Extension&) const = default;
};

// RFC 6455 §9.1: extension-list = 1#extension; extension = token *( ";" param ); param = token
// [ "=" (token | quoted-string) ], and a quoted value must be a token once unescaped. Several
// header fields are one list joined with ", " (RFC 9110 §5.3). Empty list elements are skipped
// (RFC 9110 §5.6.1). nullopt: the value does not follow the grammar.
std::optional<std::vector<Extension>> parse_extensions(std::string_view value);

// The server's settings. The defaults keep an idle connection small: no context takeover in
// either direction, so the compressor and the decompressor are freed between messages.
struct PerMessageDeflateOptions {
  bool enabled = true;
  // Ask for server_no_context_takeover even when the client did not (§7.1.1.1 allows it): each
  // message is compressed on its own, so one compressed broadcast is valid for every member,
  // and the compressor's ~200 KiB are freed between messages.
  bool server_no_context_takeover = true;
  // Ask the client for client_no_context_takeover (§7.1.1.2: the client MUST support it): the
  // decompressor's window is freed between messages. Costs ratio on runs of similar messages.
  bool client_no_context_takeover = true;
  // The largest LZ77 windows (log2, 8..15) for what the server sends and what it receives.
  int server_max_window_bits = 15;
  int client_max_window_bits = 15;
  int level = deflate::Deflater::kDefaultLevel;
  // Messages shorter than this go out uncompressed, RSV1 unset (§6.1 lets each message choose).
  std::size_t min_compress_size = 32;
  // The most bytes one message may decompress to; more closes with 1009.
  std::size_t max_message_size = std::size_t{16} << 20;
};

// The agreed parameters (§5): what the accepted response says, and so how each side works.
struct DeflateParams {
  bool server_no_context_takeover = false;
  bool client_no_context_takeover = false;
  std::optional<int> server_max_window_bits = std::nullopt;  // absent: 15 (§7.1.2.1)
  std::optional<int> client_max_window_bits = std::nullopt;  // absent: 15 (§7.1.2.2)
  bool operator==(const DeflateParams&) const = default;

  int server_window_bits() const { return server_max_window_bits.value_or(15); }
  int client_window_bits() const { return client_max_window_bits.value_or(15); }
};

// The extension element for a response (or an offer): "permessage-deflate; ...".
std::string to_header_value(const DeflateParams& params);

// Why one offer was declined, or a response refused (tests and logs print it).
enum class DeflateOfferProblem : std::uint8_t {
  kNone,
  kUnknownParameter,    // §7: a parameter not defined for an offer / a response
  kInvalidValue,        // §7.1: a value where none belongs, none where one must be, not 8..15
  kDuplicateParameter,  // §7: the same parameter twice
  kUnsupported,         // §7: this side cannot work with the configuration
  kNotOffered,          // §5, RFC 6455 §9.1: a response names an extension not offered
  kSeveralAccepted,     // RFC 6455 §9.1: a response accepts permessage-deflate twice
  kMalformedHeader,     // RFC 6455 §9.1: not the extension-list grammar
};
std::string_view to_string(DeflateOfferProblem problem) noexcept;

struct ServerNegotiation {
  // Set when an offer was accepted; `response` is then the Sec-WebSocket-Extensions value.
  std::optional<DeflateParams> agreed;
  std::string response;
  // Why the last permessage-deflate offer was declined (kNone if there was none), or
  // kMalformedHeader: the only case that is the handshake's error (400) rather than a decline.
  DeflateOfferProblem problem = DeflateOfferProblem::kNone;
  bool malformed() const { return problem == DeflateOfferProblem::kMalformedHeader; }
};

// The server's side of §5 and §7.1: `offers` is the request's Sec-WebSocket-Extensions value
// (every field line joined with ", "; empty when there is none).
ServerNegotiation negotiate_server(std::string_view offers,
                                   const PerMessageDeflateOptions& options);

// The client's offer: permessage-deflate with client_max_window_bits (so the server may limit
// our window, §7.1.2.2), plus what `options` asks of the server.
std::string client_offer(const PerMessageDeflateOptions& options);

struct ClientNegotiation {
  std::optional<DeflateParams> agreed;                       // the server accepted
  DeflateOfferProblem problem = DeflateOfferProblem::kNone;  // not kNone: fail the connection
  bool failed() const { return problem != DeflateOfferProblem::kNone; }
};

// The client's check of the response's Sec-WebSocket-Extensions value against the offer that
// client_offer(options) made (§7: any problem MUST _Fail the WebSocket Connection_).
ClientNegotiation check_server_response(std::string_view response,
                                        const PerMessageDeflateOptions& options);

// What decompressing a message came to. The close codes are RFC 6455 §7.4.1's.
struct InflateOutcome {
  bool ok = true;
  std::uint16_t close_code = 0;  // 1007: not a valid DEFLATE stream; 1009: over the limit
  deflate::InflateError error = deflate::InflateError::kNone;
};

// One connection's compression state, built from the agreed parameters for one side.
class PerMessageDeflate {
 public:
  enum class Side : std::uint8_t { kServer, kClient };
  static constexpr std::uint16_t kCloseInvalidData = 1007;
  static constexpr std::uint16_t kCloseTooBig = 1009;

  PerMessageDeflate(const DeflateParams& agreed, Side side,
                    const PerMessageDeflateOptions& options = {});

  // §6.1: whether this message goes out compressed (RSV1 set on its first frame).
  bool should_compress(std::size_t message_size) const {
    return message_size >= options_.min_compress_size;
  }
  // Appends the payload of the compressed message (§7.2.1: sync flush, tail removed).
  void compress(std::string_view message, std::string& out);

  // Receiving a compressed message: every fragment's payload in order, then finish_message().
  // Decompressed bytes are appended to `out`; after a failure the message is lost, and the
  // connection must close with the outcome's code.
  InflateOutcome decompress(std::string_view payload, std::string& out);
  InflateOutcome finish_message(std::string& out);

  // Heap bytes held now (the DEFLATE buffers; 0 between messages without context takeover).
  std::size_t memory_bytes() const noexcept;
  int send_window_bits() const noexcept { return deflater_.window_bits(); }
  int receive_window_bits() const noexcept { return inflater_.window_bits(); }
  bool send_takeover() const noexcept { return send_takeover_; }
  bool receive_takeover() const noexcept { return receive_takeover_; }

 private:
  InflateOutcome feed(std::string_view payload, std::string& out);
  InflateOutcome fail(deflate::InflateError error);

  PerMessageDeflateOptions options_;
  deflate::Deflater deflater_;
  deflate::Inflater inflater_;
  bool send_takeover_;
  bool receive_takeover_;
  bool failed_ = false;
};

// Compresses one message for every member of a broadcast: with server_no_context_takeover each
// message stands alone (§7.2.1), so one payload is valid on every connection that agreed to it
// with a server window of at least `window_bits`. One per group, not per connection: it keeps
// its buffers and starts afresh for every message.
class BroadcastCompressor {
 public:
  explicit BroadcastCompressor(int level = deflate::Deflater::kDefaultLevel, int window_bits = 15);
  std::string compress(std::string_view message);
  int window_bits() const noexcept { return deflater_.window_bits(); }

 private:
  deflate::Deflater deflater_;
};

}  // namespace duplex::ws
