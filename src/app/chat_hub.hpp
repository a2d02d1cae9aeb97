// ChatHub: one chat (one ChatRooms) for the chat endpoints of several event loops (lessons
// 11-12).
//
// With one event loop per core (duplex-server --threads N) two members of a room may sit on
// different loops, and no loop may touch another's connections. The hub gives the rooms one
// owner, the home loop: every member's messages are posted (EventLoop::post) to it, ChatRooms
// runs there alone, and what it says is posted back to the loop of each member it concerns,
// whose ChatEndpoint sends it on its own connections. Posted tasks run in the order they were
// posted, so each loop hears a room's messages in the room's order; the history and the rate
// limits live in the one ChatRooms, exactly as with a single loop.
//
//   loop 1: member says --post--> home loop: ChatRooms --post--> loop 0: its room members
//                                                      \--post--> loop 1: its room members
//
// The hub's own state is touched on the home loop only; only the entry calls are thread-safe.
// A posted task that throws is reported to its loop's error sink and that loop goes on (the
// event loop's error policy); a member's send that fails closes that member alone (1008 for a
// full send queue, 1011 when its handler threw).
// @lesson 11
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "src/app/chat_room.hpp"
#include "src/net/event_loop.hpp"

namespace duplex::app {

class ChatHub {
 public:
  using Clock = ChatRooms::Clock;

  // `home` runs the rooms.
  explicit ChatHub(net::EventLoop& home, ChatLimits limits = {});
  ~ChatHub();
  ChatHub(const ChatHub&) = delete;
  ChatHub& operator=(const ChatHub&) = delete;

  // Registers the output of one loop's endpoint and returns its shard number. All shards are
  // added before any member connects. `output` and `loop` must outlive every task posted to
  // them: the server destroys them only once every loop thread has ended.
  std::size_t add_shard(net::EventLoop& loop, ChatOutput& output);

  // Thread-safe: each posts the matching ChatRooms call to the home loop. A member's calls
  // come from its own loop, in order.
  void connect(std::size_t shard, MemberId member, Clock::time_point now);
  void receive(MemberId member, std::string text, Clock::time_point now);
  void receive_binary(MemberId member, Clock::time_point now);
  void disconnect(MemberId member);

  // On the home loop only.
  const ChatRooms& rooms() const { return rooms_; }
  std::size_t member_count() const { return shard_of_.size(); }

#if DUPLEX_LESSON >= 15
  // Lesson 15: the rooms use `engine`, which lives on the home loop and outlives the hub.
  ChatHub(net::EventLoop& home, ChatEngine& engine, ChatLimits limits = {});
#endif

 private:
  // ChatRooms' output on the home loop: each call becomes a task on the loop(s) concerned.
  class Router : public ChatOutput {
   public:
    explicit Router(ChatHub& hub) : hub_(hub) {}
    void send(MemberId to, std::string_view message) override;
    void broadcast(std::string_view room, std::string_view message, MemberId except) override;
    void joined(MemberId member, std::string_view room) override;
    void left(MemberId member, std::string_view room) override;
    void close(MemberId member, ws::CloseCode code, std::string_view reason) override;

   private:
    ChatHub& hub_;
  };
  struct Shard {
    net::EventLoop* loop;
    ChatOutput* output;
  };

  const Shard* shard_for(MemberId member) const;

  net::EventLoop& home_;
  std::vector<Shard> shards_;
  std::map<MemberId, std::size_t> shard_of_;
  Router router_;
  ChatRooms rooms_;
};

}  // namespace duplex::app
