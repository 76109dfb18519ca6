#include "store/integrity.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <sqlite3.h>

#include <sstream>

namespace inferno::store {

bool IsDamageCode(int sqlite_code) {
  const int primary = sqlite_code & 0xff;
  return primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB;
}

std::vector<std::string> CheckLines(SQLite::Database& db, const std::string& pragma) {
  std::vector<std::string> lines;
  try {
    SQLite::Statement q(db, "PRAGMA " + pragma);
    while (q.executeStep()) {
      // One row can hold several lines; the "*** in database main ***" heading only matters
      // with attached databases.
      std::istringstream row(q.getColumn(0).getString());
      for (std::string line; std::getline(row, line);) {
        if (line.rfind("*** in database", 0) != 0) lines.push_back(line);
      }
    }
  } catch (const SQLite::Exception& e) {
    // A check that meets a page it cannot parse lists what it found, then fails.
    if (!IsDamageCode(e.getErrorCode())) throw;
    lines.push_back(e.what());
  }
  return lines;
}

Result<std::vector<std::string>> QuickCheck(const std::string& path, int max_lines) {
  constexpr int kBusyTimeoutMs = 5000;
  try {
    SQLite::Database db(path, SQLite::OPEN_READONLY, kBusyTimeoutMs);
    return CheckLines(db, "quick_check(" + std::to_string(max_lines) + ")");
  } catch (const SQLite::Exception& e) {
    if (IsDamageCode(e.getErrorCode())) return std::vector<std::string>{e.what()};
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
