// The WebSocket debugger (GET /ws): one Debugger per server owns the limits, the session
// store and the connections that may still be resumed; each WebSocket gets a
// DebuggerConnection (a WsConnection) speaking protocol version 1 (docs/protocol.md).
//
// Threads: client frames arrive on the connection's I/O thread and never block there;
// model loading and request checks run on the Debugger's worker thread; engine events
// arrive on the model's scheduler thread and are encoded and queued to the WsSender there.
// Backpressure: a session steps only while its connection's send queue is under
// Limits::send_queue_bytes (the scheduler pauses it, the other sequences go on), so memory
// per connection stays bounded by that limit plus one step's messages per session.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "server/debugger_protocol.h"
#include "server/debugger_store.h"
#include "server/model_registry.h"
#include "server/ws_endpoint.h"

namespace inferno::server::debugger {

class Connection;

class Debugger {
 public:
  Debugger(ModelRegistry& registry, Limits limits = {},
           std::shared_ptr<SessionStore> store = std::make_shared<MemorySessionStore>());
  // Cancels every session and joins the worker. Destroy after the HTTP server has stopped.
  ~Debugger();
  Debugger(const Debugger&) = delete;
  Debugger& operator=(const Debugger&) = delete;

  // The WsFactory for HttpServer. A session belongs to the client that started it: another
  // connection may branch from it (or resume its connection) only with the server's API key
  // or from the same Origin; otherwise it is told the session does not exist. `stop` only
  // ever reaches the connection's own sessions.
  std::unique_ptr<WsConnection> Connect(std::shared_ptr<WsSender> sender, WsClient client = {});

  int running_sessions() const;
  const Limits& limits() const { return limits_; }
  SessionStore& store() { return *store_; }

 private:
  friend class Connection;
  friend class DebuggerConnection;
  void Post(std::function<void()> task);
  void WorkerLoop();
  bool ReserveSession();  // false when the server-wide limit is reached
  // Gives a session's place back; `model` (the session's reference) is dropped on the worker.
  void ReleaseSession(std::shared_ptr<LoadedModel> model = nullptr);
  // Resume tokens: connections that said hello, live or dropped (parked) awaiting their
  // client for Limits::resume_seconds.
  void Register(const std::string& token, std::shared_ptr<Connection> conn);
  void Forget(const std::string& token);
  void Park(const std::string& token);
  std::shared_ptr<Connection> Find(const std::string& token);
  void ExpireParked();

  ModelRegistry& registry_;
  Limits limits_;
  std::shared_ptr<SessionStore> store_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> tasks_;
  bool stop_ = false;
  int running_ = 0;
  struct Token {
    std::shared_ptr<Connection> conn;
    bool parked = false;
    std::chrono::steady_clock::time_point since;
  };
  std::map<std::string, Token> tokens_;
  std::thread worker_;
};

}  // namespace inferno::server::debugger
