// Tests for the MIME type table (lesson 06).
// @lesson 06
#include <gtest/gtest.h>

#include "src/http/mime_types.hpp"

namespace duplex {
namespace {

TEST(L06_MimeTypes, ByExtensionCaseInsensitiveWithASafeDefault) {
  EXPECT_EQ(http::mime_type_for("/a/index.html"), "text/html; charset=utf-8");
  EXPECT_EQ(http::mime_type_for("APP.JS"), "text/javascript; charset=utf-8");
  EXPECT_EQ(http::mime_type_for("logo.svg"), "image/svg+xml");
  // Unknown or missing extensions download instead of being rendered as something.
  EXPECT_EQ(http::mime_type_for("notes"), "application/octet-stream");
  EXPECT_EQ(http::mime_type_for(".bashrc"), "application/octet-stream");
  EXPECT_EQ(http::mime_type_for("dir.html/file"), "application/octet-stream");
  EXPECT_EQ(http::mime_type_for("x.exe"), "application/octet-stream");
}

}  // namespace
}  // namespace duplex
