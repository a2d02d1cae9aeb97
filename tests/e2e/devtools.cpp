// Driving Chromium over DevTools (the e2e suite). See devtools.hpp.
// @lesson 11
#include "tests/e2e/devtools.hpp"

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <thread>

#include "src/app/flat_json.hpp"
#include "src/ws/base64.hpp"

namespace duplex::e2e {

namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

constexpr milliseconds kReplyTimeout{15000};

std::string quoted(const std::string& text) {
  std::string out = "\"";
  app::FlatJsonWriter::escape(text, out);
  return out + "\"";
}

}  // namespace

std::optional<std::string> json_string_field(const std::string& json, const std::string& field) {
  std::string key = "\"" + field + "\":\"";
  std::size_t start = json.find(key);
  if (start == std::string::npos) return std::nullopt;
  start += key.size() - 1;
  std::size_t end = start + 1;
  while (end < json.size() && json[end] != '"') end += json[end] == '\\' ? 2 : 1;
  if (end >= json.size()) return std::nullopt;
  app::FlatJsonLimits limits;
  limits.max_input = json.size() + 16;
  app::FlatJsonError error;
  auto object =
      app::parse_flat_json("{\"v\":" + json.substr(start, end - start + 1) + "}", error, limits);
  if (!object) return std::nullopt;
  return std::string(object->value_or_empty("v"));
}

Page::Page(const std::string& websocket_url)
    : client_([&] {
        ws::WsClientOptions options;
        options.limits.max_frame_size = options.limits.max_message_size = 64u << 20;
        options.connect_timeout = options.handshake_timeout = kReplyTimeout;
        options.write_timeout = options.close_timeout = kReplyTimeout;
        return ws::WsClient::connect(websocket_url, options);
      }()) {}

std::string Page::call(const std::string& method, const std::string& params_json) {
  int id = next_id_++;
  std::string request = "{\"id\":" + std::to_string(id) + ",\"method\":\"" + method +
                        "\",\"params\":" + params_json + "}";
  if (!client_.send_text(request)) throw std::runtime_error("DevTools: cannot send " + method);
  std::string prefix = "{\"id\":" + std::to_string(id) + ",";
  auto deadline = Clock::now() + kReplyTimeout;
  while (Clock::now() < deadline) {
    auto event = client_.receive(milliseconds(500));
    if (!event) {
      if (client_.closed()) break;
      continue;
    }
    if (event->kind == ws::Event::Kind::kClose) break;
    if (event->kind != ws::Event::Kind::kText || event->data.rfind(prefix, 0) != 0) continue;
    if (event->data.find("\"error\":") != std::string::npos &&
        event->data.find("\"result\":") == std::string::npos) {
      throw std::runtime_error("DevTools: " + method + " failed: " + event->data);
    }
    return event->data;
  }
  throw std::runtime_error("DevTools: no reply to " + method);
}

std::string Page::evaluate(const std::string& expression) {
  std::string reply =
      call("Runtime.evaluate",
           "{\"expression\":" + quoted("String(" + expression + ")") + ",\"returnByValue\":true}");
  if (reply.find("\"exceptionDetails\"") != std::string::npos) {
    throw std::runtime_error("the page threw: " + reply.substr(0, 400));
  }
  return json_string_field(reply, "value").value_or("");
}

bool Page::wait_for(const std::string& expression, milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  for (;;) {
    if (evaluate(expression) == "true") return true;
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(milliseconds(100));  // a polling interval, not a synchronisation
  }
}

void Page::navigate(const std::string& url) {
  call("Page.navigate", "{\"url\":" + quoted(url) + "}");
  if (!wait_for("document.readyState === 'complete' && location.href === " + quoted(url),
                milliseconds(15000))) {
    throw std::runtime_error("the page did not load: " + url);
  }
}

void Page::screenshot(const std::string& path) {
  // A headless tab in the background may not paint, and then never answers the capture.
  call("Page.bringToFront");
  std::string reply = call("Page.captureScreenshot", "{\"format\":\"png\"}");
  auto data = json_string_field(reply, "data");
  if (!data) throw std::runtime_error("no screenshot data");
  auto png = ws::base64_decode(*data);
  if (!png) throw std::runtime_error("the screenshot is not base64");
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path, std::ios::binary) << *png;
}

std::string find_chromium() {
  if (const char* chosen = std::getenv("DUPLEX_CHROMIUM"); chosen && *chosen) return chosen;
  return find_program({"chromium", "chromium-browser", "google-chrome", "chrome"});
}

Browser::Browser(const std::string& binary) {
  char profile_template[] = "/tmp/duplex-e2e-chromium-XXXXXX";
  if (::mkdtemp(profile_template) == nullptr) throw std::runtime_error("mkdtemp failed");
  profile_ = profile_template;
  process_ = std::make_unique<ProcessGroup>(std::vector<std::string>{
      binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync",
      "--hide-scrollbars", "--user-data-dir=" + profile_, "--remote-debugging-port=0",
      "about:blank"});
  const std::string marker = "DevTools listening on ws://";
  const std::string& output = process_->wait_stderr_for(marker, milliseconds(30000));
  std::size_t at = output.find(marker);
  std::size_t end =
      at == std::string::npos ? at : output.find_first_of(" \r\n", at + marker.size());
  if (end == std::string::npos) {
    throw std::runtime_error("Chromium printed no DevTools URL:\n" + output);
  }
  std::string url = output.substr(at + marker.size() - 5, end - (at + marker.size() - 5));
  host_port_ = url.substr(5, url.find('/', 5) - 5);
  browser_ = std::make_unique<Page>(url);
}

Browser::~Browser() {
  browser_.reset();
  process_.reset();
  std::error_code ignored;
  std::filesystem::remove_all(profile_, ignored);
}

std::unique_ptr<Page> Browser::new_page() {
  std::string reply = browser_->call("Target.createTarget", "{\"url\":\"about:blank\"}");
  auto target = json_string_field(reply, "targetId");
  if (!target) throw std::runtime_error("no targetId in " + reply);
  auto page = std::make_unique<Page>("ws://" + host_port_ + "/devtools/page/" + *target);
  page->call("Emulation.setDeviceMetricsOverride",
             R"({"width":1000,"height":720,"deviceScaleFactor":1,"mobile":false})");
  return page;
}

}  // namespace duplex::e2e
