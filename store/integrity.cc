#include "store/integrity.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <sqlite3.h>

namespace inferno::store {

bool IsDamageCode(int sqlite_code) {
  const int primary = sqlite_code & 0xff;
  return primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB;
}

Result<std::vector<std::string>> QuickCheck(const std::string& path, int max_lines) {
  constexpr int kBusyTimeoutMs = 5000;
  std::vector<std::string> lines;
  try {
    SQLite::Database db(path, SQLite::OPEN_READONLY, kBusyTimeoutMs);
    SQLite::Statement q(db, "PRAGMA quick_check(" + std::to_string(max_lines) + ")");
    while (q.executeStep()) lines.push_back(q.getColumn(0).getString());
    return lines;
  } catch (const SQLite::Exception& e) {
    // The check itself ends with SQLITE_CORRUPT after listing what it found.
    if (IsDamageCode(e.getErrorCode())) {
      lines.push_back(e.what());
      return lines;
    }
    return Status::IoError(path + ": " + e.what());
  } catch (const std::exception& e) {
    return Status::IoError(path + ": " + e.what());
  }
}

Status DamagedDatabase(const std::string& path, const std::string& problem) {
  return Status::Corruption(
      path + " is damaged (" + problem +
      "); inferno will not write to it. See what is still readable with `inferno db check --db " +
      path + "`; copy every readable row into a new file with `inferno db recover " + path +
      ".recovered --db " + path +
      "`, then, with inferno stopped, move the damaged file aside and the recovered one to " +
      path + "; or move " + path + " away to start with an empty database.");
}

}  // namespace inferno::store
