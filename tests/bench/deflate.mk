# tests/bench/deflate.mk: the zlib comparison for src/deflate (lesson 14).
# @lesson 14
#
# deflate_compare links zlib, and nothing that links zlib may be part of the server or of the
# test binary, so the Makefile leaves tests/bench/deflate_compare.cpp out of TEST_SRCS and
# includes this file after it has set OUT, CXX and the flags (the rule's target is expanded
# when this file is read). It also works on its own:
#   make -f Makefile -f tests/bench/deflate.mk deflate-compare
# Needs zlib's headers (Debian: apt-get install -y zlib1g-dev).
DEFLATE_COMPARE := $(OUT)/bench/deflate-compare
DEFLATE_COMPARE_SRCS := tests/bench/deflate_compare.cpp $(sort $(wildcard src/deflate/*.cpp))

.PHONY: deflate-compare

# One compiler call for all sources, so the Makefile's -MMD -MP (one .d per object) would write
# dependency files named after the program; the headers are listed as prerequisites instead.
$(DEFLATE_COMPARE): $(DEFLATE_COMPARE_SRCS) $(wildcard src/deflate/*.hpp src/net/parse_result.hpp)
	@mkdir -p $(@D)
	$(CXX) $(filter-out -MMD -MP,$(CPPFLAGS)) $(CXXFLAGS) $(DEFLATE_COMPARE_SRCS) $(LDFLAGS) -lz -o $@

deflate-compare: $(DEFLATE_COMPARE) ## src/deflate against zlib: ratio and MB/s on tests/bench/corpus
	$(DEFLATE_COMPARE) $(DEFLATE_COMPARE_ARGS)

# `make bench` runs it too (tests/bench/run looks for it next to the bin directory), when zlib's
# headers are there; without them the benchmark page says the row is missing and why.
ifneq ($(wildcard /usr/include/zlib.h),)
bench: $(DEFLATE_COMPARE)
endif
