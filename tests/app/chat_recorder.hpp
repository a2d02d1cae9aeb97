// ChatRecorder: a ChatOutput for tests (lesson 11) that keeps what each member would have
// received, who is in which room and who was closed, instead of writing to sockets.
// @lesson 11
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "src/app/chat_room.hpp"
#include "src/app/flat_json.hpp"

namespace duplex::testing {

using app::FlatJsonError;
using app::FlatObject;
using app::MemberId;

struct ChatRecorder : app::ChatOutput {
  void send(MemberId to, std::string_view message) override { inbox[to].emplace_back(message); }
  void broadcast(std::string_view room, std::string_view message, MemberId except) override {
    for (MemberId member : rooms[std::string(room)]) {
      if (member != except) inbox[member].emplace_back(message);
    }
  }
  void joined(MemberId member, std::string_view room) override {
    rooms[std::string(room)].insert(member);
  }
  void left(MemberId member, std::string_view room) override {
    rooms[std::string(room)].erase(member);
  }
  void close(MemberId member, ws::CloseCode code, std::string_view reason) override {
    closed[member] = {code, std::string(reason)};
  }
  // The messages `member` got since the last call, parsed; each must be valid JSON.
  std::vector<FlatObject> take(MemberId member) {
    std::vector<FlatObject> result;
    for (const std::string& text : inbox[member]) {
      FlatJsonError error;
      auto object = app::parse_flat_json(text, error);
      EXPECT_TRUE(object) << "the server must send valid JSON: " << text << ": " << error.what;
      if (object) result.push_back(*object);
    }
    inbox[member].clear();
    return result;
  }

  std::map<MemberId, std::vector<std::string>> inbox;
  std::map<std::string, std::set<MemberId>> rooms;
  std::map<MemberId, std::pair<ws::CloseCode, std::string>> closed;
};

}  // namespace duplex::testing
