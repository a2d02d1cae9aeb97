// The tests' HTTP client (lessons 06 and 07). See http_client.hpp.
// @lesson 06
#include "tests/support/http_client.hpp"

#include <stdexcept>

#include "src/http/body_reader.hpp"
#include "src/http/response_parser.hpp"
#include "src/http/syntax.hpp"
#include "src/net/socket_address.hpp"
#include "tests/support/net_sockets.hpp"

namespace duplex::testing {

std::string HttpResponse::header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (http::iequals(key, name)) return value;
  }
  return "";
}

bool HttpResponse::has_header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (http::iequals(key, name)) return true;
  }
  return false;
}

HttpClient::HttpClient(std::uint16_t port, const std::string& host)
    : stream_(net::TcpStream::connect(net::SocketAddress::from_numeric(host, port))) {
  stream_.set_receive_timeout(kIoTimeout);
  stream_.set_send_timeout(kIoTimeout);
}

void HttpClient::send(std::string_view bytes) {
  stream_.write_all(bytes);
}

std::string HttpClient::format(std::string_view method, std::string_view target,
                               std::string_view extra_headers, std::string_view body) {
  std::string out;
  out.append(method).append(" ").append(target).append(" HTTP/1.1\r\nHost: test\r\n");
  out.append(extra_headers);
  if (!body.empty()) out += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  out += "\r\n";
  out.append(body);
  return out;
}

HttpResponse HttpClient::request(std::string_view method, std::string_view target,
                                 std::string_view extra_headers, std::string_view body) {
  send(format(method, target, extra_headers, body));
  return read_response(method);
}

bool HttpClient::fill() {
  char chunk[16384];
  std::size_t n = stream_.read_some(chunk);
  buffer_.append(chunk, n);
  return n > 0;
}

HttpResponse HttpClient::read_response(std::string_view method) {
  http::ResponseParser parser;
  parser.reset(method);
  http::ParseResult result;
  while (true) {
    result = parser.parse(buffer_);
    if (result.failed()) {
      throw std::runtime_error("bad response: " + std::string(result.error.reason));
    }
    if (result.done()) break;
    if (!fill()) throw std::runtime_error("connection closed before a response head");
  }
  HttpResponse response;
  const http::ResponseHead& head = parser.head();
  response.status = head.status;
  response.version_minor = head.version_minor;
  response.keep_alive = head.keep_alive();
  for (const http::Field& field : head.headers) {
    response.headers.emplace_back(std::string(field.name), std::string(field.value));
  }
  response.head = buffer_.substr(0, result.consumed);
  http::BodyFraming framing = head.body;
  buffer_.erase(0, result.consumed);
  http::ParserLimits limits;
  limits.max_body = std::uint64_t{1} << 32;
  http::BodyReader reader(framing, limits);
  while (!reader.done()) {
    http::ParseResult body = reader.feed(buffer_, response.body);
    if (body.failed()) throw std::runtime_error("bad body: " + std::string(body.error.reason));
    buffer_.erase(0, body.need_more() ? buffer_.size() : body.consumed);
    if (body.done()) break;
    if (!fill()) {
      if (reader.end_of_input().failed()) throw std::runtime_error("body cut short");
      break;
    }
  }
  return response;
}

std::string HttpClient::read_bytes(std::size_t n) {
  while (buffer_.size() < n) {
    if (!fill()) throw std::runtime_error("connection closed before the expected bytes");
  }
  std::string bytes = buffer_.substr(0, n);
  buffer_.erase(0, n);
  return bytes;
}

std::string HttpClient::read_to_end() {
  while (fill()) {
  }
  std::string rest = std::move(buffer_);
  buffer_.clear();
  return rest;
}

bool HttpClient::closed_by_server() {
  return buffer_.empty() && read_to_end().empty();
}

std::uint16_t port_of_url(const std::string& url) {
  const std::string prefix = "http://";
  auto colon = url.rfind(':');
  if (url.rfind(prefix, 0) != 0 || colon == std::string::npos || colon < prefix.size()) {
    throw std::runtime_error("not an http:// URL: " + url);
  }
  return static_cast<std::uint16_t>(std::stoul(url.substr(colon + 1)));
}

}  // namespace duplex::testing
