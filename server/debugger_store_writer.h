// Debugger session saves off the threads that make them. The SQLite store commits with
// synchronous=FULL; a session's record is saved when it is launched and when it ends, from
// the threads that deliver engine events and launch sessions (server/debugger_hub.h), which
// must not wait for a disk. WriteBehindStore queues each record and one writer thread
// writes them to the real store in order.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "server/debugger_store.h"

namespace inferno::server::debugger {

class WriteBehindStore : public SessionStore {
 public:
  // At most `max_pending` records wait for the writer; Save() blocks beyond that, so a store
  // slower than the sessions it keeps slows them down rather than filling memory.
  explicit WriteBehindStore(std::shared_ptr<SessionStore> inner, size_t max_pending = 256);
  // Writes everything still queued, then joins the writer: nothing saved is lost.
  ~WriteBehindStore() override;
  WriteBehindStore(const WriteBehindStore&) = delete;
  WriteBehindStore& operator=(const WriteBehindStore&) = delete;

  // Queues a copy of the record (any thread). A record saved again before the writer got to
  // it is replaced in place: only the newest version of a session is written.
  void Save(const SessionRecord& record) override;
  // The newest record saved, written or not: a branch from a session that just ended finds
  // it even while its write is queued.
  std::optional<SessionRecord> Find(const std::string& id) const override;
  // Returns once every record saved before the call has been written.
  void Flush();

 private:
  void WriterLoop();

  const std::shared_ptr<SessionStore> inner_;
  const size_t max_pending_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, SessionRecord> pending_;  // guarded by mu_: saved, not yet written
  std::deque<std::string> order_;                 // guarded by mu_: pending_'s ids, oldest first
  // Guarded by mu_: the record the writer is writing, still found by Find() until written.
  std::optional<SessionRecord> writing_;
  bool stop_ = false;  // guarded by mu_
  std::thread writer_;
};

}  // namespace inferno::server::debugger
