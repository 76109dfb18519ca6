// The Beast-facing pieces of the transport that more than one place needs: how a connection
// configures its request parser and its WebSocket stream, and how a parsed Beast request
// becomes our Request. server/http_server.cc serves with them; server/http_parse.cc and the
// fuzz targets use the same ones, so what is fuzzed is what the server runs. Only files that
// already see Beast include this header.
#pragma once

#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <cstddef>
#include <string>

#include "server/http_types.h"

namespace inferno::server {

// Request line plus headers; beyond this a request gets 431 (no flag: no client needs more).
inline constexpr size_t kHeaderLimit = 64 * 1024;

// Sets the limits every request is parsed with.
void LimitRequestParser(boost::beast::http::request_parser<boost::beast::http::string_body>& parser,
                        size_t body_limit);

// Copies method, target, headers (names lower-cased) and moves the body out of `req`. Path and
// query are left to SplitTarget().
Request ToRequest(boost::beast::http::request<boost::beast::http::string_body>& req,
                  std::string remote);

// The server side of a WebSocket connection, before accept(). The protocol layer enforces
// its own (smaller) message limit with a recoverable error; read_message_max only protects
// memory from a runaway client.
template <class NextLayer>
void ConfigureServerWebSocket(boost::beast::websocket::stream<NextLayer>& ws,
                              size_t ws_frame_limit) {
  namespace websocket = boost::beast::websocket;
  ws.read_message_max(ws_frame_limit * 16);
  ws.set_option(websocket::stream_base::timeout::suggested(boost::beast::role_type::server));
  ws.set_option(websocket::stream_base::decorator([](websocket::response_type& res) {
    res.set(boost::beast::http::field::server, "inferno");
  }));
}

}  // namespace inferno::server
