// With server/http_server.cc, the only translation units that include Boost.Beast's HTTP
// parser (it is heavy to compile).
#include "server/http_parse.h"

#include <boost/asio/buffer.hpp>
#include <cctype>

#include "server/http_beast.h"

namespace inferno::server {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;

using Parser = http::request_parser<http::string_body>;

// Feeds `bytes` to the parser as reads from a socket would, then the end of the stream.
beast::error_code Feed(Parser& parser, std::string_view bytes, size_t* consumed) {
  beast::error_code ec;
  while (!parser.is_done()) {
    const std::string_view rest = bytes.substr(*consumed);
    const size_t used = rest.empty() ? 0 : parser.put(boost::asio::buffer(rest), ec);
    *consumed += used;
    if (ec == http::error::need_more) ec = {};
    if (ec) return ec;
    if (parser.is_done()) break;
    // All that is left cannot complete a request: the peer has closed the connection.
    if (used == 0) {
      if (!parser.got_some()) return http::error::end_of_stream;
      parser.put_eof(ec);
      return ec ? ec : beast::error_code(http::error::partial_message);
    }
  }
  return ec;
}

}  // namespace

void LimitRequestParser(Parser& parser, size_t body_limit) {
  parser.body_limit(body_limit);
  parser.header_limit(kHeaderLimit);
}

Request ToRequest(http::request<http::string_body>& req, std::string remote) {
  Request r;
  r.method = std::string(req.method_string());
  r.target = std::string(req.target());
  r.remote = std::move(remote);
  for (const auto& field : req) {
    std::string name(field.name_string());
    for (char& c : name) c = char(std::tolower(static_cast<unsigned char>(c)));
    r.headers.emplace_back(std::move(name), std::string(field.value()));
  }
  r.body = std::move(req.body());
  return r;
}

RequestParse ParseRequestBytes(std::string_view bytes, size_t body_limit) {
  RequestParse out;
  Parser parser;
  LimitRequestParser(parser, body_limit);
  const beast::error_code ec = Feed(parser, bytes, &out.consumed);
  if (ec) {
    out.error = ec.message();
    out.too_large = ec == http::error::body_limit || ec == http::error::header_limit;
    out.incomplete = ec == http::error::end_of_stream || ec == http::error::partial_message;
    return out;
  }
  http::request<http::string_body>& req = parser.get();
  ParsedRequest p;
  p.version = req.version();
  p.keep_alive = req.keep_alive();
  p.websocket_upgrade = boost::beast::websocket::is_upgrade(req);
  p.request = ToRequest(req, "fuzz");
  p.target_ok = SplitTarget(p.request);
  out.parsed = std::move(p);
  return out;
}

}  // namespace inferno::server
