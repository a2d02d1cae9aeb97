// Feeding the HTTP head parsers every way the network could (tests for lessons 04-05).
// See http_feed.hpp.
// @lesson 04
#include "tests/http/http_feed.hpp"

#include <gtest/gtest.h>

#include <memory>

#include "src/http/parse_error.hpp"
#include "src/http/request_parser.hpp"
#if DUPLEX_LESSON >= 5
#include "src/http/response_parser.hpp"
#endif
#include "tests/support/guarded_buffer.hpp"
#include "tests/support/split_feed.hpp"

namespace duplex::http::testing {

namespace {

// Guarding every call of a bytewise feed of a large input would copy it once per byte.
constexpr std::size_t kGuardAlways = 4096;

#if DUPLEX_LESSON >= 5
std::string framing_text(const BodyFraming& body) {
  switch (body.kind) {
    case BodyFraming::Kind::kNone:
      return "none";
    case BodyFraming::Kind::kContentLength:
      return "length=" + std::to_string(body.length);
    case BodyFraming::Kind::kChunked:
      return "chunked";
    case BodyFraming::Kind::kUntilClose:
      return "until-close";
  }
  return "?";
}
#endif

std::string summarize(const RequestHead& head) {
  std::string out = std::string(head.method) + " " + std::string(head.target) +
                    " form=" + std::to_string(static_cast<int>(head.form)) + " path=" + head.path +
                    " query=" + (head.has_query ? std::string(head.query) : "-") +
                    " authority=" + std::string(head.authority) + " HTTP/" +
                    std::to_string(head.version_major) + "." + std::to_string(head.version_minor);
  for (const Field& field : head.headers) {
    out += " [" + std::string(field.name) + "=" + std::string(field.value) + "]";
  }
#if DUPLEX_LESSON >= 5
  return out + " body=" + framing_text(head.body);
#else
  return out;
#endif
}

#if DUPLEX_LESSON >= 5
std::string summarize(const ResponseHead& head) {
  std::string out = "HTTP/" + std::to_string(head.version_major) + "." +
                    std::to_string(head.version_minor) + " " + std::to_string(head.status) + " [" +
                    std::string(head.reason) + "]";
  for (const Field& field : head.headers) {
    out += " [" + std::string(field.name) + "=" + std::string(field.value) + "]";
  }
  return out + " body=" + framing_text(head.body);
}
#endif

template <typename Parser, typename Summarize>
Outcome feed(Parser& parser, const std::vector<std::string_view>& chunks,
             Summarize summarize_head) {
  std::string buffered;
  std::size_t total = 0;
  for (std::string_view chunk : chunks) total += chunk.size();
  bool guard = total <= kGuardAlways || chunks.size() <= 2;
  Outcome outcome;
  outcome.result = "need-more";
  for (std::string_view chunk : chunks) {
    buffered += chunk;
    std::unique_ptr<duplex::testing::GuardedBuffer> guarded;
    std::string_view view = buffered;
    if (guard) {
      guarded = std::make_unique<duplex::testing::GuardedBuffer>(buffered);
      view = guarded->view();
    }
    ParseResult result = parser.parse(view);
    if (result.done()) {
      // The head's views point into `view`: summarise while it is alive.
      return {"complete", 0, result.consumed, 0, "", summarize_head(parser.head())};
    }
    if (result.failed()) {
      return {"error " + std::to_string(result.error.status) + " " +
                  std::string(result.error.reason) + " @" + std::to_string(result.error.offset),
              result.error.status,
              0,
              result.error.offset,
              std::string(result.error.reason),
              ""};
    }
  }
  return outcome;
}

template <typename FeedPlan>
Outcome everywhere(std::string_view input, FeedPlan feed_plan) {
  auto plans = duplex::testing::split_plans(input);
  Outcome whole = feed_plan(plans.front().chunks);
  for (std::size_t i = 1; i < plans.size(); ++i) {
    Outcome split = feed_plan(plans[i].chunks);
    EXPECT_EQ(split, whole) << "plan " << plans[i].name << " gave " << split.result
                            << "\n  whole input gave " << show(input, whole)
                            << "\n  this plan gave " << show(input, split);
    if (!(split == whole)) break;  // one message per input is enough
  }
  return whole;
}

}  // namespace

Outcome feed_request(const std::vector<std::string_view>& chunks, const ParserLimits& limits) {
  RequestParser parser(limits);
  return feed(parser, chunks, [](const RequestHead& head) { return summarize(head); });
}

Outcome parse_request_everywhere(std::string_view input, const ParserLimits& limits) {
  return everywhere(input, [&](const std::vector<std::string_view>& chunks) {
    return feed_request(chunks, limits);
  });
}

#if DUPLEX_LESSON >= 5
Outcome feed_response(const std::vector<std::string_view>& chunks, std::string_view method,
                      const ParserLimits& limits) {
  ResponseParser parser(limits);
  parser.reset(method);
  return feed(parser, chunks, [](const ResponseHead& head) { return summarize(head); });
}

Outcome parse_response_everywhere(std::string_view input, std::string_view method,
                                  const ParserLimits& limits) {
  return everywhere(input, [&](const std::vector<std::string_view>& chunks) {
    return feed_response(chunks, method, limits);
  });
}
#endif

std::string show(std::string_view input, const Outcome& outcome) {
  if (outcome.status == 0) return outcome.result + " " + outcome.head;
  ParseError error{outcome.status, outcome.reason, outcome.offset};
  return render_error(input, error);
}

std::string visible(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (char c : bytes) {
    auto byte = static_cast<unsigned char>(c);
    if (c == '\r') {
      out += "\\r";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (byte < 0x20 || byte >= 0x7f) {
      out += "\\x";
      out += kHex[byte >> 4];
      out += kHex[byte & 15];
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace duplex::http::testing
