// Parsing of raw request bytes into Requests, the way a server connection reads them, without
// a socket: the HTTP fuzz target and its tests drive the server's parser through this.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "server/http_types.h"

namespace inferno::server {

// One request from the front of a byte string.
struct ParsedRequest {
  Request request;         // path and query filled when target_ok
  bool target_ok = false;  // SplitTarget() accepted the target (else the server answers 400)
  unsigned version = 11;   // 10 or 11
  bool keep_alive = false;
  bool websocket_upgrade = false;
};

struct RequestParse {
  std::optional<ParsedRequest> parsed;
  size_t consumed = 0;      // bytes of the input the request used
  std::string error;        // the parser's reason when there is no request
  bool too_large = false;   // body or header limit exceeded
  bool incomplete = false;  // the bytes ended before a whole request (no error sent)
};

// Parses the first request of `bytes` with the limits a connection uses (`body_limit` is
// HttpServerOptions::body_limit), as if the peer closed the connection after them.
RequestParse ParseRequestBytes(std::string_view bytes, size_t body_limit);

}  // namespace inferno::server
