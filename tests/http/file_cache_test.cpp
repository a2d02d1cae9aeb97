// Tests for FileCache and the cached path of StaticFiles (lesson 12): hits, every kind of
// change that must invalidate an entry, the revalidation window (with the clock moved by hand),
// the limits, 304 and HEAD from the cache, and no epoll_ctl per keep-alive request.
// @lesson 12
#include "src/http/file_cache.hpp"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "src/http/static_files.hpp"
#include "src/net/fd.hpp"
#include "tests/http/server_fixture.hpp"
#include "tests/support/http_client.hpp"

namespace duplex {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using http::FileCache;
using testing::HttpClient;
using testing::TestServer;

void write_file(const fs::path& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary);
  out << content;
}

struct stat stat_of(const fs::path& path) {
  struct stat info {};
  EXPECT_EQ(::stat(path.c_str(), &info), 0);
  return info;
}

// Moves the modification time of `path` by `seconds`, explicitly: no waiting for the clock.
void shift_mtime(const fs::path& path, long seconds) {
  struct stat info = stat_of(path);
  timespec times[2] = {info.st_atim, info.st_mtim};
  times[1].tv_sec += seconds;
  ASSERT_EQ(::utimensat(AT_FDCWD, path.c_str(), times, 0), 0);
}

class TempRoot : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/duplex-cache-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    root_ = pattern;
    root_fd_.reset(::open(root_.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    ASSERT_TRUE(root_fd_);
  }
  void TearDown() override { fs::remove_all(root_); }

  FileCache::Entry entry_for(const std::string& name, const std::string& content) {
    write_file(root_ / name, content);
    FileCache::Entry entry;
    entry.identity = stat_of(root_ / name);
    entry.body = std::make_shared<const std::string>(content);
    return entry;
  }

  fs::path root_;
  net::Fd root_fd_;
};

using L12_FileCache = TempRoot;

TEST_F(L12_FileCache, HitWhileTheFileIsUnchanged) {
  FileCache cache;
  EXPECT_EQ(cache.find(root_fd_.get(), "a.txt"), nullptr) << "nothing cached yet";
  ASSERT_NE(cache.insert("a.txt", entry_for("a.txt", "hello")), nullptr);
  const FileCache::Entry* hit = cache.find(root_fd_.get(), "a.txt");
  ASSERT_NE(hit, nullptr);
  EXPECT_EQ(*hit->body, "hello");
  EXPECT_EQ(cache.entries(), 1u);
  EXPECT_EQ(cache.total_bytes(), 5u);
}

// Each part of the identity on its own: an entry whose recorded identity differs from the
// file's in that one field is stale.
TEST_F(L12_FileCache, EveryFieldOfTheIdentityCounts) {
  using Mutate = void (*)(struct stat&);
  const Mutate mutations[] = {
      [](struct stat& s) { s.st_dev += 1; },          [](struct stat& s) { s.st_ino += 1; },
      [](struct stat& s) { s.st_size += 1; },         [](struct stat& s) { s.st_mtim.tv_sec += 1; },
      [](struct stat& s) { s.st_mtim.tv_nsec ^= 1; }, [](struct stat& s) { s.st_ctim.tv_sec += 1; },
      [](struct stat& s) { s.st_ctim.tv_nsec ^= 1; },
  };
  for (std::size_t i = 0; i < std::size(mutations); ++i) {
    FileCache cache;
    FileCache::Entry entry = entry_for("a.txt", "hello");
    mutations[i](entry.identity);
    ASSERT_NE(cache.insert("a.txt", std::move(entry)), nullptr);
    EXPECT_EQ(cache.find(root_fd_.get(), "a.txt"), nullptr) << "mutation " << i;
    EXPECT_EQ(cache.entries(), 0u) << "a stale entry is dropped";
    EXPECT_EQ(cache.total_bytes(), 0u);
  }
}

TEST_F(L12_FileCache, ChangesOnDiskInvalidate) {
  FileCache cache;
  cache.insert("a.txt", entry_for("a.txt", "hello"));
  shift_mtime(root_ / "a.txt", -100);  // touch -d: mtime (and ctime) move
  EXPECT_EQ(cache.find(root_fd_.get(), "a.txt"), nullptr) << "mtime";

  cache.insert("a.txt", entry_for("a.txt", "hello"));
  std::ofstream(root_ / "a.txt", std::ios::app) << "!";
  EXPECT_EQ(cache.find(root_fd_.get(), "a.txt"), nullptr) << "size";

  cache.insert("a.txt", entry_for("a.txt", "hello"));
  write_file(root_ / "b.txt", "HELLO");
  fs::rename(root_ / "b.txt", root_ / "a.txt");
  EXPECT_EQ(cache.find(root_fd_.get(), "a.txt"), nullptr) << "inode (renamed over)";

  cache.insert("a.txt", entry_for("a.txt", "hello"));
  fs::remove(root_ / "a.txt");
  EXPECT_EQ(cache.find(root_fd_.get(), "a.txt"), nullptr) << "removed";
  EXPECT_EQ(cache.entries(), 0u);
}

TEST_F(L12_FileCache, LimitsBoundEntriesFileSizeAndTotal) {
  FileCache by_count({.max_entries = 2, .max_file_bytes = 100, .max_total_bytes = 1000});
  EXPECT_NE(by_count.insert("a", entry_for("a", "1")), nullptr);
  EXPECT_NE(by_count.insert("b", entry_for("b", "2")), nullptr);
  EXPECT_FALSE(by_count.has_room_for(1));
  EXPECT_EQ(by_count.insert("c", entry_for("c", "3")), nullptr);
  EXPECT_NE(by_count.insert("a", entry_for("a", "11")), nullptr) << "replacing is no new entry";
  EXPECT_EQ(by_count.entries(), 2u);
  EXPECT_EQ(by_count.total_bytes(), 3u);

  FileCache by_size({.max_entries = 10, .max_file_bytes = 4, .max_total_bytes = 1000});
  EXPECT_TRUE(by_size.has_room_for(4));
  EXPECT_FALSE(by_size.has_room_for(5));
  EXPECT_EQ(by_size.insert("big", entry_for("big", "12345")), nullptr);

  FileCache by_total({.max_entries = 10, .max_file_bytes = 100, .max_total_bytes = 6});
  EXPECT_NE(by_total.insert("a", entry_for("a", "1234")), nullptr);
  EXPECT_EQ(by_total.insert("b", entry_for("b", "123")), nullptr);
  EXPECT_NE(by_total.insert("c", entry_for("c", "12")), nullptr);
  EXPECT_EQ(by_total.total_bytes(), 6u);
  fs::remove(root_ / "a");
  EXPECT_EQ(by_total.find(root_fd_.get(), "a"), nullptr);
  EXPECT_EQ(by_total.total_bytes(), 2u) << "a stale entry gives its bytes back";
  EXPECT_NE(by_total.insert("b", entry_for("b", "123")), nullptr);
}

// The clock is the caller's: these tests pass the time points by hand. A removed file makes
// fstatat fail, so a hit after the removal proves that no fstatat was made.
TEST_F(L12_FileCache, WithinTheIntervalNoSystemCallAfterItTheDiskDecides) {
  FileCache cache({.revalidate_interval = 1s});
  const FileCache::Clock::time_point start(1h);
  FileCache::Entry entry = entry_for("a.txt", "hello");
  entry.checked = start;
  ASSERT_NE(cache.insert("a.txt", std::move(entry)), nullptr);
  fs::remove(root_ / "a.txt");
  const FileCache::Entry* hit = cache.find(root_fd_.get(), "a.txt", start + 999ms);
  ASSERT_NE(hit, nullptr) << "checked less than an interval ago: used without fstatat";
  EXPECT_EQ(*hit->body, "hello");
  EXPECT_EQ(cache.find(root_fd_.get(), "a.txt", start + 1s), nullptr)
      << "an interval after the check, the disk is asked again";
  EXPECT_EQ(cache.entries(), 0u);
}

TEST_F(L12_FileCache, AConfirmedEntryIsTrustedForAnotherInterval) {
  FileCache cache({.revalidate_interval = 1s});
  const FileCache::Clock::time_point start(1h);
  FileCache::Entry entry = entry_for("a.txt", "hello");
  entry.checked = start;
  cache.insert("a.txt", std::move(entry));
  ASSERT_NE(cache.find(root_fd_.get(), "a.txt", start + 1s), nullptr) << "unchanged: confirmed";
  write_file(root_ / "a.txt", "HELLO, WORLD");
  const FileCache::Entry* stale = cache.find(root_fd_.get(), "a.txt", start + 1999ms);
  ASSERT_NE(stale, nullptr) << "within the interval of the confirmation";
  EXPECT_EQ(*stale->body, "hello") << "the old version, whole";
  EXPECT_EQ(stale->identity.st_size, 5);
  EXPECT_EQ(cache.find(root_fd_.get(), "a.txt", start + 2s), nullptr) << "the rewrite is seen";
}

TEST_F(L12_FileCache, ZeroIntervalOrAClockBeforeTheCheckRevalidates) {
  const FileCache::Clock::time_point start(1h);
  FileCache every_time({.revalidate_interval = 0ns});
  FileCache::Entry entry = entry_for("a.txt", "hello");
  entry.checked = start;
  every_time.insert("a.txt", std::move(entry));
  FileCache windowed({.revalidate_interval = 1s});
  entry = entry_for("a.txt", "hello");
  entry.checked = start;
  windowed.insert("a.txt", std::move(entry));
  fs::remove(root_ / "a.txt");
  EXPECT_EQ(every_time.find(root_fd_.get(), "a.txt", start), nullptr) << "interval 0";
  EXPECT_EQ(windowed.find(root_fd_.get(), "a.txt", start - 1ms), nullptr)
      << "a time before the last check proves nothing about the window";
}

// The whole server: StaticFiles with its cache.
class L12_StaticFilesCache : public TempRoot {
 protected:
  void SetUp() override {
    TempRoot::SetUp();
    fs::create_directories(root_ / "docs");
    write_file(root_ / "index.html", "<h1>home</h1>\n");
    write_file(root_ / "style.css", "body{}\n");
    write_file(root_ / "big.txt", std::string(100, 'x'));
    // Interval 0: every request revalidates, so the tests below see a change on the very next
    // request. The default window is tested on its own
    // (ChangesWithinTheWindowAreServedOldButWhole).
    files_ =
        std::make_unique<http::StaticFiles>(root_.string(), http::StaticFiles::Containment::kKernel,
                                            http::FileCacheLimits{.max_entries = 8,
                                                                  .max_file_bytes = 64,
                                                                  .max_total_bytes = 1024,
                                                                  .revalidate_interval = 0ns});
    server_ = std::make_unique<TestServer>(
        [this](http::Router& router) { router.fallback(files_->handler()); });
  }
  void TearDown() override {
    server_.reset();
    TempRoot::TearDown();
  }
  std::size_t cached() {
    return server_->call([this] { return files_->cache().entries(); });
  }

  std::unique_ptr<http::StaticFiles> files_;
  std::unique_ptr<TestServer> server_;
};

TEST_F(L12_StaticFilesCache, TheSecondRequestIsAHitWithTheSameResponse) {
  HttpClient client(server_->port());
  auto first = client.request("GET", "/style.css");
  EXPECT_EQ(cached(), 1u);
  auto second = client.request("GET", "/style.css");
  EXPECT_EQ(second.status, 200);
  EXPECT_EQ(second.body, "body{}\n");
  for (const char* name :
       {"Content-Type", "Content-Length", "ETag", "Last-Modified", "Accept-Ranges"}) {
    EXPECT_EQ(second.header(name), first.header(name)) << name;
  }
  // The directory's index is cached under the name that was opened.
  EXPECT_EQ(client.request("GET", "/").body, "<h1>home</h1>\n");
  EXPECT_EQ(client.request("GET", "/").body, "<h1>home</h1>\n");
  EXPECT_EQ(cached(), 2u);
  auto redirect = client.request("GET", "/docs");
  EXPECT_EQ(redirect.status, 301) << "a directory is never served from the cache";
}

TEST_F(L12_StaticFilesCache, ChangedFilesAreServedFresh) {
  HttpClient client(server_->port());
  EXPECT_EQ(client.request("GET", "/style.css").body, "body{}\n");
  write_file(root_ / "style.css", "body{color:red}\n");  // new size
  EXPECT_EQ(client.request("GET", "/style.css").body, "body{color:red}\n");
  write_file(root_ / "style.css", "BODY{COLOR:RED}\n");  // same size, mtime moved below
  shift_mtime(root_ / "style.css", -100);
  EXPECT_EQ(client.request("GET", "/style.css").body, "BODY{COLOR:RED}\n");
  write_file(root_ / "next.css", "next{color:red}\n");  // same size, another inode
  fs::rename(root_ / "next.css", root_ / "style.css");
  EXPECT_EQ(client.request("GET", "/style.css").body, "next{color:red}\n");
  fs::remove(root_ / "style.css");
  EXPECT_EQ(client.request("GET", "/style.css").status, 404);
  EXPECT_EQ(cached(), 0u);
}

// With a window no test outlives, a rewrite is not seen by the cached path: the response is
// the version that was read, its length and validators with it, never a mix of the two.
TEST_F(L12_StaticFilesCache, ChangesWithinTheWindowAreServedOldButWhole) {
  server_.reset();
  files_ =
      std::make_unique<http::StaticFiles>(root_.string(), http::StaticFiles::Containment::kKernel,
                                          http::FileCacheLimits{.revalidate_interval = 1h});
  server_ = std::make_unique<TestServer>(
      [this](http::Router& router) { router.fallback(files_->handler()); });
  HttpClient client(server_->port());
  auto first = client.request("GET", "/style.css");
  write_file(root_ / "style.css", "body{color:red}\n");
  auto second = client.request("GET", "/style.css");
  EXPECT_EQ(second.body, "body{}\n");
  for (const char* name : {"Content-Length", "ETag", "Last-Modified"}) {
    EXPECT_EQ(second.header(name), first.header(name)) << name;
  }
  // A Range request never uses the cache: it reads the file as it is now.
  EXPECT_EQ(client.request("GET", "/style.css", "Range: bytes=5-9\r\n").body, "color");
}

TEST_F(L12_StaticFilesCache, NotModifiedHeadAndRangeFromACachedFile) {
  HttpClient client(server_->port());
  auto first = client.request("GET", "/style.css");
  ASSERT_EQ(cached(), 1u);
  auto not_modified =
      client.request("GET", "/style.css", "If-None-Match: " + first.header("ETag") + "\r\n");
  EXPECT_EQ(not_modified.status, 304);
  EXPECT_EQ(not_modified.body, "");
  EXPECT_EQ(not_modified.header("ETag"), first.header("ETag"));
  EXPECT_EQ(not_modified.header("Last-Modified"), first.header("Last-Modified"));
  EXPECT_FALSE(not_modified.has_header("Content-Length"));
  auto since = client.request("GET", "/style.css",
                              "If-Modified-Since: " + first.header("Last-Modified") + "\r\n");
  EXPECT_EQ(since.status, 304);
  auto head = client.request("HEAD", "/style.css");
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.header("Content-Length"), "7");
  EXPECT_EQ(head.body, "");
  auto range = client.request("GET", "/style.css", "Range: bytes=0-3\r\n");
  EXPECT_EQ(range.status, 206);
  EXPECT_EQ(range.body, "body");
  EXPECT_EQ(client.request("GET", "/style.css").body, "body{}\n") << "the connection goes on";
}

TEST_F(L12_StaticFilesCache, LargeCachedBodiesGoOutWholeAndInOrderWhenPipelined) {
  // Bodies from kShareBodiesFrom up leave by reference, gathered with the heads around them.
  std::string large(256 * 1024, '\0');
  for (std::size_t i = 0; i < large.size(); ++i) large[i] = static_cast<char>('a' + i % 26);
  write_file(root_ / "large.bin", large);
  write_file(root_ / "medium.bin", large.substr(0, 5000));
  server_.reset();
  files_ = std::make_unique<http::StaticFiles>(
      root_.string(), http::StaticFiles::Containment::kKernel,
      http::FileCacheLimits{.max_file_bytes = 1 << 20, .revalidate_interval = 1h});
  server_ = std::make_unique<TestServer>(
      [this](http::Router& router) { router.fallback(files_->handler()); });
  HttpClient client(server_->port());
  EXPECT_TRUE(client.request("GET", "/large.bin").body == large);
  client.send(HttpClient::format("GET", "/large.bin") + HttpClient::format("HEAD", "/large.bin") +
              HttpClient::format("GET", "/medium.bin") + HttpClient::format("GET", "/style.css") +
              HttpClient::format("GET", "/large.bin"));
  EXPECT_TRUE(client.read_response().body == large);
  auto head = client.read_response("HEAD");
  EXPECT_EQ(head.header("Content-Length"), std::to_string(large.size()));
  EXPECT_EQ(head.body, "");
  EXPECT_EQ(client.read_response().body, large.substr(0, 5000));
  EXPECT_EQ(client.read_response().body, "body{}\n");
  EXPECT_TRUE(client.read_response().body == large);
  EXPECT_EQ(cached(), 3u);
}

TEST_F(L12_StaticFilesCache, FilesAboveTheLimitAreNotCached) {
  HttpClient client(server_->port());
  EXPECT_EQ(client.request("GET", "/big.txt").body, std::string(100, 'x'));
  EXPECT_EQ(client.request("GET", "/big.txt").body, std::string(100, 'x'));
  EXPECT_EQ(cached(), 0u);
}

// @anchor lesson12-interest-test
// A keep-alive request whose response the socket takes at once changes nothing in the epoll
// interest: no EPOLLOUT armed and disarmed, no reading paused and resumed.
TEST_F(L12_StaticFilesCache, NoEpollCtlPerKeepAliveRequest) {
  HttpClient client(server_->port());
  ASSERT_EQ(client.request("GET", "/style.css").status, 200);
  auto before = server_->call([this] { return server_->loop().interest_changes(); });
  for (int i = 0; i < 20; ++i) ASSERT_EQ(client.request("GET", "/style.css").status, 200);
  auto after = server_->call([this] { return server_->loop().interest_changes(); });
  EXPECT_EQ(after - before, 0u);
}

}  // namespace
}  // namespace duplex
