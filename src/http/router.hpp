// Router: which handler answers a request, by method and path (lesson 06).
//
// Routes are patterns of segments; a segment "{name}" matches any one non-empty segment and
// captures it (Exchange::param). RFC 9110 decides the answers when no route fits:
//  - no route has this path: 404 Not Found (§15.5.5), or the fallback handler (static files);
//  - routes have this path but not this method: 405 Method Not Allowed with an Allow field
//    listing the methods that would work (§15.5.6, §10.2.1);
//  - OPTIONS: 204 with Allow (§9.3.7); "OPTIONS *" asks about the server as a whole;
//  - a method the server does not implement at all: 501 Not Implemented (§15.6.2, §9.1).
// HEAD is answered wherever GET is (§9.3.2); the server leaves the body out.
// @lesson 06
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "src/http/exchange.hpp"

namespace duplex::http {

class Router {
 public:
  using Handler = std::function<void(Exchange& exchange)>;

  // `pattern` starts with '/'; "{name}" segments capture. Later routes never shadow earlier
  // ones: the first route that matches method and path wins.
  Router& add(std::string_view method, std::string_view pattern, Handler handler);
  Router& get(std::string_view pattern, Handler handler) {
    return add("GET", pattern, std::move(handler));
  }
  Router& post(std::string_view pattern, Handler handler) {
    return add("POST", pattern, std::move(handler));
  }
  // Called for GET and HEAD requests no route matches (a static file server); without one
  // they get 404.
  Router& fallback(Handler handler);

  // Answers `exchange` (routes it, or answers 404/405/501/OPTIONS itself).
  void handle(Exchange& exchange) const;
  // A handler for HttpServer that routes through this router (which must outlive it).
  std::function<void(Exchange&)> handler() const {
    return [this](Exchange& exchange) { handle(exchange); };
  }

  // What routing decided, for tests and for the curious.
  struct Match {
    const Handler* handler = nullptr;  // null: no route for this method and path
    std::vector<std::pair<std::string, std::string>> params;
    std::string allow;  // the methods with a route for this path, "GET, HEAD, POST"
  };
  Match match(std::string_view method, std::string_view path) const;

 private:
  struct Route {
    std::string method;
    std::vector<std::string> segments;  // "{name}" captures
    Handler handler;
  };

  static bool match_path(const Route& route, std::string_view path,
                         std::vector<std::pair<std::string, std::string>>* params);
  bool knows_method(std::string_view method) const;
#if DUPLEX_LESSON >= 12
  bool may_match(std::string_view path) const;
#endif

  std::vector<Route> routes_;
  Handler fallback_;
#if DUPLEX_LESSON >= 12
  // Lesson 12: the first segment of every route, sorted, so that a path no route can match
  // (a static file, the fall-through) is known after one binary search instead of a walk over
  // every route. A route whose first segment captures could match anything: then every path
  // takes the walk.
  std::vector<std::string> first_segments_;
  bool capture_first_ = false;
#endif
};

}  // namespace duplex::http
