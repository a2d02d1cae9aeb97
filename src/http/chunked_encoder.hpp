// The chunked transfer coding, encoded (lesson 05).
//
// RFC 9112 §7.1: each chunk is its size in hex, CRLF, the data, CRLF; the body ends with a
// zero-size chunk, an optional trailer section (§7.1.2) and CRLF. Used with
// serialize_head(response, {BodyFraming::Kind::kChunked}) to stream a body of unknown length.
// @lesson 05
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace duplex::http {

class ChunkedEncoder {
 public:
  // Appends one chunk holding `data` to `out`. Empty data appends nothing: a zero-size chunk
  // would end the body. Throws std::logic_error after finish().
  void encode(std::string_view data, std::string& out);

  // Appends the last chunk, the trailer fields and the final CRLF. Throws std::invalid_argument
  // for a trailer name that is not a token or a value with control bytes.
  void finish(std::string& out,
              const std::vector<std::pair<std::string, std::string>>& trailers = {});

  bool finished() const { return finished_; }

 private:
  bool finished_ = false;
};

}  // namespace duplex::http
