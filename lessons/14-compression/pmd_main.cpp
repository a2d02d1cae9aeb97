// pmd (lesson 14): permessage-deflate by hand, with the real Deflater, Inflater and
// PerMessageDeflate and no socket (RFC 1951, RFC 7692).
//
//   pmd compress [--level N] [--window B] TEXT   the payload a server sends for TEXT (§7.2.1)
//   pmd bits HEX                                 walks a payload bit by bit (stored and fixed
//                                                Huffman blocks symbol by symbol, §3.2.3-3.2.6)
//   pmd inflate [--max BYTES] HEX                what a receiver makes of a payload (§7.2.2),
//                                                or the close code it fails with
//   pmd zeros N                                  the payload of N zero bytes: a small zip bomb
//   pmd memory [N]                               heap held by N connections' state, with and
//                                                without context takeover (§7.1.1)
//   pmd ratio FILE                               FILE's lines as messages: wire bytes per text
//                                                byte for each window and takeover setting
//   pmd echo FILE N                              N of FILE's lines (round robin) compressed by
//                                                a server and decompressed by a client, server
//                                                defaults: run it under callgrind for the cost
//                                                of one message (lesson 12's method)
// HEX is the payload as hex digits (spaces allowed), as `pmd compress` prints it.
#include <malloc.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "src/bench/deflate_load.hpp"
#include "src/deflate/deflater.hpp"
#include "src/deflate/inflate_error.hpp"
#include "src/deflate/inflater.hpp"
#include "src/deflate/rfc1951_tables.hpp"
#include "src/ws/permessage_deflate.hpp"

namespace {

using duplex::ws::DeflateParams;
using duplex::ws::PerMessageDeflate;
using duplex::ws::PerMessageDeflateOptions;

constexpr std::string_view kUsage =
    "usage: pmd compress [--level N] [--window B] TEXT | bits HEX | inflate [--max BYTES] HEX |\n"
    "       zeros N | memory [N] | ratio FILE | echo FILE N\n";

bool hex_to_bytes(std::string_view text, std::string& out) {
  int high = -1;
  for (char ch : text) {
    if (ch == ' ' || ch == '\n' || ch == '\t' || ch == '\r') continue;
    int value;
    if (ch >= '0' && ch <= '9')
      value = ch - '0';
    else if (ch >= 'a' && ch <= 'f')
      value = ch - 'a' + 10;
    else if (ch >= 'A' && ch <= 'F')
      value = ch - 'A' + 10;
    else
      return false;
    if (high < 0) {
      high = value;
    } else {
      out += static_cast<char>(high << 4 | value);
      high = -1;
    }
  }
  return high < 0;
}

std::string to_hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (i != 0) out += (i % 16 == 0) ? '\n' : ' ';
    const auto b = static_cast<unsigned char>(bytes[i]);
    out += kDigits[b >> 4];
    out += kDigits[b & 15];
  }
  return out;
}

// The server's defaults (PerMessageDeflateOptions): no context takeover either way.
DeflateParams server_defaults(int window_bits) {
  DeflateParams params;
  params.server_no_context_takeover = true;
  params.client_no_context_takeover = true;
  if (window_bits != 15) params.server_max_window_bits = window_bits;
  return params;
}

int compress(int level, int window_bits, std::string_view text) {
  PerMessageDeflateOptions options;
  options.level = level;
  options.server_max_window_bits = window_bits;
  PerMessageDeflate pmd(server_defaults(window_bits), PerMessageDeflate::Side::kServer, options);
  std::string payload;
  pmd.compress(text, payload);
  std::printf("%zu bytes -> %zu bytes (level %d, window 2^%d, tail 00 00 ff ff removed)\n",
              text.size(), payload.size(), level, window_bits);
  std::printf("%s\n", to_hex(payload).c_str());
  return 0;
}

// Reads a DEFLATE stream LSB first (RFC 1951 §3.1.1) and says what every bit is for.
class BitWalker {
 public:
  explicit BitWalker(std::string_view bytes) : bytes_(bytes) {}
  std::size_t left() const { return bytes_.size() * 8 - position_; }
  std::size_t position() const { return position_; }
  // A number of `count` bits, first bit least significant (header fields, extra bits).
  unsigned number(unsigned count) {
    unsigned value = 0;
    for (unsigned i = 0; i < count; ++i) value |= bit() << i;
    return value;
  }
  // One bit; Huffman codes are read one bit at a time, most significant bit first (§3.1.1).
  unsigned bit() {
    const auto byte = static_cast<unsigned char>(bytes_[position_ / 8]);
    const unsigned value = (byte >> (position_ % 8)) & 1;
    ++position_;
    return value;
  }
  void align() { position_ = (position_ + 7) / 8 * 8; }

 private:
  std::string_view bytes_;
  std::size_t position_ = 0;
};

std::string bit_string(unsigned code, unsigned length) {
  std::string s;
  for (unsigned i = length; i-- > 0;) s += ((code >> i) & 1) ? '1' : '0';
  return s;
}

// RFC 1951 §3.2.6: the fixed literal/length code, decoded from its bits. -1: out of bits.
int fixed_symbol(BitWalker& in, unsigned& code, unsigned& length) {
  code = 0;
  for (length = 1; length <= 9; ++length) {
    if (in.left() == 0) return -1;
    code = code << 1 | in.bit();
    if (length == 7 && code <= 0x17) return static_cast<int>(256 + code);
    if (length == 8 && code >= 0x30 && code <= 0xbf) return static_cast<int>(code - 0x30);
    if (length == 8 && code >= 0xc0 && code <= 0xc7) return static_cast<int>(280 + code - 0xc0);
    if (length == 9 && code >= 0x190) return static_cast<int>(144 + code - 0x190);
  }
  return -1;
}

std::string printable(unsigned symbol) {
  if (symbol >= 0x20 && symbol < 0x7f) return std::string("'") + static_cast<char>(symbol) + "'";
  char text[8];
  std::snprintf(text, sizeof text, "0x%02x", symbol);
  return text;
}

// @anchor lesson14-walk-bits
int walk_bits(std::string_view payload) {
  namespace d = duplex::deflate;
  BitWalker in(payload);
  std::string text;
  int block = 0;
  while (in.left() >= 3) {
    const std::size_t at = in.position();
    const unsigned final_bit = in.number(1);
    const unsigned type = in.number(2);
    ++block;
    std::printf("block %d at bit %zu: BFINAL=%u BTYPE=%u%u (%s)\n", block, at, final_bit, type >> 1,
                type & 1,
                type == 0   ? "stored"
                : type == 1 ? "fixed Huffman"
                : type == 2 ? "dynamic Huffman"
                            : "reserved: an error");
    if (type == 0) {
      in.align();
      if (in.left() < 32) {
        // RFC 7692 §7.2.1: a sync flush's empty stored block, its 00 00 ff ff cut off.
        std::printf("  byte boundary; LEN and NLEN missing: the 00 00 ff ff tail, removed\n");
        break;
      }
      const unsigned len = in.number(16);
      const unsigned nlen = in.number(16);
      std::printf("  byte boundary; LEN=%u NLEN=0x%04x (~LEN=0x%04x)\n", len, nlen, ~len & 0xffff);
      if (in.left() < 8 * std::size_t{len}) {
        std::printf("  (the data ends inside the block)\n");
        break;
      }
      for (unsigned i = 0; i < len; ++i) text += static_cast<char>(in.number(8));
      continue;
    }
    if (type != 1) {
      std::printf("  (this walker reads stored and fixed blocks; `pmd inflate` reads all)\n");
      return 0;
    }
    for (;;) {
      unsigned code = 0;
      unsigned length = 0;
      const int symbol = fixed_symbol(in, code, length);
      if (symbol < 0) {
        std::printf("  (the data ends inside the block: no end-of-block code)\n");
        std::printf("text so far: \"%s\"\n", text.c_str());
        return 0;
      }
      if (symbol < 256) {
        std::printf("  %-9s -> literal %s\n", bit_string(code, length).c_str(),
                    printable(static_cast<unsigned>(symbol)).c_str());
        text += static_cast<char>(symbol);
        continue;
      }
      if (symbol == 256) {
        std::printf("  %-9s -> end of block\n", bit_string(code, length).c_str());
        break;
      }
      const auto li = static_cast<std::size_t>(symbol - 257);
      if (li >= d::kLengthBase.size() || in.left() < d::kLengthExtra[li] + 5u) {
        std::printf("  %-9s -> symbol %d: invalid or cut short\n", bit_string(code, length).c_str(),
                    symbol);
        return 0;
      }
      const unsigned match_length = d::kLengthBase[li] + in.number(d::kLengthExtra[li]);
      unsigned dcode = 0;
      for (int i = 0; i < d::kFixedDistLength; ++i) dcode = dcode << 1 | in.bit();
      if (dcode >= d::kDistBase.size() || in.left() < d::kDistExtra[dcode]) {
        std::printf("  bad distance code %u\n", dcode);
        return 0;
      }
      const unsigned distance = d::kDistBase[dcode] + in.number(d::kDistExtra[dcode]);
      std::printf("  %-9s -> length symbol %d = %u; distance code %s = %u: copy \"",
                  bit_string(code, length).c_str(), symbol, match_length,
                  bit_string(dcode, 5).c_str(), distance);
      for (unsigned i = 0; i < match_length; ++i) {
        if (distance > text.size()) break;
        text += text[text.size() - distance];  // may copy bytes this same match just wrote
        std::printf("%c", text.back());
      }
      std::printf("\"\n");
    }
    if (final_bit == 1) break;
  }
  std::printf("bits left over: %zu (padding up to a byte)\n", in.left());
  std::printf("text: \"%s\"\n", text.c_str());
  return 0;
}

int inflate(std::size_t max_message, std::string_view payload) {
  PerMessageDeflateOptions options;
  options.max_message_size = max_message;
  PerMessageDeflate pmd(server_defaults(15), PerMessageDeflate::Side::kClient, options);
  std::string message;
  duplex::ws::InflateOutcome outcome = pmd.decompress(payload, message);
  if (outcome.ok) outcome = pmd.finish_message(message);
  if (!outcome.ok) {
    std::printf("fail the connection: close %u (%s)\n", outcome.close_code,
                std::string(duplex::deflate::to_string(outcome.error)).c_str());
    return 1;
  }
  std::printf("%zu bytes -> %zu bytes\n", payload.size(), message.size());
  if (message.size() <= 200) std::printf("\"%s\"\n", message.c_str());
  return 0;
}

int zeros(std::size_t count) {
  duplex::deflate::Deflater deflater({.level = 9, .window_bits = 15});
  std::string payload;
  deflater.deflate(std::string(count, '\0'), duplex::deflate::Flush::kSync, payload);
  payload.resize(payload.size() - 4);  // RFC 7692 §7.2.1: the tail goes
  std::printf("%s\n", to_hex(payload).c_str());
  return 0;
}

std::size_t heap_in_use() {
  return mallinfo2().uordblks;
}

// @anchor lesson14-memory
int memory(std::size_t connections) {
  namespace d = duplex::deflate;
  std::printf("window  Deflater  Inflater   (memory_bytes_for: the working buffers)\n");
  for (int bits : {15, 12, 10, 9, 8})
    std::printf("2^%-4d %9zu %9zu\n", bits, d::Deflater::memory_bytes_for(bits),
                d::Inflater::memory_bytes_for(bits));
  std::printf("sizeof(PerMessageDeflate) = %zu\n", sizeof(PerMessageDeflate));
  const std::string message = R"({"type":"message","room":"lobby","user":"ada","text":"hello"})";
  for (bool takeover : {false, true}) {
    DeflateParams params = server_defaults(15);
    params.server_no_context_takeover = !takeover;
    params.client_no_context_takeover = !takeover;
    PerMessageDeflateOptions options;
    options.server_no_context_takeover = !takeover;
    options.client_no_context_takeover = !takeover;
    // One compressed message each way, as a chat connection has after it said hello.
    std::string compressed;
    PerMessageDeflate(params, PerMessageDeflate::Side::kClient, options)
        .compress(message, compressed);
    const std::size_t before = heap_in_use();
    std::vector<std::unique_ptr<PerMessageDeflate>> all;
    all.reserve(connections);
    for (std::size_t i = 0; i < connections; ++i) {
      all.push_back(
          std::make_unique<PerMessageDeflate>(params, PerMessageDeflate::Side::kServer, options));
      std::string out;
      all.back()->compress(message, out);
      std::string in;
      if (!all.back()->decompress(compressed, in).ok || !all.back()->finish_message(in).ok)
        return 1;
    }
    const std::size_t after = heap_in_use();
    std::printf(
        "%zu connections after one message each way, %s context takeover: %zu bytes "
        "each\n",
        connections, takeover ? "with" : "no", (after - before) / connections);
  }
  return 0;
}

// @anchor lesson14-window-trade-off
int ratio(const std::string& path) {
  namespace d = duplex::deflate;
  const std::vector<std::string> messages = duplex::bench::read_messages(path);
  std::printf(
      "%zu messages; wire bytes / text bytes, and the DEFLATE memory a busy connection\n"
      "holds (both directions; with takeover it holds it all the time)\n",
      messages.size());
  std::printf("window  no takeover  takeover  memory\n");
  for (int bits : {15, 12, 10, 9}) {
    double by_setting[2] = {0, 0};
    for (bool takeover : {false, true}) {
      DeflateParams params = server_defaults(bits);
      params.server_no_context_takeover = !takeover;
      params.client_no_context_takeover = !takeover;
      params.client_max_window_bits = bits;
      PerMessageDeflateOptions options;
      options.server_max_window_bits = bits;
      options.client_max_window_bits = bits;
      options.server_no_context_takeover = !takeover;
      options.client_no_context_takeover = !takeover;
      const auto c = duplex::bench::compress_messages(messages, params, options);
      if (c.round_trip_errors != 0) return 1;
      by_setting[takeover ? 1 : 0] = c.ratio();
    }
    std::printf("2^%-4d %11.3f %9.3f %7zu\n", bits, by_setting[0], by_setting[1],
                d::Deflater::memory_bytes_for(bits) + d::Inflater::memory_bytes_for(bits));
  }
  return 0;
}

// @anchor lesson14-echo-cost
int echo(const std::string& path, std::size_t count) {
  const std::vector<std::string> messages = duplex::bench::read_messages(path);
  if (messages.empty()) return 1;
  PerMessageDeflateOptions options;
  PerMessageDeflate server(server_defaults(15), PerMessageDeflate::Side::kServer, options);
  PerMessageDeflate client(server_defaults(15), PerMessageDeflate::Side::kClient, options);
  std::size_t text_bytes = 0;
  std::size_t wire_bytes = 0;
  std::string payload;
  std::string message;
  for (std::size_t i = 0; i < count; ++i) {
    const std::string& text = messages[i % messages.size()];
    payload.clear();
    message.clear();
    server.compress(text, payload);
    if (!client.decompress(payload, message).ok || !client.finish_message(message).ok ||
        message != text) {
      std::fprintf(stderr, "pmd: message %zu did not round-trip\n", i);
      return 1;
    }
    text_bytes += text.size();
    wire_bytes += payload.size();
  }
  std::printf("%zu messages, %zu text bytes, %zu compressed bytes\n", count, text_bytes,
              wire_bytes);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string_view> args(argv + 1, argv + argc);
  if (args.empty()) {
    std::cerr << kUsage;
    return 2;
  }
  const std::string_view command = args[0];
  args.erase(args.begin());
  if (command == "compress") {
    int level = 6;
    int window = 15;
    while (args.size() > 2 && (args[0] == "--level" || args[0] == "--window")) {
      (args[0] == "--level" ? level : window) = std::atoi(std::string(args[1]).c_str());
      args.erase(args.begin(), args.begin() + 2);
    }
    if (args.size() != 1) {
      std::cerr << kUsage;
      return 2;
    }
    return compress(level, window, args[0]);
  }
  if (command == "bits" || command == "inflate") {
    std::size_t max = std::size_t{16} << 20;
    if (command == "inflate" && args.size() >= 2 && args[0] == "--max") {
      max = std::strtoull(std::string(args[1]).c_str(), nullptr, 10);
      args.erase(args.begin(), args.begin() + 2);
    }
    std::string hex;
    if (args.empty()) {
      std::string line;
      while (std::getline(std::cin, line)) hex += line + ' ';
    }
    for (std::string_view a : args) hex += std::string(a) + ' ';
    std::string payload;
    if (!hex_to_bytes(hex, payload)) {
      std::cerr << "pmd: not hex digits\n";
      return 2;
    }
    return command == "bits" ? walk_bits(payload) : inflate(max, payload);
  }
  if (command == "zeros" && args.size() == 1)
    return zeros(std::strtoull(std::string(args[0]).c_str(), nullptr, 10));
  if (command == "ratio" && args.size() == 1) return ratio(std::string(args[0]));
  if (command == "echo" && args.size() == 2)
    return echo(std::string(args[0]), std::strtoull(std::string(args[1]).c_str(), nullptr, 10));
  if (command == "memory")
    return memory(args.empty() ? 1000 : std::strtoull(std::string(args[0]).c_str(), nullptr, 10));
  std::cerr << kUsage;
  return 2;
}
