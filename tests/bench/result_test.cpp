// Tests for Result lines (lesson 12): what a load mode prints, the report reads back unchanged.
// @lesson 12
#include "src/bench/result.hpp"

#include <gtest/gtest.h>

namespace duplex::bench {
namespace {

TEST(L12_Result, LineRoundTrips) {
  Result r;
  r.set("row", "ws-small");
  r.set("msgs_per_s", 181234.5);
  r.set("errors", 0.0);
  EXPECT_EQ(r.line(), "result errors=0 msgs_per_s=181234 row=ws-small");
  auto back = Result::parse(r.line());
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->get("row"), "ws-small");
  EXPECT_DOUBLE_EQ(back->number("msgs_per_s").value(), 181234);
}

TEST(L12_Result, SpacesInValuesBecomeUnderscores) {
  // An error message with spaces must not split into bogus fields.
  Result r;
  r.set("error", "recv: Connection reset by peer");
  auto back = Result::parse(r.line());
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->get("error"), "recv:_Connection_reset_by_peer");
  EXPECT_EQ(back->fields.size(), 1u);
}

TEST(L12_Result, OtherLinesAreNotResults) {
  EXPECT_FALSE(Result::parse("bench: run 1 of 3").has_value());
  EXPECT_FALSE(Result::parse("resultx a=1").has_value());
  EXPECT_FALSE(Result::parse("result novalue").has_value());
  EXPECT_FALSE(Result::parse("result =1").has_value());
  EXPECT_TRUE(Result::parse("result").has_value());
}

TEST(L12_Result, NumberRejectsTextAndMissingFields) {
  auto r = Result::parse("result a=12.5 b=fast c= d=nan");
  ASSERT_TRUE(r.has_value());
  EXPECT_DOUBLE_EQ(r->number("a").value(), 12.5);
  EXPECT_FALSE(r->number("b").has_value());
  EXPECT_FALSE(r->number("c").has_value());
  EXPECT_FALSE(r->number("d").has_value());
  EXPECT_FALSE(r->number("e").has_value());
  EXPECT_EQ(r->get("e"), "");
}

}  // namespace
}  // namespace duplex::bench
