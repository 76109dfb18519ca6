// Test helpers that damage a database file as a bad disk or a stray write would. Header-only,
// for the store tests and the integration tests; not part of the store library.
#pragma once

#include <SQLiteCpp/SQLiteCpp.h>

#include <cstdint>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

namespace inferno::store::testing {

// The whole file, to show that nothing wrote into it.
inline std::string FileBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

inline void Overwrite(const std::string& path, int64_t offset, const std::string& bytes) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  f.seekp(offset);
  f.write(bytes.data(), std::streamsize(bytes.size()));
  if (!f) throw std::runtime_error("cannot overwrite " + path);
}

struct DamagedPage {
  int64_t page = 0;   // page number (1-based)
  int64_t cells = 0;  // rows that were on it
};

// Pages of `table` of one type ("leaf", "overflow") in key order, as dbstat walks the tree;
// `path_like` narrows them by their dbstat path.
inline std::vector<DamagedPage> PagesOf(const std::string& path, const std::string& table,
                                        const std::string& type, int64_t* page_size,
                                        const std::string& path_like = "%") {
  SQLite::Database db(path, SQLite::OPEN_READONLY);
  *page_size = db.execAndGet("PRAGMA page_size").getInt64();
  SQLite::Statement q(db,
                      "SELECT pageno, ncell FROM dbstat WHERE name = ? AND pagetype = ? AND "
                      "path LIKE ? ORDER BY path");
  q.bind(1, table);
  q.bind(2, type);
  q.bind(3, path_like);
  std::vector<DamagedPage> pages;
  while (q.executeStep()) pages.push_back({q.getColumn(0).getInt64(), q.getColumn(1).getInt64()});
  if (pages.size() < 3) throw std::runtime_error(table + " needs 3 " + type + " pages or more");
  return pages;
}

enum class Which { kMiddle, kLast };

// Overwrites the b-tree page header of a leaf page of `table` (the middle one, or the
// rightmost) with a page type that does not exist, so that SQLite reports the page
// malformed. The rows on that page are what a recovery must lose, and no more.
inline DamagedPage DamageLeafPage(const std::string& path, const std::string& table,
                                  Which which = Which::kMiddle) {
  int64_t page_size = 0;
  const std::vector<DamagedPage> leaves = PagesOf(path, table, "leaf", &page_size);
  const DamagedPage victim = which == Which::kLast ? leaves.back() : leaves[leaves.size() / 2];
  Overwrite(path, (victim.page - 1) * page_size, std::string(8, '\xff'));
  return victim;
}

// Points the first overflow page of a long row of `table` (one in the middle) at a page that
// does not exist, so that the rest of the row cannot be read: that one row becomes unreadable,
// its neighbours on the leaf do not. The rows need two overflow pages or more.
inline DamagedPage DamageOverflowPage(const std::string& path, const std::string& table) {
  int64_t page_size = 0;
  // dbstat names the first overflow page of a row <leaf path>+000000.
  const std::vector<DamagedPage> pages = PagesOf(path, table, "overflow", &page_size, "%+000000");
  const DamagedPage victim = pages[pages.size() / 2];
  Overwrite(path, (victim.page - 1) * page_size, std::string(4, '\xff'));
  return victim;
}

// Overwrites the header string ("SQLite format 3"): the file is then no database at all.
inline void DamageHeader(const std::string& path) { Overwrite(path, 0, "Not a database!"); }

}  // namespace inferno::store::testing
