// FileCache: small static files kept in memory, checked against the disk at most once per
// revalidation interval.
// @lesson 12
//
// A 13-byte file served from disk costs open, fstat, pread and close on every request, four
// of the six system calls a keep-alive request needs. The cache keeps the bytes of small files
// and the response fields built from them (Content-Type, ETag, Last-Modified). An entry is
// revalidated with one fstatat: the file is still the one that was read when device, inode,
// size, modification time and status-change time are all unchanged. A rewrite changes mtime and
// ctime, a rename over the file changes the inode, a truncation the size; any of them makes the
// entry stale, it is dropped and the request takes the path that opens the file (and caches it
// again). An entry checked less than `revalidate_interval` ago is used without a system call:
// a change on disk is seen at most that long after it happened (kFileCacheRevalidateInterval,
// one second; nginx's open_file_cache_valid is the same idea, 60 s by default). Within the
// window the entry answers with the bytes and the validators of one and the same version, so a
// response is old at worst, never a mix of two versions.
//
// The cache only ever serves bytes that were read through a descriptor the containment check
// opened (static_files.hpp); a path that now leads elsewhere leads to another inode, so it
// misses. Bounded three ways (FileCacheLimits, documented in docs/http.md). Not thread-safe:
// one per event loop, like the StaticFiles that owns it.
#pragma once

#include <sys/stat.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <ctime>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "src/http/response.hpp"

namespace duplex::http {

// How long an entry is used without asking the disk again: the longest a change to a cached
// file can go unseen. Short enough for a person editing a page, long enough that a busy file
// costs one fstatat per second instead of one per request.
inline constexpr std::chrono::milliseconds kFileCacheRevalidateInterval{1000};

struct FileCacheLimits {
  std::size_t max_entries = 1024;                      // files kept
  std::size_t max_file_bytes = 64 * 1024;              // larger files go out with sendfile()
  std::size_t max_total_bytes = std::size_t{8} << 20;  // all cached bodies together
  // 0: every use revalidates (a change is seen on the very next request).
  std::chrono::nanoseconds revalidate_interval = kFileCacheRevalidateInterval;
};

// True when `a` and `b` describe the same version of the same file.
bool same_file_version(const struct stat& a, const struct stat& b) noexcept;

class FileCache {
 public:
  // The clock of the event loop (its time of the current round); injected by the caller, so
  // tests move it by hand.
  using Clock = std::chrono::steady_clock;

  struct Entry {
    struct stat identity {};      // from fstat() of the descriptor the bytes were read through
    Clock::time_point checked{};  // when identity was last found to match the disk
    // Shared with the connections still writing it: a response in flight keeps its version.
    std::shared_ptr<const std::string> body;
    std::string etag;
    std::time_t modified = 0;  // seconds, for If-Modified-Since
    Response ok{200};          // the fields of a 200, without a body
    Response not_modified{304};
  };

  explicit FileCache(FileCacheLimits limits = {}) : limits_(limits) {}

  // The entry for `relative` (a path under the directory `root_fd`), if one is cached and
  // fstatat() says the file is still the version that was read; a stale entry is dropped.
  // No system call when nothing is cached under that name.
  const Entry* find(int root_fd, std::string_view relative);
  // The same at time `now`: an entry checked less than revalidate_interval before `now` is
  // returned without a system call; otherwise it is revalidated as above and, if still good,
  // marked checked at `now`.
  const Entry* find(int root_fd, std::string_view relative, Clock::time_point now);
  // Keeps `entry` under `relative` unless a limit forbids it (then the cache is unchanged).
  // Returns the entry kept, or null.
  const Entry* insert(std::string_view relative, Entry entry);
  // Whether a body of `size` bytes would be kept now (asked before reading it).
  bool has_room_for(std::uint64_t size) const noexcept {
    return size <= limits_.max_file_bytes && entries_.size() < limits_.max_entries &&
           total_bytes_ + size <= limits_.max_total_bytes;
  }

  std::size_t entries() const noexcept { return entries_.size(); }
  std::size_t total_bytes() const noexcept { return total_bytes_; }
  const FileCacheLimits& limits() const noexcept { return limits_; }

 private:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view text) const noexcept {
      return std::hash<std::string_view>{}(text);
    }
  };
  void erase(std::unordered_map<std::string, Entry, Hash, std::equal_to<>>::iterator it);

  FileCacheLimits limits_;
  std::unordered_map<std::string, Entry, Hash, std::equal_to<>> entries_;
  std::size_t total_bytes_ = 0;
};

}  // namespace duplex::http
