// A parsed request head: method, target, version, fields (lesson 04), body framing (lesson 05).
//
// RFC 9112 §3 (request line), §9.3 (persistence), RFC 9110 §9 (methods), §10.1.1 (Expect).
// The string_views point into the buffer the parser was last given; `path` is owned because
// decoding changes it.
// @lesson 04
#pragma once

#include <string>
#include <string_view>

#include "src/http/headers.hpp"
#include "src/http/request_target.hpp"
#if DUPLEX_LESSON >= 5
#include "src/http/body_framing.hpp"
#endif

namespace duplex::http {

// RFC 9110 §9.3 methods plus PATCH (RFC 5789), recognised without string compares later.
// Any other token parses as kOther: unknown methods are the server's business (501).
enum class Method { kGet, kHead, kPost, kPut, kDelete, kConnect, kOptions, kTrace, kPatch, kOther };

// Method names are case-sensitive (RFC 9110 §9.1): "get" is kOther.
Method method_from_token(std::string_view token);

struct RequestHead {
  std::string_view method;  // the token as sent
  Method method_id = Method::kOther;
  std::string_view target;  // the request-target as sent
  TargetForm form = TargetForm::kOrigin;
  std::string path;        // decoded and normalised; see normalize_path()
  std::string_view query;  // raw, after '?'
  bool has_query = false;
  std::string_view authority;  // absolute-form and authority-form only
  int version_major = 1;
  int version_minor = 1;
  Headers headers;
#if DUPLEX_LESSON >= 5
  BodyFraming body;  // what follows the head (request_body_framing())
#endif

  // RFC 9112 §9.3: "close" in Connection ends the connection after this exchange; otherwise
  // HTTP/1.1 persists and HTTP/1.0 persists only with "keep-alive".
  bool keep_alive() const;
  // RFC 9110 §10.1.1: "Expect: 100-continue", ignored in HTTP/1.0 requests.
  bool expects_continue() const;
};

}  // namespace duplex::http
