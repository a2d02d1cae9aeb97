// The raw TCP echo server (lesson 12). See tcp_echo_server.hpp.
// @lesson 12
#include "src/bench/tcp_echo_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <stdexcept>
#include <unordered_map>
#include <vector>

namespace duplex::bench {

namespace {

volatile std::sig_atomic_t g_stop = 0;
void on_signal(int) {
  g_stop = 1;
}

[[noreturn]] void fail(const std::string& call) {
  throw std::runtime_error(call + ": " + std::strerror(errno));
}

struct Peer {
  std::string pending;  // bytes the kernel did not take yet
  std::size_t offset = 0;
};

}  // namespace

// @anchor lesson12-tcp-baseline
void run_tcp_echo_server(const std::string& host, std::uint16_t port,
                         const std::function<void(const std::string& address)>& on_listening) {
  struct sigaction action {};
  action.sa_handler = on_signal;
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
  signal(SIGPIPE, SIG_IGN);

  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  if (inet_pton(AF_INET, host.c_str(), &address.sin_addr) != 1) {
    errno = EINVAL;
    fail("address " + host);
  }
  int listener = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (listener < 0) fail("socket");
  int one = 1;
  setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0)
    fail("bind " + host + ":" + std::to_string(port));
  if (listen(listener, 4096) != 0) fail("listen");
  socklen_t length = sizeof address;
  getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length);
  on_listening(host + ":" + std::to_string(ntohs(address.sin_port)));

  int epoll = epoll_create1(EPOLL_CLOEXEC);
  if (epoll < 0) fail("epoll_create1");
  epoll_event event{};
  event.events = EPOLLIN;
  event.data.fd = listener;
  epoll_ctl(epoll, EPOLL_CTL_ADD, listener, &event);

  std::unordered_map<int, Peer> peers;
  std::vector<char> buffer(64 * 1024);
  std::vector<epoll_event> ready(256);
  auto drop = [&](int fd) {
    epoll_ctl(epoll, EPOLL_CTL_DEL, fd, nullptr);
    close(fd);
    peers.erase(fd);
  };
  while (g_stop == 0) {
    int n = epoll_wait(epoll, ready.data(), static_cast<int>(ready.size()), 500);
    for (int i = 0; i < n; ++i) {
      int fd = ready[static_cast<std::size_t>(i)].data.fd;
      std::uint32_t what = ready[static_cast<std::size_t>(i)].events;
      if (fd == listener) {
        for (;;) {
          int client = accept4(listener, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
          if (client < 0) break;
          setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
          epoll_event added{};
          added.events = EPOLLIN;
          added.data.fd = client;
          epoll_ctl(epoll, EPOLL_CTL_ADD, client, &added);
          peers[client];
        }
        continue;
      }
      auto it = peers.find(fd);
      if (it == peers.end()) continue;
      Peer& peer = it->second;
      if (!peer.pending.empty()) {
        // Waiting for EPOLLOUT: write the rest, then read again.
        ssize_t sent = send(fd, peer.pending.data() + peer.offset,
                            peer.pending.size() - peer.offset, MSG_NOSIGNAL);
        if (sent < 0 && errno != EAGAIN) {
          drop(fd);
          continue;
        }
        if (sent > 0) peer.offset += static_cast<std::size_t>(sent);
        if (peer.offset == peer.pending.size()) {
          peer.pending.clear();
          peer.offset = 0;
          epoll_event changed{};
          changed.events = EPOLLIN;
          changed.data.fd = fd;
          epoll_ctl(epoll, EPOLL_CTL_MOD, fd, &changed);
        }
        continue;
      }
      if ((what & (EPOLLIN | EPOLLHUP | EPOLLERR)) == 0) continue;
      ssize_t got = read(fd, buffer.data(), buffer.size());
      if (got == 0 || (got < 0 && errno != EAGAIN)) {
        drop(fd);
        continue;
      }
      if (got < 0) continue;
      ssize_t sent = send(fd, buffer.data(), static_cast<std::size_t>(got), MSG_NOSIGNAL);
      if (sent < 0 && errno != EAGAIN) {
        drop(fd);
        continue;
      }
      if (sent < 0) sent = 0;
      if (sent < got) {
        peer.pending.assign(buffer.data() + sent, static_cast<std::size_t>(got - sent));
        peer.offset = 0;
        epoll_event changed{};
        changed.events = EPOLLOUT;
        changed.data.fd = fd;
        epoll_ctl(epoll, EPOLL_CTL_MOD, fd, &changed);
      }
    }
  }
  for (auto& [fd, peer] : peers) close(fd);
  close(listener);
  close(epoll);
}

}  // namespace duplex::bench
