// Tests for Fd (lesson 01): the descriptor is closed exactly once, and ownership moves.
#include "src/net/fd.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <utility>

#include "tests/support/net_sockets.hpp"

namespace duplex::net {
namespace {

using testing::fd_is_open;

int open_descriptor() {
  int fds[2];
  EXPECT_EQ(::pipe(fds), 0);
  ::close(fds[1]);
  return fds[0];
}

TEST(L01_Fd, DefaultIsEmpty) {
  Fd fd;
  EXPECT_FALSE(fd.valid());
  EXPECT_FALSE(static_cast<bool>(fd));
  EXPECT_EQ(fd.get(), -1);
}

TEST(L01_Fd, DestructorCloses) {
  int number = open_descriptor();
  {
    Fd fd(number);
    EXPECT_TRUE(fd.valid());
    EXPECT_TRUE(fd_is_open(number));
  }
  EXPECT_FALSE(fd_is_open(number));
}

TEST(L01_Fd, MoveConstructionTransfersOwnership) {
  int number = open_descriptor();
  Fd first(number);
  {
    Fd second(std::move(first));
    EXPECT_FALSE(first.valid());  // NOLINT(bugprone-use-after-move): the point of the test
    EXPECT_EQ(second.get(), number);
  }
  EXPECT_FALSE(fd_is_open(number));
}

TEST(L01_Fd, MoveAssignmentClosesTheOldDescriptor) {
  int a = open_descriptor();
  int b = open_descriptor();
  Fd first(a);
  Fd second(b);
  second = std::move(first);
  EXPECT_FALSE(fd_is_open(b));
  EXPECT_TRUE(fd_is_open(a));
  EXPECT_EQ(second.get(), a);
  EXPECT_FALSE(first.valid());  // NOLINT(bugprone-use-after-move)
}

TEST(L01_Fd, SelfMoveAssignmentKeepsTheDescriptor) {
  int number = open_descriptor();
  Fd fd(number);
  Fd& alias = fd;
  fd = std::move(alias);
  EXPECT_EQ(fd.get(), number);
  EXPECT_TRUE(fd_is_open(number));
}

TEST(L01_Fd, ReleaseGivesUpOwnershipWithoutClosing) {
  int number = open_descriptor();
  int released;
  {
    Fd fd(number);
    released = fd.release();
    EXPECT_FALSE(fd.valid());
  }
  EXPECT_EQ(released, number);
  EXPECT_TRUE(fd_is_open(number));
  ::close(number);
}

TEST(L01_Fd, ResetClosesOnceAndTakesTheNewOne) {
  int a = open_descriptor();
  int b = open_descriptor();
  Fd fd(a);
  fd.reset(b);
  EXPECT_FALSE(fd_is_open(a));
  EXPECT_EQ(fd.get(), b);
  fd.reset();
  EXPECT_FALSE(fd_is_open(b));
  EXPECT_FALSE(fd.valid());
}

// Closing twice is the bug Fd exists to prevent: the number may already belong to a new
// descriptor, and the second close would close that one.
TEST(L01_Fd, ClosesExactlyOnceEvenWhenTheNumberIsReused) {
  int number = open_descriptor();
  Fd fd(number);
  fd.reset();
  int reused = open_descriptor();  // the kernel hands out the lowest free number: this one
  ASSERT_EQ(reused, number);
  fd.reset();  // an empty Fd: must not close `reused`
  { Fd empty; }
  EXPECT_TRUE(fd_is_open(reused));
  ::close(reused);
}

}  // namespace
}  // namespace duplex::net
