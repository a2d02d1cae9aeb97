// Test helper for the ws tests (lesson 09): runs a FrameParser over chunks and writes down what
// it reported, one line per frame, so that two ways of cutting the same input can be compared.
// @lesson 09
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "src/ws/frame_parser.hpp"

namespace duplex::ws::testing {

// "frame fin=1 rsv=0 op=1 mask=1 len=5 payload=Hello\n" per frame (payload pieces joined),
// "error 1002 <reason>\n" on failure, "partial\n" if input ends inside a frame. Each chunk is
// copied into its own guard-page buffer when `guarded` (so an over-read crashes), else into a
// std::string; either way the parser may unmask it in place.
#if DUPLEX_LESSON >= 12
// `whole_frames` tries parse_whole_frame() (lesson 12) before each parse() step; the log must
// not tell the two apart.
std::string frame_log(Role role, const std::vector<std::string_view>& chunks,
                      FrameParserLimits limits = {}, bool guarded = false,
                      bool whole_frames = false);
#else
std::string frame_log(Role role, const std::vector<std::string_view>& chunks,
                      FrameParserLimits limits = {}, bool guarded = false);
#endif

}  // namespace duplex::ws::testing
