// Tests for permessage-deflate (lesson 14; RFC 7692 §5, §7.1 negotiation, §7.2 the transform).
//
// Negotiation: the RFC's examples, every combination of the four parameters in an offer (each
// answer must be one the client accepts and must honour the offer's requests), declined and
// malformed offers, the client's check of the answer. The transform: the RFC's own bytes
// (§7.2.3) both ways and at every split, messages from 0 bytes to 16 MiB in fragments, context
// takeover on and off, the size limit (1009), corrupt and truncated data (1007), the memory an
// idle connection keeps with the server's defaults, and one broadcast payload for every member.
// @lesson 14
#include "src/ws/permessage_deflate.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "tests/support/guarded_buffer.hpp"
#include "tests/support/split_feed.hpp"

namespace duplex::ws {
namespace {

using namespace std::literals;
using Side = PerMessageDeflate::Side;

PerMessageDeflateOptions plain() {
  return {.server_no_context_takeover = false, .client_no_context_takeover = false};
}

std::string response_to(std::string_view offer, const PerMessageDeflateOptions& options = {}) {
  return negotiate_server(offer, options).response;
}

TEST(L14_PerMessageDeflate, ParsesTheExtensionListGrammar) {
  const auto list = parse_extensions(
      "x-webkit-deflate-frame, permessage-deflate ; client_max_window_bits;"
      "server_max_window_bits=\"10\"\t,, permessage-deflate;a=b");
  ASSERT_TRUE(list);
  ASSERT_EQ(list->size(), 3u);
  EXPECT_EQ((*list)[0], (Extension{"x-webkit-deflate-frame", {}}));
  EXPECT_EQ(
      (*list)[1],
      (Extension{"permessage-deflate",
                 {{"client_max_window_bits", std::nullopt}, {"server_max_window_bits", "10"}}}));
  EXPECT_EQ((*list)[2], (Extension{"permessage-deflate", {{"a", "b"}}}));
  EXPECT_EQ(parse_extensions("")->size(), 0u);
  // Quoted-pair unescaped (RFC 9110 §5.6.4): "1\0" is the token 10.
  EXPECT_EQ((*parse_extensions("e; p=\"1\\0\""))[0].params[0].value, "10");
}

TEST(L14_PerMessageDeflate, RejectsWhatIsNotTheGrammar) {
  // Each of these would leave a parser guessing which offer was meant: RFC 6455 §9.1.
  for (std::string_view bad : {"permessage-deflate;", "permessage-deflate; =1", "a b",
                               "permessage-deflate; p=", "e; p=\"unterminated",
                               "e; p=\"not a token\"", "e; p=\"\"", "e; p=1 2", "e;;p", "\"e\""}) {
    EXPECT_FALSE(parse_extensions(bad)) << bad;
    EXPECT_TRUE(negotiate_server(bad, {}).malformed()) << bad;
  }
}

TEST(L14_PerMessageDeflate, RfcExamplesAndBrowsersOffers) {
  // §7.1.3: the simplest offer, accepted as is by a server that asks for nothing.
  EXPECT_EQ(response_to("permessage-deflate", plain()), "permessage-deflate");
  // What every browser sends.
  EXPECT_EQ(response_to("permessage-deflate; client_max_window_bits", plain()),
            "permessage-deflate");
  // §7.1.3: the window request with a fallback; the first offer wins.
  const std::string_view fallback =
      "permessage-deflate; client_max_window_bits; server_max_window_bits=10, "
      "permessage-deflate; client_max_window_bits";
  EXPECT_EQ(response_to(fallback, plain()), "permessage-deflate; server_max_window_bits=10");
  // The server's defaults ask for no context takeover both ways (§7.1.1.1, §7.1.1.2).
  EXPECT_EQ(response_to("permessage-deflate; client_max_window_bits"),
            "permessage-deflate; server_no_context_takeover; client_no_context_takeover");
  EXPECT_EQ(response_to("permessage-deflate; client_max_window_bits=10", plain()),
            "permessage-deflate; client_max_window_bits=10");
  EXPECT_EQ(response_to("permessage-deflate; client_no_context_takeover", plain()),
            "permessage-deflate; client_no_context_takeover");
  EXPECT_EQ(response_to("permessage-deflate; server_no_context_takeover", plain()),
            "permessage-deflate; server_no_context_takeover");
  // Other extensions are not ours to accept; quoted values count as tokens (RFC 6455 §9.1).
  EXPECT_EQ(response_to("x-webkit-deflate-frame, permessage-deflate; server_max_window_bits=\"9\"",
                        plain()),
            "permessage-deflate; server_max_window_bits=9");
  EXPECT_EQ(response_to("x-webkit-deflate-frame", plain()), "");
  EXPECT_EQ(response_to("", plain()), "");
  EXPECT_FALSE(negotiate_server("permessage-deflate", {.enabled = false}).agreed);
}

TEST(L14_PerMessageDeflate, InvalidOffersAreDeclinedNotFailed) {
  // §7: "A server MUST decline an extension negotiation offer" with an unknown parameter, an
  // invalid value or a duplicate; declining is not an error, the next offer may do.
  const std::pair<std::string_view, DeflateOfferProblem> cases[] = {
      {"permessage-deflate; mystery", DeflateOfferProblem::kUnknownParameter},
      {"permessage-deflate; server_no_context_takeover=1", DeflateOfferProblem::kInvalidValue},
      {"permessage-deflate; client_no_context_takeover=true", DeflateOfferProblem::kInvalidValue},
      {"permessage-deflate; server_max_window_bits", DeflateOfferProblem::kInvalidValue},
      {"permessage-deflate; server_max_window_bits=7", DeflateOfferProblem::kInvalidValue},
      {"permessage-deflate; server_max_window_bits=16", DeflateOfferProblem::kInvalidValue},
      {"permessage-deflate; server_max_window_bits=08", DeflateOfferProblem::kInvalidValue},
      {"permessage-deflate; client_max_window_bits=x", DeflateOfferProblem::kInvalidValue},
      {"permessage-deflate; client_max_window_bits=150", DeflateOfferProblem::kInvalidValue},
      {"permessage-deflate; server_no_context_takeover; server_no_context_takeover",
       DeflateOfferProblem::kDuplicateParameter},
      {"permessage-deflate; client_max_window_bits; client_max_window_bits=9",
       DeflateOfferProblem::kDuplicateParameter},
  };
  for (const auto& [offer, problem] : cases) {
    const ServerNegotiation n = negotiate_server(offer, {});
    EXPECT_FALSE(n.agreed) << offer;
    EXPECT_EQ(n.response, "") << offer;
    EXPECT_EQ(n.problem, problem) << offer;
    EXPECT_FALSE(n.malformed()) << offer;
    EXPECT_EQ(response_to(std::string(offer) + ", permessage-deflate", plain()),
              "permessage-deflate")
        << offer;
  }
}

TEST(L14_PerMessageDeflate, ServerWindowLimits) {
  PerMessageDeflateOptions small = plain();
  small.server_max_window_bits = 10;
  small.client_max_window_bits = 10;
  // §7.1.2.2: a client that did not offer client_max_window_bits may use 32 KiB, which this
  // server cannot take: declined.
  EXPECT_EQ(negotiate_server("permessage-deflate", small).problem,
            DeflateOfferProblem::kUnsupported);
  EXPECT_EQ(response_to("permessage-deflate; client_max_window_bits", small),
            "permessage-deflate; server_max_window_bits=10; client_max_window_bits=10");
  EXPECT_EQ(
      response_to("permessage-deflate; client_max_window_bits=12; server_max_window_bits=9", small),
      "permessage-deflate; server_max_window_bits=9; client_max_window_bits=10");
  EXPECT_EQ(response_to("permessage-deflate; client_max_window_bits=8", small),
            "permessage-deflate; server_max_window_bits=10; client_max_window_bits=8");
}

// Every offer the four parameters can make (2 x 2 x 9 x 10 = 360), against three servers: each
// accepted answer must parse for the client that made the offer, honour its requests, and
// build working endpoints on both sides.
TEST(L14_PerMessageDeflate, EveryParameterCombination) {
  PerMessageDeflateOptions small;
  small.server_max_window_bits = 9;
  small.client_max_window_bits = 11;
  const PerMessageDeflateOptions servers[] = {plain(), {}, small};
  int accepted = 0;
  for (int snct = 0; snct < 2; ++snct) {
    for (int cnct = 0; cnct < 2; ++cnct) {
      for (int smwb = 7; smwb <= 15; ++smwb) {    // 7: absent
        for (int cmwb = 6; cmwb <= 15; ++cmwb) {  // 6: absent, 7: without a value
          std::string offer(kPerMessageDeflate);
          if (snct) offer += "; server_no_context_takeover";
          if (cnct) offer += "; client_no_context_takeover";
          if (smwb >= 8) offer += "; server_max_window_bits=" + std::to_string(smwb);
          if (cmwb == 7) offer += "; client_max_window_bits";
          if (cmwb >= 8) offer += "; client_max_window_bits=" + std::to_string(cmwb);
          for (const PerMessageDeflateOptions& server : servers) {
            SCOPED_TRACE(offer);
            const ServerNegotiation n = negotiate_server(offer, server);
            if (!n.agreed) {
              // Only a server with a small receive window declines, and only when the client
              // cannot be told to use one.
              EXPECT_EQ(n.problem, DeflateOfferProblem::kUnsupported);
              EXPECT_LT(server.client_max_window_bits, 15);
              EXPECT_EQ(cmwb, 6);
              continue;
            }
            ++accepted;
            const DeflateParams& a = *n.agreed;
            EXPECT_TRUE(!snct || a.server_no_context_takeover);
            EXPECT_LE(a.server_window_bits(), smwb >= 8 ? smwb : 15);
            EXPECT_LE(a.server_window_bits(), server.server_max_window_bits);
            EXPECT_LE(a.client_window_bits(), server.client_max_window_bits);
            EXPECT_TRUE(cmwb != 6 || !a.client_max_window_bits);  // §7.1.2.2 MUST NOT
            // The client that made this offer takes the answer and gets the same parameters.
            PerMessageDeflateOptions client{.server_no_context_takeover = snct != 0,
                                            .client_no_context_takeover = cnct != 0,
                                            .server_max_window_bits = smwb >= 8 ? smwb : 15,
                                            .client_max_window_bits = cmwb >= 8 ? cmwb : 15};
            const ClientNegotiation c = check_server_response(n.response, client);
            EXPECT_EQ(c.problem, DeflateOfferProblem::kNone) << n.response;
            EXPECT_EQ(c.agreed, n.agreed) << n.response;
            PerMessageDeflate server_side(a, Side::kServer, server);
            PerMessageDeflate client_side(a, Side::kClient, client);
            EXPECT_EQ(server_side.send_window_bits(), a.server_window_bits());
            EXPECT_EQ(client_side.send_window_bits(), a.client_window_bits());
            EXPECT_GE(client_side.receive_window_bits(), a.server_window_bits());
            EXPECT_EQ(server_side.send_takeover(), !a.server_no_context_takeover);
            EXPECT_EQ(client_side.send_takeover(), !a.client_no_context_takeover);
          }
        }
      }
    }
  }
  EXPECT_GT(accepted, 700);
}

TEST(L14_PerMessageDeflate, ClientOfferAndResponseChecks) {
  EXPECT_EQ(client_offer({}),
            "permessage-deflate; server_no_context_takeover; client_no_context_takeover; "
            "client_max_window_bits");
  EXPECT_EQ(client_offer({.server_no_context_takeover = false,
                          .client_no_context_takeover = false,
                          .server_max_window_bits = 10,
                          .client_max_window_bits = 12}),
            "permessage-deflate; server_max_window_bits=10; client_max_window_bits=12");
  const PerMessageDeflateOptions opts = plain();
  // No extension in the answer: both sides go on without compression (§5).
  EXPECT_FALSE(check_server_response("", opts).agreed);
  EXPECT_FALSE(check_server_response("", opts).failed());
  const ClientNegotiation ok = check_server_response(
      "permessage-deflate; server_no_context_takeover; client_max_window_bits=9", opts);
  ASSERT_TRUE(ok.agreed);
  EXPECT_EQ(ok.agreed->client_window_bits(), 9);
  // §7: the client MUST fail the connection on each of these.
  const std::pair<std::string_view, DeflateOfferProblem> bad[] = {
      {"permessage-deflate; client_max_window_bits", DeflateOfferProblem::kInvalidValue},
      {"permessage-deflate; server_max_window_bits=16", DeflateOfferProblem::kInvalidValue},
      {"permessage-deflate; unknown", DeflateOfferProblem::kUnknownParameter},
      {"permessage-deflate; client_no_context_takeover; client_no_context_takeover",
       DeflateOfferProblem::kDuplicateParameter},
      {"x-webkit-deflate-frame", DeflateOfferProblem::kNotOffered},
      {"permessage-deflate, permessage-deflate", DeflateOfferProblem::kSeveralAccepted},
      {"permessage-deflate;", DeflateOfferProblem::kMalformedHeader},
  };
  for (const auto& [response, problem] : bad) {
    EXPECT_EQ(check_server_response(response, opts).problem, problem) << response;
    EXPECT_FALSE(check_server_response(response, opts).agreed) << response;
  }
  // We asked for server_max_window_bits=10: the answer must say 10 or less (§7.1.2.1).
  PerMessageDeflateOptions small = plain();
  small.server_max_window_bits = 10;
  EXPECT_EQ(check_server_response("permessage-deflate", small).problem,
            DeflateOfferProblem::kUnsupported);
  EXPECT_EQ(check_server_response("permessage-deflate; server_max_window_bits=11", small).problem,
            DeflateOfferProblem::kUnsupported);
  EXPECT_TRUE(check_server_response("permessage-deflate; server_max_window_bits=9", small).agreed);
}

// Decompresses one message's fragments on a fresh receiver; "" on failure.
std::string inflate_message(const std::vector<std::string_view>& fragments,
                            const DeflateParams& agreed = {}) {
  PerMessageDeflate receiver(agreed, Side::kClient, plain());
  std::string out;
  for (std::string_view f : fragments) {
    duplex::testing::GuardedBuffer guarded(f);
    if (!receiver.decompress(guarded.view(), out).ok) return "<failed>";
  }
  if (!receiver.finish_message(out).ok) return "<failed>";
  return out;
}

TEST(L14_PerMessageDeflate, RfcExampleBytesDecompressAtEverySplit) {
  // RFC 7692 §7.2.3.1 (one fixed block; also as the two fragments the RFC shows), §7.2.3.3 (a
  // stored block), §7.2.3.4 (BFINAL set, then the 0x00), §7.2.3.5 (two blocks), §7.2.3.6 (an
  // empty message: 0x00).
  const std::pair<std::string, std::string> examples[] = {
      {"\xf2\x48\xcd\xc9\xc9\x07\x00"s, "Hello"},
      {"\x00\x05\x00\xfa\xff\x48\x65\x6c\x6c\x6f\x00"s, "Hello"},
      {"\xf3\x48\xcd\xc9\xc9\x07\x00\x00"s, "Hello"},
      {"\xf2\x48\x05\x00\x00\x00\xff\xff\xca\xc9\xc9\x07\x00"s, "Hello"},
      {"\x00"s, ""},
  };
  for (const auto& [payload, text] : examples) {
    for (const auto& plan : duplex::testing::split_plans(payload)) {
      EXPECT_EQ(inflate_message(plan.chunks), text) << plan.name;
    }
  }
  EXPECT_EQ(inflate_message({"\xf2\x48\xcd"sv, "\xc9\xc9\x07\x00"sv}), "Hello");
}

TEST(L14_PerMessageDeflate, RfcExampleBytesCompress) {
  // §7.2.3.1: "Hello" without context is f2 48 cd c9 c9 07 00; §7.2.3.6: nothing is 00.
  PerMessageDeflate sender({.server_no_context_takeover = true}, Side::kServer, plain());
  std::string out;
  sender.compress("Hello", out);
  EXPECT_EQ(out, "\xf2\x48\xcd\xc9\xc9\x07\x00"s);
  out.clear();
  sender.compress("Hello", out);
  EXPECT_EQ(out, "\xf2\x48\xcd\xc9\xc9\x07\x00"s);
  out.clear();
  sender.compress("", out);
  EXPECT_EQ(out, "\x00"s);
}

TEST(L14_PerMessageDeflate, RfcSharedWindowExample) {
  // §7.2.3.2: with context takeover the second "Hello" is f2 00 11 00 00, a match 5 back.
  PerMessageDeflate receiver({}, Side::kClient, plain());
  std::string out;
  ASSERT_TRUE(receiver.decompress("\xf2\x48\xcd\xc9\xc9\x07\x00"s, out).ok);
  ASSERT_TRUE(receiver.finish_message(out).ok);
  ASSERT_TRUE(receiver.decompress("\xf2\x00\x11\x00\x00"s, out).ok);
  ASSERT_TRUE(receiver.finish_message(out).ok);
  EXPECT_EQ(out, "HelloHello");
  // Without the first message's window the match reaches before the start: 1007.
  EXPECT_EQ(inflate_message({"\xf2\x00\x11\x00\x00"sv}), "<failed>");
  // Our sender with takeover: the second "Hello" is smaller than the first and decodes.
  PerMessageDeflate sender({}, Side::kServer, plain());
  std::string first, second;
  sender.compress("Hello", first);
  sender.compress("Hello", second);
  EXPECT_LT(second.size(), first.size());
  std::string got;
  PerMessageDeflate peer({}, Side::kClient, plain());
  for (const std::string& m : {first, second}) {
    ASSERT_TRUE(peer.decompress(m, got).ok);
    ASSERT_TRUE(peer.finish_message(got).ok);
  }
  EXPECT_EQ(got, "HelloHello");
}

std::string sample(std::size_t size, std::uint32_t seed) {
  std::mt19937 random(seed);
  std::string s;
  while (s.size() < size) {
    s += "{\"type\":\"message\",\"nick\":\"user" + std::to_string(random() % 50) +
         "\",\"text\":\"" + std::string(random() % 40, static_cast<char>('a' + random() % 26)) +
         "\"}\n";
  }
  s.resize(size);
  return s;
}

// Sends `messages` from one side to the other over fragments of `fragment` bytes.
void expect_messages_arrive(const DeflateParams& agreed, Side from,
                            const std::vector<std::string>& messages, std::size_t fragment) {
  const PerMessageDeflateOptions opts{.min_compress_size = 0, .max_message_size = 32u << 20};
  PerMessageDeflate sender(agreed, from, opts);
  PerMessageDeflate receiver(agreed, from == Side::kServer ? Side::kClient : Side::kServer, opts);
  for (const std::string& message : messages) {
    std::string payload;
    sender.compress(message, payload);
    std::string out;
    std::string_view rest = payload;
    do {
      const std::string_view piece = rest.substr(0, fragment);
      rest.remove_prefix(piece.size());
      ASSERT_TRUE(receiver.decompress(piece, out).ok);
    } while (!rest.empty());
    ASSERT_TRUE(receiver.finish_message(out).ok);
    ASSERT_EQ(out.size(), message.size());
    ASSERT_TRUE(out == message);
  }
}

TEST(L14_PerMessageDeflate, MessagesFromZeroBytesTo16MiBRoundTrip) {
  for (const bool takeover : {false, true}) {
    const DeflateParams agreed{.server_no_context_takeover = !takeover,
                               .client_no_context_takeover = !takeover,
                               .server_max_window_bits = 10};
    std::vector<std::string> messages;
    for (std::size_t size : {0u, 1u, 5u, 100u, 1000u, 70000u, 1u << 20}) {
      messages.push_back(sample(size, static_cast<std::uint32_t>(size)));
    }
    for (Side from : {Side::kServer, Side::kClient}) {
      SCOPED_TRACE(takeover ? "takeover" : "no takeover");
      expect_messages_arrive(agreed, from, messages, 1 << 16);
      expect_messages_arrive(agreed, from, messages, 1000);
    }
  }
  // 16 MiB, the default limit exactly, in 64 KiB fragments.
  const std::string big = sample(std::size_t{16} << 20, 16);
  PerMessageDeflate sender({}, Side::kClient, {.min_compress_size = 0});
  PerMessageDeflate receiver({}, Side::kServer, {});
  std::string payload, out;
  sender.compress(big, payload);
  for (std::size_t at = 0; at < payload.size(); at += 1 << 16) {
    ASSERT_TRUE(receiver.decompress(std::string_view(payload).substr(at, 1 << 16), out).ok);
  }
  ASSERT_TRUE(receiver.finish_message(out).ok);
  EXPECT_TRUE(out == big);
}

TEST(L14_PerMessageDeflate, SmallMessagesAtEverySplit) {
  for (std::size_t size : {0u, 1u, 40u, 300u}) {
    PerMessageDeflate sender({}, Side::kServer, {.min_compress_size = 0});
    const std::string message = sample(size, 3);
    std::string payload;
    sender.compress(message, payload);
    for (const auto& plan : duplex::testing::split_plans(payload)) {
      EXPECT_EQ(inflate_message(plan.chunks), message) << size << " " << plan.name;
    }
  }
}

TEST(L14_PerMessageDeflate, SizeLimitClosesWith1009) {
  // A zip bomb in a message: 1 MiB of zeros is about a kilobyte compressed.
  PerMessageDeflate sender({}, Side::kClient, {.min_compress_size = 0});
  std::string bomb;
  sender.compress(std::string(1 << 20, '\0'), bomb);
  ASSERT_LT(bomb.size(), 2000u);
  for (std::size_t limit : {std::size_t{1} << 20, (std::size_t{1} << 20) - 1}) {
    PerMessageDeflate receiver({}, Side::kServer, {.max_message_size = limit});
    std::string out;
    InflateOutcome r = receiver.decompress(bomb, out);
    if (r.ok) r = receiver.finish_message(out);
    if (limit == std::size_t{1} << 20) {
      EXPECT_TRUE(r.ok);
      EXPECT_EQ(out.size(), limit);
    } else {
      EXPECT_FALSE(r.ok);
      EXPECT_EQ(r.close_code, 1009);
      EXPECT_EQ(r.error, deflate::InflateError::kOutputLimit);
      EXPECT_LE(out.size(), limit);
    }
  }
}

TEST(L14_PerMessageDeflate, CorruptOrTruncatedDataClosesWith1007) {
  // A reserved block type (RFC 1951 §3.2.3) fails at once.
  PerMessageDeflate receiver({}, Side::kServer, {});
  std::string out;
  InflateOutcome r = receiver.decompress("\xff\xff"s, out);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.close_code, 1007);
  EXPECT_EQ(r.error, deflate::InflateError::kBadBlockType);
  // Once failed, the connection is closing: nothing more is decoded.
  EXPECT_FALSE(receiver.decompress("\xf2\x48\xcd\xc9\xc9\x07\x00"s, out).ok);
  EXPECT_FALSE(receiver.finish_message(out).ok);
  // A truncated block: the tail is read as the block's data and the message ends inside it.
  EXPECT_EQ(inflate_message({"\xf2\x48\xcd\xc9"sv}), "<failed>");
  PerMessageDeflate truncated({}, Side::kServer, {});
  out.clear();
  // §7.2.3.3's stored "Hello" without its last byte: the tail's 00 starts a stored block whose
  // LEN/NLEN never complete.
  ASSERT_TRUE(truncated.decompress("\x00\x05\x00\xfa\xff\x48\x65\x6c\x6c\x6f"s, out).ok);
  r = truncated.finish_message(out);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.close_code, 1007);
  EXPECT_EQ(r.error, deflate::InflateError::kEndsInsideBlock);
}

TEST(L14_PerMessageDeflate, IdleConnectionHoldsNoBuffersWithServerDefaults) {
  // The server's defaults agree no context takeover both ways, so after each message the
  // DEFLATE buffers are freed: an idle connection holds sizeof(PerMessageDeflate) and no heap.
  const ServerNegotiation n = negotiate_server("permessage-deflate; client_max_window_bits", {});
  ASSERT_TRUE(n.agreed);
  PerMessageDeflate server(*n.agreed, Side::kServer, {});
  PerMessageDeflate client(*n.agreed, Side::kClient, {});
  const std::string message = sample(5000, 9);
  std::string to_client, to_server, got;
  server.compress(message, to_client);
  EXPECT_EQ(server.memory_bytes(), 0u);
  ASSERT_TRUE(client.decompress(to_client, got).ok);
  EXPECT_GT(client.memory_bytes(), 0u);  // while a message is arriving
  ASSERT_TRUE(client.finish_message(got).ok);
  client.compress(message, to_server);
  got.clear();
  ASSERT_TRUE(server.decompress(to_server, got).ok);
  ASSERT_TRUE(server.finish_message(got).ok);
  EXPECT_EQ(got, message);
  EXPECT_EQ(server.memory_bytes(), 0u);
  EXPECT_LE(sizeof(PerMessageDeflate), 1024u);
  std::printf("[ memory   ] idle: %zu bytes, no heap; busy: %zu bytes of heap (window 15)\n",
              sizeof(PerMessageDeflate),
              deflate::Deflater::memory_bytes_for(15) + deflate::Inflater::memory_bytes_for(15));
  // With context takeover the buffers stay, which is what the defaults avoid.
  PerMessageDeflate keeping({}, Side::kServer, {});
  std::string out;
  keeping.compress(message, out);
  EXPECT_EQ(keeping.memory_bytes(), deflate::Deflater::memory_bytes_for(15));
}

TEST(L14_PerMessageDeflate, OneBroadcastPayloadForEveryMember) {
  // server_no_context_takeover (§7.1.1.1): every message stands alone, so one payload works on
  // every member whatever each one received before.
  BroadcastCompressor broadcast;
  const std::string message = sample(3000, 11);
  const std::string payload = broadcast.compress(message);
  PerMessageDeflate own({.server_no_context_takeover = true}, Side::kServer, {});
  std::string same;
  own.compress(message, same);
  EXPECT_EQ(payload, same);
  EXPECT_EQ(broadcast.compress(message), payload);
  // A member that keeps its window (takeover allowed on its side) and saw other messages first.
  PerMessageDeflate member({}, Side::kClient, {});
  PerMessageDeflate other_sender({}, Side::kServer, {.min_compress_size = 0});
  std::string other, out;
  other_sender.compress(sample(2000, 12), other);
  ASSERT_TRUE(member.decompress(other, out).ok);
  ASSERT_TRUE(member.finish_message(out).ok);
  out.clear();
  ASSERT_TRUE(member.decompress(payload, out).ok);
  ASSERT_TRUE(member.finish_message(out).ok);
  EXPECT_EQ(out, message);
}

TEST(L14_PerMessageDeflate, ShortMessagesGoOutUncompressed) {
  PerMessageDeflate sender({}, Side::kServer, {.min_compress_size = 32});
  EXPECT_FALSE(sender.should_compress(31));
  EXPECT_TRUE(sender.should_compress(32));
}

}  // namespace
}  // namespace duplex::ws
