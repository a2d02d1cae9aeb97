# Duplex: the build.
#
# One Makefile, no generator. Everything is found by naming convention, so adding a file never
# means editing this one:
#   src/<layer>/*.cpp             -> build/lib/libduplex.a        (the library: net, http, ws)
#   src/bin/<name>.cpp            -> build/bin/<name>             (programs: the servers, the client)
#   lessons/NN-slug/*.cpp         -> build/lib/liblessons.a       (a lesson's throwaway code)
#   lessons/NN-slug/<name>_main.cpp -> build/lessons/NN-slug/<name> (a lesson's throwaway programs)
#   tests/**/*.cpp                -> build/tests/duplex-tests     (one GoogleTest binary)
#   tests/fuzz/<name>_fuzz.cpp    -> build/fuzz/<name>            (libFuzzer targets, `make fuzz`)
#   tests/e2e/*.cpp               -> build/tests/duplex-e2e       (real browser and proxy, `make e2e`)
#   tests/stress/*.cpp            -> build/tests/duplex-stress    (floods and faults, `make stress`)
#
# `make check` builds the same tree with sanitizers into build/asan/ (VARIANT=asan).

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

ROOT := $(abspath .)
CPPFLAGS += -I. -MMD -MP -DDUPLEX_SOURCE_DIR='"$(ROOT)"' -DDUPLEX_BIN_DIR='"$(ROOT)/$(OUT)/bin"' \
            -DDUPLEX_LESSON_BIN_DIR='"$(ROOT)/$(OUT)/lessons"' -DDUPLEX_LESSON=$(LESSON_LEVEL)
CXXFLAGS += -std=c++20 $(MODE_FLAGS) $(WARNINGS) -pthread
LDFLAGS += $(MODE_FLAGS) -pthread

# ---------------------------------------------------------------------------------------------
# What there is to build
LIB_SRCS := $(sort $(wildcard src/net/*.cpp src/http/*.cpp src/ws/*.cpp src/deflate/*.cpp src/redis/*.cpp src/app/*.cpp src/bench/*.cpp src/lessons_tool/*.cpp))
BIN_SRCS := $(sort $(wildcard src/bin/*.cpp))
LESSON_ALL := $(sort $(wildcard lessons/*/*.cpp))
LESSON_MAINS := $(filter %_main.cpp,$(LESSON_ALL))
LESSON_SRCS := $(filter-out %_main.cpp,$(LESSON_ALL))
# tests/bench/deflate_compare.cpp links zlib, which nothing in the server or its tests may use:
# it has its own rule (tests/bench/deflate.mk).
TEST_SRCS := $(sort $(filter-out tests/fuzz/% tests/e2e/% tests/stress/% tests/bench/deflate_compare.cpp,$(shell find tests -name '*.cpp' 2>/dev/null)))
E2E_SRCS := $(sort $(wildcard tests/e2e/*.cpp))
STRESS_SRCS := $(sort $(wildcard tests/stress/*.cpp))
FUZZ_SRCS := $(sort $(wildcard tests/fuzz/*_fuzz.cpp))

# ONLY="src/net tests/net ..." builds just the files under those path prefixes (the test
# helpers in tests/support/ and the citation checker always come along). Use it with BUILD=dir.
ifdef ONLY
  only = $(filter $(addsuffix %,$(ONLY)),$(1))
  LIB_SRCS := $(call only,$(LIB_SRCS))
  BIN_SRCS := $(call only,$(BIN_SRCS))
  LESSON_MAINS := $(call only,$(LESSON_MAINS))
  LESSON_SRCS := $(call only,$(LESSON_SRCS))
  TEST_SRCS := $(sort $(call only,$(TEST_SRCS)) $(filter tests/support/% tests/docs/%,$(TEST_SRCS)))
  FUZZ_SRCS := $(call only,$(FUZZ_SRCS))
  E2E_SRCS := $(call only,$(E2E_SRCS))
  STRESS_SRCS := $(call only,$(STRESS_SRCS))
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

.PHONY: valgrind all test check run fuzz format clean help gtest programs e2e bench stress test-faults

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

# LESSON=NN runs the suites of lessons 00..NN (L00_ holds the checks that guard every lesson).
ifdef LESSON
  GTEST_FILTER := --gtest_filter=$(shell seq -f 'L%02g_*' 0 $$(expr $(LESSON) + 0) | paste -sd: -)
endif

test: gtest $(TEST_BIN) $(BINS) $(LESSON_BINS) ## build and run the tests (LESSON=NN: lessons 01..NN only)
	$(TEST_BIN) $(GTEST_FILTER) $(TEST_ARGS)

# The HTTP and WebSocket suites once more over an injected transport: short reads and writes,
# EAGAIN and EINTR at seeded random points (lesson 13). The results must not change. The test
# binary's main (tests/support/main.cpp) reads DUPLEX_FAULT_SEED and installs the process fault
# plan; nothing in src/ reads it, so the servers never inject faults.
FAULT_SEED ?= 1
FAULT_SUITES := L03_*:L06_*:L07_*:L08_*:L10_*:L13_*

test-faults: gtest $(TEST_BIN) $(BINS) $(LESSON_BINS) ## rerun the network suites over injected faults (FAULT_SEED=N)
	DUPLEX_FAULT_SEED=$(FAULT_SEED) $(TEST_BIN) --gtest_filter='$(FAULT_SUITES)' $(TEST_ARGS)

check: ## build with AddressSanitizer and UBSan into build/asan/ and run the tests
	$(MAKE) VARIANT=asan test

# The release test binary under valgrind's memcheck (lesson 13): any invalid read or write, use
# of uninitialised memory, or definite leak fails the run. Slower than `make check` (a few
# minutes), but it needs no special build and sees what the sanitizers' runtime hides.
VALGRIND := valgrind --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect \
  --errors-for-leak-kinds=definite,indirect --quiet

valgrind: gtest $(TEST_BIN) $(BINS) $(LESSON_BINS) ## run the tests under valgrind memcheck (LESSON=NN works too)
	@command -v valgrind > /dev/null || { echo "valgrind is missing: apt-get install -y valgrind" >&2; exit 1; }
	DUPLEX_UNDER_VALGRIND=1 $(VALGRIND) $(TEST_BIN) $(GTEST_FILTER) $(TEST_ARGS)

# End-to-end: Chromium and nginx against the demo server. tests/e2e/setup installs them when it
# can (root + apt) and says what to run when it cannot.
E2E_BIN := $(OUT)/tests/duplex-e2e
E2E_SUPPORT := $(filter tests/support/%,$(TEST_SRCS))

$(call obj,$(E2E_SRCS)): | gtest

$(E2E_BIN): $(call obj,$(E2E_SRCS) $(E2E_SUPPORT)) $(LIB)
	@mkdir -p $(@D)
	$(CXX) $^ $(GTEST_LIBS) $(LDFLAGS) -o $@

e2e: gtest $(E2E_BIN) $(BINS) ## browser and reverse-proxy tests (installs chromium, nginx and redis-server when it can)
	@if [ -x tests/e2e/setup ]; then tests/e2e/setup; fi
	$(E2E_BIN) $(TEST_ARGS)

# Stress: floods and injected faults against live servers, a few minutes at most.
STRESS_BIN := $(OUT)/tests/duplex-stress

$(call obj,$(STRESS_SRCS)): | gtest

$(STRESS_BIN): $(call obj,$(STRESS_SRCS) $(E2E_SUPPORT)) $(LIB)
	@mkdir -p $(@D)
	$(CXX) $^ $(GTEST_LIBS) $(LDFLAGS) -o $@

stress: gtest $(STRESS_BIN) $(BINS) ## floods, slow clients and injected faults; prints a table
	$(STRESS_BIN) $(TEST_ARGS)

# Benchmarks: bounded in time, they write docs/benchmarks.md. Never run by `make test`.
bench: $(BINS) ## run the benchmark matrix (a few minutes) and write docs/benchmarks.md
	@if [ -x tests/bench/run ]; then BENCH_BIN=$(OUT)/bin tests/bench/run; else echo "no benchmarks yet"; fi

# Lesson 14's DEFLATE against zlib (`make deflate-compare`), and lesson trees and exercises
# (`make lesson-tree`, `make exercise`, `make lessons-check`).
include tests/bench/deflate.mk
include tests/lessons_tool/lessons.mk

# ---------------------------------------------------------------------------------------------
PORT ?= 8080
# The newest demo: the full server once it exists, until then the lesson-03 echo server.
RUN_PROGRAM := $(firstword $(wildcard src/bin/duplex-server.cpp) src/bin/duplex-echo.cpp)
RUN_BIN := $(OUT)/bin/$(basename $(notdir $(RUN_PROGRAM)))

run: $(RUN_BIN) ## start the newest demo server (PORT=N picks the port, default 8080)
	@$(RUN_BIN) --port $(PORT) $(RUN_ARGS)

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

# ---------------------------------------------------------------------------------------------
FORMAT_FILES = $(shell find src tests lessons \( -name '*.cpp' -o -name '*.hpp' \) 2>/dev/null)

format: ## reformat every C++ file with clang-format
	clang-format -i $(FORMAT_FILES)

clean: ## remove build/
	rm -rf build

help: ## list the targets
	@grep -hE '^[a-z0-9-]+:.*## ' Makefile tests/bench/deflate.mk tests/lessons_tool/lessons.mk | sed -E 's/^([a-z0-9-]+):.*## (.*)/  make \1\t\2/' | expand -t 16

-include $(shell find $(OUT)/obj $(FUZZ_OUT)/obj -name '*.d' 2>/dev/null)
