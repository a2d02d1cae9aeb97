// ParseResult: the one answer every incremental parser in Duplex gives (lesson 04).
//
// A parser is fed whatever bytes have arrived, split anywhere, and answers with how many of them
// it consumed and one of three outcomes:
//   - need more: everything offered was taken (or kept) and the message is not complete yet;
//     call again when more bytes arrive;
//   - done: a message (a request head, a body, a chunked body, a frame step) is complete;
//     `consumed` bytes of the input belong to it, the rest belong to what follows;
//   - failed: the input broke a rule; `error` says which and how to answer (an HTTP status, a
//     WebSocket close code), and the parser stays failed: a byte stream cannot be resynchronised.
// RequestParser, BodyReader, ChunkedDecoder (http) and FrameParser (ws) all answer with it; each
// layer picks its own Error type. The contract is drawn in docs/architecture.md.
// @lesson 04
#pragma once

#include <cstddef>

namespace duplex::net {

enum class ParseStatus { kNeedMore, kDone, kFailed };

template <class Error>
struct ParseResult {
  ParseStatus status = ParseStatus::kNeedMore;
  std::size_t consumed = 0;  // bytes of the input this call used up
  Error error{};             // kFailed only

  bool need_more() const noexcept { return status == ParseStatus::kNeedMore; }
  bool done() const noexcept { return status == ParseStatus::kDone; }
  bool failed() const noexcept { return status == ParseStatus::kFailed; }
};

}  // namespace duplex::net
