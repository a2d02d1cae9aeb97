// ChatFeed (lesson 15): the merge of Pub/Sub and the stream. See chat_feed.hpp.
// @lesson 15
#include "src/app/chat_feed.hpp"

#include <algorithm>
#include <utility>

namespace duplex::app {

void ChatFeed::switch_epoch(std::string_view epoch, FeedStep& step) {
  if (started_ && !epoch_.empty()) step.epoch_changed = true;  // '': there was none to lose
  epoch_ = epoch;
  started_ = true;
  last_ = 0;
  held_.clear();
  recent_.clear();
  reading_ = false;  // an answer still owed belongs to the old epoch: on_read ignores it
}

// Delivers the held entries that follow the last one delivered, without a hole.
void ChatFeed::drain(FeedStep& step) {
  while (!held_.empty() && held_.begin()->first <= last_ + 1) {
    auto first = held_.begin();
    if (first->first > last_) {  // else a duplicate
      last_ = first->first;
      recent_.push_back(first->second);
      if (recent_.size() > options_.recent) recent_.pop_front();
      step.deliver.push_back(std::move(first->second));
    }
    held_.erase(first);
  }
}

void ChatFeed::ask(FeedStep& step, FeedRead read) {
  if (reading_) return;
  reading_ = true;
  step.read = read;
}

// @anchor lesson15-merge-feed
// A live message right after the last one is delivered at once (the common case: one map
// insertion, one extraction). One further on means a hole: Pub/Sub lost something (or the
// stream read that the member's join made ran ahead), so the message is held and the hole read
// from the stream. Too many held while waiting: the hole is given up, reported as lost.
FeedStep ChatFeed::on_live(std::string_view epoch, ChatEntry entry) {
  FeedStep step;
  if (!started_) {
    // The first message this process hears: it starts here, nothing before it was owed.
    switch_epoch(epoch, step);
    last_ = entry.offset - 1;
  } else if (epoch != epoch_) {
    switch_epoch(epoch, step);
  }
  if (entry.offset <= last_) return step;
  held_.emplace(entry.offset, std::move(entry));
  drain(step);
  if (!held_.empty()) {
    if (held_.size() > options_.max_held) {
      step.lost = held_.begin()->first - last_ - 1;
      last_ = held_.begin()->first - 1;
      drain(step);
    } else {
      ask(step, {last_ + 1, held_.begin()->first - 1});
    }
  }
  return step;
}

FeedStep ChatFeed::on_read(std::string_view epoch, std::vector<ChatEntry> entries,
                           std::optional<FeedRead> asked) {
  FeedStep step;
  if (asked) reading_ = false;
  // A join's read that found no epoch (the room had never been written when Redis read it) says
  // nothing about an epoch this feed heard live since: it is older news, not a lost history.
  if (!asked && epoch.empty()) return step;
  if (!started_ || epoch != epoch_) {
    if (epoch.empty() && !started_) return step;  // nothing ever written: nothing to learn
    switch_epoch(epoch, step);
    // A newest-entries read starts the feed at its first entry.
    if (!asked && !entries.empty()) last_ = entries.front().offset - 1;
    // A ranged read asked from an offset of the old epoch: the new one's first offsets were
    // not in its range. Read the new epoch from its start.
    if (asked && asked->from > 1 && !epoch.empty()) {
      ask(step, {1, 0});
      return step;
    }
  }
  std::uint64_t newest = entries.empty() ? 0 : entries.back().offset;
  for (ChatEntry& entry : entries) {
    if (entry.offset > last_) held_.emplace(entry.offset, std::move(entry));
  }
  // A hole wholly inside the range read is gone from the stream (trimmed, or lost with Redis).
  if (asked && !held_.empty() && held_.begin()->first > last_ + 1) {
    std::uint64_t covered_to = asked->to != 0 ? asked->to : newest;
    if (asked->from <= last_ + 1 && held_.begin()->first - 1 <= covered_to) {
      step.lost = held_.begin()->first - last_ - 1;
      last_ = held_.begin()->first - 1;
    }
  }
  drain(step);
  if (!held_.empty()) ask(step, {last_ + 1, held_.begin()->first - 1});
  return step;
}

// The subscriber was down: anything published meanwhile is only in the stream.
FeedStep ChatFeed::on_reconnected() {
  FeedStep step;
  reading_ = false;  // an answer owed on the old connection will not come
  if (started_) ask(step, {last_ + 1, 0});
  return step;
}

std::vector<ChatEntry> ChatFeed::recent_after(std::uint64_t after) const {
  std::vector<ChatEntry> result;
  for (const ChatEntry& entry : recent_) {
    if (entry.offset > after) result.push_back(entry);
  }
  return result;
}

}  // namespace duplex::app
