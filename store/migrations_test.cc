#include "store/migrations.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>

#include <vector>

#include "bench/results_csv.h"

namespace inferno::store {
namespace {

SQLite::Database Memory() { return SQLite::Database(":memory:", SQLite::OPEN_READWRITE); }

// The shipped list is numbered 1, 2, 3, ... without gaps (the runner would accept a gap, see
// below, but a release never ships one: a gap means a migration got lost in a merge).
TEST(Migrations, AreNumberedInOrderWithoutGaps) {
  int expected = 1;
  for (const Migration& m : Migrations()) EXPECT_EQ(m.version, expected++);
  EXPECT_GE(Migrations().size(), 1u);
}

TEST(Migrations, ANumberSkippedInTheListIsNotExpectedInTheDatabase) {
  SQLite::Database db = Memory();
  const std::vector<Migration> list = {{1, "a", "CREATE TABLE a (x INTEGER);"},
                                       {3, "c", "ALTER TABLE a ADD COLUMN z TEXT;"}};
  ASSERT_TRUE(Migrate(db, {list.data(), 1}, "mem").ok());
  ASSERT_TRUE(Migrate(db, list, "mem").ok());
  EXPECT_EQ(*SchemaVersion(db), 3);
  // A database at a version the list does not hold before 3 is refused, not patched up.
  SQLite::Database other = Memory();
  const std::vector<Migration> two = {list[0], {2, "b", "CREATE TABLE b (y INTEGER);"}};
  ASSERT_TRUE(Migrate(other, two, "mem").ok());
  const std::vector<Migration> three = {list[0],
                                        {3, "c", "ALTER TABLE a ADD COLUMN z TEXT;"},
                                        {4, "d", "CREATE TABLE d (w INTEGER);"}};
  EXPECT_FALSE(Migrate(other, three, "mem").ok());
}

TEST(Migrations, NewDatabaseGetsEveryMigrationOnceAndRecordsIt) {
  SQLite::Database db = Memory();
  EXPECT_EQ(*SchemaVersion(db), 0);
  ASSERT_TRUE(Migrate(db, Migrations(), "mem").ok());
  EXPECT_EQ(*SchemaVersion(db), Migrations().back().version);
  EXPECT_TRUE(db.tableExists("conversations"));
  EXPECT_TRUE(db.tableExists("messages"));
  EXPECT_TRUE(db.tableExists("profiles"));
  // Running again is a no-op.
  ASSERT_TRUE(Migrate(db, Migrations(), "mem").ok());
  EXPECT_EQ(db.execAndGet("SELECT COUNT(*) FROM schema_version").getInt64(),
            int64_t(Migrations().size()));
}

TEST(Migrations, LaterMigrationsApplyOnTopOfEarlierOnes) {
  SQLite::Database db = Memory();
  const std::vector<Migration> v1 = {{1, "a", "CREATE TABLE a (x INTEGER);"}};
  const std::vector<Migration> v2 = {v1[0], {2, "b", "ALTER TABLE a ADD COLUMN y TEXT;"}};
  ASSERT_TRUE(Migrate(db, v1, "mem").ok());
  db.exec("INSERT INTO a (x) VALUES (7)");
  ASSERT_TRUE(Migrate(db, v2, "mem").ok());
  EXPECT_EQ(*SchemaVersion(db), 2);
  EXPECT_EQ(db.execAndGet("SELECT x FROM a WHERE y IS NULL").getInt64(), 7);
}

TEST(Migrations, AFailingMigrationLeavesThePreviousVersionIntact) {
  SQLite::Database db = Memory();
  const std::vector<Migration> list = {
      {1, "a", "CREATE TABLE a (x INTEGER);"},
      // The first statement succeeds, the second fails: both must be rolled back.
      {2, "broken", "CREATE TABLE b (y INTEGER); INSERT INTO nowhere VALUES (1);"}};
  Status st = Migrate(db, list, "test.db");
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("test.db: migration 2 (broken) failed"), std::string::npos)
      << st.message();
  EXPECT_EQ(*SchemaVersion(db), 1);
  EXPECT_TRUE(db.tableExists("a"));
  EXPECT_FALSE(db.tableExists("b"));
}

TEST(Migrations, RefusesADatabaseFromANewerInferno) {
  SQLite::Database db = Memory();
  ASSERT_TRUE(Migrate(db, Migrations(), "mem").ok());
  const int future = Migrations().back().version + 1;
  db.exec("INSERT INTO schema_version VALUES (" + std::to_string(future) + ", 'future', 0)");
  Status st = Migrate(db, Migrations(), "inferno.db");
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), Status::Code::kUnsupported);
  EXPECT_NE(
      st.message().find("inferno.db: the database has schema version " + std::to_string(future)),
      std::string::npos)
      << st.message();
  EXPECT_NE(st.message().find("newer inferno"), std::string::npos);
}

std::vector<std::string> TableColumns(SQLite::Database& db, const std::string& table) {
  std::vector<std::string> cols;
  SQLite::Statement q(db, "PRAGMA table_info(" + table + ")");
  while (q.executeStep()) cols.push_back(q.getColumn(1).getString());
  return cols;
}

TEST(Migrations, FreshDatabaseHasBenchTablesWithTheCsvColumns) {
  SQLite::Database db = Memory();
  ASSERT_TRUE(Migrate(db, Migrations(), "mem").ok());
  EXPECT_GE(*SchemaVersion(db), 3);
  ASSERT_TRUE(db.tableExists("bench_runs"));
  ASSERT_TRUE(db.tableExists("bench_results"));
  // The history keeps exactly the CSV's columns: a column appended to results.csv without a
  // migration appending it here fails this test.
  std::vector<std::string> cols = TableColumns(db, "bench_results");
  ASSERT_GE(cols.size(), 2u);
  EXPECT_EQ(cols[0], "id");
  EXPECT_EQ(cols[1], "bench_run_id");
  cols.erase(cols.begin(), cols.begin() + 2);
  EXPECT_EQ(cols, bench::SuiteColumns());
  // The status is constrained to the four states.
  EXPECT_THROW(db.exec("INSERT INTO bench_runs (run_key, status, started_at) VALUES "
                       "('k', 'paused', 1)"),
               SQLite::Exception);
}

TEST(Migrations, VersionTwoDatabaseUpgradesKeepingItsData) {
  SQLite::Database db = Memory();
  const std::vector<Migration> v2(Migrations().begin(), Migrations().begin() + 2);
  ASSERT_TRUE(Migrate(db, v2, "old.db").ok());
  ASSERT_EQ(*SchemaVersion(db), 2);
  EXPECT_FALSE(db.tableExists("bench_runs"));
  db.exec("INSERT INTO conversations (title, created_at, updated_at) VALUES ('kept', 1, 2)");
  db.exec(
      "INSERT INTO debug_sessions (id, record, created_at, updated_at) VALUES ('s1', '{}', 1, "
      "1)");
  ASSERT_TRUE(Migrate(db, Migrations(), "old.db").ok());
  EXPECT_EQ(*SchemaVersion(db), Migrations().back().version);
  EXPECT_TRUE(db.tableExists("bench_runs"));
  EXPECT_TRUE(db.tableExists("bench_results"));
  EXPECT_EQ(db.execAndGet("SELECT title FROM conversations").getString(), "kept");
  EXPECT_EQ(db.execAndGet("SELECT COUNT(*) FROM debug_sessions").getInt64(), 1);
  EXPECT_EQ(db.execAndGet("SELECT description FROM schema_version WHERE version = 3").getString(),
            "benchmark runs and results");
}

// A history written before the image and audio columns: its rows keep their values and read
// back with the new columns at their defaults, and new rows hold the new columns.
TEST(Migrations, BenchResultsGainTheMediaColumnsKeepingOldRows) {
  SQLite::Database db = Memory();
  const std::vector<Migration> v7(Migrations().begin(), Migrations().begin() + 7);
  ASSERT_TRUE(Migrate(db, v7, "old.db").ok());
  db.exec("INSERT INTO bench_runs (run_key, status, started_at) VALUES ('k', 'done', 1)");
  db.exec(
      "INSERT INTO bench_results (bench_run_id, model, input_type, decode_tps) VALUES (1, 'old', "
      "'text', 42.5)");
  ASSERT_TRUE(Migrate(db, Migrations(), "old.db").ok());
  EXPECT_EQ(db.execAndGet("SELECT description FROM schema_version WHERE version = 9").getString(),
            "image and audio benchmark columns");
  EXPECT_EQ(db.execAndGet("SELECT decode_tps FROM bench_results WHERE model = 'old'").getDouble(),
            42.5);
  EXPECT_EQ(db.execAndGet("SELECT image_tokens FROM bench_results WHERE model = 'old'").getInt(),
            0);
  EXPECT_EQ(db.execAndGet("SELECT rtf FROM bench_results WHERE model = 'old'").getDouble(), 0.0);
  db.exec(
      "INSERT INTO bench_results (bench_run_id, model, input_type, image_px, image_tokens, "
      "encoder_ms) VALUES (1, 'vision', 'image', 512, 16, 3.5)");
  EXPECT_EQ(db.execAndGet("SELECT image_tokens FROM bench_results WHERE image_px = 512").getInt(),
            16);
}

}  // namespace
}  // namespace inferno::store
