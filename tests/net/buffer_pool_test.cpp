// Tests for BufferPool (lesson 12): released blocks are reused (the smallest size class that
// fits, the block given back last first), the bounds hold, and a Buffer with a pool takes from it
// and gives back to it.
// @lesson 12
#include "src/net/buffer_pool.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

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

TEST(L12_BufferPool, TheBlockGivenBackLastIsHandedOutFirst) {
  // Its memory is the one most likely to still be in the CPU's cache.
  BufferPool pool;
  std::vector<const char*> addresses;
  for (int i = 0; i < 3; ++i) {
    BufferBlock block = make_block(4096);
    addresses.push_back(block.storage.get());
    pool.release(std::move(block));
  }
  EXPECT_EQ(pool.acquire(4096).storage.get(), addresses[2]);
  EXPECT_EQ(pool.acquire(4096).storage.get(), addresses[1]);
  EXPECT_EQ(pool.acquire(4096).storage.get(), addresses[0]);
}

TEST(L12_BufferPool, InItsOwnSizeClassABlockTooSmallIsPassedOver) {
  // 6000 and 4096 bytes are one class (4096 to 8191): the block on top does not fit 5000 bytes,
  // the one under it does, and the 16 KiB block of the next class is left for a larger request.
  BufferPool pool;
  pool.release(make_block(16 << 10));
  pool.release(make_block(6000));
  pool.release(make_block(4096));
  EXPECT_EQ(pool.acquire(5000).capacity, 6000U);
  EXPECT_EQ(pool.acquire(5000).capacity, std::size_t{16} << 10);
  EXPECT_EQ(pool.acquire(5000).capacity, 0U);
  EXPECT_EQ(pool.acquire(4096).capacity, 4096U);
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

TEST(L12_BufferPool, AFullPoolTradesTheSmallestBlockEvenInTheMiddleOfItsClass) {
  // 6000, 4096 and 7000 bytes are one class; the 4096-byte block is neither first nor on top.
  BufferPool pool;
  for (std::size_t capacity : {6000, 4096, 7000}) pool.release(make_block(capacity));
  for (std::size_t i = 3; i < BufferPool::kMaxBlocks; ++i) pool.release(make_block(8192));
  pool.release(make_block(64 << 10));
  EXPECT_EQ(pool.blocks(), BufferPool::kMaxBlocks);
  EXPECT_EQ(pool.bytes(), 6000 + 7000 + (BufferPool::kMaxBlocks - 3) * 8192 + (64 << 10));
  EXPECT_EQ(pool.acquire(4000).capacity, 7000U);
  EXPECT_EQ(pool.acquire(4000).capacity, 6000U);
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

// A connection's buffer is emptied and released every round; a round of 64 KiB messages must not
// start again in a small block and copy what it holds into larger ones (lesson 12, step 14).
TEST(L12_BufferPool, AnEmptiedBufferAsksForTwiceItsRecentPeak) {
  BufferPool pool;
  Buffer small(&pool);
  small.append("x");
  Buffer large(&pool);
  large.append(std::string(100'000, 'a'));
  small.consume(1);
  small.release_if_empty();
  large.consume(large.size());
  large.release_if_empty();
  ASSERT_EQ(pool.blocks(), 2U);
  large.append("y");  // one byte, for which the best fit alone is the 4 KiB block
  EXPECT_GE(large.capacity(), 200'000U) << "the buffer held 100 000 bytes last time";
  EXPECT_EQ(pool.blocks(), 2U) << "neither kept block is large enough";
}

TEST(L12_BufferPool, TheRecentPeakFadesOverQuietRounds) {
  BufferPool pool;
  Buffer small(&pool);
  small.append("x");
  small.consume(1);
  small.release_if_empty();  // the pool's 4 KiB block: the best fit once the buffer asks for little
  Buffer buffer(&pool);
  buffer.append(std::string(100'000, 'a'));
  buffer.consume(buffer.size());
  buffer.release_if_empty();
  std::vector<std::size_t> capacities;
  for (int round = 0; round < 8; ++round) {
    buffer.append("b");
    capacities.push_back(buffer.capacity());
    buffer.consume(1);
    buffer.release_if_empty();
  }
  EXPECT_GE(capacities.front(), 100'000U) << "one quiet round halves the peak, no more";
  EXPECT_EQ(capacities.back(), Buffer::kMinCapacity) << "eight quiet rounds forget it";
}

TEST(L12_BufferPool, WhatAnEmptiedBufferAsksForIsBoundedByTheLargestKeptBlock) {
  BufferPool pool;
  Buffer buffer(&pool);
  buffer.append(std::string(BufferPool::kMaxBlockBytes * 2, 'a'));
  buffer.consume(buffer.size());
  buffer.release_if_empty();
  buffer.append("b");
  EXPECT_EQ(buffer.capacity(), BufferPool::kMaxBlockBytes)
      << "a block the pool would not keep would go to the C library and back every round";
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
