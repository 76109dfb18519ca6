// Debugger sessions in the store: one row per session, the debugger's record kept as JSON.
#include "store/debug_sessions.h"

#include <SQLiteCpp/SQLiteCpp.h>

#include "store/timestamps.h"

namespace inferno::store {
namespace {

constexpr size_t kMaxRecordBytes = 64 << 20;  // a long session with top-100 per step

DebugSession RowToSession(SQLite::Statement& q, bool with_record) {
  DebugSession s;
  s.id = q.getColumn(0).getString();
  s.parent = q.getColumn(1).getString();
  s.branch_step = q.getColumn(2).getInt();
  s.model = q.getColumn(3).getString();
  s.finish_reason = q.getColumn(4).getString();
  s.steps = q.getColumn(5).getInt();
  s.created_at = q.getColumn(6).getInt64();
  s.updated_at = q.getColumn(7).getInt64();
  if (with_record) s.record = q.getColumn(8).getString();
  return s;
}

}  // namespace

Status DebugSessions::SaveDebugSession(const DebugSession& s) {
  if (s.id.empty() || s.id.size() > 128) {
    return Status::InvalidArgument("a debugger session needs an id of 1 to 128 bytes");
  }
  if (s.record.size() > kMaxRecordBytes) {
    return Status::OutOfRange("debugger session " + s.id + " is " +
                              std::to_string(s.record.size()) + " bytes; the store keeps " +
                              std::to_string(kMaxRecordBytes) + " at most");
  }
  std::lock_guard<std::mutex> lock(db_.mu());
  try {
    const int64_t now = db_.ActivityTime();
    SQLite::Statement q(db_.connection(),
                        "INSERT INTO debug_sessions (id, parent, branch_step, model, "
                        "finish_reason, steps, record, created_at, updated_at) VALUES "
                        "(?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET "
                        "parent = excluded.parent, branch_step = excluded.branch_step, "
                        "model = excluded.model, finish_reason = excluded.finish_reason, "
                        "steps = excluded.steps, record = excluded.record, "
                        "updated_at = excluded.updated_at");
    q.bind(1, s.id);
    q.bind(2, s.parent);
    q.bind(3, s.branch_step);
    q.bind(4, s.model);
    q.bind(5, s.finish_reason);
    q.bind(6, s.steps);
    q.bind(7, s.record);
    q.bind(8, s.created_at > 0 ? s.created_at : now);
    q.bind(9, now);
    q.exec();
    return Status::Ok();
  } catch (const std::exception& e) {
    return db_.Failed("saving debugger session " + s.id, e);
  }
}

Result<DebugSession> DebugSessions::GetDebugSession(const std::string& id) {
  std::lock_guard<std::mutex> lock(db_.mu());
  try {
    SQLite::Statement q(db_.connection(),
                        "SELECT id, parent, branch_step, model, finish_reason, steps, "
                        "created_at, updated_at, record FROM debug_sessions WHERE id = ?");
    q.bind(1, id);
    if (!q.executeStep()) return Status::NotFound("no debugger session '" + id + "'");
    return RowToSession(q, /*with_record=*/true);
  } catch (const std::exception& e) {
    return db_.Failed("reading debugger session " + id, e);
  }
}

Result<std::vector<DebugSession>> DebugSessions::ListDebugSessions(int limit, int offset) {
  std::lock_guard<std::mutex> lock(db_.mu());
  try {
    SQLite::Statement q(db_.connection(),
                        "SELECT id, parent, branch_step, model, finish_reason, steps, "
                        "created_at, updated_at FROM debug_sessions "
                        "ORDER BY updated_at DESC, id DESC LIMIT ? OFFSET ?");
    q.bind(1, limit);
    q.bind(2, offset);
    std::vector<DebugSession> out;
    while (q.executeStep()) out.push_back(RowToSession(q, /*with_record=*/false));
    return out;
  } catch (const std::exception& e) {
    return db_.Failed("listing debugger sessions", e);
  }
}

Status DebugSessions::DeleteDebugSession(const std::string& id) {
  std::lock_guard<std::mutex> lock(db_.mu());
  try {
    SQLite::Statement q(db_.connection(), "DELETE FROM debug_sessions WHERE id = ?");
    q.bind(1, id);
    if (q.exec() == 0) return Status::NotFound("no debugger session '" + id + "'");
    return Status::Ok();
  } catch (const std::exception& e) {
    return db_.Failed("deleting debugger session " + id, e);
  }
}

}  // namespace inferno::store
