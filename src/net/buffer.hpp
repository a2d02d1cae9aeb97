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
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string_view>

namespace duplex::net {

class Buffer {
 public:
  // The smallest allocation: one typical read's worth.
  static constexpr std::size_t kMinCapacity = 4096;

  Buffer() = default;
  // A moved-from buffer is empty, with no storage.
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

  std::size_t capacity() const noexcept;
  // Frees the storage if there is nothing to read, so an idle connection holds no buffer memory.
  void release_if_empty() noexcept;

 private:
  std::unique_ptr<char[]> storage_;
  std::size_t capacity_ = 0;
  std::size_t begin_ = 0;
  std::size_t end_ = 0;
};

}  // namespace duplex::net
