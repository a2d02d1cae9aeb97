# The lessons tool's make targets (issue 14): the tree of one lesson, and its exercises.
#
#   make lesson-tree LESSON=NN   the project as of lesson NN, in build/lesson-tree-NN/
#   make exercise LESSON=NN      the same with lesson NN's exercises stubbed, in build/exercise-NN/
#   make lessons-check           validate every lesson marker of the tree
#
# Included from the top-level Makefile. The tool is compiled here on its own (one command, no
# library), so deriving a tree does not wait for the whole build. See docs/lessons-tool.md.

.PHONY: lesson-tree exercise lessons-check lessons-tool

LESSONS_TOOL := build/tools/duplex-lessons
LESSONS_TOOL_SRCS := src/bin/duplex-lessons.cpp $(sort $(wildcard src/lessons_tool/*.cpp))

$(LESSONS_TOOL): $(LESSONS_TOOL_SRCS) $(wildcard src/lessons_tool/*.hpp)
	@mkdir -p $(@D)
	$(CXX) -std=c++20 -O1 -I. $(WARNINGS) $(LESSONS_TOOL_SRCS) -o $@

lessons-tool: $(LESSONS_TOOL)

# The files of the project: git's list (new files not yet added included) at the top of a git
# checkout; elsewhere, as in a derived lesson tree (which may sit inside a checkout's ignored
# build/), every file but build/.
LESSONS_FILE_LIST := if [ "$$(git rev-parse --show-toplevel 2>/dev/null)" = "$$(pwd -P)" ]; then \
    git ls-files --cached --others --exclude-standard; \
  else find . -path ./build -prune -o -type f -printf '%P\n'; fi

# LESSON=3 and LESSON=03 name the same tree.
LESSON_NN = $(shell printf '%02d' $$(expr $(LESSON) + 0))

lesson-require:
	@[ -n "$(LESSON)" ] || { echo "say which lesson: make $(MAKECMDGOALS) LESSON=NN" >&2; exit 2; }

.PHONY: lesson-require

lesson-tree: lesson-require $(LESSONS_TOOL) ## write the project as of lesson NN to build/lesson-tree-NN/ (LESSON=NN)
	@{ $(LESSONS_FILE_LIST); } | $(LESSONS_TOOL) tree $(LESSON) build/lesson-tree-$(LESSON_NN)
	@echo "build and test it: make -C build/lesson-tree-$(LESSON_NN) test"

# An exercise tree holds the learner's answers: it is written once and never overwritten.
exercise: lesson-require $(LESSONS_TOOL) ## lesson NN's tree with its exercises stubbed, in build/exercise-NN/ (LESSON=NN)
	@if [ -e build/exercise-$(LESSON_NN) ]; then \
	  echo "build/exercise-$(LESSON_NN) exists and holds your answers; to start over: rm -rf build/exercise-$(LESSON_NN)" >&2; \
	  exit 2; fi
	@{ $(LESSONS_FILE_LIST); } | $(LESSONS_TOOL) exercise $(LESSON) build/exercise-$(LESSON_NN)
	@echo "write the stubs, then: make -C build/exercise-$(LESSON_NN) test"

lessons-check: $(LESSONS_TOOL) ## check every lesson marker (balanced, numbered 1..15, in order)
	@{ $(LESSONS_FILE_LIST); } | $(LESSONS_TOOL) check
