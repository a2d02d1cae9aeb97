// duplex::Exercise: what a stubbed function throws in an exercise tree (issue 14, the lessons
// tool).
//
// `make exercise LESSON=NN` replaces the bodies of lesson NN's core functions by
// `throw duplex::Exercise("lessonNN-name", "lessons/NN-slug/README.md#section")`. A test that
// reaches a stub fails with this message, which names the function to write and the section that
// explains it; writing the body makes the test pass. The message also goes to stderr the moment
// a stub is reached: the server catches what handlers throw (HTTP 500, WebSocket 1011, a logged
// loop error), so a test that reaches a stub on the server side would otherwise show only a
// closed connection or a timeout. See docs/lessons-tool.md.
#pragma once

#include <cstdio>
#include <stdexcept>
#include <string>
#include <utility>

namespace duplex {

class Exercise : public std::logic_error {
 public:
  Exercise(std::string name, std::string section)
      : std::logic_error("exercise " + name + " is not written yet: read " + section +
                         ", then replace the stub that threw this"),
        name_(std::move(name)),
        section_(std::move(section)) {
    std::fprintf(stderr, "%s\n", what());
  }

  const std::string& name() const { return name_; }
  const std::string& section() const { return section_; }

 private:
  std::string name_;
  std::string section_;
};

}  // namespace duplex
