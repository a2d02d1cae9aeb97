// Deflater: DEFLATE compression, streaming and sans-I/O (lesson 14).
//
// RFC 1951 §4 leaves the compressor free; this one is zlib's design, explained. LZ77 finds
// repeats (§4: hash chains over 3-byte strings, the newest first, a chain length cap per level);
// the fast level takes the first good match (greedy), the default level waits one byte to see
// whether a longer match starts there (lazy matching, §4's last paragraph). Matches and literals
// collect in a symbol buffer; when it is full (or on a flush) they become one block, written in
// whichever of stored (§3.2.4), fixed (§3.2.6) or dynamic Huffman (§3.2.7) is smallest. Dynamic
// codes are length-limited Huffman codes (huffman_code.hpp).
//
// For RFC 7692: a sync flush ends the data with an empty stored block, 00 00 ff ff (§7.2.1),
// which the WebSocket layer strips; reset() starts afresh for "no context takeover" (§7.1.1),
// and release_memory() gives the big tables back between messages.
// @lesson 14
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace duplex::deflate {

enum class Flush : std::uint8_t {
  kNone,    // compress what fills a block; keep the rest for the next call
  kSync,    // everything so far, then an empty stored block: the output ends byte-aligned with
            // 00 00 ff ff and the stream goes on (RFC 7692 §7.2.1)
  kFinish,  // everything so far in a final block (BFINAL = 1); reset() before reusing
};

struct DeflaterOptions {
  // 1 (fastest) .. 9 (smallest), zlib's meaning; values outside are clamped.
  int level = 6;
  // log2 of how far back a match may reach: 8..15 (RFC 7692 §7.1.2: *_max_window_bits);
  // values outside are clamped.
  int window_bits = 15;
};

class Deflater {
 public:
  static constexpr int kFastLevel = 1;
  static constexpr int kDefaultLevel = 6;
  static constexpr int kBestLevel = 9;

  explicit Deflater(DeflaterOptions options = {});
  ~Deflater();
  Deflater(Deflater&&) noexcept;
  Deflater& operator=(Deflater&&) noexcept;
  Deflater(const Deflater&) = delete;
  Deflater& operator=(const Deflater&) = delete;

  // Compresses `input` and appends the compressed bytes to `out`. Takes all of `input`.
  void deflate(std::string_view input, Flush flush, std::string& out);

  // A new stream with no history (RFC 7692 §7.1.1: no context takeover); keeps the memory.
  void reset() noexcept;
  // reset() and frees the window, the hash tables and the symbol buffer; the next deflate()
  // allocates them again.
  void release_memory() noexcept;
  bool finished() const noexcept { return finished_; }

  // Heap bytes held now, and what a working instance needs for `window_bits`.
  std::size_t memory_bytes() const noexcept;
  static std::size_t memory_bytes_for(int window_bits) noexcept;

  int level() const noexcept { return level_; }
  int window_bits() const noexcept { return window_bits_; }

 private:
  struct Workspace;
  static constexpr std::size_t kSpareWorkspaces = 2;
  static std::array<std::unique_ptr<Workspace>, kSpareWorkspaces>& spares() noexcept;
  struct Params {
    int good_length;  // a match this long already: search only a quarter of the chain
    int max_lazy;     // lazy: don't look for a longer match past this; greedy: insert limit
    int nice_length;  // stop searching at a match this long
    int max_chain;    // hash chain entries to try
    bool lazy;
  };

  void allocate();
  std::size_t fill_window(std::string_view& input) noexcept;
  void slide() noexcept;
  void compress_greedy(bool flushing);
  void compress_lazy(bool flushing);
  std::uint32_t hash_at(std::size_t pos) const noexcept;
  unsigned insert(std::size_t pos) noexcept;
  void clear_heads() noexcept;
  int longest_match(unsigned cur_match, int best_len) noexcept;
  bool tally_literal(std::uint8_t byte) noexcept;
  bool tally_match(unsigned dist, unsigned len) noexcept;
  void flush_block(bool last);
  void put_bits(std::uint32_t bits, unsigned count);
  std::ptrdiff_t pos() const noexcept { return static_cast<std::ptrdiff_t>(strstart_); }
  void align_to_byte();

  int level_;
  int window_bits_;
  Params params_;
  std::size_t slide_size_;  // D: the buffer is 2D bytes, and slides by D
  std::size_t max_dist_;    // the farthest a match reaches: min(window, D - kMinLookahead)
  int hash_bits_;
  std::size_t sym_capacity_;  // symbols per block
  std::unique_ptr<Workspace> ws_;
  std::string* out_ = nullptr;

  std::size_t strstart_ = 0;        // the position being looked at
  std::size_t lookahead_ = 0;       // bytes after strstart_ not looked at yet
  std::ptrdiff_t block_start_ = 0;  // where the current block's bytes begin (< 0: slid away)
  unsigned match_length_ = 0;
  unsigned prev_length_ = 0;
  // Where the last match found starts; may go below 0 when the window slides between finding a
  // match and emitting it (lazy matching), which leaves its distance right.
  std::ptrdiff_t match_start_ = 0;
  std::ptrdiff_t prev_match_ = 0;
  bool match_available_ = false;
  bool finished_ = false;
  bool slid_ = false;  // the window slid since reset(): clear_heads() clears the whole table
  std::size_t sym_count_ = 0;

  std::uint64_t bitbuf_ = 0;
  unsigned bitcount_ = 0;
};

}  // namespace duplex::deflate
