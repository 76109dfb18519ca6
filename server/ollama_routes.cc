// Ollama's API on the server's port (server/api.h AddOllamaRoutes): /api/chat, /api/generate,
// /api/show, /api/tags, /api/ps and /api/version, answering errors in Ollama's
// shape ({"error": "..."}), which the ollama libraries read. The wire formats are in
// server/ollama.h, server/ollama_options.h and server/ollama_show.h.
#include <boost/json.hpp>
#include <cstdio>

#include "engine/util/version.h"
#include "server/api.h"
#include "server/api_generation.h"
#include "server/errors.h"
#include "server/forwarding_writer.h"
#include "server/ollama.h"
#include "server/ollama_pull.h"
#include "server/ollama_show.h"
#include "server/remote_routes.h"
#include "server/speech_model_json.h"

namespace inferno::server {
namespace {

namespace json = boost::json;

// Rewrites the server's error bodies into Ollama's shape.
class OllamaErrorWriter : public ForwardingWriter {
 public:
  using ForwardingWriter::ForwardingWriter;
  void Send(Response r) override {
    if (r.status >= 400) r.body = OllamaErrorBody(r.body);
    ForwardingWriter::Send(std::move(r));
  }
};

Response Json(int status, const json::object& body) {
  return Response{status, "application/json", {}, json::serialize(body)};
}

// Ollama names carry a tag; ":latest" is the one a name without a tag means.
std::string WithoutLatest(std::string name) {
  constexpr std::string_view kLatest = ":latest";
  if (name.size() > kLatest.size() && name.ends_with(kLatest)) name.resize(name.size() - 7);
  return name;
}

void SendError(ResponseWriter& w, const ApiError& e) {
  w.Send(Response{e.status, "application/json", {}, ErrorBody(e)});
}

}  // namespace

struct Api::OllamaRun {
  OllamaEncoder::Kind kind;
  GenerateRequest req;
  OllamaParams params;
};

void Api::AddOllamaRoutes() {
  Router& t = routes_;
  auto add = [&t](const char* method, const char* path,
                  std::function<void(const Request&, ResponseWriter&)> handler) {
    t.Add(method, path, [handler](const Request& r, const PathParams&, ResponseWriter& w) {
      OllamaErrorWriter ow(w);
      handler(r, ow);
    });
  };
  t.AddReply("GET", "/api/tags", [this](const Request&, const PathParams&) {
    json::object tags = OllamaTags(registry_.List());
    if (options_.speech != nullptr) {
      json::array& models = tags["models"].as_array();
      for (const SpeechModelInfo& m : options_.speech->List()) {
        if (m.error.empty()) models.push_back(SpeechOllamaModel(m));
      }
    }
    if (options_.remotes != nullptr) {
      json::array& models = tags["models"].as_array();
      for (json::value& m : RemoteOllamaModels(options_.remotes->List())) models.push_back(m);
    }
    return Json(200, tags);
  });
  t.AddReply("GET", "/api/ps", [this](const Request&, const PathParams&) {
    return Json(200, OllamaRunning(registry_.List()));
  });
  t.AddReply("GET", "/api/version", [](const Request&, const PathParams&) {
    return Json(200, json::object{{"version", kVersion}});
  });
  add("POST", "/api/chat", [this](const Request& r, ResponseWriter& w) { OllamaChat(r, w); });
  add("POST", "/api/generate",
      [this](const Request& r, ResponseWriter& w) { OllamaGenerate(r, w); });
  add("POST", "/api/show", [this](const Request& r, ResponseWriter& w) { OllamaShow(r, w); });
  add("POST", "/api/pull", [this](const Request& r, ResponseWriter& w) { OllamaPull(r, w); });
}

void Api::OllamaChat(const Request& r, ResponseWriter& w) {
  OllamaRun run{OllamaEncoder::Kind::kChat, {}, {}};
  if (std::optional<ApiError> err = ParseOllamaChat(r.body, &run.req, &run.params)) {
    SendError(w, *err);
    return;
  }
  OllamaRespond(r, w, run);
}

void Api::OllamaGenerate(const Request& r, ResponseWriter& w) {
  OllamaRun run{OllamaEncoder::Kind::kGenerate, {}, {}};
  if (std::optional<ApiError> err = ParseOllamaGenerate(r.body, &run.req, &run.params)) {
    SendError(w, *err);
    return;
  }
  OllamaRespond(r, w, run);
}

Status Api::ApplyNumCtx(const std::string& model, int num_ctx) {
  Result<ModelOptions> current = registry_.Options(model);
  if (!current.ok()) return current.status();
  // Ollama caps num_ctx to what the model was trained for; so does the model here.
  const int wanted =
      std::clamp(num_ctx, current->min_context_size, std::max(1, current->max_context_size));
  if (wanted == current->effective.context_size) return Status::Ok();
  bool reloaded = false;
  return registry_.SetOptions(model, wanted, std::nullopt, &reloaded).status();
}

namespace {

// `context` (a previous answer's token ids) before the new prompt's tokens, whose BOS the
// context already holds.
std::optional<ApiError> PrependContext(const Model& model, const std::vector<int32_t>& context,
                                       GenerateRequest* req) {
  if (context.empty()) return std::nullopt;
  Result<std::vector<int32_t>> fresh = PromptTokens(model, *req);
  if (!fresh.ok()) return OllamaBadField("prompt", fresh.status().message());
  std::vector<int32_t> ids = context;
  const int32_t bos = model.tokenizer().bos();
  auto from = fresh->begin();
  if (bos >= 0 && from != fresh->end() && *from == bos) ++from;
  ids.insert(ids.end(), from, fresh->end());
  req->prompt_tokens = std::move(ids);
  return std::nullopt;
}

}  // namespace

void Api::OllamaRespond(const Request& r, ResponseWriter& w, OllamaRun& run) {
  const OllamaParams& p = run.params;
  if (!p.unknown_options.empty() && options_.log_to_stderr) {
    for (const std::string& name : p.unknown_options) {
      std::fprintf(stderr, "inferno: %s: ignored unknown option '%s'\n", r.path.c_str(),
                   name.c_str());
    }
  }
  if (std::optional<RemoteTarget> remote = RemoteModel(WithoutLatest(p.model))) {
    OllamaRemote(r, w, run, *remote);
    return;
  }
  int unused = 0;
  std::shared_ptr<LoadedModel> lm = AcquireOrAnswer(WithoutLatest(p.model), "model", w, &unused);
  if (!lm) return;
  if (p.num_ctx) {
    if (Status st = ApplyNumCtx(lm->id, *p.num_ctx); !st.ok()) {
      SendError(w, ApiError{400, st.message(), "num_ctx", ""});
      return;
    }
    lm = AcquireOrAnswer(lm->id, "model", w, &unused);
    if (!lm) return;
  }
  const std::string id = lm->id;
  auto keep_alive = [this, &p, &id] {
    if (!p.keep_alive) return;
    std::optional<ModelRegistry::Clock::duration> keep;
    if (*p.keep_alive) keep = **p.keep_alive;
    (void)registry_.KeepAlive(id, keep);  // NotFound: evicted meanwhile, nothing to keep
  };
  OllamaEncoder enc(run.kind, id);
  if (p.load_only) {
    keep_alive();
    const bool unloaded = p.keep_alive && *p.keep_alive && (*p.keep_alive)->count() == 0;
    w.Send(Response{200, "application/json", {}, enc.LoadOnly(unloaded ? "unload" : "load")});
    return;
  }
  std::optional<ApiError> err = PrependContext(*lm->model, p.context, &run.req);
  if (!err) err = PreparePrompt(*lm, run.req, p.max_tokens_given);
  if (err) {
    SendError(w, *err);
    return;
  }
  const int prompt_tokens = int(run.req.prompt_tokens.size());
  // Raw prompts return no context, as Ollama's do.
  if (run.kind == OllamaEncoder::Kind::kGenerate && !p.raw) enc.SetContext(run.req.prompt_tokens);
  std::unique_ptr<Generation> gen = Admit(r, *lm, std::move(run.req), w, &unused);
  if (!gen) return;
  prompt_tokens_ += uint64_t(prompt_tokens);
  const EventPump pump = [&gen](const std::function<bool(const Event&)>& f) {
    gen->Run(f);
    return true;
  };
  OllamaReply(w, pump, enc, prompt_tokens, p.stream, keep_alive);
}

void Api::OllamaRemote(const Request& r, ResponseWriter& w, OllamaRun& run,
                       const RemoteTarget& target) {
  const OllamaParams& p = run.params;
  OllamaEncoder enc(run.kind, target.public_id);
  // Loading and keep_alive are the remote's business; num_ctx is its own setting too.
  if (p.load_only) {
    w.Send(Response{200, "application/json", {}, enc.LoadOnly("load")});
    return;
  }
  if (!p.context.empty()) {
    SendError(w, OllamaBadField("context",
                                "'context' holds token ids, which only the remote's own "
                                "tokenizer could read: send the conversation as messages"));
    return;
  }
  const EventPump pump = [&](const std::function<bool(const Event&)>& f) {
    return GenerateRemote(r, target, run.req, p.max_tokens_given, w, f);
  };
  OllamaReply(w, pump, enc, 0, p.stream, [] {});
}

namespace {

// /api/show's body: the model as `model` (or Ollama's older `name`), and `verbose`.
std::optional<ApiError> ReadShow(std::string_view body, std::string* model, bool* verbose) {
  json::value root;
  if (auto err = ParseBodyObject(body, &root)) return err;
  const json::object& o = root.as_object();
  const json::value* m = o.if_contains("model");
  if (m == nullptr || m->is_null() || (m->is_string() && m->as_string().empty())) {
    m = o.if_contains("name");
  }
  if (m == nullptr || !m->is_string() || m->as_string().empty()) {
    return OllamaBadField("model", "'model' must name a model");
  }
  *model = WithoutLatest(std::string(m->as_string()));
  const json::value* v = o.if_contains("verbose");
  *verbose = v && v->is_bool() && v->as_bool();
  return std::nullopt;
}

}  // namespace

void Api::OllamaShow(const Request& r, ResponseWriter& w) {
  std::string model;
  bool verbose = false;
  if (std::optional<ApiError> err = ReadShow(r.body, &model, &verbose)) {
    SendError(w, *err);
    return;
  }
  for (const ModelInfo& info : registry_.List()) {
    if (info.id != model) continue;
    Result<std::unique_ptr<gguf::File>> file = gguf::File::Open(info.path);
    Result<std::unique_ptr<Tokenizer>> tok =
        file.ok() ? Tokenizer::FromGguf(**file) : Result<std::unique_ptr<Tokenizer>>(file.status());
    if (!info.error.empty() || !tok.ok()) {
      const std::string why = !info.error.empty() ? info.error : tok.status().message();
      w.Send(ErrorResponse(500, "model '" + model + "' cannot be read: " + why));
      return;
    }
    w.Send(Json(200, OllamaShowJson(info, **file, **tok, verbose)));
    return;
  }
  w.Send(ErrorResponse(404, "model '" + model + "' not found", "model_not_found", "model"));
}

namespace {

// /api/pull's body: the name as `model` (or `name`, which the ollama libraries send), stream.
std::optional<ApiError> ReadPull(std::string_view body, hub::PullTarget* target, bool* stream) {
  std::string name;
  bool unused = false;
  if (auto err = ReadShow(body, &name, &unused)) return err;
  json::error_code ec;
  const json::value root = json::parse(body, ec);  // an object: ReadShow checked
  const json::value* s = root.as_object().if_contains("stream");
  *stream = s == nullptr || !s->is_bool() || s->as_bool();  // Ollama streams unless told not to
  Result<hub::PullTarget> t = hub::ParsePullTarget(name);
  if (!t.ok()) {
    return OllamaBadField(
        "model", t.status().message() + " (this server pulls GGUF models from Hugging Face)");
  }
  *target = *t;
  return std::nullopt;
}

int PullErrorStatus(const Status& st) {
  switch (st.code()) {
    case Status::Code::kNotFound:
      return 404;
    case Status::Code::kInvalidArgument:
      return 400;
    case Status::Code::kAlreadyExists:
      return 409;
    default:
      return 500;
  }
}

}  // namespace

void Api::OllamaPull(const Request& r, ResponseWriter& w) {
  hub::PullTarget target;
  bool stream = true;
  if (std::optional<ApiError> err = ReadPull(r.body, &target, &stream)) {
    SendError(w, *err);
    return;
  }
  const std::string& dir = registry_.options().models_dir;
  if (dir.empty()) {
    w.Send(ErrorResponse(400, "this server has no models dir to pull into (--models-dir)"));
    return;
  }
  if (stream && !w.StartStream(200, "application/x-ndjson", {})) return;
  bool alive = true;
  const Status st = PullModel(hub::HubFromEnvironment(), dir, target, [&](const json::object& o) {
    if (stream && alive) alive = w.Write(json::serialize(o) + "\n");
  });
  const std::string error = st.ok() ? "" : ErrorJson(PullErrorStatus(st), st.message());
  if (stream) {
    if (alive && !st.ok()) w.Write(OllamaErrorBody(error) + "\n");
    w.EndStream();
  } else if (st.ok()) {
    w.Send(Json(200, json::object{{"status", "success"}}));
  } else {
    w.Send(Response{PullErrorStatus(st), "application/json", {}, error});
  }
}

void Api::OllamaReply(ResponseWriter& w, const EventPump& pump, OllamaEncoder& enc,
                      int prompt_tokens, bool stream, const std::function<void()>& finish) {
  // A remote's prompt is counted by the remote: its usage arrives with kDone.
  auto prompt_count = [prompt_tokens](const Event& done) {
    return std::max(prompt_tokens, done.timings.prompt_tokens);
  };
  if (!stream) {
    bool answered = true;
    const Collected out =
        Collect([&](const std::function<bool(const Event&)>& f) { return answered = pump(f); },
                [&](const Event& e) {
                  if (e.type == Event::Type::kToken) enc.Add(e);
                },
                [&](const Event& done) { return enc.Final(done, prompt_count(done)); });
    finish();
    if (answered) w.Send(Response{out.status, "application/json", {}, out.body});
    return;
  }
  bool alive = true;
  std::string last;  // held until `finish` has run: a keep_alive of 0 unloads before it
  const bool ran = pump([&](const Event& e) {
    if (!w.started()) alive = w.StartStream(200, "application/x-ndjson", {});
    if (e.type == Event::Type::kToken) {
      ++generated_tokens_;
      // A token that completed no text (half a character, a held-back tag) sends nothing.
      const std::string line = enc.TokenLine(e);
      if (!line.empty()) alive = alive && w.Write(line);
    } else if (e.type == Event::Type::kDone) {
      decode_ms_ = decode_ms_ + e.timings.decode_ms;
      last = enc.DoneLine(e, prompt_count(e));
    } else if (e.type == Event::Type::kError) {
      last = OllamaErrorBody(ErrorJson(500, e.error.message())) + "\n";
    }
    return alive;
  });
  finish();
  if (!ran || !w.started()) return;
  if (alive && !last.empty()) w.Write(last);
  w.EndStream();
}

}  // namespace inferno::server
