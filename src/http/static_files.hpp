// StaticFiles: a document root served over HTTP (lesson 06).
//
// GET and HEAD for the files under one directory, with what browsers and caches expect:
//  - Content-Type by extension (mime_types.hpp);
//  - validators, ETag and Last-Modified (RFC 9110 §8.8), and the conditional requests they
//    enable: If-None-Match and If-Modified-Since answered 304 Not Modified (§13.1.1, §13.1.3,
//    evaluated in the order of §13.2.2);
//  - byte ranges (RFC 9110 §14): "Range: bytes=a-b" answered 206 Partial Content, or 416 Range
//    Not Satisfiable, honouring If-Range (§13.1.5);
//  - "index.html" for a directory, and a redirect from "/dir" to "/dir/" so relative links work;
//  - no way out of the root: the parser has already decoded and normalised the path (no "..",
//    even encoded), dot-files are hidden, and a symbolic link is followed only if it resolves
//    to a place inside the root.
// Large files go out with sendfile() (Exchange::send_file).
#pragma once

#include <string>

#include "src/http/exchange.hpp"

namespace duplex::http {

class StaticFiles {
 public:
  // Throws std::runtime_error if `root` is not a directory.
  explicit StaticFiles(const std::string& root);

  void serve(Exchange& exchange) const;
  // A handler for Router::fallback (this object must outlive it).
  std::function<void(Exchange&)> handler() const {
    return [this](Exchange& exchange) { serve(exchange); };
  }
  const std::string& root() const { return root_; }

 private:
  std::string root_;  // canonical (realpath), no trailing slash
};

// Parses a Range field value for a representation of `size` bytes (RFC 9110 §14.1.2). Only a
// single "bytes" range is served; anything else (several ranges, other units, bad syntax) is
// ignored and the whole file is sent, which RFC 9110 §14.2 permits.
struct ByteRange {
  enum class Kind { kIgnore, kSatisfiable, kUnsatisfiable };
  Kind kind = Kind::kIgnore;
  std::uint64_t first = 0;
  std::uint64_t last = 0;  // inclusive
};
ByteRange parse_byte_range(std::string_view value, std::uint64_t size);

}  // namespace duplex::http
