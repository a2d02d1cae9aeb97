// The header fields of one message, in order, as views (lesson 04).
//
// RFC 9110 §5: field names are case-insensitive, order matters for repeated names, and a
// repeated field is equivalent to one whose value is the comma-joined list (§5.3). `Headers`
// keeps each field exactly as received (original case, order) and answers questions about them.
// Names and values are string_views: into the parser's input buffer for parsed messages, so no
// header is copied, or into strings the caller keeps alive.
// @lesson 04
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

namespace duplex::http {

struct Field {
  std::string_view name;
  std::string_view value;  // OWS already trimmed
};

class Headers {
 public:
  void add(std::string_view name, std::string_view value) { fields_.push_back({name, value}); }
  void clear() { fields_.clear(); }

  // The value of the first field called `name` (any case), or nothing if there is none.
  std::optional<std::string_view> get(std::string_view name) const;
  std::size_t count(std::string_view name) const;
  std::vector<std::string_view> get_all(std::string_view name) const;

  // True when any field called `name` holds `token` in its comma-separated list, compared
  // case-insensitively: `Connection: keep-alive, Upgrade` has the token "upgrade"
  // (RFC 9110 §5.6.1, §7.6.1).
  bool has_token(std::string_view name, std::string_view token) const;

  std::size_t size() const { return fields_.size(); }
  bool empty() const { return fields_.empty(); }
  const Field& operator[](std::size_t i) const { return fields_[i]; }
  std::vector<Field>::const_iterator begin() const { return fields_.begin(); }
  std::vector<Field>::const_iterator end() const { return fields_.end(); }
#if DUPLEX_LESSON >= 12
  // Points every view at the same offset of `new_base` instead of `old_base`, for fields
  // whose bytes were copied there: in place, so the list keeps its capacity (lesson 12).
  void rebase(const char* old_base, const char* new_base);
#endif

 private:
  std::vector<Field> fields_;
};

}  // namespace duplex::http
