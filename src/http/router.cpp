// Router (lesson 06): method + path, 404 / 405 / 501 and OPTIONS. See router.hpp.
// @lesson 06
#include "src/http/router.hpp"

#include <algorithm>
#include <array>

namespace duplex::http {

namespace {

// The methods this server implements in general (RFC 9110 §9.3, RFC 5789). Anything else is a
// 501, unless a route names it. CONNECT and TRACE are deliberately absent: an origin server
// does not tunnel, and TRACE echoes headers (cookies) back to scripts (RFC 9110 §9.3.8).
constexpr std::array<std::string_view, 7> kImplemented = {"GET",    "HEAD",    "POST", "PUT",
                                                          "DELETE", "OPTIONS", "PATCH"};

std::vector<std::string> split(std::string_view path) {
  // "/" is no segment at all; "/a/" is "a" and an empty last segment.
  std::vector<std::string> segments;
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  if (path.empty()) return segments;
  while (true) {
    std::size_t slash = path.find('/');
    segments.emplace_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return segments;
}

void add_allowed(std::string& allow, std::string_view method) {
  // Already listed? (Allow is a short list; a linear scan is the simplest correct thing.)
  std::string_view list = allow;
  while (!list.empty()) {
    std::size_t comma = list.find(", ");
    if (list.substr(0, comma) == method) return;
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 2);
  }
  if (!allow.empty()) allow += ", ";
  allow += method;
}

}  // namespace

Router& Router::add(std::string_view method, std::string_view pattern, Handler handler) {
  routes_.push_back({std::string(method), split(pattern), std::move(handler)});
#if DUPLEX_LESSON >= 12
  const std::vector<std::string>& segments = routes_.back().segments;
  std::string first = segments.empty() ? std::string() : segments.front();
  if (first.size() > 2 && first.front() == '{' && first.back() == '}') capture_first_ = true;
  first_segments_.insert(std::lower_bound(first_segments_.begin(), first_segments_.end(), first),
                         std::move(first));
#endif
  return *this;
}

Router& Router::fallback(Handler handler) {
  fallback_ = std::move(handler);
  return *this;
}

// @anchor lesson06-route-match
// Segment by segment: a literal must be equal, "{name}" takes any non-empty segment. The path
// is already percent-decoded and normalised by the parser (no "..", no "//").
bool Router::match_path(const Route& route, std::string_view path,
                        std::vector<std::pair<std::string, std::string>>* params) {
  std::size_t index = 0;
  std::string_view rest = path;
  if (!rest.empty() && rest.front() == '/') rest.remove_prefix(1);
  // "/" is zero segments; "/a/" ends in an empty segment, which matches only a pattern that
  // ends with '/'.
  if (rest.empty()) return route.segments.empty();
  while (true) {
    std::size_t slash = rest.find('/');
    std::string_view segment = rest.substr(0, slash);
    if (index >= route.segments.size()) return false;
    const std::string& want = route.segments[index];
    if (want.size() > 2 && want.front() == '{' && want.back() == '}') {
      if (segment.empty()) return false;
      if (params) params->emplace_back(want.substr(1, want.size() - 2), segment);
    } else if (want != segment) {
      return false;
    }
    ++index;
    if (slash == std::string_view::npos) break;
    rest.remove_prefix(slash + 1);
  }
  return index == route.segments.size();
}

bool Router::knows_method(std::string_view method) const {
  if (std::find(kImplemented.begin(), kImplemented.end(), method) != kImplemented.end())
    return true;
  return std::any_of(routes_.begin(), routes_.end(),
                     [method](const Route& route) { return route.method == method; });
}

#if DUPLEX_LESSON >= 12
// @anchor lesson12-route-prefilter
// A route matches only if its first segment equals the path's ("/" and the pattern "/" both
// count as the empty segment). So when no route starts with a capture and the path's first
// segment is not in the sorted list, no route can match, and match() answers at once what the
// walk would have found: no handler and nothing allowed.
bool Router::may_match(std::string_view path) const {
  if (capture_first_) return true;
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  std::string_view first = path.substr(0, path.find('/'));
  return std::binary_search(first_segments_.begin(), first_segments_.end(), first, std::less<>());
}
#endif

Router::Match Router::match(std::string_view method, std::string_view path) const {
  Match result;
#if DUPLEX_LESSON >= 12
  if (!may_match(path)) return result;
#endif
  for (const Route& route : routes_) {
    if (!match_path(route, path, nullptr)) continue;
    add_allowed(result.allow, route.method);
    if (route.method == "GET") add_allowed(result.allow, "HEAD");
    bool fits = route.method == method || (method == "HEAD" && route.method == "GET");
    if (fits && !result.handler) {
      result.handler = &route.handler;
      match_path(route, path, &result.params);
    }
  }
  return result;
}

// @anchor lesson06-route
void Router::handle(Exchange& exchange) const {
  const RequestHead& request = exchange.request();
  // RFC 9110 §9.1: a method the server does not recognise or implement: 501.
  if (!knows_method(request.method)) {
    exchange.respond(501, "text/plain; charset=utf-8",
                     "501 Not Implemented: unknown method " + std::string(request.method) + "\n");
    return;
  }
  if (request.form == TargetForm::kAsterisk) {
    // RFC 9110 §9.3.7: "OPTIONS *" asks what the server supports in general.
    Response response(204);
    std::string allow;
    for (std::string_view method : kImplemented) add_allowed(allow, method);
    response.add("Allow", allow);
    exchange.respond(std::move(response));
    return;
  }
  Match found = match(request.method, request.path);
  if (found.handler) {
    exchange.set_params(std::move(found.params));
    (*found.handler)(exchange);
    return;
  }
  bool get_or_head = request.method_id == Method::kGet || request.method_id == Method::kHead;
  if (fallback_ && get_or_head) {
    fallback_(exchange);
    return;
  }
  if (request.method_id == Method::kOptions) {
    std::string allow = found.allow;
    if (fallback_) {
      add_allowed(allow, "GET");
      add_allowed(allow, "HEAD");
    }
    if (allow.empty()) {
      exchange.respond(404, "text/plain; charset=utf-8", "404 Not Found\n");
      return;
    }
    add_allowed(allow, "OPTIONS");
    Response response(204);
    response.add("Allow", allow);
    exchange.respond(std::move(response));
    return;
  }
  if (found.allow.empty() && !fallback_) {
    exchange.respond(404, "text/plain; charset=utf-8", "404 Not Found\n");
    return;
  }
  // RFC 9110 §15.5.6: a 405 must say what is allowed. Paths left to the fallback (static
  // files) allow what it serves: GET and HEAD.
  Response response(405, "405 Method Not Allowed\n");
  response.add("Content-Type", "text/plain; charset=utf-8");
  std::string allow = found.allow.empty() ? "GET, HEAD" : found.allow;
  add_allowed(allow, "OPTIONS");
  response.add("Allow", allow);
  exchange.respond(std::move(response));
}

}  // namespace duplex::http
