// The store of a data dir: conversations with their messages, profiles, debugger sessions,
// benchmark runs, MCP servers and remote endpoints, each a small class over the one SQLite database
// (store/database.h: one connection, one mutex, the durability and damage rules). Store opens that
// database and offers every table's calls; code that needs one table can take just that class.
#pragma once

#include <memory>
#include <string>

#include "engine/util/status.h"
#include "store/api_responses.h"
#include "store/bench_runs.h"
#include "store/conversations.h"
#include "store/database.h"
#include "store/debug_sessions.h"
#include "store/mcp_servers.h"
#include "store/profiles.h"
#include "store/remote_endpoints.h"

namespace inferno::store {

namespace internal {
// Owns the database so that it is built before the tables that refer to it.
struct DatabaseOwner {
  std::unique_ptr<Database> database;
};
}  // namespace internal

class Store : private internal::DatabaseOwner,
              public Conversations,
              public Profiles,
              public DebugSessions,
              public BenchRuns,
              public ApiResponses,
              public McpServers,
              public RemoteEndpoints {
 public:
  // Opens (creating if missing, with parent directories) and migrates the database. An
  // existing file is checked first (quick_check, read-only): a damaged one is kCorruption
  // with what to do, and is left exactly as it was.
  static Result<std::unique_ptr<Store>> Open(const std::string& path);

  // "ok" or SQLite's list of problems.
  Result<std::string> IntegrityCheck() { return database->IntegrityCheck(); }
  Result<int> schema_version() { return database->schema_version(); }
  const std::string& path() const { return database->path(); }

 private:
  explicit Store(std::unique_ptr<Database> db);
};

}  // namespace inferno::store
