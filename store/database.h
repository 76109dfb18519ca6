// The one SQLite database of a data dir (WAL): one connection, and the one mutex that
// serialises every table's statements on it. The tables (store/conversations.h,
// profiles.h, debug_sessions.h, bench_runs.h) each hold a reference to it.
//
// Every write is one transaction committed with synchronous=FULL before the call returns,
// so a successful return survives a kill -9 of the process (and a power cut). One connection
// behind a mutex serves all server threads: the store is a local workbench's history, and
// SQLite itself allows one writer at a time anyway.
//
// A damaged file is kCorruption (store/integrity.h): Open refuses it without writing to it,
// and once a statement meets a damaged page nothing more is written (reads of the pages
// that are still sound keep working), so that the damage does not spread.
#pragma once

#include <cstdint>
#include <exception>
#include <memory>
#include <mutex>
#include <string>

#include "engine/util/status.h"

namespace SQLite {
class Database;
}

namespace inferno::store {

class Database {
 public:
  // Opens (creating if missing, with parent directories) and migrates the database. An
  // existing file is checked first (quick_check, read-only): a damaged one is kCorruption
  // with what to do, and is left exactly as it was.
  static Result<std::unique_ptr<Database>> Open(const std::string& path);
  ~Database();

  // Held around every statement; the accessors below need it held.
  std::mutex& mu() { return mu_; }
  SQLite::Database& connection() { return *db_; }
  // The wall clock, but strictly increasing across calls, so "newest first" never ties
  // between two writes in the same millisecond.
  int64_t ActivityTime();
  // The status for a statement that threw while `doing`: once SQLite reports damage (or has
  // before), kCorruption, and the connection is made read-only; else kIoError.
  Status Failed(const std::string& doing, const std::exception& e);

  // "ok" or SQLite's list of problems (takes the mutex).
  Result<std::string> IntegrityCheck();
  Result<int> schema_version();
  const std::string& path() const { return path_; }

 private:
  Database(std::string path, std::unique_ptr<SQLite::Database> db);

  std::string path_;
  std::unique_ptr<SQLite::Database> db_;
  std::mutex mu_;
  int64_t last_activity_ = 0;
  Status damaged_;  // not ok once a statement met a damaged page
};

}  // namespace inferno::store
