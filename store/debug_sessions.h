// The debugger's sessions in the store's database, listed and exported under /api/sessions.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/util/status.h"
#include "store/database.h"

namespace inferno::store {

// One debugger session as the debugger keeps it (its `record` is the debugger's own JSON:
// settings, prompt, every step's token and alternatives); the other fields are copies the
// store indexes and lists by. Ids are the debugger's (random, 128 bits), unique per data dir.
struct DebugSession {
  std::string id;
  std::string parent;    // the session a branch continues, or ""
  int branch_step = -1;  // generated tokens kept from the parent
  std::string model;
  std::string finish_reason;  // "" while running
  int steps = 0;              // generated tokens so far
  std::string record;         // serialized JSON object
  int64_t created_at = 0;
  int64_t updated_at = 0;
};

class DebugSessions {
 public:
  explicit DebugSessions(Database& db) : db_(db) {}

  // Inserts or replaces (keeping the first created_at).
  Status SaveDebugSession(const DebugSession& session);
  Result<DebugSession> GetDebugSession(const std::string& id);
  // Newest first, without `record`.
  Result<std::vector<DebugSession>> ListDebugSessions(int limit, int offset);
  // Deletes the session; its branches stay (their parent link then dangles, as in a
  // deleted folder's shortcut) so that a deletion never removes more than was asked.
  Status DeleteDebugSession(const std::string& id);

 private:
  Database& db_;
};

}  // namespace inferno::store
