// StaticFiles (lesson 06): files, validators, conditional and range requests. See
// static_files.hpp.
// @lesson 06
#include "src/http/static_files.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <stdexcept>

#include "src/http/http_date.hpp"
#include "src/http/mime_types.hpp"
#include "src/http/syntax.hpp"

namespace duplex::http {

namespace {

constexpr std::string_view kIndex = "index.html";

// O_NONBLOCK: opening a FIFO someone left in the root must not block the loop (it is then
// refused as not a regular file). It changes nothing for reading a regular file.
constexpr int kOpenFlags = O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY;

// openat2(2) has no glibc wrapper (glibc 2.36).
int openat2_beneath(int directory, const char* path) {
  open_how how{};
  how.flags = kOpenFlags;
  // RESOLVE_BENEATH: no "..", no absolute path or symlink, nothing that resolves outside
  // `directory`. RESOLVE_NO_MAGICLINKS: no /proc/self/fd/N style links either.
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
  return static_cast<int>(::syscall(SYS_openat2, directory, path, &how, sizeof how));
}

std::optional<std::string> canonical(const std::string& path) {
  char resolved[PATH_MAX];
  if (::realpath(path.c_str(), resolved) == nullptr) return std::nullopt;
  return std::string(resolved);
}

bool inside(const std::string& path, const std::string& root) {
  return path == root || (path.size() > root.size() && path.compare(0, root.size(), root) == 0 &&
                          path[root.size()] == '/');
}

bool has_hidden_segment(std::string_view path) {
  return path.find("/.") != std::string_view::npos;
}

// Appends `value` in lower-case hexadecimal, without leading zeros.
char* put_hex(char* out, std::uint64_t value) {
  char digits[16];
  int count = 0;
  do {
    digits[count++] = "0123456789abcdef"[value & 0xf];
    value >>= 4;
  } while (value != 0);
  while (count > 0) *out++ = digits[--count];
  return out;
}

// A strong validator from size and modification time (nanoseconds): it changes whenever the
// file is rewritten, and two files rarely share both. RFC 9110 §8.8.3. Written by hand, not
// with snprintf: it is built for every response.
constexpr std::size_t kEtagMax = 2 + 16 + 1 + 16;
std::string_view make_etag(const struct stat& info, char (&text)[kEtagMax]) {
  auto nanoseconds = static_cast<std::uint64_t>(info.st_mtim.tv_sec) * 1000000000ULL +
                     static_cast<std::uint64_t>(info.st_mtim.tv_nsec);
  char* out = text;
  *out++ = '"';
  out = put_hex(out, static_cast<std::uint64_t>(info.st_size));
  *out++ = '-';
  out = put_hex(out, nanoseconds);
  *out++ = '"';
  return {text, static_cast<std::size_t>(out - text)};
}

// RFC 9110 §13.1.2: If-None-Match uses the weak comparison (W/ prefixes ignored); "*" matches
// any current representation.
bool none_match(std::string_view list, std::string_view etag) {
  bool matched = false;
  for_each_list_element(list, [&](std::string_view tag) {
    if (tag == "*") matched = true;
    if (tag.substr(0, 2) == "W/") tag.remove_prefix(2);
    if (tag == etag) matched = true;
  });
  return matched;
}

std::string_view error_text(int status) {
  switch (status) {
    case 403:
      return "403 Forbidden\n";
    case 404:
      return "404 Not Found\n";
    default:
      return "500 Internal Server Error\n";
  }
}

bool parse_decimal(std::string_view text, std::uint64_t& value) {
  if (text.empty() || text.size() > 19) return false;
  value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return true;
}

// @anchor lesson06-conditional
// RFC 9110 §13.2.2: If-None-Match first; If-Modified-Since only when there is none.
bool is_not_modified(const RequestHead& request, std::string_view etag, std::time_t modified) {
  if (auto tags = request.headers.get("If-None-Match")) return none_match(*tags, etag);
  if (auto since = request.headers.get("If-Modified-Since")) {
    auto date = parse_http_date(*since);
    return date && modified <= *date;
  }
  return false;
}

}  // namespace

// @anchor lesson06-range
ByteRange parse_byte_range(std::string_view value, std::uint64_t size) {
  ByteRange range;
  value = trim_ows(value);
  if (value.substr(0, 6) != "bytes=") return range;  // another unit: ignore (§14.1.1)
  std::string_view spec = trim_ows(value.substr(6));
  if (spec.find(',') != std::string_view::npos) return range;  // several ranges: ignore
  std::size_t dash = spec.find('-');
  if (dash == std::string_view::npos) return range;
  std::string_view first_text = spec.substr(0, dash);
  std::string_view last_text = spec.substr(dash + 1);
  std::uint64_t first = 0, last = 0;
  if (first_text.empty()) {
    // "bytes=-N": the last N bytes (§14.1.2 suffix-range). N = 0 can never be satisfied.
    if (!parse_decimal(last_text, last)) return range;
    if (last == 0 || size == 0) {
      range.kind = ByteRange::Kind::kUnsatisfiable;
      return range;
    }
    range.kind = ByteRange::Kind::kSatisfiable;
    range.first = last >= size ? 0 : size - last;
    range.last = size - 1;
    return range;
  }
  if (!parse_decimal(first_text, first)) return range;
  if (!last_text.empty()) {
    if (!parse_decimal(last_text, last) || last < first) return range;  // invalid: ignore
  } else {
    last = UINT64_MAX;
  }
  // §14.1.2: satisfiable when the first position is below the current length.
  if (first >= size) {
    range.kind = ByteRange::Kind::kUnsatisfiable;
    return range;
  }
  range.kind = ByteRange::Kind::kSatisfiable;
  range.first = first;
  range.last = last >= size ? size - 1 : last;
  return range;
}

StaticFiles::StaticFiles(const std::string& root, Containment containment)
    : containment_(containment) {
  auto resolved = canonical(root);
  if (resolved) root_fd_.reset(::open(resolved->c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root_fd_) throw std::runtime_error("document root " + root + " is not a directory");
  root_ = *resolved;
  if (containment_ == Containment::kKernel) {
    // Ask once whether the kernel has openat2 (ENOSYS before Linux 5.6; a seccomp filter
    // that does not know it may answer EPERM).
    net::Fd probe(openat2_beneath(root_fd_.get(), "."));
    if (!probe && (errno == ENOSYS || errno == EPERM)) containment_ = Containment::kRealpath;
  }
}

// @anchor lesson06-open-beneath
// Opens `relative` (the request path without its leading "/") under the root, or returns -1
// with errno set. With openat2 the containment check and the open are one system call, and
// there is no window between checking a path and opening it in which a link could change.
int StaticFiles::open_beneath(const char* relative) const {
  if (*relative == '\0') relative = ".";
  if (containment_ == Containment::kRealpath) return open_by_realpath(relative);
  int fd = openat2_beneath(root_fd_.get(), relative);
  // EXDEV: the path leaves the root, or passes an absolute symlink, which RESOLVE_BENEATH
  // refuses even when it points inside. realpath() tells the two apart.
  if (fd < 0 && errno == EXDEV) return open_by_realpath(relative);
  return fd;
}

// Every symbolic link resolved by realpath(), then the result must still be inside the root.
int StaticFiles::open_by_realpath(const char* relative) const {
  auto resolved = canonical(root_ + "/" + relative);
  if (!resolved) return -1;
  if (!inside(*resolved, root_)) {
    errno = ENOENT;
    return -1;
  }
  return ::open(resolved->c_str(), kOpenFlags | O_NOFOLLOW);
}

// @anchor lesson06-static-serve
void StaticFiles::serve(Exchange& exchange) const {
  const RequestHead& request = exchange.request();
  auto fail = [&exchange](int status) {
    exchange.respond(status, "text/plain; charset=utf-8", std::string(error_text(status)));
  };
  if (request.method_id != Method::kGet && request.method_id != Method::kHead) {
    Response response(405, "405 Method Not Allowed\n");
    response.add("Content-Type", "text/plain; charset=utf-8").add("Allow", "GET, HEAD");
    exchange.respond(std::move(response));
    return;
  }
  const std::string& path = request.path;
  if (path.empty() || path.front() != '/' || has_hidden_segment(path)) {
    fail(404);
    return;
  }
#if DUPLEX_LESSON >= 12
  if (serve_cached(exchange)) return;
#endif
  // The path is decoded and free of dot segments (normalize_path), so it names a place under
  // the root; open_beneath() makes sure symbolic links do not lead out of it.
  net::Fd file(open_beneath(path.c_str() + 1));
  if (!file) {
    fail(errno == EACCES ? 403 : 404);
    return;
  }
  struct stat info {};
  if (::fstat(file.get(), &info) != 0) {
    fail(404);
    return;
  }
  std::string_view name = path;
  if (S_ISDIR(info.st_mode)) {
    if (path.back() != '/') {
      // Relative links in /dir/index.html resolve against /dir/, not /.
      Response response(301, "");
      std::string location = path + "/";
      if (request.has_query) location += "?" + std::string(request.query);
      response.add("Location", location);
      exchange.respond(std::move(response));
      return;
    }
    std::string index = path.substr(1) + std::string(kIndex);
    file.reset(open_beneath(index.c_str()));
    if (!file || ::fstat(file.get(), &info) != 0) {
      fail(!file && errno == EACCES ? 403 : 404);
      return;
    }
    name = kIndex;
  }
  // Only regular files: not a FIFO, a device or a socket someone left in the root.
  if (!S_ISREG(info.st_mode)) {
    fail(404);
    return;
  }
  auto size = static_cast<std::uint64_t>(info.st_size);
  char etag_text[kEtagMax];
  std::string_view etag = make_etag(info, etag_text);
  char date_text[kHttpDateSize];
  std::string_view last_modified = write_http_date(info.st_mtim.tv_sec, date_text);

#if DUPLEX_LESSON >= 12
  // @anchor lesson12-file-cache
  // A small file is read once, here, and kept with the fields of its 200 and 304 responses;
  // the next requests for it are answered from memory after one fstatat (serve_cached).
  auto range_field = request.headers.get("Range");
  if (!range_field && cache_.has_room_for(size)) {
    FileCache::Entry entry;
    entry.identity = info;
    auto body = std::make_shared<std::string>(static_cast<std::size_t>(size), '\0');
    std::size_t got = 0;
    for (ssize_t n = 1; got < size && (n > 0 || errno == EINTR); got += n > 0 ? n : 0) {
      n = ::pread(file.get(), body->data() + got, body->size() - got, static_cast<off_t>(got));
    }
    entry.body = std::move(body);
    // A file that shrank under us is not cached (send_file() handles it), nor one whose
    // identity moved while it was read: the bytes might mix two versions, and the window
    // (kFileCacheRevalidateInterval) would keep serving them.
    struct stat after {};
    if (got == size && ::fstat(file.get(), &after) == 0 && same_file_version(after, info)) {
      entry.checked = exchange.loop().now();
      entry.etag = std::string(etag);
      entry.modified = info.st_mtim.tv_sec;
      entry.ok.add("Content-Type", mime_type_for(name))
          .add("ETag", etag)
          .add("Last-Modified", last_modified)
          .add("Accept-Ranges", "bytes");
      entry.not_modified.add("ETag", etag).add("Last-Modified", last_modified);
      std::string key = name == kIndex ? path.substr(1) + std::string(kIndex) : path.substr(1);
      if (const FileCache::Entry* kept = cache_.insert(key, std::move(entry))) {
        serve_entry(exchange, *kept);
        return;
      }
    }
  }
#endif

  if (is_not_modified(request, etag, info.st_mtim.tv_sec)) {
    // §15.4.5: a 304 carries the validators a 200 would have had, and no body.
    Response response(304);
    response.add("ETag", etag).add("Last-Modified", last_modified);
    exchange.respond(std::move(response));
    return;
  }

  Response response(200);
  response.add("Content-Type", mime_type_for(name))
      .add("ETag", etag)
      .add("Last-Modified", last_modified)
      .add("Accept-Ranges", "bytes");
  std::uint64_t offset = 0;
  std::uint64_t length = size;
#if DUPLEX_LESSON < 12
  auto range_field = request.headers.get("Range");
#endif
  if (range_field && request.method_id == Method::kGet) {
    // §13.1.5: If-Range makes the range conditional on the representation being the one the
    // client already holds part of; otherwise the whole file is sent.
    bool range_applies = true;
    if (auto if_range = request.headers.get("If-Range")) {
      range_applies = *if_range == etag || *if_range == last_modified;
    }
    ByteRange range = range_applies ? parse_byte_range(*range_field, size) : ByteRange{};
    if (range.kind == ByteRange::Kind::kUnsatisfiable) {
      Response refused(416, "416 Range Not Satisfiable\n");
      refused.add("Content-Type", "text/plain; charset=utf-8")
          .add("Content-Range", "bytes */" + std::to_string(size));
      exchange.respond(std::move(refused));
      return;
    }
    if (range.kind == ByteRange::Kind::kSatisfiable) {
      response.status = 206;
      response.add("Content-Range", "bytes " + std::to_string(range.first) + "-" +
                                        std::to_string(range.last) + "/" + std::to_string(size));
      offset = range.first;
      length = range.last - range.first + 1;
    }
  }
  exchange.send_file(std::move(response), std::move(file), offset, length);
}

#if DUPLEX_LESSON >= 12
StaticFiles::StaticFiles(const std::string& root, Containment containment, FileCacheLimits limits)
    : StaticFiles(root, containment) {
  cache_ = FileCache(limits);
}

// @anchor lesson12-serve-cached
// The cached path: the name the slow path would end up opening ("index.html" for a
// directory), looked up, revalidated with one fstatat at most once per interval (the loop's
// time of this round is the clock), answered from memory. A Range request takes the slow path
// (sendfile from the offset), and so does every miss.
bool StaticFiles::serve_cached(Exchange& exchange) const {
  const RequestHead& request = exchange.request();
  if (cache_.entries() == 0 || request.headers.get("Range")) return false;
  std::string_view relative = std::string_view(request.path).substr(1);
  FileCache::Clock::time_point now = exchange.loop().now();
  const FileCache::Entry* entry = nullptr;
  if (relative.empty() || relative.back() == '/') {
    entry = cache_.find(root_fd_.get(), std::string(relative) + std::string(kIndex), now);
  } else {
    entry = cache_.find(root_fd_.get(), relative, now);
  }
  if (entry == nullptr) return false;
  serve_entry(exchange, *entry);
  return true;
}

void StaticFiles::serve_entry(Exchange& exchange, const FileCache::Entry& entry) const {
  if (is_not_modified(exchange.request(), entry.etag, entry.modified)) {
    exchange.respond(entry.not_modified, {});  // §15.4.5: validators, no body
    return;
  }
  exchange.respond_shared(entry.ok, entry.body);
}
#endif

}  // namespace duplex::http
