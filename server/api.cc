#include "server/api.h"

#include <sys/resource.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <chrono>
#include <cmath>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include "engine/request/chat_messages.h"
#include "engine/request/event_json.h"
#include "engine/request/json_fields.h"
#include "engine/request/prepare.h"
#include "engine/util/utf8.h"
#include "engine/util/version.h"
#include "server/anthropic.h"
#include "server/api_generation.h"
#include "server/compare_routes.h"
#include "server/embeddings.h"
#include "server/errors.h"
#include "server/event_queue.h"
#include "server/forwarding_writer.h"
#include "server/model_options_routes.h"
#include "server/ollama.h"
#include "server/openai.h"
#include "server/openai_echo.h"
#include "server/remote_routes.h"
#include "server/speech_model_json.h"
#include "server/speech_models.h"
#include "server/static_site.h"

namespace inferno::server {
namespace {

namespace json = boost::json;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

double MsSince(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

double PeakRssBytes() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return double(u.ru_maxrss) * 1024.0;
}

double ResidentBytes() {
  std::ifstream statm("/proc/self/statm");
  uint64_t size = 0, resident = 0;
  statm >> size >> resident;
  return double(resident) * double(sysconf(_SC_PAGESIZE));
}

// Paths under these need the key and answer 404 in JSON even when no route takes them;
// everything else unmatched is the web UI's.
bool UnderApiPrefix(const std::string& p) {
  return p.rfind("/v1/", 0) == 0 || p.rfind("/api/", 0) == 0 || p == "/bench" ||
         p.rfind("/bench/", 0) == 0;
}

// Records the status a route sent, for the request log and the metrics.
class StatusWriter : public ForwardingWriter {
 public:
  using ForwardingWriter::ForwardingWriter;
  void Send(Response r) override {
    status_ = r.status;
    ForwardingWriter::Send(std::move(r));
  }
  bool StartStream(int status, std::string content_type, Headers headers) override {
    status_ = status;
    return ForwardingWriter::StartStream(status, std::move(content_type), std::move(headers));
  }
  int status() const { return status_; }

 private:
  int status_ = 0;
};

// A model as /v1/models lists it and /v1/models/{id} answers it.
json::object ModelObject(const ModelInfo& m) {
  json::object o{{"id", m.id},
                 {"object", "model"},
                 {"created", m.modified},
                 {"owned_by", "inferno"},
                 // LM Studio's field: clients that pick a chat model skip "embeddings".
                 {"type", m.embedding_only ? "embeddings" : "llm"},
                 {"kind", m.embedding_only ? "embeddings" : "chat"},
                 {"size_bytes", m.size_bytes},
                 {"quant", m.quant},
                 {"architecture", m.architecture},
                 {"context_length", m.context_length},
                 {"context_size", m.context_size},
                 {"threads", m.threads},
                 {"parameters", m.parameters},
                 {"loaded", m.loaded}};
  // What it takes: "vision" when an mmproj goes with it (images in chat messages).
  json::array caps{json::string(m.embedding_only ? "embedding" : "completion")};
  if (!m.mmproj.empty() && !m.embedding_only) caps.push_back("vision");
  o["capabilities"] = std::move(caps);
  if (m.error.empty()) {
    o["cache_type_k"] = KvCacheTypeName(m.kv_types.k);
    o["cache_type_v"] = KvCacheTypeName(m.kv_types.v);
  }
  if (m.loaded) o["kv_bytes"] = m.kv_bytes;
  if (!m.error.empty()) o["error"] = m.error;
  return o;
}

Response Json(int status, const json::object& body) {
  return Response{status, "application/json", {}, json::serialize(body)};
}

// n sequences are decoded together, so they need as many of the model's slots (--parallel).
std::optional<ApiError> CheckChoices(int n, int n_slots) {
  if (n <= n_slots) return std::nullopt;
  return ApiError{400,
                  "'n' is " + std::to_string(n) + " but this server decodes at most " +
                      std::to_string(n_slots) +
                      " sequences of a model together (start it with --parallel " +
                      std::to_string(n) + ")",
                  "n", ""};
}

// The /chat body: the model's name, the user's prompt and an optional system prompt, and the
// shared generation settings of the request schema, read flat as the OpenAI API reads them.
std::optional<ApiError> ReadSeedChat(const json::object& o, GenerateRequest* req,
                                     std::string* model) {
  auto bad = [](const char* param, std::string message) {
    return ApiError{400, std::move(message), param, ""};
  };
  const json::value* name = o.if_contains("model_name");
  if (name == nullptr) name = o.if_contains("model");
  if (name && !name->is_string()) return bad("model_name", "'model_name' must be a string");
  if (name) *model = std::string(name->as_string());
  const json::value* prompt = o.if_contains("prompt");
  if (prompt == nullptr || !prompt->is_string()) return bad("prompt", "'prompt' must be a string");
  if (const json::value* sys = o.if_contains("system"); sys && !sys->is_null()) {
    if (!sys->is_string()) return bad("system", "'system' must be a string");
    req->messages.push_back({"system", std::string(sys->as_string())});
  }
  req->messages.push_back({"user", std::string(prompt->as_string())});
  if (auto err =
          request::ReadMessageImages(o, "images", &req->messages.back().content, &req->images)) {
    return FromRequestError(*err);
  }
  if (auto err = request::ReadFlatJson(o, req)) return FromRequestError(*err);
  return std::nullopt;
}

// Adds the request's CORS headers to whatever a route sends, so routes never deal with them.
class CorsWriter : public ForwardingWriter {
 public:
  CorsWriter(ResponseWriter& inner, Headers cors)
      : ForwardingWriter(inner), cors_(std::move(cors)) {}
  void Send(Response r) override {
    r.headers.insert(r.headers.end(), cors_.begin(), cors_.end());
    ForwardingWriter::Send(std::move(r));
  }
  bool StartStream(int status, std::string content_type, Headers headers) override {
    headers.insert(headers.end(), cors_.begin(), cors_.end());
    return ForwardingWriter::StartStream(status, std::move(content_type), std::move(headers));
  }

 private:
  Headers cors_;
};

}  // namespace

std::shared_ptr<LoadedModel> Api::AcquireOrAnswer(const std::string& name, std::string_view param,
                                                  ResponseWriter& w, int* status) {
  Result<std::shared_ptr<LoadedModel>> lm = registry_.Acquire(name);
  if (lm.ok()) return std::move(lm).value();
  const bool missing = lm.status().code() == Status::Code::kNotFound;
  if (missing && !name.empty() && options_.speech != nullptr &&
      options_.speech->Resolve(name).ok()) {
    SendJson(
        w, 400,
        ErrorJson(400,
                  "model '" + name + "' is a speech model: send audio to /v1/audio/transcriptions",
                  "model_not_supported", std::string(param)),
        status);
    return nullptr;
  }
  const int code = missing ? 404 : 500;
  SendJson(w, code,
           ErrorJson(code, lm.status().message(), missing ? "model_not_found" : "model_load_failed",
                     std::string(param)),
           status);
  return nullptr;
}

std::unique_ptr<Api::Generation> Api::Admit(const Request& r, LoadedModel& lm, GenerateRequest req,
                                            ResponseWriter& w, int* status) {
  const int sequences = std::max(1, req.n);
  auto queue = std::make_shared<EventQueue>();
  std::string refusal;
  std::optional<Admission::Admitted> admitted = admission_.Submit(
      ClientOf(r), *lm.scheduler, std::move(req),
      [queue](const Event& e) { return queue->Push(e); }, [queue] { return queue->Ready(); },
      &refusal);
  if (!admitted) {
    *status = 429;
    w.Send(RefusedResponse(refusal));
    return nullptr;
  }
  return std::unique_ptr<Generation>(
      new Generation{lm.scheduler.get(), std::move(queue), std::move(*admitted), sequences});
}

bool Api::Generate(const Request& r, LoadedModel& lm, GenerateRequest req, bool max_given,
                   ResponseWriter& w, const std::function<bool(const Event&)>& on_event,
                   ApiError (*rename)(ApiError)) {
  int status = 0;
  if (std::optional<ApiError> err = PreparePrompt(lm, req, max_given)) {
    if (rename != nullptr) err = rename(std::move(*err));
    SendJson(w, err->status, ErrorBody(*err), &status);
    return false;
  }
  const int prompt_tokens = int(req.prompt_tokens.size());
  std::unique_ptr<Generation> gen = Admit(r, lm, std::move(req), w, &status);
  if (!gen) return false;
  prompt_tokens_ += uint64_t(prompt_tokens);
  gen->Run([&](const Event& e) {
    if (e.type == Event::Type::kToken) ++generated_tokens_;
    if (e.type == Event::Type::kDone) decode_ms_ = decode_ms_ + e.timings.decode_ms;
    return on_event(e);
  });
  return true;
}

Api::Api(ApiOptions options, AccessPolicy& access, ModelRegistry& registry)
    : options_(std::move(options)),
      access_(access),
      registry_(registry),
      log_(options_.log_dir, options_.log_to_stderr),
      admission_(options_.limits) {
  if (options_.remotes != nullptr) remote_proxy_.emplace(*options_.remotes);
  AddRoutes();
}

void Api::AddRoutes() {
  Router& t = routes_;
  t.AddReply(
      "GET", "/health", [this](const Request&, const PathParams&) { return Health(); },
      RouteAccess::kPublic);
  t.AddReply("GET", "/metrics", [this](const Request&, const PathParams&) {
    return Response{200, "text/plain; version=0.0.4", {}, MetricsText()};
  });
  t.AddReply("GET", "/v1/models", [this](const Request&, const PathParams&) { return Models(); });
  t.AddReply("GET", "/v1/models/{id...}",
             [this](const Request&, const PathParams& p) { return Model(p.at("id")); });
  t.AddReply("DELETE", "/v1/models/{id...}",
             [this](const Request&, const PathParams& p) { return UnloadModel(p.at("id")); });
  AddResponsesRoutes();
  // These front ends still report their status through an out-parameter (`unused`); the
  // StatusWriter of Handle() is what the log and the metrics read.
  t.Add("POST", "/v1/chat/completions",
        [this](const Request& r, const PathParams&, ResponseWriter& w) {
          int unused = 0;
          Completions(r, w, /*chat=*/true, &unused);
        });
  t.Add("POST", "/v1/completions", [this](const Request& r, const PathParams&, ResponseWriter& w) {
    int unused = 0;
    Completions(r, w, /*chat=*/false, &unused);
  });
  AddEmbeddingRoutes(t, registry_, admission_, [this](const Request& r, ResponseWriter& w) {
    return ForwardToRemote(r, "/v1/embeddings", w);
  });
  AddOllamaRoutes();
  t.Add("POST", "/chat", [this](const Request& r, const PathParams&, ResponseWriter& w) {
    int unused = 0;
    SeedChat(r, w, &unused);
  });
  t.Add("POST", "/tokenize", [this](const Request& r, const PathParams&, ResponseWriter& w) {
    int unused = 0;
    Tokenize(r, w, /*detokenize=*/false, &unused);
  });
  t.Add("POST", "/detokenize", [this](const Request& r, const PathParams&, ResponseWriter& w) {
    int unused = 0;
    Tokenize(r, w, /*detokenize=*/true, &unused);
  });
  // The browser's WebSocket cannot send the key in a header: it trades it here for a
  // single-use ticket it puts in the upgrade's query string.
  t.AddReply("POST", "/api/ws-ticket", [this](const Request&, const PathParams&) {
    return Json(200, json::object{{"ticket", access_.IssueWsTicket()},
                                  {"expires_in", access_.ticket_lifetime_seconds()}});
  });
  AddModelOptionsRoutes(t, registry_);
  AddAnthropicRoutes();
  if (options_.remotes != nullptr) AddRemoteRoutes(t, *options_.remotes);
  AddCompareRoutes(t, registry_, admission_, options_.remotes);
}

bool Api::AcceptWebSocket(const Request& r, Response* reject) {
  std::optional<Response> refused = access_.CheckWebSocket(r);
  if (!refused) return true;
  log_.Log(r.remote, r.method, r.target, refused->status, 0, "websocket refused");
  *reject = std::move(*refused);
  return false;
}

void Api::SendJson(ResponseWriter& w, int status, const std::string& body, int* status_out) {
  *status_out = status;
  w.Send(Response{status, "application/json", {}, body});
}

void Api::Handle(const Request& r, ResponseWriter& w) {
  const auto start = Clock::now();
  std::string note, label = "static";
  ++in_flight_;
  CorsWriter cw(w, access_.CorsHeaders(r));
  AnthropicErrorWriter aw(cw);  // errors of /v1/messages in Anthropic's shape
  StatusWriter sw(IsAnthropicPath(r.path) ? static_cast<ResponseWriter&>(aw) : cw);
  try {
    if (std::optional<Response> refused = access_.CheckRequest(r)) {
      note = "refused";
      sw.Send(std::move(*refused));
    } else {
      Route(r, sw, &label);
    }
  } catch (const std::exception& e) {
    if (!sw.started()) sw.Send(ErrorResponse(500, std::string("internal error: ") + e.what()));
  }
  --in_flight_;
  {
    MutexLock lock(&metrics_mu_);
    ++requests_[{label, sw.status()}];
  }
  log_.Log(r.remote, r.method, r.target, sw.status(), MsSince(start), note);
}

// The metrics label is the route's pattern: bounded, whatever URLs clients send.
void Api::Route(const Request& r, ResponseWriter& w, std::string* label) {
  if (r.method == "OPTIONS") {
    w.Send(access_.Preflight());
    return;
  }
  const Router::Match m = routes_.Find(r);
  // Everything but the health check and the UI's files needs the key (when there is one).
  const bool needs_key = m.pattern ? m.access == RouteAccess::kKey : UnderApiPrefix(r.path);
  if (needs_key && !access_.Authorized(r)) {
    w.Send(ErrorResponse(
        401, "missing or wrong API key: send 'Authorization: Bearer <key>' (or 'x-api-key: <key>')",
        "invalid_api_key"));
    return;
  }
  if (m.pattern != nullptr) {
    *label = *m.pattern;
    if (m.handler == nullptr) {
      w.Send(MethodNotAllowed(r, m.allow));
    } else {
      (*m.handler)(r, m.params, w);
    }
    return;
  }
  if (UnderApiPrefix(r.path)) {
    *label = "unknown";
    w.Send(ErrorResponse(404, "no such API route: " + r.method + " " + r.path));
    return;
  }
  if ((r.method == "GET" || r.method == "HEAD") && StaticFile(r, w)) return;
  w.Send(ErrorResponse(404, "not found: " + r.path));
}

Response Api::Health() {
  json::array loaded;
  for (const std::string& id : registry_.loaded_ids()) loaded.push_back(json::value(id));
  // The speculation every request gets unless it chooses (`--spec`), and whether a request
  // may choose "draft" (`--draft`): the web UI offers the choices the server has.
  const SpecOptions& spec = registry_.options().scheduler.spec;
  json::object speculation{{"mode", SpecModeName(spec.mode)},
                           {"draft_model", spec.draft != nullptr},
                           {"draft_max", spec.draft_max}};
  return Json(200, json::object{{"status", "ok"},
                                {"models_loaded", loaded},
                                {"speculation", std::move(speculation)}});
}

Response Api::Models() {
  json::array data;
  for (const ModelInfo& m : registry_.List()) data.push_back(ModelObject(m));
  if (options_.speech != nullptr) {
    for (const SpeechModelInfo& m : options_.speech->List()) data.push_back(SpeechModelObject(m));
  }
  if (options_.remotes != nullptr) {
    for (json::value& m : RemoteModelObjects(options_.remotes->List())) data.push_back(m);
  }
  return Json(200, json::object{{"object", "list"}, {"data", data}});
}

Response Api::Model(const std::string& id) {
  for (const ModelInfo& m : registry_.List()) {
    if (m.id == id) return Json(200, ModelObject(m));
  }
  if (options_.speech != nullptr) {
    for (const SpeechModelInfo& m : options_.speech->List()) {
      if (m.id == id) return Json(200, SpeechModelObject(m));
    }
  }
  if (options_.remotes != nullptr) {
    for (json::value& m : RemoteModelObjects(options_.remotes->List())) {
      if (m.as_object().at("id") == json::value(id)) return Json(200, m.as_object());
    }
  }
  return ErrorResponse(404, "model '" + id + "' not found", "model_not_found", "model");
}

Response Api::UnloadModel(const std::string& id) {
  Status st = registry_.Unload(id);
  if (!st.ok()) return ErrorResponse(404, st.message(), "model_not_found", "model");
  return Json(200, json::object{{"id", id}, {"object", "model"}, {"deleted", true}});
}

bool Api::ForwardToRemote(const Request& r, std::string_view path, ResponseWriter& w) {
  if (!remote_proxy_) return false;
  json::error_code ec;
  json::value root = json::parse(r.body, ec);
  // A body that is not an object gets the local parser's error.
  if (ec || !root.is_object()) return false;
  // A proxied request holds its client's place like a local one (held until the answer has
  // been relayed): one client cannot tie up the server's connections with remote calls either.
  std::optional<Admission::Admitted> place;
  const RemoteProxy::Gate gate = [&]() -> std::optional<Response> {
    std::string refusal;
    std::optional<Admission::Admitted> taken = admission_.TakePlace(ClientOf(r), &refusal);
    if (!taken) return RefusedResponse(refusal);
    place.emplace(std::move(*taken));
    return std::nullopt;
  };
  return remote_proxy_->Forward(path, root.as_object(), w, gate);
}

void Api::Completions(const Request& r, ResponseWriter& w, bool chat, int* status) {
  if (ForwardToRemote(r, chat ? "/v1/chat/completions" : "/v1/completions", w)) return;
  GenerateRequest req;
  CompletionParams params;
  if (std::optional<ApiError> err = ParseCompletionRequest(r.body, chat, &req, &params)) {
    SendJson(w, err->status, ErrorBody(*err), status);
    return;
  }
  const std::shared_ptr<LoadedModel> lm = AcquireOrAnswer(params.model, "model", w, status);
  if (!lm) return;
  std::optional<ApiError> err = CheckChoices(params.n, lm->scheduler->n_slots());
  if (!err) err = PreparePrompt(*lm, req, params.max_tokens_given);
  if (err) {
    SendJson(w, err->status, ErrorBody(*err), status);
    return;
  }
  const int prompt_tokens = int(req.prompt_tokens.size());
  // An echo with logprobs lists the prompt's tokens, scored by the engine (kPromptScores).
  const std::vector<int32_t> prompt_ids = params.echo ? req.prompt_tokens : std::vector<int32_t>{};
  std::unique_ptr<Generation> gen = Admit(r, *lm, std::move(req), w, status);
  if (!gen) return;
  const std::string id = std::string(chat ? "chatcmpl-" : "cmpl-") +
                         std::to_string(std::time(nullptr)) + "-" + std::to_string(next_id_++);
  CompletionEncoder enc(params, lm->id, id, int64_t(std::time(nullptr)));
  prompt_tokens_ += uint64_t(prompt_tokens);
  auto echo = [&](const Event& e) {
    return enc.PromptChunks(
        EchoTokens(lm->model->tokenizer(), params.echo_text, prompt_ids, e.prompt_scores));
  };

  if (params.stream) {
    *status = 200;
    if (!w.StartStream(200, "text/event-stream", {})) return;
    bool alive = w.Write(enc.FirstChunk());
    gen->Run([&](const Event& e) {
      switch (e.type) {
        case Event::Type::kToken: {
          ++generated_tokens_;
          const std::string chunk = enc.TokenChunk(e);
          if (!chunk.empty()) alive = alive && w.Write(chunk);
          return alive;
        }
        case Event::Type::kPromptScores: {
          const std::string chunks = echo(e);
          if (!chunks.empty()) alive = alive && w.Write(chunks);
          return alive;
        }
        case Event::Type::kDone:
          decode_ms_ = decode_ms_ + e.timings.decode_ms;
          if (alive) w.Write(enc.FinalChunks(e, prompt_tokens));
          return true;
        case Event::Type::kError:
          if (alive)
            w.Write(CompletionEncoder::ErrorChunk(ApiError{500, e.error.message(), "", ""}));
          return true;
        default:
          return alive;
      }
    });
    w.EndStream();
    return;
  }

  const Collected out = Collect(
      *gen,
      [&](const Event& e) {
        if (e.type == Event::Type::kToken) enc.Add(e);
        if (e.type == Event::Type::kPromptScores) echo(e);  // kept for the body
      },
      [&](const Event& done) { return enc.Final(done, prompt_tokens); });
  SendJson(w, out.status, out.body, status);
}

Api::Collected Api::Collect(Generation& gen, const std::function<void(const Event&)>& add,
                            const std::function<std::string(const Event&)>& final) {
  return Collect(
      [&gen](const std::function<bool(const Event&)>& f) {
        gen.Run(f);
        return true;
      },
      add, final);
}

Api::Collected Api::Collect(const EventPump& pump, const std::function<void(const Event&)>& add,
                            const std::function<std::string(const Event&)>& final) {
  Collected out{200, ""};
  pump([&](const Event& e) {
    if (e.type == Event::Type::kDone) {
      decode_ms_ = decode_ms_ + e.timings.decode_ms;
      out.body = final(e);
    } else if (e.type == Event::Type::kError) {
      out.status = EngineErrorStatus(e.error);
      out.body = ErrorJson(out.status, e.error.message());
    } else {
      if (e.type == Event::Type::kToken) ++generated_tokens_;
      add(e);
    }
    return true;
  });
  return out;
}

void Api::SeedChat(const Request& r, ResponseWriter& w, int* status) {
  json::value root;
  if (auto err = ParseBodyObject(r.body, &root)) {
    SendJson(w, err->status, ErrorJson(err->status, err->message), status);
    return;
  }
  const json::object& o = root.as_object();
  GenerateRequest req;
  std::string model;
  if (std::optional<ApiError> err = ReadSeedChat(o, &req, &model)) {
    SendJson(w, err->status, ErrorBody(*err), status);
    return;
  }
  const json::value* max_tokens = o.if_contains("max_tokens");
  const bool max_given = max_tokens != nullptr && !max_tokens->is_null();
  const std::shared_ptr<LoadedModel> lm = AcquireOrAnswer(model, "model_name", w, status);
  if (!lm) return;
  if (std::optional<ApiError> err = PreparePrompt(*lm, req, max_given)) {
    SendJson(w, err->status, ErrorBody(*err), status);
    return;
  }
  std::unique_ptr<Generation> gen = Admit(r, *lm, std::move(req), w, status);
  if (!gen) return;
  *status = 200;
  if (!w.StartStream(200, "text/event-stream", {})) return;
  bool alive = true;
  double first_token_ms = -1;
  gen->Run([&](const Event& e) {
    if (e.type == Event::Type::kToken) {
      ++generated_tokens_;
      if (first_token_ms < 0) first_token_ms = e.elapsed_ms;
      const double since_first = (e.elapsed_ms - first_token_ms) / 1000.0;
      json::object data = event_json::TokenJson(e, event_json::kChatToken);
      data["tokens_per_second"] = since_first > 0 ? e.index / since_first : 0.0;
      alive = alive && w.Write("event: token\ndata: " + json::serialize(data) + "\n\n");
      return alive;
    }
    if (e.type == Event::Type::kDone) {
      decode_ms_ = decode_ms_ + e.timings.decode_ms;
      json::object data =
          event_json::DoneJson(e, event_json::kChatDone, json::object{{"model", lm->id}});
      data["peak_rss_bytes"] = PeakRssBytes();
      data["finish_reason"] = e.finish_reason;
      if (alive) w.Write("event: done\ndata: " + json::serialize(data) + "\n\n");
      return true;
    }
    if (e.type == Event::Type::kError && alive) {
      w.Write("event: error\ndata: " + json::serialize(event_json::ErrorJson(e)) + "\n\n");
    }
    return alive;
  });
  w.EndStream();
}

void Api::Tokenize(const Request& r, ResponseWriter& w, bool detokenize, int* status) {
  json::value root;
  if (auto err = ParseBodyObject(r.body, &root)) {
    SendJson(w, err->status, ErrorJson(err->status, err->message), status);
    return;
  }
  const json::object& o = root.as_object();
  std::string model;
  if (const json::value* m = o.if_contains("model"); m && !m->is_null()) {
    if (!m->is_string()) {
      SendJson(w, 400, ErrorJson(400, "'model' must be a string", "", "model"), status);
      return;
    }
    model = std::string(m->as_string());
  }
  const std::shared_ptr<LoadedModel> lm = AcquireOrAnswer(model, "model", w, status);
  if (!lm) return;
  const Tokenizer& tok = lm->model->tokenizer();
  if (detokenize) {
    const json::value* t = o.if_contains("tokens");
    if (t == nullptr || !t->is_array()) {
      SendJson(w, 400, ErrorJson(400, "'tokens' must be an array of token ids", "", "tokens"),
               status);
      return;
    }
    std::string text;
    for (const json::value& v : t->as_array()) {
      if (!v.is_int64() || v.as_int64() < 0 || v.as_int64() >= tok.n_vocab()) {
        SendJson(w, 400,
                 ErrorJson(400, "'tokens' holds an id outside the vocabulary", "", "tokens"),
                 status);
        return;
      }
      text += tok.TokenToPiece(int32_t(v.as_int64()));
    }
    SendJson(w, 200, json::serialize(json::object{{"content", ToValidUtf8(text)}}), status);
    return;
  }
  const json::value* content = o.if_contains("content");
  if (content == nullptr) content = o.if_contains("text");
  if (content == nullptr || !content->is_string()) {
    SendJson(w, 400, ErrorJson(400, "'content' must be a string", "", "content"), status);
    return;
  }
  bool add_special = true;
  if (const json::value* a = o.if_contains("add_special"); a && a->is_bool())
    add_special = a->as_bool();
  const std::vector<int32_t> ids =
      tok.Encode(std::string(content->as_string()), add_special, /*parse_special=*/true);
  const json::object body{{"model", lm->id}, {"tokens", event_json::TokensJson(ids, tok)}};
  SendJson(w, 200, json::serialize(body), status);
}

bool Api::StaticFile(const Request& r, ResponseWriter& w) {
  if (!options_.web_root.empty()) return DiskFile(r, w);
  if (options_.site != nullptr && !options_.site->empty()) {
    std::optional<Response> file = options_.site->Respond(r);
    if (!file) return false;
    w.Send(std::move(*file));
    return true;
  }
  if (r.path != "/") return false;
  w.Send(Response{200,
                  "text/html; charset=utf-8",
                  {},
                  "<!doctype html><meta charset=utf-8><title>Inferno</title>"
                  "<h1>Inferno</h1><p>This binary was built without its web UI (see "
                  "docs/troubleshooting.md, \"The web UI is not built\"). "
                  "The API is up: <a href=/v1/models>/v1/models</a>, "
                  "<a href=/health>/health</a>.</p>"});
  return true;
}

// --web-root: read from disk on every request, so that a rebuilt UI shows without a restart.
bool Api::DiskFile(const Request& r, ResponseWriter& w) {
  std::error_code ec;
  const fs::path root = fs::canonical(options_.web_root, ec);
  if (ec) return false;
  std::string rel = r.path.substr(1);
  if (rel.empty()) rel = "index.html";
  for (const fs::path& part : fs::path(rel)) {
    if (part == "..") return false;
  }
  fs::path file = fs::weakly_canonical(root / rel, ec);
  const bool inside = !ec && file.string().rfind(root.string() + "/", 0) == 0;
  if (!inside || !fs::is_regular_file(file, ec)) {
    // Client-side routes (no extension) get the app; missing assets get 404.
    if (fs::path(rel).has_extension()) return false;
    file = root / "index.html";
    if (!fs::is_regular_file(file, ec)) return false;
  }
  std::ifstream in(file, std::ios::binary);
  std::stringstream body;
  body << in.rdbuf();
  const std::string name = file.string();
  Headers headers{{"Cache-Control", CacheControlFor(name)}};
  w.Send(Response{200, ContentTypeFor(name), headers, r.method == "HEAD" ? "" : body.str()});
  return true;
}

std::string Api::MetricsText() {
  std::ostringstream out;
  out << "# HELP inferno_requests_total HTTP requests by route and status.\n"
         "# TYPE inferno_requests_total counter\n";
  {
    MutexLock lock(&metrics_mu_);
    for (const auto& [key, n] : requests_) {
      out << "inferno_requests_total{route=\"" << key.first << "\",status=\"" << key.second
          << "\"} " << n << "\n";
    }
  }
  int queued = 0, active = 0;
  uint64_t drafted = 0, accepted = 0;
  const std::vector<std::shared_ptr<LoadedModel>> models = registry_.loaded_models();
  std::vector<std::pair<std::string, PromptCacheStats>> caches;  // a model's slots are its cache
  for (const auto& m : models) {
    const SchedulerStats s = m->scheduler->stats();
    queued += s.queued;
    active += s.active;
    drafted += s.drafted_tokens;
    accepted += s.accepted_tokens;
    caches.emplace_back(m->id, s.prompt_cache);
  }
  const double decode_s = decode_ms_ / 1000.0;
  out << "# HELP inferno_generated_tokens_total Tokens generated.\n"
         "# TYPE inferno_generated_tokens_total counter\n"
      << "inferno_generated_tokens_total " << generated_tokens_ << "\n"
      << "# HELP inferno_prompt_tokens_total Prompt tokens evaluated.\n"
         "# TYPE inferno_prompt_tokens_total counter\n"
      << "inferno_prompt_tokens_total " << prompt_tokens_ << "\n"
      << "# HELP inferno_decode_tokens_per_second Generated tokens per second of decoding, "
         "over all requests.\n# TYPE inferno_decode_tokens_per_second gauge\n"
      << "inferno_decode_tokens_per_second "
      << (decode_s > 0 ? double(generated_tokens_) / decode_s : 0.0) << "\n"
      << "# HELP inferno_spec_drafted_tokens_total Tokens proposed by speculative decoding's "
         "drafts (models in memory).\n# TYPE inferno_spec_drafted_tokens_total counter\n"
      << "inferno_spec_drafted_tokens_total " << drafted << "\n"
      << "# HELP inferno_spec_accepted_tokens_total Drafted tokens the models accepted.\n"
         "# TYPE inferno_spec_accepted_tokens_total counter\n"
      << "inferno_spec_accepted_tokens_total " << accepted << "\n"
      << "# HELP inferno_spec_acceptance_rate Accepted over drafted tokens.\n"
         "# TYPE inferno_spec_acceptance_rate gauge\n"
      << "inferno_spec_acceptance_rate " << (drafted > 0 ? double(accepted) / drafted : 0.0) << "\n"
      << "# HELP inferno_queue_depth Requests waiting for a sequence slot.\n"
         "# TYPE inferno_queue_depth gauge\n"
      << "inferno_queue_depth " << queued << "\n"
      << "# HELP inferno_rejected_requests_total Generation requests refused with 429, by the "
         "limit that refused them (--max-queue, --max-client-requests).\n"
         "# TYPE inferno_rejected_requests_total counter\n"
      << "inferno_rejected_requests_total{reason=\"queue_full\"} "
      << admission_.refused_queue_full() << "\n"
      << "inferno_rejected_requests_total{reason=\"client_limit\"} "
      << admission_.refused_client_limit() << "\n"
      << "# HELP inferno_active_sequences Sequences being generated.\n"
         "# TYPE inferno_active_sequences gauge\n"
      << "inferno_active_sequences " << active << "\n"
      << "# HELP inferno_requests_in_flight HTTP requests being handled.\n"
         "# TYPE inferno_requests_in_flight gauge\n"
      << "inferno_requests_in_flight " << in_flight_ << "\n"
      << "# HELP inferno_models_loaded Models in memory.\n# TYPE inferno_models_loaded gauge\n"
      << "inferno_models_loaded " << models.size() << "\n"
      << "# HELP inferno_resident_memory_bytes Resident memory of the process.\n"
         "# TYPE inferno_resident_memory_bytes gauge\n"
      << "inferno_resident_memory_bytes " << ResidentBytes() << "\n";
  // One family after the other, each with a sample per loaded model.
  const auto family = [&](const char* name, const char* help, uint64_t PromptCacheStats::*field) {
    out << "# HELP " << name << " " << help << "\n# TYPE " << name << " counter\n";
    for (const auto& [id, st] : caches)
      out << name << "{model=\"" << id << "\"} " << st.*field << "\n";
  };
  family("inferno_prompt_cache_lookups_total",
         "Requests that could reuse a prompt prefix cached in a slot, per loaded model.",
         &PromptCacheStats::lookups);
  family("inferno_prompt_cache_hits_total", "Requests that reused a cached prompt prefix.",
         &PromptCacheStats::hits);
  family("inferno_prompt_cache_reused_tokens_total",
         "Prompt tokens taken from the cache instead of evaluated.",
         &PromptCacheStats::reused_tokens);
  return out.str();
}

}  // namespace inferno::server
