// The server's one route table: method + path pattern -> handler. Every HTTP route (the
// OpenAI API, /chat, the store, benchmarks, model options, health, metrics) is registered
// here, so path parameters, 405 with Allow and the key requirement work the same for all.
//
// Patterns are matched segment by segment ("/a//b/" is "/a/b"):
//   "/v1/models"            a literal path
//   "/bench/runs/{id}"      {id} takes one segment
//   "/bench/runs/{id}.csv"  a parameter may end with a literal suffix
//   "/v1/models/{id...}"    {id...} takes one or more segments, joined with '/' (model ids
//                           name files in subfolders); literal segments may follow it
// The first pattern registered that matches the path decides; the methods registered for
// it are the ones the path takes.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "server/http_types.h"

namespace inferno::server {

using PathParams = std::map<std::string, std::string, std::less<>>;

// A route that answers on the writer (streams included).
using RouteHandler = std::function<void(const Request&, const PathParams&, ResponseWriter&)>;
// A route that answers with one whole response.
using ReplyHandler = std::function<Response(const Request&, const PathParams&)>;

// Who may call a route: anyone (health, the UI), or only with the API key when one is set.
enum class RouteAccess { kPublic, kKey };

class Router {
 public:
  void Add(std::string method, std::string pattern, RouteHandler handler,
           RouteAccess access = RouteAccess::kKey);
  void AddReply(std::string method, std::string pattern, ReplyHandler handler,
                RouteAccess access = RouteAccess::kKey);

  struct Match {
    const std::string* pattern = nullptr;  // null: no route takes this path
    RouteAccess access = RouteAccess::kKey;
    const RouteHandler* handler = nullptr;  // null with a pattern: not for this method
    std::string allow;                      // the path's methods, "GET, DELETE"
    PathParams params;
  };
  Match Find(const Request& request) const;

  // Runs the route for `request`: its handler, or 405 with Allow. Returns false when no
  // route takes the path (nothing was sent).
  bool Dispatch(const Request& request, ResponseWriter& writer) const;

 private:
  struct Route {
    std::string method;
    std::string pattern;
    std::vector<std::string> segments;
    RouteAccess access;
    RouteHandler handler;
  };
  static bool Matches(const Route& route, const std::vector<std::string_view>& path,
                      PathParams* params);

  std::vector<Route> routes_;
};

// 405 for `request` with an Allow header naming the methods its path takes.
Response MethodNotAllowed(const Request& request, std::string_view allowed);

}  // namespace inferno::server
