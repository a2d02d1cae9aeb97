// BufferPool (lesson 12): see buffer_pool.hpp.
// @lesson 12
#include "src/net/buffer_pool.hpp"

#include <utility>

namespace duplex::net {

namespace {

// Takes the block at `index` out of `stack`; the block that was on top takes its place.
BufferBlock take(std::vector<BufferBlock>& stack, std::size_t index) noexcept {
  if (index + 1 != stack.size()) std::swap(stack[index], stack.back());
  BufferBlock block = std::move(stack.back());
  stack.pop_back();
  return block;
}

}  // namespace

BufferPool::BufferPool() {
  for (std::vector<BufferBlock>& stack : classes_) stack.reserve(kMaxBlocks);
}

// @anchor lesson12-pool-acquire
BufferBlock BufferPool::acquire(std::size_t at_least) noexcept {
  // In the request's own class a block may be too small (a 5000-byte request, a 4096-byte
  // block); in every class above it the top block fits. A 4 KiB request so never takes the
  // 64 KiB block that the next read needs while a 4 KiB block is kept.
  for (std::size_t k = size_class(at_least); k < kClasses; ++k) {
    std::vector<BufferBlock>& stack = classes_[k];
    for (std::size_t i = stack.size(); i-- > 0;) {
      if (stack[i].capacity < at_least) continue;
      ++hits_;
      --blocks_;
      bytes_ -= stack[i].capacity;
      return take(stack, i);
    }
  }
  ++misses_;
  return {};
}

std::vector<BufferBlock>* BufferPool::smallest_class() noexcept {
  for (std::vector<BufferBlock>& stack : classes_) {
    if (stack.empty()) continue;
    std::size_t smallest = 0;
    for (std::size_t i = 1; i < stack.size(); ++i) {
      if (stack[i].capacity < stack[smallest].capacity) smallest = i;
    }
    if (smallest + 1 != stack.size()) std::swap(stack[smallest], stack.back());
    return &stack;
  }
  return nullptr;
}

void BufferPool::release(BufferBlock block) noexcept {
  if (!block.storage) return;
  if (block.capacity > kMaxBlockBytes) {
    ++dropped_;
    return;  // `block` frees its storage here
  }
  if (blocks_ == kMaxBlocks || bytes_ + block.capacity > kMaxBytes) {
    // Full: trade the smallest kept block for this one, if it is larger and the trade keeps the
    // byte bound; otherwise this one goes.
    ++dropped_;
    std::vector<BufferBlock>* stack = smallest_class();
    if (stack == nullptr) return;
    std::size_t smallest = stack->back().capacity;
    if (smallest >= block.capacity || bytes_ - smallest + block.capacity > kMaxBytes) return;
    bytes_ -= smallest;
    --blocks_;
    stack->pop_back();
  }
  ++kept_;
  ++blocks_;
  bytes_ += block.capacity;
  classes_[size_class(block.capacity)].push_back(std::move(block));
}

}  // namespace duplex::net
