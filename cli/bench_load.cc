// `inferno bench --url URL --model M [--concurrency 1,4,16,64] [--requests N] [-p WORDS]
// [-n TOKENS] [--key-env VAR | --key-file F]`: the load sweep of server/load_sweep.h against
// any OpenAI-compatible server (vLLM, llama-server, another `inferno serve`, or this
// machine's own with its --max-client-requests and batching), printed as a table and stored
// in the history like the suite's runs (category "load"), where the web UI charts it.
#include "cli/bench_load.h"

#include <fmt/format.h>
#include <signal.h>

#include <atomic>
#include <boost/json.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "bench/machine.h"
#include "bench/suite.h"
#include "cli/model_files.h"
#include "server/bench_json.h"
#include "server/load_sweep.h"
#include "store/store.h"

namespace inferno::cli {
namespace {

namespace fs = std::filesystem;

std::atomic<bool> g_stop{false};
void OnStop(int) { g_stop = true; }

Result<std::vector<int>> ParseLevels(const std::string& list) {
  std::vector<int> out;
  std::stringstream ss(list);
  for (std::string item; std::getline(ss, item, ',');) {
    char* end = nullptr;
    const long v = std::strtol(item.c_str(), &end, 10);
    if (item.empty() || *end != '\0' || v < 1 || v > server::LoadLimits::kMaxConcurrency) {
      return Status::InvalidArgument(
          "--concurrency expects comma-separated client counts from 1 "
          "to " +
          std::to_string(server::LoadLimits::kMaxConcurrency) + ", got '" + list + "'");
    }
    out.push_back(int(v));
  }
  if (out.empty()) return Status::InvalidArgument("--concurrency is empty");
  return out;
}

// The key from an environment variable or the first line of a file, never the command line.
Result<std::string> ApiKey(const LoadCliOptions& o) {
  if (!o.key_env.empty()) {
    const char* v = std::getenv(o.key_env.c_str());
    if (v == nullptr)
      return Status::NotFound("the environment variable " + o.key_env + " is not set");
    return std::string(v);
  }
  if (!o.key_file.empty()) {
    std::ifstream in(o.key_file);
    std::string line;
    if (!in || !std::getline(in, line))
      return Status::NotFound("cannot read --key-file " + o.key_file);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    return line;
  }
  return std::string();
}

void PrintLevels(const std::vector<bench::SuiteRow>& rows) {
  fmt::print(
      "| model | clients | requests | failed | TTFT p50/p95/p99 ms | latency p50/p95/p99 ms | "
      "tok/s per request | tok/s total |\n|---|---:|---:|---:|---:|---:|---:|---:|\n");
  for (const bench::SuiteRow& r : rows) {
    fmt::print(
        "| {} | {} | {} | {} | {:.0f} / {:.0f} / {:.0f} | {:.0f} / {:.0f} / {:.0f} | "
        "{:.1f} | {:.1f} |\n",
        r.model, r.concurrency, r.requests, r.failed_requests, r.ttft_p50_ms, r.ttft_p95_ms,
        r.ttft_p99_ms, r.latency_p50_ms, r.latency_p95_ms, r.latency_p99_ms, r.decode_tps,
        r.throughput_tps);
  }
}

// The history: the server's database when it exists (as `bench --suite` stores its runs).
int64_t StartStoredRun(const LoadCliOptions& o, const server::LoadSweepOptions& lo,
                       const std::string& run_key, const bench::MachineInfo& machine,
                       std::unique_ptr<store::Store>* db) {
  const std::string path = (o.data_dir.empty() ? DefaultDataDir() : o.data_dir) + "/inferno.db";
  if (o.no_store || !fs::exists(path)) return 0;
  Result<std::unique_ptr<store::Store>> opened = store::Store::Open(path);
  if (!opened.ok()) {
    fmt::print(stderr, "warning: not storing the run: {}\n", opened.status().message());
    return 0;
  }
  *db = std::move(*opened);
  store::BenchRun record = store::NewBenchRun("cli", run_key, machine);
  record.models = {o.model};
  record.category = "load";
  record.prompt_sizes = {lo.prompt_words};
  record.repetitions = 1;
  record.generate_tokens = lo.max_tokens;
  record.concurrency = lo.concurrency;
  Result<int64_t> id = (*db)->CreateBenchRun(record);
  if (!id.ok()) {
    fmt::print(stderr, "warning: not storing the run: {}\n", id.status().message());
    return 0;
  }
  fmt::print(stderr, "storing as benchmark run {} in {}\n", *id, path);
  return *id;
}

}  // namespace

int RunLoadCli(const LoadCliOptions& o) {
  server::LoadSweepOptions lo;
  lo.base_url = o.url;
  while (lo.base_url.ends_with("/")) lo.base_url.pop_back();
  if (lo.base_url.ends_with("/v1")) lo.base_url.resize(lo.base_url.size() - 3);
  if (!lo.base_url.starts_with("http://") && !lo.base_url.starts_with("https://")) {
    fmt::print(stderr, "error: --url must start with http:// or https://\n");
    return 2;
  }
  if (o.model.empty()) {
    fmt::print(stderr, "error: --url needs --model (the id the server knows the model by)\n");
    return 2;
  }
  Result<std::vector<int>> levels = ParseLevels(o.concurrency);
  Result<std::string> key = ApiKey(o);
  if (!levels.ok() || !key.ok()) {
    fmt::print(stderr, "error: {}\n", (!levels.ok() ? levels.status() : key.status()).message());
    return 2;
  }
  lo.api_key = *key;
  lo.model = o.model;
  lo.concurrency = *levels;
  lo.requests = o.requests;
  lo.prompt_words = o.prompt_words;
  lo.max_tokens = o.max_tokens;
  lo.timeouts.read_ms = int(o.timeout_s * 1000);
  lo.cancel = &g_stop;

  const bench::MachineInfo machine = bench::DetectMachine();
  const std::string run_key = bench::NewRunId();
  std::unique_ptr<store::Store> db;
  const int64_t stored = StartStoredRun(o, lo, run_key, machine, &db);
  std::vector<bench::SuiteRow> rows;
  g_stop = false;
  struct sigaction on_signal {
  }, old_int{}, old_term{};
  on_signal.sa_handler = OnStop;
  sigemptyset(&on_signal.sa_mask);
  sigaction(SIGINT, &on_signal, &old_int);
  sigaction(SIGTERM, &on_signal, &old_term);
  const Status st =
      server::RunLoadSweepRows(lo, o.model, run_key, machine, [&](const bench::SuiteRow& row) {
        rows.push_back(row);
        fmt::print(stderr, "concurrency {}: {} requests, {} failed\n", row.concurrency,
                   row.requests, row.failed_requests);
        if (stored > 0) {
          if (Status s = db->AddBenchResult(stored, row); !s.ok()) {
            fmt::print(stderr, "warning: {}\n", s.message());
          }
        }
      });
  sigaction(SIGINT, &old_int, nullptr);
  sigaction(SIGTERM, &old_term, nullptr);
  const bool cancelled = st.code() == Status::Code::kCancelled;
  if (stored > 0) {
    (void)db->FinishBenchRun(stored,
                             st.ok()     ? "done"
                             : cancelled ? "cancelled"
                                         : "failed",
                             st.ok() || cancelled ? "" : st.message());
  }
  if (o.json) {
    // Every column of the row, as GET /bench/runs/{id} gives it.
    for (const bench::SuiteRow& r : rows) {
      fmt::print("{}\n", boost::json::serialize(server::BenchRowJson(r)));
    }
  } else if (!rows.empty()) {
    PrintLevels(rows);
  }
  if (cancelled) return 130;
  if (!st.ok()) {
    fmt::print(stderr, "error: {}\n", st.message());
    return 1;
  }
  return 0;
}

}  // namespace inferno::cli
