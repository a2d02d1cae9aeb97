// Tests for src/redis/value.cpp (lesson 15): describe() is what tests, traces and error
// messages show of a reply, so it must be unambiguous: bytes that could be mistaken for
// structure are escaped, and each type has its own mark.
// @lesson 15
#include "src/redis/value.hpp"

#include <gtest/gtest.h>

namespace duplex::redis {
namespace {

TEST(L15_Value, DescribeEscapesWhatCouldBeMistakenForStructure) {
  EXPECT_EQ(describe(Value::bulk_string(std::string("a\"b\\c\r\n\0\x7f\xff", 10))),
            "\"a\\\"b\\\\c\\r\\n\\x00\\x7f\\xff\"");
  // A bulk string holding "+OK" is not the simple string +OK.
  EXPECT_EQ(describe(Value::bulk_string("+OK")), "\"+OK\"");
  EXPECT_EQ(describe(Value::simple_string("OK")), "+OK");
}

TEST(L15_Value, DescribeMarksEveryType) {
  Value set;
  set.type = Type::kSet;
  set.elements = {Value::integer_value(1)};
  Value map;
  map.type = Type::kMap;
  map.elements = {Value::simple_string("k"), Value::null(), Value::simple_string("j"), set};
  map.attributes = {Value::simple_string("ttl"), Value::integer_value(5)};
  Value boolean;
  boolean.type = Type::kBoolean;
  boolean.boolean = true;
  Value real;
  real.type = Type::kDouble;
  real.number = -2.5;
  Value bulk_error;
  bulk_error.type = Type::kBulkError;
  bulk_error.string = "ERR x";
  Value verbatim;
  verbatim.type = Type::kVerbatimString;
  verbatim.format = "txt";
  verbatim.string = "hi";
  Value push = Value::push({Value::error("ERR e"), boolean, real, bulk_error, verbatim});
  EXPECT_EQ(describe(Value::array({map, push})),
            "[|{+ttl: :5} {+k: (nil), +j: ~[:1]}, >[-ERR e, #t, ,-2.5, !\"ERR x\", =txt:\"hi\"]]");
}

TEST(L15_Value, Predicates) {
  EXPECT_TRUE(Value::error("ERR").is_error());
  Value bulk_error;
  bulk_error.type = Type::kBulkError;
  EXPECT_TRUE(bulk_error.is_error());
  EXPECT_FALSE(Value::simple_string("ERR").is_error());
  EXPECT_TRUE(Value::null().is_null());
  EXPECT_TRUE(Value::bulk_string("x").is_string());
  EXPECT_FALSE(Value::integer_value(1).is_string());
  EXPECT_TRUE(Value::push({}).is_aggregate());
  EXPECT_EQ(to_string(Type::kVerbatimString), "verbatim string");
}

}  // namespace
}  // namespace duplex::redis
