// libFuzzer target for WebSocket frames as the server reads them: a server-side
// websocket::stream over Beast's in-memory test stream, configured as server/http_server.cc
// configures its streams (ConfigureServerWebSocket) and accepted from a valid upgrade request.
// The input is what the client sends after the handshake; it is read with async_read the
// way the connection's read loop does, and every complete text message goes to the debugger
// protocol's parser (binary ones are refused there without parsing).
#include <boost/asio/io_context.hpp>
#include <boost/beast/_experimental/test/stream.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "server/debugger_protocol.h"
#include "server/http_beast.h"
#include "server/http_server.h"

namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;

constexpr std::string_view kUpgrade =
    "GET /ws HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
    "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n";

void Check(bool ok) {
  if (!ok) std::abort();
}

// The upgrade request as the connection has it when it hands over to the WebSocket.
http::request<http::string_body> UpgradeRequest() {
  http::request_parser<http::string_body> parser;
  inferno::server::LimitRequestParser(parser, inferno::server::HttpServerOptions{}.body_limit);
  beast::error_code ec;
  parser.put(net::buffer(kUpgrade), ec);
  Check(!ec && parser.is_done() && websocket::is_upgrade(parser.get()));
  return parser.release();
}

class Reader {
 public:
  Reader(net::io_context& ioc, websocket::stream<beast::test::stream>& ws) : ioc_(ioc), ws_(ws) {}

  void Next() {
    ws_.async_read(buffer_, [this](beast::error_code ec, size_t) {
      if (ec) {
        ioc_.stop();  // as the server does: the idle timer must not keep run() going
        return;
      }
      const std::string message = beast::buffers_to_string(buffer_.data());
      buffer_.consume(buffer_.size());
      if (ws_.got_text()) (void)inferno::server::debugger::ParseClientMessage(message, limits_);
      Next();
    });
  }

 private:
  net::io_context& ioc_;
  websocket::stream<beast::test::stream>& ws_;
  beast::flat_buffer buffer_;
  const inferno::server::debugger::Limits limits_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const http::request<http::string_body> upgrade = UpgradeRequest();
  net::io_context ioc;
  // The client's end receives what the server writes (101, pongs, close frames).
  beast::test::stream client(ioc);
  websocket::stream<beast::test::stream> ws(ioc);
  ws.next_layer().connect(client);
  inferno::server::ConfigureServerWebSocket(ws,
                                            inferno::server::HttpServerOptions{}.ws_frame_limit);
  beast::error_code ec;
  ws.accept(upgrade, ec);
  Check(!ec);
  ws.next_layer().append(std::string_view(reinterpret_cast<const char*>(data), size));
  // The client has sent everything: reads past it see the end of the stream, while what the
  // server writes (pongs, the close reply) still reaches the client.
  ws.next_layer().close_remote();
  Reader reader(ioc, ws);
  reader.Next();
  ioc.run();
  return 0;
}
