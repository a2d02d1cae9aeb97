// Buffer: bytes in flight, appended at the back and consumed from the front (lesson 02).
//
// TCP hands over bytes in pieces that have nothing to do with messages, so every layer keeps the
// bytes it has received but not yet understood, and the bytes it wants to send but the kernel has
// not yet taken. Buffer is that queue. It keeps the readable bytes contiguous (parsers want one
// string_view), makes append and consume amortised O(1), and gives its memory back when idle.
//
// Layout of the one allocation:
//
//   0          begin_            end_              capacity_
//   | consumed  | readable bytes  | writable space  |
//
// consume() moves begin_ forward; append()/commit() move end_ forward. When the back runs out,
// prepare() either slides the readable bytes to the front (only when that frees enough space and
// costs no more than the bytes already consumed) or moves them to an allocation twice as large.
// @lesson 02
#pragma once
#if DUPLEX_LESSON >= 12

// Lesson 12: a buffer may draw its storage from a BufferPool (a Connection's buffers use their
// loop's pool): it then takes storage from the pool when it needs space and gives it back when
// released or destroyed, instead of calling new[] and delete[]. Without a pool, the default,
// it allocates on its own. A pooled buffer that was emptied and released asks the pool next
// time for twice its recent peak (up to BufferPool::kMaxBlockBytes), not for the one read or
// reply at hand: a 64 KiB echo otherwise started every round in a block too small for the
// round's messages, and copied each payload about twice from block to larger block (lesson 12).
#endif

#include <cstddef>
#include <memory>
#include <span>
#include <string_view>

#if DUPLEX_LESSON >= 12
#include "src/net/buffer_pool.hpp"
#endif

namespace duplex::net {

class Buffer {
 public:
  // The smallest allocation: one typical read's worth.
  static constexpr std::size_t kMinCapacity = 4096;

  Buffer() = default;
#if DUPLEX_LESSON >= 12
  // Storage comes from and returns to `pool`, which must outlive the buffer (null: no pool).
  explicit Buffer(BufferPool* pool) noexcept : pool_(pool) {}
#endif
  ~Buffer();
#if DUPLEX_LESSON >= 12
  // A moved-from buffer is empty, with no storage. The storage moves; the pool does not: a
  // buffer built by moving has none, and an assigned-to buffer keeps its own.
#else
  // A moved-from buffer is empty, with no storage.
#endif
  Buffer(Buffer&& other) noexcept;
  Buffer& operator=(Buffer&& other) noexcept;
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;

  std::size_t size() const noexcept;  // readable bytes
  bool empty() const noexcept;
  const char* data() const noexcept;       // first readable byte
  std::string_view view() const noexcept;  // all readable bytes, contiguous

  void append(std::string_view bytes);
  // Writable space at the back, at least `at_least` bytes (compacts or grows if needed). The
  // span stays valid until the next call that changes the buffer.
  std::span<char> prepare(std::size_t at_least);
  // Marks `n` bytes written into prepare()'s span as readable (n <= that span's size).
  void commit(std::size_t n);
  // Drops `n` readable bytes from the front (n <= size()).
  void consume(std::size_t n);
  void clear() noexcept;
#if DUPLEX_LESSON >= 12
  // Exchanges the contents and storage of two buffers in O(1), without copying a byte; each
  // keeps its own pool. Storage may so move between pools, or between a pool and none: it is
  // all plain new[] memory.
#else
  // Exchanges the contents and storage of two buffers in O(1), without copying a byte.
#endif
  void swap(Buffer& other) noexcept;

  std::size_t capacity() const noexcept;
#if DUPLEX_LESSON >= 12
  // Frees the storage (or returns it to the pool) if there is nothing to read, so an idle
  // connection holds no buffer memory.
#else
  // Frees the storage if there is nothing to read, so an idle connection holds no buffer memory.
#endif
  void release_if_empty() noexcept;
#if DUPLEX_LESSON >= 12
  BufferPool* pool() const noexcept {
    return pool_;
  }
#endif

 private:
  void release_storage() noexcept;

#if DUPLEX_LESSON >= 12
  BufferPool* pool_ = nullptr;
  std::size_t peak_ = 0;       // the most bytes the current storage has held (end_'s highest)
  std::size_t last_peak_ = 0;  // the recent peak, over the storage released before
#endif
  std::unique_ptr<char[]> storage_;
  std::size_t capacity_ = 0;
  std::size_t begin_ = 0;
  std::size_t end_ = 0;
};

}  // namespace duplex::net
