// The WebSocket debugger (GET /ws): one Debugger per server owns the limits, the session
// store and the connections that may still be resumed; each WebSocket gets a
// DebuggerConnection (a WsConnection) speaking protocol version 1 (docs/protocol.md).
//
// Threads: client frames arrive on the connection's I/O thread and never block there;
// model loading and request checks run on the Debugger's worker thread. Engine events
// arrive on the model's scheduler thread, which only copies them into the connection's
// inbox: everything slow (recording, encoding JSON and attention maps, queueing frames to
// the WsSender) runs on the Debugger's delivery threads, one connection's inbox drained by
// one delivery thread at a time so messages keep their order and seq numbers. Session
// records are written by the store's own writer thread (server/debugger_store_writer.h).
// Backpressure: a session steps only while its connection's undelivered events plus its
// send queue are under Limits::send_queue_bytes (the scheduler pauses it, the other
// sequences go on), so memory per connection stays bounded by that limit plus one step's
// messages per session.
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
#include <vector>

#include "server/debugger_protocol.h"
#include "server/debugger_store.h"
#include "server/debugger_store_writer.h"
#include "server/model_registry.h"
#include "server/ws_endpoint.h"

namespace inferno::server::debugger {

class Connection;

class Debugger {
 public:
  // `store` is wrapped in a WriteBehindStore. Starts the worker and the delivery threads.
  Debugger(ModelRegistry& registry, Limits limits = {},
           std::shared_ptr<SessionStore> store = std::make_shared<MemorySessionStore>(),
           int delivery_threads = 0);  // 0: from the hardware (2..8)
  // Cancels every session, joins the worker and the delivery threads, then writes every
  // session record still queued. Destroy after the HTTP server has stopped.
  ~Debugger();
  Debugger(const Debugger&) = delete;
  Debugger& operator=(const Debugger&) = delete;

  // The WsFactory for HttpServer. A session belongs to the client that started it: another
  // connection may branch from it (or resume its connection) only with the server's API key
  // or from the same Origin; otherwise it is told the session does not exist. `stop` only
  // ever reaches the connection's own sessions.
  std::unique_ptr<WsConnection> Connect(std::shared_ptr<WsSender> sender, WsClient client = {});

  int running_sessions() const;
  // Tells remote models (NAME/model, served elsewhere) apart, so that sessions and compares
  // of them are refused with `remote_model` and the reason; unset: no model is remote. Set
  // before serving.
  void set_is_remote(std::function<bool(const std::string&)> is_remote) {
    is_remote_ = std::move(is_remote);
  }
  const Limits& limits() const { return limits_; }
  SessionStore& store() { return *store_; }
  // Returns once every session saved so far is in the underlying store: the /api/sessions
  // routes read the database directly, and a session that just sent `done` must be there.
  void FlushStore() { store_->Flush(); }

 private:
  friend class Connection;
  friend class DebuggerConnection;
  void Post(std::function<void()> task);
  void WorkerLoop();
  // Runs `task` on a delivery thread (Connection::Drain); dropped once they have stopped.
  void Deliver(std::function<void()> task);
  void DeliveryLoop();
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

  bool IsRemote(const std::string& model) const { return is_remote_ && is_remote_(model); }

  ModelRegistry& registry_;
  Limits limits_;
  std::function<bool(const std::string&)> is_remote_;
  std::unique_ptr<WriteBehindStore> store_;

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

  std::mutex delivery_mu_;
  std::condition_variable delivery_cv_;
  std::deque<std::function<void()>> deliveries_;  // guarded by delivery_mu_
  bool delivery_stop_ = false;                    // guarded by delivery_mu_
  std::vector<std::thread> delivery_threads_;
};

}  // namespace inferno::server::debugger
