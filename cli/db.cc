// `inferno db check` and `inferno db recover OUT`: what is still readable in a damaged
// inferno.db, and a new database holding every row that is (store/recover.h). Neither writes
// into the database it reads.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <memory>

#include "cli/bench_suite.h"
#include "cli/commands.h"
#include "store/recover.h"

namespace inferno::cli {
namespace {

struct DbOptions {
  std::string data_dir;
  std::string db;   // a database file, instead of <data-dir>/inferno.db
  std::string out;  // recover: the new file
};

std::string DatabasePath(const DbOptions& o) {
  if (!o.db.empty()) return o.db;
  return (o.data_dir.empty() ? DefaultDataDir() : o.data_dir) + "/inferno.db";
}

void PrintTables(const std::vector<store::TableScan>& tables) {
  for (const store::TableScan& t : tables) fmt::print("  {}\n", store::Describe(t));
}

// Exit code: 0 sound, 1 damaged, 2 cannot be opened.
int RunCheck(const DbOptions& o) {
  const std::string path = DatabasePath(o);
  Result<store::CheckReport> r = store::CheckDatabase(path);
  if (!r.ok()) {
    fmt::print(stderr, "error: {}\n", r.status().message());
    return 2;
  }
  fmt::print("{}: {}\n", path, r->ok() ? "ok" : "damaged");
  if (!r->ok()) {
    for (const std::string& line : r->problems) fmt::print("  {}\n", line);
  }
  fmt::print("readable rows:\n");
  PrintTables(r->tables);
  if (!r->ok()) {
    fmt::print("copy every readable row into a new file: inferno db recover {}.recovered --db {}\n",
               path, path);
  }
  return r->ok() ? 0 : 1;
}

// Exit code: 0 every row copied, 1 OUT written but rows were lost (or OUT fails its check),
// 2 nothing recovered (the database cannot be opened, OUT exists, a write failed).
int RunRecover(const DbOptions& o) {
  const std::string path = DatabasePath(o);
  Result<store::RecoverReport> r = store::RecoverDatabase(path, o.out);
  if (!r.ok()) {
    fmt::print(stderr, "error: {}\n", r.status().message());
    return 2;
  }
  fmt::print("recovered {} into {}:\n", path, o.out);
  PrintTables(r->tables);
  for (const std::string& note : r->notes) fmt::print("  {}\n", note);
  const bool sound = r->quick_check == std::vector<std::string>{"ok"};
  if (!sound) {
    fmt::print("quick_check of {} failed:\n", o.out);
    for (const std::string& line : r->quick_check) fmt::print("  {}\n", line);
  }
  fmt::print("{}\n", r->complete() ? "every row was copied."
                                   : "some rows could not be read; every other row was copied.");
  fmt::print("to use it: stop inferno, move {} aside, then move {} to {}\n", path, o.out, path);
  return r->complete() && sound ? 0 : 1;
}

void AddDatabaseOptions(CLI::App* cmd, DbOptions* o) {
  CLI::Option* dir = cmd->add_option("--data-dir", o->data_dir,
                                     "Data dir whose inferno.db to read (default: "
                                     "$INFERNO_DATA_DIR or ~/.local/share/inferno)");
  cmd->add_option("--db", o->db, "Database file to read instead")->excludes(dir);
}

}  // namespace

void AddDbCommand(CLI::App& root, int* exit_code) {
  auto o = std::make_shared<DbOptions>();
  CLI::App* db = root.add_subcommand("db", "Check a damaged database, or recover its rows");
  db->require_subcommand(1);

  CLI::App* check =
      db->add_subcommand("check",
                         "Full integrity check and the rows each table still has that can be read "
                         "(exit 0 ok, 1 damaged, 2 cannot open)");
  AddDatabaseOptions(check, o.get());
  check->callback([o, exit_code] { *exit_code = RunCheck(*o); });

  CLI::App* recover =
      db->add_subcommand("recover",
                         "Copy every readable row into a new database OUT (exit 0 all rows, 1 some "
                         "rows lost, 2 nothing recovered)");
  recover->add_option("OUT", o->out, "The new database file (must not exist)")->required();
  AddDatabaseOptions(recover, o.get());
  recover->callback([o, exit_code] { *exit_code = RunRecover(*o); });
}

}  // namespace inferno::cli
