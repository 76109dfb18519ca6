// `inferno db check` and `inferno db recover`: what can still be read from a damaged
// database, and a new database holding every row that could be.
//
// Both open the damaged file read-only. The tables are those of the current schema (the
// store's migrations); each is read in rowid order. When a page cannot be read, the reader
// seeks past it rowid by rowid, up to the largest rowid the table has handed out, so that
// one bad page loses only the rows on it and not the rest of the table.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "engine/util/status.h"

namespace inferno::store {

// What could be read from one table.
struct TableScan {
  std::string table;
  int64_t rows = 0;  // read (check) or copied (recover)
  // Rows that could not be read: single unreadable rows, plus every rowid of `skipped` (an
  // upper bound, since some of those rows may have been deleted before the damage).
  int64_t unreadable = 0;
  std::vector<std::pair<int64_t, int64_t>> skipped;  // rowid ranges on unreadable pages
  // Nothing past `skipped.back().first` could be read, and the table's largest rowid is
  // unknown, so neither is how many rows were lost.
  bool rest_unknown = false;
  int64_t rejected = 0;  // recover: rows read but refused by the new database
  bool missing = false;  // the file has no such table (empty, or from an older inferno)
  std::string error;     // the first error met, "" when none

  bool complete() const { return unreadable == 0 && !rest_unknown && rejected == 0; }
};

// One line for people: "messages: 280 rows, up to 20 unreadable (rowids 41-60)".
std::string Describe(const TableScan& scan);

struct CheckReport {
  std::vector<std::string> problems;  // what integrity_check reports; {"ok"} when sound
  std::vector<TableScan> tables;

  bool ok() const { return problems.size() == 1 && problems[0] == "ok"; }
};

// A full integrity_check of the existing database `path` and what each table of the schema
// has that can be read. NotFound when there is no such file, IoError when it cannot be opened.
Result<CheckReport> CheckDatabase(const std::string& path);

struct RecoverReport {
  std::vector<TableScan> tables;
  // Placeholder rows made for rows whose parent was lost ("2 conversations for messages
  // whose conversation was unreadable").
  std::vector<std::string> notes;
  std::vector<std::string> quick_check;  // of the new file; {"ok"} expected

  bool complete() const;  // every row of every table copied
};

// Creates `out` (AlreadyExists if there is a file there) at the current schema and copies into
// it every row of every table that can be read from `damaged`, keeping ids. Rows whose parent
// row was lost get a placeholder parent (a conversation for orphaned messages, a failed run for
// orphaned benchmark results), so that they can be found and deleted from the UI.
Result<RecoverReport> RecoverDatabase(const std::string& damaged, const std::string& out);

}  // namespace inferno::store
