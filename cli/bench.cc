// `inferno bench -m MODEL [-p 512] [-n 128] [-r 5] [-t T] [--csv FILE] [--json]`:
// llama-bench-style prefill (ppN) and decode (tgN) speed, as a markdown table, CSV rows,
// or JSON lines. `--turns N`: time to first token of each turn of a chat, with and without
// the prompt cache (bench/turns.h).
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "bench/runner.h"
#include "bench/spec_bench.h"
#include "bench/turns.h"
#include "cli/bench_load.h"
#include "cli/bench_suite.h"
#include "cli/commands.h"
#include "cli/kv_cache_flags.h"
#include "cli/spec_flags.h"
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
  SpecFlags spec;           // set: the speculative decoding test instead of ppN/tgN
  std::string spec_prompt;  // its workload (default: the built-in code edit)
  float spec_temp = 0;
  int turns = 0;  // > 0: the chat-turns test instead
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

// `bench --spec lookup|draft`: the code-editing workload with and without speculation.
int RunSpecBenchCli(const BenchCliOptions& o, const Model& model) {
  Result<SpecOptions> spec = o.spec.Resolve(&model);
  if (!spec.ok()) {
    fmt::print(stderr, "error: {}\n", spec.status().message());
    return 1;
  }
  bench::SpecBenchOptions so;
  if (!o.spec_prompt.empty()) {
    Result<std::string> text = ReadFile(o.spec_prompt);
    if (!text.ok()) {
      fmt::print(stderr, "error: {}\n", text.status().message());
      return 1;
    }
    so.prompt = *text;
  }
  so.generate = o.generate;
  so.repetitions = std::max(1, o.repetitions);
  so.threads = o.threads > 0 ? o.threads : DefaultThreads();
  so.temperature = o.spec_temp;
  so.spec = *spec;
  Result<bench::SpecBenchResult> r = bench::RunSpecBench(model, so);
  if (!r.ok()) {
    fmt::print(stderr, "error: {}\n", r.status().message());
    return 1;
  }
  const double speedup = r->plain_tps > 0 ? r->spec_tps / r->plain_tps : 0;
  if (o.json) {
    boost::json::object line{{"test", r->test},
                             {"prompt_tokens", r->prompt_tokens},
                             {"tokens", r->tokens},
                             {"plain_tokens_per_second", r->plain_tps},
                             {"tokens_per_second", r->spec_tps},
                             {"speedup", speedup},
                             {"acceptance_rate", r->acceptance_rate},
                             {"tokens_per_pass", r->tokens_per_pass},
                             {"identical", r->identical},
                             {"threads", so.threads},
                             {"model", model.path()}};
    fmt::print("{}\n", boost::json::serialize(line));
    return 0;
  }
  fmt::print(
      "| model | threads | test | plain t/s | speculative t/s | speedup | accepted | "
      "tokens/pass | identical |\n|---|---:|---|---:|---:|---:|---:|---:|---|\n");
  fmt::print("| {} | {} | {} | {:.2f} | {:.2f} | {:.2f}x | {:.0f}% | {:.2f} | {} |\n", model.path(),
             so.threads, r->test, r->plain_tps, r->spec_tps, speedup, 100 * r->acceptance_rate,
             r->tokens_per_pass,
             so.temperature > 0 ? "n/a (sampled)"
             : r->identical     ? "yes"
                                : "NO");
  return 0;
}

int RunTurnsCli(const Model& model, const BenchCliOptions& o, int system_tokens) {
  bench::TurnsOptions to;
  to.turns = o.turns;
  to.system_tokens = system_tokens;
  to.reply_tokens = o.generate;
  to.repetitions = o.repetitions;
  to.threads = o.threads > 0 ? o.threads : DefaultThreads();
  to.batch = o.batch;
  Result<std::vector<bench::TurnResult>> turns = bench::RunTurns(model, to);
  if (!turns.ok()) {
    fmt::print(stderr, "error: {}\n", turns.status().message());
    return 1;
  }
  if (!o.json) {
    fmt::print(
        "| turn | prompt tokens | cached | TTFT cached (ms) | TTFT fresh (ms) | fresh / cached "
        "|\n");
    fmt::print("|---:|---:|---:|---:|---:|---:|\n");
  }
  for (const bench::TurnResult& t : *turns) {
    const double ratio = t.ttft_ms > 0 ? t.fresh_ttft_ms / t.ttft_ms : 0;
    if (o.json) {
      fmt::print("{}\n", boost::json::serialize(
                             boost::json::object{{"test", "turn" + std::to_string(t.turn)},
                                                 {"prompt_tokens", t.prompt_tokens},
                                                 {"cached_tokens", t.cached_tokens},
                                                 {"ttft_ms", t.ttft_ms},
                                                 {"ttft_ms_stddev", t.ttft_ms_sd},
                                                 {"fresh_ttft_ms", t.fresh_ttft_ms},
                                                 {"fresh_ttft_ms_stddev", t.fresh_ttft_ms_sd},
                                                 {"threads", to.threads},
                                                 {"model", model.path()}}));
    } else {
      fmt::print("| {} | {} | {} | {:.1f} ± {:.1f} | {:.1f} ± {:.1f} | {:.2f}× |\n", t.turn,
                 t.prompt_tokens, t.cached_tokens, t.ttft_ms, t.ttft_ms_sd, t.fresh_ttft_ms,
                 t.fresh_ttft_ms_sd, ratio);
    }
  }
  return 0;
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
  if (const RepackInfo& rp = (*model)->weights().repack; rp.source != RepackSource::kNone) {
    fmt::print(stderr, "repacked weights: {} ({} matrices, {:.0f} MiB){}{}\n",
               RepackSourceName(rp.source), rp.matrices, rp.bytes / double(1 << 20),
               rp.cache_path.empty() ? "" : " " + rp.cache_path,
               rp.note.empty() ? "" : ": " + rp.note);
  }
  if (o.spec.mode != "off" || !o.spec.draft.empty()) return RunSpecBenchCli(o, **model);
  if (o.turns > 0) return RunTurnsCli(**model, o, sizes->empty() ? 512 : sizes->front());
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
  if (r.beyond_trained_context) {
    fmt::print(stderr,
               "note: the tests use more positions than the model's trained context of {}"
               " (speed only, as llama-bench)\n",
               (*model)->config().n_ctx_train);
  }
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

// What `inferno bench`'s options fill; which of its modes runs is decided after parsing.
struct BenchCommand {
  BenchCliOptions run;  // one model (-m), and the settings the other modes share
  SuiteCliOptions suite;
  LoadCliOptions load;
  bool run_suite = false;
  std::string summary;
  std::string summary_out = "docs/benchmark_summary.md";
};

// Load sweep: streamed requests from many clients against a running server (--url).
void AddLoadSweepOptions(CLI::App* cmd, LoadCliOptions* load) {
  cmd->add_option("--url", load->url,
                  "Load sweep against this OpenAI-compatible server (its base URL)");
  cmd->add_option("--concurrency", load->concurrency,
                  "Load sweep: comma-separated client counts, one level each")
      ->capture_default_str();
  cmd->add_option("--requests", load->requests,
                  "Load sweep: requests per level (default: max(8, 2 x clients))")
      ->check(CLI::Range(1, 4096));
  cmd->add_option("--timeout", load->timeout_s,
                  "Load sweep: seconds of silence after which a request fails")
      ->capture_default_str()
      ->check(CLI::Range(1.0, 3600.0));
  cmd->add_option("--key-env", load->key_env,
                  "Load sweep: the server's API key from this environment variable");
  cmd->add_option("--key-file", load->key_file,
                  "Load sweep: the server's API key from the first line of this file");
}

// Suite: several models, each in its own process; and the summary of a results CSV.
void AddSuiteOptions(CLI::App* cmd, BenchCommand* b) {
  SuiteCliOptions* suite = &b->suite;
  cmd->add_flag("--suite", b->run_suite, "Run the benchmark suite over several models");
  cmd->add_option("--models", suite->models, "Suite: comma-separated GGUF files")->delimiter(',');
  cmd->add_flag("--all", suite->all, "Suite: every GGUF in the models dir");
  cmd->add_flag("--images", suite->images,
                "Suite, image category: vision models (default: every model of the models dir "
                "with an mmproj beside it) x picture size");
  cmd->add_flag("--audio", suite->audio,
                "Suite, audio category: speech models (default: every whisper.cpp model of the "
                "models dir) x clip length");
  cmd->add_option("--mmproj", suite->mmprojs,
                  "Suite --images: the vision encoders of --models, one per model (default: "
                  "the mmproj beside each, as the server pairs them)")
      ->delimiter(',');
  cmd->add_option("--media", suite->media,
                  "Suite --images/--audio: the picture or recording the inputs are cut from "
                  "(default: ../shared/fixtures/media/photo-1.jpeg or speech-1.mp3)");
  cmd->add_option("--models-dir", suite->models_dir,
                  "Suite: models dir for --all, --images and --audio without --models");
  cmd->add_option("--log-dir", suite->log_dir, "Suite: where raw logs go")->capture_default_str();
  cmd->add_option("--data-dir", suite->data_dir,
                  "Suite: also store the run in DIR/inferno.db when it exists (the server's "
                  "history; default ~/.local/share/inferno)");
  cmd->add_flag("--no-store", suite->no_store, "Suite: do not store the run in the history");
  cmd->add_option("--summary", b->summary,
                  "Write docs/benchmark_summary.md from this results CSV (no measuring)")
      ->expected(0, 1)
      ->default_str("benchmarks/results.csv");
  cmd->add_option("-o,--output", b->summary_out, "Summary markdown path")->capture_default_str();
}

// One model's tests (ppN, tgN, and the chat, parallel and speculative variants).
void AddRunOptions(CLI::App* cmd, BenchCliOptions* o) {
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
  cmd->add_option("--turns", o->turns,
                  "Chat test instead: time to first token of N turns with and without the prompt "
                  "cache (-p: system prompt tokens, -n: tokens per answer)")
      ->check(CLI::Range(1, 64));
  cmd->add_option("--csv", o->csv, "Append results to this CSV file");
  cmd->add_flag("--json", o->json, "Print one JSON object per test");
  cmd->add_option("-d,--depth", o->depth,
                  "Context already in the cache when the decode test starts (tgN@dD)")
      ->capture_default_str()
      ->check(CLI::Range(0, 1 << 20));
  o->kv.Add(cmd);
  o->spec.Add(cmd);
  cmd->add_option("--spec-prompt", o->spec_prompt,
                  "With --spec: the workload's prompt file (default: a built-in code edit)");
  cmd->add_option("--spec-temp", o->spec_temp, "With --spec: sampling temperature (0 = greedy)");
}

// The load sweep, with -p (words), -n and the suite's history options read for it.
int RunLoadSweep(const CLI::App& cmd, BenchCommand& b) {
  LoadCliOptions& load = b.load;
  load.model = b.run.model;
  load.prompt_words = 64;
  if (cmd.count("-p") > 0) {
    Result<std::vector<int>> words = ParseSizes(b.run.prompt_sizes);
    if (!words.ok() || words->size() != 1 || words->front() < 1) {
      fmt::print(stderr, "error: with --url, -p is the prompt's length in words (one number)\n");
      return 2;
    }
    load.prompt_words = words->front();
  }
  load.max_tokens = cmd.count("-n") > 0 ? std::max(1, b.run.generate) : 64;
  load.data_dir = b.suite.data_dir;
  load.no_store = b.suite.no_store;
  load.json = b.run.json;
  return RunLoadCli(load);
}

// The suite, with the one-model settings it shares (its own defaults where they are not given).
int RunSuite(const CLI::App& cmd, BenchCommand& b) {
  SuiteCliOptions& suite = b.suite;
  suite.generate = cmd.count("-n") > 0 ? b.run.generate : 64;
  suite.repetitions = cmd.count("-r") > 0 ? b.run.repetitions : 3;
  suite.threads = b.run.threads;
  suite.prompt_sizes = cmd.count("-p") > 0 ? b.run.prompt_sizes : "";
  if (!b.run.csv.empty()) suite.csv = b.run.csv;
  if (!b.run.model.empty()) suite.models.insert(suite.models.begin(), b.run.model);
  if (cmd.count("--summary") > 0) suite.summary_out = b.summary_out;
  return RunSuiteCli(suite);
}

// Which mode the parsed options ask for: --url, --suite, --summary, or one model.
int RunBenchCommand(const CLI::App& cmd, BenchCommand& b) {
  if (!b.load.url.empty()) return RunLoadSweep(cmd, b);
  if (b.run_suite) return RunSuite(cmd, b);
  if (cmd.count("--summary") > 0) {
    return RunSummaryCli(b.summary.empty() ? "benchmarks/results.csv" : b.summary, b.summary_out);
  }
  if (b.run.model.empty()) {
    fmt::print(stderr, "error: bench needs -m MODEL (or --suite / --summary)\n");
    return 2;
  }
  if (b.run.turns > 0) {  // shorter defaults: each turn runs twice per repetition
    if (cmd.count("-n") == 0) b.run.generate = 32;
    if (cmd.count("-r") == 0) b.run.repetitions = 3;
  }
  return RunBenchCli(b.run);
}

}  // namespace

void AddBenchCommand(CLI::App& root, int* exit_code) {
  auto b = std::make_shared<BenchCommand>();
  CLI::App* cmd = root.add_subcommand("bench", "Measure prefill and decode speed");
  cmd->footer(
      "Suite mode: inferno bench --suite --models a.gguf,b.gguf [-p 50,100,200] [-n 64] [-r 3]\n"
      "  measures time to first token, prefill/decode tok/s, latency, peak RSS, load and CPU\n"
      "  time per model (each in its own process), appends to benchmarks/results.csv and\n"
      "  keeps raw logs in logs/<timestamp>/. Summary: inferno bench --summary [CSV] [-o MD]\n"
      "  --images: vision models (model + its mmproj) x picture size (-p 256,512,1024 px);\n"
      "  --audio: speech models x clip length (-p 5,10,30 s)\n"
      "Load sweep: inferno bench --url http://HOST:PORT --model M [--concurrency 1,4,16,64]\n"
      "  [--requests N] [-p WORDS] [-n TOKENS]: streamed chat requests from that many clients\n"
      "  at once against an OpenAI-compatible server (vLLM, llama-server, inferno serve); TTFT,\n"
      "  latency p50/p95/p99 and tokens/s per level, stored in the history (--data-dir)");
  cmd->add_option("-m,--model", b->run.model,
                  "GGUF model file (with --url: the server's model id)");
  AddLoadSweepOptions(cmd, &b->load);
  AddSuiteOptions(cmd, b.get());
  AddRunOptions(cmd, &b->run);
  cmd->callback([b, cmd, exit_code] { *exit_code = RunBenchCommand(*cmd, *b); });
  AddBenchWorkerCommand(root, exit_code);
}

}  // namespace inferno::cli
