// @lesson 14
// Tests for permessage-deflate wired into the WebSocket layer (lesson 14; RFC 7692): the
// handshake's negotiation, the Protocol's compressed messages (whole, fragmented, fed at every
// split point), every misuse of RSV1, bad streams and bombs, the client's offer and check, a
// loopback echo and a group that compresses a broadcast once.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "src/http/request_parser.hpp"
#include "src/ws/client_handshake.hpp"
#include "src/ws/frame_trace.hpp"
#include "src/ws/frame_writer.hpp"
#include "src/ws/group.hpp"
#include "src/ws/handshake.hpp"
#include "src/ws/permessage_deflate.hpp"
#include "src/ws/protocol.hpp"
#include "src/ws/ws_client.hpp"
#include "src/ws/ws_endpoint.hpp"
#include "tests/support/split_feed.hpp"
#include "tests/ws/ws_server_fixture.hpp"

namespace duplex::ws {
namespace {

constexpr std::chrono::milliseconds kWait{5000};

MaskKey fixed_key() {
  return MaskKey{0x12, 0x34, 0x56, 0x78};
}

// A text that compresses well and is valid UTF-8 at every length.
std::string chat_text(std::size_t size) {
  const std::string_view unit = R"({"type":"said","from":"ada","text":"héllo wörld"} )";
  std::string text;
  text.reserve(size + unit.size());
  while (text.size() < size) text += unit;
  text.resize(size);
  // Do not cut a two-byte sequence in half.
  while (!text.empty() && (static_cast<unsigned char>(text.back()) & 0xC0) == 0xC0) {
    text.back() = 'x';
  }
  return text;
}

HandshakeResult server_handshake(std::string_view extensions, const HandshakeOptions& options) {
  std::string text =
      "GET /chat HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\n"
      "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
      "Sec-WebSocket-Version: 13\r\n";
  if (!extensions.empty()) text += "Sec-WebSocket-Extensions: " + std::string(extensions) + "\r\n";
  text += "\r\n";
  http::RequestParser parser;
  EXPECT_TRUE(parser.parse(text).done());
  return validate_handshake(parser.head(), options);
}

// --- The handshake --------------------------------------------------------------------------

TEST(L14_WsDeflateHandshake, NoOfferNoExtensionInTheAnswer) {
  HandshakeResult result = server_handshake("", {});
  ASSERT_TRUE(result.accepted());
  EXPECT_FALSE(result.deflate);
  EXPECT_EQ(result.response.field_lines().find("Sec-WebSocket-Extensions"), std::string_view::npos);
}

TEST(L14_WsDeflateHandshake, BrowserOfferIsAcceptedWithTheDefaults) {
  HandshakeResult result =
      server_handshake("permessage-deflate; client_max_window_bits", HandshakeOptions{});
  ASSERT_TRUE(result.accepted());
  ASSERT_TRUE(result.deflate);
  // The defaults: no context takeover either way (the server may ask for both, §7.1.1).
  EXPECT_TRUE(result.deflate->server_no_context_takeover);
  EXPECT_TRUE(result.deflate->client_no_context_takeover);
  EXPECT_NE(result.response.field_lines().find(
                "Sec-WebSocket-Extensions: " + to_header_value(*result.deflate) + "\r\n"),
            std::string_view::npos);
  EXPECT_NE(to_header_value(*result.deflate).find("permessage-deflate"), std::string::npos);
}

TEST(L14_WsDeflateHandshake, MalformedHeaderIs400) {
  HandshakeResult result = server_handshake("permessage-deflate; =15", {});
  EXPECT_EQ(result.error, HandshakeError::kBadExtensions);
  EXPECT_EQ(result.response.status, 400);
  EXPECT_EQ(handshake_error_status(HandshakeError::kBadExtensions), 400);
}

TEST(L14_WsDeflateHandshake, OfferTheServerCannotAcceptIsDeclinedNotRefused) {
  // §7.1.2.1: server_max_window_bits=7 is out of range: the offer is declined, the handshake
  // goes on without compression.
  HandshakeResult result = server_handshake("permessage-deflate; server_max_window_bits=7", {});
  ASSERT_TRUE(result.accepted());
  EXPECT_FALSE(result.deflate);
  EXPECT_EQ(result.response.field_lines().find("Sec-WebSocket-Extensions"), std::string_view::npos);
  // An unknown extension alone: nothing to agree on.
  EXPECT_FALSE(server_handshake("x-webkit-deflate-frame", {}).deflate);
}

TEST(L14_WsDeflateHandshake, DisabledDeclinesEveryOffer) {
  HandshakeOptions options;
  options.deflate.enabled = false;
  HandshakeResult result = server_handshake("permessage-deflate", options);
  ASSERT_TRUE(result.accepted());
  EXPECT_FALSE(result.deflate);
}

TEST(L14_WsDeflateHandshake, ClientOffersAndAcceptsTheAnswer) {
  ClientHandshakeOptions options;
  options.deflate.enabled = true;
  ClientHandshake client(options, "dGhlIHNhbXBsZSBub25jZQ==");
  std::string request = client.request();
  EXPECT_NE(request.find("Sec-WebSocket-Extensions: permessage-deflate"), std::string::npos);
  std::string response =
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
      "Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover\r\n\r\n";
  ASSERT_EQ(client.receive(response), ClientHandshake::Status::kAccepted) << client.error();
  ASSERT_TRUE(client.deflate());
  EXPECT_TRUE(client.deflate()->server_no_context_takeover);
}

TEST(L14_WsDeflateHandshake, ClientRefusesAnAnswerItCannotUse) {
  ClientHandshakeOptions options;
  options.deflate.enabled = true;
  options.deflate.client_no_context_takeover = false;
  for (std::string_view answer :
       {"permessage-deflate; server_max_window_bits=16", "permessage-deflate, permessage-deflate",
        "x-other", "permessage-deflate; unknown=1"}) {
    ClientHandshake client(options, "dGhlIHNhbXBsZSBub25jZQ==");
    std::string response =
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Extensions: " +
        std::string(answer) + "\r\n\r\n";
    EXPECT_EQ(client.receive(response), ClientHandshake::Status::kFailed) << answer;
    EXPECT_NE(client.error().find("Sec-WebSocket-Extensions"), std::string::npos);
  }
}

// --- Protocol: every parameter combination, end to end --------------------------------------

// The server's options and the client's, negotiated through the real offer and answer.
struct Pair {
  Protocol server{Role::kServer, ProtocolLimits{std::uint64_t{32} << 20, std::uint64_t{32} << 20}};
  Protocol client{Role::kClient, ProtocolLimits{std::uint64_t{32} << 20, std::uint64_t{32} << 20},
                  fixed_key};
  DeflateParams agreed;
};

std::unique_ptr<Pair> negotiated(const PerMessageDeflateOptions& server_options,
                                 const PerMessageDeflateOptions& client_options) {
  ServerNegotiation server = negotiate_server(client_offer(client_options), server_options);
  if (!server.agreed) return nullptr;
  ClientNegotiation client = check_server_response(server.response, client_options);
  EXPECT_FALSE(client.failed()) << server.response;
  if (!client.agreed) return nullptr;
  EXPECT_EQ(*client.agreed, *server.agreed);
  auto pair = std::make_unique<Pair>();
  pair->agreed = *server.agreed;
  pair->server.enable_deflate(*server.agreed, server_options);
  pair->client.enable_deflate(*client.agreed, client_options);
  return pair;
}

// Sends `message` from `from` to `to` and returns what `to` reports, checking RSV1.
std::vector<Event> carry(Protocol& from, Protocol& to, const std::string& message) {
  EXPECT_TRUE(from.send_text(message));
  std::string wire = from.data_to_send();
  EXPECT_FALSE(wire.empty());
  bool compressed = (static_cast<unsigned char>(wire[0]) & 0x40) != 0;
  EXPECT_EQ(compressed, message.size() >= PerMessageDeflateOptions{}.min_compress_size);
  to.receive_data(wire);
  return to.events_received();
}

TEST(L14_WsDeflateProtocol, EveryParameterCombinationCarriesMessagesBothWays) {
  int combinations = 0;
  for (bool server_nct : {false, true}) {
    for (bool client_nct : {false, true}) {
      for (int server_bits : {9, 12, 15}) {
        for (int client_bits : {9, 12, 15}) {
          PerMessageDeflateOptions server_options;
          server_options.server_no_context_takeover = server_nct;
          server_options.client_no_context_takeover = client_nct;
          PerMessageDeflateOptions client_options;
          client_options.server_max_window_bits = server_bits;  // asked of the server
          client_options.client_max_window_bits = client_bits;
          client_options.server_no_context_takeover = false;
          client_options.client_no_context_takeover = false;
          auto pair = negotiated(server_options, client_options);
          ASSERT_TRUE(pair) << server_nct << client_nct << server_bits << client_bits;
          SCOPED_TRACE(to_header_value(pair->agreed));
          EXPECT_EQ(pair->agreed.server_no_context_takeover, server_nct);
          EXPECT_EQ(pair->agreed.client_no_context_takeover, client_nct);
          EXPECT_EQ(pair->agreed.server_window_bits(), server_bits);
          // Three similar messages each way: with context takeover the later ones refer back.
          for (int round = 0; round < 3; ++round) {
            std::string message = chat_text(200 + static_cast<std::size_t>(round) * 300);
            auto up = carry(pair->client, pair->server, message);
            ASSERT_EQ(up.size(), 1U);
            ASSERT_EQ(up[0].kind, Event::Kind::kText) << up[0].data;
            EXPECT_EQ(up[0].data, message);
            auto down = carry(pair->server, pair->client, message);
            ASSERT_EQ(down.size(), 1U);
            ASSERT_EQ(down[0].kind, Event::Kind::kText) << down[0].data;
            EXPECT_EQ(down[0].data, message);
          }
          ++combinations;
        }
      }
    }
  }
  EXPECT_EQ(combinations, 36);
}

TEST(L14_WsDeflateProtocol, DeclinedOfferLeavesBothSidesUncompressed) {
  PerMessageDeflateOptions server_options;
  server_options.enabled = false;
  EXPECT_FALSE(negotiated(server_options, PerMessageDeflateOptions{}));
  Protocol server(Role::kServer);
  Protocol client(Role::kClient, {}, fixed_key);
  EXPECT_TRUE(client.send_text(chat_text(500)));
  std::string wire = client.data_to_send();
  EXPECT_EQ(static_cast<unsigned char>(wire[0]) & 0x70, 0);
  server.receive_data(wire);
  auto events = server.events_received();
  ASSERT_EQ(events.size(), 1U);
  EXPECT_EQ(events[0].data, chat_text(500));
}

TEST(L14_WsDeflateProtocol, SizesFromZeroTo16MiB) {
  auto pair = negotiated({}, PerMessageDeflateOptions{});
  ASSERT_TRUE(pair);
  for (std::size_t size :
       {std::size_t{0}, std::size_t{1}, std::size_t{31}, std::size_t{32}, std::size_t{1000},
        std::size_t{65536}, std::size_t{1} << 20, std::size_t{16} << 20}) {
    SCOPED_TRACE(size);
    std::string message = chat_text(size);
    auto up = carry(pair->client, pair->server, message);
    ASSERT_EQ(up.size(), 1U);
    EXPECT_EQ(up[0].data.size(), size);
    EXPECT_TRUE(up[0].data == message);
    auto down = carry(pair->server, pair->client, message);
    ASSERT_EQ(down.size(), 1U);
    EXPECT_TRUE(down[0].data == message);
  }
  // No context takeover: nothing is held between messages.
  EXPECT_EQ(pair->server.deflate()->memory_bytes(), 0U);
}

// A compressed message cut into `pieces` frames by hand: RSV1 on the first only (§6.1).
std::string fragmented(const DeflateParams& agreed, const std::string& message, int pieces,
                       Opcode opcode = Opcode::kText) {
  PerMessageDeflate sender(agreed, PerMessageDeflate::Side::kClient);
  std::string payload;
  sender.compress(message, payload);
  std::string wire;
  std::size_t step = payload.size() / static_cast<std::size_t>(pieces) + 1;
  for (int i = 0; i < pieces; ++i) {
    std::size_t at = std::min(payload.size(), static_cast<std::size_t>(i) * step);
    std::string_view piece = std::string_view(payload).substr(at, step);
    append_frame(wire, i == 0 ? opcode : Opcode::kContinuation, piece, i == pieces - 1, fixed_key(),
                 i == 0 ? kRsv1 : 0);
  }
  return wire;
}

TEST(L14_WsDeflateProtocol, FragmentedMessagesAtEverySplitPoint) {
  DeflateParams agreed{true, true, std::nullopt, std::nullopt};
  for (std::size_t size : {std::size_t{0}, std::size_t{1}, std::size_t{700}, std::size_t{20000}}) {
    for (int pieces : {1, 2, 3, 7}) {
      const std::string message = chat_text(size);
      std::string wire = fragmented(agreed, message, pieces);
      for (const auto& plan : testing::split_plans(wire)) {
        SCOPED_TRACE(std::to_string(size) + " bytes, " + std::to_string(pieces) + " frames, " +
                     plan.name);
        Protocol server(Role::kServer);
        server.enable_deflate(agreed);
        std::vector<Event> events;
        for (std::string_view chunk : plan.chunks) {
          server.receive_data(chunk);
          for (auto& event : server.events_received()) events.push_back(std::move(event));
        }
        ASSERT_EQ(events.size(), 1U);
        ASSERT_EQ(events[0].kind, Event::Kind::kText) << events[0].data;
        EXPECT_EQ(events[0].data, message);
      }
    }
  }
}

TEST(L14_WsDeflateProtocol, Fragmented16MiBInReadSizedChunks) {
  DeflateParams agreed{true, true, std::nullopt, std::nullopt};
  const std::string message = chat_text(std::size_t{16} << 20);
  std::string wire = fragmented(agreed, message, 40, Opcode::kBinary);
  Protocol server(Role::kServer, ProtocolLimits{kDefaultMaxFrameSize, std::uint64_t{17} << 20});
  server.enable_deflate(agreed);
  std::vector<Event> events;
  for (std::size_t at = 0; at < wire.size(); at += 65536) {
    server.receive_data(std::string_view(wire).substr(at, 65536));
    for (auto& event : server.events_received()) events.push_back(std::move(event));
  }
  ASSERT_EQ(events.size(), 1U);
  ASSERT_EQ(events[0].kind, Event::Kind::kBinary);
  EXPECT_TRUE(events[0].data == message);
}

TEST(L14_WsDeflateProtocol, TraceShowsRsv1) {
  FrameHeader header;
  header.rsv = kRsv1;
  EXPECT_NE(trace_frame(header, "").find("RSV=100 (rsv1: compressed) opcode=0x1"),
            std::string::npos);
  header.opcode = Opcode::kPing;
  EXPECT_EQ(trace_frame(header, "").find("compressed"), std::string::npos);
}

TEST(L14_WsDeflateProtocol, ControlFrameBetweenCompressedFragments) {
  DeflateParams agreed{true, true, std::nullopt, std::nullopt};
  const std::string message = chat_text(400);
  std::string two = fragmented(agreed, message, 2);
  // Insert a ping after the first frame: find its end from its header (7-bit length + 4 key).
  std::size_t first = 2 + 4 + (static_cast<unsigned char>(two[1]) & 0x7F);
  std::string wire = two.substr(0, first) + serialize_frame(Opcode::kPing, "p", true, fixed_key()) +
                     two.substr(first);
  Protocol server(Role::kServer);
  server.enable_deflate(agreed);
  server.receive_data(wire);
  auto events = server.events_received();
  ASSERT_EQ(events.size(), 2U);
  EXPECT_EQ(events[0].kind, Event::Kind::kPing);
  EXPECT_EQ(events[1].data, message);
  // The pong went out uncompressed (§6.1: control frames never are).
  std::string out = server.data_to_send();
  ASSERT_FALSE(out.empty());
  EXPECT_EQ(static_cast<unsigned char>(out[0]), 0x8A);
}

TEST(L14_WsDeflateProtocol, OutgoingRsv1OnDataOnlyNeverOnControl) {
  auto pair = negotiated({}, PerMessageDeflateOptions{});
  ASSERT_TRUE(pair);
  ASSERT_TRUE(pair->server.send_binary(std::string(100, 'z')));
  std::string data = pair->server.data_to_send();
  EXPECT_EQ(static_cast<unsigned char>(data[0]), 0xC2);  // FIN, RSV1, binary
  ASSERT_TRUE(pair->server.send_ping(std::string(100, 'z')));
  EXPECT_EQ(static_cast<unsigned char>(pair->server.data_to_send()[0]), 0x89);
  ASSERT_TRUE(pair->server.send_close(CloseCode::kNormal, std::string(100, 'z')));
  EXPECT_EQ(static_cast<unsigned char>(pair->server.data_to_send()[0]), 0x88);
}

// Feeds `wire` to a server with deflate enabled (or not) and returns the failure event.
Event failure_of(const std::string& wire, bool enabled = true,
                 std::uint64_t max_message = kDefaultMaxMessageSize) {
  Protocol server(Role::kServer, ProtocolLimits{kDefaultMaxFrameSize, max_message});
  if (enabled) server.enable_deflate(DeflateParams{true, true, std::nullopt, std::nullopt});
  server.receive_data(wire);
  auto events = server.events_received();
  EXPECT_FALSE(events.empty());
  if (events.empty()) return {Event::Kind::kText, "", CloseCode::kNormal};
  EXPECT_TRUE(server.failed());
  return events.back();
}

TEST(L14_WsDeflateProtocol, Rsv1MisuseIs1002) {
  DeflateParams agreed{true, true, std::nullopt, std::nullopt};
  // Without negotiation (RFC 6455 §5.2).
  Event event = failure_of(fragmented(agreed, chat_text(100), 1), false);
  EXPECT_EQ(event.code, CloseCode::kProtocolError);
  // On a continuation frame (§6.1).
  std::string wire = serialize_frame(Opcode::kText, "a", false, fixed_key()) +
                     serialize_frame(Opcode::kContinuation, "b", true, fixed_key(), kRsv1);
  event = failure_of(wire);
  EXPECT_EQ(event.code, CloseCode::kProtocolError);
  EXPECT_EQ(event.data, "RSV1 set on a continuation frame");
  // On a control frame.
  event = failure_of(serialize_frame(Opcode::kPing, "", true, fixed_key(), kRsv1));
  EXPECT_EQ(event.code, CloseCode::kProtocolError);
  EXPECT_EQ(event.data, "RSV1 set on a control frame");
  // RSV2 stays an error with the extension.
  event = failure_of(serialize_frame(Opcode::kText, "a", true, fixed_key(), 0b010));
  EXPECT_EQ(event.code, CloseCode::kProtocolError);
}

TEST(L14_WsDeflateProtocol, BadStreamIs1007) {
  // 0xff: BFINAL=1, BTYPE=11, a reserved block type (RFC 1951 §3.2.3).
  Event event = failure_of(serialize_frame(Opcode::kBinary, "\xff\xff", true, fixed_key(), kRsv1));
  EXPECT_EQ(event.code, CloseCode::kInvalidPayload);
  // A message that ends inside a block.
  DeflateParams agreed{true, true, std::nullopt, std::nullopt};
  PerMessageDeflate sender(agreed, PerMessageDeflate::Side::kClient);
  std::string payload;
  sender.compress(chat_text(300), payload);
  payload.resize(payload.size() / 2);
  event = failure_of(serialize_frame(Opcode::kText, payload, true, fixed_key(), kRsv1));
  EXPECT_EQ(event.code, CloseCode::kInvalidPayload);
}

TEST(L14_WsDeflateProtocol, InvalidUtf8AfterInflateIs1007) {
  DeflateParams agreed{true, true, std::nullopt, std::nullopt};
  PerMessageDeflate sender(agreed, PerMessageDeflate::Side::kClient);
  std::string payload;
  sender.compress(std::string(100, 'a') + "\xc3\x28", payload);
  Event event = failure_of(serialize_frame(Opcode::kText, payload, true, fixed_key(), kRsv1));
  EXPECT_EQ(event.code, CloseCode::kInvalidPayload);
  EXPECT_EQ(event.data, "invalid UTF-8 in a text message");
}

TEST(L14_WsDeflateProtocol, SameVerdictHoweverTheStreamIsCut) {
  // Found by the fuzz target: a compressed text whose DEFLATE data turns bad after it inflated
  // bytes that are not UTF-8. Fed whole, the decoder met the bad block in the same call; fed in
  // pieces, the UTF-8 check saw the bytes first. The UTF-8 check now always runs first.
  DeflateParams agreed{false, false, 9, 9};
  PerMessageDeflate sender(agreed, PerMessageDeflate::Side::kClient);
  std::string payload;
  sender.compress(std::string(40, 'a') + "\xff" + std::string(40, 'b'), payload);
  payload += "\xff\xff\xff";  // then a block of the reserved type
  std::string wire = serialize_frame(Opcode::kText, payload, true, fixed_key(), kRsv1);
  for (const auto& plan : testing::split_plans(wire)) {
    SCOPED_TRACE(plan.name);
    Protocol server(Role::kServer);
    server.enable_deflate(agreed);
    for (std::string_view chunk : plan.chunks) server.receive_data(chunk);
    auto events = server.events_received();
    ASSERT_EQ(events.size(), 1U);
    EXPECT_EQ(events[0].code, CloseCode::kInvalidPayload);
    EXPECT_EQ(events[0].data, "invalid UTF-8 in a text message");
  }
}

TEST(L14_WsDeflateProtocol, BombIs1009) {
  // 8 MiB of zeros compress to a few KiB; the limit is 1 MiB decompressed.
  DeflateParams agreed{true, true, std::nullopt, std::nullopt};
  PerMessageDeflate sender(agreed, PerMessageDeflate::Side::kClient);
  std::string payload;
  sender.compress(std::string(std::size_t{8} << 20, '\0'), payload);
  ASSERT_LT(payload.size(), kDefaultMaxFrameSize);
  Event event = failure_of(serialize_frame(Opcode::kBinary, payload, true, fixed_key(), kRsv1));
  EXPECT_EQ(event.code, CloseCode::kMessageTooBig);
  EXPECT_EQ(event.data, "decompressed message larger than the limit");
}

// --- Over loopback --------------------------------------------------------------------------

WsClientOptions deflate_client(bool enabled = true) {
  WsClientOptions options;
  options.deflate.enabled = enabled;
  options.limits = ProtocolLimits{std::uint64_t{4} << 20, std::uint64_t{4} << 20};
  return options;
}

WsHandlers echo_handlers() {
  WsHandlers handlers;
  handlers.on_message = [](WsConnection& connection, Message& message) {
    message.is_text() ? connection.send_text(message.data) : connection.send_binary(message.data);
  };
  return handlers;
}

TEST(L14_WsDeflateLoopback, ClientAndServerEchoCompressed) {
  WsOptions server_options;
  server_options.limits = ProtocolLimits{std::uint64_t{4} << 20, std::uint64_t{4} << 20};
  server_options.max_send_queue = std::size_t{16} << 20;
  testing::WsTestServer server([&](http::Router& router) {
    WsEndpoint(echo_handlers(), server_options).install(router, "/echo");
  });
  std::string url = "ws://127.0.0.1:" + std::to_string(server.port()) + "/echo";
  WsClient client = WsClient::connect(url, deflate_client());
  ASSERT_TRUE(client.deflate());
  ASSERT_TRUE(client.protocol().deflate());
  for (std::size_t size :
       {std::size_t{0}, std::size_t{10}, std::size_t{5000}, std::size_t{3} << 20}) {
    std::string message = chat_text(size);
    ASSERT_TRUE(client.send_text(message));
    auto echo = client.receive(kWait);
    ASSERT_TRUE(echo);
    ASSERT_EQ(echo->kind, Event::Kind::kText) << echo->data;
    EXPECT_TRUE(echo->data == message) << size;
  }
  EXPECT_TRUE(client.close());
}

TEST(L14_WsDeflateLoopback, ClientWithoutTheOfferSeesNoChange) {
  testing::WsTestServer server(
      [&](http::Router& router) { WsEndpoint(echo_handlers()).install(router, "/echo"); });
  std::string url = "ws://127.0.0.1:" + std::to_string(server.port()) + "/echo";
  WsClient client = WsClient::connect(url, deflate_client(false));
  EXPECT_FALSE(client.deflate());
  EXPECT_FALSE(client.protocol().deflate());
  ASSERT_TRUE(client.send_text(chat_text(500)));
  auto echo = client.receive(kWait);
  ASSERT_TRUE(echo);
  EXPECT_EQ(echo->data, chat_text(500));
  EXPECT_TRUE(client.close());
}

TEST(L14_WsDeflateLoopback, ServerWithDeflateOffDeclines) {
  WsOptions server_options;
  server_options.handshake.deflate.enabled = false;
  testing::WsTestServer server([&](http::Router& router) {
    WsEndpoint(echo_handlers(), server_options).install(router, "/echo");
  });
  std::string url = "ws://127.0.0.1:" + std::to_string(server.port()) + "/echo";
  WsClient client = WsClient::connect(url, deflate_client());
  EXPECT_FALSE(client.deflate());
  ASSERT_TRUE(client.send_text(chat_text(500)));
  auto echo = client.receive(kWait);
  ASSERT_TRUE(echo);
  EXPECT_EQ(echo->data, chat_text(500));
  EXPECT_TRUE(client.close());
}

TEST(L14_WsDeflateGroup, BroadcastIsCompressedOnceForEveryMember) {
  auto room = std::make_unique<Group>();
  WsHandlers handlers;
  handlers.on_open = [&](WsConnection& connection) { room->add(connection); };
  handlers.on_message = [&](WsConnection&, Message& message) {
    std::size_t reached = room->broadcast_text(message.data);
    EXPECT_EQ(reached, 4U);
  };
  testing::WsTestServer server(
      [&](http::Router& router) { WsEndpoint(handlers).install(router, "/room"); });
  std::string url = "ws://127.0.0.1:" + std::to_string(server.port()) + "/room";
  std::vector<WsClient> clients;
  clients.push_back(WsClient::connect(url, deflate_client()));
  clients.push_back(WsClient::connect(url, deflate_client()));
  clients.push_back(WsClient::connect(url, deflate_client(false)));  // plain frames
  WsClientOptions small_window = deflate_client();
  small_window.deflate.server_max_window_bits = 10;  // its own compressor
  clients.push_back(WsClient::connect(url, small_window));
  ASSERT_TRUE(clients[3].deflate());
  EXPECT_EQ(clients[3].deflate()->server_window_bits(), 10);
  // on_open ran before the 101 was written, so every client is a member by now.
  ASSERT_EQ(server.call([&] { return room->size(); }), 4U);
  const std::string message = chat_text(2000);
  ASSERT_TRUE(clients[0].send_text(message));
  for (auto& client : clients) {
    auto event = client.receive(kWait);
    ASSERT_TRUE(event);
    EXPECT_EQ(event->data, message);
  }
  EXPECT_EQ(server.call([&] { return room->broadcasts_compressed(); }), 1U);
  for (auto& client : clients) EXPECT_TRUE(client.close());
  server.call([&] { room.reset(); });
}

}  // namespace
}  // namespace duplex::ws
