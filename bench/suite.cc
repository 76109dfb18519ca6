#include "bench/suite.h"

#include <boost/json.hpp>
#include <chrono>
#include <cmath>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <thread>

#include "bench/child_process.h"
#include "bench/machine.h"
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

Status RunWorker(const WorkerOptions& o, const std::function<void(const std::string&)>& emit) {
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
  if (o.models.empty()) return Status::InvalidArgument("no models to benchmark");
  if (o.prompt_sizes.empty()) return Status::InvalidArgument("no prompt sizes");
  const std::time_t now = std::time(nullptr);
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
  const MachineInfo machine = DetectMachine();
  const int threads = o.threads > 0 ? o.threads : std::max(1, machine.cores);
  {
    std::ofstream info(fs::path(run.log_dir) / "machine.json");
    info << json::serialize(json::object{{"hostname", machine.hostname},
                                         {"cpu_model", machine.cpu_model},
                                         {"cores", machine.cores},
                                         {"memory_bytes", machine.memory_bytes},
                                         {"cpu_flags", machine.cpu_flags},
                                         {"isa", machine.isa},
                                         {"threads", threads}})
         << "\n";
  }

  for (size_t mi = 0; mi < o.models.size(); ++mi) {
    const std::string& path = o.models[mi];
    SuiteRow base;
    base.timestamp = UtcTimestamp(now, false);
    base.run_id = run.run_id;
    base.hostname = machine.hostname;
    base.cpu_model = machine.cpu_model;
    base.cpu_flags = machine.cpu_flags;
    base.isa = machine.isa;
    base.cores = machine.cores;
    base.threads = threads;
    base.model = o.labels.empty() ? ModelName(path) : o.labels[mi];
    base.model_path = path;
    base.generated_tokens = o.generate_tokens;
    base.repetitions = o.repetitions;

    SuiteProgress pr{
        int(mi),  int(o.models.size()), base.model, 0, int(o.prompt_sizes.size()) * o.repetitions,
        "loading"};
    if (progress) progress(pr);

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
    for (int p : o.prompt_sizes) sizes += (sizes.empty() ? "" : ",") + std::to_string(p);
    argv.push_back(sizes);

    // Labels may be ids with directories ("team/m"): flatten them for file names.
    std::string file_stem = base.model;
    for (char& c : file_stem) c = c == '/' ? '_' : c;
    std::ofstream raw(fs::path(run.log_dir) / (file_stem + ".jsonl"));
    json::object model_info;
    std::map<int, std::vector<json::object>> reps;
    std::string bad_line;
    Result<ChildResult> child = RunChild(
        argv,
        [&](const std::string& line) {
          raw << line << "\n" << std::flush;  // a live log: `tail -f` shows each repetition
          json::error_code jec;
          json::value v = json::parse(line, jec);
          if (jec || !v.is_object()) {
            if (bad_line.empty()) bad_line = line;
            return;
          }
          json::object& obj = v.as_object();
          const json::value* type = obj.if_contains("type");
          if (type && type->is_string() && type->as_string() == "model") {
            model_info = obj;
          } else if (type && type->is_string() && type->as_string() == "rep") {
            reps[int(Num(obj, "prompt_tokens"))].push_back(obj);
            ++pr.step;
            pr.phase = "measuring";
            pr.prompt_tokens = int(Num(obj, "prompt_tokens"));
            pr.rep = int(Num(obj, "rep"));
            if (progress) progress(pr);
          }
        },
        o.cancel);
    if (!child.ok()) return child.status();
    if (o.cancel != nullptr && o.cancel->load()) return Status::Cancelled("the run was cancelled");
    {
      std::ofstream err(fs::path(run.log_dir) / (file_stem + ".stderr.txt"));
      err << child->err;
    }
    if (const json::value* a = model_info.if_contains("architecture"); a && a->is_string()) {
      base.architecture = std::string(a->as_string());
    }
    if (const json::value* q = model_info.if_contains("quant"); q && q->is_string()) {
      base.quant = std::string(q->as_string());
    }
    base.size_bytes = Num(model_info, "size_bytes");
    if (base.size_bytes == 0) base.size_bytes = double(fs::file_size(path, ec));
    base.params = Num(model_info, "params");
    base.load_ms = Num(model_info, "load_ms");
    base.peak_rss_bytes = child->peak_rss_bytes;
    base.cpu_seconds = child->cpu_seconds;

    const bool failed = child->exit_code != 0 || child->signal != 0;
    if (failed) {
      SuiteRow row = base;
      row.status = "failed";
      if (child->signal != 0) {
        row.error = "worker killed by signal " + std::to_string(child->signal);
      } else {
        row.error = FirstErrorLine(child->err);
        if (row.error.empty()) row.error = "worker exited with " + std::to_string(child->exit_code);
      }
      run.rows.push_back(row);
      if (o.on_row) o.on_row(row);
      pr.phase = "failed";
      if (progress) progress(pr);
      continue;
    }
    for (int p : o.prompt_sizes) {
      SuiteRow row = base;
      row.prompt_tokens = p;
      std::vector<double> ttft, prefill, decode, total;
      for (const json::object& r : reps[p]) {
        ttft.push_back(Num(r, "ttft_ms"));
        prefill.push_back(Num(r, "prefill_tps"));
        decode.push_back(Num(r, "decode_tps"));
        total.push_back(Num(r, "total_ms"));
        row.generated_tokens = int(Num(r, "generated_tokens"));
      }
      if (ttft.empty()) {
        row.status = "failed";
        row.error = bad_line.empty() ? "no measurements for this prompt size"
                                     : "unreadable worker output: " + bad_line.substr(0, 200);
      }
      MeanSd(ttft, &row.ttft_ms, &row.ttft_ms_sd);
      MeanSd(prefill, &row.prefill_tps, &row.prefill_tps_sd);
      MeanSd(decode, &row.decode_tps, &row.decode_tps_sd);
      MeanSd(total, &row.total_ms, &row.total_ms_sd);
      run.rows.push_back(row);
      if (o.on_row) o.on_row(row);
    }
    pr.phase = "done";
    if (progress) progress(pr);
  }
  if (!o.csv_path.empty()) {
    Status st = AppendRows(o.csv_path, run.rows);
    if (!st.ok()) return st;
  }
  return run;
}

}  // namespace inferno::bench
