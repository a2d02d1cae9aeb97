// BufferPool (lesson 12): see buffer_pool.hpp.
// @lesson 12
#include "src/net/buffer_pool.hpp"

#include <utility>

namespace duplex::net {

BufferPool::BufferPool() {
  blocks_.reserve(kMaxBlocks);
}

BufferBlock BufferPool::acquire(std::size_t at_least) noexcept {
  // Best fit over at most kMaxBlocks entries: a 4 KiB request does not take the 64 KiB block
  // that the next read needs.
  std::size_t best = blocks_.size();
  for (std::size_t i = 0; i < blocks_.size(); ++i) {
    if (blocks_[i].capacity >= at_least &&
        (best == blocks_.size() || blocks_[i].capacity < blocks_[best].capacity)) {
      best = i;
    }
  }
  if (best == blocks_.size()) {
    ++misses_;
    return {};
  }
  ++hits_;
  BufferBlock block = std::move(blocks_[best]);
  blocks_[best] = std::move(blocks_.back());
  blocks_.pop_back();
  bytes_ -= block.capacity;
  return block;
}

void BufferPool::release(BufferBlock block) noexcept {
  if (!block.storage) return;
  if (block.capacity > kMaxBlockBytes) {
    ++dropped_;
    return;  // `block` frees its storage here
  }
  if (blocks_.size() == kMaxBlocks || bytes_ + block.capacity > kMaxBytes) {
    // Full: trade the smallest kept block for this one, if it is larger and the trade keeps the
    // byte bound; otherwise this one goes.
    std::size_t smallest = 0;
    for (std::size_t i = 1; i < blocks_.size(); ++i) {
      if (blocks_[i].capacity < blocks_[smallest].capacity) smallest = i;
    }
    ++dropped_;
    if (blocks_.empty() || blocks_[smallest].capacity >= block.capacity ||
        bytes_ - blocks_[smallest].capacity + block.capacity > kMaxBytes) {
      return;
    }
    bytes_ -= blocks_[smallest].capacity;
    blocks_[smallest] = std::move(blocks_.back());
    blocks_.pop_back();
  }
  ++kept_;
  bytes_ += block.capacity;
  blocks_.push_back(std::move(block));
}

}  // namespace duplex::net
