// Benchmark suite runs and their result rows in the store's database. The rows are the
// suite's plain row type (results/suite_row.h), so the store needs nothing else of bench.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/util/status.h"
#include "results/machine_info.h"
#include "results/suite_row.h"
#include "store/database.h"

namespace inferno::store {

// One benchmark suite run (server POST /bench or `inferno bench --suite`) with its result
// rows, which have exactly the columns of benchmarks/results.csv.
struct BenchRun {
  int64_t id = 0;
  std::string run_key;             // the suite's run_id: the CSV's run_id, the log dir name
  std::string source = "server";   // "server" | "cli"
  std::string status = "running";  // running | done | failed | cancelled
  std::string error;
  int64_t started_at = 0;   // ms since the epoch, UTC
  int64_t finished_at = 0;  // 0 while running
  std::string hostname, cpu_model, cpu_flags, isa;
  int cores = 0;
  int threads = 0;
  std::vector<std::string> models;  // model ids (server) or paths (cli)
  std::string category = "text";    // text | image | audio | load (bench::kCategories)
  std::vector<int> prompt_sizes;    // prompt tokens, picture long sides (px) or clip seconds
  int repetitions = 0;
  int generate_tokens = 0;
  std::vector<int> concurrency;       // load: the levels swept
  int64_t row_count = 0;              // filled by List and Get
  std::vector<bench::SuiteRow> rows;  // filled by Get, in the order they were added
};

// A run starting now on `machine`: source, key, start time and the machine's fields set; the
// caller fills in the workload.
BenchRun NewBenchRun(std::string source, std::string run_key, const bench::MachineInfo& machine);

class BenchRuns {
 public:
  explicit BenchRuns(Database& db) : db_(db) {}

  // CreateBenchRun stores a run as given (status "running" unless set) and returns its id;
  // rows are added as each model finishes; FinishBenchRun sets the final status.
  Result<int64_t> CreateBenchRun(const BenchRun& run);
  Status AddBenchResult(int64_t run_id, const bench::SuiteRow& row);
  // status: done | failed | cancelled. Only a running run can be finished.
  Status FinishBenchRun(int64_t run_id, const std::string& status, const std::string& error);
  // Newest first, without rows.
  Result<std::vector<BenchRun>> ListBenchRuns(int limit, int offset);
  Result<BenchRun> GetBenchRun(int64_t run_id);  // with rows
  Status DeleteBenchRun(int64_t run_id);
  // Marks the server's runs still "running" as failed with `error`: called when a server
  // starts, since a server run it finds running was cut off by the previous server ending
  // (runs of `inferno bench --suite`, source "cli", may be going on beside it). Returns how
  // many.
  Result<int> FailRunningBenchRuns(const std::string& error);

 private:
  Database& db_;
};

}  // namespace inferno::store
