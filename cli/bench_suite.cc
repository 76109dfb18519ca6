#include "cli/bench_suite.h"

#include <fmt/format.h>
#include <signal.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <sstream>

#include "bench/machine.h"
#include "bench/suite.h"
#include "bench/summary.h"
#include "cli/inspect_whisper.h"
#include "cli/model_files.h"
#include "engine/model/model_dir.h"
#include "store/store.h"
#include "store/timestamps.h"

namespace inferno::cli {
namespace {

namespace fs = std::filesystem;

Result<std::vector<int>> ParseList(const std::string& list, const char* what) {
  std::vector<int> out;
  std::stringstream ss(list);
  for (std::string item; std::getline(ss, item, ',');) {
    char* end = nullptr;
    const long v = std::strtol(item.c_str(), &end, 10);
    if (item.empty() || *end != '\0' || v <= 0 || v > 1 << 20) {
      return Status::InvalidArgument(std::string(what) + " expects comma-separated positive " +
                                     "numbers, got '" + list + "'");
    }
    out.push_back(int(v));
  }
  if (out.empty()) return Status::InvalidArgument(std::string(what) + " is empty");
  return out;
}

void DrawProgress(const bench::SuiteProgress& p) {
  const bool tty = isatty(STDERR_FILENO);
  const int done_models = p.model_index;
  const double frac =
      (done_models + (p.steps ? double(p.step) / p.steps : 0.0)) / std::max(1, p.model_count);
  if (!tty) {
    if (p.phase != "measuring") {
      fmt::print(stderr, "[{}/{}] {}: {}\n", p.model_index + 1, p.model_count, p.model, p.phase);
    }
    return;
  }
  constexpr int kWidth = 30;
  const int filled = std::clamp(int(frac * kWidth + 0.5), 0, kWidth);
  fmt::print(stderr, "\r\033[K[{}{}] {:3.0f}%  model {}/{} {} ({}, {}/{})",
             std::string(filled, '#'), std::string(kWidth - filled, ' '), frac * 100,
             p.model_index + 1, p.model_count, p.model, p.phase, p.step, p.steps);
  if (p.phase == "done" || p.phase == "failed") fmt::print(stderr, "\n");
}

std::atomic<bool> g_interrupted{false};

void OnInterrupt(int) { g_interrupted = true; }

// The history: when the server's database exists, the run is stored there too, so the web
// UI's Benchmarks page lists it beside the runs started from the browser. Returns the stored
// run's id (0 when not stored) and sets so.on_row to add the rows.
int64_t StartStoredRun(const std::string& db_path, bench::SuiteOptions& so,
                       std::unique_ptr<store::Store>* db) {
  if (!fs::exists(db_path)) return 0;
  Result<std::unique_ptr<store::Store>> opened = store::Store::Open(db_path);
  if (!opened.ok()) {
    fmt::print(stderr, "warning: not storing the run: {}\n", opened.status().message());
    return 0;
  }
  *db = std::move(*opened);
  const bench::MachineInfo machine = bench::DetectMachine();
  store::BenchRun record = store::NewBenchRun("cli", so.run_id, machine);
  record.threads = so.threads > 0 ? so.threads : std::max(1, machine.cores);
  record.models = so.models;
  record.category = so.category;
  record.prompt_sizes = so.prompt_sizes;
  record.repetitions = so.repetitions;
  record.generate_tokens = so.generate_tokens;
  Result<int64_t> id = (*db)->CreateBenchRun(record);
  if (!id.ok()) {
    fmt::print(stderr, "warning: not storing the run: {}\n", id.status().message());
    return 0;
  }
  store::Store* store = db->get();
  const int64_t stored_id = *id;
  so.on_row = [store, stored_id](const bench::SuiteRow& row) {
    if (Status st = store->AddBenchResult(stored_id, row); !st.ok()) {
      fmt::print(stderr, "\nwarning: {}\n", st.message());
    }
  };
  return stored_id;
}

// The run's rows as a markdown table on stdout, with the columns of its category.
void PrintRows(const std::string& category, const std::vector<bench::SuiteRow>& rows) {
  if (category == "image") {
    fmt::print(
        "| model | quant | image px | image tokens | encoder ms | TTFT ms | prefill tok/s | "
        "decode tok/s | peak RSS MiB | status "
        "|\n|---|---|---:|---:|---:|---:|---:|---:|---:|---|\n");
  } else if (category == "audio") {
    fmt::print(
        "| model | quant | clip s | latency ms | RTF | tokens | peak RSS MiB | CPU s | status |\n"
        "|---|---|---:|---:|---:|---:|---:|---:|---|\n");
  } else {
    fmt::print(
        "| model | quant | prompt | TTFT ms | prefill tok/s | decode tok/s | peak RSS MiB | "
        "status |\n|---|---|---:|---:|---:|---:|---:|---|\n");
  }
  for (const bench::SuiteRow& r : rows) {
    const double mib = r.peak_rss_bytes / 1048576.0;
    if (r.status != "ok") {
      fmt::print("| {} | {} | failed: {} |\n", r.model, r.quant, r.error);
    } else if (category == "image") {
      fmt::print(
          "| {} | {} | {} | {} | {:.1f} ± {:.1f} | {:.1f} | {:.1f} ± {:.1f} | {:.1f} ± "
          "{:.1f} | {:.0f} | ok |\n",
          r.model, r.quant, r.image_px, r.image_tokens, r.encoder_ms, r.encoder_ms_sd, r.ttft_ms,
          r.prefill_tps, r.prefill_tps_sd, r.decode_tps, r.decode_tps_sd, mib);
    } else if (category == "audio") {
      fmt::print(
          "| {} | {} | {:g} | {:.0f} ± {:.0f} | {:.3f} ± {:.3f} | {} | {:.0f} | {:.1f} | ok |\n",
          r.model, r.quant, r.audio_seconds, r.total_ms, r.total_ms_sd, r.rtf, r.rtf_sd,
          r.generated_tokens, mib, r.cpu_seconds);
    } else {
      fmt::print("| {} | {} | {} | {:.1f} | {:.1f} ± {:.1f} | {:.1f} ± {:.1f} | {:.0f} | ok |\n",
                 r.model, r.quant, r.prompt_tokens, r.ttft_ms, r.prefill_tps, r.prefill_tps_sd,
                 r.decode_tps, r.decode_tps_sd, mib);
    }
  }
}

}  // namespace

std::string SelfBinaryPath() {
  std::error_code ec;
  const fs::path p = fs::read_symlink("/proc/self/exe", ec);
  return ec ? std::string("inferno") : p.string();
}

namespace {

// Every GGUF of the models dir (--all, the text category).
Status AllTextModels(const SuiteCliOptions& o, bench::SuiteOptions* so) {
  const std::string dir = ResolveModelsDir(o.models_dir);
  const size_t given = so->models.size();
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->is_regular_file() && it->path().extension() == ".gguf") {
      so->models.push_back(it->path().string());
    }
  }
  std::sort(so->models.begin() + ptrdiff_t(given), so->models.end());
  if (so->models.empty()) return Status::NotFound("no .gguf files in " + dir);
  return Status::Ok();
}

// --images: the models given (their mmproj given by --mmproj, else the one beside each, as
// the server pairs them), else every model of the models dir that has one.
Status VisionModels(const SuiteCliOptions& o, bench::SuiteOptions* so) {
  if (so->models.empty()) {
    const std::string dir = ResolveModelsDir(o.models_dir);
    for (const ModelFile& f : FindModelFiles(dir)) {
      if (!FindMmprojFor(f.path).empty()) so->models.push_back(f.path);
    }
    if (so->models.empty()) {
      return Status::NotFound("no vision models (a model with an mmproj beside it) in " + dir);
    }
  }
  if (!o.mmprojs.empty()) {
    if (o.mmprojs.size() != so->models.size()) {
      return Status::InvalidArgument("--mmproj needs one file per model (" +
                                     std::to_string(so->models.size()) + " models)");
    }
    so->mmprojs = o.mmprojs;
    return Status::Ok();
  }
  for (const std::string& m : so->models) {
    const std::string mmproj = FindMmprojFor(m);
    if (mmproj.empty()) {
      return Status::NotFound(m + ": no mmproj beside it; name it with --mmproj");
    }
    so->mmprojs.push_back(mmproj);
  }
  return Status::Ok();
}

// --audio: the models given, else every whisper.cpp model file of the models dir.
Status SpeechModels(const SuiteCliOptions& o, bench::SuiteOptions* so) {
  if (!so->models.empty()) return Status::Ok();
  const std::string dir = ResolveModelsDir(o.models_dir);
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->is_regular_file() && IsWhisperFile(it->path().string())) {
      so->models.push_back(it->path().string());
    }
  }
  std::sort(so->models.begin(), so->models.end());
  if (so->models.empty()) return Status::NotFound("no whisper.cpp models in " + dir);
  return Status::Ok();
}

// The category, its sizes, models and source media from the flags.
Status SuiteSelection(const SuiteCliOptions& o, bench::SuiteOptions* so) {
  if (o.images && o.audio) return Status::InvalidArgument("--images and --audio: one at a time");
  so->category = o.images ? "image" : o.audio ? "audio" : "text";
  if (o.all && so->category != "text") {
    return Status::InvalidArgument(
        "--all is the text category; --images and --audio pick "
        "their models from the models dir without it");
  }
  if (!o.mmprojs.empty() && !o.images) return Status::InvalidArgument("--mmproj needs --images");
  so->prompt_sizes = bench::DefaultSizes(so->category);
  if (!o.prompt_sizes.empty()) {
    Result<std::vector<int>> sizes = ParseList(o.prompt_sizes, "-p");
    if (!sizes.ok()) return sizes.status();
    so->prompt_sizes = *sizes;
  }
  so->models = o.models;
  if (so->category == "image") INFERNO_RETURN_IF_ERROR(VisionModels(o, so));
  if (so->category == "audio") INFERNO_RETURN_IF_ERROR(SpeechModels(o, so));
  if (o.all) INFERNO_RETURN_IF_ERROR(AllTextModels(o, so));
  if (so->models.empty()) {
    return Status::InvalidArgument("--suite needs --models a.gguf,b.gguf or --all");
  }
  if (so->category != "text") {
    so->media_file = o.media.empty() ? bench::DefaultMediaFile(so->category) : o.media;
  }
  return Status::Ok();
}

}  // namespace

int RunSuiteCli(const SuiteCliOptions& o) {
  bench::SuiteOptions so;
  if (Status st = SuiteSelection(o, &so); !st.ok()) {
    fmt::print(stderr, "error: {}\n", st.message());
    return st.code() == Status::Code::kNotFound ? 1 : 2;
  }
  so.generate_tokens = o.generate;
  so.repetitions = o.repetitions;
  so.threads = o.threads;
  so.worker_binary = SelfBinaryPath();
  so.csv_path = o.csv;
  so.log_root = o.log_dir;
  so.run_id = bench::NewRunId();
  std::unique_ptr<store::Store> db;
  const std::string db_path = (o.data_dir.empty() ? DefaultDataDir() : o.data_dir) + "/inferno.db";
  const int64_t stored_id = o.no_store ? 0 : StartStoredRun(db_path, so, &db);

  // Ctrl+C (or a kill) stops the suite cleanly: the worker is killed and a stored run is
  // marked cancelled rather than left "running".
  g_interrupted = false;
  struct sigaction on_signal {
  }, old_int{}, old_term{};
  on_signal.sa_handler = OnInterrupt;
  sigemptyset(&on_signal.sa_mask);
  sigaction(SIGINT, &on_signal, &old_int);
  sigaction(SIGTERM, &on_signal, &old_term);
  so.cancel = &g_interrupted;
  Result<bench::SuiteRun> run = bench::RunSuite(so, DrawProgress);
  sigaction(SIGINT, &old_int, nullptr);
  sigaction(SIGTERM, &old_term, nullptr);
  const bool cancelled = !run.ok() && run.status().code() == Status::Code::kCancelled;
  if (stored_id > 0) {
    (void)db->FinishBenchRun(stored_id,
                             run.ok()    ? "done"
                             : cancelled ? "cancelled"
                                         : "failed",
                             run.ok() || cancelled ? "" : run.status().message());
  }
  if (cancelled) {
    fmt::print(stderr, "\ninterrupted: the suite stopped; no rows were appended to {}\n", o.csv);
    return 130;
  }
  if (!run.ok()) {
    fmt::print(stderr, "error: {}\n", run.status().message());
    return 1;
  }
  PrintRows(so.category, run->rows);
  fmt::print("\nresults appended to {}; raw logs in {}\n", o.csv, run->log_dir);
  if (stored_id > 0) fmt::print("stored as benchmark run {} in {}\n", stored_id, db_path);
  if (!o.summary_out.empty()) {
    if (int rc = RunSummaryCli(o.csv, o.summary_out); rc != 0) return rc;
  }
  // The suite itself succeeded even when some models failed: they are recorded as failures.
  return 0;
}

int RunSummaryCli(const std::string& csv_path, const std::string& md_path) {
  Status st = bench::WriteSummary(csv_path, md_path);
  if (!st.ok()) {
    fmt::print(stderr, "error: {}\n", st.message());
    return 1;
  }
  fmt::print("wrote {}\n", md_path);
  return 0;
}

void AddBenchWorkerCommand(CLI::App& root, int* exit_code) {
  auto o = std::make_shared<bench::WorkerOptions>();
  auto sizes = std::make_shared<std::string>("50,100,200");
  CLI::App* cmd = root.add_subcommand("bench-worker", "");
  cmd->group("");  // internal: run by `inferno bench --suite`, one process per model
  cmd->add_option("-m", o->model)->required();
  cmd->add_option("--category", o->category);
  cmd->add_option("--mmproj", o->mmproj);
  cmd->add_option("--media", o->media);
  cmd->add_option("-p", *sizes);
  cmd->add_option("-n", o->generate_tokens);
  cmd->add_option("-r", o->repetitions);
  cmd->add_option("-t", o->threads);
  cmd->callback([o, sizes, exit_code] {
    Result<std::vector<int>> list = ParseList(*sizes, "-p");
    if (!list.ok()) {
      fmt::print(stderr, "error: {}\n", list.status().message());
      *exit_code = 2;
      return;
    }
    o->prompt_sizes = *list;
    Status st = bench::RunWorker(*o, [](const std::string& line) {
      fmt::print("{}\n", line);
      std::fflush(stdout);
    });
    if (!st.ok()) {
      fmt::print(stderr, "error: {}\n", st.message());
      *exit_code = 1;
    }
  });
}

}  // namespace inferno::cli
