// Socket helpers for the net tests (lessons 01 and 02).
//
// Every stream these helpers return already has a receive and a send timeout, so a test that
// waits for bytes that never come fails with "read: Resource temporarily unavailable" instead
// of hanging.
#pragma once

#include <chrono>
#include <string>
#include <utility>

#include "src/net/tcp_stream.hpp"

namespace duplex::testing {

inline constexpr std::chrono::milliseconds kIoTimeout{5000};

// A connected pair of local stream sockets (socketpair): no network, no ports.
std::pair<net::TcpStream, net::TcpStream> socket_pair();

// A real TCP connection over loopback: {client, server side}. `host` is "127.0.0.1" or "::1".
std::pair<net::TcpStream, net::TcpStream> tcp_pair(const std::string& host = "127.0.0.1");

// Whether `fd` names an open descriptor in this process (fcntl F_GETFD).
bool fd_is_open(int fd);

// Reads until end of stream (each read bounded by the stream's receive timeout).
std::string read_to_end(net::TcpStream& stream);

// Whether this machine can bind the IPv6 loopback address ::1.
bool ipv6_loopback_available();

}  // namespace duplex::testing
