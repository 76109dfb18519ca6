// The HTTP/1.1 + WebSocket transport (Boost.Beast). One thread per connection: a local
// workbench has a handful of clients, and blocking code is easier to read and to cancel
// than callbacks. Requests are handed to one Handler; GET /ws upgrades are handed to the
// WsFactory after ws_accept agrees (authentication).
#pragma once

#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "engine/util/status.h"
#include "server/http_types.h"
#include "server/ws_endpoint.h"

namespace inferno::server {

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  int port = 8080;              // 0 picks a free port
  size_t body_limit = 1 << 20;  // bytes; larger bodies get 413
  // The routes that take inline images read bodies up to this; the audio routes up to
  // kAudioBodyLimit (server/body_limits.h, which the server asks once the header is read).
  size_t image_body_limit = 20 << 20;
  int idle_timeout_seconds = 120;   // a silent keep-alive connection is closed after this
  int max_connections = 256;        // beyond this new connections get 503
  size_t ws_frame_limit = 1 << 20;  // bytes per WebSocket message
};

class HttpServer {
 public:
  using Handler = std::function<void(const Request&, ResponseWriter&)>;
  // Decides whether an upgrade to WebSocket at `request` is allowed; fills `reject` if not.
  using WsAccept = std::function<bool(const Request&, Response* reject)>;

  HttpServer(HttpServerOptions options, Handler handler, WsFactory ws_factory = nullptr,
             WsAccept ws_accept = nullptr);
  ~HttpServer();

  // Binds and listens. Port in use or bad address -> error naming them.
  Status Listen();
  int port() const { return port_; }
  // Accepts connections until Stop(); returns after every connection thread has ended.
  void Run();
  // Thread-safe, also from a signal-watching thread.
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  int port_ = 0;
};

}  // namespace inferno::server
