// The header fields of one message, in order, as views (lesson 04). See headers.hpp.
// @lesson 04
#include "src/http/headers.hpp"

#include "src/http/syntax.hpp"

namespace duplex::http {

std::optional<std::string_view> Headers::get(std::string_view name) const {
  for (const Field& field : fields_) {
    if (iequals(field.name, name)) return field.value;
  }
  return std::nullopt;
}

std::size_t Headers::count(std::string_view name) const {
  std::size_t n = 0;
  for (const Field& field : fields_) n += iequals(field.name, name) ? 1 : 0;
  return n;
}

std::vector<std::string_view> Headers::get_all(std::string_view name) const {
  std::vector<std::string_view> values;
  for (const Field& field : fields_) {
    if (iequals(field.name, name)) values.push_back(field.value);
  }
  return values;
}

#if DUPLEX_LESSON >= 12
void Headers::rebase(const char* old_base, const char* new_base) {
  auto moved = [&](std::string_view view) -> std::string_view {
    if (view.empty()) return {};
    return {new_base + (view.data() - old_base), view.size()};
  };
  for (Field& field : fields_) field = {moved(field.name), moved(field.value)};
}

#endif
bool Headers::has_token(std::string_view name, std::string_view token) const {
  bool found = false;
  for (const Field& field : fields_) {
    if (found || !iequals(field.name, name)) continue;
    for_each_list_element(field.value, [&](std::string_view element) {
      if (iequals(element, token)) found = true;
    });
  }
  return found;
}

}  // namespace duplex::http
