#include "store/migrations.h"

#include <SQLiteCpp/SQLiteCpp.h>

#include <string>

#include "store/integrity.h"
#include "store/timestamps.h"

namespace inferno::store {
namespace {

// Times are INTEGER milliseconds since the epoch (UTC); JSON columns hold serialized
// objects. Ids come from AUTOINCREMENT so a deleted id is never handed out again (a
// stale link in a browser tab must not open someone else's conversation).
constexpr Migration kMigrations[] = {
    {1, "conversations, messages, profiles",
     R"sql(
CREATE TABLE conversations (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  title TEXT NOT NULL DEFAULT '',
  model TEXT NOT NULL DEFAULT '',
  system TEXT NOT NULL DEFAULT '',
  settings TEXT NOT NULL DEFAULT '{}',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX conversations_by_update ON conversations(updated_at DESC, id DESC);
CREATE TABLE messages (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
  role TEXT NOT NULL,
  content TEXT NOT NULL,
  model TEXT,
  metrics TEXT,
  created_at INTEGER NOT NULL
);
CREATE INDEX messages_by_conversation ON messages(conversation_id, id);
CREATE TABLE profiles (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL UNIQUE,
  model TEXT NOT NULL DEFAULT '',
  system TEXT NOT NULL DEFAULT '',
  settings TEXT NOT NULL DEFAULT '{}',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
)sql"},
    {2, "debugger sessions",
     R"sql(
CREATE TABLE debug_sessions (
  id TEXT PRIMARY KEY,
  parent TEXT NOT NULL DEFAULT '',
  branch_step INTEGER NOT NULL DEFAULT -1,
  model TEXT NOT NULL DEFAULT '',
  finish_reason TEXT NOT NULL DEFAULT '',
  steps INTEGER NOT NULL DEFAULT 0,
  record TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX debug_sessions_by_update ON debug_sessions(updated_at DESC);
CREATE INDEX debug_sessions_by_parent ON debug_sessions(parent);
)sql"},
    // Benchmark runs (server POST /bench and `inferno bench --suite`) and their result rows.
    // bench_results has exactly the columns of benchmarks/results.csv (docs/benchmarks.md);
    // a column appended to the CSV needs a migration appending it here.
    {3, "benchmark runs and results",
     R"sql(
CREATE TABLE bench_runs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  run_key TEXT NOT NULL,
  source TEXT NOT NULL DEFAULT 'server',
  status TEXT NOT NULL CHECK (status IN ('running', 'done', 'failed', 'cancelled')),
  error TEXT NOT NULL DEFAULT '',
  started_at INTEGER NOT NULL,
  finished_at INTEGER,
  hostname TEXT NOT NULL DEFAULT '',
  cpu_model TEXT NOT NULL DEFAULT '',
  cpu_flags TEXT NOT NULL DEFAULT '',
  isa TEXT NOT NULL DEFAULT '',
  cores INTEGER NOT NULL DEFAULT 0,
  threads INTEGER NOT NULL DEFAULT 0,
  models TEXT NOT NULL DEFAULT '[]',
  prompt_sizes TEXT NOT NULL DEFAULT '[]',
  repetitions INTEGER NOT NULL DEFAULT 0,
  generate_tokens INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX bench_runs_by_start ON bench_runs(started_at DESC, id DESC);
CREATE TABLE bench_results (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  bench_run_id INTEGER NOT NULL REFERENCES bench_runs(id) ON DELETE CASCADE,
  timestamp TEXT NOT NULL DEFAULT '',
  run_id TEXT NOT NULL DEFAULT '',
  hostname TEXT NOT NULL DEFAULT '',
  cpu_model TEXT NOT NULL DEFAULT '',
  cpu_flags TEXT NOT NULL DEFAULT '',
  isa TEXT NOT NULL DEFAULT '',
  cores INTEGER NOT NULL DEFAULT 0,
  threads INTEGER NOT NULL DEFAULT 0,
  model TEXT NOT NULL DEFAULT '',
  model_path TEXT NOT NULL DEFAULT '',
  architecture TEXT NOT NULL DEFAULT '',
  quant TEXT NOT NULL DEFAULT '',
  size_bytes REAL NOT NULL DEFAULT 0,
  params REAL NOT NULL DEFAULT 0,
  input_type TEXT NOT NULL DEFAULT 'text',
  prompt_tokens INTEGER NOT NULL DEFAULT 0,
  generated_tokens INTEGER NOT NULL DEFAULT 0,
  repetitions INTEGER NOT NULL DEFAULT 0,
  load_ms REAL NOT NULL DEFAULT 0,
  ttft_ms REAL NOT NULL DEFAULT 0,
  ttft_ms_sd REAL NOT NULL DEFAULT 0,
  prefill_tps REAL NOT NULL DEFAULT 0,
  prefill_tps_sd REAL NOT NULL DEFAULT 0,
  decode_tps REAL NOT NULL DEFAULT 0,
  decode_tps_sd REAL NOT NULL DEFAULT 0,
  total_ms REAL NOT NULL DEFAULT 0,
  total_ms_sd REAL NOT NULL DEFAULT 0,
  peak_rss_bytes REAL NOT NULL DEFAULT 0,
  cpu_seconds REAL NOT NULL DEFAULT 0,
  status TEXT NOT NULL DEFAULT 'ok',
  error TEXT NOT NULL DEFAULT ''
);
CREATE INDEX bench_results_by_run ON bench_results(bench_run_id, id);
)sql"},
    // A thinking model's reasoning, kept apart from the answer's content.
    {4, "reasoning of assistant messages", R"sql(
ALTER TABLE messages ADD COLUMN reasoning TEXT;
)sql"},
    // /v1/responses kept with store: true, for previous_response_id and item_reference; the
    // items of each (its input and output items, by their ids) are indexed apart.
    {5, "responses of the Responses API", R"sql(
CREATE TABLE api_responses (
  id TEXT PRIMARY KEY,
  previous_id TEXT NOT NULL DEFAULT '',
  model TEXT NOT NULL,
  input TEXT NOT NULL,
  response TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE TABLE api_response_items (
  id TEXT PRIMARY KEY,
  response_id TEXT NOT NULL REFERENCES api_responses(id) ON DELETE CASCADE,
  item TEXT NOT NULL
);
CREATE INDEX api_response_items_by_response ON api_response_items(response_id);
)sql"},
    // MCP servers of Settings → Tools (store/mcp_servers.h). headers is a JSON object, args a
    // JSON array of strings.
    {6, "MCP servers", R"sql(
CREATE TABLE mcp_servers (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL UNIQUE,
  transport TEXT NOT NULL CHECK (transport IN ('http', 'stdio')),
  url TEXT NOT NULL DEFAULT '',
  headers TEXT NOT NULL DEFAULT '{}',
  command TEXT NOT NULL DEFAULT '',
  args TEXT NOT NULL DEFAULT '[]',
  created_at INTEGER NOT NULL
);
)sql"},
    // Remote OpenAI-compatible endpoints of Settings → Remote endpoints
    // (store/remote_endpoints.h). api_key may be empty; it leaves the store only toward that
    // endpoint.
    {7, "remote endpoints", R"sql(
CREATE TABLE remote_endpoints (
  name TEXT PRIMARY KEY,
  url TEXT NOT NULL,
  api_key TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL
);
)sql"},
    // The images of conversation messages (store/message_images.h): the files as sent, in
    // the order they stood, going with their message.
    {8, "images of messages", R"sql(
CREATE TABLE message_images (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  message_id INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  mime TEXT NOT NULL,
  data BLOB NOT NULL
);
CREATE INDEX message_images_by_message ON message_images(message_id, position);
)sql"},
    // The image and audio categories of the benchmark suite: the columns appended to
    // benchmarks/results.csv (results/suite_row.h), appended here in the same order, and the
    // category of each run (its sizes are pixels or seconds rather than tokens).
    {9, "image and audio benchmark columns", R"sql(
ALTER TABLE bench_results ADD COLUMN mmproj_path TEXT NOT NULL DEFAULT '';
ALTER TABLE bench_results ADD COLUMN image_px INTEGER NOT NULL DEFAULT 0;
ALTER TABLE bench_results ADD COLUMN image_tokens INTEGER NOT NULL DEFAULT 0;
ALTER TABLE bench_results ADD COLUMN encoder_ms REAL NOT NULL DEFAULT 0;
ALTER TABLE bench_results ADD COLUMN encoder_ms_sd REAL NOT NULL DEFAULT 0;
ALTER TABLE bench_results ADD COLUMN audio_seconds REAL NOT NULL DEFAULT 0;
ALTER TABLE bench_results ADD COLUMN rtf REAL NOT NULL DEFAULT 0;
ALTER TABLE bench_results ADD COLUMN rtf_sd REAL NOT NULL DEFAULT 0;
ALTER TABLE bench_runs ADD COLUMN category TEXT NOT NULL DEFAULT 'text';
)sql"},
    // The load category of the benchmarks (a concurrency sweep against a server,
    // server/load_sweep.h): its columns appended to bench_results in the CSV's order, and each
    // run's concurrency levels.
    {10, "load sweep benchmark columns", R"sql(
ALTER TABLE bench_results ADD COLUMN concurrency INTEGER NOT NULL DEFAULT 0;
ALTER TABLE bench_results ADD COLUMN requests INTEGER NOT NULL DEFAULT 0;
ALTER TABLE bench_results ADD COLUMN failed_requests INTEGER NOT NULL DEFAULT 0;
ALTER TABLE bench_results ADD COLUMN ttft_p50_ms REAL NOT NULL DEFAULT 0;
ALTER TABLE bench_results ADD COLUMN ttft_p95_ms REAL NOT NULL DEFAULT 0;
ALTER TABLE bench_results ADD COLUMN ttft_p99_ms REAL NOT NULL DEFAULT 0;
ALTER TABLE bench_results ADD COLUMN latency_p50_ms REAL NOT NULL DEFAULT 0;
ALTER TABLE bench_results ADD COLUMN latency_p95_ms REAL NOT NULL DEFAULT 0;
ALTER TABLE bench_results ADD COLUMN latency_p99_ms REAL NOT NULL DEFAULT 0;
ALTER TABLE bench_results ADD COLUMN throughput_tps REAL NOT NULL DEFAULT 0;
ALTER TABLE bench_runs ADD COLUMN concurrency TEXT NOT NULL DEFAULT '[]';
)sql"},
};

Status TooNew(std::string_view name, int found, int known) {
  return Status::Unsupported(std::string(name) + ": the database has schema version " +
                             std::to_string(found) + " but this inferno knows versions up to " +
                             std::to_string(known) +
                             "; it was written by a newer inferno: upgrade, or use another "
                             "--data-dir");
}

}  // namespace

std::span<const Migration> Migrations() { return kMigrations; }

Result<int> SchemaVersion(SQLite::Database& db) {
  try {
    if (!db.tableExists("schema_version")) return 0;
    SQLite::Statement q(db, "SELECT COALESCE(MAX(version), 0) FROM schema_version");
    q.executeStep();
    return int(q.getColumn(0).getInt64());
  } catch (const SQLite::Exception& e) {
    const std::string what = std::string("reading the schema version: ") + e.what();
    return IsDamageCode(e.getErrorCode()) ? Status::Corruption(what) : Status::IoError(what);
  } catch (const std::exception& e) {
    return Status::IoError(std::string("reading the schema version: ") + e.what());
  }
}

Status Migrate(SQLite::Database& db, std::span<const Migration> migrations, std::string_view name) {
  const int known = migrations.empty() ? 0 : migrations.back().version;
  // Each migration applies on top of the one listed before it. The numbers increase but may
  // skip one while parallel branches are merged (each branch takes the number it was given).
  for (size_t i = 0; i < migrations.size(); ++i) {
    const Migration& m = migrations[i];
    const int previous = i == 0 ? 0 : migrations[i - 1].version;
    std::string where = std::string(name) + ": migration " + std::to_string(m.version) + " (" +
                        std::string(m.description) + ")";
    try {
      // IMMEDIATE takes the write lock first, so two processes opening the same new
      // database cannot both apply a migration; the loser re-reads the version inside.
      SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
      db.exec(
          "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, "
          "description TEXT NOT NULL, applied_at INTEGER NOT NULL)");
      Result<int> current = SchemaVersion(db);
      if (!current.ok()) return current.status();
      if (*current > known) {
        return TooNew(name, *current, known);
      }
      if (*current >= m.version) continue;  // the transaction rolls back: nothing written
      if (*current != previous) {
        return Status::Corruption(where + ": database is at version " + std::to_string(*current) +
                                  ", expected " + std::to_string(previous));
      }
      db.exec(std::string(m.sql));
      SQLite::Statement record(db, "INSERT INTO schema_version VALUES (?, ?, ?)");
      record.bind(1, m.version);
      record.bind(2, std::string(m.description));
      record.bind(3, NowMs());
      record.exec();
      tx.commit();
    } catch (const SQLite::Exception& e) {
      // Damage is not an I/O error: Store::Open explains what to do about it.
      if (IsDamageCode(e.getErrorCode())) return Status::Corruption(where + " failed: " + e.what());
      return Status::IoError(where + " failed: " + e.what());
    } catch (const std::exception& e) {
      return Status::IoError(where + " failed: " + e.what());
    }
  }
  // Also refuse a too-new database when every known migration was already applied.
  Result<int> current = SchemaVersion(db);
  if (!current.ok()) return current.status();
  if (*current > known) {
    return TooNew(name, *current, known);
  }
  return Status::Ok();
}

}  // namespace inferno::store
