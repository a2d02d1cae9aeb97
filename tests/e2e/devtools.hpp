// Chromium driven over the DevTools protocol with the project's own WebSocket client.
//
// Browser starts a headless Chromium (in a ProcessGroup) and reads "DevTools listening on
// ws://..." from its stderr; Page is one tab, reached over its own DevTools WebSocket, with the
// three commands the tests need: Page.navigate, Runtime.evaluate and Page.captureScreenshot.
// Replies are JSON; the few fields read here are found by name and decoded with the chat's
// flat-JSON string rules (app/flat_json.hpp). Every wait is bounded.
// @lesson 11
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "src/ws/ws_client.hpp"
#include "tests/e2e/process_group.hpp"

namespace duplex::e2e {

// The decoded JSON string value of the first `"field":"..."` in `json`, if there is one.
std::optional<std::string> json_string_field(const std::string& json, const std::string& field);

class Page {
 public:
  explicit Page(const std::string& websocket_url);

  // Sends a command and waits for the reply with its id; returns the reply's text. Throws
  // std::runtime_error on a timeout or an error reply.
  std::string call(const std::string& method, const std::string& params_json = "{}");
  // Loads `url` and waits until document.readyState is "complete".
  void navigate(const std::string& url);
  // String(`expression`) evaluated in the page.
  std::string evaluate(const std::string& expression);
  // Evaluates `expression` every 100 ms until it gives "true"; false after `timeout`.
  bool wait_for(const std::string& expression, std::chrono::milliseconds timeout);
  // A PNG of the viewport, written to `path`.
  void screenshot(const std::string& path);

 private:
  ws::WsClient client_;
  int next_id_ = 1;
};

class Browser {
 public:
  // Starts `binary` headless; throws with Chromium's output if it does not listen in time.
  explicit Browser(const std::string& binary);
  ~Browser();
  // A new tab (Target.createTarget), sized 1000x720.
  std::unique_ptr<Page> new_page();

 private:
  std::string profile_;
  std::unique_ptr<ProcessGroup> process_;
  std::string host_port_;  // "127.0.0.1:PORT" of the DevTools endpoint
  std::unique_ptr<Page> browser_;
};

// chromium's path ($DUPLEX_CHROMIUM, or chromium / chromium-browser / google-chrome on $PATH).
std::string find_chromium();

}  // namespace duplex::e2e
