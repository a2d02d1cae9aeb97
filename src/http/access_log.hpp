// The access log and the wire trace (lesson 06).
//
// One access-log line per request: method, target, status, body bytes and the microseconds
// from the end of the request head to the last byte of the response handed to the socket.
// The trace prints each head as it crosses the wire, prefixed like curl -v ("> " for what the
// client sent, "< " for what the server answered), so a learner sees exactly the bytes.
// @lesson 06
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace duplex::http {

// "GET /index.html 200 1234 87us\n" (a method or target of "-" when the head never parsed).
void append_access_line(std::string& out, std::string_view method, std::string_view target,
                        int status, std::uint64_t body_bytes, std::int64_t microseconds);

// Each line of `head` (CRLF-separated, the final empty line excluded) prefixed with `prefix`,
// control bytes other than tab shown as \xNN.
void append_trace(std::string& out, std::string_view prefix, std::string_view head);

}  // namespace duplex::http
