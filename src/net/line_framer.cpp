// LineFramer (lesson 02): see line_framer.hpp.
// @lesson 02
#include "src/net/line_framer.hpp"

namespace duplex::net {

LineTooLong::LineTooLong(std::size_t max_line_length)
    : std::runtime_error("line longer than " + std::to_string(max_line_length) + " bytes") {}

LineFramer::LineFramer(std::size_t max_line_length) : max_line_length_(max_line_length) {}

void LineFramer::feed(std::string_view bytes) {
  if (!failed_) pending_.append(bytes);
}

// @anchor lesson02-next-line
std::optional<std::string> LineFramer::next_line() {
  // @exercise lesson02-next-line #a-line-protocol-sans-io
  if (failed_) throw LineTooLong(max_line_length_);
  std::string_view bytes = pending_.view();
  std::size_t lf = bytes.find('\n', scanned_);
  if (lf == std::string_view::npos) {
    scanned_ = bytes.size();
    // Without an LF yet, the line is at least this long; the "+ 1" leaves room for a CR that
    // may turn out to be the first half of CRLF.
    if (bytes.size() > max_line_length_ + 1 ||
        (bytes.size() == max_line_length_ + 1 && bytes.back() != '\r')) {
      failed_ = true;
      pending_.clear();
      pending_.release_if_empty();
      throw LineTooLong(max_line_length_);
    }
    return std::nullopt;
  }
  std::size_t length = lf;
  if (length > 0 && bytes[length - 1] == '\r') --length;
  if (length > max_line_length_) {
    failed_ = true;
    pending_.clear();
    pending_.release_if_empty();
    throw LineTooLong(max_line_length_);
  }
  std::string line(bytes.substr(0, length));
  pending_.consume(lf + 1);
  scanned_ = 0;
  return line;
  // @exercise end
}

bool LineFramer::failed() const noexcept {
  return failed_;
}

std::size_t LineFramer::buffered() const noexcept {
  return pending_.size();
}

std::size_t LineFramer::max_line_length() const noexcept {
  return max_line_length_;
}

}  // namespace duplex::net
