// MIME types by file extension, for the static file server (lesson 06).
//
// RFC 9110 §8.3: Content-Type tells the client how to interpret the body. A browser given
// text/plain for a script will not run it, and one given text/html for user data may; so the
// table is short, explicit, and falls back to application/octet-stream (a download).
// @lesson 06
#pragma once

#include <string_view>

namespace duplex::http {

// "index.html" -> "text/html; charset=utf-8"; the extension is compared case-insensitively.
std::string_view mime_type_for(std::string_view file_name);

}  // namespace duplex::http
