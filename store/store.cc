#include "store/store.h"

namespace inferno::store {

Store::Store(std::unique_ptr<Database> db)
    : internal::DatabaseOwner{std::move(db)},
      Conversations(*database),
      Profiles(*database),
      DebugSessions(*database),
      BenchRuns(*database),
      ApiResponses(*database),
      McpServers(*database),
      RemoteEndpoints(*database) {}

Result<std::unique_ptr<Store>> Store::Open(const std::string& path) {
  Result<std::unique_ptr<Database>> db = Database::Open(path);
  if (!db.ok()) return db.status();
  return std::unique_ptr<Store>(new Store(std::move(*db)));
}

}  // namespace inferno::store
