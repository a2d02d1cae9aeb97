// FileCache (lesson 12): small files in memory, revalidated by one fstatat at most once per
// interval. See file_cache.hpp.
// @lesson 12
#include "src/http/file_cache.hpp"

#include <fcntl.h>

namespace duplex::http {

bool same_file_version(const struct stat& a, const struct stat& b) noexcept {
  return a.st_dev == b.st_dev && a.st_ino == b.st_ino && a.st_size == b.st_size &&
         a.st_mtim.tv_sec == b.st_mtim.tv_sec && a.st_mtim.tv_nsec == b.st_mtim.tv_nsec &&
         a.st_ctim.tv_sec == b.st_ctim.tv_sec && a.st_ctim.tv_nsec == b.st_ctim.tv_nsec;
}

// @anchor lesson12-file-cache-find
// ctime as well as mtime: a writer can set mtime back (touch -d, tar, rsync -t), but every
// change of content or metadata moves ctime, which no system call lets a process set.
const FileCache::Entry* FileCache::find(int root_fd, std::string_view relative) {
  auto it = entries_.find(relative);
  if (it == entries_.end()) return nullptr;
  struct stat now {};
  // The key came from a request path: a std::string, so c_str() is NUL-terminated.
  if (::fstatat(root_fd, it->first.c_str(), &now, 0) != 0 ||
      !same_file_version(now, it->second.identity)) {
    erase(it);
    return nullptr;
  }
  return &it->second;
}

// @anchor lesson12-file-cache-window
// The bound on staleness is the interval: an entry is trusted for revalidate_interval after
// the fstatat that last confirmed it (or after it was read), then asked about again.
const FileCache::Entry* FileCache::find(int root_fd, std::string_view relative,
                                        Clock::time_point now) {
  auto it = entries_.find(relative);
  if (it == entries_.end()) return nullptr;
  Entry& entry = it->second;
  if (now - entry.checked < limits_.revalidate_interval && now >= entry.checked) return &entry;
  struct stat current {};
  if (::fstatat(root_fd, it->first.c_str(), &current, 0) != 0 ||
      !same_file_version(current, entry.identity)) {
    erase(it);
    return nullptr;
  }
  entry.checked = now;
  return &entry;
}

const FileCache::Entry* FileCache::insert(std::string_view relative, Entry entry) {
  auto old = entries_.find(relative);
  if (old != entries_.end()) erase(old);
  if (!entry.body) entry.body = std::make_shared<const std::string>();
  std::size_t size = entry.body->size();
  if (size > limits_.max_file_bytes || entries_.size() >= limits_.max_entries ||
      total_bytes_ + size > limits_.max_total_bytes) {
    // Full: the files cached first stay. No eviction policy to tune, and a stale entry frees
    // its place the next time its name is asked for.
    return nullptr;
  }
  total_bytes_ += size;
  return &entries_.emplace(std::string(relative), std::move(entry)).first->second;
}

void FileCache::erase(std::unordered_map<std::string, Entry, Hash, std::equal_to<>>::iterator it) {
  total_bytes_ -= it->second.body->size();
  entries_.erase(it);
}

}  // namespace duplex::http
