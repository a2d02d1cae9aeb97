// ChatFeed: one room's messages in order, merged from Pub/Sub and the room's stream (lesson 15).
// @lesson 15
//
// With Redis a process hears a room's messages two ways: live, through Pub/Sub (at most once:
// whatever is published while the subscriber connection is down is lost to it), and by reading
// the room's Redis Stream, which keeps the last N messages under their offsets. The two come on
// different connections, so they overlap and interleave in any order. ChatFeed is the sans-I/O
// merge: it takes both, delivers every offset once and in increasing order, holds back a live
// message that arrives after a hole, asks for the hole to be read from the stream, and says
// which offsets are gone for good (trimmed, or lost with Redis). An epoch that changes (the
// stream was lost and numbering restarted) resets it.
//
//   on_live(epoch, entry)            a Pub/Sub message
//   on_read(epoch, entries, asked)   a stream read: the one the feed asked for, or a join's
//   on_reconnected()                 the subscriber is back: what was published meanwhile is read
//   on_read_failed()                 the read it asked for got no answer
//
// Each returns a FeedStep: what to deliver, in this order: epoch change, lost count, entries;
// and a stream read to make (at most one is outstanding at a time).
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "src/app/chat_engine.hpp"

namespace duplex::app {

// Offsets [from, to] to read from the stream; to == 0: up to the newest.
struct FeedRead {
  std::uint64_t from = 1;
  std::uint64_t to = 0;
  bool operator==(const FeedRead&) const = default;
};

struct FeedStep {
  bool epoch_changed = false;  // a new epoch: offsets restart, what came before is gone
  std::uint64_t lost = 0;      // offsets skipped for good, right before `deliver`
  std::vector<ChatEntry> deliver;
  std::optional<FeedRead> read;
};

struct FeedOptions {
  // Delivered entries kept for the history of members that join (ChatLimits::history). 50.
  std::size_t recent = 50;
  // Live entries held back while a hole is read; past this the hole is given up as lost. 1000.
  std::size_t max_held = 1000;
};

class ChatFeed {
 public:
  explicit ChatFeed(FeedOptions options = {}) : options_(options) {}

  FeedStep on_live(std::string_view epoch, ChatEntry entry);
  // `asked`: the read the feed asked for (offsets in its range, up to the newest entry read when
  // it had no end, that are absent are no longer in the stream). nullopt: another read, such as
  // a join's read of the newest entries, which says nothing about the offsets it did not return.
  FeedStep on_read(std::string_view epoch, std::vector<ChatEntry> entries,
                   std::optional<FeedRead> asked);
  FeedStep on_reconnected();
  // The read asked for got no answer (Redis went away): the next hole asks again.
  void on_read_failed() { reading_ = false; }

  const std::string& epoch() const { return epoch_; }
  std::uint64_t last() const { return last_; }  // the last offset delivered (0: none)
  bool reading() const { return reading_; }
  // The last delivered entries with an offset above `after`, oldest first.
  std::vector<ChatEntry> recent_after(std::uint64_t after) const;

 private:
  void switch_epoch(std::string_view epoch, FeedStep& step);
  void drain(FeedStep& step);
  void ask(FeedStep& step, FeedRead read);

  FeedOptions options_;
  std::string epoch_;
  bool started_ = false;  // an epoch and a starting offset are known
  std::uint64_t last_ = 0;
  bool reading_ = false;
  std::map<std::uint64_t, ChatEntry> held_;
  std::deque<ChatEntry> recent_;
};

}  // namespace duplex::app
