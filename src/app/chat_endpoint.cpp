// ChatEndpoint (lesson 11): ChatRooms on WebSocket connections. See chat_endpoint.hpp.
// @lesson 11
#include "src/app/chat_endpoint.hpp"

#include <map>
#include <optional>
#include <string>
#include <utility>

#include "src/ws/group.hpp"
#include "src/ws/ws_endpoint.hpp"

namespace duplex::app {

void close_all_going_away(ws::Group& connections) {
  connections.for_each([](ws::WsConnection& connection) {
    connection.close(ws::CloseCode::kGoingAway, "server stopping");
  });
}

ws::WsOptions chat_options() {
  ws::WsOptions options;
  options.limits.max_frame_size = 4096;
  options.limits.max_message_size = 4096;
  options.max_send_queue = 256 * 1024;
  return options;
}

// @anchor lesson11-chat-glue
// ChatRooms calls back into this output while it handles a message, and a callback may end a
// connection (a full send queue closes it). That never re-enters ChatRooms: sends and closes
// only queue, and on_close comes at the end of the loop's round, after the call returned.
//
// With a hub the same methods run on tasks the hub posts to this endpoint's loop, and ChatRooms
// runs on the hub's loop, never inside them.
struct ChatEndpoint::State : ChatOutput {
  explicit State(ChatLimits limits) : rooms(std::in_place, *this, std::move(limits)) {}
  explicit State(ChatHub& chat_hub) : hub(&chat_hub) {}
#if DUPLEX_LESSON >= 15
  State(ChatEngine& engine, ChatLimits limits)
      : rooms(std::in_place, *this, engine, std::move(limits)) {}
#endif

  void send(MemberId to, std::string_view message) override {
    if (auto found = connections.find(to); found != connections.end()) {
      found->second->send_text(message);
    }
  }
  void broadcast(std::string_view room, std::string_view message, MemberId except) override {
    auto group = groups.find(room);
    if (group == groups.end()) return;
    auto sender = connections.find(except);
    group->second->broadcast_text(message, sender == connections.end() ? nullptr : sender->second);
  }
  void joined(MemberId member, std::string_view room) override {
    auto connection = connections.find(member);
    if (connection == connections.end()) return;
    auto& group = groups[std::string(room)];
    if (!group) group = std::make_unique<ws::Group>();
    group->add(*connection->second);
  }
  void left(MemberId member, std::string_view room) override {
    auto group = groups.find(room);
    if (group == groups.end()) return;
    if (auto connection = connections.find(member); connection != connections.end()) {
      group->second->remove(*connection->second);
    }
    if (group->second->empty()) groups.erase(group);
  }
  void close(MemberId member, ws::CloseCode code, std::string_view reason) override {
    if (auto found = connections.find(member); found != connections.end()) {
      found->second->close(code, reason);
    }
  }

  std::optional<ChatRooms> rooms;  // without a hub
  ChatHub* hub = nullptr;
  std::size_t shard = 0;
  std::map<MemberId, ws::WsConnection*> connections;
  std::map<std::string, std::unique_ptr<ws::Group>, std::less<>> groups;
  std::unique_ptr<ws::WsEndpoint> endpoint;
};

ChatEndpoint::ChatEndpoint(ChatLimits limits, ws::WsOptions options)
    : state_(std::make_shared<State>(std::move(limits))) {
  state_->endpoint = std::make_unique<ws::WsEndpoint>(local_handlers(), std::move(options));
}

#if DUPLEX_LESSON >= 15
ChatEndpoint::ChatEndpoint(ChatEngine& engine, ChatLimits limits, ws::WsOptions options)
    : state_(std::make_shared<State>(engine, std::move(limits))) {
  state_->endpoint = std::make_unique<ws::WsEndpoint>(local_handlers(), std::move(options));
}
#endif

ChatEndpoint::ChatEndpoint(ChatHub& hub, net::EventLoop& loop, ws::WsOptions options)
    : state_(std::make_shared<State>(hub)) {
  state_->shard = hub.add_shard(loop, *state_);
  state_->endpoint = std::make_unique<ws::WsEndpoint>(hub_handlers(), std::move(options));
}

ws::WsHandlers ChatEndpoint::local_handlers() {
  std::weak_ptr<State> weak = state_;
  ws::WsHandlers handlers;
  handlers.on_open = [weak](ws::WsConnection& connection) {
    auto state = weak.lock();
    if (!state) return;
    state->connections[connection.id()] = &connection;
    state->rooms->connect(connection.id(), ChatRooms::Clock::now());
  };
  handlers.on_message = [weak](ws::WsConnection& connection, ws::Message& message) {
    auto state = weak.lock();
    if (!state) return;
    if (message.is_text()) {
      state->rooms->receive(connection.id(), message.data, ChatRooms::Clock::now());
    } else {
      state->rooms->receive_binary(connection.id(), ChatRooms::Clock::now());
    }
  };
  handlers.on_close = [weak](ws::WsConnection& connection, ws::CloseCode, std::string_view) {
    auto state = weak.lock();
    if (!state) return;
    state->connections.erase(connection.id());
    state->rooms->disconnect(connection.id());
  };
  return handlers;
}

// @anchor lesson11-chat-hub-glue
// A closed connection leaves its groups by itself (ws::Group), so nothing here waits for the
// hub's answer; what the hub posts for a member already gone finds no connection and is dropped.
ws::WsHandlers ChatEndpoint::hub_handlers() {
  std::weak_ptr<State> weak = state_;
  ws::WsHandlers handlers;
  handlers.on_open = [weak](ws::WsConnection& connection) {
    auto state = weak.lock();
    if (!state) return;
    state->connections[connection.id()] = &connection;
    state->hub->connect(state->shard, connection.id(), ChatRooms::Clock::now());
  };
  handlers.on_message = [weak](ws::WsConnection& connection, ws::Message& message) {
    auto state = weak.lock();
    if (!state) return;
    if (message.is_text()) {
      state->hub->receive(connection.id(), message.data, ChatRooms::Clock::now());
    } else {
      state->hub->receive_binary(connection.id(), ChatRooms::Clock::now());
    }
  };
  handlers.on_close = [weak](ws::WsConnection& connection, ws::CloseCode, std::string_view) {
    auto state = weak.lock();
    if (!state) return;
    state->connections.erase(connection.id());
    state->hub->disconnect(connection.id());
  };
  return handlers;
}

ChatEndpoint::~ChatEndpoint() = default;

void ChatEndpoint::install(http::Router& router, std::string_view path) {
  state_->endpoint->install(router, path);
}

void ChatEndpoint::shutdown() {
  close_all_going_away(state_->endpoint->connections());
}

std::size_t ChatEndpoint::connection_count() const {
  return state_->connections.size();
}

const ChatRooms& ChatEndpoint::rooms() const {
  return state_->hub != nullptr ? state_->hub->rooms() : *state_->rooms;
}

}  // namespace duplex::app
