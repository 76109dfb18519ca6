#include "bench/suite.h"

#include <boost/json.hpp>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <thread>

#include "bench/child_process.h"
#include "bench/machine.h"
#include "bench/media_bench.h"
#include "bench/runner.h"
#include "engine/model/model_summary.h"
#include "engine/runtime/session.h"

namespace inferno::bench {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

// Plain text for prompts: varied enough to tokenize like real prose.
constexpr const char* kPassage =
    "The lighthouse keeper climbed the spiral stairs every evening, counting the steps out "
    "of habit. From the lamp room she could see the harbour, the fishing boats coming home, "
    "and the long road that wound along the cliffs toward the village. Some nights the fog "
    "rolled in so thick that the beam seemed to stop a few yards from the glass, and she "
    "would sound the horn instead, two long notes every minute until morning. In the winter "
    "she repaired nets for the fishermen and wrote letters to her brother, who worked on a "
    "farm far inland and had never seen the sea. ";

void MeanSd(const std::vector<double>& v, double* mean, double* sd) {
  *mean = *sd = 0;
  if (v.empty()) return;
  for (double x : v) *mean += x;
  *mean /= double(v.size());
  for (double x : v) *sd += (x - *mean) * (x - *mean);
  *sd = v.size() > 1 ? std::sqrt(*sd / double(v.size() - 1)) : 0;
}

std::string UtcTimestamp(std::time_t t, bool for_path) {
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), for_path ? "%Y%m%dT%H%M%SZ" : "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string ModelName(const std::string& path) { return fs::path(path).stem().string(); }

double Num(const json::object& o, const char* key) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr) return 0;
  if (v->is_double()) return v->as_double();
  if (v->is_int64()) return double(v->as_int64());
  if (v->is_uint64()) return double(v->as_uint64());
  return 0;
}

std::string FirstErrorLine(const std::string& err) {
  // The worker prints "error: ..." as its last words; keep that line.
  const size_t at = err.rfind("error: ");
  std::string line = at == std::string::npos ? err : err.substr(at + 7);
  const size_t nl = line.find('\n');
  if (nl != std::string::npos) line.resize(nl);
  return line;
}

// Checks the options, picks the run id and creates the run's log directory.
Result<SuiteRun> StartRun(const SuiteOptions& o, std::time_t now) {
  if (o.models.empty()) return Status::InvalidArgument("no models to benchmark");
  if (o.prompt_sizes.empty()) return Status::InvalidArgument("no prompt sizes");
  if (!IsCategory(o.category)) {
    return Status::InvalidArgument("unknown benchmark category '" + o.category +
                                   "' (text, image or audio)");
  }
  if (o.category == "image" && o.mmprojs.size() != o.models.size()) {
    return Status::InvalidArgument("the image category needs one mmproj per model");
  }
  if (o.category != "text") {
    std::error_code ec;
    if (o.media_file.empty() || !fs::is_regular_file(o.media_file, ec)) {
      return Status::InvalidArgument("the " + o.category + " category needs a source " +
                                     (o.category == "image" ? "picture" : "recording") +
                                     (o.media_file.empty() ? "" : "; not a file: " + o.media_file));
    }
  }
  SuiteRun run;
  run.run_id = o.run_id.empty() ? UtcTimestamp(now, /*for_path=*/true) : o.run_id;
  if (run.run_id.find('/') != std::string::npos || run.run_id.find("..") != std::string::npos) {
    return Status::InvalidArgument("run id '" + run.run_id + "' is not a directory name");
  }
  if (!o.labels.empty() && o.labels.size() != o.models.size()) {
    return Status::InvalidArgument("one label per model is needed");
  }
  run.log_dir = (fs::path(o.log_root) / run.run_id).string();
  std::error_code ec;
  fs::create_directories(run.log_dir, ec);
  if (ec) return Status::IoError(run.log_dir + ": " + ec.message());
  return run;
}

// <log_dir>/machine.json: what the run was measured on.
void WriteMachineJson(const std::string& log_dir, const MachineInfo& machine, int threads) {
  std::ofstream info(fs::path(log_dir) / "machine.json");
  info << json::serialize(json::object{{"hostname", machine.hostname},
                                       {"cpu_model", machine.cpu_model},
                                       {"cores", machine.cores},
                                       {"memory_bytes", machine.memory_bytes},
                                       {"cpu_flags", machine.cpu_flags},
                                       {"isa", machine.isa},
                                       {"threads", threads}})
       << "\n";
}

// The columns that every row of model `mi` shares and that are known before its worker runs.
SuiteRow ModelRow(const SuiteOptions& o, size_t mi, const SuiteRun& run, const MachineInfo& machine,
                  int threads, std::time_t now) {
  const std::string& path = o.models[mi];
  SuiteRow base;
  base.timestamp = UtcTimestamp(now, false);
  base.run_id = run.run_id;
  RecordMachine(machine, &base);
  base.threads = threads;
  base.model = o.labels.empty() ? ModelName(path) : o.labels[mi];
  base.model_path = path;
  base.generated_tokens = o.generate_tokens;
  base.repetitions = o.repetitions;
  base.input_type = o.category;
  if (o.category == "image") base.mmproj_path = o.mmprojs[mi];
  return base;
}

// `inferno bench-worker` for one model.
std::vector<std::string> WorkerArgv(const SuiteOptions& o, size_t mi, int threads) {
  const std::string& path = o.models[mi];
  std::vector<std::string> argv = {o.worker_binary,
                                   "bench-worker",
                                   "-m",
                                   path,
                                   "-n",
                                   std::to_string(o.generate_tokens),
                                   "-r",
                                   std::to_string(o.repetitions),
                                   "-t",
                                   std::to_string(threads),
                                   "-p"};
  std::string sizes;
  for (int p : o.prompt_sizes) {  // by appends: GCC 12 warns falsely (-Wrestrict) on "," + s
    if (!sizes.empty()) sizes += ',';
    sizes += std::to_string(p);
  }
  argv.push_back(sizes);
  if (o.category != "text") {
    argv.insert(argv.end(), {"--category", o.category, "--media", o.media_file});
  }
  if (o.category == "image") argv.insert(argv.end(), {"--mmproj", o.mmprojs[mi]});
  return argv;
}

// What a worker printed on stdout (see RunWorker).
struct WorkerOutput {
  json::object model_info;                        // its {"type":"model"} line
  std::map<int, std::vector<json::object>> reps;  // its {"type":"rep"} lines by size
  std::string bad_line;                           // the first line that was not an object
};

// Runs the worker, copying each stdout line to `raw_log` as it comes (a live log: `tail -f`
// shows each repetition) and reporting each repetition through `progress`.
Result<ChildResult> RunModelWorker(const std::vector<std::string>& argv, const fs::path& raw_log,
                                   const std::atomic<bool>* cancel,
                                   const std::function<void(const SuiteProgress&)>& progress,
                                   SuiteProgress* pr, WorkerOutput* out) {
  std::ofstream raw(raw_log);
  auto on_line = [&](const std::string& line) {
    raw << line << "\n" << std::flush;
    json::error_code jec;
    json::value v = json::parse(line, jec);
    if (jec || !v.is_object()) {
      if (out->bad_line.empty()) out->bad_line = line;
      return;
    }
    json::object& obj = v.as_object();
    const json::value* type = obj.if_contains("type");
    if (type && type->is_string() && type->as_string() == "model") {
      out->model_info = obj;
    } else if (type && type->is_string() && type->as_string() == "rep") {
      const int size = int(Num(obj, "size"));
      out->reps[size].push_back(obj);
      ++pr->step;
      pr->phase = "measuring";
      pr->prompt_tokens = size;
      pr->rep = int(Num(obj, "rep"));
      if (progress) progress(*pr);
    }
  };
  return RunChild(argv, on_line, cancel);
}

// The model's own columns (from the worker's "model" line, else the file) and what the
// worker process used.
void AddModelColumns(const json::object& model_info, const ChildResult& child, SuiteRow* base) {
  if (const json::value* a = model_info.if_contains("architecture"); a && a->is_string()) {
    base->architecture = std::string(a->as_string());
  }
  if (const json::value* q = model_info.if_contains("quant"); q && q->is_string()) {
    base->quant = std::string(q->as_string());
  }
  base->size_bytes = Num(model_info, "size_bytes");
  std::error_code ec;
  if (base->size_bytes == 0) base->size_bytes = double(fs::file_size(base->model_path, ec));
  base->params = Num(model_info, "params");
  base->load_ms = Num(model_info, "load_ms");
  if (const json::value* m = model_info.if_contains("mmproj_path"); m && m->is_string()) {
    base->mmproj_path = std::string(m->as_string());
  }
  base->peak_rss_bytes = child.peak_rss_bytes;
  base->cpu_seconds = child.cpu_seconds;
}

// The one row of a model whose worker failed: the signal, else the worker's error line.
SuiteRow FailedRow(const SuiteRow& base, const ChildResult& child) {
  SuiteRow row = base;
  row.status = "failed";
  if (child.signal != 0) {
    row.error = "worker killed by signal " + std::to_string(child.signal);
  } else {
    row.error = FirstErrorLine(child.err);
    if (row.error.empty()) row.error = "worker exited with " + std::to_string(child.exit_code);
  }
  return row;
}

// The row of one size: mean and sd over its repetitions, failed when there are none. Text
// rows are keyed by prompt tokens, image rows by the picture's long side, audio rows by the
// clip's seconds; the columns of the other categories stay 0.
SuiteRow SizeRow(const SuiteRow& base, int size, const std::vector<json::object>& reps,
                 const std::string& bad_line) {
  SuiteRow row = base;
  if (row.input_type == "text") row.prompt_tokens = size;
  if (row.input_type == "image") row.image_px = size;
  if (row.input_type == "audio") row.audio_seconds = size;
  std::vector<double> ttft, prefill, decode, total, encoder, rtf;
  for (const json::object& r : reps) {
    ttft.push_back(Num(r, "ttft_ms"));
    prefill.push_back(Num(r, "prefill_tps"));
    decode.push_back(Num(r, "decode_tps"));
    total.push_back(Num(r, "total_ms"));
    encoder.push_back(Num(r, "encoder_ms"));
    rtf.push_back(Num(r, "rtf"));
    row.generated_tokens = int(Num(r, "generated_tokens"));
    row.prompt_tokens = int(Num(r, "prompt_tokens"));
    row.image_tokens = int(Num(r, "image_tokens"));
  }
  if (ttft.empty()) {
    row.status = "failed";
    row.error = bad_line.empty() ? "no measurements for this size"
                                 : "unreadable worker output: " + bad_line.substr(0, 200);
  }
  MeanSd(ttft, &row.ttft_ms, &row.ttft_ms_sd);
  MeanSd(prefill, &row.prefill_tps, &row.prefill_tps_sd);
  MeanSd(decode, &row.decode_tps, &row.decode_tps_sd);
  MeanSd(total, &row.total_ms, &row.total_ms_sd);
  MeanSd(encoder, &row.encoder_ms, &row.encoder_ms_sd);
  MeanSd(rtf, &row.rtf, &row.rtf_sd);
  return row;
}

// Measures model `mi` in its own worker process and appends its rows to `rows` (one failed
// row when the worker failed, else one per prompt size), passing each to o.on_row. Errors
// are for the whole suite: the worker could not be started, or the run was cancelled.
Status RunModel(const SuiteOptions& o, size_t mi, SuiteRow base, const std::string& log_dir,
                const std::function<void(const SuiteProgress&)>& progress,
                std::vector<SuiteRow>* rows) {
  SuiteProgress pr{
      int(mi),  int(o.models.size()), base.model, 0, int(o.prompt_sizes.size()) * o.repetitions,
      "loading"};
  pr.category = o.category;
  if (progress) progress(pr);
  // Labels may be ids with directories ("team/m"): flatten them for file names.
  std::string file_stem = base.model;
  for (char& c : file_stem) c = c == '/' ? '_' : c;
  WorkerOutput out;
  Result<ChildResult> child =
      RunModelWorker(WorkerArgv(o, mi, base.threads), fs::path(log_dir) / (file_stem + ".jsonl"),
                     o.cancel, progress, &pr, &out);
  if (!child.ok()) return child.status();
  if (o.cancel != nullptr && o.cancel->load()) return Status::Cancelled("the run was cancelled");
  {
    std::ofstream err(fs::path(log_dir) / (file_stem + ".stderr.txt"));
    err << child->err;
  }
  AddModelColumns(out.model_info, *child, &base);
  auto add = [&](const SuiteRow& row) {
    rows->push_back(row);
    if (o.on_row) o.on_row(row);
  };
  if (child->exit_code != 0 || child->signal != 0) {
    add(FailedRow(base, *child));
    pr.phase = "failed";
    if (progress) progress(pr);
    return Status::Ok();
  }
  for (int p : o.prompt_sizes) add(SizeRow(base, p, out.reps[p], out.bad_line));
  pr.phase = "done";
  if (progress) progress(pr);
  return Status::Ok();
}

}  // namespace

std::vector<int32_t> BenchPrompt(const Model& model, int n) {
  const Tokenizer& tok = model.tokenizer();
  std::vector<int32_t> ids;
  if (tok.add_bos() && tok.bos() >= 0) ids.push_back(tok.bos());
  const std::vector<int32_t> text = tok.Encode(kPassage, /*add_special=*/false,
                                               /*parse_special=*/false);
  while (int(ids.size()) < n && !text.empty()) {
    for (int32_t id : text) {
      if (int(ids.size()) == n) break;
      ids.push_back(id);
    }
  }
  return ids;
}

bool IsCategory(const std::string& name) {
  for (const char* c : kCategories) {
    if (name == c) return true;
  }
  return false;
}

std::string DefaultMediaFile(const std::string& category) {
  const std::string name = category == "audio" ? "speech-1.mp3" : "photo-1.jpeg";
  std::vector<fs::path> dirs;
  if (const char* env = std::getenv("INFERNO_MEDIA_DIR"); env != nullptr && *env != '\0') {
    dirs.emplace_back(env);
  }
  dirs.emplace_back("../shared/fixtures/media");
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) dirs.push_back(exe.parent_path() / "../../../shared/fixtures/media");
  for (const fs::path& d : dirs) {
    if (fs::is_regular_file(d / name, ec)) return fs::weakly_canonical(d / name, ec).string();
  }
  return (dirs.front() / name).string();
}

std::vector<int> DefaultSizes(const std::string& category) {
  if (category == "image") return {256, 512, 1024};
  if (category == "audio") return {5, 10, 30};
  return {50, 100, 200};
}

Status RunWorker(const WorkerOptions& o, const std::function<void(const std::string&)>& emit) {
  if (o.category == "image") return RunImageWorker(o, emit);
  if (o.category == "audio") return RunAudioWorker(o, emit);
  if (o.category != "text") return Status::InvalidArgument("unknown category " + o.category);
  Result<std::unique_ptr<Model>> loaded = Model::Load(o.model);
  if (!loaded.ok()) return loaded.status();
  const Model& model = **loaded;
  const ModelSummary summary = SummarizeModel(model.file());
  emit(json::serialize(json::object{{"type", "model"},
                                    {"architecture", summary.architecture},
                                    {"quant", summary.quant},
                                    {"size_bytes", double(model.file().file_size())},
                                    {"params", summary.parameters},
                                    {"load_ms", model.load_ms()}}));
  int max_prompt = 1;
  for (int p : o.prompt_sizes) max_prompt = std::max(max_prompt, p);
  SessionOptions so;
  so.n_ctx = max_prompt + o.generate_tokens + 1;
  if (so.n_ctx > model.config().n_ctx_train) {
    return Status::InvalidArgument("the suite needs a context of " + std::to_string(so.n_ctx) +
                                   " tokens; the model was trained for " +
                                   std::to_string(model.config().n_ctx_train));
  }
  so.n_batch = 512;
  ThreadPool pool(std::max(1, o.threads));
  Session session(model, pool, so);
  auto generate = [&](int prompt_tokens, Timings* timings, double* total_ms) {
    GenerateRequest req;
    req.prompt_tokens = BenchPrompt(model, prompt_tokens);
    req.max_tokens = o.generate_tokens;
    req.sampling.temperature = 0;
    req.ignore_eos = true;  // always the same number of decode steps
    const auto start = std::chrono::steady_clock::now();
    Status st = session.Generate(req, [&](const Event& e) {
      if (e.type == Event::Type::kDone) *timings = e.timings;
      return true;
    });
    *total_ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    return st;
  };
  {
    Timings t;
    double ms = 0;
    Status st = generate(std::min(8, max_prompt), &t, &ms);  // warm-up: page in the weights
    if (!st.ok()) return st;
  }
  for (int p : o.prompt_sizes) {
    for (int r = 0; r < o.repetitions; ++r) {
      Timings t;
      double total_ms = 0;
      Status st = generate(p, &t, &total_ms);
      if (!st.ok()) return st;
      emit(json::serialize(json::object{{"type", "rep"},
                                        {"size", p},
                                        {"prompt_tokens", t.prompt_tokens},
                                        {"rep", r},
                                        {"generated_tokens", t.generated_tokens},
                                        {"ttft_ms", t.ttft_ms},
                                        {"prompt_ms", t.prompt_ms},
                                        {"prefill_tps", t.prompt_tokens_per_second()},
                                        {"decode_tps", t.decode_tokens_per_second()},
                                        {"total_ms", total_ms}}));
    }
  }
  return Status::Ok();
}

std::string NewRunId() { return UtcTimestamp(std::time(nullptr), /*for_path=*/true); }

Result<SuiteRun> RunSuite(const SuiteOptions& o,
                          const std::function<void(const SuiteProgress&)>& progress) {
  const std::time_t now = std::time(nullptr);
  Result<SuiteRun> run = StartRun(o, now);
  if (!run.ok()) return run.status();
  const MachineInfo machine = DetectMachine();
  const int threads = o.threads > 0 ? o.threads : std::max(1, machine.cores);
  WriteMachineJson(run->log_dir, machine, threads);
  for (size_t mi = 0; mi < o.models.size(); ++mi) {
    const SuiteRow base = ModelRow(o, mi, *run, machine, threads, now);
    INFERNO_RETURN_IF_ERROR(RunModel(o, mi, base, run->log_dir, progress, &run->rows));
  }
  if (!o.csv_path.empty()) {
    Status st = AppendRows(o.csv_path, run->rows);
    if (!st.ok()) return st;
  }
  return run;
}

}  // namespace inferno::bench
