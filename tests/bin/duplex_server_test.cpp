// Tests for the duplex-server program (lessons 06-07, 11-12), run as a user runs it: --port 0,
// read the URL from the first line, talk to it with our client and with curl, stop it with
// SIGTERM. With --threads 2 the chat and the ticker must work whichever loop got each client.
// @lesson 07
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tests/support/http_client.hpp"
#include "tests/support/net_process.hpp"

#if DUPLEX_LESSON >= 12
#include "src/app/flat_json.hpp"
#include "src/ws/ws_client.hpp"
#endif

namespace duplex {
namespace {

const std::string kProgram = DUPLEX_BIN_DIR "/duplex-server";

bool have_curl() {
  return std::system("curl --version >/dev/null 2>&1") == 0;
}

// Runs a shell command and returns its stdout (bounded by curl's own --max-time).
std::string run(const std::string& command) {
  std::string out;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) return out;
  char chunk[4096];
  std::size_t n;
  while ((n = std::fread(chunk, 1, sizeof chunk, pipe)) > 0) out.append(chunk, n);
  ::pclose(pipe);
  return out;
}

TEST(L07_ServerProgram, PrintsItsUrlFirstAndServesTheDemoSite) {
  testing::ChildProcess server(kProgram, {"--port", "0"});
  std::string url = server.read_line();
  EXPECT_EQ(url.rfind("http://127.0.0.1:", 0), 0U) << url;
  EXPECT_EQ(url.back(), '/');
  auto client = std::make_unique<testing::HttpClient>(testing::port_of_url(url));
  auto index = client->request("GET", "/");
  EXPECT_EQ(index.status, 200);
  EXPECT_EQ(index.header("Content-Type"), "text/html; charset=utf-8");
  EXPECT_NE(index.body.find("Duplex"), std::string::npos);
  for (const char* page :
       {"/style.css", "/poll.html", "/long-poll.html", "/stream.html", "/events.html"}) {
    EXPECT_EQ(client->request("GET", page).status, 200) << page;
  }
  EXPECT_EQ(client->request("GET", "/poll?since=0").header("Content-Type"), "application/json");
  client.reset();
  server.terminate();
  EXPECT_EQ(server.wait(), 0);
}

TEST(L07_ServerProgram, CurlReusesOneConnectionForSeveralRequests) {
  if (!have_curl()) GTEST_SKIP() << "curl is not installed";
  testing::ChildProcess server(kProgram, {"--port", "0"});
  std::string url = server.read_line();
  // Two URLs on one curl command line: with HTTP/1.1 persistence curl says it re-uses the
  // connection instead of opening a second one.
  std::string verbose =
      run("curl -sv --max-time 5 -o /dev/null -o /dev/null " + url + " " + url + "style.css 2>&1");
  EXPECT_NE(verbose.find("Re-using existing connection"), std::string::npos) << verbose;
  std::string streamed = run("curl -sN --max-time 5 '" + url + "stream?count=2'");
  EXPECT_EQ(std::count(streamed.begin(), streamed.end(), '\n'), 2) << streamed;
  std::string escaped = run("curl -s --max-time 5 --path-as-is " + url + "../../../etc/passwd");
  EXPECT_EQ(escaped.find("root:"), std::string::npos) << escaped;
  server.terminate();
  EXPECT_EQ(server.wait(), 0);
}

TEST(L07_ServerProgram, SigtermAnswersALongPollAndExitsZero) {
  testing::ChildProcess server(kProgram, {"--port", "0"});
  testing::HttpClient client(testing::port_of_url(server.read_line()));
  EXPECT_EQ(client.request("GET", "/poll").status, 200);
  // A long-poll in flight when SIGTERM arrives: if the server read it first, it is answered
  // (with "Connection: close") before the connection closes; either way the server closes
  // the connection and exits 0. (Which came first is up to the kernel.)
  client.send(testing::HttpClient::format("GET", "/long-poll?since=999999999"));
  server.terminate();
  std::string rest = client.read_to_end();
  if (!rest.empty()) {
    EXPECT_EQ(rest.rfind("HTTP/1.1 200 OK\r\n", 0), 0U) << rest;
    EXPECT_NE(rest.find("Connection: close\r\n"), std::string::npos) << rest;
  }
  client.stream().shutdown_write();
  EXPECT_EQ(server.wait(), 0);
}

TEST(L07_ServerProgram, BadFlagsAndABusyPortGiveOneLineAndAFailureStatus) {
  std::vector<std::vector<std::string>> bad = {
      {"--bogus"}, {"--port"}, {"--port", "65536"}, {"--root", "/nonexistent-dir"}};
#if DUPLEX_LESSON >= 12
  bad.insert(bad.end(), {{"--threads", "0"}, {"--threads", "two"}, {"--threads"}});
#endif
  for (const auto& args : bad) {
    testing::ChildProcess server(kProgram, args);
    std::string error = server.read_stderr();
    EXPECT_NE(server.wait(), 0) << args[0];
    ASSERT_FALSE(error.empty()) << args[0];
    EXPECT_EQ(error.find('\n'), error.size() - 1) << "exactly one line: " << error;
    EXPECT_EQ(error.rfind("duplex-server: ", 0), 0U) << error;
  }
  testing::ChildProcess first(kProgram, {"--port", "0"});
  auto port = testing::port_of_url(first.read_line());
  testing::ChildProcess second(kProgram, {"--port", std::to_string(port)});
  EXPECT_EQ(second.read_stderr(),
            "duplex-server: bind 127.0.0.1:" + std::to_string(port) + ": Address already in use\n");
  EXPECT_NE(second.wait(), 0);
  first.terminate();
  EXPECT_EQ(first.wait(), 0);
}

#if DUPLEX_LESSON >= 12
// Several loops share the port with SO_REUSEPORT; a second server with several loops must
// still find the port busy rather than join the first and take half its clients.
TEST(L12_ServerThreads, ABusyPortIsRefusedWithSeveralLoopsToo) {
  testing::ChildProcess first(kProgram, {"--port", "0", "--threads", "2"});
  auto port = testing::port_of_url(first.read_line());
  testing::ChildProcess second(kProgram, {"--port", std::to_string(port), "--threads", "2"});
  EXPECT_EQ(second.read_stderr(),
            "duplex-server: bind 127.0.0.1:" + std::to_string(port) + ": Address already in use\n");
  EXPECT_NE(second.wait(), 0);
  first.terminate();
  EXPECT_EQ(first.wait(), 0);
}

constexpr std::chrono::milliseconds kWait{5000};

ws::WsClient connect_ws(std::uint16_t port, std::string_view path) {
  return ws::WsClient::connect("ws://127.0.0.1:" + std::to_string(port) + std::string(path));
}

// The next text message of `type` (others are skipped), or an empty object after a timeout.
app::FlatObject next_of(ws::WsClient& client, std::string_view type) {
  for (;;) {
    auto event = client.receive(kWait);
    if (!event || event->kind != ws::Event::Kind::kText) {
      ADD_FAILURE() << "no \"" << type << "\" message arrived";
      return {};
    }
    app::FlatJsonError error;
    auto object = app::parse_flat_json(event->data, error);
    if (object && object->value_or_empty("type") == type) return *object;
  }
}

// With two loops, eight chat clients land on the loops as the kernel's hash decides (all on
// one of them would take odds of 1 in 128); whatever it decided, each hears everyone, in one
// order, and SIGTERM closes every one with 1001 and the server exits 0. The same with one loop.
void chat_and_ticker(const std::string& threads) {
  SCOPED_TRACE("--threads " + threads);
  testing::ChildProcess server(kProgram, {"--port", "0", "--threads", threads});
  auto port = testing::port_of_url(server.read_line());
  constexpr int kClients = 8;
  std::vector<ws::WsClient> chat;
  for (int i = 0; i < kClients; ++i) {
    chat.push_back(connect_ws(port, "/chat"));
    std::string nick = "n" + std::to_string(i);
    ASSERT_TRUE(chat.back().send_text(app::FlatJsonWriter()
                                          .field("type", "join")
                                          .field("room", "lobby")
                                          .field("nick", nick)
                                          .str()));
    EXPECT_EQ(next_of(chat.back(), "welcome").value_or_empty("nick"), nick);
  }
  for (int i = 0; i < kClients; ++i) {
    ASSERT_TRUE(chat[i].send_text(
        app::FlatJsonWriter().field("type", "say").field("text", "hi" + std::to_string(i)).str()));
  }
  // Every client hears all eight in the same order with the same ids.
  std::vector<std::string> first_order;
  for (int i = 0; i < kClients; ++i) {
    std::vector<std::string> order;
    for (int k = 0; k < kClients; ++k) {
      auto message = next_of(chat[i], "message");
      order.push_back(std::string(message.value_or_empty("id")) + ":" +
                      std::string(message.value_or_empty("text")));
    }
    if (i == 0) first_order = order;
    EXPECT_EQ(order, first_order) << "client " << i;
  }
  // Ticker subscribers, wherever they are served, see one sequence: an id means one value.
  std::vector<ws::WsClient> tickers;
  for (int i = 0; i < kClients; ++i) tickers.push_back(connect_ws(port, "/ticker"));
  std::map<std::string, std::string> value_of;
  for (auto& ticker : tickers) {
    std::uint64_t last = 0;
    for (int k = 0; k < 3; ++k) {
      auto event = ticker.receive(kWait);
      ASSERT_TRUE(event && event->kind == ws::Event::Kind::kText);
      auto comma = event->data.find(',');
      std::string id = event->data.substr(6, comma - 6);  // {"id":7,"value":1003}
      std::uint64_t number = std::stoull(id);
      if (k > 0) {
        EXPECT_EQ(number, last + 1) << "no tick skipped or reordered";
      }
      last = number;
      auto [at, fresh] = value_of.emplace(id, event->data);
      if (!fresh) {
        EXPECT_EQ(at->second, event->data) << "one id, one value on every loop";
      }
    }
  }
  server.terminate();
  for (auto& client : chat) {
    std::optional<ws::Event> event;
    do {
      event = client.receive(kWait);
    } while (event && event->kind == ws::Event::Kind::kText);
    ASSERT_TRUE(event);
    EXPECT_EQ(event->kind, ws::Event::Kind::kClose);
    EXPECT_EQ(event->code, ws::CloseCode::kGoingAway);
  }
  EXPECT_EQ(server.wait(), 0);
}

TEST(L12_ServerThreads, ChatAndTickerWorkAcrossLoops) {
  chat_and_ticker("2");
}

TEST(L12_ServerThreads, ChatAndTickerWorkOnOneLoop) {
  chat_and_ticker("1");
}
#endif

}  // namespace
}  // namespace duplex
