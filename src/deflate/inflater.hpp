// Inflater: DEFLATE decompression, streaming and sans-I/O (lesson 14).
//
// RFC 1951 §3.2: stored (§3.2.4), fixed Huffman (§3.2.6) and dynamic Huffman (§3.2.7) blocks.
// Bytes go in as they arrive, cut anywhere; decompressed bytes come out in pieces no larger than
// the caller's buffer. The answer has the shape of every Duplex parser (net::ParseResult):
// consumed / need more / done / failed, plus how many bytes were produced.
//
// How it decodes (docs/deflate.md draws it): a 64-bit bit buffer refilled eight bytes at a time,
// one table lookup per Huffman symbol (HuffmanDecodeTable), and match copies eight bytes at a time
// where the overlap allows. Each step (a block header, a code length, a literal, a length with
// its distance) is taken only when all its bits are there, so running out of input in the middle
// of one costs nothing: the bits stay in the buffer and the step is retried with more input.
//
// Decoded bytes land first in the Inflater's own buffer, which keeps the last 2^window_bits bytes
// a distance may reach back to (RFC 7692 §7.1.2 negotiates that window), then are copied out.
// @lesson 14
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

#include "src/deflate/inflate_error.hpp"
#include "src/net/parse_result.hpp"

namespace duplex::deflate {

struct InflaterOptions {
  // log2 of how far back a distance may reach: 8..15 (RFC 7692 §7.1.2: *_max_window_bits);
  // values outside are clamped.
  int window_bits = 15;
  // The most bytes one message may decompress to; more fails with kOutputLimit. A small
  // compressed message can otherwise expand about 1032 times (258-byte matches in 2 bits).
  std::size_t max_output = std::size_t{16} << 20;
};

struct InflateResult {
  net::ParseStatus status = net::ParseStatus::kNeedMore;
  std::size_t consumed = 0;  // input bytes used by this call
  std::size_t produced = 0;  // bytes written to the output span
  InflateError error = InflateError::kNone;

  // need more: call again, with the rest of the input if `consumed` < its size (the output was
  // full), with the next input otherwise; `produced` == output size means more may be waiting.
  bool need_more() const noexcept { return status == net::ParseStatus::kNeedMore; }
  // done: the final block ended; bytes after `consumed` are not part of the stream.
  bool done() const noexcept { return status == net::ParseStatus::kDone; }
  bool failed() const noexcept { return status == net::ParseStatus::kFailed; }
};

class Inflater {
 public:
  explicit Inflater(InflaterOptions options = {});
  ~Inflater();
  Inflater(Inflater&&) noexcept;
  Inflater& operator=(Inflater&&) noexcept;
  Inflater(const Inflater&) = delete;
  Inflater& operator=(const Inflater&) = delete;

  InflateResult inflate(std::string_view input, std::span<char> output);

  // A new stream: forgets the window (RFC 7692 §7.1.1: no context takeover), keeps the memory.
  void reset() noexcept;
  // reset() and frees the window and the tables; the next inflate() allocates them again. An
  // idle connection without context takeover then holds only sizeof(Inflater).
  void release_memory() noexcept;
  // Starts counting max_output afresh, keeping the window: the next message on a stream with
  // context takeover (RFC 7692 §7.2.1).
  void start_message() noexcept { message_out_ = 0; }

  // After done(): decodes the blocks that follow the final one, keeping the window. RFC 7692
  // §7.2.1 lets a message mix blocks with BFINAL set and unset (§7.2.3.4 ends "Hello" with a
  // final block followed by the stripped empty stored block), so the stream goes on past it.
  void continue_after_final() noexcept {
    if (state_ != State::kDone) return;
    state_ = State::kBlockHeader;
    final_block_ = false;
  }
  // True between blocks: where a message compressed with a sync flush ends (RFC 7692 §7.2.2).
  bool at_block_boundary() const noexcept;
  std::size_t total_out() const noexcept { return total_out_; }
  // Heap bytes held now, and what a working instance needs for `window_bits`.
  std::size_t memory_bytes() const noexcept;
  static std::size_t memory_bytes_for(int window_bits) noexcept;

  int window_bits() const noexcept { return window_bits_; }
  std::size_t max_output() const noexcept { return max_output_; }

 private:
  enum class State : std::uint8_t {
    kBlockHeader,
    kStoredHeader,
    kStoredCopy,
    kTableCounts,
    kCodeLengthCodes,
    kCodeLengths,
    kBlockData,
    kCopy,
    kDone,
    kFailed,
  };
  enum class Stop : std::uint8_t { kInputExhausted, kBufferFull, kStreamEnd, kError };
  struct Workspace;

  Stop decode(std::uint8_t* out_limit);
  Stop decode_block_data(std::uint8_t*& out, std::uint8_t* out_limit);
  bool read_table_counts();
  bool read_code_length_codes();
  Stop read_code_lengths();
  void refill_slow() noexcept;
  bool fail(InflateError error) noexcept;
  void slide() noexcept;

  int window_bits_;
  std::size_t window_;  // 2^window_bits
  std::size_t max_output_;
  std::unique_ptr<Workspace> ws_;

  State state_ = State::kBlockHeader;
  InflateError error_ = InflateError::kNone;
  bool final_block_ = false;
  // The current block decodes with the shared fixed tables (§3.2.6), not the workspace's
  // dynamic ones. A flag rather than two pointers: an idle connection holds sizeof(Inflater).
  bool fixed_block_ = false;
  std::uint64_t bitbuf_ = 0;
  unsigned bitcount_ = 0;
  const std::uint8_t* in_ = nullptr;
  const std::uint8_t* in_end_ = nullptr;

  std::size_t write_pos_ = 0;  // decoded bytes end here in the buffer
  std::size_t read_pos_ = 0;   // ... and were handed out up to here
  std::size_t total_out_ = 0;
  std::size_t message_out_ = 0;

  std::uint32_t stored_left_ = 0;
  std::uint32_t copy_len_ = 0;
  std::uint32_t copy_dist_ = 0;
  std::uint16_t hlit_ = 0;
  std::uint16_t hdist_ = 0;
  std::uint16_t hclen_ = 0;
  std::uint16_t lengths_read_ = 0;
};

}  // namespace duplex::deflate
