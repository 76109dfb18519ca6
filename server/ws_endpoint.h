// The seam between the WebSocket transport (Boost.Beast, server/http_server.cc) and what
// speaks over it (the debugger protocol, server/debugger_*). The protocol side never sees a
// socket, so it is tested with a fake sender; the transport never sees a message type.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace inferno::server {

// Sends frames to one client. Thread-safe: a debugger delivery thread sends while the I/O
// thread reads. Frames are queued and written in order by the transport.
class WsSender {
 public:
  virtual ~WsSender() = default;
  // Queue a frame. Returns false when the connection is closed (the frame is dropped).
  virtual bool SendText(std::string frame) = 0;
  virtual bool SendBinary(std::string frame) = 0;
  // Bytes queued but not yet written to the socket: the basis for backpressure.
  virtual size_t queued_bytes() const = 0;
  // Blocks until queued_bytes() <= limit or the connection closes; returns false if closed.
  virtual bool WaitForRoom(size_t limit) = 0;
  // Starts a close handshake; later sends return false.
  virtual void Close() = 0;
  virtual bool closed() const = 0;
};

// Receives one client's frames, on the I/O thread; must not block.
class WsConnection {
 public:
  virtual ~WsConnection() = default;
  virtual void OnText(std::string_view frame) = 0;
  virtual void OnBinary(std::string_view frame) = 0;
  // The socket is gone (client left, error, or server shutdown). Called once, last.
  virtual void OnClose() = 0;
};

// Who is at the other end, as the upgrade request said. Sessions are reachable only by the
// client that may (server/debugger_hub.h), and this is what it is judged by.
struct WsClient {
  std::string origin;              // the upgrade's Origin header; "" for non-browser clients
  bool key_authenticated = false;  // it presented the server's API key (or a ticket for it)
};

// Makes the handler for a new connection at GET /ws (after authentication). The transport
// fills `client.origin`; whoever accepted the upgrade knows whether it carried the key.
using WsFactory =
    std::function<std::unique_ptr<WsConnection>(std::shared_ptr<WsSender>, WsClient client)>;

}  // namespace inferno::server
