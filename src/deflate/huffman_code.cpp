// Length-limited Huffman code construction (lesson 14; RFC 1951 §3.2.2, §3.2.7).
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
  std::array<int, 64> count{};
  int overflow = 0;
  for (int i = nodes - 2; i >= 0; --i) {
    depth[i] = depth[parent[i]] + 1;
    if (i < used) {
      if (depth[i] > max_bits) {
        ++overflow;
        ++count[max_bits];
      } else {
        ++count[depth[i]];
      }
    }
  }
  // zlib's fix for trees deeper than max_bits: every capped leaf overfills the code; moving a
  // leaf from length `bits` to `bits + 1` and putting a capped leaf beside it (as its brother)
  // frees one max_bits slot for each pair, until Kraft's sum is one again.
  while (overflow > 0) {
    int bits = max_bits - 1;
    while (count[bits] == 0) --bits;
    --count[bits];
    count[bits + 1] += 2;
    --count[max_bits];
    overflow -= 2;
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
