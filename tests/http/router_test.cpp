// Tests for Router (lesson 06): matching and parameters, and over a live server the answers
// RFC 9110 prescribes when no route fits (404, 405 + Allow, OPTIONS, 501).
// @lesson 06
#include <gtest/gtest.h>

#include "src/http/router.hpp"
#include "tests/http/server_fixture.hpp"
#include "tests/support/http_client.hpp"

namespace duplex {
namespace {

using http::Exchange;
using http::Router;
using testing::HttpClient;
using testing::TestServer;

void rooms(Router& router) {
  router.get("/", [](Exchange& e) { e.respond(200, "text/plain", "root"); });
  router.get("/rooms/{name}", [](Exchange& e) {
    e.respond(200, "text/plain", "room " + std::string(e.param("name")));
  });
  router.post("/rooms/{name}", [](Exchange& e) { e.respond(201, "text/plain", "made"); });
  router.get("/rooms/{name}/users/{user}", [](Exchange& e) {
    e.respond(200, "text/plain", std::string(e.param("name")) + "/" + std::string(e.param("user")));
  });
  router.add("BREW", "/pot", [](Exchange& e) { e.respond(200, "text/plain", "coffee"); });
}

TEST(L06_Router, MatchesLiteralsAndCapturesParameters) {
  Router router;
  rooms(router);
  auto match = router.match("GET", "/rooms/lobby/users/ann");
  ASSERT_NE(match.handler, nullptr);
  ASSERT_EQ(match.params.size(), 2U);
  EXPECT_EQ(match.params[0], (std::pair<std::string, std::string>{"name", "lobby"}));
  EXPECT_EQ(match.params[1], (std::pair<std::string, std::string>{"user", "ann"}));
  EXPECT_NE(router.match("GET", "/").handler, nullptr);
  EXPECT_EQ(router.match("GET", "/rooms").handler, nullptr);
  EXPECT_EQ(router.match("GET", "/rooms/").handler, nullptr) << "a parameter is never empty";
  EXPECT_EQ(router.match("GET", "/rooms/a/b").handler, nullptr);
  EXPECT_EQ(router.match("GET", "/roomsx/a").handler, nullptr);
}

TEST(L06_Router, AllowListsEveryMethodOfThePathWithHeadForGet) {
  Router router;
  rooms(router);
  auto match = router.match("DELETE", "/rooms/x");
  EXPECT_EQ(match.handler, nullptr);
  EXPECT_EQ(match.allow, "GET, HEAD, POST");
  EXPECT_NE(router.match("HEAD", "/rooms/x").handler, nullptr) << "HEAD is served by GET";
}

TEST(L06_Router, NoRouteAnswersFollowRfc9110) {
  TestServer server(rooms);
  HttpClient client(server.port());
  EXPECT_EQ(client.request("GET", "/rooms/lobby").body, "room lobby");
  EXPECT_EQ(client.request("GET", "/rooms/caf%C3%A9").body, "room caf\xC3\xA9")
      << "parameters are decoded";
  EXPECT_EQ(client.request("POST", "/rooms/x", "", "b").status, 201);
  EXPECT_EQ(client.request("GET", "/missing").status, 404);
  auto wrong = client.request("DELETE", "/rooms/x");
  EXPECT_EQ(wrong.status, 405);
  EXPECT_EQ(wrong.header("Allow"), "GET, HEAD, POST, OPTIONS");
  auto options = client.request("OPTIONS", "/rooms/x");
  EXPECT_EQ(options.status, 204);
  EXPECT_EQ(options.header("Allow"), "GET, HEAD, POST, OPTIONS");
  client.send("OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n");
  auto star = client.read_response();
  EXPECT_EQ(star.status, 204);
  EXPECT_NE(star.header("Allow").find("GET"), std::string::npos);
  // RFC 9110 §9.1: a method the server does not know at all is 501, not 405.
  auto unknown = client.request("FROB", "/rooms/x");
  EXPECT_EQ(unknown.status, 501);
  EXPECT_EQ(client.request("BREW", "/pot").body, "coffee") << "a route teaches a new method";
  EXPECT_EQ(client.request("HEAD", "/rooms/x").header("Content-Length"), "6");
}

#if DUPLEX_LESSON >= 12
// Lesson 12: a path whose first segment starts no route is answered without the walk, and the
// answers must be the walk's; a route that starts with a capture turns the shortcut off.
TEST(L12_Router, TheFirstSegmentShortcutGivesTheWalksAnswers) {
  Router router;
  rooms(router);
  EXPECT_NE(router.match("GET", "/").handler, nullptr);
  EXPECT_NE(router.match("GET", "/rooms/a").handler, nullptr);
  EXPECT_EQ(router.match("GET", "/pot").allow, "BREW");
  for (const char* path : {"/hello.txt", "/room", "/roomsx/a", "/pot2", "/a/rooms"}) {
    Router::Match none = router.match("GET", path);
    EXPECT_EQ(none.handler, nullptr) << path;
    EXPECT_EQ(none.allow, "") << path;
  }
  Router pages;
  pages.get("/about", [](Exchange& e) { e.respond(200, "text/plain", "about"); });
  pages.get("/{page}", [](Exchange& e) { e.respond(200, "text/plain", "page"); });
  Router::Match page = pages.match("GET", "/hello.txt");
  ASSERT_NE(page.handler, nullptr);
  ASSERT_EQ(page.params.size(), 1u);
  EXPECT_EQ(page.params[0].second, "hello.txt");
}

#endif
}  // namespace
}  // namespace duplex
