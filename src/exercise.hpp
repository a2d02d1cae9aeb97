// duplex::Exercise: what a stubbed function throws in an exercise tree (issue 14, the lessons
// tool).
//
// `make exercise LESSON=NN` replaces the bodies of lesson NN's core functions by
// `throw duplex::Exercise("lessonNN-name", "lessons/NN-slug/README.md#section")`. A test that
// reaches a stub fails with this message, which names the function to write and the section that
// explains it; writing the body makes the test pass. See docs/lessons-tool.md.
#pragma once

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
        section_(std::move(section)) {}

  const std::string& name() const { return name_; }
  const std::string& section() const { return section_; }

 private:
  std::string name_;
  std::string section_;
};

}  // namespace duplex
