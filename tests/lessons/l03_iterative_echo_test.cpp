// Tests for lesson 03's first two steps: the iterative echo server lets one idle client block
// everyone; the thread-per-connection server does not.
// @lesson 03
#include <gtest/gtest.h>

#include <cerrno>
#include <chrono>
#include <thread>

#include "lessons/03-many-clients/iterative_echo.hpp"
#include "lessons/03-many-clients/threaded_echo.hpp"
#include "src/net/socket_address.hpp"
#include "src/net/system_error.hpp"
#include "src/net/tcp_listener.hpp"
#include "src/net/tcp_stream.hpp"
#include "tests/support/net_sockets.hpp"

namespace duplex::lessons {
namespace {

using namespace std::chrono_literals;

net::TcpStream connect_to(const net::TcpListener& listener) {
  auto stream = net::TcpStream::connect(listener.local_address());
  stream.set_receive_timeout(testing::kIoTimeout);
  stream.set_send_timeout(testing::kIoTimeout);
  return stream;
}

std::string read_n(net::TcpStream& stream, std::size_t n) {
  std::string got(n, '\0');
  stream.read_exact(got);
  return got;
}

TEST(L03_IterativeEcho, OneIdleClientBlocksEveryoneElse) {
  auto listener = net::TcpListener::listen(net::SocketAddress::from_numeric("127.0.0.1", 0));
  std::thread server([&] { serve_iteratively(listener, 2); });
  auto idle = connect_to(listener);
  idle.write_all("a");
  EXPECT_EQ(read_n(idle, 1), "a");  // the server is now inside idle's conversation
  auto waiting = connect_to(listener);
  waiting.write_all("hello");
  // The kernel completed the handshake (the listen backlog), but nobody reads: no echo comes.
  // This bounded wait is the point of the test, not a synchronisation.
  waiting.set_receive_timeout(300ms);
  char byte;
  try {
    waiting.read_some({&byte, 1});
    ADD_FAILURE() << "the second client was served while the first was connected";
  } catch (const net::SystemError& error) {
    EXPECT_TRUE(error.error_number() == EAGAIN || error.error_number() == EWOULDBLOCK);
  }
  // The idle client leaves; only now is the second one served.
  idle.shutdown_write();
  EXPECT_EQ(testing::read_to_end(idle), "");
  waiting.set_receive_timeout(testing::kIoTimeout);
  EXPECT_EQ(read_n(waiting, 5), "hello");
  waiting.shutdown_write();
  server.join();
}

TEST(L03_ThreadedEcho, AnIdleClientBlocksNobody) {
  auto listener = net::TcpListener::listen(net::SocketAddress::from_numeric("127.0.0.1", 0));
  std::thread server([&] { serve_thread_per_connection(listener, 3); });
  auto idle = connect_to(listener);
  idle.write_all("a");
  EXPECT_EQ(read_n(idle, 1), "a");
  auto second = connect_to(listener);
  auto third = connect_to(listener);
  second.write_all("two");
  third.write_all("three");
  EXPECT_EQ(read_n(third, 5), "three");
  EXPECT_EQ(read_n(second, 3), "two");
  for (auto* client : {&idle, &second, &third}) client->shutdown_write();
  server.join();
}

}  // namespace
}  // namespace duplex::lessons
