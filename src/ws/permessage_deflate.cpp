// permessage-deflate: negotiation and the message transform (lesson 14; RFC 7692 §5-§7).
// @lesson 14
#include "src/ws/permessage_deflate.hpp"

#include <algorithm>

namespace duplex::ws {
namespace {

constexpr std::string_view kServerNoContextTakeover = "server_no_context_takeover";
constexpr std::string_view kClientNoContextTakeover = "client_no_context_takeover";
constexpr std::string_view kServerMaxWindowBits = "server_max_window_bits";
constexpr std::string_view kClientMaxWindowBits = "client_max_window_bits";
constexpr int kMinWindowBits = 8;
constexpr int kMaxWindowBits = 15;
// The tail a sync flush ends with: an empty stored block (RFC 7692 §7.2.1 step 3, §7.2.2 step 1).
constexpr std::string_view kTail{"\x00\x00\xff\xff", 4};

// RFC 9110 §5.6.2: tchar.
bool is_tchar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool is_token(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), is_tchar);
}

class Cursor {
 public:
  explicit Cursor(std::string_view s) : s_(s) {}
  bool at_end() const { return pos_ == s_.size(); }
  char peek() const { return s_[pos_]; }
  void skip() { ++pos_; }
  void skip_ows() {  // RFC 9110 §5.6.3: OWS = *( SP / HTAB )
    while (!at_end() && (peek() == ' ' || peek() == '\t')) ++pos_;
  }
  std::optional<std::string> token() {
    const std::size_t start = pos_;
    while (!at_end() && is_tchar(peek())) ++pos_;
    if (pos_ == start) return std::nullopt;
    return std::string(s_.substr(start, pos_ - start));
  }
  // RFC 9110 §5.6.4: quoted-string, with quoted-pair unescaped.
  std::optional<std::string> quoted_string() {
    std::string out;
    ++pos_;  // the opening DQUOTE
    while (!at_end()) {
      const char c = s_[pos_++];
      if (c == '"') return out;
      if (c == '\\') {
        if (at_end()) return std::nullopt;
        out += s_[pos_++];
      } else {
        out += c;
      }
    }
    return std::nullopt;
  }

 private:
  std::string_view s_;
  std::size_t pos_ = 0;
};

// RFC 7692 §7.1.2: 1*DIGIT, no leading zeroes, 8..15.
std::optional<int> window_bits_value(const std::string& v) {
  if (v.empty() || v.size() > 2 || v[0] == '0') return std::nullopt;
  int n = 0;
  for (char c : v) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + (c - '0');
  }
  if (n < kMinWindowBits || n > kMaxWindowBits) return std::nullopt;
  return n;
}

int clamp_bits(int bits) {
  return std::clamp(bits, kMinWindowBits, kMaxWindowBits);
}

// The four parameters as one element carries them, checked for the rules RFC 7692 §7 gives for
// an offer and a response alike: defined names, valid values, no name twice.
struct Parsed {
  bool server_no_context_takeover = false;
  bool client_no_context_takeover = false;
  std::optional<int> server_max_window_bits;
  bool client_max_window_bits = false;  // present, with or without a value
  std::optional<int> client_max_window_bits_value;
};

DeflateOfferProblem parse_params(const Extension& ext, bool is_response, Parsed& out) {
  bool seen[4] = {};
  for (const ExtensionParam& p : ext.params) {
    int index;
    if (p.name == kServerNoContextTakeover)
      index = 0;
    else if (p.name == kClientNoContextTakeover)
      index = 1;
    else if (p.name == kServerMaxWindowBits)
      index = 2;
    else if (p.name == kClientMaxWindowBits)
      index = 3;
    else
      return DeflateOfferProblem::kUnknownParameter;
    if (seen[index]) return DeflateOfferProblem::kDuplicateParameter;
    seen[index] = true;
    switch (index) {
      case 0:
      case 1:
        // §7.1.1.1, §7.1.1.2: "This extension parameter has no value."
        if (p.value) return DeflateOfferProblem::kInvalidValue;
        (index == 0 ? out.server_no_context_takeover : out.client_no_context_takeover) = true;
        break;
      case 2:
        // §7.1.2.1: a value is required, in an offer and in a response.
        if (!p.value || !(out.server_max_window_bits = window_bits_value(*p.value)))
          return DeflateOfferProblem::kInvalidValue;
        break;
      default:
        // §7.1.2.2: an offer may carry it without a value; a response must give one.
        out.client_max_window_bits = true;
        if (p.value) {
          if (!(out.client_max_window_bits_value = window_bits_value(*p.value)))
            return DeflateOfferProblem::kInvalidValue;
        } else if (is_response) {
          return DeflateOfferProblem::kInvalidValue;
        }
        break;
    }
  }
  return DeflateOfferProblem::kNone;
}

// RFC 7692 §7: decline (the reason) or accept (the agreed parameters) one offer.
DeflateOfferProblem accept_offer(const Extension& offer, const PerMessageDeflateOptions& options,
                                 DeflateParams& agreed) {
  Parsed p;
  if (const DeflateOfferProblem problem = parse_params(offer, false, p);
      problem != DeflateOfferProblem::kNone)
    return problem;
  agreed = {};
  // §7.1.1.1: a request the server honours by echoing it; §7.1.1.1 also lets it add it unasked.
  agreed.server_no_context_takeover =
      p.server_no_context_takeover || options.server_no_context_takeover;
  // §7.1.1.2: the server may always forbid the client's context takeover; the client's own
  // client_no_context_takeover is only a hint, taken because it costs the client nothing.
  agreed.client_no_context_takeover =
      p.client_no_context_takeover || options.client_no_context_takeover;
  // §7.1.2.1: answer the client's limit with the same or a smaller value; name our own limit
  // even unasked.
  const int server_limit = clamp_bits(options.server_max_window_bits);
  if (p.server_max_window_bits) {
    agreed.server_max_window_bits = std::min(*p.server_max_window_bits, server_limit);
  } else if (server_limit < kMaxWindowBits) {
    agreed.server_max_window_bits = server_limit;
  }
  // §7.1.2.2: the server may limit the client's window only if the offer said the client
  // understands client_max_window_bits; otherwise the client may use 32 KiB, and a server
  // that cannot take that declines.
  const int client_limit = clamp_bits(options.client_max_window_bits);
  if (p.client_max_window_bits) {
    const int bits =
        std::min(p.client_max_window_bits_value.value_or(kMaxWindowBits), client_limit);
    if (bits < kMaxWindowBits || p.client_max_window_bits_value)
      agreed.client_max_window_bits = bits;
  } else if (client_limit < kMaxWindowBits) {
    return DeflateOfferProblem::kUnsupported;
  }
  return DeflateOfferProblem::kNone;
}

// A zlib-based peer told to use a 256-byte window uses 512 bytes (zlib raises raw deflate's
// windowBits 8 to 9), so a receiver keeps at least 2^9: a bigger window than agreed is always
// safe for the one decompressing (§7.2.2 "MAY reduce").
int receive_window(int agreed_bits) {
  return std::max(agreed_bits, 9);
}

}  // namespace

std::optional<std::vector<Extension>> parse_extensions(std::string_view value) {
  std::vector<Extension> list;
  Cursor c(value);
  for (;;) {
    c.skip_ows();
    if (c.at_end()) break;
    if (c.peek() == ',') {  // RFC 9110 §5.6.1: empty list elements count for nothing
      c.skip();
      continue;
    }
    Extension ext;
    auto name = c.token();
    if (!name) return std::nullopt;
    ext.name = std::move(*name);
    c.skip_ows();
    while (!c.at_end() && c.peek() == ';') {
      c.skip();
      c.skip_ows();
      ExtensionParam param;
      auto param_name = c.token();
      if (!param_name) return std::nullopt;
      param.name = std::move(*param_name);
      c.skip_ows();
      if (!c.at_end() && c.peek() == '=') {
        c.skip();
        c.skip_ows();
        if (c.at_end()) return std::nullopt;
        if (c.peek() == '"') {
          auto quoted = c.quoted_string();
          // RFC 6455 §9.1: a quoted value, unescaped, must still be a token.
          if (!quoted || !is_token(*quoted)) return std::nullopt;
          param.value = std::move(*quoted);
        } else {
          auto token = c.token();
          if (!token) return std::nullopt;
          param.value = std::move(*token);
        }
        c.skip_ows();
      }
      ext.params.push_back(std::move(param));
    }
    list.push_back(std::move(ext));
    if (c.at_end()) break;
    if (c.peek() != ',') return std::nullopt;
    c.skip();
  }
  return list;
}

std::string to_header_value(const DeflateParams& params) {
  std::string s(kPerMessageDeflate);
  if (params.server_no_context_takeover) (s += "; ") += kServerNoContextTakeover;
  if (params.client_no_context_takeover) (s += "; ") += kClientNoContextTakeover;
  if (params.server_max_window_bits)
    ((s += "; ") += kServerMaxWindowBits) += "=" + std::to_string(*params.server_max_window_bits);
  if (params.client_max_window_bits)
    ((s += "; ") += kClientMaxWindowBits) += "=" + std::to_string(*params.client_max_window_bits);
  return s;
}

std::string_view to_string(DeflateOfferProblem problem) noexcept {
  switch (problem) {
    case DeflateOfferProblem::kNone:
      return "no problem";
    case DeflateOfferProblem::kUnknownParameter:
      return "a parameter permessage-deflate does not define";
    case DeflateOfferProblem::kInvalidValue:
      return "a parameter with an invalid value";
    case DeflateOfferProblem::kDuplicateParameter:
      return "the same parameter twice";
    case DeflateOfferProblem::kUnsupported:
      return "a configuration this side does not support";
    case DeflateOfferProblem::kNotOffered:
      return "an extension that was not offered";
    case DeflateOfferProblem::kSeveralAccepted:
      return "permessage-deflate accepted twice";
    case DeflateOfferProblem::kMalformedHeader:
      return "Sec-WebSocket-Extensions does not parse";
  }
  return "unknown";
}

// @anchor lesson14-negotiate
ServerNegotiation negotiate_server(std::string_view offers,
                                   const PerMessageDeflateOptions& options) {
  ServerNegotiation result;
  if (!options.enabled) return result;
  const auto list = parse_extensions(offers);
  if (!list) {
    result.problem = DeflateOfferProblem::kMalformedHeader;
    return result;
  }
  // RFC 7692 §5: the offers are in the client's order of preference; the first acceptable one
  // wins. §7: an offer with an unknown parameter, a bad value or a duplicate is declined, not an
  // error: the next offer (maybe a fallback without the parameter) may still do.
  for (const Extension& ext : *list) {
    if (ext.name != kPerMessageDeflate) continue;
    DeflateParams agreed;
    result.problem = accept_offer(ext, options, agreed);
    if (result.problem == DeflateOfferProblem::kNone) {
      result.agreed = agreed;
      result.response = to_header_value(agreed);
      return result;
    }
  }
  return result;
}

std::string client_offer(const PerMessageDeflateOptions& options) {
  std::string s(kPerMessageDeflate);
  if (options.server_no_context_takeover) (s += "; ") += kServerNoContextTakeover;
  if (options.client_no_context_takeover) (s += "; ") += kClientNoContextTakeover;
  const int server_limit = clamp_bits(options.server_max_window_bits);
  if (server_limit < kMaxWindowBits)
    ((s += "; ") += kServerMaxWindowBits) += "=" + std::to_string(server_limit);
  // §7.1.2.2: always say we understand client_max_window_bits in the response (browsers do).
  (s += "; ") += kClientMaxWindowBits;
  const int client_limit = clamp_bits(options.client_max_window_bits);
  if (client_limit < kMaxWindowBits) s += "=" + std::to_string(client_limit);
  return s;
}

ClientNegotiation check_server_response(std::string_view response,
                                        const PerMessageDeflateOptions& options) {
  ClientNegotiation result;
  const auto list = parse_extensions(response);
  if (!list) {
    result.problem = DeflateOfferProblem::kMalformedHeader;
    return result;
  }
  for (const Extension& ext : *list) {
    // RFC 6455 §4.1 and §9.1: the client offered permessage-deflate only, and only once may
    // the server accept it.
    if (ext.name != kPerMessageDeflate || !options.enabled) {
      result.problem = DeflateOfferProblem::kNotOffered;
      return result;
    }
    if (result.agreed) {
      result.agreed.reset();
      result.problem = DeflateOfferProblem::kSeveralAccepted;
      return result;
    }
    Parsed p;
    if ((result.problem = parse_params(ext, true, p)) != DeflateOfferProblem::kNone) return result;
    // §7.1.2.1: our server_max_window_bits was a request; the answer must be the same or smaller.
    const int server_limit = clamp_bits(options.server_max_window_bits);
    if (server_limit < kMaxWindowBits &&
        (!p.server_max_window_bits || *p.server_max_window_bits > server_limit)) {
      result.problem = DeflateOfferProblem::kUnsupported;
      return result;
    }
    DeflateParams agreed;
    agreed.server_no_context_takeover = p.server_no_context_takeover;
    agreed.client_no_context_takeover = p.client_no_context_takeover;
    agreed.server_max_window_bits = p.server_max_window_bits;
    agreed.client_max_window_bits = p.client_max_window_bits_value;
    result.agreed = agreed;
  }
  return result;
}

PerMessageDeflate::PerMessageDeflate(const DeflateParams& agreed, Side side,
                                     const PerMessageDeflateOptions& options)
    : options_(options),
      // RFC 7692 §7.2.1: each side compresses with the window the agreed parameters give its
      // own direction, and §7.2.2 decompresses with the other direction's.
      deflater_({.level = options.level,
                 .window_bits = side == Side::kServer ? agreed.server_window_bits()
                                                      : agreed.client_window_bits()}),
      inflater_({.window_bits = receive_window(side == Side::kServer ? agreed.client_window_bits()
                                                                     : agreed.server_window_bits()),
                 .max_output = options.max_message_size}),
      send_takeover_(side == Side::kServer ? !agreed.server_no_context_takeover
                                           : !agreed.client_no_context_takeover),
      receive_takeover_(side == Side::kServer ? !agreed.client_no_context_takeover
                                              : !agreed.server_no_context_takeover) {}

// @anchor lesson14-compress-message
void PerMessageDeflate::compress(std::string_view message, std::string& out) {
  const std::size_t start = out.size();
  // §7.2.1 steps 1-2: a sync flush ends the data with an empty stored block; step 3 drops its
  // last four bytes. An empty message leaves the single byte 0x00 (§7.2.3.6).
  deflater_.deflate(message, deflate::Flush::kSync, out);
  if (out.size() - start >= kTail.size() &&
      std::string_view(out).substr(out.size() - kTail.size()) == kTail)
    out.resize(out.size() - kTail.size());
  // §7.2.1: without context takeover each message starts from an empty window; the buffers go
  // back to the heap until the next message.
  if (!send_takeover_) deflater_.release_memory();
}

InflateOutcome PerMessageDeflate::fail(deflate::InflateError error) {
  failed_ = true;
  inflater_.release_memory();
  // RFC 7692 names no close code (its §8 is about CRIME only). RFC 6455 §7.4.1: 1009 for a
  // message too big to process, 1007 for data inconsistent with the message's type, which a
  // payload that is not the DEFLATE data RSV1 promised is.
  return {false, error == deflate::InflateError::kOutputLimit ? kCloseTooBig : kCloseInvalidData,
          error};
}

InflateOutcome PerMessageDeflate::feed(std::string_view payload, std::string& out) {
  char piece[16384];
  for (;;) {
    const deflate::InflateResult r = inflater_.inflate(payload, piece);
    out.append(piece, r.produced);
    payload.remove_prefix(r.consumed);
    if (r.failed()) return fail(r.error);
    if (r.done()) {
      // §7.2.1 allows blocks with BFINAL set inside a message (§7.2.3.4).
      inflater_.continue_after_final();
      continue;
    }
    if (payload.empty() && r.produced < sizeof piece) return {};
  }
}

InflateOutcome PerMessageDeflate::decompress(std::string_view payload, std::string& out) {
  if (failed_) return {false, kCloseInvalidData, deflate::InflateError::kNone};
  return feed(payload, out);
}

// @anchor lesson14-decompress-message
InflateOutcome PerMessageDeflate::finish_message(std::string& out) {
  if (failed_) return {false, kCloseInvalidData, deflate::InflateError::kNone};
  // §7.2.2 step 1: the tail the sender removed goes back on.
  const InflateOutcome outcome = feed(kTail, out);
  if (!outcome.ok) return outcome;
  // The tail must close the message's last block: if the message stopped inside a block, the
  // four bytes were read as part of it and the decoder is not between blocks.
  if (!inflater_.at_block_boundary()) return fail(deflate::InflateError::kEndsInsideBlock);
  if (receive_takeover_) {
    inflater_.start_message();
  } else {
    inflater_.release_memory();
  }
  return {};
}

std::size_t PerMessageDeflate::memory_bytes() const noexcept {
  return deflater_.memory_bytes() + inflater_.memory_bytes();
}

BroadcastCompressor::BroadcastCompressor(int level, int window_bits)
    : deflater_({.level = level, .window_bits = window_bits}) {}

// @anchor lesson14-broadcast
std::string BroadcastCompressor::compress(std::string_view message) {
  std::string out;
  deflater_.deflate(message, deflate::Flush::kSync, out);
  if (out.size() >= kTail.size() &&
      std::string_view(out).substr(out.size() - kTail.size()) == kTail)
    out.resize(out.size() - kTail.size());
  // Every message from an empty window: what server_no_context_takeover promised the members.
  deflater_.reset();
  return out;
}

}  // namespace duplex::ws
