#include "server/router.h"

#include "server/errors.h"
#include "server/route_responses.h"

namespace inferno::server {
namespace {

struct Parameter {
  std::string_view name;    // "" for a literal segment
  std::string_view suffix;  // after the closing brace
  bool rest = false;        // {name...}
};

Parameter ParseSegment(std::string_view segment) {
  Parameter p;
  if (segment.empty() || segment[0] != '{') return p;
  const size_t close = segment.find('}');
  if (close == std::string_view::npos) return p;
  p.name = segment.substr(1, close - 1);
  p.suffix = segment.substr(close + 1);
  if (p.name.size() > 3 && p.name.substr(p.name.size() - 3) == "...") {
    p.name.remove_suffix(3);
    p.rest = true;
  }
  return p;
}

// One segment against one pattern segment; a parameter's value is never empty.
bool MatchSegment(std::string_view pattern, std::string_view segment, PathParams* params) {
  const Parameter p = ParseSegment(pattern);
  if (p.name.empty()) return pattern == segment;
  if (segment.size() <= p.suffix.size() ||
      segment.substr(segment.size() - p.suffix.size()) != p.suffix) {
    return false;
  }
  (*params)[std::string(p.name)] = std::string(segment.substr(0, segment.size() - p.suffix.size()));
  return true;
}

}  // namespace

void Router::Add(std::string method, std::string pattern, RouteHandler handler,
                 RouteAccess access) {
  std::vector<std::string> segments;
  for (std::string_view s : SplitPath(pattern)) segments.emplace_back(s);
  routes_.push_back(Route{std::move(method), std::move(pattern), std::move(segments), access,
                          std::move(handler)});
}

void Router::AddReply(std::string method, std::string pattern, ReplyHandler handler,
                      RouteAccess access) {
  Add(
      std::move(method), std::move(pattern),
      [handler = std::move(handler)](const Request& r, const PathParams& p, ResponseWriter& w) {
        w.Send(handler(r, p));
      },
      access);
}

bool Router::Matches(const Route& route, const std::vector<std::string_view>& path,
                     PathParams* params) {
  const std::vector<std::string>& pattern = route.segments;
  size_t rest_at = pattern.size();
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (ParseSegment(pattern[i]).rest) rest_at = i;
  }
  if (rest_at == pattern.size()) {
    if (path.size() != pattern.size()) return false;
    for (size_t i = 0; i < path.size(); ++i) {
      if (!MatchSegment(pattern[i], path[i], params)) return false;
    }
    return true;
  }
  // The rest parameter takes what the literal segments around it leave, at least one.
  const size_t after = pattern.size() - rest_at - 1;
  if (path.size() < rest_at + 1 + after) return false;
  const size_t rest_end = path.size() - after;
  for (size_t i = 0; i < rest_at; ++i) {
    if (!MatchSegment(pattern[i], path[i], params)) return false;
  }
  for (size_t i = 0; i < after; ++i) {
    if (!MatchSegment(pattern[rest_at + 1 + i], path[rest_end + i], params)) return false;
  }
  std::string value;
  for (size_t i = rest_at; i < rest_end; ++i) {
    if (!value.empty()) value += '/';
    value += path[i];
  }
  (*params)[std::string(ParseSegment(pattern[rest_at]).name)] = std::move(value);
  return true;
}

Router::Match Router::Find(const Request& r) const {
  const std::vector<std::string_view> path = SplitPath(r.path);
  Match m;
  for (const Route& route : routes_) {
    if (m.pattern != nullptr && route.pattern != *m.pattern) continue;
    PathParams params;
    if (!Matches(route, path, &params)) continue;
    m.pattern = &route.pattern;
    m.access = route.access;
    m.allow += (m.allow.empty() ? "" : ", ") + route.method;
    if (m.handler == nullptr && route.method == r.method) {
      m.handler = &route.handler;
      m.params = std::move(params);
    }
  }
  return m;
}

bool Router::Dispatch(const Request& r, ResponseWriter& w) const {
  const Match m = Find(r);
  if (m.pattern == nullptr) return false;
  if (m.handler == nullptr) {
    w.Send(MethodNotAllowed(r, m.allow));
  } else {
    (*m.handler)(r, m.params, w);
  }
  return true;
}

Response MethodNotAllowed(const Request& r, std::string_view allowed) {
  Response res = ErrorResponse(
      405, r.method + " is not allowed on " + r.path + "; use " + std::string(allowed),
      "method_not_allowed");
  res.headers.push_back({"Allow", std::string(allowed)});
  return res;
}

}  // namespace inferno::server
