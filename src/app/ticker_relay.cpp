// TickerRelay (lessons 11-12): a source Ticker fanned out to other loops. See ticker_relay.hpp.
// @lesson 11
#include "src/app/ticker_relay.hpp"

namespace duplex::app {

TickerRelay::TickerRelay(Ticker& source) : source_(source) {
  // @anchor lesson11-ticker-relay
  // The event is copied into each task: the follower's loop runs it later, while the source
  // has long moved on.
  subscription_ = source_.subscribe([this](const TickerEvent& event) {
    for (Ticker* follower : followers_) {
      follower->loop().post([follower, event] { follower->publish(event); });
    }
  });
}

TickerRelay::~TickerRelay() {
  source_.unsubscribe(subscription_);
}

void TickerRelay::add(Ticker& follower) {
  followers_.push_back(&follower);
}

}  // namespace duplex::app
