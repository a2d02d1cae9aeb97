// The lesson-07 push endpoints: short polling, long-polling, HTTP streaming and Server-Sent
// Events over the same Ticker. See push_endpoints.hpp.
// @lesson 07
#include "src/app/push_endpoints.hpp"

#include <charconv>

namespace duplex::app {

namespace {

std::uint64_t parse_id(std::string_view text, std::uint64_t fallback) {
  std::uint64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || text.empty()) return fallback;
  return value;
}

// A response nobody may cache: every poll must reach the server (RFC 9111 §5.2.2.4).
http::Response json_response(std::string body) {
  http::Response response(200, std::move(body));
  response.add("Content-Type", "application/json").add("Cache-Control", "no-store");
  return response;
}

}  // namespace

std::string events_json(const std::vector<TickerEvent>& events, std::uint64_t last) {
  std::string out = "{\"last\":" + std::to_string(last) + ",\"events\":[";
  for (std::size_t i = 0; i < events.size(); ++i) {
    if (i > 0) out += ',';
    out += events[i].json();
  }
  out += "]}\n";
  return out;
}

PushEndpoints::PushEndpoints(Ticker& ticker, PushOptions options)
    : ticker_(ticker), options_(options) {}

PushEndpoints::~PushEndpoints() {
  for (auto& [key, waiter] : waiters_) {
    ticker_.unsubscribe(waiter.subscription);
    if (waiter.timer != 0) waiter.exchange.loop().cancel(waiter.timer);
    waiter.exchange.on_close(nullptr);
  }
  for (auto& [key, stream] : streams_) {
    ticker_.unsubscribe(stream.subscription);
    stream.exchange.on_close(nullptr);
  }
}

void PushEndpoints::install(http::Router& router) {
  router.get("/poll", [this](http::Exchange& exchange) { poll(exchange); });
  router.get("/long-poll", [this](http::Exchange& exchange) { long_poll(exchange); });
  router.get("/stream", [this](http::Exchange& exchange) { stream(exchange); });
  router.get("/events", [this](http::Exchange& exchange) { events(exchange); });
}

std::uint64_t PushEndpoints::since_of(const http::Exchange& exchange) const {
  auto since = exchange.query("since");
  // An id from the future (a client of an earlier run of the server) means "from now on".
  std::uint64_t last = ticker_.last_id();
  std::uint64_t value = since ? parse_id(*since, last) : last;
  return value > last ? last : value;
}

// @anchor lesson07-poll
// Short polling: the answer is whatever exists now, often nothing. Simple and stateless, but
// each poll costs a request even when there is no news, and news waits up to one interval.
void PushEndpoints::poll(http::Exchange& exchange) {
  std::uint64_t since = exchange.query("since") ? since_of(exchange) : 0;
  exchange.respond(json_response(events_json(ticker_.since(since), ticker_.last_id())));
}

// @anchor lesson07-long-poll
// Long-polling: when there is nothing new, do not answer yet. The Exchange handle is kept, and
// the answer goes out from the ticker's callback (news) or a timer (no news). Meanwhile the
// requests the client pipelined behind this one wait, in order.
void PushEndpoints::long_poll(http::Exchange& exchange) {
  std::uint64_t since = since_of(exchange);
  auto ready = ticker_.since(since);
  if (!ready.empty()) {
    exchange.respond(json_response(events_json(ready, ticker_.last_id())));
    return;
  }
  std::uint64_t key = next_key_++;
  Waiter& waiter = waiters_.emplace(key, Waiter{exchange, 0, 0, since}).first->second;
  waiter.subscription = ticker_.subscribe([this, key](const TickerEvent&) { answer_waiter(key); });
  waiter.timer = exchange.loop().run_after(options_.long_poll_timeout, [this, key] {
    auto it = waiters_.find(key);
    if (it != waiters_.end()) it->second.timer = 0;
    answer_waiter(key);
  });
  // The client gave up (closed the tab, the connection died): stop waiting for it.
  exchange.on_close([this, key] {
    auto it = waiters_.find(key);
    if (it == waiters_.end()) return;
    ticker_.unsubscribe(it->second.subscription);
    if (it->second.timer != 0) it->second.exchange.loop().cancel(it->second.timer);
    waiters_.erase(it);
  });
}

void PushEndpoints::answer_waiter(std::uint64_t key) {
  auto it = waiters_.find(key);
  if (it == waiters_.end()) return;
  Waiter waiter = std::move(it->second);
  waiters_.erase(it);
  ticker_.unsubscribe(waiter.subscription);
  if (waiter.timer != 0) waiter.exchange.loop().cancel(waiter.timer);
  waiter.exchange.on_close(nullptr);
  waiter.exchange.respond(
      json_response(events_json(ticker_.since(waiter.since), ticker_.last_id())));
}

std::uint64_t PushEndpoints::open_stream(http::Exchange& exchange) {
  std::uint64_t key = next_key_++;
  streams_.emplace(key, Stream{exchange, 0});
  exchange.on_close([this, key] { end_stream(key, false); });
  return key;
}

// @anchor lesson07-stream
// HTTP streaming: one response whose body never ends. Chunked coding (RFC 9112 §7.1) frames
// each piece, so the client can read an event as soon as its chunk arrives.
void PushEndpoints::stream(http::Exchange& exchange) {
  auto count = exchange.query("count");
  std::uint64_t limit = count ? parse_id(*count, 0) : 0;
  http::Response head(200);
  head.add("Content-Type", "application/x-ndjson").add("Cache-Control", "no-store");
  exchange.start_stream(std::move(head));
  if (exchange.finished()) return;  // HEAD: the head was all there was
  std::uint64_t key = open_stream(exchange);
  auto sent = std::make_shared<std::uint64_t>(0);
  streams_.at(key).subscription =
      ticker_.subscribe([this, key, limit, sent](const TickerEvent& event) {
        auto it = streams_.find(key);
        if (it == streams_.end()) return;
        if (!it->second.exchange.write(event.json() + "\n")) return;
        if (limit != 0 && ++*sent >= limit) end_stream(key, true);
      });
}

// @anchor lesson07-sse
// Server-Sent Events: a stream with a tiny text format. Each event is "id:" and "data:" lines
// and an empty line; the browser's EventSource parses it, reconnects by itself when the
// connection drops, and sends the last id it saw in Last-Event-ID, so the server replays
// what was missed from the ticker's history.
void PushEndpoints::events(http::Exchange& exchange) {
  auto count = exchange.query("count");
  std::uint64_t limit = count ? parse_id(*count, 0) : 0;
  std::uint64_t resume = ticker_.last_id();
  bool resuming = false;
  if (auto last = exchange.request().headers.get("Last-Event-ID")) {
    resume = parse_id(*last, resume);
    resuming = true;
  }
  http::Response head(200);
  head.add("Content-Type", "text/event-stream").add("Cache-Control", "no-store");
  exchange.start_stream(std::move(head));
  if (exchange.finished()) return;
  // "retry:" tells EventSource how long to wait before reconnecting (milliseconds).
  exchange.write("retry: 1000\n\n");
  auto sent = std::make_shared<std::uint64_t>(0);
  auto format = [](const TickerEvent& event) {
    return "id: " + std::to_string(event.id) + "\ndata: " + event.json() + "\n\n";
  };
  if (resuming) {
    for (const TickerEvent& missed : ticker_.since(resume)) {
      exchange.write(format(missed));
      if (limit != 0 && ++*sent >= limit) {
        exchange.finish();
        return;
      }
    }
  }
  std::uint64_t key = open_stream(exchange);
  streams_.at(key).subscription =
      ticker_.subscribe([this, key, limit, sent, format](const TickerEvent& event) {
        auto it = streams_.find(key);
        if (it == streams_.end()) return;
        if (!it->second.exchange.write(format(event))) return;
        if (limit != 0 && ++*sent >= limit) end_stream(key, true);
      });
}

void PushEndpoints::end_stream(std::uint64_t key, bool finish) {
  auto it = streams_.find(key);
  if (it == streams_.end()) return;
  Stream stream = std::move(it->second);
  streams_.erase(it);
  ticker_.unsubscribe(stream.subscription);
  stream.exchange.on_close(nullptr);
  if (finish) stream.exchange.finish();
}

void PushEndpoints::shutdown() {
  std::vector<std::uint64_t> keys;
  for (const auto& [key, waiter] : waiters_) keys.push_back(key);
  for (std::uint64_t key : keys) answer_waiter(key);
  keys.clear();
  for (const auto& [key, stream] : streams_) keys.push_back(key);
  for (std::uint64_t key : keys) end_stream(key, true);
}

}  // namespace duplex::app
