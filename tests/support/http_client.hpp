// A small blocking HTTP/1.1 client for the tests (lessons 06 and 07).
//
// Built on TcpStream and the project's own ResponseParser and BodyReader, so the tests speak
// HTTP exactly as the parser understands it. Every read is bounded by the stream's receive
// timeout (kIoTimeout), so a server that never answers fails the test instead of hanging it.
// @lesson 06
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "src/net/tcp_stream.hpp"

namespace duplex::testing {

struct HttpResponse {
  int status = 0;
  int version_minor = 1;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string head;  // the raw head, CRLFs included
  bool keep_alive = true;

  // The first field called `name` (any case), or "" if none.
  std::string header(std::string_view name) const;
  bool has_header(std::string_view name) const;
};

class HttpClient {
 public:
  explicit HttpClient(std::uint16_t port, const std::string& host = "127.0.0.1");

  // Sends raw bytes as they are.
  void send(std::string_view bytes);
  // "GET /x HTTP/1.1\r\nHost: test\r\n<extra>\r\n<body>" with Content-Length when body is set.
  static std::string format(std::string_view method, std::string_view target,
                            std::string_view extra_headers = "", std::string_view body = "");
  // Sends a request and reads its response.
  HttpResponse request(std::string_view method, std::string_view target,
                       std::string_view extra_headers = "", std::string_view body = "");
  // Reads the next response (an interim 1xx is returned on its own). `method` is the request
  // method this response answers (HEAD has no body).
  HttpResponse read_response(std::string_view method = "GET");
  // Exactly `n` raw bytes after the responses read so far (an upgraded protocol's bytes).
  std::string read_bytes(std::size_t n);
  // Reads until the server closes; returns whatever bytes came first (often "").
  std::string read_to_end();
  // True when the server has closed the connection (end of stream, nothing pending).
  bool closed_by_server();

  net::TcpStream& stream() { return stream_; }

 private:
  bool fill();  // one read into buffer_; false at end of stream

  net::TcpStream stream_;
  std::string buffer_;
};

// "http://127.0.0.1:41234/" -> 41234; throws std::runtime_error if the line is not such a URL.
std::uint16_t port_of_url(const std::string& url);

}  // namespace duplex::testing
