// HuffmanDecodeTable: the lookup tables that turn bits into symbols (lesson 14).
//
// RFC 1951 §3.2.2 defines a code by its lengths alone (canonical Huffman codes). Decoding one
// bit at a time, as puff.c does, is the clearest way and the slowest. Here a code becomes a table
// indexed by the next `root_bits` bits of input: every code of length L <= root_bits fills the
// 2^(root_bits-L) entries whose low L bits are that code (bit-reversed, because §3.1.1 packs
// Huffman codes starting from their most significant bit while the stream is read from the least
// significant bit). A code longer than root_bits lives in a sub-table: the root entry for its
// first root_bits bits points at a sub-table indexed by the next bits, sized (as zlib's
// inflate_table does) just large enough for the codes that share that prefix. One lookup
// decodes almost every symbol; a rare long code costs two.
//
// An entry packs everything the decoder needs for one step into 32 bits:
//   bits 0-7   bits the entry consumes (root entries: the code length or root_bits for a
//              pointer; sub-table entries: the length beyond root_bits)
//   bits 8-11  extra bits that follow the code (§3.2.5), or a pointer's sub-table index bits
//   bits 12-15 the kind: literal, base (a length or distance base), end of block, sub-table,
//   invalid bits 16-31 the value: the literal byte, the base, or the sub-table's offset in the
//   table
// @lesson 14
#pragma once

#include <cstdint>
#include <span>

#include "src/deflate/inflate_error.hpp"

namespace duplex::deflate {

enum class EntryKind : std::uint32_t { kLiteral, kBase, kEndOfBlock, kSubtable, kInvalid };

constexpr std::uint32_t make_entry(EntryKind kind, std::uint32_t bits, std::uint32_t extra,
                                   std::uint32_t value) {
  return bits | (extra << 8) | (static_cast<std::uint32_t>(kind) << 12) | (value << 16);
}
constexpr std::uint32_t entry_bits(std::uint32_t e) {
  return e & 0xff;
}
constexpr std::uint32_t entry_extra(std::uint32_t e) {
  return (e >> 8) & 0xf;
}
constexpr EntryKind entry_kind(std::uint32_t e) {
  return static_cast<EntryKind>((e >> 12) & 0xf);
}
constexpr std::uint32_t entry_value(std::uint32_t e) {
  return e >> 16;
}

// What symbol i of a code decodes to: a literal, a base with extra bits, the end of a block, or
// nothing (symbols the RFC reserves).
struct SymbolMeaning {
  EntryKind kind;
  std::uint16_t value;
  std::uint8_t extra;
};

// The three codes of RFC 1951 and how their symbols map to meanings.
enum class CodeKind { kLiteralLength, kDistance, kCodeLength };

// Root bits and the table sizes that are enough for any valid code: a sub-table of 2^k entries
// holds at least k + 1 codes, so the sub-tables can never hold more than (symbols / (k + 1)) * 2^k
// entries for the largest k = 15 - root_bits.
inline constexpr int kLitLenRootBits = 10;
inline constexpr int kDistRootBits = 8;
inline constexpr int kCodeLengthRootBits = 7;
inline constexpr int kLitLenTableSize = (1 << kLitLenRootBits) + (288 / 6 + 1) * 32;
inline constexpr int kDistTableSize = (1 << kDistRootBits) + (32 / 8 + 1) * 128;
inline constexpr int kCodeLengthTableSize = 1 << kCodeLengthRootBits;

// Builds the decoding table for the code given by `lengths` (one per symbol, 0 = unused).
// Returns kNone, kCodeLengthsOverSubscribed or kCodeLengthsIncomplete. `table` must hold the
// size above for `kind`. An incomplete code is accepted only when it is a single code of one bit
// (RFC 1951 §3.2.7 allows one distance code; zlib accepts the same for literal/lengths, never
// for the code-length code), or no code at all for distances (a block of literals only); the
// unused entries decode as invalid.
InflateError build_decode_table(CodeKind kind, std::span<const std::uint8_t> lengths,
                                std::span<std::uint32_t> table);

}  // namespace duplex::deflate
