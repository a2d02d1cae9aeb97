// Tests for Buffer (lesson 02): append/consume, prepare/commit, growth, compaction, release,
// and a randomized comparison against std::string as the model.
// @lesson 02
#include "src/net/buffer.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <stdexcept>
#include <string>

namespace duplex::net {
namespace {

TEST(L02_Buffer, StartsEmptyWithoutMemory) {
  Buffer buffer;
  EXPECT_TRUE(buffer.empty());
  EXPECT_EQ(buffer.size(), 0U);
  EXPECT_EQ(buffer.capacity(), 0U);
  EXPECT_EQ(buffer.view(), "");
}

TEST(L02_Buffer, AppendThenConsumeIsFirstInFirstOut) {
  Buffer buffer;
  buffer.append("hello ");
  buffer.append("world");
  EXPECT_EQ(buffer.view(), "hello world");
  buffer.consume(6);
  EXPECT_EQ(buffer.view(), "world");
  EXPECT_EQ(buffer.size(), 5U);
  EXPECT_EQ(std::string(buffer.data(), buffer.size()), "world");
}

TEST(L02_Buffer, PrepareAndCommitAppendInPlace) {
  Buffer buffer;
  auto space = buffer.prepare(3);
  ASSERT_GE(space.size(), 3U);
  std::memcpy(space.data(), "abc", 3);
  EXPECT_TRUE(buffer.empty());  // nothing is readable before commit
  buffer.commit(3);
  EXPECT_EQ(buffer.view(), "abc");
}

// Committing more than was prepared would expose uninitialised or foreign memory.
TEST(L02_Buffer, CommitAndConsumeRefuseToOverrun) {
  Buffer buffer;
  buffer.append("ab");
  EXPECT_THROW(buffer.consume(3), std::out_of_range);
  auto space = buffer.prepare(1);
  EXPECT_THROW(buffer.commit(space.size() + 1), std::out_of_range);
  EXPECT_EQ(buffer.view(), "ab");
}

TEST(L02_Buffer, ConsumingEverythingRewindsToTheFront) {
  Buffer buffer;
  buffer.append(std::string(100, 'x'));
  std::size_t capacity = buffer.capacity();
  buffer.consume(100);
  // After a full consume, the whole capacity is writable again without moving anything.
  EXPECT_EQ(buffer.prepare(0).size(), capacity);
}

TEST(L02_Buffer, GrowsByDoublingAndKeepsTheBytes) {
  Buffer buffer;
  std::string model;
  std::size_t last_capacity = 0;
  int growths = 0;
  for (int i = 0; i < 100000; ++i) {
    char c = static_cast<char>('a' + i % 26);
    buffer.append(std::string_view(&c, 1));
    model += c;
    if (buffer.capacity() != last_capacity) {
      if (last_capacity != 0) {
        EXPECT_GE(buffer.capacity(), 2 * last_capacity);
      }
      last_capacity = buffer.capacity();
      ++growths;
    }
  }
  EXPECT_EQ(buffer.view(), model);
  EXPECT_LE(growths, 6);  // 4096 -> 131072 covers 100000 bytes in 6 allocations
}

// Compaction reuses the consumed prefix instead of growing, when moving the unread bytes is
// cheap (no more bytes than were consumed) and frees enough room.
TEST(L02_Buffer, CompactsInsteadOfGrowingWhenThatFreesEnoughSpace) {
  Buffer buffer;
  buffer.append(std::string(Buffer::kMinCapacity, 'a'));
  std::size_t capacity = buffer.capacity();
  buffer.consume(Buffer::kMinCapacity - 10);
  buffer.append(std::string(100, 'b'));
  EXPECT_EQ(buffer.capacity(), capacity);
  EXPECT_EQ(buffer.view(), std::string(10, 'a') + std::string(100, 'b'));
}

// When most of the buffer is still unread, sliding it would copy a lot for little room:
// the buffer grows instead.
TEST(L02_Buffer, GrowsInsteadOfCompactingWhenMostBytesAreUnread) {
  Buffer buffer;
  buffer.append(std::string(Buffer::kMinCapacity, 'a'));
  std::size_t capacity = buffer.capacity();
  buffer.consume(100);
  buffer.append(std::string(50, 'b'));
  EXPECT_GT(buffer.capacity(), capacity);
  EXPECT_EQ(buffer.view(), std::string(Buffer::kMinCapacity - 100, 'a') + std::string(50, 'b'));
}

TEST(L02_Buffer, ReleaseIfEmptyFreesOnlyAnEmptyBuffer) {
  Buffer buffer;
  buffer.append("keep");
  buffer.release_if_empty();
  EXPECT_EQ(buffer.view(), "keep");
  EXPECT_GT(buffer.capacity(), 0U);
  buffer.consume(4);
  buffer.release_if_empty();
  EXPECT_EQ(buffer.capacity(), 0U);
  buffer.append("again");
  EXPECT_EQ(buffer.view(), "again");
}

TEST(L02_Buffer, ClearKeepsTheMemory) {
  Buffer buffer;
  buffer.append("abc");
  std::size_t capacity = buffer.capacity();
  buffer.clear();
  EXPECT_TRUE(buffer.empty());
  EXPECT_EQ(buffer.capacity(), capacity);
}

TEST(L02_Buffer, MoveTransfersTheBytes) {
  Buffer a;
  a.append("moved");
  Buffer b = std::move(a);
  EXPECT_EQ(b.view(), "moved");
  // The moved-from buffer is empty and still usable.
  EXPECT_TRUE(a.empty());  // NOLINT(bugprone-use-after-move): the point of the test
  EXPECT_EQ(a.capacity(), 0U);
  a.append("reused");
  EXPECT_EQ(a.view(), "reused");
  b = std::move(a);
  EXPECT_EQ(b.view(), "reused");
  EXPECT_TRUE(a.empty());  // NOLINT(bugprone-use-after-move)
}

TEST(L02_Buffer, SwapExchangesTheBytesWithoutCopying) {
  Buffer a;
  Buffer b;
  a.append("alpha");
  b.append("beta");
  b.consume(1);
  const char* a_bytes = a.data();
  a.swap(b);
  EXPECT_EQ(a.view(), "eta");
  EXPECT_EQ(b.view(), "alpha");
  EXPECT_EQ(b.data(), a_bytes);
}

// The model test: thousands of random appends, prepare/commits and consumes must leave the
// buffer holding exactly what a std::string doing the same holds, and the capacity must stay
// within a constant factor of the largest size ever held.
TEST(L02_Buffer, RandomOperationsMatchAStringModel) {
  for (std::uint32_t seed = 1; seed <= 20; ++seed) {
    std::mt19937 random(seed);
    Buffer buffer;
    std::string model;
    std::size_t peak = 0;
    std::uint8_t next_byte = 0;
    for (int step = 0; step < 5000; ++step) {
      int action = static_cast<int>(random() % 10);
      if (action < 4) {
        std::string bytes(random() % 3000, '\0');
        for (char& c : bytes) c = static_cast<char>(next_byte++);
        buffer.append(bytes);
        model += bytes;
      } else if (action < 6) {
        std::size_t want = random() % 5000;
        auto space = buffer.prepare(want);
        ASSERT_GE(space.size(), want);
        std::size_t wrote = want == 0 ? 0 : random() % (want + 1);
        for (std::size_t i = 0; i < wrote; ++i) space[i] = static_cast<char>(next_byte++);
        model.append(space.data(), wrote);
        buffer.commit(wrote);
      } else if (action < 9) {
        std::size_t n = model.empty() ? 0 : random() % (model.size() + 1);
        buffer.consume(n);
        model.erase(0, n);
      } else {
        buffer.release_if_empty();
      }
      peak = std::max(peak, model.size() + 5000);
      ASSERT_EQ(buffer.size(), model.size()) << "seed " << seed << " step " << step;
      ASSERT_TRUE(buffer.view() == model) << "seed " << seed << " step " << step;
      ASSERT_LE(buffer.capacity(), std::max(Buffer::kMinCapacity, 4 * peak));
    }
  }
}

}  // namespace
}  // namespace duplex::net
