// Length-limited Huffman code construction (lesson 14; RFC 1951 §3.2.2, §3.2.7).
// @lesson 14
#include "src/deflate/huffman_code.hpp"

#include <algorithm>
#include <array>
#include <vector>

#include "src/deflate/rfc1951_tables.hpp"

namespace duplex::deflate {

// @anchor lesson14-huffman-build
void build_code_lengths(std::span<const std::uint32_t> freqs, int max_bits,
                        std::span<std::uint8_t> lengths) {
  const int n = static_cast<int>(freqs.size());
  std::fill(lengths.begin(), lengths.end(), std::uint8_t{0});
  std::array<int, kNumLitLenSymbols> symbols{};
  int used = 0;
  for (int s = 0; s < n; ++s) {
    if (freqs[s] != 0) symbols[used++] = s;
  }
  if (used < 2) {
    // Two codes of one bit: the used symbol (if any) and another.
    const int first = used == 1 ? symbols[0] : 0;
    lengths[first] = 1;
    lengths[first == 0 ? 1 : 0] = 1;
    return;
  }
  std::sort(symbols.begin(), symbols.begin() + used,
            [&](int a, int b) { return freqs[a] != freqs[b] ? freqs[a] < freqs[b] : a < b; });

  // Huffman's algorithm with two queues: leaves in order of weight, and the internal nodes,
  // which are made in order of weight too. Nodes 0..used-1 are leaves, the rest internal.
  const int nodes = 2 * used - 1;
  std::vector<std::uint64_t> weight(static_cast<std::size_t>(nodes));
  std::vector<int> parent(static_cast<std::size_t>(nodes), -1);
  for (int i = 0; i < used; ++i) weight[i] = freqs[symbols[i]];
  int next_leaf = 0;
  int next_internal = used;
  for (int made = used; made < nodes; ++made) {
    int pick[2];
    for (int& p : pick) {
      if (next_leaf < used &&
          (next_internal == made || weight[next_leaf] <= weight[next_internal])) {
        p = next_leaf++;
      } else {
        p = next_internal++;
      }
    }
    weight[made] = weight[pick[0]] + weight[pick[1]];
    parent[pick[0]] = parent[pick[1]] = made;
  }

  // Depths, from the root (the last node) down; children come before their parent.
  std::vector<int> depth(static_cast<std::size_t>(nodes), 0);
  std::array<int, kNumLitLenSymbols + 1> count{};
  for (int i = nodes - 2; i >= 0; --i) {
    depth[i] = depth[parent[i]] + 1;
    if (i < used) ++count[std::min(depth[i], max_bits)];
  }
  // Leaves deeper than max_bits were put at max_bits, which over-fills the code: Kraft's sum,
  // counted in units of 2^-max_bits, is above 2^max_bits. Each round takes one leaf off the
  // last level (one unit less) and splits a leaf of the deepest shorter level into two one level
  // down (the same units, one leaf more), so the leaves stay as many and the sum falls by one
  // until the code is exactly complete (miniz's method; zlib's gen_bitlen does the same in pairs).
  std::uint32_t kraft = 0;
  for (int bits = 1; bits <= max_bits; ++bits) {
    kraft += static_cast<std::uint32_t>(count[bits]) << (max_bits - bits);
  }
  while (kraft > (1u << max_bits)) {
    --count[max_bits];
    for (int bits = max_bits - 1; bits > 0; --bits) {
      if (count[bits] != 0) {
        --count[bits];
        count[bits + 1] += 2;
        break;
      }
    }
    --kraft;
  }
  // The longest lengths go to the rarest symbols (symbols[] is sorted by frequency).
  int at = 0;
  for (int bits = max_bits; bits >= 1; --bits) {
    for (int k = 0; k < count[bits]; ++k) lengths[symbols[at++]] = static_cast<std::uint8_t>(bits);
  }
}

void build_codes(std::span<const std::uint8_t> lengths, std::span<std::uint16_t> codes) {
  std::array<int, kMaxCodeBits + 1> count{};
  for (std::uint8_t len : lengths) ++count[len];
  count[0] = 0;
  std::array<std::uint32_t, kMaxCodeBits + 2> next{};
  for (int len = 1; len <= kMaxCodeBits; ++len) {
    next[len + 1] = (next[len] + static_cast<std::uint32_t>(count[len])) << 1;
  }
  for (std::size_t s = 0; s < lengths.size(); ++s) {
    const int len = lengths[s];
    if (len == 0) {
      codes[s] = 0;
      continue;
    }
    std::uint32_t code = next[len]++;
    std::uint32_t reversed = 0;
    for (int i = 0; i < len; ++i) {
      reversed = (reversed << 1) | (code & 1);
      code >>= 1;
    }
    codes[s] = static_cast<std::uint16_t>(reversed);
  }
}

}  // namespace duplex::deflate
