#include "store/recover.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <sqlite3.h>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <limits>
#include <optional>

#include "store/integrity.h"
#include "store/migrations.h"
#include "store/store.h"

namespace inferno::store {
namespace {

namespace fs = std::filesystem;

constexpr int kBusyTimeoutMs = 5000;

struct TableSchema {
  std::string name;
  std::vector<std::string> columns;
};

std::string Quote(const std::string& name) { return "\"" + name + "\""; }

std::vector<std::string> ColumnsOf(SQLite::Database& db, const std::string& table) {
  SQLite::Statement q(db, "SELECT name FROM pragma_table_info(?) ORDER BY cid");
  q.bind(1, table);
  std::vector<std::string> out;
  while (q.executeStep()) out.push_back(q.getColumn(0).getString());
  return out;
}

// The tables of the current schema, in the order the migrations create them (parents before
// the rows that point at them), read from a migrated in-memory database so that a table a
// new migration adds is checked and recovered without a list to update here.
Result<std::vector<TableSchema>> CurrentTables() {
  try {
    SQLite::Database db(":memory:", SQLite::OPEN_READWRITE);
    INFERNO_RETURN_IF_ERROR(Migrate(db, Migrations(), ":memory:"));
    SQLite::Statement q(db,
                        "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE "
                        "'sqlite_%' AND name != 'schema_version' ORDER BY rootpage");
    std::vector<TableSchema> out;
    while (q.executeStep()) out.push_back({q.getColumn(0).getString(), {}});
    for (TableSchema& t : out) t.columns = ColumnsOf(db, t.name);
    return out;
  } catch (const std::exception& e) {
    return Status::IoError(std::string("building the current schema: ") + e.what());
  }
}

void Note(TableScan* scan, const std::string& error) {
  if (scan->error.empty()) scan->error = error;
}

// Called with a statement positioned on a readable row: column 0 is the rowid, then the
// table's columns. Returns false when it could not use the row (recover: insert refused).
using RowFn = std::function<bool(SQLite::Statement&)>;

// Reads one table of the damaged database, stepping over what cannot be read.
class TableReader {
 public:
  TableReader(SQLite::Database& db, const std::string& table,
              const std::vector<std::string>& columns)
      : db_(db), table_(table), select_("SELECT rowid") {
    for (const std::string& c : columns) select_ += ", " + Quote(c);
    select_ += " FROM " + Quote(table) + " WHERE rowid ";
  }

  void Run(const RowFn& fn, TableScan* scan);

 private:
  bool ReadFrom(int64_t from, const RowFn& fn, TableScan* scan, std::optional<int64_t>* last);
  void ReadOne(int64_t rowid, const RowFn& fn, TableScan* scan);
  Result<std::optional<int64_t>> FirstRowidFrom(int64_t from);
  std::optional<int64_t> NextSeekable(int64_t from, int64_t largest);
  std::optional<int64_t> LargestRowid();
  void Use(SQLite::Statement& row, const RowFn& fn, TableScan* scan);

  SQLite::Database& db_;
  std::string table_;
  std::string select_;
};

void TableReader::Use(SQLite::Statement& row, const RowFn& fn, TableScan* scan) {
  if (fn(row)) {
    ++scan->rows;
  } else {
    ++scan->rejected;
  }
}

// Reads rows with rowid >= from in order: true at the end of the table, false when a read
// fails. *last is the last rowid read.
bool TableReader::ReadFrom(int64_t from, const RowFn& fn, TableScan* scan,
                           std::optional<int64_t>* last) {
  try {
    SQLite::Statement q(db_, select_ + ">= ? ORDER BY rowid");
    q.bind(1, from);
    while (q.executeStep()) {
      *last = q.getColumn(0).getInt64();
      Use(q, fn, scan);
    }
    return true;
  } catch (const std::exception& e) {
    Note(scan, e.what());
    return false;
  }
}

void TableReader::ReadOne(int64_t rowid, const RowFn& fn, TableScan* scan) {
  try {
    SQLite::Statement q(db_, select_ + "= ?");
    q.bind(1, rowid);
    if (q.executeStep()) Use(q, fn, scan);
  } catch (const std::exception& e) {
    Note(scan, e.what());
    ++scan->unreadable;
  }
}

// The first rowid >= from (nullopt past the end); an error when the page that would hold
// `from` cannot be read. Reads only the b-tree keys, not the rows.
Result<std::optional<int64_t>> TableReader::FirstRowidFrom(int64_t from) {
  try {
    SQLite::Statement q(
        db_, "SELECT rowid FROM " + Quote(table_) + " WHERE rowid >= ? ORDER BY rowid LIMIT 1");
    q.bind(1, from);
    if (!q.executeStep()) return std::optional<int64_t>();
    return std::optional<int64_t>(q.getColumn(0).getInt64());
  } catch (const std::exception& e) {
    return Status::Corruption(e.what());
  }
}

// The first rowid after `from`, up to `largest`, that can be sought: where the pages that
// can be read begin again. One seek per rowid: slow only for a large unreadable range, and
// it never steps over a readable row between two bad pages.
std::optional<int64_t> TableReader::NextSeekable(int64_t from, int64_t largest) {
  for (int64_t q = from + 1; q <= largest; ++q) {
    if (FirstRowidFrom(q).ok()) return q;
  }
  return std::nullopt;
}

// The largest rowid the table has handed out (sqlite_sequence, for AUTOINCREMENT tables) or
// holds (its rightmost page); nullopt when neither can be read.
std::optional<int64_t> TableReader::LargestRowid() {
  std::optional<int64_t> largest;
  try {
    SQLite::Statement q(db_, "SELECT seq FROM sqlite_sequence WHERE name = ?");
    q.bind(1, table_);
    if (q.executeStep()) largest = q.getColumn(0).getInt64();
  } catch (const std::exception&) {
    // No sequence (a table without AUTOINCREMENT), or its page is damaged.
  }
  try {
    SQLite::Statement q(db_, "SELECT max(rowid) FROM " + Quote(table_));
    if (q.executeStep() && !q.getColumn(0).isNull()) {
      largest = std::max(largest.value_or(0), q.getColumn(0).getInt64());
    }
  } catch (const std::exception&) {
    // The rightmost page is damaged.
  }
  return largest;
}

void TableReader::Run(const RowFn& fn, TableScan* scan) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  const std::optional<int64_t> largest = LargestRowid();
  int64_t next = std::numeric_limits<int64_t>::min();
  while (true) {
    std::optional<int64_t> last;
    if (ReadFrom(next, fn, scan, &last) || last == kMax) return;
    // The store's rowids start at 1: a table unreadable from its start resumes there.
    const int64_t from = last ? *last + 1 : std::max<int64_t>(next, 1);
    Result<std::optional<int64_t>> at = FirstRowidFrom(from);
    if (at.ok()) {
      // The page can be sought, so one row is unreadable (say, its overflow page): that row
      // alone is tried again, and lost if it fails again.
      if (!*at || **at == kMax) return;
      ReadOne(**at, fn, scan);
      next = **at + 1;
      continue;
    }
    if (!largest) {  // no bound to seek up to: the rest of the table is lost
      scan->skipped.push_back({from, kMax});
      scan->rest_unknown = true;
      return;
    }
    if (*largest < from) return;  // no row was ever put past the failure
    std::optional<int64_t> resume = NextSeekable(from, *largest);
    if (!resume) {
      scan->skipped.push_back({from, *largest});
      scan->unreadable += *largest - from + 1;
      return;
    }
    scan->skipped.push_back({from, *resume - 1});
    scan->unreadable += *resume - from;
    next = *resume;
  }
}

// Scans `table` of `db` (read-only) with the columns both it and the current schema have.
TableScan ScanTable(SQLite::Database& db, const TableSchema& schema, const RowFn& fn) {
  TableScan scan;
  scan.table = schema.name;
  std::vector<std::string> columns;
  try {
    const std::vector<std::string> present = ColumnsOf(db, schema.name);
    if (present.empty()) {
      scan.missing = true;
      return scan;
    }
    for (const std::string& c : schema.columns) {
      if (std::find(present.begin(), present.end(), c) != present.end()) columns.push_back(c);
    }
  } catch (const std::exception& e) {
    // The schema page itself is unreadable: nothing of the table can be found.
    scan.error = e.what();
    scan.rest_unknown = true;
    return scan;
  }
  TableReader(db, schema.name, columns).Run(fn, &scan);
  return scan;
}

// Inserts rows read from the damaged file into one table of the new one. A row the new file
// refuses (say, a profile name that a damaged index let in twice) is counted, not fatal.
class RowCopier {
 public:
  RowCopier(SQLite::Database& dst, std::string table) : dst_(dst), table_(std::move(table)) {}

  // `row`: the rowid, then the columns to copy, named as in the table.
  bool Copy(SQLite::Statement& row) {
    try {
      if (!insert_) Prepare(row);
      for (int i = 1; i < row.getColumnCount(); ++i) Bind(i, row.getColumn(i));
      insert_->exec();
      insert_->reset();
      return true;
    } catch (const std::exception& e) {
      if (insert_) insert_->tryReset();
      if (error_.empty()) error_ = e.what();
      return false;
    }
  }
  const std::string& error() const { return error_; }

 private:
  void Prepare(const SQLite::Statement& row) {
    std::string names, params;
    for (int i = 1; i < row.getColumnCount(); ++i) {
      names += (i > 1 ? ", " : "") + Quote(row.getColumnName(i));
      params += i > 1 ? ", ?" : "?";
    }
    insert_.emplace(dst_,
                    "INSERT INTO " + Quote(table_) + " (" + names + ") VALUES (" + params + ")");
  }
  // Values keep their SQLite type (an integer stays an integer, a blob a blob).
  void Bind(int index, const SQLite::Column& c) {
    switch (c.getType()) {
      case SQLITE_INTEGER:
        insert_->bind(index, c.getInt64());
        break;
      case SQLITE_FLOAT:
        insert_->bind(index, c.getDouble());
        break;
      case SQLITE_BLOB:
        insert_->bind(index, c.getBlob(), c.getBytes());
        break;
      case SQLITE_NULL:
        insert_->bind(index);
        break;
      default:
        insert_->bind(index, c.getString());
    }
  }

  SQLite::Database& dst_;
  std::string table_;
  std::optional<SQLite::Statement> insert_;
  std::string error_;
};

TableScan CopyTable(SQLite::Database& src, SQLite::Database& dst, const TableSchema& t) {
  RowCopier copier(dst, t.name);
  TableScan scan =
      ScanTable(src, t, [&copier](SQLite::Statement& row) { return copier.Copy(row); });
  if (scan.error.empty()) scan.error = copier.error();
  return scan;
}

// Rows whose parent row was lost get a placeholder parent: the store's foreign keys expect
// one, and the UI lists conversations and runs, not loose messages or results.
struct Adoption {
  const char* what;
  const char* sql;
};
constexpr Adoption kAdoptions[] = {
    {"conversations made for messages whose conversation was unreadable",
     "INSERT INTO conversations (id, title, created_at, updated_at) SELECT conversation_id, "
     "'Recovered messages (conversation ' || conversation_id || ' was unreadable)', "
     "MIN(created_at), MAX(created_at) FROM messages WHERE conversation_id NOT IN (SELECT id "
     "FROM conversations) GROUP BY conversation_id"},
    {"benchmark runs made for results whose run was unreadable",
     "INSERT INTO bench_runs (id, run_key, status, error, started_at) SELECT bench_run_id, '', "
     "'failed', 'this run was unreadable in a damaged database; its results were recovered', 0 "
     "FROM bench_results WHERE bench_run_id NOT IN (SELECT id FROM bench_runs) GROUP BY "
     "bench_run_id"},
};

std::vector<std::string> AdoptOrphans(SQLite::Database& dst) {
  std::vector<std::string> notes;
  for (const Adoption& a : kAdoptions) {
    if (int n = dst.exec(a.sql); n > 0) notes.push_back(std::to_string(n) + " " + a.what);
  }
  return notes;
}

// Ids are never handed out twice (migrations.cc): the new file's sequences continue from the
// damaged file's, even where the rows with the largest ids were lost.
void KeepSequences(SQLite::Database& src, SQLite::Database& dst) {
  try {
    SQLite::Statement q(src, "SELECT name, seq FROM sqlite_sequence");
    while (q.executeStep()) {
      const std::string name = q.getColumn(0).getString();
      if (!dst.tableExists(name)) continue;
      SQLite::Statement up(dst, "UPDATE sqlite_sequence SET seq = MAX(seq, ?) WHERE name = ?");
      up.bind(1, q.getColumn(1).getInt64());
      up.bind(2, name);
      if (up.exec() > 0) continue;
      SQLite::Statement add(dst, "INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)");
      add.bind(1, name);
      add.bind(2, q.getColumn(1).getInt64());
      add.exec();
    }
  } catch (const std::exception&) {
    // Unreadable: the sequences then continue after the largest id copied.
  }
}

RecoverReport CopyAll(SQLite::Database& src, SQLite::Database& dst,
                      const std::vector<TableSchema>& tables) {
  RecoverReport report;
  // Off, so that a message whose conversation was lost is still copied (and then adopted).
  dst.exec("PRAGMA foreign_keys = OFF");
  SQLite::Transaction tx(dst);
  for (const TableSchema& t : tables) report.tables.push_back(CopyTable(src, dst, t));
  report.notes = AdoptOrphans(dst);
  KeepSequences(src, dst);
  tx.commit();
  report.quick_check = CheckLines(dst, "quick_check");
  return report;
}

}  // namespace

std::string Describe(const TableScan& s) {
  if (s.missing) return s.table + ": not in this file (an empty one, or from an older inferno)";
  std::string out = s.table + ": " + std::to_string(s.rows) + (s.rows == 1 ? " row" : " rows");
  if (s.rest_unknown) {
    out += s.skipped.empty() ? ", the table is unreadable"
                             : ", unreadable from rowid " + std::to_string(s.skipped.back().first);
    out += " (how many rows were lost is unknown)";
  } else if (s.unreadable > 0) {
    out += ", up to " + std::to_string(s.unreadable) + " unreadable";
    std::string ranges;
    for (const auto& [first, last] : s.skipped) {
      ranges += (ranges.empty() ? "" : ", ") + std::to_string(first) +
                (first == last ? "" : "-" + std::to_string(last));
    }
    if (!ranges.empty()) out += " (rowids " + ranges + ")";
  }
  if (s.rejected > 0) out += ", " + std::to_string(s.rejected) + " refused by the new file";
  if (!s.error.empty() && !s.complete()) out += "; first error: " + s.error;
  return out;
}

Result<CheckReport> CheckDatabase(const std::string& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) return Status::NotFound(path + ": no such file");
  Result<std::vector<TableSchema>> tables = CurrentTables();
  if (!tables.ok()) return tables.status();
  try {
    SQLite::Database db(path, SQLite::OPEN_READONLY, kBusyTimeoutMs);
    CheckReport report;
    report.problems = CheckLines(db, "integrity_check");
    for (const TableSchema& t : *tables) {
      report.tables.push_back(ScanTable(db, t, [](SQLite::Statement&) { return true; }));
    }
    return report;
  } catch (const std::exception& e) {
    return Status::IoError(path + ": " + e.what());
  }
}

bool RecoverReport::complete() const {
  return std::all_of(tables.begin(), tables.end(), [](const TableScan& t) { return t.complete(); });
}

Result<RecoverReport> RecoverDatabase(const std::string& damaged, const std::string& out) {
  std::error_code ec;
  if (!fs::exists(damaged, ec)) return Status::NotFound(damaged + ": no such file");
  if (fs::exists(out, ec)) {
    return Status::AlreadyExists(out +
                                 " already exists; recover writes a new file and never "
                                 "overwrites one: name another, or move it away");
  }
  Result<std::vector<TableSchema>> tables = CurrentTables();
  if (!tables.ok()) return tables.status();
  // The new file is made as the store makes its own: WAL, then every migration.
  Result<std::unique_ptr<Store>> created = Store::Open(out);
  if (!created.ok()) return created.status();
  created->reset();
  try {
    SQLite::Database src(damaged, SQLite::OPEN_READONLY, kBusyTimeoutMs);
    SQLite::Database dst(out, SQLite::OPEN_READWRITE, kBusyTimeoutMs);
    return CopyAll(src, dst, *tables);
  } catch (const std::exception& e) {
    return Status::IoError("recovering " + damaged + " into " + out + ": " + e.what() +
                           " (remove " + out + " before trying again)");
  }
}

}  // namespace inferno::store
