// Tests for ServerProtocol (lesson 06): the HTTP/1.1 server side without a socket.
//
// A small driver plays the glue: it keeps the unconsumed bytes, feeds them as a network would
// cut them (every plan of split_plans()), answers each complete request with the test's
// handler, and collects what the protocol would write. Whatever the cuts, the bytes on the
// wire must be the same.
// @lesson 06
#include "src/http/server_protocol.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tests/http/http_feed.hpp"
#include "tests/support/split_feed.hpp"

namespace duplex::http {
namespace {

using namespace std::literals;
using Handler = std::function<void(ServerProtocol& protocol)>;

ServerProtocolOptions bare_options() {
  ServerProtocolOptions options;
  options.server_name = "";  // no Server, no Date: the expected bytes stay short
  return options;
}

// Answers with the request path as a text body.
void echo_path(ServerProtocol& protocol) {
  Response response(200, protocol.request().path);
  protocol.send_response(response);
}

struct Driver {
  explicit Driver(Handler on_request, ServerProtocolOptions options = bare_options())
      : protocol(std::move(options)), handler(std::move(on_request)) {}

  // What the glue does after each read: offer every unconsumed byte until nothing moves.
  void feed(std::string_view bytes) {
    fed += bytes;
    buffered += bytes;
    pump();
  }
  void pump() {
    for (;;) {
      if (track_output) protocol.set_output_queued(wire.size());
      std::size_t used = protocol.receive_data(buffered);
      buffered.erase(0, used);
      bool requests = handle_events();
      wire += protocol.data_to_send();
      if (used == 0 && !requests) return;
    }
  }
  bool handle_events() {
    bool any = false;
    for (const ServerEvent& event : protocol.events_received()) {
      any = true;
      switch (event.kind) {
        case ServerEvent::Kind::kRequestHead:
          log += "head " + std::string(protocol.request().method) + " " + protocol.request().path +
                 "; ";
          break;
        case ServerEvent::Kind::kBodyData:
          body += event.data;
          break;
        case ServerEvent::Kind::kRequestEnd:
          log += "end; ";
          if (handler) handler(protocol);
          break;
        case ServerEvent::Kind::kFailure:
          log += "failure " + std::to_string(event.status) + "; ";
          break;
      }
    }
    return any;
  }
  // The glue, later (a long-poll answered from a timer): the bytes that waited are parsed now.
  void later(const Handler& answer) {
    answer(protocol);
    wire += protocol.data_to_send();
    pump();
  }

  ServerProtocol protocol;
  Handler handler;
  bool track_output = false;  // report wire (what "the socket has not taken") as queued
  std::string fed;            // every byte given to feed(), for failure messages
  std::string buffered;
  std::string wire;
  std::string log;
  std::string body;
};

struct Outcome {
  std::string wire;
  std::string log;
  std::string body;
  ServerProtocol::State state;
  std::size_t left;  // bytes still unconsumed
  std::string fed;   // the input, for failure messages
};

// For failure messages: what the test fed, and everything the protocol wrote in answer.
std::string about(std::string_view fed, std::string_view wire, std::string_view log) {
  return "\n  fed   \"" + testing::visible(fed) + "\"\n  wrote \"" + testing::visible(wire) +
         "\"\n  events " + std::string(log);
}
std::string about(const Driver& driver) {
  return about(driver.fed, driver.wire, driver.log);
}

// Runs `input` through a fresh Driver for every split plan; every plan must produce the same
// outcome, which is returned.
Outcome run_everywhere(std::string_view input, const Handler& handler,
                       const ServerProtocolOptions& options = bare_options()) {
  std::optional<Outcome> first;
  for (const duplex::testing::SplitPlan& plan : duplex::testing::split_plans(input)) {
    Driver driver(handler, options);
    for (std::string_view chunk : plan.chunks) driver.feed(chunk);
    Outcome outcome{
        driver.wire, driver.log, driver.body, driver.protocol.state(), driver.buffered.size(), {}};
    if (!first) {
      first = outcome;
      continue;
    }
    EXPECT_EQ(outcome.wire, first->wire) << plan.name;
    EXPECT_EQ(outcome.log, first->log) << plan.name;
    EXPECT_EQ(outcome.body, first->body) << plan.name;
    EXPECT_EQ(outcome.state, first->state) << plan.name;
    // After a failure the bytes left over are never read again: their count may differ.
    if (outcome.log.find("failure") == std::string::npos) {
      EXPECT_EQ(outcome.left, first->left) << plan.name;
    }
  }
  first->fed = input;
  return *first;
}

std::string about(const Outcome& outcome) {
  return about(outcome.fed, outcome.wire, outcome.log);
}

constexpr auto kGetA = "GET /a HTTP/1.1\r\nHost: h\r\n\r\n"sv;
constexpr auto kGetB = "GET /b HTTP/1.1\r\nHost: h\r\n\r\n"sv;
constexpr auto kOkA = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n/a"sv;
constexpr auto kOkB = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n/b"sv;

TEST(L06_ServerProtocol, Http11PersistsRfc9112Section9_3) {
  Outcome outcome = run_everywhere(std::string(kGetA) + std::string(kGetB), echo_path);
  EXPECT_EQ(outcome.wire, std::string(kOkA) + std::string(kOkB)) << about(outcome);
  EXPECT_EQ(outcome.state, ServerProtocol::State::kHead) << about(outcome);
  EXPECT_EQ(outcome.log, "head GET /a; end; head GET /b; end; ") << about(outcome);
}

TEST(L06_ServerProtocol, ConnectionCloseEndsTheConnectionRfc9112Section9_6) {
  std::string input =
      "GET /a HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n" + std::string(kGetB);
  Outcome outcome = run_everywhere(input, echo_path);
  EXPECT_EQ(outcome.wire, "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\n/a")
      << about(outcome);
  EXPECT_EQ(outcome.state, ServerProtocol::State::kClosed) << about(outcome);
  EXPECT_EQ(outcome.left, kGetB.size()) << about(outcome);  // never parsed, never answered
}

TEST(L06_ServerProtocol, Http10ClosesUnlessKeepAliveRfc9112SectionC_2_2) {
  Outcome plain = run_everywhere("GET /a HTTP/1.0\r\n\r\n", echo_path);
  EXPECT_EQ(plain.wire, "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\n/a")
      << about(plain);
  EXPECT_EQ(plain.state, ServerProtocol::State::kClosed) << about(plain);
  Outcome kept = run_everywhere("GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", echo_path);
  EXPECT_EQ(kept.wire, "HTTP/1.1 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\n/a")
      << about(kept);
  EXPECT_EQ(kept.state, ServerProtocol::State::kHead) << about(kept);
}

TEST(L06_ServerProtocol, TheLastAllowedRequestSaysCloseRfc9112Section9_3) {
  ServerProtocolOptions options = bare_options();
  options.max_requests_per_connection = 2;
  std::string input = std::string(kGetA) + std::string(kGetB) + std::string(kGetA);
  Outcome outcome = run_everywhere(input, echo_path, options);
  EXPECT_EQ(
      outcome.wire,
      std::string(kOkA) + "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\n/b");
  EXPECT_EQ(outcome.state, ServerProtocol::State::kClosed) << about(outcome);
  EXPECT_EQ(outcome.left, kGetA.size()) << about(outcome);
}

TEST(L06_ServerProtocol, TheBodyMayBeGivenApartFromTheHead) {
  Handler apart = [](ServerProtocol& protocol) {
    Response head(200, "not this");
    protocol.send_response(head, protocol.request().path);
  };
  Outcome get = run_everywhere(kGetA, apart);
  EXPECT_EQ(get.wire, kOkA) << about(get);
  Outcome head = run_everywhere("HEAD /a HTTP/1.1\r\nHost: h\r\n\r\n", apart);
  EXPECT_EQ(head.wire, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n") << about(head);
}

TEST(L06_ServerProtocol, DateAndServerArePassedIn) {
  ServerProtocolOptions options;
  options.server_name = "duplex-test";
  options.date = [] { return "Fri, 04 Dec 2026 15:00:00 GMT"sv; };
  Outcome outcome = run_everywhere(kGetA, echo_path, options);
  EXPECT_EQ(outcome.wire,
            "HTTP/1.1 200 OK\r\nDate: Fri, 04 Dec 2026 15:00:00 GMT\r\nServer: duplex-test\r\n"
            "Content-Length: 2\r\n\r\n/a")
      << about(outcome);
}

TEST(L06_ServerProtocol, PipelinedRequestsWaitForTheResponseInProgressRfc9112Section9_3_2) {
  // The first request is a long-poll: nothing behind it may be parsed, let alone answered,
  // before its response, or the answers would leave out of order.
  std::string input = std::string(kGetA) + std::string(kGetB);
  for (const duplex::testing::SplitPlan& plan : duplex::testing::split_plans(input)) {
    bool first = true;
    Driver driver([&first](ServerProtocol& protocol) {
      if (first) {
        first = false;
        return;
      }
      echo_path(protocol);
    });
    for (std::string_view chunk : plan.chunks) driver.feed(chunk);
    EXPECT_EQ(driver.wire, "") << plan.name;
    EXPECT_EQ(driver.protocol.state(), ServerProtocol::State::kResponding) << plan.name;
    EXPECT_EQ(driver.log, "head GET /a; end; ") << plan.name;
    EXPECT_EQ(driver.buffered, kGetB) << plan.name;
    driver.later([](ServerProtocol& protocol) { protocol.send_response(Response(200, "late")); });
    EXPECT_EQ(driver.wire, "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nlate" + std::string(kOkB))
        << plan.name;
  }
}

TEST(L06_ServerProtocol, ContinueOnlyWhenTheBodyHasNotStartedRfc9110Section10_1_1) {
  constexpr auto kHead =
      "POST /up HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n"sv;
  constexpr auto kContinue = "HTTP/1.1 100 Continue\r\n\r\n"sv;
  auto answer = [](ServerProtocol& protocol) { protocol.send_response(Response(201, "ok")); };
  std::string input = std::string(kHead) + "hello";
  for (const duplex::testing::SplitPlan& plan : duplex::testing::split_plans(input)) {
    Driver driver(answer);
    bool body_came_with_head = false;
    std::size_t fed = 0;
    for (std::string_view chunk : plan.chunks) {
      if (fed < kHead.size() && fed + chunk.size() > kHead.size()) body_came_with_head = true;
      fed += chunk.size();
      driver.feed(chunk);
    }
    std::string final_response = "HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok";
    EXPECT_EQ(driver.wire,
              body_came_with_head ? final_response : std::string(kContinue) + final_response)
        << plan.name;
    EXPECT_EQ(driver.body, "hello") << plan.name;
  }
  // HTTP/1.0 knows no 100 (RFC 9110 §10.1.1: ignore the expectation).
  Driver old(answer);
  old.feed("POST /up HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n");
  EXPECT_EQ(old.wire, "") << about(old);
}

TEST(L06_ServerProtocol, HeadGetsTheHeadOfGetWithoutTheBodyRfc9110Section9_3_2) {
  Outcome outcome =
      run_everywhere("HEAD /abc HTTP/1.1\r\nHost: h\r\n\r\n" + std::string(kGetA), echo_path);
  EXPECT_EQ(outcome.wire, "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\n" + std::string(kOkA))
      << about(outcome);
  Driver stream([](ServerProtocol& protocol) {
    EXPECT_FALSE(protocol.start_stream(Response(200)));
    EXPECT_FALSE(protocol.send_body("never"));
  });
  stream.feed("HEAD /s HTTP/1.1\r\nHost: h\r\n\r\n");
  EXPECT_EQ(stream.wire, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
  EXPECT_EQ(stream.protocol.state(), ServerProtocol::State::kHead);
}

TEST(L06_ServerProtocol, NoBodyFor1xx204And304Rfc9110Section6_4_1) {
  for (int status : {204, 304}) {
    Outcome outcome = run_everywhere(kGetA, [status](ServerProtocol& protocol) {
      protocol.send_response(Response(status, "dropped"));
    });
    EXPECT_EQ(outcome.wire, "HTTP/1.1 " + std::to_string(status) + " " +
                                std::string(status_reason(status)) + "\r\n\r\n")
        << about(outcome);
    EXPECT_EQ(outcome.state, ServerProtocol::State::kHead) << about(outcome);
  }
}

TEST(L06_ServerProtocol, MalformedRequestGetsItsStatusThenCloseRfc9112Section11_2) {
  // Request smuggling: after an ambiguous length nothing that follows can be trusted.
  std::string input =
      "POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n" +
      std::string(kGetB);
  Outcome outcome = run_everywhere(input, echo_path);
  EXPECT_EQ(
      outcome.wire.rfind("HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\n"
                         "Connection: close\r\nContent-Length: ",
                         0),
      0U)
      << outcome.wire;
  EXPECT_NE(outcome.wire.find("\r\n\r\n400 Bad Request: "), std::string::npos);
  EXPECT_EQ(outcome.log, "failure 400; ") << about(outcome);
  EXPECT_EQ(outcome.state, ServerProtocol::State::kClosed) << about(outcome);
  EXPECT_EQ(outcome.wire.find("/b"), std::string::npos) << about(outcome);
}

TEST(L06_ServerProtocol, BadChunkInTheBodyFailsTheRequest) {
  // A chunk size that is not hex: the body's end is unknown, so is where the next request starts.
  Outcome outcome = run_everywhere(
      "POST /a HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", echo_path);
  EXPECT_EQ(outcome.wire.rfind("HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; "
                               "charset=utf-8\r\nConnection: close\r\n",
                               0),
            0U)
      << about(outcome);
  EXPECT_EQ(outcome.log, "head POST /a; failure 400; ") << about(outcome);
  EXPECT_EQ(outcome.state, ServerProtocol::State::kClosed) << about(outcome);
}

TEST(L06_ServerProtocol, BodyOverTheLimitIs413BeforeAnyByteRfc9110Section15_5_14) {
  // A client announcing a huge body must not make the server wait for (or keep) any of it.
  ServerProtocolOptions options = bare_options();
  options.parser.max_body = 4;
  Outcome outcome = run_everywhere("POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\n",
                                   echo_path, options);
  EXPECT_EQ(outcome.wire.rfind("HTTP/1.1 413 Content Too Large\r\nContent-Type: text/plain; "
                               "charset=utf-8\r\nConnection: close\r\n",
                               0),
            0U)
      << outcome.wire;
}

TEST(L06_ServerProtocol, ChunkedRequestBodyIsDecodedRfc9112Section7_1) {
  std::string input =
      "POST /a HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5\r\nhello\r\n6;x=y\r\n world\r\n0\r\nTrailer: t\r\n\r\n" +
      std::string(kGetB);
  Outcome outcome = run_everywhere(input, [](ServerProtocol& protocol) {
    protocol.send_response(Response(200, protocol.body()));
  });
  EXPECT_EQ(outcome.body, "hello world") << about(outcome);
  EXPECT_EQ(outcome.wire, "HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\nhello world" +
                              "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"s)
      << about(outcome);
}

TEST(L06_ServerProtocol, StreamsAreChunkedFor11AndCloseDelimitedFor10Rfc9112Section6_3) {
  auto stream = [](ServerProtocol& protocol) {
    EXPECT_TRUE(protocol.start_stream(Response(200)));
    EXPECT_TRUE(protocol.send_body("hello"));
    EXPECT_TRUE(protocol.send_body(""));  // no empty chunk: it would end the body
    protocol.end_response();
    EXPECT_FALSE(protocol.send_body("late"));
  };
  Outcome chunked = run_everywhere(std::string(kGetA) + std::string(kGetB), stream);
  std::string one = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n";
  EXPECT_EQ(chunked.wire, one + one) << about(chunked);
  EXPECT_EQ(chunked.state, ServerProtocol::State::kHead) << about(chunked);
  Outcome old = run_everywhere("GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", stream);
  EXPECT_EQ(old.wire, "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nhello") << about(old);
  EXPECT_EQ(old.state, ServerProtocol::State::kClosed) << about(old);
}

TEST(L06_ServerProtocol, ALengthFramedBodyMayBeWrittenOutside) {
  // A file body: the head here, the bytes by the glue (sendfile), then end_response().
  Driver driver(
      [](ServerProtocol& protocol) { EXPECT_TRUE(protocol.send_head(Response(200), 10)); });
  driver.feed(std::string(kGetA) + std::string(kGetB));
  EXPECT_EQ(driver.wire, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n") << about(driver);
  EXPECT_EQ(driver.buffered, kGetB) << about(driver);
  driver.handler = echo_path;
  driver.later([](ServerProtocol& protocol) { protocol.end_response(); });
  EXPECT_EQ(driver.wire, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n" + std::string(kOkB))
      << about(driver);
  // A body that could not be completed (the file shrank): close, so the client sees it short.
  Driver shrunk([](ServerProtocol& protocol) { protocol.send_head(Response(200), 10); });
  shrunk.feed(kGetA);
  shrunk.later([](ServerProtocol& protocol) { protocol.abort_response(); });
  EXPECT_EQ(shrunk.protocol.state(), ServerProtocol::State::kClosed);
}

TEST(L06_ServerProtocol, OutputBacklogPausesParsingUntilItDrains) {
  // 2 KiB of pipelined requests for big answers must not become megabytes of output at once.
  ServerProtocolOptions options = bare_options();
  options.output_high_water = 100;
  std::string input;
  for (int i = 0; i < 4; ++i) input += kGetA;
  for (const duplex::testing::SplitPlan& plan : duplex::testing::split_plans(input)) {
    Driver driver(
        [](ServerProtocol& protocol) {
          protocol.send_response(Response(200, std::string(90, 'x')));
        },
        options);
    // The glue keeps what it could not write yet, and tells the protocol how much that is.
    driver.track_output = true;
    for (std::string_view chunk : plan.chunks) driver.feed(chunk);
    EXPECT_TRUE(driver.protocol.paused_for_output()) << plan.name;
    EXPECT_EQ(driver.log, "head GET /a; end; ") << plan.name;
    EXPECT_EQ(driver.buffered.size(), 3 * kGetA.size()) << plan.name;
    // The socket takes the output; each drain lets exactly one more request through.
    std::string written;
    for (int round = 1; round <= 3; ++round) {
      written += driver.wire;
      driver.wire.clear();
      driver.pump();
      EXPECT_EQ(driver.buffered.size(), (3 - round) * kGetA.size()) << plan.name;
    }
    written += driver.wire;
    driver.wire.clear();
    driver.pump();
    EXPECT_FALSE(driver.protocol.paused_for_output()) << plan.name;
    std::string one = "HTTP/1.1 200 OK\r\nContent-Length: 90\r\n\r\n" + std::string(90, 'x');
    EXPECT_EQ(written, one + one + one + one) << plan.name;
  }
}

TEST(L06_ServerProtocol, PipelinedBytesAboveTheLimitStopReading) {
  ServerProtocolOptions options = bare_options();
  options.max_pipelined_bytes = 40;
  Driver driver(nullptr, options);  // never answers: a long-poll
  driver.feed(kGetA);
  EXPECT_TRUE(driver.protocol.wants_input(40));
  EXPECT_FALSE(driver.protocol.wants_input(41));
  Driver idle(nullptr, options);
  EXPECT_TRUE(idle.protocol.wants_input(1000));  // a big head is the parser's limits' business
}

TEST(L06_ServerProtocol, FailBeforeTheResponseSends500AndCloses) {
  // A handler that threw: the client gets a status, and the connection's framing is not trusted.
  Driver driver(nullptr);
  driver.feed(std::string(kGetA) + std::string(kGetB));
  driver.later([](ServerProtocol& protocol) { protocol.fail(500, "the handler failed"); });
  EXPECT_EQ(driver.wire,
            "HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/plain; charset=utf-8\r\n"
            "Connection: close\r\nContent-Length: 46\r\n\r\n500 Internal Server Error: the handler "
            "failed\n")
      << about(driver);
  EXPECT_TRUE(driver.protocol.should_close());
  EXPECT_EQ(driver.buffered, kGetB) << about(driver);
}

TEST(L06_ServerProtocol, FailAfterTheResponseStartedOnlyCloses) {
  // Half a chunked body then an error: a status now would be read as body bytes.
  Driver driver([](ServerProtocol& protocol) {
    protocol.start_stream(Response(200));
    protocol.send_body("part");
  });
  driver.feed(kGetA);
  std::string before = driver.wire;
  driver.later([](ServerProtocol& protocol) { protocol.fail(500, "the handler failed"); });
  EXPECT_EQ(driver.wire, before) << about(driver);
  EXPECT_TRUE(driver.protocol.should_close());
}

TEST(L06_ServerProtocol, HeadTimeoutAnswers408) {
  Driver driver(echo_path);
  driver.feed("GET /a HTTP/1.1\r\nHo");
  EXPECT_EQ(driver.protocol.state(), ServerProtocol::State::kHead) << about(driver);
  driver.later(
      [](ServerProtocol& protocol) { protocol.fail(408, "request head not received in time"); });
  EXPECT_EQ(driver.wire.rfind("HTTP/1.1 408 Request Timeout\r\nContent-Type: text/plain; "
                              "charset=utf-8\r\nConnection: close\r\n",
                              0),
            0U)
      << about(driver);
  EXPECT_TRUE(driver.protocol.should_close());
}

TEST(L06_ServerProtocol, StoppingFinishesTheResponseInProgressWithClose) {
  Driver busy(nullptr);
  busy.feed(std::string(kGetA) + std::string(kGetB));
  busy.protocol.stop();
  EXPECT_FALSE(busy.protocol.should_close());
  busy.later(echo_path);
  EXPECT_EQ(busy.wire, "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\n/a");
  EXPECT_TRUE(busy.protocol.should_close());
  Driver idle(echo_path);
  idle.feed(kGetA);
  idle.protocol.stop();
  EXPECT_TRUE(idle.protocol.should_close());
}

TEST(L06_ServerProtocol, UpgradeLeavesTheFollowingBytesUnconsumedRfc9110Section7_8) {
  std::string input =
      "GET /ws HTTP/1.1\r\nHost: h\r\nConnection: Upgrade\r\nUpgrade: x\r\n\r\n\x81\x80";
  Outcome outcome = run_everywhere(input, [](ServerProtocol& protocol) {
    Response response(101);
    response.add("Connection", "Upgrade");
    response.add("Upgrade", "x");
    protocol.send_upgrade(response);
  });
  EXPECT_EQ(outcome.wire,
            "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: x\r\n\r\n")
      << about(outcome);
  EXPECT_EQ(outcome.state, ServerProtocol::State::kUpgraded) << about(outcome);
  EXPECT_EQ(outcome.left, 2U) << about(outcome);
}

TEST(L06_ServerProtocol, EndOfInputInsideTheBodyIsAFailureWithNobodyToAnswer) {
  Driver driver(echo_path);
  driver.feed("POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhe");
  driver.protocol.receive_eof();
  driver.handle_events();
  EXPECT_EQ(driver.log, "head POST /a; failure 0; ") << about(driver);
  EXPECT_TRUE(driver.protocol.should_close());
  EXPECT_EQ(driver.protocol.data_to_send(), "") << about(driver);
}

TEST(L06_ServerProtocol, TakeRequestMovesTheHeadWithItsViews) {
  Driver driver(nullptr);
  driver.feed("GET /p?q=1 HTTP/1.1\r\nHost: h\r\nX-A: b\r\n\r\n");
  std::string raw;
  RequestHead head;
  driver.protocol.take_request(raw, head);
  driver.buffered.assign(driver.buffered.size(), 'X');
  EXPECT_EQ(head.method, "GET");
  EXPECT_EQ(head.query, "q=1");
  EXPECT_EQ(head.headers.get("x-a"), "b");
  EXPECT_GE(head.method.data(), raw.data());
  EXPECT_LE(head.query.data() + head.query.size(), raw.data() + raw.size());
}

TEST(L06_ServerProtocol, DecisionsSurviveTakingTheRequestBeforeItsBody) {
  // The glue moves the head into the Exchange at kRequestHead; keep-alive, HTTP/1.0 and HEAD
  // must still be decided right when the body ends and the response is written.
  std::string input = "POST /a HTTP/1.0\r\nConnection: keep-alive\r\nContent-Length: 3\r\n\r\nabc";
  for (const duplex::testing::SplitPlan& plan : duplex::testing::split_plans(input)) {
    Driver driver([](ServerProtocol& protocol) { protocol.send_response(Response(200, "ok")); });
    std::string raw;
    RequestHead head;
    for (std::string_view chunk : plan.chunks) {
      driver.buffered += chunk;
      std::size_t used = driver.protocol.receive_data(driver.buffered);
      driver.buffered.erase(0, used);
      for (const ServerEvent& event : driver.protocol.events_received()) {
        if (event.kind == ServerEvent::Kind::kRequestHead) driver.protocol.take_request(raw, head);
        if (event.kind == ServerEvent::Kind::kRequestEnd) driver.handler(driver.protocol);
      }
      driver.wire += driver.protocol.data_to_send();
    }
    EXPECT_EQ(head.method, "POST") << plan.name;
    EXPECT_EQ(driver.wire,
              "HTTP/1.1 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok")
        << plan.name;
    EXPECT_EQ(driver.protocol.state(), ServerProtocol::State::kHead) << plan.name;
  }
}

#if DUPLEX_LESSON >= 12
// Lesson 12: whether the glue may close without lingering, the same for every split plan.
bool client_done_everywhere(std::string_view input, const ServerProtocolOptions& options) {
  std::optional<bool> first;
  for (const duplex::testing::SplitPlan& plan : duplex::testing::split_plans(input)) {
    Driver driver(echo_path, options);
    for (std::string_view chunk : plan.chunks) driver.feed(chunk);
    bool done = driver.protocol.client_done_sending();
    if (!first) first = done;
    EXPECT_EQ(done, *first) << plan.name << about(driver);
  }
  return first.value_or(false);
}

TEST(L12_ServerProtocol, TheClientIsDoneSendingOnlyAfterItsOwnCloseAndAWholeRequest) {
  ServerProtocolOptions options = bare_options();
  // RFC 9112 §9.6: a client that sends "close" sends no further request.
  EXPECT_TRUE(
      client_done_everywhere("GET /a HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n", options));
  EXPECT_TRUE(client_done_everywhere(
      "POST /a HTTP/1.1\r\nHost: h\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok", options));
  // RFC 9112 §9.3: HTTP/1.0 without keep-alive closes after this response.
  EXPECT_TRUE(client_done_everywhere("GET /a HTTP/1.0\r\n\r\n", options));
  // Open, or closed by the server while the client meant to go on: it may be sending more.
  EXPECT_FALSE(client_done_everywhere(kGetA, options));
  options.max_requests_per_connection = 1;
  EXPECT_FALSE(client_done_everywhere(std::string(kGetA) + std::string(kGetB), options));
  options = bare_options();
  // Failed in the middle of its body (a chunk past max_body, a bad chunk): the rest of the
  // body may still be on its way.
  options.parser.max_body = 4;
  std::string chunked_close =
      "POST /a HTTP/1.1\r\nHost: h\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n";
  EXPECT_FALSE(client_done_everywhere(chunked_close + "9\r\n123456789\r\n", options));
  EXPECT_FALSE(client_done_everywhere(chunked_close + "zz\r\n", bare_options()));
  // Malformed: nothing said about it can be trusted.
  EXPECT_FALSE(client_done_everywhere("GET /a HTTP/1.1\r\nHost h\r\nConnection: close\r\n\r\n",
                                      bare_options()));
}
#endif

}  // namespace
}  // namespace duplex::http
