// Damage to the database file: how the store notices it and what it tells the user.
//
// SQLite writing into a file whose b-tree is broken can spread the damage to pages that were
// still readable, so a damaged inferno.db is never written to: Store::Open checks an existing
// file read-only (quick_check) before it opens it for writing, and a statement that meets
// SQLITE_CORRUPT while serving turns the store read-only. `inferno db check` and
// `inferno db recover` (store/recover.h) are the way out, and every message says so.
#pragma once

#include <string>
#include <vector>

#include "engine/util/status.h"

namespace SQLite {
class Database;
}

namespace inferno::store {

// True for SQLite result codes (primary or extended) that mean the file is damaged or is not
// a database at all.
bool IsDamageCode(int sqlite_code);

// Runs `pragma` (quick_check or integrity_check, with its argument) on `db` and returns its
// report one problem a line ({"ok"} when sound), the damage that ended the check early
// (SQLITE_CORRUPT) as the last line. Other errors are thrown.
std::vector<std::string> CheckLines(SQLite::Database& db, const std::string& pragma);

// What SQLite's quick_check reports on the existing file `path`, at most `max_lines` lines:
// {"ok"} when it is sound. The file is opened read-only, so nothing is written into it. Damage
// met while opening or reading it (SQLITE_CORRUPT, SQLITE_NOTADB) is reported as a line too;
// any other failure (permissions, a lock held too long) is an IoError.
Result<std::vector<std::string>> QuickCheck(const std::string& path, int max_lines);

// The error for a damaged `path`: what is wrong (`problem`), that inferno will not write to
// it, and the commands that show and save what is still readable.
Status DamagedDatabase(const std::string& path, const std::string& problem);

}  // namespace inferno::store
