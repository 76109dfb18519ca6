// Debugger sessions kept in the SQLite store, so that they outlive the server: listed,
// exported and imported through /api/sessions, and branched from after a restart.
#pragma once

#include <boost/json.hpp>
#include <optional>
#include <string>

#include "server/debugger_protocol.h"
#include "server/debugger_store.h"
#include "store/store.h"

namespace inferno::server::debugger {

// The JSON form of a record, as stored and as exported:
// {id, model, parent, branch_step, request, prompt_tokens, prompt: [{id, text}], tokens,
//  finish_reason, steps: [{id, text, logit, prob, rank, entropy, top: [{id, text, logit, prob}]}],
//  owner_origin (when known)}.
// Token texts are the pieces' bytes made valid UTF-8.
boost::json::object RecordToJson(const SessionRecord& record);
// Checks every field; `generate` is rebuilt from `request` with the protocol's own parser.
Result<SessionRecord> RecordFromJson(const boost::json::value& value, const Limits& limits);

class SqliteSessionStore : public SessionStore {
 public:
  SqliteSessionStore(store::Store& store, Limits limits) : store_(store), limits_(limits) {}
  // A failed write is logged and dropped: the live session goes on regardless.
  void Save(const SessionRecord& record) override;
  std::optional<SessionRecord> Find(const std::string& id) const override;

 private:
  store::Store& store_;
  Limits limits_;
};

}  // namespace inferno::server::debugger
