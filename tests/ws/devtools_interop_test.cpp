// Interoperability (lesson 10): WsClient against a WebSocket server nobody here wrote, the
// DevTools endpoint of a headless Chromium. Our two halves agreeing proves little when both could
// share a misreading of RFC 6455; Chromium's server does not share ours.
//
// Skipped, saying why, when no Chromium is installed (apt-get install chromium). Every wait is
// bounded, and the browser runs in its own process group so that all its processes are killed.
// @lesson 10
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "src/ws/ws_client.hpp"

namespace duplex::ws {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr milliseconds kStartTimeout{30000};
constexpr milliseconds kReplyTimeout{10000};

// $DUPLEX_CHROMIUM, or the first of the usual names on $PATH.
std::string find_chromium() {
  if (const char* chosen = std::getenv("DUPLEX_CHROMIUM"); chosen && *chosen) {
    return ::access(chosen, X_OK) == 0 ? chosen : "";
  }
  const char* path = std::getenv("PATH");
  if (!path) return {};
  for (const char* name : {"chromium", "chromium-browser", "google-chrome", "chrome"}) {
    std::string dirs = path;
    std::size_t start = 0;
    while (start <= dirs.size()) {
      std::size_t end = dirs.find(':', start);
      if (end == std::string::npos) end = dirs.size();
      fs::path candidate = fs::path(dirs.substr(start, end - start)) / name;
      if (::access(candidate.c_str(), X_OK) == 0) return candidate.string();
      start = end + 1;
    }
  }
  return {};
}

// A headless Chromium with remote debugging on a port it picks; killed (whole process group)
// and its profile directory removed on destruction.
class Chromium {
 public:
  explicit Chromium(const std::string& binary) {
    char profile_template[] = "/tmp/duplex-chromium-XXXXXX";
    if (::mkdtemp(profile_template) == nullptr) throw std::runtime_error("mkdtemp failed");
    profile_ = profile_template;
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
    pid_ = ::fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
      ::setpgid(0, 0);
      ::dup2(fds[1], STDERR_FILENO);
      int null = ::open("/dev/null", O_RDWR);
      ::dup2(null, STDIN_FILENO);
      ::dup2(null, STDOUT_FILENO);
      std::string user_data = "--user-data-dir=" + profile_;
      std::vector<const char*> argv = {binary.c_str(),
                                       "--headless",
                                       "--no-sandbox",
                                       "--disable-gpu",
                                       "--remote-debugging-port=0",
                                       user_data.c_str(),
                                       "--no-first-run",
                                       "--disable-background-networking",
                                       "--disable-component-update",
                                       "--disable-sync",
                                       "about:blank",
                                       nullptr};
      ::execv(binary.c_str(), const_cast<char* const*>(argv.data()));
      ::_exit(127);
    }
    ::setpgid(pid_, pid_);  // also here, so the group exists whichever process runs first
    ::close(fds[1]);
    stderr_ = fds[0];
  }

  ~Chromium() {
    if (pid_ > 0) {
      ::kill(-pid_, SIGTERM);
      if (!reap(milliseconds(5000))) {
        ::kill(-pid_, SIGKILL);
        reap(milliseconds(5000));
      }
    }
    if (stderr_ >= 0) ::close(stderr_);
    std::error_code ignored;
    fs::remove_all(profile_, ignored);
  }

  // The URL from "DevTools listening on ws://...", or empty (with the output seen) on timeout.
  std::string devtools_url(milliseconds timeout, std::string& output) {
    constexpr std::string_view kPrefix = "DevTools listening on ";
    auto deadline = Clock::now() + timeout;
    for (;;) {
      // The URL runs from the prefix to the end of its line.
      if (std::size_t at = output.find(kPrefix); at != std::string::npos) {
        std::size_t start = at + kPrefix.size();
        std::size_t end = output.find_first_of("\r\n", start);
        if (end != std::string::npos) return output.substr(start, end - start);
      }
      auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now()).count();
      if (left <= 0) return {};
      pollfd entry{stderr_, POLLIN, 0};
      if (::poll(&entry, 1, static_cast<int>(left)) <= 0) continue;
      char block[4096];
      ssize_t n = ::read(stderr_, block, sizeof block);
      if (n <= 0) return {};  // Chromium exited before it listened
      output.append(block, static_cast<std::size_t>(n));
    }
  }

 private:
  // Waits for the browser's main process to exit. There is nothing to poll() for on a child's
  // exit without a signalfd, so each round waits on its stderr (draining it, so the pipe never
  // fills) for at most 50 ms.
  bool reap(milliseconds timeout) {
    auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
      int status;
      pid_t done = ::waitpid(pid_, &status, WNOHANG);
      if (done == pid_ || done < 0) return true;
      pollfd entry{stderr_, POLLIN, 0};
      if (::poll(&entry, stderr_ >= 0 ? 1 : 0, 50) > 0) {
        char block[4096];
        if (::read(stderr_, block, sizeof block) <= 0) {
          ::close(stderr_);
          stderr_ = -1;
        }
      }
    }
    return false;
  }

  pid_t pid_ = -1;
  int stderr_ = -1;
  std::string profile_;
};

TEST(L10_DevToolsInterop, BrowserGetVersionOverChromiumsWebSocket) {
  std::string binary = find_chromium();
  if (binary.empty()) {
    GTEST_SKIP() << "Chromium is not installed (apt-get install chromium, or set DUPLEX_CHROMIUM)";
  }
  Chromium chromium(binary);
  std::string output;
  std::string url = chromium.devtools_url(kStartTimeout, output);
  ASSERT_FALSE(url.empty()) << "Chromium printed no DevTools URL:\n" << output;

  WsClientOptions options;
  options.connect_timeout = options.handshake_timeout = kReplyTimeout;
  options.close_timeout = options.write_timeout = kReplyTimeout;
  WsClient client = WsClient::connect(url, options);
  EXPECT_EQ(client.subprotocol(), "");

  ASSERT_TRUE(client.send_text(R"({"id":1,"method":"Browser.getVersion"})"));
  auto reply = client.receive(kReplyTimeout);
  ASSERT_TRUE(reply.has_value()) << "no reply from Chromium";
  ASSERT_EQ(reply->kind, Event::Kind::kText) << reply->data;
  EXPECT_NE(reply->data.find(R"("id":1)"), std::string::npos) << reply->data;
  EXPECT_NE(reply->data.find(R"("product")"), std::string::npos) << reply->data;

  // A second exchange on the same connection, and an error reply for an unknown method.
  ASSERT_TRUE(client.send_text(R"({"id":2,"method":"Duplex.noSuchMethod"})"));
  reply = client.receive(kReplyTimeout);
  ASSERT_TRUE(reply.has_value());
  EXPECT_NE(reply->data.find(R"("id":2)"), std::string::npos) << reply->data;
  EXPECT_NE(reply->data.find(R"("error")"), std::string::npos) << reply->data;

  // Chromium answers our close frame with its own: a clean close.
  EXPECT_TRUE(client.close(CloseCode::kNormal));
  EXPECT_EQ(client.protocol().close_code(), CloseCode::kNormal);
}

#if DUPLEX_LESSON >= 14
// Lesson 14: our client offers permessage-deflate to Chromium's DevTools server, the client
// `duplex-ws --deflate` uses. Chromium's DevTools endpoint is not obliged to accept it; when it
// declines, the test says so and skips, after checking the connection works uncompressed.
TEST(L14_DevTools, DeflateOfferedToChromiumsDevToolsEndpoint) {
  std::string binary = find_chromium();
  if (binary.empty()) {
    GTEST_SKIP() << "Chromium is not installed (apt-get install chromium, or set DUPLEX_CHROMIUM)";
  }
  Chromium chromium(binary);
  std::string output;
  std::string url = chromium.devtools_url(kStartTimeout, output);
  ASSERT_FALSE(url.empty()) << "Chromium printed no DevTools URL:\n" << output;

  WsClientOptions options;
  options.connect_timeout = options.handshake_timeout = kReplyTimeout;
  options.close_timeout = options.write_timeout = kReplyTimeout;
  options.deflate.enabled = true;
  options.deflate.min_compress_size = 1;  // every message compressed, if agreed
  WsClient client = WsClient::connect(url, options);
  ASSERT_TRUE(client.send_text(R"({"id":1,"method":"Browser.getVersion"})"));
  auto reply = client.receive(kReplyTimeout);
  ASSERT_TRUE(reply.has_value()) << "no reply from Chromium";
  ASSERT_EQ(reply->kind, Event::Kind::kText) << reply->data;
  EXPECT_NE(reply->data.find(R"("product")"), std::string::npos) << reply->data;
  EXPECT_TRUE(client.close(CloseCode::kNormal));
  if (!client.deflate()) {
    GTEST_SKIP() << "Chromium's DevTools endpoint declined permessage-deflate (its 101 has no "
                    "Sec-WebSocket-Extensions); the uncompressed exchange worked";
  }
  EXPECT_EQ(client.protocol().close_code(), CloseCode::kNormal);
}
#endif

}  // namespace
}  // namespace duplex::ws
