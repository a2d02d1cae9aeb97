# Duplex: the build.
#
# One Makefile, no generator. Everything is found by naming convention, so adding a file never
# means editing this one:
#   src/<layer>/*.cpp             -> build/lib/libduplex.a        (the library: net, http, ws)
#   src/bin/<name>.cpp            -> build/bin/<name>             (programs: the servers, the client)
#   lessons/NN-slug/*.cpp         -> build/lib/liblessons.a       (a lesson's throwaway code)
#   lessons/NN-slug/<name>_main.cpp -> build/lessons/NN-slug/<name> (a lesson's throwaway programs)
#   tests/**/*.cpp                -> build/tests/duplex-tests     (one GoogleTest binary)
# @if lesson >= 4: the first parser worth fuzzing
#   tests/fuzz/<name>_fuzz.cpp    -> build/fuzz/<name>            (libFuzzer targets, `make fuzz`)
# @endif
# @if lesson >= 11: the browser and the proxy
#   tests/e2e/*.cpp               -> build/tests/duplex-e2e       (real browser and proxy, `make e2e`)
# @endif
# @if lesson >= 13: floods and faults
#   tests/stress/*.cpp            -> build/tests/duplex-stress    (floods and faults, `make stress`)
# @endif
#
# `make check` builds the same tree with sanitizers into build/asan/ (VARIANT=asan).
# `make help` lists every target this tree has.

.DEFAULT_GOAL := all
SHELL := /bin/bash
# A learner types `make test`, not `make -j`: build on every CPU unless told otherwise (an
# explicit -jN on the command line still wins).
ifeq ($(filter -j% j%,$(MAKEFLAGS)),)
  MAKEFLAGS += -j$(shell nproc)
endif

VARIANT ?= release
CXX ?= g++
ifeq ($(origin CXX),default)
  CXX := g++
endif

WARNINGS := -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast \
            -Wcast-align -Woverloaded-virtual -Wnull-dereference -Wimplicit-fallthrough
# Warnings are errors in CI (CI=true) or when asked for (WERROR=1).
ifneq ($(filter true 1,$(CI) $(WERROR)),)
  WARNINGS += -Werror
endif

ifeq ($(VARIANT),asan)
  OUT := build/asan
  MODE_FLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
  # GCC 12 at -O1 with sanitizers reports false maybe-uninitialized warnings inside libstdc++
  # (<regex>, std::function); the release build keeps the warning.
  MODE_FLAGS += -Wno-maybe-uninitialized
else
  OUT := build
  MODE_FLAGS := -O2 -g
endif
# BUILD=dir puts the output elsewhere (for example while building a part of the tree alone).
ifdef BUILD
  OUT := $(BUILD)
endif

# The lesson this tree is as of (docs/lessons-tool.md): the newest in the full tree;
# `make lesson-tree LESSON=NN` writes NN here in the tree it derives. Code marked
# `#if DUPLEX_LESSON >= NN` is compiled by this number.
LESSON_LEVEL ?= 15
# `yes` in the repository, whose source holds the lesson markers; a derived tree says `no` (the
# tool writes it): its markers are resolved, so it cannot derive trees itself.
LESSON_MARKERS := yes

ROOT := $(abspath .)
CPPFLAGS += -I. -MMD -MP -DDUPLEX_SOURCE_DIR='"$(ROOT)"' -DDUPLEX_BIN_DIR='"$(ROOT)/$(OUT)/bin"' \
            -DDUPLEX_LESSON_BIN_DIR='"$(ROOT)/$(OUT)/lessons"' -DDUPLEX_LESSON=$(LESSON_LEVEL)
CXXFLAGS += -std=c++20 $(MODE_FLAGS) $(WARNINGS) -pthread
LDFLAGS += $(MODE_FLAGS) -pthread

# ---------------------------------------------------------------------------------------------
# What there is to build
# Every folder of src/ but bin/ is a layer of the library (net, http, ws, app, ...).
LIB_SRCS := $(sort $(filter-out src/bin/%,$(wildcard src/*/*.cpp)))
BIN_SRCS := $(sort $(wildcard src/bin/*.cpp))
LESSON_ALL := $(sort $(wildcard lessons/*/*.cpp))
LESSON_MAINS := $(filter %_main.cpp,$(LESSON_ALL))
LESSON_SRCS := $(filter-out %_main.cpp,$(LESSON_ALL))
# tests/fuzz, tests/e2e and tests/stress are programs of their own (below).
TEST_SRCS := $(sort $(filter-out tests/fuzz/% tests/e2e/% tests/stress/%,$(shell find tests -name '*.cpp' 2>/dev/null)))
# @if lesson >= 14: zlib
# tests/bench/deflate_compare.cpp links zlib, which nothing in the server or its tests may use:
# it has its own rule (tests/bench/deflate.mk).
TEST_SRCS := $(filter-out tests/bench/deflate_compare.cpp,$(TEST_SRCS))
# @endif
# @if lesson >= 4
FUZZ_SRCS := $(sort $(wildcard tests/fuzz/*_fuzz.cpp))
# @endif
# @if lesson >= 11
E2E_SRCS := $(sort $(wildcard tests/e2e/*.cpp))
# @endif
# @if lesson >= 13
STRESS_SRCS := $(sort $(wildcard tests/stress/*.cpp))
# @endif

# ONLY="src/net tests/net ..." builds just the files under those path prefixes (the test
# helpers in tests/support/ and the citation checker always come along). Use it with BUILD=dir.
ifdef ONLY
  only = $(filter $(addsuffix %,$(ONLY)),$(1))
  LIB_SRCS := $(call only,$(LIB_SRCS))
  BIN_SRCS := $(call only,$(BIN_SRCS))
  LESSON_MAINS := $(call only,$(LESSON_MAINS))
  LESSON_SRCS := $(call only,$(LESSON_SRCS))
  TEST_SRCS := $(sort $(call only,$(TEST_SRCS)) $(filter tests/support/% tests/docs/%,$(TEST_SRCS)))
# @if lesson >= 4
  FUZZ_SRCS := $(call only,$(FUZZ_SRCS))
# @endif
# @if lesson >= 11
  E2E_SRCS := $(call only,$(E2E_SRCS))
# @endif
# @if lesson >= 13
  STRESS_SRCS := $(call only,$(STRESS_SRCS))
# @endif
endif

obj = $(patsubst %.cpp,$(OUT)/obj/%.o,$(1))
LIB := $(OUT)/lib/libduplex.a
LESSON_LIB := $(OUT)/lib/liblessons.a
BINS := $(patsubst src/bin/%.cpp,$(OUT)/bin/%,$(BIN_SRCS))
LESSON_BINS := $(patsubst lessons/%_main.cpp,$(OUT)/lessons/%,$(LESSON_MAINS))
TEST_BIN := $(OUT)/tests/duplex-tests

# ---------------------------------------------------------------------------------------------
# GoogleTest comes from the system (Debian: libgtest-dev).
GTEST_LIBS := -lgtest
GTEST_INSTALL := apt-get update && apt-get install -y libgtest-dev

.PHONY: all test check run format clean help gtest programs

all: $(LIB) $(BINS) $(LESSON_BINS) ## build the library and every program

programs: $(BINS) $(LESSON_BINS)

gtest: ## make sure GoogleTest is installed (installs it with apt when run as root)
	@if [ -f /usr/include/gtest/gtest.h ] && { compgen -G '/usr/lib/*/libgtest.a' || compgen -G '/usr/lib/libgtest.a'; } >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "GoogleTest is missing; installing it: $(GTEST_INSTALL)"; \
	  DEBIAN_FRONTEND=noninteractive $(GTEST_INSTALL) >/dev/null || exit 1; \
	else \
	  echo "GoogleTest is missing. Install it with: sudo $(GTEST_INSTALL)"; exit 1; \
	fi

$(OUT)/obj/%.o: %.cpp
	@mkdir -p $(@D)
	$(CXX) $(CPPFLAGS) $(CXXFLAGS) -c $< -o $@

$(LIB): $(call obj,$(LIB_SRCS))
	@mkdir -p $(@D)
	@rm -f $@
	ar rcs $@ $^

$(LESSON_LIB): $(call obj,$(LESSON_SRCS)) $(LIB)
	@mkdir -p $(@D)
	@rm -f $@
	ar rcs $@ $(call obj,$(LESSON_SRCS))

$(OUT)/bin/%: $(OUT)/obj/src/bin/%.o $(LIB)
	@mkdir -p $(@D)
	$(CXX) $< $(LIB) $(LDFLAGS) -o $@

# The programs' own objects are not intermediate: keep them so `make` does not relink each time.
.SECONDARY: $(call obj,$(LESSON_MAINS) $(BIN_SRCS))

$(OUT)/lessons/%: $(OUT)/obj/lessons/%_main.o $(LESSON_LIB) $(LIB)
	@mkdir -p $(@D)
	$(CXX) $< $(LESSON_LIB) $(LIB) $(LDFLAGS) -o $@

# Tests are compiled only after `gtest` has made sure the headers exist.
$(call obj,$(TEST_SRCS)): | gtest

$(TEST_BIN): $(call obj,$(TEST_SRCS)) $(LESSON_LIB) $(LIB)
	@mkdir -p $(@D)
	$(CXX) $(call obj,$(TEST_SRCS)) $(LESSON_LIB) $(LIB) $(GTEST_LIBS) $(LDFLAGS) -o $@

# `make test LESSON=NN` in the repository tests the code of lesson NN, not today's: it derives
# lesson NN's tree (build/lesson-tree-NN/, tests/lessons_tool/lessons.mk), builds it at -O0 and
# runs its tests, which are exactly the suites L00_ to LNN_. In a derived tree, `make test` runs
# that tree's suites and LESSON may only name the tree's own lesson.
ifneq ($(LESSON),)
  ifeq ($(LESSON_MARKERS),yes)
    TEST_IN_LESSON_TREE := yes
  else ifneq ($(shell expr $(LESSON) + 0),$(LESSON_LEVEL))
    $(error this is the tree of lesson $(LESSON_LEVEL): its `make test` runs suites L00_ to L$(shell printf '%02d' $(LESSON_LEVEL))_; LESSON=$(LESSON) works in the repository)
  endif
endif

test: ## build and run the tests (LESSON=NN: lesson NN's own tree, suites L00_..LNN_)
ifeq ($(TEST_IN_LESSON_TREE),yes)
test: lesson-test
else
test: gtest $(TEST_BIN) $(BINS) $(LESSON_BINS)
	$(TEST_BIN) $(TEST_ARGS)
endif

# @if lesson >= 13: faults, valgrind
# The HTTP and WebSocket suites once more over an injected transport: short reads and writes,
# EAGAIN and EINTR at seeded random points (lesson 13). The results must not change. The test
# binary's main (tests/support/main.cpp) reads DUPLEX_FAULT_SEED and installs the process fault
# plan; nothing in src/ reads it, so the servers never inject faults.
FAULT_SEED ?= 1
FAULT_SUITES := L03_*:L06_*:L07_*:L08_*:L10_*:L13_*

.PHONY: test-faults valgrind
test-faults: gtest $(TEST_BIN) $(BINS) $(LESSON_BINS) ## rerun the network suites over injected faults (FAULT_SEED=N)
	DUPLEX_FAULT_SEED=$(FAULT_SEED) $(TEST_BIN) --gtest_filter='$(FAULT_SUITES)' $(TEST_ARGS)

# @endif
check: ## build with AddressSanitizer and UBSan into build/asan/ and run the tests
	$(MAKE) VARIANT=asan test

# @if lesson >= 13
# The release test binary under valgrind's memcheck (lesson 13): any invalid read or write, use
# of uninitialised memory, or definite leak fails the run. Slower than `make check` (a few
# minutes), but it needs no special build and sees what the sanitizers' runtime hides.
VALGRIND := valgrind --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect \
  --errors-for-leak-kinds=definite,indirect --quiet

valgrind: gtest $(TEST_BIN) $(BINS) $(LESSON_BINS) ## run the tests under valgrind memcheck
	@command -v valgrind > /dev/null || { echo "valgrind is missing: apt-get install -y valgrind" >&2; exit 1; }
	DUPLEX_UNDER_VALGRIND=1 $(VALGRIND) $(TEST_BIN) $(TEST_ARGS)

# @endif
# @if lesson >= 11: the browser and the proxy
# End-to-end: Chromium and nginx against the demo server. tests/e2e/setup installs them when it
# can (root + apt) and says what to run when it cannot.
E2E_BIN := $(OUT)/tests/duplex-e2e
E2E_SUPPORT := $(filter tests/support/%,$(TEST_SRCS))

$(call obj,$(E2E_SRCS)): | gtest

$(E2E_BIN): $(call obj,$(E2E_SRCS) $(E2E_SUPPORT)) $(LIB)
	@mkdir -p $(@D)
	$(CXX) $^ $(GTEST_LIBS) $(LDFLAGS) -o $@

.PHONY: e2e
e2e: gtest $(E2E_BIN) $(BINS) ## browser and reverse-proxy tests (tests/e2e/setup installs their peers when it can)
	@if [ -x tests/e2e/setup ]; then tests/e2e/setup; fi
	$(E2E_BIN) $(TEST_ARGS)

# @endif
# @if lesson >= 13: floods
# Stress: floods and injected faults against live servers, a few minutes at most.
STRESS_BIN := $(OUT)/tests/duplex-stress

$(call obj,$(STRESS_SRCS)): | gtest

$(STRESS_BIN): $(call obj,$(STRESS_SRCS) $(E2E_SUPPORT)) $(LIB)
	@mkdir -p $(@D)
	$(CXX) $^ $(GTEST_LIBS) $(LDFLAGS) -o $@

.PHONY: stress
stress: gtest $(STRESS_BIN) $(BINS) ## floods, slow clients and injected faults; prints a table
	$(STRESS_BIN) $(TEST_ARGS)

# @endif
# @if lesson >= 12: measuring
# Benchmarks: bounded in time, they write docs/benchmarks.md. Never run by `make test`.
.PHONY: bench
bench: $(BINS) ## run the benchmark matrix (a few minutes) and write docs/benchmarks.md
	@if [ -x tests/bench/run ]; then BENCH_BIN=$(OUT)/bin tests/bench/run; else echo "no benchmarks yet"; fi

# @endif
# @if lesson >= 14: compression
# Lesson 14's DEFLATE against zlib (`make deflate-compare`).
include tests/bench/deflate.mk
# @endif
# Lesson trees and exercises (`make lesson-tree`, `make exercise`, `make lessons-check`), in the
# repository only.
ifeq ($(LESSON_MARKERS),yes)
include tests/lessons_tool/lessons.mk
endif

# ---------------------------------------------------------------------------------------------
PORT ?= 8080
# The newest server of the tree, the one its lesson's *Run it* starts. (In the repository make
# reads every line below and the last assignment wins; a lesson's tree keeps only its own.)
# @if lesson < 6: no HTTP server yet
# @if lesson >= 3
RUN_BIN := $(OUT)/bin/duplex-echo
# @elif lesson >= 2
RUN_BIN := $(OUT)/lessons/02-byte-stream/line_server
# @else
RUN_BIN := $(OUT)/lessons/01-sockets/echo_server
# @endif
# @endif
# @if lesson >= 6: the HTTP server and its demo
RUN_BIN := $(OUT)/bin/duplex-server
# @endif

run: $(RUN_BIN) ## start the tree's newest server, as its lesson's Run it does (PORT=N, default 8080)
	@$(RUN_BIN) --port $(PORT) $(RUN_ARGS)

# @if lesson >= 4: the first parser worth fuzzing
# ---------------------------------------------------------------------------------------------
# libFuzzer targets, built with clang. FUZZ_SECONDS bounds each target's run.
FUZZ_SECONDS ?= 60
FUZZ_CXX ?= clang++
FUZZ_OUT := build/fuzz
FUZZ_FLAGS := -std=c++20 -O1 -g -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all -I. \
              -DDUPLEX_LESSON=$(LESSON_LEVEL)
FUZZ_LIB_OBJS := $(patsubst %.cpp,$(FUZZ_OUT)/obj/%.o,$(LIB_SRCS))
FUZZ_BINS := $(patsubst tests/fuzz/%_fuzz.cpp,$(FUZZ_OUT)/%,$(FUZZ_SRCS))
# Pattern-rule objects would count as intermediate and be deleted after each link.
.SECONDARY: $(FUZZ_LIB_OBJS)

$(FUZZ_OUT)/obj/%.o: %.cpp
	@mkdir -p $(@D)
	$(FUZZ_CXX) $(FUZZ_FLAGS) -MMD -MP -c $< -o $@

$(FUZZ_OUT)/%: tests/fuzz/%_fuzz.cpp $(FUZZ_LIB_OBJS)
	@mkdir -p $(@D)
	$(FUZZ_CXX) $(FUZZ_FLAGS) -fsanitize=fuzzer $< $(FUZZ_LIB_OBJS) -o $@

.PHONY: fuzz
fuzz: ## run every libFuzzer target for FUZZ_SECONDS each (default 60) on its corpus in tests/fuzz/
	@if ! command -v $(FUZZ_CXX) >/dev/null; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "make fuzz needs clang; installing it: apt-get install -y clang"; \
	    DEBIAN_FRONTEND=noninteractive apt-get update >/dev/null && \
	      DEBIAN_FRONTEND=noninteractive apt-get install -y clang >/dev/null || exit 1; \
	  else \
	    echo "make fuzz skipped: it needs clang (sudo apt-get install clang)"; exit 0; \
	  fi; \
	fi
	@$(MAKE) --no-print-directory $(FUZZ_BINS)
	@for bin in $(FUZZ_BINS); do \
	  name=$$(basename $$bin); corpus=tests/fuzz/corpus/$$name; work=$(FUZZ_OUT)/corpus/$$name; \
	  mkdir -p $$work; \
	  echo "fuzz $$name for $(FUZZ_SECONDS) s"; \
	  [ -d $$corpus ] || corpus=; \
	  $$bin -max_total_time=$(FUZZ_SECONDS) -print_final_stats=0 $$work $$corpus \
	     > $(FUZZ_OUT)/$$name.log 2>&1 || { tail -n 40 $(FUZZ_OUT)/$$name.log; exit 1; }; \
	  grep -E '^#[0-9]+.*DONE' $(FUZZ_OUT)/$$name.log | tail -n 1; \
	done

# @endif
# ---------------------------------------------------------------------------------------------
FORMAT_FILES = $(shell find src tests lessons \( -name '*.cpp' -o -name '*.hpp' \) 2>/dev/null)

format: ## reformat every C++ file with clang-format
	clang-format -i $(FORMAT_FILES)

clean: ## remove build/
	rm -rf build

# The files whose targets this tree has: the lesson-tree targets only where the markers are.
HELP_FILES := Makefile $(wildcard tests/bench/deflate.mk) \
  $(if $(filter yes,$(LESSON_MARKERS)),tests/lessons_tool/lessons.mk)

help: ## list the targets
	@grep -hE '^[a-z0-9-]+:.*## ' $(HELP_FILES) | sed -E 's/^([a-z0-9-]+):.*## (.*)/\1\t\2/' \
	  | awk -F '\t' '{ printf "  make %-15s %s\n", $$1, $$2 }'

-include $(shell find $(OUT)/obj $(if $(FUZZ_OUT),$(FUZZ_OUT)/obj) -name '*.d' 2>/dev/null)
