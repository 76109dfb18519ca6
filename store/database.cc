#include "store/database.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <sqlite3.h>

#include <filesystem>

#include "store/integrity.h"
#include "store/migrations.h"
#include "store/timestamps.h"

namespace inferno::store {
namespace {

namespace fs = std::filesystem;

constexpr int kBusyTimeoutMs = 5000;
constexpr int kQuickCheckLines = 5;  // enough to say what is wrong; `db check` lists them all

// An existing database must pass quick_check before it is opened for writing: switching it
// to WAL or migrating it would write into a damaged file.
Status CheckExisting(const std::string& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) return Status::Ok();  // a new database
  Result<std::vector<std::string>> lines = QuickCheck(path, kQuickCheckLines);
  if (!lines.ok()) return lines.status();
  if (lines->size() == 1 && lines->front() == "ok") return Status::Ok();
  std::string problem = "quick_check: ";
  for (size_t i = 0; i < lines->size(); ++i) problem += (i ? "; " : "") + (*lines)[i];
  return DamagedDatabase(path, problem);
}

}  // namespace

Database::Database(std::string path, std::unique_ptr<SQLite::Database> db)
    : path_(std::move(path)), db_(std::move(db)) {}

Database::~Database() = default;

int64_t Database::ActivityTime() {
  last_activity_ = std::max(NowMs(), last_activity_ + 1);
  return last_activity_;
}

Result<std::unique_ptr<Database>> Database::Open(const std::string& path) {
  std::error_code ec;
  const fs::path parent = fs::path(path).parent_path();
  if (!parent.empty()) {
    fs::create_directories(parent, ec);
    if (ec) return Status::IoError("data dir " + parent.string() + ": " + ec.message());
  }
  INFERNO_RETURN_IF_ERROR(CheckExisting(path));
  try {
    auto db = std::make_unique<SQLite::Database>(
        path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE | SQLite::OPEN_FULLMUTEX,
        kBusyTimeoutMs);
    // WAL: readers never block the writer. synchronous=FULL: a commit is on disk before
    // the call returns, which is what a 201 promises.
    const std::string mode = db->execAndGet("PRAGMA journal_mode=WAL").getString();
    if (mode != "wal") {
      return Status::IoError(path + ": cannot switch the database to WAL mode (got '" + mode +
                             "')");
    }
    db->exec("PRAGMA synchronous=FULL");
    db->exec("PRAGMA foreign_keys=ON");
    Status migrated = Migrate(*db, Migrations(), path);
    if (migrated.code() == Status::Code::kCorruption) {
      return DamagedDatabase(path, migrated.message());
    }
    INFERNO_RETURN_IF_ERROR(migrated);
    auto database = std::unique_ptr<Database>(new Database(path, std::move(db)));
    database->last_activity_ =
        database->db_->execAndGet("SELECT COALESCE(MAX(updated_at), 0) FROM conversations")
            .getInt64();
    return database;
  } catch (const SQLite::Exception& e) {
    if (IsDamageCode(e.getErrorCode())) return DamagedDatabase(path, e.what());
    return Status::IoError(path + ": " + e.what());
  } catch (const std::exception& e) {
    return Status::IoError(path + ": " + e.what());
  }
}

Status Database::Failed(const std::string& doing, const std::exception& e) {
  const auto* sqlite_error = dynamic_cast<const SQLite::Exception*>(&e);
  if (damaged_.ok() && sqlite_error && IsDamageCode(sqlite_error->getErrorCode())) {
    damaged_ = DamagedDatabase(path_, std::string(e.what()) + ", met while " + doing);
    // From now on SQLite itself refuses every write on this connection, whichever method
    // tries; and closing it must not checkpoint the WAL into the damaged file either (the
    // WAL keeps those commits, where `db recover` reads them).
    try {
      db_->exec("PRAGMA query_only = ON");
    } catch (const std::exception&) {
      // Not expected; the flag below still keeps the WAL out of the file on close.
    }
    sqlite3_db_config(db_->getHandle(), SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, nullptr);
  }
  if (!damaged_.ok()) return damaged_;
  return Status::IoError(path_ + ": " + doing + ": " + e.what());
}

Result<int> Database::schema_version() {
  std::lock_guard<std::mutex> lock(mu_);
  return SchemaVersion(*db_);
}

Result<std::string> Database::IntegrityCheck() {
  std::lock_guard<std::mutex> lock(mu_);
  try {
    SQLite::Statement q(*db_, "PRAGMA integrity_check");
    std::string out;
    while (q.executeStep()) {
      if (!out.empty()) out += "\n";
      out += q.getColumn(0).getString();
    }
    return out;
  } catch (const std::exception& e) {
    return Failed("integrity check", e);
  }
}

}  // namespace inferno::store
