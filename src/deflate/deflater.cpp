// Deflater (lesson 14; RFC 1951 §3.2.3-§3.2.7 for the blocks, §4 for the matching).
// @lesson 14
#include "src/deflate/deflater.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>

#include "src/deflate/huffman_code.hpp"
#include "src/deflate/rfc1951_tables.hpp"

namespace duplex::deflate {
namespace {

// zlib's MIN_LOOKAHEAD: with this much input ahead, a longest match and the next string's
// hash always fit, so the search never needs a bounds check.
constexpr std::size_t kMinLookahead = kMaxMatch + kMinMatch + 1;
// A 3-byte match this far back costs more bits than three literals (zlib's TOO_FAR).
constexpr std::size_t kTooFar = 4096;
// Symbols per block: zlib's lit_bufsize - 1 at memLevel 8 for the large windows, big enough for
// the Huffman codes to pay for their header, small enough to follow a change in the data; small
// windows (a memory-saving choice, RFC 7692 §7.1.2) get smaller buffers too.
std::size_t symbol_buffer_for(int window_bits) {
  return std::clamp<std::size_t>((std::size_t{2} << window_bits) - 1, 2047, 16383);
}
// The match compare reads 8 bytes at a time up to kMaxMatch past the position.
constexpr std::size_t kWindowSlack = kMaxMatch + 8;
constexpr std::size_t kMaxStored = 65535;  // §3.2.4: LEN is 16 bits
// Below this many bits in fixed Huffman coding (about 85 bytes of text) a block is sent fixed
// without trying a dynamic code (flush_block). Chosen on the chat corpus: 700 loses 0.31% of the
// compressed size there, 1024 would lose 2.3% (docs/deflate.md).
constexpr std::uint64_t kDynamicMinBits = 700;

struct Level {
  int good, lazy, nice, chain;
  bool lazy_matching;
};
// zlib's configuration_table, levels 1..9.
constexpr std::array<Level, 10> kLevels = {{
    {0, 0, 0, 0, false},
    {4, 4, 8, 4, false},
    {4, 5, 16, 8, false},
    {4, 6, 32, 32, false},
    {4, 4, 16, 16, true},
    {8, 16, 32, 32, true},
    {8, 16, 128, 128, true},
    {8, 32, 128, 256, true},
    {32, 128, 258, 1024, true},
    {32, 258, 258, 4096, true},
}};

std::size_t slide_size_for(int window_bits) {
  const std::size_t window = std::size_t{1} << window_bits;
  return std::min<std::size_t>(std::max<std::size_t>(2 * window, 1024), 32768);
}
int hash_bits_for(int window_bits) {
  return std::clamp(window_bits - 1, 10, 14);
}

// RFC 1951 §3.2.5: which length symbol (0..28, +257) and distance symbol carry a value.
unsigned length_code(unsigned len) {
  if (len == kMaxMatch) return 28;
  const unsigned l = len - kMinMatch;
  if (l < 8) return l;
  const unsigned b = static_cast<unsigned>(std::bit_width(l)) - 1;
  return 4 * (b - 1) + ((l >> (b - 2)) & 3);
}
unsigned dist_code(unsigned dist) {
  const unsigned d = dist - 1;
  if (d < 4) return d;
  const unsigned b = static_cast<unsigned>(std::bit_width(d)) - 1;
  return 2 * b + ((d >> (b - 1)) & 1);
}

struct FixedCode {
  std::array<std::uint8_t, kNumLitLenSymbols> litlen_len{};
  std::array<std::uint16_t, kNumLitLenSymbols> litlen_code{};
  std::array<std::uint8_t, kNumDistSymbols> dist_len{};
  std::array<std::uint16_t, kNumDistSymbols> dist_code{};
  FixedCode() {
    for (int s = 0; s < kNumLitLenSymbols; ++s) {
      litlen_len[s] = static_cast<std::uint8_t>(fixed_litlen_length(s));
    }
    dist_len.fill(kFixedDistLength);
    build_codes(litlen_len, litlen_code);
    build_codes(dist_len, dist_code);
  }
};
const FixedCode& fixed_code() {
  static const FixedCode code;
  return code;
}

}  // namespace

struct Deflater::Workspace {
  int window_bits = 0;                        // what the buffers below were sized for
  std::unique_ptr<std::uint8_t[]> window;     // 2D bytes + slack
  std::unique_ptr<std::uint16_t[]> head;      // newest position of each hash, 0 = none
  std::unique_ptr<std::uint16_t[]> prev;      // the position before, for each position mod D
  std::unique_ptr<std::uint8_t[]> sym_lit;    // literal, or match length - 3
  std::unique_ptr<std::uint16_t[]> sym_dist;  // 0 for a literal, else the match distance
  std::array<std::uint32_t, kNumLitLenSymbols> litlen_freq{};
  std::array<std::uint32_t, kNumDistSymbols> dist_freq{};
};

Deflater::Deflater(DeflaterOptions options)
    : level_(std::clamp(options.level, kFastLevel, kBestLevel)),
      window_bits_(std::clamp(options.window_bits, kMinWindowBits, kMaxWindowBits)) {
  const Level& l = kLevels[static_cast<std::size_t>(level_)];
  params_ = {l.good, l.lazy, l.nice, l.chain, l.lazy_matching};
  slide_size_ = slide_size_for(window_bits_);
  max_dist_ = std::min(std::size_t{1} << window_bits_, slide_size_ - kMinLookahead);
  hash_bits_ = hash_bits_for(window_bits_);
  sym_capacity_ = symbol_buffer_for(window_bits_);
}

Deflater::~Deflater() = default;
Deflater::Deflater(Deflater&&) noexcept = default;
Deflater& Deflater::operator=(Deflater&&) noexcept = default;

std::size_t Deflater::memory_bytes_for(int window_bits) noexcept {
  const int bits = std::clamp(window_bits, kMinWindowBits, kMaxWindowBits);
  const std::size_t d = slide_size_for(bits);
  return sizeof(Workspace) + 2 * d + kWindowSlack + (std::size_t{2} << hash_bits_for(bits)) +
         2 * d + 3 * symbol_buffer_for(bits);
}

std::size_t Deflater::memory_bytes() const noexcept {
  return ws_ ? memory_bytes_for(window_bits_) : 0;
}

// A few workspaces per thread, kept between messages: without context takeover every message
// starts afresh, and allocating (and zeroing) a new workspace each time cost more than
// compressing a chat message. A connection still holds nothing between messages; the thread
// holds at most kSpareWorkspaces, each with a head table of zeros.
std::array<std::unique_ptr<Deflater::Workspace>, Deflater::kSpareWorkspaces>&
Deflater::spares() noexcept {
  thread_local std::array<std::unique_ptr<Workspace>, kSpareWorkspaces> spare;
  return spare;
}

void Deflater::allocate() {
  for (auto& spare : spares()) {
    if (spare && spare->window_bits == window_bits_) {
      ws_ = std::move(spare);
      return;
    }
  }
  ws_ = std::make_unique<Workspace>();
  ws_->window_bits = window_bits_;
  // Only the head table must start as zeros ("no position"). A chain only ever reaches
  // positions inserted in this stream, whose prev entries were written then, and the symbol
  // buffer is written before it is read. The window's bytes past the input are zeroed as input
  // arrives (fill_window), because the match compare reads a little past it.
  ws_->window = std::make_unique_for_overwrite<std::uint8_t[]>(2 * slide_size_ + kWindowSlack);
  ws_->head = std::make_unique<std::uint16_t[]>(std::size_t{1} << hash_bits_);
  ws_->prev = std::make_unique_for_overwrite<std::uint16_t[]>(slide_size_);
  ws_->sym_lit = std::make_unique_for_overwrite<std::uint8_t[]>(sym_capacity_);
  ws_->sym_dist = std::make_unique_for_overwrite<std::uint16_t[]>(sym_capacity_);
}

std::uint32_t Deflater::hash_at(std::size_t pos) const noexcept {
  const std::uint8_t* p = ws_->window.get() + pos;
  const std::uint32_t key = p[0] | (std::uint32_t{p[1]} << 8) | (std::uint32_t{p[2]} << 16);
  return (key * 2654435761u) >> (32 - hash_bits_);
}

// @anchor lesson14-clear-heads
void Deflater::clear_heads() noexcept {
  // A short stream touched few heads: recomputing the hash of every position it may have
  // inserted and clearing those costs a few instructions per input byte, where clearing the
  // whole table costs 2^hash_bits entries whatever the input (32 KB for a 15-bit window).
  // After a slide the positions no longer name the strings, so the whole table goes.
  const std::size_t seen = strstart_ + lookahead_;
  if (!slid_ && seen < (std::size_t{1} << hash_bits_) / 2) {
    std::uint16_t* const head = ws_->head.get();
    for (std::size_t pos = 0; pos < seen; ++pos) head[hash_at(pos)] = 0;
  } else {
    std::memset(ws_->head.get(), 0, sizeof(std::uint16_t) << hash_bits_);
  }
}

void Deflater::reset() noexcept {
  if (ws_) {
    clear_heads();
    ws_->litlen_freq.fill(0);
    ws_->dist_freq.fill(0);
  }
  slid_ = false;
  strstart_ = lookahead_ = 0;
  block_start_ = 0;
  match_length_ = prev_length_ = kMinMatch - 1;
  match_start_ = prev_match_ = 0;
  match_available_ = false;
  finished_ = false;
  sym_count_ = 0;
  bitbuf_ = 0;
  bitcount_ = 0;
}

void Deflater::release_memory() noexcept {
  reset();  // clears the heads: a spare is always ready for a new stream
  if (ws_) {
    for (auto& spare : spares()) {
      if (!spare) {
        spare = std::move(ws_);
        break;
      }
    }
    ws_.reset();
  }
}

// @anchor lesson14-deflate-loop
void Deflater::deflate(std::string_view input, Flush flush, std::string& out) {
  if (finished_) reset();
  if (!ws_) {
    allocate();
    reset();
  }
  out_ = &out;
  for (;;) {
    if (lookahead_ < kMinLookahead && !input.empty()) fill_window(input);
    const bool flushing = flush != Flush::kNone && input.empty();
    if (params_.lazy) {
      compress_lazy(flushing);
    } else {
      compress_greedy(flushing);
    }
    if (input.empty()) break;
  }
  if (flush != Flush::kNone) {
    if (match_available_) {
      if (tally_literal(ws_->window[strstart_ - 1])) flush_block(false);
      match_available_ = false;
    }
    if (flush == Flush::kFinish) {
      flush_block(true);
      align_to_byte();
      finished_ = true;
    } else {
      if (sym_count_ != 0) flush_block(false);
      // RFC 1951 §3.2.4 / RFC 7692 §7.2.1: an empty stored block, BFINAL = 0, byte-aligned.
      put_bits(0, 3);
      align_to_byte();
      out.append("\x00\x00\xff\xff", 4);
    }
  }
  out_ = nullptr;
}

std::size_t Deflater::fill_window(std::string_view& input) noexcept {
  if (strstart_ >= slide_size_ + max_dist_) slide();
  const std::size_t space = 2 * slide_size_ - strstart_ - lookahead_;
  const std::size_t n = std::min(space, input.size());
  std::memcpy(ws_->window.get() + strstart_ + lookahead_, input.data(), n);
  lookahead_ += n;
  // The match compare and the hash read up to kWindowSlack bytes past the input: give them
  // zeros rather than whatever the buffer held (it is not zeroed when allocated).
  std::memset(ws_->window.get() + strstart_ + lookahead_, 0, kWindowSlack);
  input.remove_prefix(n);
  return n;
}

void Deflater::slide() noexcept {
  // The upper half becomes the lower half; positions in the hash tables move down by D, and
  // those that fall off the bottom become 0 ("no position"), which ends a chain.
  std::uint8_t* w = ws_->window.get();
  slid_ = true;
  std::memcpy(w, w + slide_size_, slide_size_);
  strstart_ -= slide_size_;
  match_start_ -= static_cast<std::ptrdiff_t>(slide_size_);
  block_start_ -= static_cast<std::ptrdiff_t>(slide_size_);
  const auto shift = [d = static_cast<unsigned>(slide_size_)](std::uint16_t& p) {
    p = static_cast<std::uint16_t>(p >= d ? p - d : 0);
  };
  std::for_each(ws_->head.get(), ws_->head.get() + (std::size_t{1} << hash_bits_), shift);
  std::for_each(ws_->prev.get(), ws_->prev.get() + slide_size_, shift);
}

unsigned Deflater::insert(std::size_t pos) noexcept {
  const std::uint32_t h = hash_at(pos);
  const unsigned previous = ws_->head[h];
  ws_->prev[pos & (slide_size_ - 1)] = static_cast<std::uint16_t>(previous);
  ws_->head[h] = static_cast<std::uint16_t>(pos);
  return previous;
}

// @anchor lesson14-longest-match
int Deflater::longest_match(unsigned cur_match, int best_len) noexcept {
  const std::uint8_t* const w = ws_->window.get();
  const std::uint8_t* const scan = w + strstart_;
  const std::uint16_t* const prev = ws_->prev.get();
  const std::size_t mask = slide_size_ - 1;
  int chain = params_.max_chain;
  if (best_len >= params_.good_length) chain >>= 2;
  const int nice = std::min<int>(params_.nice_length, static_cast<int>(lookahead_));
  const std::size_t limit = strstart_ > max_dist_ ? strstart_ - max_dist_ : 0;
  do {
    const std::uint8_t* const match = w + cur_match;
    // Cheap rejections first: a longer match must agree at best_len and at its start.
    if (match[best_len] != scan[best_len] || match[best_len - 1] != scan[best_len - 1] ||
        match[0] != scan[0] || match[1] != scan[1]) {
      continue;
    }
    int len = 2;
    while (len < kMaxMatch) {
      std::uint64_t a, b;
      std::memcpy(&a, match + len, 8);
      std::memcpy(&b, scan + len, 8);
      if (a != b) {
        len += std::countr_zero(a ^ b) / 8;  // little-endian: the first differing byte
        break;
      }
      len += 8;
    }
    len = std::min(len, kMaxMatch);
    if (len > best_len) {
      match_start_ = cur_match;
      best_len = len;
      if (len >= nice) break;
    }
  } while ((cur_match = prev[cur_match & mask]) > limit && --chain != 0);
  return std::min(best_len, static_cast<int>(lookahead_));
}

bool Deflater::tally_literal(std::uint8_t byte) noexcept {
  ws_->sym_lit[sym_count_] = byte;
  ws_->sym_dist[sym_count_] = 0;
  ++ws_->litlen_freq[byte];
  return ++sym_count_ == sym_capacity_;
}

bool Deflater::tally_match(unsigned dist, unsigned len) noexcept {
  ws_->sym_lit[sym_count_] = static_cast<std::uint8_t>(len - kMinMatch);
  ws_->sym_dist[sym_count_] = static_cast<std::uint16_t>(dist);
  ++ws_->litlen_freq[257 + length_code(len)];
  ++ws_->dist_freq[dist_code(dist)];
  return ++sym_count_ == sym_capacity_;
}

// @anchor lesson14-greedy
void Deflater::compress_greedy(bool flushing) {
  const std::uint8_t* const w = ws_->window.get();
  while (lookahead_ >= kMinLookahead || (flushing && lookahead_ != 0)) {
    unsigned head = 0;
    if (lookahead_ >= kMinMatch) head = insert(strstart_);
    unsigned len = 0;
    if (head != 0 && strstart_ - head <= max_dist_) {
      len = static_cast<unsigned>(longest_match(head, kMinMatch - 1));
    }
    bool full;
    if (len >= kMinMatch) {
      full = tally_match(static_cast<unsigned>(pos() - match_start_), len);
      lookahead_ -= len;
      // Short matches get every string inside them hashed; long ones are skipped over, which is
      // most of what makes this level fast.
      if (len <= static_cast<unsigned>(params_.max_lazy) && lookahead_ >= kMinMatch) {
        for (unsigned i = 1; i < len; ++i) insert(strstart_ + i);
      }
      strstart_ += len;
    } else {
      full = tally_literal(w[strstart_]);
      --lookahead_;
      ++strstart_;
    }
    if (full) flush_block(false);
  }
}

// @anchor lesson14-lazy
void Deflater::compress_lazy(bool flushing) {
  const std::uint8_t* const w = ws_->window.get();
  while (lookahead_ >= kMinLookahead || (flushing && lookahead_ != 0)) {
    unsigned head = 0;
    if (lookahead_ >= kMinMatch) head = insert(strstart_);
    prev_length_ = match_length_;
    prev_match_ = match_start_;
    match_length_ = kMinMatch - 1;
    if (head != 0 && prev_length_ < static_cast<unsigned>(params_.max_lazy) &&
        strstart_ - head <= max_dist_) {
      match_length_ = static_cast<unsigned>(longest_match(head, static_cast<int>(prev_length_)));
      if (match_length_ == kMinMatch &&
          pos() - match_start_ > static_cast<std::ptrdiff_t>(kTooFar)) {
        match_length_ = kMinMatch - 1;
      }
    }
    if (prev_length_ >= kMinMatch && match_length_ <= prev_length_) {
      // The match found one byte back is at least as long as this one: take it.
      const std::size_t max_insert = strstart_ + lookahead_ - kMinMatch;
      const bool full = tally_match(static_cast<unsigned>(pos() - 1 - prev_match_), prev_length_);
      lookahead_ -= prev_length_ - 1;
      for (unsigned i = 0; i < prev_length_ - 2; ++i) {
        if (++strstart_ <= max_insert) insert(strstart_);
      }
      ++strstart_;
      match_available_ = false;
      match_length_ = kMinMatch - 1;
      if (full) flush_block(false);
    } else if (match_available_) {
      // This position matches longer: the byte before it goes out as a literal.
      const bool full = tally_literal(w[strstart_ - 1]);
      if (full) flush_block(false);
      ++strstart_;
      --lookahead_;
    } else {
      match_available_ = true;
      ++strstart_;
      --lookahead_;
    }
  }
}

void Deflater::put_bits(std::uint32_t bits, unsigned count) {
  bitbuf_ |= std::uint64_t{bits} << bitcount_;
  bitcount_ += count;
  if (bitcount_ >= 32) {
    const char bytes[4] = {static_cast<char>(bitbuf_), static_cast<char>(bitbuf_ >> 8),
                           static_cast<char>(bitbuf_ >> 16), static_cast<char>(bitbuf_ >> 24)};
    out_->append(bytes, 4);
    bitbuf_ >>= 32;
    bitcount_ -= 32;
  }
}

void Deflater::align_to_byte() {
  while (bitcount_ > 0) {
    out_->push_back(static_cast<char>(bitbuf_));
    bitbuf_ >>= 8;
    bitcount_ = bitcount_ > 8 ? bitcount_ - 8 : 0;
  }
  bitbuf_ = 0;
}

// @anchor lesson14-flush-block
void Deflater::flush_block(bool last) {
  Workspace& ws = *ws_;
  ws.litlen_freq[kEndOfBlock] = 1;

  // Sizes in bits of the three ways to send the block.
  std::uint64_t extra_bits = 0;
  for (unsigned c = 0; c < 29; ++c)
    extra_bits += std::uint64_t{ws.litlen_freq[257 + c]} * kLengthExtra[c];
  for (unsigned c = 0; c < 30; ++c) extra_bits += std::uint64_t{ws.dist_freq[c]} * kDistExtra[c];
  const auto data_bits = [&](const std::uint8_t* lit_len, const std::uint8_t* dist_len) {
    std::uint64_t bits = extra_bits;
    for (unsigned s = 0; s < kMaxLitLenCodes; ++s)
      bits += std::uint64_t{ws.litlen_freq[s]} * lit_len[s];
    for (unsigned s = 0; s < kMaxDistCodes; ++s)
      bits += std::uint64_t{ws.dist_freq[s]} * dist_len[s];
    return bits;
  };
  const FixedCode& fixed = fixed_code();
  const std::uint64_t fixed_bits = 3 + data_bits(fixed.litlen_len.data(), fixed.dist_len.data());
  std::uint64_t stored_bits = ~std::uint64_t{0};
  const std::size_t stored_len =
      static_cast<std::size_t>(static_cast<std::ptrdiff_t>(strstart_) - block_start_);
  if (block_start_ >= 0) {
    const std::size_t chunks = std::max<std::size_t>(1, (stored_len + kMaxStored - 1) / kMaxStored);
    stored_bits = (3 + 7 + 32) * std::uint64_t{chunks} + 8 * std::uint64_t{stored_len};
  }

  // The dynamic code (RFC 1951 §3.2.7): lengths for the two codes, then the run-length coded
  // sequence of those lengths, then the code-length code that sends it.
  std::array<std::uint8_t, kNumLitLenSymbols> ll_len{};
  std::array<std::uint8_t, kNumDistSymbols> d_len{};
  unsigned hlit = 257;
  unsigned hdist = 1;
  struct Rle {
    std::uint8_t symbol, extra;
  };
  std::array<Rle, kMaxLitLenCodes + kMaxDistCodes> rle{};
  std::size_t rle_count = 0;
  std::array<std::uint32_t, kNumCodeLengthSymbols> cl_freq{};
  std::array<std::uint8_t, kNumCodeLengthSymbols> cl_len{};
  unsigned hclen = kNumCodeLengthSymbols;
  std::uint64_t dynamic_bits = ~std::uint64_t{0};
  // @anchor lesson14-skip-dynamic
  // A dynamic code pays for itself only when it saves more than its own header, which takes
  // 40-80 bytes for text: a block whose fixed coding is shorter than kDynamicMinBits is sent
  // fixed without building the code (three Huffman constructions and a run-length pass cost
  // more than compressing a chat message). Measured on the chat corpus: docs/deflate.md.
  if (fixed_bits >= kDynamicMinBits) {
    build_code_lengths(std::span(ws.litlen_freq).first(kMaxLitLenCodes), kMaxCodeBits, ll_len);
    build_code_lengths(std::span(ws.dist_freq).first(kMaxDistCodes), kMaxCodeBits, d_len);
    hlit = kMaxLitLenCodes;
    while (hlit > 257 && ll_len[hlit - 1] == 0) --hlit;
    hdist = kMaxDistCodes;
    while (hdist > 1 && d_len[hdist - 1] == 0) --hdist;

    std::array<std::uint8_t, kMaxLitLenCodes + kMaxDistCodes> all{};
    std::copy_n(ll_len.begin(), hlit, all.begin());
    std::copy_n(d_len.begin(), hdist, all.begin() + hlit);
    const auto emit = [&](unsigned symbol, unsigned extra) {
      rle[rle_count++] = {static_cast<std::uint8_t>(symbol), static_cast<std::uint8_t>(extra)};
      ++cl_freq[symbol];
    };
    const unsigned total = hlit + hdist;
    for (unsigned i = 0; i < total;) {
      const std::uint8_t v = all[i];
      unsigned run = 1;
      while (i + run < total && all[i + run] == v) ++run;
      i += run;
      if (v == 0) {
        for (; run >= 11; run -= std::min(run, 138u)) emit(18, std::min(run, 138u) - 11);
        if (run >= 3) {
          emit(17, run - 3);
          run = 0;
        }
      } else {
        emit(v, 0);
        --run;
        for (; run >= 3; run -= std::min(run, 6u)) emit(16, std::min(run, 6u) - 3);
      }
      for (; run > 0; --run) emit(v, 0);
    }
    build_code_lengths(cl_freq, kMaxCodeLengthBits, cl_len);
    while (hclen > 4 && cl_len[kCodeLengthOrder[hclen - 1]] == 0) --hclen;

    dynamic_bits = 3 + 14 + 3 * std::uint64_t{hclen} + data_bits(ll_len.data(), d_len.data());
    for (unsigned s = 0; s < kNumCodeLengthSymbols; ++s)
      dynamic_bits += std::uint64_t{cl_freq[s]} * cl_len[s];
    dynamic_bits += 2 * std::uint64_t{cl_freq[16]} + 3 * std::uint64_t{cl_freq[17]} +
                    7 * std::uint64_t{cl_freq[18]};
  }

  if (stored_bits <= fixed_bits && stored_bits <= dynamic_bits) {
    // RFC 1951 §3.2.4: header, pad to a byte, LEN, NLEN, the bytes as they are.
    const std::uint8_t* data = ws.window.get() + block_start_;
    std::size_t left = stored_len;
    do {
      const std::size_t n = std::min(left, kMaxStored);
      left -= n;
      put_bits(last && left == 0 ? 1 : 0, 3);
      align_to_byte();
      const char len_bytes[4] = {static_cast<char>(n), static_cast<char>(n >> 8),
                                 static_cast<char>(~n), static_cast<char>(~n >> 8)};
      out_->append(len_bytes, 4);
      out_->append(reinterpret_cast<const char*>(data), n);
      data += n;
    } while (left != 0);
  } else {
    std::array<std::uint16_t, kNumLitLenSymbols> ll_code_storage{};
    std::array<std::uint16_t, kNumDistSymbols> d_code_storage{};
    const std::uint8_t* lit_len = fixed.litlen_len.data();
    const std::uint16_t* lit_code = fixed.litlen_code.data();
    const std::uint8_t* dist_len = fixed.dist_len.data();
    const std::uint16_t* dist_code_of = fixed.dist_code.data();
    if (dynamic_bits < fixed_bits) {
      build_codes(ll_len, ll_code_storage);
      build_codes(d_len, d_code_storage);
      lit_len = ll_len.data();
      lit_code = ll_code_storage.data();
      dist_len = d_len.data();
      dist_code_of = d_code_storage.data();
      std::array<std::uint16_t, kNumCodeLengthSymbols> cl_code{};
      build_codes(cl_len, cl_code);
      put_bits(last ? 1 : 0, 1);
      put_bits(2, 2);
      put_bits(hlit - 257, 5);
      put_bits(hdist - 1, 5);
      put_bits(hclen - 4, 4);
      for (unsigned i = 0; i < hclen; ++i) put_bits(cl_len[kCodeLengthOrder[i]], 3);
      for (std::size_t i = 0; i < rle_count; ++i) {
        const Rle r = rle[i];
        put_bits(cl_code[r.symbol], cl_len[r.symbol]);
        if (r.symbol >= 16) put_bits(r.extra, r.symbol == 16 ? 2 : r.symbol == 17 ? 3 : 7);
      }
    } else {
      put_bits(last ? 1 : 0, 1);
      put_bits(1, 2);
    }
    for (std::size_t i = 0; i < sym_count_; ++i) {
      const unsigned dist = ws.sym_dist[i];
      const unsigned lit = ws.sym_lit[i];
      if (dist == 0) {
        put_bits(lit_code[lit], lit_len[lit]);
        continue;
      }
      const unsigned len = lit + kMinMatch;
      const unsigned lc = length_code(len);
      put_bits(lit_code[257 + lc] | ((len - kLengthBase[lc]) << lit_len[257 + lc]),
               lit_len[257 + lc] + kLengthExtra[lc]);
      const unsigned dc = dist_code(dist);
      put_bits(dist_code_of[dc] | ((dist - kDistBase[dc]) << dist_len[dc]),
               dist_len[dc] + kDistExtra[dc]);
    }
    put_bits(lit_code[kEndOfBlock], lit_len[kEndOfBlock]);
  }

  ws.litlen_freq.fill(0);
  ws.dist_freq.fill(0);
  sym_count_ = 0;
  block_start_ = static_cast<std::ptrdiff_t>(strstart_);
}

}  // namespace duplex::deflate
