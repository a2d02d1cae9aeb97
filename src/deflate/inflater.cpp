// Inflater (lesson 14; RFC 1951 §3.2.3-§3.2.7).
// @lesson 14
#include "src/deflate/inflater.hpp"

#include <algorithm>
#include <array>
#include <cstring>

#include "src/deflate/huffman_decode_table.hpp"
#include "src/deflate/rfc1951_tables.hpp"

namespace duplex::deflate {
namespace {

// Decoded bytes collect behind the window: the buffer is window + slack bytes long and slides
// (keeping the last window bytes) when full. Slack of at least 4 KiB keeps slides rare for the
// small windows too; kOverrun lets a match copy write up to 7 bytes past its end.
constexpr std::size_t kMinSlack = 4 * 1024;
constexpr std::size_t kOverrun = 16;

std::size_t buffer_size_for(std::size_t window) {
  return window + std::max(window, kMinSlack);
}

std::uint64_t load64(const std::uint8_t* p) {
  std::uint64_t v;
  std::memcpy(&v, p, sizeof v);
  return v;  // little-endian hosts only (x86-64, aarch64): RFC 1951 §3.1.1 packs LSB first
}

constexpr std::uint64_t low_bits(unsigned n) {
  return (std::uint64_t{1} << n) - 1;
}

// @anchor lesson14-match-copy
// RFC 1951 §3.2.3: a match may overlap what it produces (distance 1, length 10 repeats a byte
// ten times), so a plain memcpy is wrong. From distance 8 on, each 8-byte chunk reads bytes that
// were written before it, so chunks are safe; distance 1 is a memset; the rest go byte by byte.
inline void copy_match(std::uint8_t* out, std::size_t dist, std::size_t len) {
  const std::uint8_t* src = out - dist;
  if (dist >= 8) {
    std::uint8_t* const end = out + len;
    do {
      std::memcpy(out, src, 8);
      out += 8;
      src += 8;
    } while (out < end);
  } else if (dist == 1) {
    std::memset(out, *src, len);
  } else {
    for (std::size_t i = 0; i < len; ++i) out[i] = src[i];
  }
}

// @anchor lesson14-fixed-tables
// The fixed code of RFC 1951 §3.2.6 never changes: its tables are built on first use (a
// thread-safe static) and every Inflater points at them, so a fixed block costs no table build.
struct FixedTables {
  std::array<std::uint32_t, kLitLenTableSize> litlen{};
  std::array<std::uint32_t, kDistTableSize> dist{};
  FixedTables() {
    std::array<std::uint8_t, kNumLitLenSymbols> lit{};
    for (int s = 0; s < kNumLitLenSymbols; ++s) {
      lit[s] = static_cast<std::uint8_t>(fixed_litlen_length(s));
    }
    std::array<std::uint8_t, kNumDistSymbols> d{};
    d.fill(kFixedDistLength);
    build_decode_table(CodeKind::kLiteralLength, lit, litlen);
    build_decode_table(CodeKind::kDistance, d, dist);
  }
};
const FixedTables& fixed_tables() {
  static const FixedTables tables;
  return tables;
}

}  // namespace

struct Inflater::Workspace {
  std::array<std::uint32_t, kLitLenTableSize> litlen;
  std::array<std::uint32_t, kDistTableSize> dist;
  std::array<std::uint32_t, kCodeLengthTableSize> codelen;
  std::array<std::uint8_t, kMaxLitLenCodes + kMaxDistCodes> lengths;
  std::array<std::uint8_t, kNumCodeLengthSymbols> codelen_lengths;
  std::unique_ptr<std::uint8_t[]> buffer;
  std::size_t buffer_size = 0;
};

Inflater::Inflater(InflaterOptions options)
    : window_bits_(std::clamp(options.window_bits, kMinWindowBits, kMaxWindowBits)),
      window_(std::size_t{1} << window_bits_),
      max_output_(options.max_output) {}

Inflater::~Inflater() = default;
Inflater::Inflater(Inflater&&) noexcept = default;
Inflater& Inflater::operator=(Inflater&&) noexcept = default;

void Inflater::reset() noexcept {
  state_ = State::kBlockHeader;
  error_ = InflateError::kNone;
  final_block_ = false;
  bitbuf_ = 0;
  bitcount_ = 0;
  write_pos_ = read_pos_ = 0;
  total_out_ = message_out_ = 0;
  stored_left_ = copy_len_ = copy_dist_ = 0;
}

void Inflater::release_memory() noexcept {
  reset();
  ws_.reset();
  fixed_block_ = false;
}

bool Inflater::at_block_boundary() const noexcept {
  return state_ == State::kBlockHeader || state_ == State::kDone;
}

std::size_t Inflater::memory_bytes_for(int window_bits) noexcept {
  const std::size_t window = std::size_t{1}
                             << std::clamp(window_bits, kMinWindowBits, kMaxWindowBits);
  return sizeof(Workspace) + buffer_size_for(window) + kOverrun;
}

std::size_t Inflater::memory_bytes() const noexcept {
  return ws_ ? sizeof(Workspace) + ws_->buffer_size + kOverrun : 0;
}

bool Inflater::fail(InflateError error) noexcept {
  state_ = State::kFailed;
  error_ = error;
  return false;
}

void Inflater::refill_slow() noexcept {
  while (bitcount_ <= 55 && in_ != in_end_) {  // stays below 64: shifts by 64 are undefined
    bitbuf_ |= std::uint64_t{*in_++} << bitcount_;
    bitcount_ += 8;
  }
}

void Inflater::slide() noexcept {
  std::uint8_t* buf = ws_->buffer.get();
  std::memmove(buf, buf + write_pos_ - window_, window_);
  write_pos_ = read_pos_ = window_;
}

// @anchor lesson14-inflate-loop
InflateResult Inflater::inflate(std::string_view input, std::span<char> output) {
  InflateResult result;
  if (state_ == State::kFailed) {
    result.status = net::ParseStatus::kFailed;
    result.error = error_;
    return result;
  }
  if (!ws_) {
    // Nothing here needs zeroing: a table is filled before it is read, and a distance may only
    // reach bytes already decoded. Zeroing ~90 KB per message (no context takeover frees it in
    // between) was most of what a short message cost.
    ws_ = std::make_unique_for_overwrite<Workspace>();
    ws_->buffer_size = buffer_size_for(window_);
    ws_->buffer = std::make_unique_for_overwrite<std::uint8_t[]>(ws_->buffer_size + kOverrun);
  }
  const auto* const in_begin = reinterpret_cast<const std::uint8_t*>(input.data());
  in_ = in_begin;
  in_end_ = in_begin + input.size();
  std::uint8_t* const buf = ws_->buffer.get();

  Stop stop = Stop::kBufferFull;
  for (;;) {
    const std::size_t n = std::min(write_pos_ - read_pos_, output.size() - result.produced);
    if (n != 0) std::memcpy(output.data() + result.produced, buf + read_pos_, n);
    read_pos_ += n;
    result.produced += n;
    if (read_pos_ < write_pos_) break;  // the caller's output is full
    if (stop == Stop::kStreamEnd) {
      result.status = net::ParseStatus::kDone;
      break;
    }
    if (stop == Stop::kInputExhausted) break;
    if (write_pos_ == ws_->buffer_size) slide();
    const std::size_t allowed = max_output_ - message_out_;
    const std::size_t room = std::min(ws_->buffer_size - write_pos_, allowed);
    const std::size_t before = write_pos_;
    stop = decode(buf + write_pos_ + room);
    total_out_ += write_pos_ - before;
    message_out_ += write_pos_ - before;
    // @anchor lesson14-output-limit
    if (stop == Stop::kBufferFull && message_out_ == max_output_) {
      fail(InflateError::kOutputLimit);
      stop = Stop::kError;
    }
    if (stop == Stop::kError) {
      // What was decoded before the error is still handed out; the stream is refused anyway.
      const std::size_t m = std::min(write_pos_ - read_pos_, output.size() - result.produced);
      if (m != 0) std::memcpy(output.data() + result.produced, buf + read_pos_, m);
      read_pos_ += m;
      result.produced += m;
      result.status = net::ParseStatus::kFailed;
      result.error = error_;
      break;
    }
  }
  result.consumed = static_cast<std::size_t>(in_ - in_begin);
  if (result.done()) {
    // The final block ends inside the bit buffer: the rest of its last byte is padding.
    bitbuf_ >>= bitcount_ & 7;
    bitcount_ &= ~7u;
  }
  if (!result.failed() && stop != Stop::kInputExhausted) {
    // Stopped with bits to spare (the output is full, or the stream ended): whole bytes not
    // used yet go back to the caller, so that `consumed` ends exactly where the stream does and
    // the next call sees those bytes again. After kInputExhausted every buffered bit is part of
    // the step that could not finish.
    const std::size_t unread = std::min<std::size_t>(bitcount_ / 8, result.consumed);
    result.consumed -= unread;
    bitcount_ -= static_cast<unsigned>(8 * unread);
    bitbuf_ &= low_bits(bitcount_);
  }
  in_ = in_end_ = nullptr;
  return result;
}

Inflater::Stop Inflater::decode(std::uint8_t* out_limit) {
  std::uint8_t* const buf = ws_->buffer.get();
  std::uint8_t* out = buf + write_pos_;
  Stop stop = Stop::kInputExhausted;
  for (bool running = true; running;) {
    switch (state_) {
      case State::kBlockHeader: {
        if (final_block_) {
          state_ = State::kDone;
          break;
        }
        refill_slow();
        if (bitcount_ < 3) {
          running = false;
          break;
        }
        // @anchor lesson14-block-header
        // RFC 1951 §3.2.3: BFINAL (1 bit), then BTYPE (2 bits).
        final_block_ = (bitbuf_ & 1) != 0;
        const unsigned type = (bitbuf_ >> 1) & 3;
        bitbuf_ >>= 3;
        bitcount_ -= 3;
        if (type == 0) {
          state_ = State::kStoredHeader;
        } else if (type == 1) {
          // RFC 1951 §3.2.6: the fixed code's tables are built once per process and shared.
          fixed_block_ = true;
          state_ = State::kBlockData;
        } else if (type == 2) {
          state_ = State::kTableCounts;
        } else {
          running = fail(InflateError::kBadBlockType);
          stop = Stop::kError;
        }
        break;
      }
      case State::kStoredHeader: {
        // @anchor lesson14-stored-block
        // RFC 1951 §3.2.4: skip to a byte boundary, then LEN and NLEN, two bytes each.
        bitbuf_ >>= bitcount_ & 7;
        bitcount_ &= ~7u;
        refill_slow();
        if (bitcount_ < 32) {
          running = false;
          break;
        }
        const auto len = static_cast<std::uint32_t>(bitbuf_ & 0xffff);
        const auto nlen = static_cast<std::uint32_t>((bitbuf_ >> 16) & 0xffff);
        if (len != (~nlen & 0xffff)) {
          running = fail(InflateError::kStoredLengthMismatch);
          stop = Stop::kError;
          break;
        }
        bitbuf_ >>= 32;
        bitcount_ -= 32;
        stored_left_ = len;
        state_ = State::kStoredCopy;
        break;
      }
      case State::kStoredCopy: {
        // Bytes already in the bit buffer first, then straight from the input.
        while (stored_left_ != 0 && bitcount_ != 0 && out != out_limit) {
          *out++ = static_cast<std::uint8_t>(bitbuf_);
          bitbuf_ >>= 8;
          bitcount_ -= 8;
          --stored_left_;
        }
        const std::size_t n = std::min({static_cast<std::size_t>(stored_left_),
                                        static_cast<std::size_t>(in_end_ - in_),
                                        static_cast<std::size_t>(out_limit - out)});
        if (n != 0) std::memcpy(out, in_, n);
        out += n;
        in_ += n;
        stored_left_ -= static_cast<std::uint32_t>(n);
        if (stored_left_ == 0) {
          state_ = State::kBlockHeader;
        } else {
          stop = out == out_limit ? Stop::kBufferFull : Stop::kInputExhausted;
          running = false;
        }
        break;
      }
      case State::kTableCounts:
        running = read_table_counts();
        if (state_ == State::kFailed) stop = Stop::kError;
        break;
      case State::kCodeLengthCodes:
        running = read_code_length_codes();
        if (state_ == State::kFailed) stop = Stop::kError;
        break;
      case State::kCodeLengths:
        stop = read_code_lengths();
        running = stop == Stop::kStreamEnd;  // kStreamEnd here means "table built, go on"
        if (running) stop = Stop::kInputExhausted;
        break;
      case State::kBlockData:
        stop = decode_block_data(out, out_limit);
        running = state_ != State::kBlockData && state_ != State::kCopy && stop != Stop::kError;
        if (state_ == State::kFailed) running = false;
        break;
      case State::kCopy: {
        const std::size_t n = std::min(static_cast<std::size_t>(copy_len_),
                                       static_cast<std::size_t>(out_limit - out));
        const std::uint8_t* const src = out - copy_dist_;
        for (std::size_t i = 0; i < n; ++i) out[i] = src[i];
        out += n;
        copy_len_ -= static_cast<std::uint32_t>(n);
        if (copy_len_ == 0) {
          state_ = State::kBlockData;
        } else {
          stop = Stop::kBufferFull;
          running = false;
        }
        break;
      }
      case State::kDone:
        stop = Stop::kStreamEnd;
        running = false;
        break;
      case State::kFailed:
        stop = Stop::kError;
        running = false;
        break;
    }
  }
  write_pos_ = static_cast<std::size_t>(out - buf);
  return stop;
}

// @anchor lesson14-dynamic-header
bool Inflater::read_table_counts() {
  // RFC 1951 §3.2.7: HLIT (5 bits), HDIST (5 bits), HCLEN (4 bits).
  refill_slow();
  if (bitcount_ < 14) return false;
  hlit_ = static_cast<std::uint16_t>((bitbuf_ & 0x1f) + 257);
  hdist_ = static_cast<std::uint16_t>(((bitbuf_ >> 5) & 0x1f) + 1);
  hclen_ = static_cast<std::uint16_t>(((bitbuf_ >> 10) & 0xf) + 4);
  bitbuf_ >>= 14;
  bitcount_ -= 14;
  if (hlit_ > kMaxLitLenCodes) return fail(InflateError::kTooManyLengthCodes);
  if (hdist_ > kMaxDistCodes) return fail(InflateError::kTooManyDistanceCodes);
  ws_->codelen_lengths.fill(0);
  lengths_read_ = 0;
  state_ = State::kCodeLengthCodes;
  return true;
}

bool Inflater::read_code_length_codes() {
  while (lengths_read_ < hclen_) {
    refill_slow();
    if (bitcount_ < 3) return false;
    ws_->codelen_lengths[kCodeLengthOrder[lengths_read_++]] =
        static_cast<std::uint8_t>(bitbuf_ & 7);
    bitbuf_ >>= 3;
    bitcount_ -= 3;
  }
  const InflateError e =
      build_decode_table(CodeKind::kCodeLength, ws_->codelen_lengths, ws_->codelen);
  if (e != InflateError::kNone) return fail(e);
  lengths_read_ = 0;
  state_ = State::kCodeLengths;
  return true;
}

// @anchor lesson14-code-lengths
Inflater::Stop Inflater::read_code_lengths() {
  const unsigned total = hlit_ + hdist_;
  auto& lengths = ws_->lengths;
  while (lengths_read_ < total) {
    refill_slow();
    // A code-length code is at most 7 bits and a repeat adds at most 7: both are taken together.
    const std::uint32_t e = ws_->codelen[bitbuf_ & low_bits(kCodeLengthRootBits)];
    const unsigned code_bits = entry_bits(e);
    if (code_bits > bitcount_) return Stop::kInputExhausted;
    const unsigned symbol = entry_value(e);
    if (symbol < 16) {
      bitbuf_ >>= code_bits;
      bitcount_ -= code_bits;
      lengths[lengths_read_++] = static_cast<std::uint8_t>(symbol);
      continue;
    }
    // RFC 1951 §3.2.7: 16 repeats the previous length 3-6 times (2 extra bits), 17 repeats a
    // zero 3-10 times (3 bits), 18 repeats a zero 11-138 times (7 bits).
    const unsigned extra = symbol == 16 ? 2 : symbol == 17 ? 3 : 7;
    if (code_bits + extra > bitcount_) return Stop::kInputExhausted;
    const unsigned base = symbol == 18 ? 11 : 3;
    const unsigned repeat = base + static_cast<unsigned>((bitbuf_ >> code_bits) & low_bits(extra));
    bitbuf_ >>= code_bits + extra;
    bitcount_ -= code_bits + extra;
    std::uint8_t value = 0;
    if (symbol == 16) {
      if (lengths_read_ == 0) {
        fail(InflateError::kRepeatWithoutPrevious);
        return Stop::kError;
      }
      value = lengths[lengths_read_ - 1];
    }
    if (lengths_read_ + repeat > total) {
      fail(InflateError::kCodeLengthsOverrun);
      return Stop::kError;
    }
    std::memset(lengths.data() + lengths_read_, value, repeat);
    lengths_read_ = static_cast<std::uint16_t>(lengths_read_ + repeat);
  }
  if (lengths[kEndOfBlock] == 0) {
    fail(InflateError::kMissingEndOfBlock);
    return Stop::kError;
  }
  const std::span<const std::uint8_t> all(lengths.data(), total);
  InflateError e = build_decode_table(CodeKind::kLiteralLength, all.first(hlit_), ws_->litlen);
  if (e == InflateError::kNone) {
    e = build_decode_table(CodeKind::kDistance, all.subspan(hlit_), ws_->dist);
  }
  fixed_block_ = false;
  if (e != InflateError::kNone) {
    fail(e);
    return Stop::kError;
  }
  state_ = State::kBlockData;
  return Stop::kStreamEnd;
}

// @anchor lesson14-fast-loop
Inflater::Stop Inflater::decode_block_data(std::uint8_t*& out_ref, std::uint8_t* out_limit) {
  const std::uint32_t* const litlen =
      fixed_block_ ? fixed_tables().litlen.data() : ws_->litlen.data();
  const std::uint32_t* const dist_table =
      fixed_block_ ? fixed_tables().dist.data() : ws_->dist.data();
  std::uint8_t* const buf = ws_->buffer.get();
  std::uint8_t* out = out_ref;
  std::uint64_t bitbuf = bitbuf_;
  unsigned bitcount = bitcount_;
  const std::uint8_t* in = in_;
  Stop stop = Stop::kInputExhausted;
  InflateError error = InflateError::kNone;

  // The fast loop: while 8 input bytes and a longest match's worth of output room remain, no
  // step needs a bounds check. One refill gives at least 56 bits, and the longest step (a 15-bit
  // length code, 5 extra bits, a 15-bit distance code, 13 extra bits) takes 48.
  while (in_end_ - in >= 8 && out_limit - out >= kMaxMatch) {
    bitbuf |= load64(in) << bitcount;
    in += (63 - bitcount) >> 3;
    bitcount |= 56;

    std::uint32_t e = litlen[bitbuf & low_bits(kLitLenRootBits)];
    if (entry_kind(e) == EntryKind::kSubtable) {
      bitbuf >>= kLitLenRootBits;
      bitcount -= kLitLenRootBits;
      e = litlen[entry_value(e) + (bitbuf & low_bits(entry_extra(e)))];
    }
    bitbuf >>= entry_bits(e);
    bitcount -= entry_bits(e);
    const EntryKind kind = entry_kind(e);
    if (kind == EntryKind::kLiteral) {
      *out++ = static_cast<std::uint8_t>(entry_value(e));
      continue;
    }
    if (kind != EntryKind::kBase) {
      if (kind == EntryKind::kEndOfBlock) {
        state_ = State::kBlockHeader;
      } else {
        error = InflateError::kInvalidLiteralLength;
      }
      break;
    }
    const std::uint32_t len =
        entry_value(e) + static_cast<std::uint32_t>(bitbuf & low_bits(entry_extra(e)));
    bitbuf >>= entry_extra(e);
    bitcount -= entry_extra(e);

    std::uint32_t d = dist_table[bitbuf & low_bits(kDistRootBits)];
    if (entry_kind(d) == EntryKind::kSubtable) {
      bitbuf >>= kDistRootBits;
      bitcount -= kDistRootBits;
      d = dist_table[entry_value(d) + (bitbuf & low_bits(entry_extra(d)))];
    }
    bitbuf >>= entry_bits(d);
    bitcount -= entry_bits(d);
    if (entry_kind(d) != EntryKind::kBase) {
      error = InflateError::kInvalidDistance;
      break;
    }
    const std::uint32_t dist =
        entry_value(d) + static_cast<std::uint32_t>(bitbuf & low_bits(entry_extra(d)));
    bitbuf >>= entry_extra(d);
    bitcount -= entry_extra(d);
    if (dist > window_) {
      error = InflateError::kDistanceTooFarBack;
      break;
    }
    if (dist > static_cast<std::size_t>(out - buf)) {
      error = InflateError::kDistanceBeforeStart;
      break;
    }
    copy_match(out, dist, len);
    out += len;
  }
  // The refill may have loaded bits of a byte it did not count; clear them, the slow path and
  // the stored-block code read the buffer as exact.
  bitbuf &= low_bits(bitcount);
  bitbuf_ = bitbuf;
  bitcount_ = bitcount;
  in_ = in;

  // The slow loop: one step at a time, each taken only when all its bits and its output fit.
  while (error == InflateError::kNone && state_ == State::kBlockData) {
    refill_slow();
    bitbuf = bitbuf_;
    bitcount = bitcount_;
    std::uint32_t e = litlen[bitbuf & low_bits(kLitLenRootBits)];
    unsigned used = 0;
    if (entry_kind(e) == EntryKind::kSubtable) {
      used = kLitLenRootBits;
      e = litlen[entry_value(e) + ((bitbuf >> used) & low_bits(entry_extra(e)))];
    }
    used += entry_bits(e);
    if (used > bitcount) break;  // needs more input
    const EntryKind kind = entry_kind(e);
    if (kind == EntryKind::kEndOfBlock) {
      bitbuf_ >>= used;
      bitcount_ -= used;
      state_ = State::kBlockHeader;
      break;
    }
    if (kind == EntryKind::kInvalid || kind == EntryKind::kSubtable) {
      error = InflateError::kInvalidLiteralLength;
      break;
    }
    if (kind == EntryKind::kLiteral) {
      if (out == out_limit) {
        stop = Stop::kBufferFull;
        break;
      }
      bitbuf_ >>= used;
      bitcount_ -= used;
      *out++ = static_cast<std::uint8_t>(entry_value(e));
      continue;
    }
    const std::uint32_t len =
        entry_value(e) + static_cast<std::uint32_t>((bitbuf >> used) & low_bits(entry_extra(e)));
    used += entry_extra(e);
    if (used > bitcount) break;
    std::uint32_t d = dist_table[(bitbuf >> used) & low_bits(kDistRootBits)];
    if (entry_kind(d) == EntryKind::kSubtable) {
      used += kDistRootBits;
      d = dist_table[entry_value(d) + ((bitbuf >> used) & low_bits(entry_extra(d)))];
    }
    used += entry_bits(d);
    if (used > bitcount) break;
    if (entry_kind(d) != EntryKind::kBase) {
      error = InflateError::kInvalidDistance;
      break;
    }
    const std::uint32_t dist =
        entry_value(d) + static_cast<std::uint32_t>((bitbuf >> used) & low_bits(entry_extra(d)));
    used += entry_extra(d);
    if (used > bitcount) break;
    if (dist > window_) {
      error = InflateError::kDistanceTooFarBack;
      break;
    }
    if (dist > static_cast<std::size_t>(out - buf)) {
      error = InflateError::kDistanceBeforeStart;
      break;
    }
    if (out == out_limit) {
      stop = Stop::kBufferFull;
      break;
    }
    bitbuf_ >>= used;
    bitcount_ -= used;
    const std::size_t n =
        std::min(static_cast<std::size_t>(len), static_cast<std::size_t>(out_limit - out));
    const std::uint8_t* const src = out - dist;
    for (std::size_t i = 0; i < n; ++i) out[i] = src[i];
    out += n;
    if (n < len) {
      copy_len_ = static_cast<std::uint32_t>(len - n);
      copy_dist_ = dist;
      state_ = State::kCopy;
      stop = Stop::kBufferFull;
    }
  }
  out_ref = out;
  if (error != InflateError::kNone) {
    fail(error);
    return Stop::kError;
  }
  return stop;
}

}  // namespace duplex::deflate
