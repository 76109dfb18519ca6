// Versioned schema migrations. Migration N (N = 1, 2, ...) is applied once, in its own
// transaction together with the row that records it in schema_version, so a crash leaves
// the database at the previous version or N and never in between. A database written by a newer
// Inferno (a version above the last one known here) is refused rather than guessed at.
//
// To change the schema, append a Migration to the list in migrations.cc; never edit one
// that has shipped.
#pragma once

#include <span>
#include <string_view>

#include "engine/util/status.h"

namespace SQLite {
class Database;
}

namespace inferno::store {

struct Migration {
  int version;                   // increasing from 1; each applies on top of the one before
  std::string_view description;  // recorded in schema_version
  std::string_view sql;          // one or more statements
};

// Every migration this build knows, in order.
std::span<const Migration> Migrations();

// The version recorded in `db` (0 for a new database).
Result<int> SchemaVersion(SQLite::Database& db);

// Brings `db` up to the last of `migrations`. `name` is used in messages (the file path).
Status Migrate(SQLite::Database& db, std::span<const Migration> migrations, std::string_view name);

}  // namespace inferno::store
