// BufferPool: a small, bounded stock of buffer storage that one EventLoop's connections share
// (lesson 12, where the profile showed why).
//
// A Connection gives its input and output storage back as soon as they are empty, so that an
// idle connection holds no buffer memory (10,000 idle clients must not cost 10,000 x 64 KiB).
// Freeing to the C library and allocating again on the next read is what the profile of lesson
// 12 caught: a 64 KiB block freed at the top of the heap makes glibc shrink the heap with brk(),
// and the next allocation grows it again, with fresh zeroed pages to fault in. The pool keeps a
// few freed blocks instead, so the connection served next takes the same warm memory.
//
// The pool is bounded (kMaxBlocks blocks of at most kMaxBlockBytes each, kMaxBytes in all), so
// its memory does not grow with the number of connections. Larger blocks, and blocks beyond the
// bounds, go back to the C library. One pool per EventLoop, used only on that loop's thread: no
// locks.
//
// Kept blocks are sorted by size class (class k: capacities from 2^k up to 2^(k+1) - 1), each
// class a stack. acquire() looks at the top of a stack or two instead of every kept block: with 50
// busy connections the pool holds dozens of blocks, and a scan of all of them for each read and
// each response was 7% of the server's user time (lesson 12 step 21). The top of a stack is the
// block given back last, whose memory is the most likely to still be in the CPU's cache.
// @lesson 12
#pragma once

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace duplex::net {

// A piece of storage on its way into or out of the pool.
struct BufferBlock {
  std::unique_ptr<char[]> storage;
  std::size_t capacity = 0;
};

class BufferPool {
 public:
  // At most this many blocks are kept. A round of the loop lets every ready connection fill an
  // output block before the round's writes give them back, so the bound must cover one block per
  // busy connection: with 16, an echo over 64 connections sent 48 blocks per round to malloc and
  // back to the system (23 000 minor page faults in 2 s of the 32-byte echo, lesson 12 step 12).
  static constexpr std::size_t kMaxBlocks = 64;
  // Blocks larger than this are freed, not kept: one huge message must not pin its memory.
  // 512 KiB holds a 64 KiB read, and the output of a round that answers four 64 KiB WebSocket
  // messages at once (a buffer that doubles past 256 KiB). With 128 KiB that output block was
  // freed after every round, and lesson 12's 64 KiB echo ran at half speed: three brk() per write.
  static constexpr std::size_t kMaxBlockBytes = std::size_t{512} << 10;
  // And at most this many bytes in all, whatever the sizes: 64 blocks of 4 KiB, or 16 of 512 KiB.
  static constexpr std::size_t kMaxBytes = std::size_t{8} << 20;

  BufferPool();
  BufferPool(const BufferPool&) = delete;
  BufferPool& operator=(const BufferPool&) = delete;

  // A kept block of at least `at_least` bytes from the smallest size class that has one (of
  // those, the one given back last), or an empty block (null storage) when none is large
  // enough: the caller then allocates.
  BufferBlock acquire(std::size_t at_least) noexcept;
  // Keeps `block` for a later acquire(), or frees it: when it is larger than kMaxBlockBytes, or
  // when keeping it would pass kMaxBlocks or kMaxBytes and no smaller block can make room (the
  // smallest kept one is freed instead when that keeps both bounds, so the pool keeps the blocks
  // most likely to fit the next request). Never allocates.
  void release(BufferBlock block) noexcept;

  std::size_t blocks() const noexcept { return blocks_; }
  std::size_t bytes() const noexcept { return bytes_; }

  // Counters, for tests and measurements.
  std::uint64_t hits() const noexcept { return hits_; }        // acquire() served from the pool
  std::uint64_t misses() const noexcept { return misses_; }    // acquire() found nothing
  std::uint64_t kept() const noexcept { return kept_; }        // release() kept the block
  std::uint64_t dropped() const noexcept { return dropped_; }  // blocks freed by release()

 private:
  // Size classes 0 .. kClasses - 1; kMaxBlockBytes (a power of two) is the first of the last.
  static constexpr std::size_t kClasses = std::bit_width(kMaxBlockBytes);
  static_assert(std::has_single_bit(kMaxBlockBytes));
  static constexpr std::size_t size_class(std::size_t capacity) noexcept {
    return capacity == 0 ? 0 : std::bit_width(capacity) - 1;
  }
  // The smallest kept block: the one a full pool trades for a larger one.
  std::vector<BufferBlock>* smallest_class() noexcept;

  // Each reserved to kMaxBlocks: release() never reallocates.
  std::array<std::vector<BufferBlock>, kClasses> classes_;
  std::size_t blocks_ = 0;
  std::size_t bytes_ = 0;
  std::uint64_t hits_ = 0;
  std::uint64_t misses_ = 0;
  std::uint64_t kept_ = 0;
  std::uint64_t dropped_ = 0;
};

}  // namespace duplex::net
