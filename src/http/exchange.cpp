// Exchange (lesson 06): the handle a handler answers through. See exchange.hpp.
// @lesson 06
#include "src/http/exchange.hpp"

#include "src/http/http_connection.hpp"
#include "src/http/syntax.hpp"

namespace duplex::http {

std::string decode_query_value(std::string_view raw) {
  std::string out;
  percent_decode(raw, out, {.plus_is_space = true, .keep_bad_escapes = true});
  return out;
}

std::string_view Exchange::param(std::string_view name) const {
  for (const auto& [key, value] : state_->params) {
    if (key == name) return value;
  }
  return {};
}

std::optional<std::string> Exchange::query(std::string_view name) const {
  std::string_view query = state_->head.query;
  while (true) {
    std::size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    std::size_t equals = pair.find('=');
    if (decode_query_value(pair.substr(0, equals)) == name && !pair.empty()) {
      return equals == std::string_view::npos ? std::string()
                                              : decode_query_value(pair.substr(equals + 1));
    }
    if (amp == std::string_view::npos) return std::nullopt;
    query.remove_prefix(amp + 1);
  }
}

void Exchange::respond(Response response) {
  if (auto connection = state_->connection.lock()) connection->respond(*state_, response);
}

void Exchange::respond(int status, std::string_view content_type, std::string body) {
  Response response(status, std::move(body));
  if (!content_type.empty()) response.add("Content-Type", content_type);
  respond(std::move(response));
}

#if DUPLEX_LESSON >= 12
void Exchange::respond(const Response& head, std::string_view body) {
  if (auto connection = state_->connection.lock()) connection->respond(*state_, head, body);
}

void Exchange::respond_shared(const Response& head, std::shared_ptr<const std::string> body) {
  if (auto connection = state_->connection.lock()) {
    connection->respond_shared(*state_, head, std::move(body));
  }
}

#endif
void Exchange::start_stream(Response head) {
  if (auto connection = state_->connection.lock()) connection->start_stream(*state_, head);
}

bool Exchange::write(std::string_view data) {
  if (auto connection = state_->connection.lock()) return connection->write(*state_, data);
  return false;
}

void Exchange::finish() {
  if (auto connection = state_->connection.lock()) connection->finish(*state_);
}

void Exchange::send_file(Response head, net::Fd file, std::uint64_t offset, std::uint64_t length) {
  if (auto connection = state_->connection.lock()) {
    connection->send_file(*state_, head, std::move(file), offset, length);
  }
}

void Exchange::upgrade(Response response, UpgradeHandler take_over) {
  if (auto connection = state_->connection.lock()) {
    connection->upgrade(*state_, response, take_over);
  }
}

}  // namespace duplex::http
