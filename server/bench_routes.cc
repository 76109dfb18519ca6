#include "server/bench_routes.h"

#include <algorithm>
#include <boost/json.hpp>
#include <fstream>
#include <set>
#include <string_view>
#include <thread>
#include <vector>

#include "bench/suite.h"
#include "engine/audio/whisper_file.h"
#include "engine/model/model_dir.h"
#include "server/bench_json.h"
#include "server/load_sweep.h"
#include "server/openai.h"
#include "server/route_responses.h"
#include "store/store_json.h"

namespace inferno::server {
namespace {

namespace json = boost::json;

constexpr int kMaxListLimit = 500;
// A follower with nothing to send writes an SSE comment this often, which is how it learns
// that its client left (or that the server is stopping) while the run goes on.
constexpr std::chrono::milliseconds kKeepAlive{1000};

Response FromStatus(const Status& st) {
  switch (st.code()) {
    case Status::Code::kNotFound:
      return ErrorResponse(404, st.message(), "not_found");
    case Status::Code::kAlreadyExists:
      return ErrorResponse(409, st.message(), "bench_running");
    case Status::Code::kInvalidArgument:
      return ErrorResponse(400, st.message(), "invalid_value");
    default:
      return ErrorResponse(500, st.message(), "bench_error");
  }
}

// An integer field within [lo, hi]; absent keeps *out.
std::optional<Response> IntField(const json::object& o, const char* name, int lo, int hi,
                                 int* out) {
  const json::value* v = o.if_contains(name);
  if (v == nullptr || v->is_null()) return std::nullopt;
  const bool in_range = (v->is_int64() && v->as_int64() >= lo && v->as_int64() <= hi) ||
                        (v->is_uint64() && v->as_uint64() <= uint64_t(hi) && lo <= 0);
  if (!in_range) {
    return ErrorResponse(400,
                         std::string(name) + " must be an integer from " + std::to_string(lo) +
                             " to " + std::to_string(hi),
                         "invalid_value", name);
  }
  const int64_t d = v->is_int64() ? v->as_int64() : int64_t(v->as_uint64());
  *out = int(d);
  return std::nullopt;
}

int MaxThreads() { return std::max(1, int(std::thread::hardware_concurrency())); }

}  // namespace

namespace {

// The category field: text (default), image, audio or load.
std::optional<Response> ParseCategory(const json::object& o, std::string* category) {
  const json::value* v = o.if_contains("category");
  if (v == nullptr || v->is_null()) return std::nullopt;
  if (!v->is_string() ||
      (!bench::IsCategory(std::string(v->as_string())) && v->as_string() != "load")) {
    return ErrorResponse(400, "category must be \"text\", \"image\", \"audio\" or \"load\"",
                         "invalid_value", "category");
  }
  *category = std::string(v->as_string());
  return std::nullopt;
}

// The largest size a run may ask for, per category: prompt tokens, the picture's long side
// in pixels, the clip's seconds.
int MaxSize(const std::string& category) {
  if (category == "image") return BenchLimits::kMaxImagePixels;
  if (category == "audio") return BenchLimits::kMaxClipSeconds;
  if (category == "load") return LoadLimits::kMaxPromptWords;
  return BenchLimits::kMaxPromptTokens;
}

// prompt_sizes: distinct sizes of the category; absent: its defaults.
std::optional<Response> ParseSizes(const json::object& o, BenchRequest* req) {
  req->prompt_sizes =
      req->category == "load" ? std::vector<int>{64} : bench::DefaultSizes(req->category);
  const json::value* sizes = o.if_contains("prompt_sizes");
  if (sizes == nullptr || sizes->is_null()) return std::nullopt;
  const int max = MaxSize(req->category);
  const std::string rule = "prompt_sizes must be an array of 1 to " +
                           std::to_string(BenchLimits::kMaxPromptSizes) +
                           " distinct integers from 1 to " + std::to_string(max);
  if (!sizes->is_array() || sizes->as_array().empty() ||
      sizes->as_array().size() > size_t(BenchLimits::kMaxPromptSizes)) {
    return ErrorResponse(400, rule, "invalid_value", "prompt_sizes");
  }
  req->prompt_sizes.clear();
  for (const json::value& v : sizes->as_array()) {
    if (!v.is_int64() || v.as_int64() < 1 || v.as_int64() > max) {
      return ErrorResponse(400, rule + ", got " + json::serialize(v).substr(0, 40), "invalid_value",
                           "prompt_sizes");
    }
    for (int seen : req->prompt_sizes) {
      if (seen == v.as_int64()) return ErrorResponse(400, rule, "invalid_value", "prompt_sizes");
    }
    req->prompt_sizes.push_back(int(v.as_int64()));
  }
  return std::nullopt;
}

// load: `concurrency` (distinct levels, default 1, 4, 16, 64) and `requests` per level.
std::optional<Response> ParseLoadShape(const json::object& o, BenchRequest* req) {
  req->concurrency = {1, 4, 16, 64};
  if (const json::value* c = o.if_contains("concurrency"); c && !c->is_null()) {
    const std::string rule =
        "concurrency must be an array of 1 to " + std::to_string(LoadLimits::kMaxLevels) +
        " distinct integers from 1 to " + std::to_string(LoadLimits::kMaxConcurrency);
    if (!c->is_array() || c->as_array().empty() ||
        c->as_array().size() > size_t(LoadLimits::kMaxLevels)) {
      return ErrorResponse(400, rule, "invalid_value", "concurrency");
    }
    req->concurrency.clear();
    for (const json::value& v : c->as_array()) {
      const bool ok =
          v.is_int64() && v.as_int64() >= 1 && v.as_int64() <= LoadLimits::kMaxConcurrency &&
          std::find(req->concurrency.begin(), req->concurrency.end(), int(v.as_int64())) ==
              req->concurrency.end();
      if (!ok) return ErrorResponse(400, rule, "invalid_value", "concurrency");
      req->concurrency.push_back(int(v.as_int64()));
    }
  }
  return IntField(o, "requests", 1, LoadLimits::kMaxRequests, &req->requests);
}

// A speech model's file in the models dir: the id names a whisper.cpp file, with or without
// ".bin" (as `inferno transcribe` takes it).
Result<std::string> ResolveSpeechModel(const std::string& models_dir, const std::string& id) {
  Result<std::string> path = ResolveModelName(models_dir, id, ".bin");
  if (!path.ok()) return path.status();
  std::ifstream in(*path, std::ios::binary);
  uint8_t head[4] = {};
  if (!in.read(reinterpret_cast<char*>(head), 4) || !audio::WhisperFile::Sniff(head)) {
    return Status::InvalidArgument("model '" + id + "' is not a whisper.cpp speech model");
  }
  return path;
}

}  // namespace

// One model id of the request resolved to its file (and, for images, its mmproj).
std::optional<Response> BenchRoutes::ResolveModel(const std::string& id,
                                                  std::vector<ModelInfo>* listed,
                                                  BenchRequest* req) {
  const std::string& dir = registry_.options().models_dir;
  std::string path;
  if (req->category == "audio") {
    Result<std::string> resolved = ResolveSpeechModel(dir, id);
    if (!resolved.ok()) {
      const bool missing = resolved.status().code() == Status::Code::kNotFound;
      return ErrorResponse(missing ? 404 : 400, resolved.status().message(),
                           missing ? "model_not_found" : "invalid_value", "models");
    }
    path = *resolved;
  }
  // The model the server was started with (-m, or the bundled demo model) may live
  // outside the models dir; it is matched by its exact id, never used as a path.
  const std::string& preload = registry_.options().preload;
  if (path.empty() && !preload.empty()) {
    if (listed->empty()) *listed = registry_.List();
    for (const ModelInfo& m : *listed) {
      if (m.id == id && m.path == preload) path = preload;
    }
  }
  if (path.empty()) {
    Result<std::string> resolved = ResolveModelName(dir, id);
    if (!resolved.ok()) {
      return ErrorResponse(404, resolved.status().message(), "model_not_found", "models");
    }
    path = *resolved;
  }
  if (req->category == "image") {
    // As the registry pairs them (the -m model's --mmproj included), else the one beside it.
    if (listed->empty()) *listed = registry_.List();
    std::string mmproj;
    for (const ModelInfo& m : *listed) {
      if (m.path == path) mmproj = m.mmproj;
    }
    if (mmproj.empty()) mmproj = FindMmprojFor(path);
    if (mmproj.empty()) {
      return ErrorResponse(400,
                           "model '" + id +
                               "' has no vision encoder (an mmproj beside it): "
                               "the image category takes vision models",
                           "invalid_value", "models");
    }
    req->mmproj_paths.push_back(mmproj);
  }
  req->model_ids.push_back(id);
  req->model_paths.push_back(path);
  return std::nullopt;
}

std::optional<Response> BenchRoutes::ResolveTarget(const std::string& id, BenchRequest* req) {
  std::optional<RemoteTarget> t = remotes_ ? remotes_->Find(id) : std::nullopt;
  if (!t) {
    return ErrorResponse(400,
                         "model '" + id.substr(0, 80) +
                             "' is not a remote model (NAME/model): the load sweep measures a "
                             "server; for this one's local models run `inferno bench --url "
                             "http://127.0.0.1:PORT --model MODEL`",
                         "invalid_value", "models");
  }
  req->timeouts = remotes_->timeouts();
  req->targets.push_back(std::move(*t));
  req->model_ids.push_back(id);
  return std::nullopt;
}

std::optional<Response> BenchRoutes::Parse(const std::string& body, BenchRequest* out) {
  json::value root;
  if (auto err = ParseBodyObject(body, &root))
    return ErrorResponse(err->status, err->message, "invalid_json");
  const json::object& o = root.as_object();
  static const std::set<std::string> kKnown = {"models",      "prompt_sizes", "repetitions",
                                               "gen_tokens",  "threads",      "category",
                                               "concurrency", "requests"};
  for (const auto& kv : o) {
    if (!kKnown.count(std::string(kv.key()))) {
      return ErrorResponse(400,
                           "unknown field '" + std::string(kv.key()).substr(0, 40) +
                               "'; a run takes category, models, prompt_sizes, repetitions, "
                               "gen_tokens, threads (and for load: concurrency, requests)",
                           "unknown_field", std::string(kv.key()).substr(0, 40));
    }
  }

  BenchRequest req;
  if (auto err = ParseCategory(o, &req.category)) return err;
  if (req.category != "load") {
    for (const char* name : {"concurrency", "requests"}) {
      if (o.contains(name)) {
        return ErrorResponse(400, std::string(name) + " is a field of the load category",
                             "invalid_value", name);
      }
    }
  }
  const json::value* models = o.if_contains("models");
  if (models == nullptr || !models->is_array() || models->as_array().empty() ||
      models->as_array().size() > size_t(BenchLimits::kMaxModels)) {
    return ErrorResponse(400,
                         "models must be an array of 1 to " +
                             std::to_string(BenchLimits::kMaxModels) +
                             " model ids (as /v1/models lists them)",
                         "invalid_value", "models");
  }
  std::vector<ModelInfo> listed;  // only read when a name may be the -m model
  for (const json::value& v : models->as_array()) {
    if (!v.is_string() || v.as_string().empty()) {
      return ErrorResponse(400, "models must hold model ids (strings)", "invalid_value", "models");
    }
    const std::string id(v.as_string());
    for (const std::string& seen : req.model_ids) {
      if (seen == id)
        return ErrorResponse(400, "model '" + id + "' is listed twice", "invalid_value", "models");
    }
    if (req.category == "load") {
      if (auto err = ResolveTarget(id, &req)) return err;
    } else if (auto err = ResolveModel(id, &listed, &req)) {
      return err;
    }
  }
  if (auto err = ParseSizes(o, &req)) return err;
  if (req.category == "load") {
    if (req.prompt_sizes.size() != 1) {
      return ErrorResponse(400, "a load sweep takes one prompt size (words)", "invalid_value",
                           "prompt_sizes");
    }
    if (auto err = ParseLoadShape(o, &req)) return err;
  }
  req.repetitions = 3;
  if (auto err = IntField(o, "repetitions", 1, BenchLimits::kMaxRepetitions, &req.repetitions)) {
    return err;
  }
  req.generate_tokens = 64;
  if (auto err = IntField(o, "gen_tokens", 1, BenchLimits::kMaxGenTokens, &req.generate_tokens)) {
    return err;
  }
  req.threads = std::clamp(registry_.options().scheduler.n_threads, 1, MaxThreads());
  if (auto err = IntField(o, "threads", 1, MaxThreads(), &req.threads)) return err;
  if (req.category == "load") req.repetitions = 1;  // each level's requests are its samples
  *out = std::move(req);
  return std::nullopt;
}

namespace {

// A run's id from the path, or the 404 to answer.
std::optional<Response> RunId(const PathParams& p, int64_t* id) {
  const std::string& text = p.at("id");
  const std::optional<int64_t> parsed = store::ParseId(text);
  if (!parsed) {
    return ErrorResponse(404, "no benchmark run '" + text.substr(0, 40) + "'", "not_found");
  }
  *id = *parsed;
  return std::nullopt;
}

// A reply route on one run: the id parsed first.
template <typename F>
ReplyHandler OnRun(F f) {
  return [f](const Request& r, const PathParams& p) {
    int64_t id = 0;
    if (std::optional<Response> bad = RunId(p, &id)) return std::move(*bad);
    return f(r, id);
  };
}

}  // namespace

void BenchRoutes::AddTo(Router& t) {
  t.Add("POST", "/bench",
        [this](const Request& r, const PathParams&, ResponseWriter& w) { Start(r, w); });
  t.AddReply("GET", "/bench/runs", [this](const Request& r, const PathParams&) { return Runs(r); });
  t.AddReply("GET", "/bench/runs/{id}.csv",
             OnRun([this](const Request&, int64_t id) { return Csv(id); }));
  t.AddReply("GET", "/bench/runs/{id}",
             OnRun([this](const Request&, int64_t id) { return Run(id); }));
  t.AddReply("DELETE", "/bench/runs/{id}",
             OnRun([this](const Request&, int64_t id) { return Delete(id); }));
  t.Add("GET", "/bench/runs/{id}/events",
        [this](const Request&, const PathParams& p, ResponseWriter& w) { Events(p, w); });
  t.AddReply("POST", "/bench/runs/{id}/cancel",
             OnRun([this](const Request&, int64_t id) { return Cancel(id); }));
}

void BenchRoutes::Start(const Request& r, ResponseWriter& w) {
  BenchRequest req;
  if (std::optional<Response> err = Parse(r.body, &req)) return w.Send(std::move(*err));
  Result<std::shared_ptr<BenchJob>> job = service_.Start(req);
  if (!job.ok()) return w.Send(FromStatus(job.status()));
  Follow(**job, w);
}

Response BenchRoutes::Delete(int64_t id) {
  if (service_.Running(id)) {
    return ErrorResponse(409,
                         "benchmark run " + std::to_string(id) + " is running; cancel it first",
                         "bench_running");
  }
  Status st = runs_.DeleteBenchRun(id);
  return st.ok() ? Response{204, "application/json", {}, ""} : FromStatus(st);
}

void BenchRoutes::Events(const PathParams& p, ResponseWriter& w) {
  int64_t id = 0;
  if (std::optional<Response> bad = RunId(p, &id)) return w.Send(std::move(*bad));
  std::shared_ptr<BenchJob> job = service_.Running(id);
  if (!job) {
    return w.Send(ErrorResponse(404,
                                "benchmark run " + std::to_string(id) +
                                    " is not running; GET /bench/runs/" + std::to_string(id) +
                                    " has its results",
                                "not_running"));
  }
  Follow(*job, w);
}

Response BenchRoutes::Cancel(int64_t id) {
  Status st = service_.Cancel(id);
  if (!st.ok()) return ErrorResponse(409, st.message(), "not_running");
  return JsonResponse(202, json::object{{"id", id}, {"status", "cancelling"}});
}

void BenchRoutes::Follow(BenchJob& job, ResponseWriter& w) {
  Headers headers = {{"Cache-Control", "no-cache"}};
  if (!w.StartStream(200, "text/event-stream", headers)) return;
  size_t next = 0;
  for (;;) {
    bool finished = false;
    std::string chunk;
    for (const std::string& e : job.Wait(&next, kKeepAlive, &finished)) chunk += e;
    // A client gone (or a server stopping) fails the write: stop following; the run goes on.
    if (!chunk.empty()) {
      if (!w.Write(chunk)) return;
    } else if (!finished && !w.Write(": keep-alive\n\n")) {
      return;
    }
    if (finished) break;
  }
  w.EndStream();
}

Response BenchRoutes::Runs(const Request& r) {
  int limit = 50, offset = 0;
  if (auto err = QueryInt(r, "limit", 1, kMaxListLimit, &limit)) return *err;
  if (auto err = QueryInt(r, "offset", 0, 1000000000, &offset)) return *err;
  Result<std::vector<store::BenchRun>> runs = runs_.ListBenchRuns(limit, offset);
  if (!runs.ok()) return FromStatus(runs.status());
  json::array data;
  for (const store::BenchRun& run : *runs) data.push_back(BenchRunJson(run, false));
  return JsonResponse(200, json::object{{"object", "list"}, {"data", std::move(data)}});
}

Response BenchRoutes::Run(int64_t id) {
  Result<store::BenchRun> run = runs_.GetBenchRun(id);
  if (!run.ok()) return FromStatus(run.status());
  return JsonResponse(200, BenchRunJson(*run, true));
}

Response BenchRoutes::Csv(int64_t id) {
  Result<store::BenchRun> run = runs_.GetBenchRun(id);
  if (!run.ok()) return FromStatus(run.status());
  Response res{200, "text/csv; charset=utf-8", {}, bench::CsvText(run->rows)};
  res.headers.push_back({"Content-Disposition",
                         "attachment; filename=\"inferno-bench-" + std::to_string(id) + ".csv\""});
  return res;
}

}  // namespace inferno::server
