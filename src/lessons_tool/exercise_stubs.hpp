// lessons_tool::stub_exercises: a lesson's core functions turned into exercises (issue 14).
//
// The body of a function the learner writes in lesson NN sits between two comment lines:
//
//     std::string accept_key(std::string_view client_key) {
//       // @exercise lesson08-accept-key #the-accept-key
//       ...the reference body...
//       // @exercise end
//     }
//
// In the exercise tree of lesson NN each such body becomes
// `throw duplex::Exercise("lesson08-accept-key",
// "lessons/08-websocket-upgrade/README.md#the-accept-key");` (src/exercise.hpp), so the tests that
// need it fail naming the function and the section to read. Everywhere else the body stays and only
// the two marker lines go.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "src/lessons_tool/marker_error.hpp"

namespace duplex::lessons_tool {

struct ExerciseStubs {
  std::string text;
  std::vector<std::string> stubbed;  // names of the exercises replaced, in file order
  std::vector<MarkerError> errors;
};

// `stub_lesson` is the lesson whose exercises become stubs (0: none, the markers only go).
// `readmes` maps a lesson number to its README path (lessons/NN-slug/README.md).
ExerciseStubs stub_exercises(std::string_view text, int stub_lesson,
                             const std::map<int, std::string>& readmes);

}  // namespace duplex::lessons_tool
