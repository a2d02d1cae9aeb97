// ChatEngine (lesson 15): what both engines share. See chat_engine.hpp.
// @lesson 15
#include "src/app/chat_engine.hpp"

namespace duplex::app {

std::string_view to_string(HistoryStatus status) {
  switch (status) {
    case HistoryStatus::kComplete:
      return "complete";
    case HistoryStatus::kGap:
      return "gap";
    case HistoryStatus::kGone:
      return "gone";
    case HistoryStatus::kUnavailable:
      return "unavailable";
  }
  return "?";
}

// @anchor lesson15-epoch
// An offset is a position in one epoch's history. Same epoch: the member gets what follows its
// offset, and if the oldest message kept is further on than the one right after its offset, the
// messages in between were trimmed (a gap, said so). Another epoch: its offset means nothing
// here (the history was lost and numbering restarted), so it gets the room's last messages as a
// newcomer does, told that what it knew is gone.
ChatHistory history_since(std::string_view epoch, const std::vector<ChatEntry>& history,
                          const std::optional<ChatResume>& resume) {
  ChatHistory result;
  result.epoch = epoch;
  if (!resume || resume->epoch.empty()) {
    result.entries = history;
    return result;
  }
  if (resume->epoch != epoch) {
    result.status = HistoryStatus::kGone;
    result.entries = history;
    return result;
  }
  for (const ChatEntry& entry : history) {
    if (entry.offset > resume->offset) result.entries.push_back(entry);
  }
  if (!history.empty() && history.front().offset > resume->offset + 1) {
    result.status = HistoryStatus::kGap;
  }
  return result;
}

}  // namespace duplex::app
