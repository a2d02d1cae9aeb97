// @lesson 14
// End-to-end (lesson 14): Chromium's WebSocket negotiates permessage-deflate (RFC 7692) with the
// demo server and chats through it. Like browser_test.cpp, a headless Chromium is driven over
// DevTools by our own client; the page's own socket (chat.js's `socket`) says which extensions
// the server agreed to (WebSocket.extensions, the 101's Sec-WebSocket-Extensions). A screenshot
// lands in build/e2e/chat-deflate.png.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "tests/e2e/browser_fixture.hpp"

namespace duplex::e2e {
namespace {

using std::chrono::milliseconds;

constexpr milliseconds kUpdateTimeout{10000};

class L14_Browser : public BrowserTest {};

TEST_F(L14_Browser, ChatNegotiatesPermessageDeflateAndChatsThroughIt) {
  auto ada = browser_->new_page();
  auto bob = browser_->new_page();
  ada->navigate(url("/chat.html?room=zip&nick=ada"));
  ASSERT_TRUE(
      ada->wait_for("document.getElementById('members').textContent === 'ada'", kUpdateTimeout))
      << ada->evaluate("document.getElementById('status').textContent");
  // The server's answer, as the browser saw it.
  std::string extensions = ada->evaluate("socket.extensions");
  EXPECT_NE(extensions.find("permessage-deflate"), std::string::npos) << extensions;
  bob->navigate(url("/chat.html?room=zip&nick=bob"));
  ASSERT_TRUE(bob->wait_for("document.getElementById('members').textContent === 'ada, bob'",
                            kUpdateTimeout));
  EXPECT_NE(bob->evaluate("socket.extensions").find("permessage-deflate"), std::string::npos);
  // A message long enough to be compressed both ways (the server's min_compress_size is 32).
  const std::string said = "compressed hello from ada, compressed hello from ada, once more";
  ada->evaluate("(document.getElementById('text').value = '" + said +
                "', document.getElementById('say').requestSubmit(), 'sent')");
  EXPECT_TRUE(bob->wait_for("document.getElementById('log').textContent.includes('" + said + "')",
                            kUpdateTimeout));
  bob->evaluate(
      "(document.getElementById('text').value = 'hi ada, bob here through DEFLATE', "
      "document.getElementById('say').requestSubmit(), 'sent')");
  EXPECT_TRUE(ada->wait_for(
      "document.getElementById('log').textContent.includes('hi ada, bob here through DEFLATE')",
      kUpdateTimeout));
  ada->screenshot(DUPLEX_SOURCE_DIR "/build/e2e/chat-deflate.png");
}

}  // namespace
}  // namespace duplex::e2e
