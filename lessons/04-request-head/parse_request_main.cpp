// parse_request: print what RequestParser makes of raw bytes (lesson 04's throwaway tool).
//
// Reads a request head from stdin (or the file named as the argument), feeds it to
// duplex::http::RequestParser, and prints the parsed head, or the error status with a caret
// under the failing byte. `--bytewise` feeds the input one byte at a time, as a slow client
// would; the answer must be the same. `--max-header-bytes N` raises the header-section limit, to
// make a slow client's cost visible. Exit status: 0 parsed, 1 rejected, 2 incomplete.
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <string_view>

#include "src/http/parse_error.hpp"
#include "src/http/request_parser.hpp"

namespace {

using duplex::http::TargetForm;

std::string_view form_name(TargetForm form) {
  switch (form) {
    case TargetForm::kOrigin:
      return "origin-form";
    case TargetForm::kAbsolute:
      return "absolute-form";
    case TargetForm::kAuthority:
      return "authority-form";
    case TargetForm::kAsterisk:
      return "asterisk-form";
  }
  return "?";
}

}  // namespace

int main(int argc, char** argv) {
  bool bytewise = false;
  duplex::http::ParserLimits limits;
  std::string file;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--bytewise") {
      bytewise = true;
    } else if (arg == "--max-header-bytes" && i + 1 < argc) {
      limits.max_header_bytes = std::strtoull(argv[++i], nullptr, 10);
    } else if (!arg.empty() && arg[0] == '-') {
      std::fprintf(stderr, "usage: parse_request [--bytewise] [--max-header-bytes N] [file]\n");
      return 64;
    } else {
      file = arg;
    }
  }
  std::FILE* in = file.empty() ? stdin : std::fopen(file.c_str(), "rb");
  if (in == nullptr) {
    std::fprintf(stderr, "parse_request: cannot open %s\n", file.c_str());
    return 66;
  }
  std::string input;
  char chunk[4096];
  for (std::size_t n; (n = std::fread(chunk, 1, sizeof chunk, in)) > 0;) input.append(chunk, n);
  if (in != stdin) std::fclose(in);

  duplex::http::RequestParser parser(limits);
  duplex::http::ParseResult result;
  // Each call is given every byte received so far, as a server would after each read.
  for (std::size_t have = bytewise ? 1 : input.size(); have <= input.size(); ++have) {
    result = parser.parse(std::string_view(input).substr(0, have));
    if (!result.need_more()) break;
  }
  if (result.failed()) {
    std::cout << "rejected: " << duplex::http::render_error(input, result.error);
    return 1;
  }
  if (result.need_more()) {
    std::cout << "incomplete: " << input.size() << " bytes and no empty line yet\n";
    return 2;
  }
  const auto& head = parser.head();
  std::cout << "complete: the head is " << result.consumed << " of " << input.size() << " bytes\n";
  std::cout << "method     " << head.method << "\n";
  std::cout << "target     " << head.target << "  (" << form_name(head.form) << ")\n";
  if (!head.authority.empty()) std::cout << "authority  " << head.authority << "\n";
  std::cout << "path       " << head.path << "\n";
  std::cout << "query      " << (head.has_query ? std::string(head.query) : "(none)") << "\n";
  std::cout << "version    HTTP/" << head.version_major << "." << head.version_minor << "\n";
  std::cout << "fields     " << head.headers.size() << "\n";
  for (const auto& field : head.headers) {
    std::cout << "  [" << field.name << "] [" << field.value << "]\n";
  }
  std::cout << "keep-alive " << (head.keep_alive() ? "yes" : "no") << "\n";
  return 0;
}
