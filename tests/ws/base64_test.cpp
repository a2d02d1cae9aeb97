// Tests for src/ws/base64.cpp (lesson 08): RFC 4648 §10 vectors and strict decoding.
// @lesson 08
#include "src/ws/base64.hpp"

#include <gtest/gtest.h>

namespace duplex::ws {
namespace {

// Exercise lesson08-base64 (base64_encode): every failure says what was encoded, what came back
// and what RFC 4648 expects, and where the lesson explains it.
constexpr const char* kRead =
    "read lessons/08-websocket-upgrade/README.md#the-key-and-the-accept-value-why-sha-1-and-base64";

struct Vector {
  const char* bytes;
  const char* text;
};

// RFC 4648 §10.
constexpr Vector kVectors[] = {{"", ""},
                               {"f", "Zg=="},
                               {"fo", "Zm8="},
                               {"foo", "Zm9v"},
                               {"foob", "Zm9vYg=="},
                               {"fooba", "Zm9vYmE="},
                               {"foobar", "Zm9vYmFy"}};

TEST(L08_Base64, EncodesRfc4648Vectors) {
  for (const auto& v : kVectors) {
    EXPECT_EQ(base64_encode(v.bytes), v.text)
        << "fed base64_encode(\"" << v.bytes << "\") (RFC 4648 §10); " << kRead;
  }
}

TEST(L08_Base64, DecodesRfc4648Vectors) {
  for (const auto& v : kVectors)
    EXPECT_EQ(base64_decode(v.text), std::optional<std::string>(v.bytes));
}

TEST(L08_Base64, RoundTripsEveryByteValue) {
  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
  for (std::size_t n = 0; n <= all.size(); n += 1) {
    auto bytes = all.substr(0, n);
    EXPECT_EQ(base64_decode(base64_encode(bytes)), bytes)
        << "fed the bytes 0.." << n << " through base64_encode then base64_decode; " << kRead;
  }
}

// A Sec-WebSocket-Key must decode to exactly 16 bytes; a lax decoder would accept garbage keys.
TEST(L08_Base64, RejectsCharactersOutsideTheAlphabet) {
  EXPECT_FALSE(base64_decode("Zm9v!mFy"));
  EXPECT_FALSE(base64_decode("Zm9v YmFy"));
  EXPECT_FALSE(base64_decode("Zm9v\nYmFy"));
  EXPECT_FALSE(base64_decode("Zm9-YmFy"));  // base64url alphabet, not base64
  EXPECT_FALSE(base64_decode(std::string_view("Zm9\0", 4)));
}

// RFC 4648 §3.2: padding is required, and only at the very end.
TEST(L08_Base64, RejectsBadOrMissingPadding) {
  EXPECT_FALSE(base64_decode("Zg"));
  EXPECT_FALSE(base64_decode("Zg="));
  EXPECT_FALSE(base64_decode("Zg==="));
  EXPECT_FALSE(base64_decode("Z==="));
  EXPECT_FALSE(base64_decode("===="));
  EXPECT_FALSE(base64_decode("Zg==Zm8="));  // padding in the middle
  EXPECT_FALSE(base64_decode("Z=g="));
}

// RFC 4648 §3.5: "Zh==" would also decode to "f" if the unused bits were ignored.
TEST(L08_Base64, RejectsNonCanonicalTrailingBits) {
  EXPECT_FALSE(base64_decode("Zh=="));
  EXPECT_FALSE(base64_decode("Zm9="));
  EXPECT_TRUE(base64_decode("Zg=="));
  EXPECT_TRUE(base64_decode("Zm8="));
}

}  // namespace
}  // namespace duplex::ws
