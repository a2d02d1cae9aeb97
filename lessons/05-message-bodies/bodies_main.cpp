// bodies: split a byte stream into requests, the way a server does (lesson 05's throwaway tool).
//
// Reads bytes from stdin (or the file named as the argument) and, like a keep-alive connection,
// parses request after request: the head with RequestParser, then the body with the framing the
// head decided (BodyReader). For each request it prints the request line, the framing and the
// body, and stops at the first error with the status and a caret.
//
// `--smuggle` runs the request-smuggling demonstration instead (RFC 9112 §11.2): one byte stream
// carrying both Content-Length and Transfer-Encoding, split by a front end that trusts
// Content-Length, by a back end that trusts Transfer-Encoding, and by Duplex, which refuses it.
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "src/http/body_reader.hpp"
#include "src/http/head_reader.hpp"
#include "src/http/parse_error.hpp"
#include "src/http/request_parser.hpp"

namespace {

using duplex::http::BodyFraming;
using duplex::http::BodyReader;
using duplex::http::Headers;
using duplex::http::HeadReader;
using duplex::http::ParseResult;
using duplex::http::ParserLimits;

std::string visible(std::string_view bytes) {
  std::string out;
  for (char c : bytes) {
    if (c == '\r') {
      out += "\\r";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string framing_name(const BodyFraming& body) {
  switch (body.kind) {
    case BodyFraming::Kind::kNone:
      return "no body";
    case BodyFraming::Kind::kContentLength:
      return "Content-Length: " + std::to_string(body.length);
    case BodyFraming::Kind::kChunked:
      return "chunked";
    case BodyFraming::Kind::kUntilClose:
      return "until close";
  }
  return "?";
}

// Splits `stream` the Duplex way; prints each request. Returns false at the first error.
bool split_with_duplex(std::string_view stream, const char* indent) {
  int count = 0;
  while (!stream.empty()) {
    duplex::http::RequestParser parser;
    ParseResult head = parser.parse(stream);
    if (head.need_more()) {
      std::printf("%s(%zu bytes left: an incomplete head)\n", indent, stream.size());
      return true;
    }
    if (head.failed()) {
      // Indent every line of the caret display, so that the caret stays under its byte.
      std::string shown = duplex::http::render_error(stream, head.error);
      for (std::size_t at = shown.find('\n'); at + 1 < shown.size();
           at = shown.find('\n', at + 1)) {
        shown.insert(at + 1, indent);
      }
      std::printf("%srejected: %s", indent, shown.c_str());
      std::printf("%sthe connection closes: no byte after this is read as a request\n", indent);
      return false;
    }
    const auto& request = parser.head();
    BodyReader reader(request.body);
    std::string body;
    ParseResult result = reader.feed(stream.substr(head.consumed), body);
    std::printf("%s#%d %.*s %.*s  [%s]  body %zu bytes \"%s\"\n", indent, ++count,
                static_cast<int>(request.method.size()), request.method.data(),
                static_cast<int>(request.target.size()), request.target.data(),
                framing_name(request.body).c_str(), body.size(), visible(body).c_str());
    for (const auto& [name, value] : reader.chunked().trailers()) {
      std::printf("%s   trailer %s: %s\n", indent, name.c_str(), value.c_str());
    }
    if (result.failed()) {
      std::printf("%sbody rejected: %d %.*s\n", indent, result.error.status,
                  static_cast<int>(result.error.reason.size()), result.error.reason.data());
      return false;
    }
    if (result.need_more()) {
      std::printf("%s(the body is incomplete)\n", indent);
      return true;
    }
    stream.remove_prefix(head.consumed + result.consumed);
  }
  return true;
}

// A deliberately naive server: it reads heads like Duplex, but when both framing fields are
// present it trusts the one it was told to, as real servers once did.
enum class Trust { kContentLength, kTransferEncoding };

void split_naively(std::string_view stream, Trust trust) {
  int count = 0;
  ParserLimits limits;
  while (!stream.empty()) {
    HeadReader reader(limits, 414);
    HeadReader::Event event;
    while ((event = reader.next(stream)) == HeadReader::Event::kStartLine) {
    }
    if (event != HeadReader::Event::kDone) {
      std::printf("     (%zu bytes left over, waiting for more)\n", stream.size());
      return;
    }
    Headers headers;
    reader.fill(stream, headers);
    BodyFraming framing;
    auto length = headers.get("Content-Length");
    bool chunked = headers.has_token("Transfer-Encoding", "chunked");
    if (chunked && (trust == Trust::kTransferEncoding || !length)) {
      framing.kind = BodyFraming::Kind::kChunked;
    } else if (length) {
      framing = {BodyFraming::Kind::kContentLength, std::stoull(std::string(*length))};
    }
    BodyReader body_reader(framing);
    std::string body;
    ParseResult result = body_reader.feed(stream.substr(reader.consumed()), body);
    std::string_view line = reader.start_line(stream);
    std::printf("     #%d %.*s  [%s]  body %zu bytes \"%s\"\n", ++count,
                static_cast<int>(line.size()), line.data(), framing_name(framing).c_str(),
                body.size(), visible(body).c_str());
    if (!result.done()) return;
    stream.remove_prefix(reader.consumed() + result.consumed);
  }
}

// @anchor lesson05-smuggle-demo
int smuggle_demo() {
  // The attacker's bytes: one POST as far as Content-Length is concerned (its 48-byte body runs
  // to the end), but as chunked, the body ends at "0\r\n\r\n" and a second request begins.
  const std::string stream =
      "POST /search HTTP/1.1\r\n"
      "Host: shop.example\r\n"
      "Content-Length: 48\r\n"
      "Transfer-Encoding: chunked\r\n"
      "\r\n"
      "0\r\n"
      "\r\n"
      "GET /admin HTTP/1.1\r\n"
      "Host: shop.example\r\n"
      "\r\n";
  std::printf("The byte stream (%zu bytes), sent on one connection:\n", stream.size());
  std::string_view rest = stream;
  while (!rest.empty()) {
    std::size_t end = rest.find('\n');
    std::printf("     %s\n", visible(rest.substr(0, end + 1)).c_str());
    rest.remove_prefix(end + 1);
  }
  std::printf(
      "\n1. The front end trusts Content-Length. It sees one request, checks its\n"
      "   request line against its rules (/admin is blocked), and forwards all bytes:\n");
  split_naively(stream, Trust::kContentLength);
  std::printf("\n2. The back end trusts Transfer-Encoding. Reading the same bytes, it sees two:\n");
  split_naively(stream, Trust::kTransferEncoding);
  std::printf("   Request #2 was smuggled: the front end never saw its request line.\n");
  std::printf("\n3. Duplex refuses the combination (RFC 9112 §6.3) and closes the connection:\n");
  split_with_duplex(stream, "     ");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string file;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--smuggle") return smuggle_demo();
    if (!arg.empty() && arg[0] == '-') {
      std::fprintf(stderr, "usage: bodies [--smuggle] [file]\n");
      return 64;
    }
    file = arg;
  }
  std::FILE* in = file.empty() ? stdin : std::fopen(file.c_str(), "rb");
  if (in == nullptr) {
    std::fprintf(stderr, "bodies: cannot open %s\n", file.c_str());
    return 66;
  }
  std::string input;
  char chunk[4096];
  for (std::size_t n; (n = std::fread(chunk, 1, sizeof chunk, in)) > 0;) input.append(chunk, n);
  if (in != stdin) std::fclose(in);
  return split_with_duplex(input, "") ? 0 : 1;
}
