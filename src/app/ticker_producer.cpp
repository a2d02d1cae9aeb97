// TickerProducer (lesson 15): see ticker_producer.hpp.
// @lesson 15
#include "src/app/ticker_producer.hpp"

namespace duplex::app {

// @anchor lesson15-next-tick
// splitmix64 of the id: a well-mixed number from a counter, the same on every machine. The
// Ticker of lesson 07 keeps a generator's state between ticks instead; here the state would have
// to travel with the lease, and a function of the id alone needs none.
TickerEvent next_tick(const TickerEvent& last) {
  std::uint64_t id = last.id + 1;
  std::uint64_t mixed = id * 0x9E3779B97F4A7C15ULL;
  mixed = (mixed ^ (mixed >> 30)) * 0xBF58476D1CE4E5B9ULL;
  mixed = (mixed ^ (mixed >> 27)) * 0x94D049BB133111EBULL;
  mixed ^= mixed >> 31;
  std::int64_t base = last.id == 0 ? kTickerStartValue : last.value;
  return {id, base + static_cast<std::int64_t>(mixed % 7) - 3};
}

std::optional<TickerEvent> TickerProducer::propose() {
  // Knowing no last tick, propose id 0: never the next one, so the script answers kOutOfStep
  // with the last tick if this process may produce, and kHeld if it may not.
  owed_ = last_ ? next_tick(*last_) : TickerEvent{0, 0};
  return owed_;
}

std::optional<TickerEvent> TickerProducer::on_timer() {
  if (owed_) return std::nullopt;
  return propose();
}

// @anchor lesson15-producer-answer
std::optional<TickerEvent> TickerProducer::on_answer(const TickAnswer& answer) {
  if (!owed_) return std::nullopt;  // not ours to take (cannot happen: one is owed at a time)
  TickerEvent proposed = *owed_;
  owed_.reset();
  switch (answer.kind) {
    case TickAnswer::Kind::kProduced:
      producing_ = true;
      last_ = proposed;
      ++produced_;
      return std::nullopt;
    case TickAnswer::Kind::kHeld:
      // Another process makes the ticks: what this one knew goes stale at once.
      producing_ = false;
      last_.reset();
      return std::nullopt;
    case TickAnswer::Kind::kOutOfStep:
      producing_ = true;
      last_ = answer.last;
      return propose();
  }
  return std::nullopt;
}

void TickerProducer::on_no_answer() {
  owed_.reset();
  producing_ = false;
  last_.reset();  // someone else may have ticked meanwhile: ask the script again
}

std::string TickerProducer::describe() const {
  std::string text = "last=" + (last_ ? std::to_string(last_->id) : std::string("?"));
  if (owed_) text += " owed=" + std::to_string(owed_->id);
  if (producing_) text += " producing";
  return text;
}

}  // namespace duplex::app
