// Buffer (lesson 02): see buffer.hpp.
// @lesson 02
#include "src/net/buffer.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <utility>

namespace duplex::net {

Buffer::~Buffer() {
  release_storage();
}

Buffer::Buffer(Buffer&& other) noexcept
    : storage_(std::move(other.storage_)),
      capacity_(std::exchange(other.capacity_, 0)),
      begin_(std::exchange(other.begin_, 0)),
      end_(std::exchange(other.end_, 0)) {}

Buffer& Buffer::operator=(Buffer&& other) noexcept {
  if (this != &other) {
    release_storage();
    storage_ = std::move(other.storage_);
    capacity_ = std::exchange(other.capacity_, 0);
    begin_ = std::exchange(other.begin_, 0);
    end_ = std::exchange(other.end_, 0);
  }
  return *this;
}

std::size_t Buffer::size() const noexcept {
  return end_ - begin_;
}

bool Buffer::empty() const noexcept {
  return end_ == begin_;
}

const char* Buffer::data() const noexcept {
  return storage_ ? storage_.get() + begin_ : nullptr;
}

std::string_view Buffer::view() const noexcept {
  return storage_ ? std::string_view(storage_.get() + begin_, size()) : std::string_view();
}

void Buffer::append(std::string_view bytes) {
  if (bytes.empty()) return;
  std::span<char> space = prepare(bytes.size());
  std::memcpy(space.data(), bytes.data(), bytes.size());
  commit(bytes.size());
}

// @anchor lesson02-buffer-prepare
std::span<char> Buffer::prepare(std::size_t at_least) {
  if (capacity_ - end_ >= at_least && storage_) {
    return {storage_.get() + end_, capacity_ - end_};
  }
  std::size_t readable = size();
  // Slide the readable bytes to the front only if that makes enough room AND the copy is no
  // larger than the consumed prefix it reclaims: each byte moved is paid for by a byte consumed,
  // which keeps append and consume amortised O(1).
  if (storage_ && capacity_ - readable >= at_least && readable <= begin_) {
    std::memmove(storage_.get(), storage_.get() + begin_, readable);
  } else {
    if (at_least > SIZE_MAX / 2 - readable) throw std::length_error("Buffer: too large");
    // Doubling: the total copying over n appended bytes stays below 2n.
    std::size_t grown = std::max({kMinCapacity, capacity_ * 2, readable + at_least});
#if DUPLEX_LESSON >= 12
    // Storage taken again after release_if_empty(): room for twice the recent peak, as doubling
    // would have grown to, so that a round busier than the last one still needs no copy.
    if (pool_ != nullptr && !storage_) {
      grown = std::max(grown, std::min(2 * last_peak_, BufferPool::kMaxBlockBytes));
    }
    // Lesson 12: warm storage from the loop's pool when it has a block large enough.
    BufferBlock bigger;
    if (pool_ != nullptr) bigger = pool_->acquire(grown);
    if (!bigger.storage) bigger = {std::make_unique_for_overwrite<char[]>(grown), grown};
    if (readable > 0) std::memcpy(bigger.storage.get(), storage_.get() + begin_, readable);
    release_storage();
    storage_ = std::move(bigger.storage);
    capacity_ = bigger.capacity;
#else
    auto bigger = std::make_unique_for_overwrite<char[]>(grown);
    if (readable > 0) std::memcpy(bigger.get(), storage_.get() + begin_, readable);
    storage_ = std::move(bigger);
    capacity_ = grown;
#endif
  }
  begin_ = 0;
  end_ = readable;
  return {storage_.get() + end_, capacity_ - end_};
}

void Buffer::commit(std::size_t n) {
  if (n > capacity_ - end_) throw std::out_of_range("Buffer::commit: more than prepared");
  end_ += n;
#if DUPLEX_LESSON >= 12
  peak_ = std::max(peak_, end_);
#endif
}

void Buffer::consume(std::size_t n) {
  if (n > size()) throw std::out_of_range("Buffer::consume: more than readable");
  begin_ += n;
  // An emptied buffer starts again at the front for free: no bytes to move.
  if (begin_ == end_) begin_ = end_ = 0;
}

void Buffer::clear() noexcept {
  begin_ = end_ = 0;
}

void Buffer::swap(Buffer& other) noexcept {
  std::swap(storage_, other.storage_);
  std::swap(capacity_, other.capacity_);
  std::swap(begin_, other.begin_);
  std::swap(end_, other.end_);
}

std::size_t Buffer::capacity() const noexcept {
  return capacity_;
}

void Buffer::release_if_empty() noexcept {
  if (!empty()) return;
#if DUPLEX_LESSON >= 12
  // @anchor lesson12-buffer-peak
  if (pool_ != nullptr && storage_) {
    // The recent peak halves with every quieter round instead of being forgotten at once: a
    // connection that alternates large and small rounds keeps its room.
    last_peak_ = std::min(std::max(peak_, last_peak_ / 2), BufferPool::kMaxBlockBytes);
    peak_ = 0;
  }
#endif
  release_storage();
  begin_ = end_ = 0;
}

#if DUPLEX_LESSON >= 12
// Gives the storage to the pool, or frees it; leaves capacity_ at 0 but begin_ and end_ alone.
#else
// Frees the storage; leaves capacity_ at 0 but begin_ and end_ alone.
#endif
void Buffer::release_storage() noexcept {
#if DUPLEX_LESSON >= 12
  if (pool_ != nullptr && storage_) {
    pool_->release({std::move(storage_), capacity_});
  }
#endif
  storage_.reset();
  capacity_ = 0;
}

}  // namespace duplex::net
