# The lessons tool's make targets (issue 14): the tree of one lesson, and its exercises.
#
#   make lesson-tree LESSON=NN    the project as of lesson NN, in build/lesson-tree-NN/
#   make test LESSON=NN           that tree built at -O0 and its tests run (suites L00_..LNN_)
#   make exercise LESSON=NN       lesson NN's tree with its exercises stubbed, in build/exercise-NN/
#   make exercise-diff LESSON=NN  your answers in build/exercise-NN/ against the reference
#   make lessons-check            validate every lesson marker of the tree
#   make lesson-trees             CI: every lesson's tree and exercise tree, built and tested
#
# Included from the top-level Makefile, in the repository only (a derived tree has no markers
# left to read). The tool is compiled here on its own (one command, no library), so deriving a
# tree does not wait for the whole build. See docs/lessons-tool.md.

.PHONY: lesson-tree lesson-test exercise exercise-diff lessons-check lessons-tool lesson-trees

LESSONS_TOOL := build/tools/duplex-lessons
LESSONS_TOOL_SRCS := src/bin/duplex-lessons.cpp $(sort $(wildcard src/lessons_tool/*.cpp))

$(LESSONS_TOOL): $(LESSONS_TOOL_SRCS) $(wildcard src/lessons_tool/*.hpp)
	@mkdir -p $(@D)
	$(CXX) -std=c++20 -O1 -I. $(WARNINGS) $(LESSONS_TOOL_SRCS) -o $@

lessons-tool: $(LESSONS_TOOL)

# The files of the project: git's list (new files not yet added included) at the top of a git
# checkout; elsewhere (a copy without .git) every file but build/.
LESSONS_FILE_LIST := if [ "$$(git rev-parse --show-toplevel 2>/dev/null)" = "$$(pwd -P)" ]; then \
    git ls-files --cached --others --exclude-standard; \
  else find . -path ./build -prune -o -type f -printf '%P\n'; fi

# LESSON=3 and LESSON=03 name the same tree.
LESSON_NN = $(shell printf '%02d' $$(expr $(LESSON) + 0))
LESSON_TREE_DIR = build/lesson-tree-$(LESSON_NN)
EXERCISE_DIR = build/exercise-$(LESSON_NN)

# A lesson's tree is built at -O0: it is built to be tested, and -O0 compiles about twice as
# fast. MODE_FLAGS on the command line wins, and `make check LESSON=NN` keeps the sanitizers.
LESSON_TREE_MODE ?= -O0 -g
LESSON_TREE_FLAGS = $(if $(filter command line,$(origin MODE_FLAGS))$(filter asan,$(VARIANT)),,MODE_FLAGS="$(LESSON_TREE_MODE)")

lesson-require:
	@[ -n "$(LESSON)" ] || { echo "say which lesson: make $(MAKECMDGOALS) LESSON=NN" >&2; exit 2; }

.PHONY: lesson-require

lesson-tree: lesson-require $(LESSONS_TOOL) ## write the project as of lesson NN to build/lesson-tree-NN/ (LESSON=NN)
	@{ $(LESSONS_FILE_LIST); } | $(LESSONS_TOOL) tree $(LESSON) $(LESSON_TREE_DIR)
	@echo "build and test it: make -C $(LESSON_TREE_DIR) test"

# `make test LESSON=NN` (the Makefile's test target): the code of lesson NN, not today's.
lesson-test: lesson-require $(LESSONS_TOOL)
	@{ $(LESSONS_FILE_LIST); } | $(LESSONS_TOOL) tree $(LESSON) $(LESSON_TREE_DIR)
	+$(MAKE) -C $(LESSON_TREE_DIR) test $(LESSON_TREE_FLAGS)

# An exercise tree holds the learner's answers: it is written once and never overwritten.
exercise: lesson-require $(LESSONS_TOOL) ## lesson NN's tree with its exercises stubbed, in build/exercise-NN/ (LESSON=NN)
	@if [ -e $(EXERCISE_DIR) ]; then \
	  echo "$(EXERCISE_DIR) exists and holds your answers; to start over: rm -rf $(EXERCISE_DIR)" >&2; \
	  exit 2; fi
	@{ $(LESSONS_FILE_LIST); } | $(LESSONS_TOOL) exercise $(LESSON) $(EXERCISE_DIR)
	@echo "write the stubs, then: make -C $(EXERCISE_DIR) test"
	@echo "compare with the reference: make exercise-diff LESSON=$(LESSON_NN)"

# The reference is lesson NN's own tree: derive it, then diff each file that holds one of the
# lesson's exercises (tests/lessons_tool/exercise_diff.sh).
exercise-diff: lesson-require $(LESSONS_TOOL) ## compare your answers in build/exercise-NN/ with the reference (LESSON=NN)
	@[ -d $(EXERCISE_DIR) ] || { echo "no $(EXERCISE_DIR) yet: make exercise LESSON=$(LESSON_NN)" >&2; exit 2; }
	@{ $(LESSONS_FILE_LIST); } | $(LESSONS_TOOL) tree $(LESSON) $(LESSON_TREE_DIR) > /dev/null
	@{ $(LESSONS_FILE_LIST); } | $(LESSONS_TOOL) exercises $(LESSON) \
	  | tests/lessons_tool/exercise_diff.sh $(LESSON_TREE_DIR) $(EXERCISE_DIR)

lessons-check: $(LESSONS_TOOL) ## check every lesson marker (balanced, numbered 1..15, in order)
	@{ $(LESSONS_FILE_LIST); } | $(LESSONS_TOOL) check

# CI (.ci/run): for each lesson, its tree and then its exercise tree, derived one after the other
# into one folder so that each build recompiles only the files that changed (.ci/lesson-trees).
# LESSONS="3 4" limits the run.
LESSONS ?= $(shell seq 1 15)
lesson-trees: $(LESSONS_TOOL) ## build and test every lesson's tree and exercise tree in build/ci-trees/ (CI)
	+LESSONS_TOOL=$(LESSONS_TOOL) .ci/lesson-trees $(LESSONS)
