// `inferno bench -m MODEL [-p 512] [-n 128] [-r 5] [-t T] [--csv FILE] [--json]`:
// llama-bench-style prefill (ppN) and decode (tgN) speed, as a markdown table, CSV rows,
// or JSON lines.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "bench/runner.h"
#include "cli/bench_suite.h"
#include "cli/commands.h"
#include "cli/kv_cache_flags.h"
#include "cli/text_util.h"

namespace inferno::cli {
namespace {

struct BenchCliOptions {
  std::string model;
  std::string prompt_sizes = "512";
  int generate = 128;
  int repetitions = 5;
  int threads = 0;
  int batch = 512;
  std::string parallel;
  std::string csv;
  bool json = false;
  int depth = 0;
  KvCacheFlags kv;
};

Result<std::vector<int>> ParseSizes(const std::string& list) {
  std::vector<int> out;
  std::stringstream ss(list);
  for (std::string item; std::getline(ss, item, ',');) {
    try {
      size_t used = 0;
      const int v = std::stoi(item, &used);
      if (used != item.size() || v < 0) throw std::invalid_argument(item);
      out.push_back(v);
    } catch (const std::exception&) {
      return Status::InvalidArgument("-p expects comma-separated token counts, got '" + list + "'");
    }
  }
  return out;
}

int RunBenchCli(const BenchCliOptions& o) {
  Result<std::vector<int>> sizes = ParseSizes(o.prompt_sizes);
  if (!sizes.ok()) {
    fmt::print(stderr, "error: {}\n", sizes.status().message());
    return 2;
  }
  Result<std::unique_ptr<Model>> model = Model::Load(o.model);
  if (!model.ok()) {
    fmt::print(stderr, "error: {}\n", model.status().message());
    return 1;
  }
  bench::BenchOptions bo;
  bo.prompt_sizes = *sizes;
  bo.generate_tokens = o.generate;
  bo.repetitions = std::max(1, o.repetitions);
  bo.threads = o.threads > 0 ? o.threads : DefaultThreads();
  bo.batch = o.batch;
  bo.depth = o.depth;
  bo.kv_types = o.kv.Types();
  if (!o.parallel.empty()) {
    Result<std::vector<int>> par = ParseSizes(o.parallel);
    if (!par.ok()) {
      fmt::print(stderr, "error: --parallel expects comma-separated sequence counts\n");
      return 2;
    }
    bo.parallel = *par;
  }
  Result<bench::BenchReport> report = bench::RunBench(**model, bo);
  if (!report.ok()) {
    fmt::print(stderr, "error: {}\n", report.status().message());
    return 1;
  }
  const bench::BenchReport& r = *report;
  if (o.json) {
    for (const bench::BenchResult& res : r.results) {
      boost::json::object line{{"test", res.test},
                               {"tokens_per_second", res.tokens_per_second},
                               {"stddev", res.stddev},
                               {"threads", r.threads},
                               {"model", r.model_path},
                               {"type", r.type},
                               {"size_bytes", r.size_bytes},
                               {"load_ms", r.load_ms},
                               {"peak_rss_bytes", r.peak_rss_bytes},
                               {"cache_type_k", KvCacheTypeName(r.kv_types.k)},
                               {"cache_type_v", KvCacheTypeName(r.kv_types.v)},
                               {"kv_bytes", r.kv_bytes}};
      if (res.gigabytes_per_second > 0) line["gigabytes_per_second"] = res.gigabytes_per_second;
      fmt::print("{}\n", boost::json::serialize(line));
    }
  } else {
    fmt::print("| model | size | type | threads | test | t/s | GB/s |\n");
    fmt::print("|---|---:|---|---:|---|---:|---:|\n");
    for (const bench::BenchResult& res : r.results) {
      fmt::print(
          "| {} | {:.0f} MiB | {} | {} | {} | {:.2f} ± {:.2f} | {} |\n", r.model_path,
          r.size_bytes / (1 << 20), r.type, r.threads, res.test, res.tokens_per_second, res.stddev,
          res.gigabytes_per_second > 0 ? fmt::format("{:.1f}", res.gigabytes_per_second) : "");
    }
    fmt::print("\nload {:.0f} ms, peak RSS {:.0f} MiB, weights read per decode step {:.0f} MiB\n",
               r.load_ms, r.peak_rss_bytes / (1 << 20), r.weight_bytes_per_token / (1 << 20));
    fmt::print("KV cache {}/{}: {:.2f} MiB\n", KvCacheTypeName(r.kv_types.k),
               KvCacheTypeName(r.kv_types.v), r.kv_bytes / (1 << 20));
  }
  if (!o.csv.empty()) {
    const bool exists = std::ifstream(o.csv).good();
    std::ofstream csv(o.csv, std::ios::app);
    if (!csv) {
      fmt::print(stderr, "error: {}: cannot open for writing\n", o.csv);
      return 1;
    }
    if (!exists) csv << "model,type,size_bytes,threads,test,tokens_per_second,stddev,load_ms\n";
    for (const bench::BenchResult& res : r.results) {
      csv << fmt::format("{},{},{:.0f},{},{},{:.3f},{:.3f},{:.1f}\n", r.model_path, r.type,
                         r.size_bytes, r.threads, res.test, res.tokens_per_second, res.stddev,
                         r.load_ms);
    }
  }
  return 0;
}

}  // namespace

void AddBenchCommand(CLI::App& root, int* exit_code) {
  auto o = std::make_shared<BenchCliOptions>();
  auto suite = std::make_shared<SuiteCliOptions>();
  auto summary = std::make_shared<std::string>();
  auto summary_out = std::make_shared<std::string>("docs/benchmark_summary.md");
  auto run_suite = std::make_shared<bool>(false);
  CLI::App* cmd = root.add_subcommand("bench", "Measure prefill and decode speed");
  cmd->footer(
      "Suite mode: inferno bench --suite --models a.gguf,b.gguf [-p 50,100,200] [-n 64] [-r 3]\n"
      "  measures time to first token, prefill/decode tok/s, latency, peak RSS, load and CPU\n"
      "  time per model (each in its own process), appends to benchmarks/results.csv and\n"
      "  keeps raw logs in logs/<timestamp>/. Summary: inferno bench --summary [CSV] [-o MD]");
  cmd->add_option("-m,--model", o->model, "GGUF model file");
  cmd->add_flag("--suite", *run_suite, "Run the benchmark suite over several models");
  cmd->add_option("--models", suite->models, "Suite: comma-separated GGUF files")->delimiter(',');
  cmd->add_flag("--all", suite->all, "Suite: every GGUF in the models dir");
  cmd->add_option("--models-dir", suite->models_dir, "Suite: models dir for --all");
  cmd->add_option("--log-dir", suite->log_dir, "Suite: where raw logs go")->capture_default_str();
  cmd->add_option("--data-dir", suite->data_dir,
                  "Suite: also store the run in DIR/inferno.db when it exists (the server's "
                  "history; default ~/.local/share/inferno)");
  cmd->add_flag("--no-store", suite->no_store, "Suite: do not store the run in the history");
  cmd->add_option("--summary", *summary,
                  "Write docs/benchmark_summary.md from this results CSV (no measuring)")
      ->expected(0, 1)
      ->default_str("benchmarks/results.csv");
  cmd->add_option("-o,--output", *summary_out, "Summary markdown path")->capture_default_str();
  cmd->add_option("-p,--prompt-sizes", o->prompt_sizes, "Prompt sizes for ppN tests, e.g. 64,256")
      ->capture_default_str();
  cmd->add_option("-n,--n-gen", o->generate, "Tokens for the tgN test (0 = skip)")
      ->capture_default_str()
      ->check(CLI::Range(0, 1 << 16));
  cmd->add_option("-r,--repetitions", o->repetitions, "Repetitions per test")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000));
  cmd->add_option("-t,--threads", o->threads, "Worker threads (0 = all cores)")
      ->capture_default_str();
  cmd->add_option("-b,--batch-size", o->batch, "Prompt tokens per forward pass")
      ->capture_default_str()
      ->check(CLI::Range(1, 8192));
  cmd->add_option("--parallel", o->parallel,
                  "Also decode N sequences together (tg<n>x<N>), e.g. 4 or 2,4");
  cmd->add_option("--csv", o->csv, "Append results to this CSV file");
  cmd->add_flag("--json", o->json, "Print one JSON object per test");
  cmd->add_option("-d,--depth", o->depth,
                  "Context already in the cache when the decode test starts (tgN@dD)")
      ->capture_default_str()
      ->check(CLI::Range(0, 1 << 20));
  o->kv.Add(cmd);
  cmd->callback([o, suite, summary, summary_out, run_suite, cmd, exit_code] {
    const bool want_summary = cmd->count("--summary") > 0;
    if (*run_suite) {
      suite->generate = o->generate;
      suite->repetitions = o->repetitions;
      suite->threads = o->threads;
      if (cmd->count("-p") > 0) suite->prompt_sizes = o->prompt_sizes;
      if (cmd->count("-n") == 0) suite->generate = 64;
      if (cmd->count("-r") == 0) suite->repetitions = 3;
      if (!o->csv.empty()) suite->csv = o->csv;
      if (!o->model.empty()) suite->models.insert(suite->models.begin(), o->model);
      if (want_summary) suite->summary_out = *summary_out;
      *exit_code = RunSuiteCli(*suite);
      return;
    }
    if (want_summary) {
      *exit_code =
          RunSummaryCli(summary->empty() ? "benchmarks/results.csv" : *summary, *summary_out);
      return;
    }
    if (o->model.empty()) {
      fmt::print(stderr, "error: bench needs -m MODEL (or --suite / --summary)\n");
      *exit_code = 2;
      return;
    }
    *exit_code = RunBenchCli(*o);
  });
  AddBenchWorkerCommand(root, exit_code);
}

}  // namespace inferno::cli
