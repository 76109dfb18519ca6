// Benchmark runs in the store: one bench_runs row per run, one bench_results row per result
// row, whose columns are the CSV's (bound by name from bench::SuiteColumns(), so the CSV,
// the history and the server's CSV download can never disagree on a value).
#include "store/bench_runs.h"

#include <SQLiteCpp/SQLiteCpp.h>

#include <boost/json.hpp>

#include "store/timestamps.h"

namespace inferno::store {

BenchRun NewBenchRun(std::string source, std::string run_key, const bench::MachineInfo& machine) {
  BenchRun run;
  run.source = std::move(source);
  run.run_key = std::move(run_key);
  run.status = "running";
  run.started_at = NowMs();
  run.hostname = machine.hostname;
  run.cpu_model = machine.cpu_model;
  run.cpu_flags = machine.cpu_flags;
  run.isa = machine.isa;
  run.cores = machine.cores;
  return run;
}
namespace {

namespace json = boost::json;

constexpr size_t kMaxModels = 256;
constexpr size_t kMaxError = 4096;

bool KnownStatus(const std::string& s) {
  return s == "running" || s == "done" || s == "failed" || s == "cancelled";
}

std::string Clip(const std::string& s, size_t n) { return s.size() > n ? s.substr(0, n) : s; }

std::string JsonList(const std::vector<std::string>& v) {
  json::array a;
  for (const std::string& s : v) a.emplace_back(s);
  return json::serialize(a);
}

std::string JsonList(const std::vector<int>& v) {
  json::array a;
  for (int x : v) a.emplace_back(x);
  return json::serialize(a);
}

json::array ParseArray(const std::string& text) {
  json::error_code ec;
  json::value v = json::parse(text, ec);
  return !ec && v.is_array() ? v.as_array() : json::array{};
}

constexpr const char* kRunColumns =
    "SELECT r.id, r.run_key, r.source, r.status, r.error, r.started_at, "
    "COALESCE(r.finished_at, 0), r.hostname, r.cpu_model, r.cpu_flags, r.isa, r.cores, "
    "r.threads, r.models, r.prompt_sizes, r.repetitions, r.generate_tokens, "
    "(SELECT COUNT(*) FROM bench_results b WHERE b.bench_run_id = r.id), r.category, "
    "r.concurrency "
    "FROM bench_runs r ";

BenchRun ReadRun(SQLite::Statement& q) {
  BenchRun r;
  r.id = q.getColumn(0).getInt64();
  r.run_key = q.getColumn(1).getString();
  r.source = q.getColumn(2).getString();
  r.status = q.getColumn(3).getString();
  r.error = q.getColumn(4).getString();
  r.started_at = q.getColumn(5).getInt64();
  r.finished_at = q.getColumn(6).getInt64();
  r.hostname = q.getColumn(7).getString();
  r.cpu_model = q.getColumn(8).getString();
  r.cpu_flags = q.getColumn(9).getString();
  r.isa = q.getColumn(10).getString();
  r.cores = q.getColumn(11).getInt();
  r.threads = q.getColumn(12).getInt();
  for (const json::value& v : ParseArray(q.getColumn(13).getString())) {
    if (v.is_string()) r.models.emplace_back(v.as_string());
  }
  for (const json::value& v : ParseArray(q.getColumn(14).getString())) {
    if (v.is_int64()) r.prompt_sizes.push_back(int(v.as_int64()));
  }
  r.repetitions = q.getColumn(15).getInt();
  r.generate_tokens = q.getColumn(16).getInt();
  r.row_count = q.getColumn(17).getInt64();
  r.category = q.getColumn(18).getString();
  for (const json::value& v : ParseArray(q.getColumn(19).getString())) {
    if (v.is_int64()) r.concurrency.push_back(int(v.as_int64()));
  }
  return r;
}

std::string ResultColumnList() {
  std::string cols;
  for (const std::string& c : bench::SuiteColumns()) cols += (cols.empty() ? "" : ", ") + c;
  return cols;
}

}  // namespace

Result<int64_t> BenchRuns::CreateBenchRun(const BenchRun& run) {
  if (!KnownStatus(run.status)) {
    return Status::InvalidArgument("unknown benchmark run status '" + Clip(run.status, 40) + "'");
  }
  if (run.models.size() > kMaxModels) {
    return Status::InvalidArgument("a benchmark run holds at most " + std::to_string(kMaxModels) +
                                   " models");
  }
  std::lock_guard<std::mutex> lock(db_.mu());
  try {
    SQLite::Statement q(
        db_.connection(),
        "INSERT INTO bench_runs (run_key, source, status, error, started_at, "
        "finished_at, hostname, cpu_model, cpu_flags, isa, cores, threads, "
        "models, prompt_sizes, repetitions, generate_tokens, category, concurrency) "
        "VALUES (?, ?, ?, ?, ?, NULLIF(?, 0), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    q.bind(1, run.run_key);
    q.bind(2, run.source);
    q.bind(3, run.status);
    q.bind(4, Clip(run.error, kMaxError));
    q.bind(5, run.started_at > 0 ? run.started_at : NowMs());
    q.bind(6, run.finished_at);
    q.bind(7, run.hostname);
    q.bind(8, run.cpu_model);
    q.bind(9, run.cpu_flags);
    q.bind(10, run.isa);
    q.bind(11, run.cores);
    q.bind(12, run.threads);
    q.bind(13, JsonList(run.models));
    q.bind(14, JsonList(run.prompt_sizes));
    q.bind(15, run.repetitions);
    q.bind(16, run.generate_tokens);
    q.bind(17, run.category);
    q.bind(18, JsonList(run.concurrency));
    q.exec();
    return db_.connection().getLastInsertRowid();
  } catch (const std::exception& e) {
    return db_.Failed("saving a benchmark run", e);
  }
}

Status BenchRuns::AddBenchResult(int64_t run_id, const bench::SuiteRow& row) {
  const std::vector<std::string>& names = bench::SuiteColumns();
  const std::vector<std::string> values = bench::RowValues(row);
  std::string sql =
      "INSERT INTO bench_results (bench_run_id, " + ResultColumnList() + ") VALUES (?";
  for (size_t i = 0; i < names.size(); ++i) sql += ", ?";
  sql += ")";
  std::lock_guard<std::mutex> lock(db_.mu());
  try {
    SQLite::Statement exists(db_.connection(), "SELECT 1 FROM bench_runs WHERE id = ?");
    exists.bind(1, run_id);
    if (!exists.executeStep())
      return Status::NotFound("no benchmark run " + std::to_string(run_id));
    SQLite::Statement q(db_.connection(), sql);
    q.bind(1, run_id);
    for (size_t i = 0; i < names.size(); ++i) {
      // Numbers as numbers, so the columns sort and compare as such in SQL.
      if (bench::IsNumericColumn(names[i])) {
        q.bind(int(i) + 2, std::strtod(values[i].c_str(), nullptr));
      } else {
        q.bind(int(i) + 2, names[i] == "error" ? Clip(values[i], kMaxError) : values[i]);
      }
    }
    q.exec();
    return Status::Ok();
  } catch (const std::exception& e) {
    return db_.Failed("saving a benchmark result", e);
  }
}

Status BenchRuns::FinishBenchRun(int64_t run_id, const std::string& status,
                                 const std::string& error) {
  if (!KnownStatus(status) || status == "running") {
    return Status::InvalidArgument("a run finishes as done, failed or cancelled, not '" +
                                   Clip(status, 40) + "'");
  }
  std::lock_guard<std::mutex> lock(db_.mu());
  try {
    SQLite::Statement q(db_.connection(),
                        "UPDATE bench_runs SET status = ?, error = ?, finished_at = ? "
                        "WHERE id = ? AND status = 'running'");
    q.bind(1, status);
    q.bind(2, Clip(error, kMaxError));
    q.bind(3, NowMs());
    q.bind(4, run_id);
    if (q.exec() == 0) {
      return Status::NotFound("no running benchmark run " + std::to_string(run_id));
    }
    return Status::Ok();
  } catch (const std::exception& e) {
    return db_.Failed("finishing benchmark run", e);
  }
}

Result<std::vector<BenchRun>> BenchRuns::ListBenchRuns(int limit, int offset) {
  std::lock_guard<std::mutex> lock(db_.mu());
  try {
    SQLite::Statement q(
        db_.connection(),
        std::string(kRunColumns) + "ORDER BY r.started_at DESC, r.id DESC LIMIT ? OFFSET ?");
    q.bind(1, std::max(0, limit));
    q.bind(2, std::max(0, offset));
    std::vector<BenchRun> out;
    while (q.executeStep()) out.push_back(ReadRun(q));
    return out;
  } catch (const std::exception& e) {
    return db_.Failed("listing benchmark runs", e);
  }
}

Result<BenchRun> BenchRuns::GetBenchRun(int64_t run_id) {
  std::lock_guard<std::mutex> lock(db_.mu());
  try {
    SQLite::Statement q(db_.connection(), std::string(kRunColumns) + "WHERE r.id = ?");
    q.bind(1, run_id);
    if (!q.executeStep()) return Status::NotFound("no benchmark run " + std::to_string(run_id));
    BenchRun run = ReadRun(q);
    SQLite::Statement rows(
        db_.connection(),
        "SELECT " + ResultColumnList() + " FROM bench_results WHERE bench_run_id = ? ORDER BY id");
    rows.bind(1, run_id);
    const std::vector<std::string>& names = bench::SuiteColumns();
    while (rows.executeStep()) {
      std::vector<std::string> values;
      for (int i = 0; i < int(names.size()); ++i) values.push_back(rows.getColumn(i).getString());
      run.rows.push_back(bench::RowFromValues(names, values));
    }
    return run;
  } catch (const std::exception& e) {
    return db_.Failed("reading benchmark run", e);
  }
}

Status BenchRuns::DeleteBenchRun(int64_t run_id) {
  std::lock_guard<std::mutex> lock(db_.mu());
  try {
    SQLite::Statement q(db_.connection(), "DELETE FROM bench_runs WHERE id = ?");
    q.bind(1, run_id);
    if (q.exec() == 0) return Status::NotFound("no benchmark run " + std::to_string(run_id));
    return Status::Ok();
  } catch (const std::exception& e) {
    return db_.Failed("deleting benchmark run", e);
  }
}

Result<int> BenchRuns::FailRunningBenchRuns(const std::string& error) {
  std::lock_guard<std::mutex> lock(db_.mu());
  try {
    SQLite::Statement q(db_.connection(),
                        "UPDATE bench_runs SET status = 'failed', error = ?, finished_at = ? "
                        "WHERE status = 'running' AND source = 'server'");
    q.bind(1, Clip(error, kMaxError));
    q.bind(2, NowMs());
    return q.exec();
  } catch (const std::exception& e) {
    return db_.Failed("closing interrupted benchmark runs", e);
  }
}

}  // namespace inferno::store
