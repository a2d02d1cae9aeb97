// End-to-end (lesson 11): the demo's pages in a real browser. A headless Chromium, driven over
// DevTools by our own WebSocket client, loads each page from the demo server; two tabs chat in
// one room; the ticker and the race update; the echo playground shows the server's trace.
// A screenshot of each page lands in build/e2e/ (the lesson's images are copied from there).
// @lesson 11
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "tests/e2e/browser_fixture.hpp"

namespace duplex::e2e {
namespace {

using std::chrono::milliseconds;

constexpr milliseconds kUpdateTimeout{10000};

std::string out_dir() {
  return DUPLEX_SOURCE_DIR "/build/e2e/";
}

class L11_Browser : public BrowserTest {};

TEST_F(L11_Browser, TwoTabsJoinTheSameRoomAndHearEachOther) {
  auto ada = browser_->new_page();
  auto bob = browser_->new_page();
  ada->navigate(url("/chat.html?room=lobby&nick=ada"));
  ASSERT_TRUE(
      ada->wait_for("document.getElementById('members').textContent === 'ada'", kUpdateTimeout))
      << ada->evaluate("document.getElementById('status').textContent");
  bob->navigate(url("/chat.html?room=lobby&nick=bob"));
  ASSERT_TRUE(bob->wait_for("document.getElementById('members').textContent === 'ada, bob'",
                            kUpdateTimeout));
  ASSERT_TRUE(ada->wait_for("document.getElementById('log').textContent.includes('bob joined')",
                            kUpdateTimeout));
  // Type and submit as a person would: the form's submit handler sends the JSON.
  ada->evaluate(
      "(document.getElementById('text').value = 'hello from ada', "
      "document.getElementById('say').requestSubmit(), 'sent')");
  EXPECT_TRUE(bob->wait_for("document.getElementById('log').textContent.includes('hello from ada')",
                            kUpdateTimeout));
  bob->evaluate(
      "(document.getElementById('text').value = 'hi ada, bob here', "
      "document.getElementById('say').requestSubmit(), 'sent')");
  EXPECT_TRUE(ada->wait_for(
      "document.getElementById('log').textContent.includes('hi ada, bob here')", kUpdateTimeout));
  // Markup in a message is shown as text, never run.
  bob->evaluate(
      "(document.getElementById('text').value = '<b id=injected>bold?</b>', "
      "document.getElementById('say').requestSubmit(), 'sent')");
  EXPECT_TRUE(ada->wait_for(
      "document.getElementById('log').textContent.includes('<b id=injected>')", kUpdateTimeout));
  EXPECT_EQ(ada->evaluate("document.getElementById('injected') === null"), "true");
  ada->screenshot(out_dir() + "chat.png");
}

TEST_F(L11_Browser, WhenTheServerGoesAwayTheChatSaysSoAndRetries) {
  auto page = browser_->new_page();
  page->navigate(url("/chat.html?room=lobby&nick=ada"));
  ASSERT_TRUE(
      page->wait_for("document.getElementById('members').textContent === 'ada'", kUpdateTimeout));
  server_.reset();  // closes every chat connection with 1001, then the port
  EXPECT_TRUE(page->wait_for(
      "document.getElementById('status').textContent.startsWith('Disconnected: the server is "
      "going away. Reconnecting in')",
      kUpdateTimeout))
      << page->evaluate("document.getElementById('status').textContent");
  page->screenshot(out_dir() + "chat-disconnected.png");
}

TEST_F(L11_Browser, TheTickerPageUpdatesTenTimesASecond) {
  auto page = browser_->new_page();
  page->navigate(url("/ticker.html"));
  ASSERT_TRUE(
      page->wait_for("/^\\d+ updates/.test(document.getElementById('info').textContent) && "
                     "parseInt(document.getElementById('info').textContent) >= 25",
                     kUpdateTimeout))
      << page->evaluate("document.getElementById('info').textContent");
  std::string first = page->evaluate("document.getElementById('info').textContent");
  ASSERT_TRUE(page->wait_for("parseInt(document.getElementById('info').textContent) >= " +
                                 std::to_string(std::stoi(first) + 5),
                             kUpdateTimeout));
  page->screenshot(out_dir() + "ticker.png");
}

TEST_F(L11_Browser, TheRaceShowsFourLanesEachUpdating) {
  auto page = browser_->new_page();
  page->navigate(url("/race.html"));
  EXPECT_EQ(page->evaluate("document.querySelectorAll('#lanes tr').length"), "4");
  for (const char* lane : {"poll", "long-poll", "sse", "ws"}) {
    std::string row = std::string("document.querySelector('#lane-") + lane + "')";
    EXPECT_TRUE(page->wait_for("parseInt(" + row +
                                   ".querySelector('.updates').textContent) >= 20 && " + row +
                                   ".querySelector('.delay').textContent.startsWith('+') && " +
                                   "parseInt(" + row + ".querySelector('.bytes').textContent) > 0",
                               kUpdateTimeout))
        << lane << ": " << page->evaluate(row + ".textContent");
  }
  // The article's claim, seen: a WebSocket update costs far fewer bytes than a polled one.
  int ws = std::stoi(page->evaluate("document.querySelector('#lane-ws .bytes').textContent"));
  int poll =
      std::stoi(page->evaluate("document.querySelector('#lane-long-poll .bytes').textContent"));
  EXPECT_LT(ws * 3, poll) << "ws " << ws << " bytes/update, long-poll " << poll;
  page->screenshot(out_dir() + "race.png");
}

TEST_F(L11_Browser, TheEchoPlaygroundShowsTheServersFrameTrace) {
  auto page = browser_->new_page();
  page->navigate(url("/echo.html"));
  ASSERT_TRUE(page->wait_for(
      "document.getElementById('status').textContent.startsWith('connected')", kUpdateTimeout));
  page->evaluate(
      "(document.getElementById('text').value = 'Hello, frames!', "
      "document.getElementById('send-text').click(), 'sent')");
  EXPECT_TRUE(
      page->wait_for("document.getElementById('frames').textContent.includes("
                     "'opcode=0x1 (text) MASK=1')",
                     kUpdateTimeout))
      << page->evaluate("document.getElementById('frames').textContent");
  page->evaluate(
      "(document.getElementById('text').value = '00 01 fe ff', "
      "document.getElementById('send-binary').click(), 'sent')");
  EXPECT_TRUE(
      page->wait_for("document.getElementById('frames').textContent.includes("
                     "'opcode=0x2 (binary) MASK=0 length=4')",
                     kUpdateTimeout));
  page->screenshot(out_dir() + "echo.png");
}

}  // namespace
}  // namespace duplex::e2e
