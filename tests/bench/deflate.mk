# tests/bench/deflate.mk: the zlib comparison for src/deflate (lesson 14).
#
# Kept out of the main Makefile's programs on purpose: deflate_compare links zlib, and nothing
# that links zlib may be part of the server. Included from the Makefile, or used alone:
#   make -f Makefile -f tests/bench/deflate.mk deflate-compare
# Needs zlib's headers (Debian: apt-get install -y zlib1g-dev).
DEFLATE_COMPARE := $(OUT)/bench/deflate-compare
DEFLATE_COMPARE_SRCS := tests/bench/deflate_compare.cpp $(sort $(wildcard src/deflate/*.cpp))

.PHONY: deflate-compare

$(DEFLATE_COMPARE): $(DEFLATE_COMPARE_SRCS) $(wildcard src/deflate/*.hpp)
	@mkdir -p $(@D)
	$(CXX) $(CPPFLAGS) -MMD -MF $@.d $(CXXFLAGS) -DDUPLEX_DEFLATE_COMPARE $(DEFLATE_COMPARE_SRCS) \
	  $(LDFLAGS) -lz -o $@

deflate-compare: $(DEFLATE_COMPARE) ## src/deflate against zlib: ratio and MB/s on tests/bench/corpus
	$(DEFLATE_COMPARE) $(DEFLATE_COMPARE_ARGS)
