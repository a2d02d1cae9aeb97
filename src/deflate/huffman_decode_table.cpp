// Building the decoding tables (lesson 14; RFC 1951 §3.2.2, §3.2.5, §3.2.7).
// @lesson 14
#include "src/deflate/huffman_decode_table.hpp"

#include <array>

#include "src/deflate/rfc1951_tables.hpp"

namespace duplex::deflate {
namespace {

SymbolMeaning meaning(CodeKind kind, int symbol) {
  switch (kind) {
    case CodeKind::kLiteralLength:
      if (symbol < 256) return {EntryKind::kLiteral, static_cast<std::uint16_t>(symbol), 0};
      if (symbol == kEndOfBlock) return {EntryKind::kEndOfBlock, 0, 0};
      if (symbol < 286) {
        return {EntryKind::kBase, kLengthBase[symbol - 257], kLengthExtra[symbol - 257]};
      }
      return {EntryKind::kInvalid, 0, 0};  // §3.2.5: 286 and 287 never occur in the data
    case CodeKind::kDistance:
      if (symbol < 30) return {EntryKind::kBase, kDistBase[symbol], kDistExtra[symbol]};
      return {EntryKind::kInvalid, 0, 0};  // §3.2.5: 30 and 31 never occur in the data
    case CodeKind::kCodeLength:
      return {EntryKind::kLiteral, static_cast<std::uint16_t>(symbol), 0};
  }
  return {EntryKind::kInvalid, 0, 0};
}

int root_bits_of(CodeKind kind) {
  switch (kind) {
    case CodeKind::kLiteralLength:
      return kLitLenRootBits;
    case CodeKind::kDistance:
      return kDistRootBits;
    case CodeKind::kCodeLength:
      return kCodeLengthRootBits;
  }
  return 0;
}

std::uint32_t reverse_bits(std::uint32_t code, int length) {
  std::uint32_t reversed = 0;
  for (int i = 0; i < length; ++i) {
    reversed = (reversed << 1) | (code & 1);
    code >>= 1;
  }
  return reversed;
}

}  // namespace

// @anchor lesson14-decode-table
InflateError build_decode_table(CodeKind kind, std::span<const std::uint8_t> lengths,
                                std::span<std::uint32_t> table) {
  const int root = root_bits_of(kind);
  const std::uint32_t invalid = make_entry(EntryKind::kInvalid, 0, 0, 0);

  // §3.2.2 step 1: count the codes of each length.
  std::array<int, kMaxCodeBits + 1> count{};
  for (std::uint8_t len : lengths) ++count[len];
  count[0] = 0;
  int max_len = 0;
  int used = 0;
  for (int len = 1; len <= kMaxCodeBits; ++len) {
    if (count[len] != 0) max_len = len;
    used += count[len];
  }

  // Kraft's inequality: `left` is how many codes of the current length are still free. Below
  // zero, some lengths are over-subscribed (two symbols would share a code); above zero at the
  // end, the code is incomplete and some bit patterns would decode to nothing.
  int left = 1;
  for (int len = 1; len <= kMaxCodeBits; ++len) {
    left = (left << 1) - count[len];
    if (left < 0) return InflateError::kCodeLengthsOverSubscribed;
  }
  if (left > 0) {
    const bool single_one_bit_code = used == 1 && max_len == 1 && kind != CodeKind::kCodeLength;
    const bool no_distances = used == 0 && kind == CodeKind::kDistance;
    if (!single_one_bit_code && !no_distances) return InflateError::kCodeLengthsIncomplete;
  }

  // §3.2.2 step 2: the first code of each length.
  std::array<std::uint32_t, kMaxCodeBits + 2> next_code{};
  for (int len = 1; len <= kMaxCodeBits; ++len) {
    next_code[len + 1] = (next_code[len] + static_cast<std::uint32_t>(count[len])) << 1;
  }

  // Symbols in canonical order (by length, then by value): codes that share a root prefix are
  // then neighbours, so each sub-table is filled in one run.
  std::array<std::uint16_t, kNumLitLenSymbols> sorted{};
  {
    std::array<int, kMaxCodeBits + 2> offset{};
    for (int len = 1; len <= kMaxCodeBits; ++len) offset[len + 1] = offset[len] + count[len];
    for (std::size_t s = 0; s < lengths.size(); ++s) {
      if (lengths[s] != 0) sorted[offset[lengths[s]]++] = static_cast<std::uint16_t>(s);
    }
  }

  const std::uint32_t root_size = 1u << root;
  for (std::uint32_t i = 0; i < root_size; ++i) table[i] = invalid;

  std::array<int, kMaxCodeBits + 1> remaining = count;  // codes of each length not yet placed
  std::uint32_t next_free = root_size;                  // where the next sub-table goes
  std::uint32_t current_prefix = ~0u;
  std::uint32_t sub_start = 0;
  std::uint32_t sub_bits = 0;
  for (int i = 0; i < used; ++i) {
    const int symbol = sorted[i];
    const int len = lengths[symbol];
    const std::uint32_t code = reverse_bits(next_code[len]++, len);
    const SymbolMeaning m = meaning(kind, symbol);
    if (len <= root) {
      const std::uint32_t e = make_entry(m.kind, static_cast<std::uint32_t>(len), m.extra, m.value);
      for (std::uint32_t at = code; at < root_size; at += 1u << len) table[at] = e;
    } else {
      const std::uint32_t prefix = code & (root_size - 1);
      if (prefix != current_prefix) {
        // A new sub-table: as wide as the longest code it must hold, found by walking the
        // remaining counts until the codes from `len` on fill 2^sub_bits slots (zlib's method).
        sub_bits = static_cast<std::uint32_t>(len - root);
        int slots = 1 << sub_bits;
        while (static_cast<int>(sub_bits) + root < max_len) {
          slots -= remaining[static_cast<int>(sub_bits) + root];
          if (slots <= 0) break;
          ++sub_bits;
          slots <<= 1;
        }
        if (next_free + (1u << sub_bits) > table.size()) {
          return InflateError::kCodeLengthsOverSubscribed;  // unreachable for a checked code
        }
        current_prefix = prefix;
        sub_start = next_free;
        next_free += 1u << sub_bits;
        for (std::uint32_t at = sub_start; at < next_free; ++at) table[at] = invalid;
        table[prefix] =
            make_entry(EntryKind::kSubtable, static_cast<std::uint32_t>(root), sub_bits, sub_start);
      }
      const std::uint32_t sub_len = static_cast<std::uint32_t>(len - root);
      const std::uint32_t e = make_entry(m.kind, sub_len, m.extra, m.value);
      for (std::uint32_t at = code >> root; at < (1u << sub_bits); at += 1u << sub_len) {
        table[sub_start + at] = e;
      }
    }
    --remaining[len];
  }
  return InflateError::kNone;
}

}  // namespace duplex::deflate
