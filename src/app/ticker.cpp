// Ticker (lesson 07): the event source behind /poll, /long-poll, /stream and /events.
// @lesson 07
#include "src/app/ticker.hpp"

namespace duplex::app {

std::string TickerEvent::json() const {
  return "{\"id\":" + std::to_string(id) + ",\"value\":" + std::to_string(value) + "}";
}

Ticker::Ticker(net::EventLoop& loop, std::chrono::milliseconds interval, std::size_t history)
    : loop_(loop), interval_(interval), history_size_(history == 0 ? 1 : history) {}

Ticker::~Ticker() {
  stop();
}

void Ticker::start() {
  if (timer_ != 0) return;
  timer_ = loop_.run_every(interval_, [this] { publish(); });
}

void Ticker::stop() {
  if (timer_ != 0) loop_.cancel(timer_);
  timer_ = 0;
}

const TickerEvent& Ticker::publish() {
  // xorshift64: a reproducible walk of -3..+3 per tick.
  random_ ^= random_ << 13;
  random_ ^= random_ >> 7;
  random_ ^= random_ << 17;
  value_ += static_cast<std::int64_t>(random_ % 7) - 3;
  history_.push_back({next_id_++, value_});
  if (history_.size() > history_size_) history_.pop_front();
  notify(history_.back());
  return history_.back();
}

#if DUPLEX_LESSON >= 11
// Lesson 11: a follower on another loop is fed its source's events by a TickerRelay.
void Ticker::publish(const TickerEvent& event) {
  next_id_ = event.id + 1;
  value_ = event.value;
  history_.push_back(event);
  if (history_.size() > history_size_) history_.pop_front();
  notify(event);
}
#endif

void Ticker::notify(const TickerEvent& published) {
  TickerEvent event = published;  // a subscriber may publish, and history_ move under us
  // Copy the ids first: a subscriber may unsubscribe anyone, itself included.
  std::vector<SubscriptionId> ids;
  ids.reserve(subscribers_.size());
  for (const auto& [id, subscriber] : subscribers_) ids.push_back(id);
  for (SubscriptionId id : ids) {
    auto it = subscribers_.find(id);
    if (it == subscribers_.end()) continue;
    Subscriber subscriber = it->second;  // survives its own unsubscribe()
    subscriber(event);
  }
}

std::vector<TickerEvent> Ticker::since(std::uint64_t id) const {
  std::vector<TickerEvent> events;
  for (const TickerEvent& event : history_) {
    if (event.id > id) events.push_back(event);
  }
  return events;
}

Ticker::SubscriptionId Ticker::subscribe(Subscriber subscriber) {
  SubscriptionId id = next_subscription_++;
  subscribers_.emplace(id, std::move(subscriber));
  return id;
}

void Ticker::unsubscribe(SubscriptionId id) {
  subscribers_.erase(id);
}

}  // namespace duplex::app
