// Where a message body ends: the message-length rules (lesson 05). See body_framing.hpp.
// @lesson 05
#include "src/http/body_framing.hpp"

#include <limits>
#include <vector>

#include "src/http/syntax.hpp"

namespace duplex::http {

namespace {

std::size_t offset_of(std::string_view part, std::string_view input) {
  if (input.empty() || part.data() < input.data() || part.data() > input.data() + input.size()) {
    return 0;
  }
  return static_cast<std::size_t>(part.data() - input.data());
}

// The codings of every Transfer-Encoding field, in order (RFC 9112 §6.1: a list, possibly
// spread over several fields). Parameters (";q=...") are kept with the coding name, so
// "chunked;x=1" is not taken for chunked.
std::vector<std::string_view> transfer_codings(const Headers& headers) {
  std::vector<std::string_view> codings;
  for (std::string_view value : headers.get_all("Transfer-Encoding")) {
    for_each_list_element(value, [&](std::string_view coding) { codings.push_back(coding); });
  }
  return codings;
}

}  // namespace

bool parse_content_length(const Headers& headers, std::string_view input, bool& present,
                          std::uint64_t& length, ParseError& error) {
  present = false;
  length = 0;
  for (std::string_view value : headers.get_all("Content-Length")) {
    // RFC 9110 §8.6: Content-Length = 1*DIGIT. A list of identical values ("5, 5", sent by some
    // proxies) may be accepted as that value; anything else is an unrecoverable error.
    bool any = false;
    bool ok = true;
    ParseError first_error;
    for_each_list_element(value, [&](std::string_view element) {
      if (!ok) return;
      any = true;
      std::uint64_t n = 0;
      for (char c : element) {
        // No sign, no spaces, no hex: "+5", "-1", "0x5" and "5 5" are all errors.
        if (c < '0' || c > '9') {
          first_error = {400, "Content-Length is not a number", offset_of(element, input)};
          ok = false;
          return;
        }
        std::uint64_t digit = static_cast<std::uint64_t>(c - '0');
        if (n > (std::numeric_limits<std::uint64_t>::max() - digit) / 10) {
          first_error = {413, "Content-Length overflows", offset_of(element, input)};
          ok = false;
          return;
        }
        n = n * 10 + digit;
      }
      if (present && n != length) {
        first_error = {400, "Content-Length values differ", offset_of(element, input)};
        ok = false;
        return;
      }
      present = true;
      length = n;
    });
    if (!ok) {
      error = first_error;
      return false;
    }
    if (!any) {
      error = {400, "empty Content-Length", offset_of(value, input)};
      return false;
    }
  }
  return true;
}

// @anchor lesson05-request-framing
bool request_body_framing(const Headers& headers, int version_minor, const ParserLimits& limits,
                          std::string_view input, BodyFraming& framing, ParseError& error) {
  framing = {};
  auto te = headers.get("Transfer-Encoding");
  bool has_cl = headers.count("Content-Length") > 0;
  if (te) {
    std::size_t at = offset_of(*te, input);
    // RFC 9112 §6.3 rule 3: with both, Transfer-Encoding would win, but a front end that used
    // Content-Length would disagree about where this request ends: that disagreement is request
    // smuggling (§11.2). It "ought to be handled as an error", and §6.1 makes the server close
    // the connection after answering it; Duplex refuses it (the server then closes).
    if (has_cl) {
      error = {400, "both Content-Length and Transfer-Encoding", at};
      return false;
    }
    // RFC 9112 §6.1: Transfer-Encoding in an HTTP/1.0 message means the framing is faulty.
    if (version_minor == 0) {
      error = {400, "Transfer-Encoding in an HTTP/1.0 request", at};
      return false;
    }
    std::vector<std::string_view> codings = transfer_codings(headers);
    // RFC 9112 §6.3 rule 4: if chunked is not the final coding of a request, its length cannot
    // be known: 400 and close. Chunked twice is refused as well (§6.1: never applied twice).
    if (codings.empty() || !iequals(codings.back(), "chunked")) {
      error = {400, "chunked is not the final transfer coding", at};
      return false;
    }
    for (std::size_t i = 0; i + 1 < codings.size(); ++i) {
      if (iequals(codings[i], "chunked")) {
        error = {400, "chunked applied more than once", offset_of(codings[i], input)};
        return false;
      }
      // RFC 9112 §6.1: a transfer coding the server does not understand gets 501. Duplex
      // decodes only chunked.
      error = {501, "unsupported transfer coding", offset_of(codings[i], input)};
      return false;
    }
    framing.kind = BodyFraming::Kind::kChunked;
    return true;
  }
  bool present = false;
  std::uint64_t length = 0;
  if (!parse_content_length(headers, input, present, length, error)) return false;
  if (!present) return true;  // RFC 9112 §6.3 rule 7: a request without either has no body.
  if (length > limits.max_body) {
    error = {413, "body larger than the limit", offset_of(*headers.get("Content-Length"), input)};
    return false;
  }
  if (length > 0) framing = {BodyFraming::Kind::kContentLength, length};
  return true;
}

// @anchor lesson05-response-framing
bool response_body_framing(const Headers& headers, int status, std::string_view request_method,
                           std::string_view input, BodyFraming& framing, ParseError& error) {
  framing = {};
  // RFC 9112 §6.3 rules 1-2: these never carry a body, whatever the fields say.
  if (request_method == "HEAD" || (status >= 100 && status < 200) || status == 204 ||
      status == 304) {
    return true;
  }
  if (request_method == "CONNECT" && status >= 200 && status < 300) return true;  // a tunnel
  if (headers.get("Transfer-Encoding")) {
    // Rule 4: chunked last means chunked (Transfer-Encoding overrides Content-Length); any
    // other final coding means the body runs until the server closes.
    std::vector<std::string_view> codings = transfer_codings(headers);
    bool chunked_last = !codings.empty() && iequals(codings.back(), "chunked");
    framing.kind = chunked_last ? BodyFraming::Kind::kChunked : BodyFraming::Kind::kUntilClose;
    return true;
  }
  bool present = false;
  std::uint64_t length = 0;
  // Rule 5: an invalid Content-Length in a response is an unrecoverable error.
  if (!parse_content_length(headers, input, present, length, error)) return false;
  if (present) {
    if (length > 0) framing = {BodyFraming::Kind::kContentLength, length};
    return true;
  }
  framing.kind = BodyFraming::Kind::kUntilClose;  // rule 8
  return true;
}

}  // namespace duplex::http
