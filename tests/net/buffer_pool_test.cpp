// Tests for BufferPool (lesson 12): released blocks are reused, best fit, the bounds hold, and a
// Buffer with a pool takes from it and gives back to it.
// @lesson 12
#include "src/net/buffer_pool.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "src/net/buffer.hpp"

namespace duplex::net {
namespace {

BufferBlock make_block(std::size_t capacity) {
  return {std::make_unique<char[]>(capacity), capacity};
}

TEST(L12_BufferPool, AReleasedBlockIsHandedOutAgain) {
  BufferPool pool;
  EXPECT_FALSE(pool.acquire(100).storage);
  EXPECT_EQ(pool.misses(), 1U);
  BufferBlock block = make_block(4096);
  const char* address = block.storage.get();
  pool.release(std::move(block));
  EXPECT_EQ(pool.blocks(), 1U);
  EXPECT_EQ(pool.bytes(), 4096U);
  BufferBlock again = pool.acquire(4000);
  EXPECT_EQ(again.storage.get(), address);
  EXPECT_EQ(again.capacity, 4096U);
  EXPECT_EQ(pool.hits(), 1U);
  EXPECT_EQ(pool.blocks(), 0U);
  EXPECT_EQ(pool.bytes(), 0U);
}

TEST(L12_BufferPool, ABlockTooSmallIsNotHandedOut) {
  BufferPool pool;
  pool.release(make_block(4096));
  EXPECT_FALSE(pool.acquire(4097).storage);
  EXPECT_EQ(pool.blocks(), 1U);
}

TEST(L12_BufferPool, TheSmallestBlockThatFitsIsChosen) {
  // A small request must not take the large block the next 64 KiB read needs.
  BufferPool pool;
  pool.release(make_block(64 << 10));
  pool.release(make_block(4096));
  pool.release(make_block(16 << 10));
  EXPECT_EQ(pool.acquire(5000).capacity, std::size_t{16} << 10);
  EXPECT_EQ(pool.acquire(100).capacity, 4096U);
  EXPECT_EQ(pool.acquire(100).capacity, std::size_t{64} << 10);
}

TEST(L12_BufferPool, KeepsNoMoreThanItsBound) {
  // Without a bound, a burst of busy connections would leave the pool holding their memory
  // forever after they went idle.
  BufferPool pool;
  for (std::size_t i = 0; i < 3 * BufferPool::kMaxBlocks; ++i) pool.release(make_block(4096));
  EXPECT_EQ(pool.blocks(), BufferPool::kMaxBlocks);
  EXPECT_EQ(pool.bytes(), BufferPool::kMaxBlocks * 4096);
  EXPECT_EQ(pool.kept(), BufferPool::kMaxBlocks);
  EXPECT_EQ(pool.dropped(), 2 * BufferPool::kMaxBlocks);
  // Large blocks replace small ones only as far as the byte bound allows.
  for (std::size_t i = 0; i < 2 * BufferPool::kMaxBlocks; ++i) {
    pool.release(make_block(BufferPool::kMaxBlockBytes));
  }
  EXPECT_LE(pool.bytes(), BufferPool::kMaxBytes);
  EXPECT_GT(pool.bytes(), BufferPool::kMaxBytes - BufferPool::kMaxBlockBytes);
  EXPECT_EQ(pool.blocks(), BufferPool::kMaxBlocks);
}

TEST(L12_BufferPool, TheByteBoundHoldsWithFewBlocks) {
  BufferPool pool;
  std::size_t fit = BufferPool::kMaxBytes / BufferPool::kMaxBlockBytes;
  for (std::size_t i = 0; i < fit + 3; ++i) pool.release(make_block(BufferPool::kMaxBlockBytes));
  EXPECT_EQ(pool.blocks(), fit);
  EXPECT_EQ(pool.bytes(), BufferPool::kMaxBytes);
  EXPECT_EQ(pool.dropped(), 3U);
}

TEST(L12_BufferPool, AFullPoolTradesASmallBlockForALargerOne) {
  // The blocks kept should be the ones most likely to serve a read (64 KiB), not 32 leftovers
  // of 4 KiB that every read request misses.
  BufferPool pool;
  for (std::size_t i = 0; i < BufferPool::kMaxBlocks; ++i) pool.release(make_block(4096));
  pool.release(make_block(64 << 10));
  EXPECT_EQ(pool.blocks(), BufferPool::kMaxBlocks);
  EXPECT_EQ(pool.bytes(), (BufferPool::kMaxBlocks - 1) * 4096 + (64 << 10));
  EXPECT_EQ(pool.acquire(64 << 10).capacity, std::size_t{64} << 10);
}

TEST(L12_BufferPool, AnOversizedBlockIsFreedNotKept) {
  // One huge message must not pin its memory for the life of the loop.
  BufferPool pool;
  pool.release(make_block(BufferPool::kMaxBlockBytes + 1));
  EXPECT_EQ(pool.blocks(), 0U);
  EXPECT_EQ(pool.dropped(), 1U);
}

TEST(L12_BufferPool, ABufferTakesFromThePoolAndGivesBack) {
  BufferPool pool;
  Buffer buffer(&pool);
  buffer.append("first");
  EXPECT_EQ(pool.misses(), 1U);
  const char* storage = buffer.data();
  buffer.consume(buffer.size());
  buffer.release_if_empty();
  EXPECT_EQ(buffer.capacity(), 0U);
  EXPECT_EQ(pool.blocks(), 1U);
  buffer.append("second");
  EXPECT_EQ(pool.hits(), 1U);
  EXPECT_EQ(buffer.data(), storage);  // the same block, not a new allocation
  EXPECT_EQ(buffer.view(), "second");
  EXPECT_EQ(pool.blocks(), 0U);
}

TEST(L12_BufferPool, GrowingGivesTheSmallerBlockBackAndKeepsTheBytes) {
  BufferPool pool;
  Buffer buffer(&pool);
  buffer.append(std::string(100, 'a'));
  std::size_t first = buffer.capacity();
  buffer.append(std::string(first, 'b'));
  EXPECT_GT(buffer.capacity(), first);
  EXPECT_EQ(buffer.view(), std::string(100, 'a') + std::string(first, 'b'));
  EXPECT_EQ(pool.blocks(), 1U);
  EXPECT_EQ(pool.bytes(), first);
}

TEST(L12_BufferPool, ADestroyedBufferGivesItsStorageBack) {
  BufferPool pool;
  {
    Buffer buffer(&pool);
    buffer.append("pending");
  }
  EXPECT_EQ(pool.blocks(), 1U);
}

TEST(L12_BufferPool, TheStorageMovesButThePoolStays) {
  // A buffer moved out of a connection may outlive the loop: it must not keep the loop's pool.
  BufferPool pool;
  Buffer pooled(&pool);
  pooled.append("bytes");
  Buffer moved = std::move(pooled);
  EXPECT_EQ(moved.pool(), nullptr);
  EXPECT_EQ(pooled.pool(), &pool);  // NOLINT(bugprone-use-after-move): the point of the test
  EXPECT_EQ(moved.view(), "bytes");
  // Assigning into the pooled buffer returns its old storage to its pool first.
  pooled.append("old");
  pooled = std::move(moved);
  EXPECT_EQ(pool.blocks(), 1U);
  EXPECT_EQ(pooled.view(), "bytes");
  EXPECT_EQ(pooled.pool(), &pool);
}

}  // namespace
}  // namespace duplex::net
