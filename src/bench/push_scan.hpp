// Reading the ticker's events off the wire (lesson 12 measuring lesson 07): every push
// technique carries the same JSON objects, {"id":7,"value":1003}, so counting and timing updates
// is finding "id": numbers in whatever bytes arrive, whatever framing is around them.
// @lesson 12
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace duplex::bench {

// Finds every "id":N in `text`, calls `seen(N)` for each, and returns how many bytes are done
// with (a key or number cut off at the end is left for the next read).
template <typename Seen>
std::size_t scan_ids(std::string_view text, Seen seen) {
  constexpr std::string_view kKey = "\"id\":";
  std::size_t done = 0;
  for (;;) {
    auto at = text.find(kKey, done);
    if (at == std::string_view::npos) {
      return text.size() >= kKey.size() ? std::max(done, text.size() - kKey.size() + 1) : done;
    }
    std::size_t position = at + kKey.size();
    std::uint64_t id = 0;
    while (position < text.size() && text[position] >= '0' && text[position] <= '9')
      id = id * 10 + static_cast<std::uint64_t>(text[position++] - '0');
    if (position == text.size()) return at;
    seen(id);
    done = position;
  }
}

// The "last" field of a poll answer ({"last":12,"events":[...]}), 0 when absent.
inline std::uint64_t last_field(std::string_view body) {
  auto at = body.find("\"last\":");
  if (at == std::string_view::npos) return 0;
  std::uint64_t value = 0;
  for (std::size_t i = at + 7; i < body.size() && body[i] >= '0' && body[i] <= '9'; ++i)
    value = value * 10 + static_cast<std::uint64_t>(body[i] - '0');
  return value;
}

// One complete HTTP/1.1 response with a Content-Length body at the front of `in`.
struct FramedResponse {
  int status = 0;
  std::size_t length = 0;  // head + body: the bytes to drop from `in`
  std::string_view body;
  bool closing = false;  // "Connection: close": the server ends the connection after it
};

// nullopt while the response is incomplete; status 0 when the head is not one we can frame
// (no Content-Length, a bad status line): the caller reports it.
inline std::optional<FramedResponse> take_response(std::string_view in) {
  auto head_end = in.find("\r\n\r\n");
  if (head_end == std::string_view::npos) return std::nullopt;
  FramedResponse response;
  std::string_view head = in.substr(0, head_end + 2);
  if (head.size() < 12 || head.substr(0, 9) != "HTTP/1.1 ") return response;
  for (std::size_t i = 9; i < 12; ++i) {
    if (head[i] < '0' || head[i] > '9') return response;
  }
  const int status = (head[9] - '0') * 100 + (head[10] - '0') * 10 + (head[11] - '0');
  std::size_t body_length = 0;
  auto length_at = head.find("\r\nContent-Length: ");
  if (length_at != std::string_view::npos) {
    for (std::size_t i = length_at + 18; i < head.size() && head[i] >= '0' && head[i] <= '9'; ++i)
      body_length = body_length * 10 + static_cast<std::size_t>(head[i] - '0');
  } else if (status != 204 && status != 304) {
    return response;
  }
  if (in.size() < head_end + 4 + body_length) return std::nullopt;
  response.status = status;
  response.length = head_end + 4 + body_length;
  response.body = in.substr(head_end + 4, body_length);
  response.closing = head.find("\r\nConnection: close") != std::string_view::npos;
  return response;
}

}  // namespace duplex::bench
