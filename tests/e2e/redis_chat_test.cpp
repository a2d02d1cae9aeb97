// End-to-end (lesson 15): one chat room across two duplex-server processes that share a Redis.
//
// @lesson 15
//
// The test starts its own redis-server (no persistence) on a free loopback port, two
// `duplex-server --redis` processes, and nginx with tests/e2e/nginx-redis.conf: one listen port
// per process, so each Chromium tab is pinned to a known process. Two tabs in one room must
// see each other's messages in the same order (Redis orders the publishes of every process),
// and a tab whose process went away and came back must get the messages said meanwhile, once
// each (the room's stream and the offset the page sends when it joins again). Screenshots go
// to build/e2e/. Every peer that is missing (redis-server, nginx, Chromium, a duplex-server
// built without --redis) skips the test, saying which.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "src/net/resolve.hpp"
#include "src/net/tcp_listener.hpp"
#include "src/net/tcp_stream.hpp"
#include "tests/e2e/devtools.hpp"
#include "tests/e2e/process_group.hpp"

namespace duplex::e2e {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

constexpr milliseconds kWait{10000};
// chat.js waits 0.5-1 s before its first reconnect and 1-2 s before the second.
constexpr milliseconds kReconnectWait{20000};

std::string out_dir() {
  return DUPLEX_SOURCE_DIR "/build/e2e/";
}

// A port nobody listens on right now (the kernel's choice, released at once for the child).
std::uint16_t free_port() {
  auto listener = net::TcpListener::listen(net::resolve("127.0.0.1", 0).front());
  return listener.local_address().port();
}

// True once something accepts on 127.0.0.1:port, polled for at most `timeout`.
bool wait_listening(std::uint16_t port, ProcessGroup& process, milliseconds timeout) {
  for (auto waited = milliseconds(0); waited < timeout; waited += milliseconds(25)) {
    try {
      net::TcpStream::connect(net::resolve("127.0.0.1", port).front());
      return true;
    } catch (const std::exception&) {
      if (!process.running()) return false;
    }
    ::usleep(25'000);  // a polling interval for a port, not a synchronisation
  }
  return false;
}

std::string read_file(const std::string& path) {
  std::ifstream file(path);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

void replace_all(std::string& text, const std::string& from, const std::string& to) {
  std::size_t at = text.find(from);
  while (at != std::string::npos) {
    text.replace(at, from.size(), to);
    at = text.find(from, at + to.size());
  }
}

// Whether this duplex-server knows --redis (its --help lists every flag).
bool has_redis_flag(const std::string& binary) {
  std::string command = binary + " --help 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return false;
  std::string help;
  char buffer[4096];
  while (std::size_t n = std::fread(buffer, 1, sizeof buffer, pipe)) help.append(buffer, n);
  ::pclose(pipe);
  return help.find("--redis") != std::string::npos;
}

// The chat lines of a tab (nick + text), in the order shown, as a JSON array.
constexpr const char* kMessages =
    "JSON.stringify([...document.querySelectorAll('#log li')]"
    ".filter(li => li.querySelector('.nick')).map(li => li.textContent))";

std::string say(const std::string& text) {
  return "(document.getElementById('text').value = '" + text +
         "', document.getElementById('say').requestSubmit(), 'sent')";
}

std::string shows(const std::string& text) {
  return "document.getElementById('log').textContent.includes('" + text + "')";
}

class L15_RedisChat : public ::testing::Test {
 protected:
  void SetUp() override {
    redis_binary_ = find_program({"redis-server"}, {"/usr/bin", "/usr/local/bin"});
    if (redis_binary_.empty())
      GTEST_SKIP() << "redis-server is not installed (run tests/e2e/setup)";
    std::string nginx = find_program({"nginx"}, {"/usr/sbin", "/usr/local/sbin"});
    if (nginx.empty()) GTEST_SKIP() << "nginx is not installed (run tests/e2e/setup)";
    std::string chromium = find_chromium();
    if (chromium.empty()) GTEST_SKIP() << "Chromium is not installed (run tests/e2e/setup)";
    server_binary_ = DUPLEX_BIN_DIR "/duplex-server";
    if (!fs::exists(server_binary_)) GTEST_SKIP() << server_binary_ << " is not built";
    if (!has_redis_flag(server_binary_))
      GTEST_SKIP() << "this duplex-server has no --redis (the Redis engine is not built in)";

    redis_port_ = free_port();
    redis_ = std::make_unique<ProcessGroup>(std::vector<std::string>{
        redis_binary_, "--port", std::to_string(redis_port_), "--bind", "127.0.0.1", "--save", "",
        "--appendonly", "no", "--logfile", "/dev/stderr"});
    redis_->wait_stderr_for("Ready to accept connections", kWait);
    ASSERT_NE(redis_->stderr_text().find("Ready to accept connections"), std::string::npos)
        << redis_->stderr_text();

    upstream_a_ = free_port();
    upstream_b_ = free_port();
    server_a_ = start_server(upstream_a_);
    server_b_ = start_server(upstream_b_);
    ASSERT_TRUE(server_a_ && server_b_);

    dir_ = DUPLEX_SOURCE_DIR "/build/e2e/nginx-redis";
    fs::remove_all(dir_);
    fs::create_directories(dir_ + "/temp");
    port_a_ = free_port();
    port_b_ = free_port();
    std::string config = read_file(DUPLEX_SOURCE_DIR "/tests/e2e/nginx-redis.conf");
    ASSERT_FALSE(config.empty()) << "tests/e2e/nginx-redis.conf is missing";
    replace_all(config, "@DIR@", dir_);
    replace_all(config, "@PORT_A@", std::to_string(port_a_));
    replace_all(config, "@PORT_B@", std::to_string(port_b_));
    replace_all(config, "@PORT_BOTH@", std::to_string(free_port()));
    replace_all(config, "@UPSTREAM_A@", std::to_string(upstream_a_));
    replace_all(config, "@UPSTREAM_B@", std::to_string(upstream_b_));
    std::ofstream(dir_ + "/nginx.conf") << config;
    nginx_ = std::make_unique<ProcessGroup>(std::vector<std::string>{
        nginx, "-p", dir_, "-c", dir_ + "/nginx.conf", "-e", dir_ + "/error.log"});
    ASSERT_TRUE(wait_listening(port_a_, *nginx_, kWait)) << "nginx did not start:\n" << log();
    ASSERT_TRUE(wait_listening(port_b_, *nginx_, kWait)) << log();

    browser_ = std::make_unique<Browser>(chromium);
  }

  std::unique_ptr<ProcessGroup> start_server(std::uint16_t port) {
    auto server = std::make_unique<ProcessGroup>(std::vector<std::string>{
        server_binary_, "--port", std::to_string(port), "--threads", "1", "--root",
        DUPLEX_SOURCE_DIR "/src/www", "--redis", "127.0.0.1:" + std::to_string(redis_port_)});
    if (!wait_listening(port, *server, kWait)) {
      ADD_FAILURE() << "duplex-server --port " << port << " did not start:\n"
                    << server->stderr_text();
      return nullptr;
    }
    return server;
  }

  std::string log() {
    return read_file(dir_ + "/error.log") + (nginx_ ? nginx_->stderr_text() : std::string());
  }

  // A tab on nginx's port `port`, in room `room` as `nick`, once the server welcomed it.
  std::unique_ptr<Page> open_tab(std::uint16_t port, const std::string& room,
                                 const std::string& nick) {
    auto page = browser_->new_page();
    page->navigate("http://127.0.0.1:" + std::to_string(port) + "/chat.html?room=" + room +
                   "&nick=" + nick);
    EXPECT_TRUE(
        page->wait_for("document.getElementById('status').textContent.startsWith("
                       "'connected: ')",
                       kWait))
        << page->evaluate("document.getElementById('status').textContent");
    return page;
  }

  std::string redis_binary_, server_binary_, dir_;
  std::uint16_t redis_port_ = 0, upstream_a_ = 0, upstream_b_ = 0, port_a_ = 0, port_b_ = 0;
  std::unique_ptr<ProcessGroup> redis_, server_a_, server_b_, nginx_;
  std::unique_ptr<Browser> browser_;
};

TEST_F(L15_RedisChat, TwoTabsOnTwoProcessesSeeTheSameMessagesInTheSameOrder) {
  auto ada = open_tab(port_a_, "across", "ada");
  auto bob = open_tab(port_b_, "across", "bob");
  // Said without waiting in between: the two processes publish concurrently, and only Redis
  // decides the order.
  for (int i = 1; i <= 3; ++i) {
    ada->evaluate(say("ada says " + std::to_string(i)));
    bob->evaluate(say("bob says " + std::to_string(i)));
  }
  for (auto* page : {ada.get(), bob.get()}) {
    for (int i = 1; i <= 3; ++i) {
      EXPECT_TRUE(page->wait_for(shows("ada says " + std::to_string(i)), kWait));
      EXPECT_TRUE(page->wait_for(shows("bob says " + std::to_string(i)), kWait));
    }
  }
  EXPECT_EQ(ada->evaluate(kMessages), bob->evaluate(kMessages));
  ada->screenshot(out_dir() + "redis-chat-a.png");
  bob->screenshot(out_dir() + "redis-chat-b.png");
}

TEST_F(L15_RedisChat, ATabWhoseProcessCameBackGetsWhatItMissedOnce) {
  auto ada = open_tab(port_a_, "gap", "ada");
  auto bob = open_tab(port_b_, "gap", "bob");
  ada->evaluate(say("before the gap"));
  ASSERT_TRUE(bob->wait_for(shows("before the gap"), kWait));

  server_b_.reset();  // bob's process goes away (SIGTERM: its sockets close with 1001)
  ASSERT_TRUE(bob->wait_for(
      "document.getElementById('status').textContent.startsWith('Disconnected')", kWait));
  for (int i = 1; i <= 3; ++i) ada->evaluate(say("missed " + std::to_string(i)));
  ASSERT_TRUE(ada->wait_for(shows("missed 3"), kWait));

  server_b_ = start_server(upstream_b_);
  ASSERT_TRUE(server_b_);
  for (int i = 1; i <= 3; ++i)
    EXPECT_TRUE(bob->wait_for(shows("missed " + std::to_string(i)), kReconnectWait))
        << bob->evaluate(kMessages);
  // Nothing twice: the page asked for what came after its last offset, not the whole history.
  EXPECT_EQ(bob->evaluate("(() => { const m = " + std::string(kMessages) +
                          "; return JSON.parse(m).length === new Set(JSON.parse(m)).size; })()"),
            "true")
      << bob->evaluate(kMessages);
  EXPECT_EQ(ada->evaluate(kMessages), bob->evaluate(kMessages));
  bob->screenshot(out_dir() + "redis-chat-recovered.png");
}

}  // namespace
}  // namespace duplex::e2e
