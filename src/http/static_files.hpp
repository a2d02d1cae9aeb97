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
//    to a place inside the root. The kernel checks that while it opens the file (openat2 with
//    RESOLVE_BENEATH, Linux 5.6), in the same system call; realpath() is the fallback.
// Large files go out with sendfile() (Exchange::send_file). Since lesson 12, small ones are kept in
// a FileCache and answered from memory after one fstatat (file_cache.hpp).
// @lesson 06
#pragma once

#include <string>

#include "src/http/exchange.hpp"
#include "src/net/fd.hpp"
#if DUPLEX_LESSON >= 12
#include "src/http/file_cache.hpp"
#endif

namespace duplex::http {

class StaticFiles {
 public:
  // How a path is kept inside the root.
  enum class Containment {
    // openat2(root, path, RESOLVE_BENEATH): the kernel refuses, while it resolves the path,
    // any "..", absolute symlink or symlink that leaves the root; one system call per file.
    // A path it refuses (EXDEV) gets a second opinion from kRealpath, so an absolute link that
    // points inside the root is still served. Falls back to kRealpath where openat2 does not
    // exist (before Linux 5.6, or a seccomp filter that blocks it).
    kKernel,
    // realpath() resolves every component (one readlink per component), the result must start
    // with the root, then open() with O_NOFOLLOW. Portable, and several times the system calls.
    kRealpath,
  };

  // Throws std::runtime_error if `root` is not a directory.
  explicit StaticFiles(const std::string& root, Containment containment = Containment::kKernel);
#if DUPLEX_LESSON >= 12
  // Small files are served from a FileCache (lesson 12) bounded by `limits`.
  StaticFiles(const std::string& root, Containment containment, FileCacheLimits limits);
  const FileCache& cache() const {
    return cache_;
  }
#endif

  void serve(Exchange& exchange) const;
  // A handler for Router::fallback (this object must outlive it).
  std::function<void(Exchange&)> handler() const {
    return [this](Exchange& exchange) { serve(exchange); };
  }
  const std::string& root() const {
    return root_;
  }
  // The containment in effect: kRealpath when kKernel was asked for but openat2 is missing.
  Containment containment() const {
    return containment_;
  }

 private:
  int open_beneath(const char* relative) const;
  int open_by_realpath(const char* relative) const;
#if DUPLEX_LESSON >= 12
  bool serve_cached(Exchange& exchange) const;
  void serve_entry(Exchange& exchange, const FileCache::Entry& entry) const;
#endif

  std::string root_;  // canonical (realpath), no trailing slash
  net::Fd root_fd_;   // the root directory, for openat2
  Containment containment_;
#if DUPLEX_LESSON >= 12
  // serve() is const for its callers; the cache is what it remembers between requests.
  mutable FileCache cache_;
#endif
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
