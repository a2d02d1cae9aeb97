// A response to send, and its serialisation (lesson 05). See response.hpp.
// @lesson 05
#include "src/http/response.hpp"

#include <stdexcept>

#include "src/http/syntax.hpp"

namespace duplex::http {

std::string_view status_reason(int status) {
  switch (status) {
    case 100:
      return "Continue";
    case 101:
      return "Switching Protocols";
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 202:
      return "Accepted";
    case 203:
      return "Non-Authoritative Information";
    case 204:
      return "No Content";
    case 205:
      return "Reset Content";
    case 206:
      return "Partial Content";
    case 300:
      return "Multiple Choices";
    case 301:
      return "Moved Permanently";
    case 302:
      return "Found";
    case 303:
      return "See Other";
    case 304:
      return "Not Modified";
    case 307:
      return "Temporary Redirect";
    case 308:
      return "Permanent Redirect";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 406:
      return "Not Acceptable";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 410:
      return "Gone";
    case 411:
      return "Length Required";
    case 412:
      return "Precondition Failed";
    case 413:
      return "Content Too Large";
    case 414:
      return "URI Too Long";
    case 415:
      return "Unsupported Media Type";
    case 416:
      return "Range Not Satisfiable";
    case 417:
      return "Expectation Failed";
    case 421:
      return "Misdirected Request";
    case 422:
      return "Unprocessable Content";
    case 426:
      return "Upgrade Required";
    case 428:
      return "Precondition Required";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    case 505:
      return "HTTP Version Not Supported";
    default:
      return "Unknown";
  }
}

Response& Response::add(std::string_view name, std::string_view value) {
  if (!is_token(name)) throw std::invalid_argument("field name is not a token");
  for (char c : value) {
    if (!is_field_value_char(c)) throw std::invalid_argument("control character in field value");
  }
  if (iequals(name, "Content-Length") || iequals(name, "Transfer-Encoding")) {
    throw std::invalid_argument("the serialiser writes the framing fields itself");
  }
  value = trim_ows(value);
  if (iequals(name, "Connection")) {
    has_connection_ = true;
    for_each_list_element(value, [this](std::string_view option) {
      if (iequals(option, "close")) connection_close_ = true;
    });
  }
  // Room for the usual handful of fields at the first one, so that adding them grows nothing.
  if (field_lines_.capacity() < 256) field_lines_.reserve(256);
  field_lines_.append(name).append(": ").append(value).append("\r\n");
  return *this;
}

bool status_has_no_content(int status) {
  return (status >= 100 && status < 200) || status == 204 || status == 304;
}

int append_status_line(std::string& out, const Response& response) {
  int status = response.status < 100 || response.status > 999 ? 500 : response.status;
#if DUPLEX_LESSON >= 12
  // Lesson 12: every response starts here, so no temporary string for three digits, and the
  // standard phrases (status_reason), which hold only field-value characters, copied whole.
  char line[] = "HTTP/1.1 000 ";
  line[9] = static_cast<char>('0' + status / 100);
  line[10] = static_cast<char>('0' + status / 10 % 10);
  line[11] = static_cast<char>('0' + status % 10);
  out.append(line, sizeof line - 1);
  if (response.reason.empty()) {
    out += status_reason(status);
  } else {
    for (char c : response.reason) out += is_field_value_char(c) ? c : ' ';
  }
#else
  out += "HTTP/1.1 ";
  out += std::to_string(status);
  out += ' ';
  std::string_view reason = response.reason.empty() ? status_reason(status) : response.reason;
  for (char c : reason) out += is_field_value_char(c) ? c : ' ';
#endif
  out += "\r\n";
  return status;
}

namespace {

void append_start(std::string& out, const Response& response) {
  append_status_line(out, response);
  out += response.field_lines();
}

}  // namespace

// @anchor lesson05-serialize
std::string serialize(const Response& response, bool head_request) {
  std::string out;
  out.reserve(128 + response.body.size());
  append_start(out, response);
  // RFC 9110 §8.6: no Content-Length in 1xx or 204; a 304 has no body (RFC 9110 §15.4.5).
  if (!status_has_no_content(response.status)) {
    out += "Content-Length: " + std::to_string(response.body.size()) + "\r\n";
  }
  out += "\r\n";
  if (!head_request && !status_has_no_content(response.status)) out += response.body;
  return out;
}

std::string serialize_head(const Response& response, const BodyFraming& framing) {
  std::string out;
  append_start(out, response);
  if (!status_has_no_content(response.status)) {
    if (framing.kind == BodyFraming::Kind::kContentLength) {
      out += "Content-Length: " + std::to_string(framing.length) + "\r\n";
    } else if (framing.kind == BodyFraming::Kind::kChunked) {
      out += "Transfer-Encoding: chunked\r\n";
    }
  }
  out += "\r\n";
  return out;
}

}  // namespace duplex::http
