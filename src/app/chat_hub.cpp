// ChatHub (lessons 11-12): one ChatRooms serving several loops by message passing. See
// chat_hub.hpp.
// @lesson 11
#include "src/app/chat_hub.hpp"

#include <memory>
#include <utility>

namespace duplex::app {

ChatHub::ChatHub(net::EventLoop& home, ChatLimits limits)
    : home_(home), router_(*this), rooms_(router_, std::move(limits)) {}

#if DUPLEX_LESSON >= 15
ChatHub::ChatHub(net::EventLoop& home, ChatEngine& engine, ChatLimits limits)
    : home_(home), router_(*this), rooms_(router_, engine, std::move(limits)) {}
#endif

ChatHub::~ChatHub() = default;

std::size_t ChatHub::add_shard(net::EventLoop& loop, ChatOutput& output) {
  shards_.push_back({&loop, &output});
  return shards_.size() - 1;
}

// @anchor lesson11-chat-hub
// Each entry call copies what it needs into a task for the home loop; `now` is read on the
// member's loop when its message arrived, so queueing time costs it no tokens.
void ChatHub::connect(std::size_t shard, MemberId member, Clock::time_point now) {
  home_.post([this, shard, member, now] {
    shard_of_[member] = shard;
    rooms_.connect(member, now);
  });
}

void ChatHub::receive(MemberId member, std::string text, Clock::time_point now) {
  home_.post([this, member, text = std::move(text), now] { rooms_.receive(member, text, now); });
}

void ChatHub::receive_binary(MemberId member, Clock::time_point now) {
  home_.post([this, member, now] { rooms_.receive_binary(member, now); });
}

void ChatHub::disconnect(MemberId member) {
  home_.post([this, member] {
    rooms_.disconnect(member);  // tells the room, which still needs the member's shard
    shard_of_.erase(member);
  });
}

const ChatHub::Shard* ChatHub::shard_for(MemberId member) const {
  auto found = shard_of_.find(member);
  return found == shard_of_.end() ? nullptr : &shards_[found->second];
}

void ChatHub::Router::send(MemberId to, std::string_view message) {
  if (const Shard* shard = hub_.shard_for(to)) {
    ChatOutput* output = shard->output;
    shard->loop->post([output, to, text = std::string(message)] { output->send(to, text); });
  }
}

// Every loop may have members in the room; a loop with none finds no group and drops it. The
// text is shared by the tasks rather than copied into each.
void ChatHub::Router::broadcast(std::string_view room, std::string_view message, MemberId except) {
  auto shared = std::make_shared<const std::pair<std::string, std::string>>(room, message);
  for (const Shard& shard : hub_.shards_) {
    ChatOutput* output = shard.output;
    shard.loop->post(
        [output, shared, except] { output->broadcast(shared->first, shared->second, except); });
  }
}

void ChatHub::Router::joined(MemberId member, std::string_view room) {
  if (const Shard* shard = hub_.shard_for(member)) {
    ChatOutput* output = shard->output;
    shard->loop->post([output, member, name = std::string(room)] { output->joined(member, name); });
  }
}

void ChatHub::Router::left(MemberId member, std::string_view room) {
  if (const Shard* shard = hub_.shard_for(member)) {
    ChatOutput* output = shard->output;
    shard->loop->post([output, member, name = std::string(room)] { output->left(member, name); });
  }
}

void ChatHub::Router::close(MemberId member, ws::CloseCode code, std::string_view reason) {
  if (const Shard* shard = hub_.shard_for(member)) {
    ChatOutput* output = shard->output;
    shard->loop->post(
        [output, member, code, why = std::string(reason)] { output->close(member, code, why); });
  }
}

}  // namespace duplex::app
