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

#include "engine/util/utf8.h"
#include "server/event_queue.h"
#include "server/model_options_routes.h"
#include "server/openai.h"

namespace inferno::server {
namespace {

namespace json = boost::json;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

double MsSince(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

std::string Error(int status, std::string message, std::string param = "", std::string code = "") {
  ApiError e;
  e.status = status;
  e.message = std::move(message);
  e.param = std::move(param);
  e.code = std::move(code);
  if (status == 401) e.type = "authentication_error";
  if (status == 404 && e.code.empty()) e.type = "not_found_error";
  if (status >= 500) e.type = "server_error";
  return ErrorBody(e);
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

const char* ContentType(const fs::path& p) {
  const std::string ext = p.extension().string();
  if (ext == ".html") return "text/html; charset=utf-8";
  if (ext == ".js" || ext == ".mjs") return "text/javascript; charset=utf-8";
  if (ext == ".css") return "text/css; charset=utf-8";
  if (ext == ".json" || ext == ".map") return "application/json";
  if (ext == ".svg") return "image/svg+xml";
  if (ext == ".png") return "image/png";
  if (ext == ".ico") return "image/x-icon";
  if (ext == ".woff2") return "font/woff2";
  if (ext == ".txt") return "text/plain; charset=utf-8";
  return "application/octet-stream";
}

// Metrics label for a path: known routes by name, everything else lumped together so
// arbitrary URLs cannot blow up the number of series.
std::string RouteLabel(const std::string& path) {
  static const char* const kRoutes[] = {
      "/health",   "/metrics",    "/v1/models", "/v1/completions", "/v1/chat/completions", "/chat",
      "/tokenize", "/detokenize", "/ws"};
  for (const char* r : kRoutes) {
    if (path == r) return r;
  }
  if (path.rfind("/v1/models/", 0) == 0) return "/v1/models/{id}";
  if (path.rfind("/api/", 0) == 0) return "/api";
  if (path == "/bench" || path.rfind("/bench/", 0) == 0) return "/bench";
  return "static";
}

// Checks the prompt against the context before queueing, so the client gets a 400 rather
// than a stream that fails; fills in the tokens so they are not computed twice.
std::optional<ApiError> PreparePrompt(LoadedModel& lm, GenerateRequest& req, bool max_given) {
  Result<std::vector<int32_t>> tokens = lm.scheduler->PromptTokens(req);
  if (!tokens.ok())
    return ApiError{400, tokens.status().message(), "invalid_request_error", "messages", ""};
  const int n_ctx = lm.scheduler->n_ctx();
  if (int(tokens->size()) >= n_ctx) {
    return ApiError{400,
                    "the prompt is " + std::to_string(tokens->size()) +
                        " tokens but the model's context holds " + std::to_string(n_ctx) +
                        " (including at least one generated token); shorten it",
                    "invalid_request_error", "messages", "context_length_exceeded"};
  }
  const int room = n_ctx - int(tokens->size());
  req.max_tokens = max_given ? std::min(req.max_tokens, room) : room;
  req.prompt_tokens = std::move(*tokens);
  return std::nullopt;
}

// Adds the request's CORS headers to whatever a route sends, so routes never deal with them.
class CorsWriter : public ResponseWriter {
 public:
  CorsWriter(ResponseWriter& inner, Headers cors) : inner_(inner), cors_(std::move(cors)) {}
  void Send(Response r) override {
    r.headers.insert(r.headers.end(), cors_.begin(), cors_.end());
    inner_.Send(std::move(r));
  }
  bool StartStream(int status, std::string content_type, Headers headers) override {
    headers.insert(headers.end(), cors_.begin(), cors_.end());
    return inner_.StartStream(status, std::move(content_type), std::move(headers));
  }
  bool Write(std::string_view data) override { return inner_.Write(data); }
  void EndStream() override { inner_.EndStream(); }
  bool started() const override { return inner_.started(); }

 private:
  ResponseWriter& inner_;
  Headers cors_;
};

}  // namespace

// One admitted generation: its events reach the connection thread through `queue`, which
// also paces the scheduler (a client that stops reading pauses its generation once the queue
// holds EventQueue::max_bytes). Ending it before its last event (the client is gone, or never
// got the stream's header) cancels it.
struct Api::Generation {
  Scheduler* scheduler;
  std::shared_ptr<EventQueue> queue;
  Admission::Admitted admitted;
  bool ended = false;

  ~Generation() {
    if (!ended) Stop();
  }
  void Stop() {
    queue->Abandon();
    scheduler->Cancel(admitted.ticket());
    End();
  }
  // The client's place is free before its last bytes are written (Admitted::Release).
  void End() {
    ended = true;
    admitted.Release();
  }
  // Hands each event to on_event on this thread. on_event returning false (client gone)
  // cancels the generation.
  void Run(const std::function<bool(const Event&)>& on_event) {
    while (!ended) {
      const Event e = queue->Pop();
      const bool last = e.type == Event::Type::kDone || e.type == Event::Type::kError;
      if (last) End();
      if (!on_event(e) && !last) Stop();
    }
  }
};

std::unique_ptr<Api::Generation> Api::Admit(const Request& r, LoadedModel& lm, GenerateRequest req,
                                            ResponseWriter& w, int* status) {
  auto queue = std::make_shared<EventQueue>();
  std::string refusal;
  std::optional<Admission::Admitted> admitted = admission_.Submit(
      ClientOf(r), *lm.scheduler, std::move(req),
      [queue](const Event& e) { return queue->Push(e); }, [queue] { return queue->Ready(); },
      &refusal);
  if (!admitted) {
    // OpenAI's clients retry a 429 after the Retry-After delay.
    Headers headers;
    headers.push_back({"Retry-After", std::to_string(kRetryAfterSeconds)});
    *status = 429;
    w.Send(
        Response{429, "application/json", std::move(headers),
                 ErrorBody(ApiError{429, refusal, "rate_limit_error", "", "rate_limit_exceeded"})});
    return nullptr;
  }
  return std::unique_ptr<Generation>(
      new Generation{lm.scheduler.get(), std::move(queue), std::move(*admitted)});
}

Api::Api(ApiOptions options, AccessPolicy& access, ModelRegistry& registry, ExtraRoutes extra)
    : options_(std::move(options)),
      access_(access),
      registry_(registry),
      extra_(std::move(extra)),
      log_(options_.log_dir, options_.log_to_stderr),
      admission_(options_.limits) {}

void Api::AddStreamRoutes(std::string prefix, StreamRoutes routes) {
  stream_routes_.emplace_back(std::move(prefix), std::move(routes));
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
  int status = 0;
  std::string note;
  ++in_flight_;
  CorsWriter cw(w, access_.CorsHeaders(r));
  try {
    if (std::optional<Response> refused = access_.CheckRequest(r)) {
      status = refused->status;
      note = "refused";
      cw.Send(std::move(*refused));
    } else {
      Route(r, cw, &status, &note);
    }
  } catch (const std::exception& e) {
    if (!cw.started())
      SendJson(cw, 500, Error(500, std::string("internal error: ") + e.what()), &status);
  }
  --in_flight_;
  {
    std::lock_guard<std::mutex> lock(metrics_mu_);
    ++requests_[{RouteLabel(r.path), status}];
  }
  log_.Log(r.remote, r.method, r.target, status, MsSince(start), note);
}

void Api::Route(const Request& r, ResponseWriter& w, int* status, std::string* note) {
  const std::string& p = r.path;
  if (r.method == "OPTIONS") {
    *status = 204;
    w.Send(access_.Preflight());
    return;
  }
  if (p == "/health") {
    json::array loaded;
    for (const std::string& id : registry_.loaded_ids()) loaded.push_back(json::value(id));
    SendJson(w, 200, json::serialize(json::object{{"status", "ok"}, {"models_loaded", loaded}}),
             status);
    return;
  }
  const StreamRoutes* stream = nullptr;
  for (const auto& [prefix, routes] : stream_routes_) {
    if (p == prefix || (p.rfind(prefix + "/", 0) == 0)) stream = &routes;
  }
  // Everything but the health check and the UI's files needs the key (when there is one).
  const bool api = p.rfind("/v1/", 0) == 0 || p == "/chat" || p.rfind("/api/", 0) == 0 ||
                   p == "/tokenize" || p == "/detokenize" || p == "/metrics" || stream != nullptr;
  if (api && !access_.Authorized(r)) {
    SendJson(w, 401,
             Error(401, "missing or wrong API key: send 'Authorization: Bearer <key>'", "",
                   "invalid_api_key"),
             status);
    return;
  }
  if (p == "/metrics") {
    *status = 200;
    w.Send(Response{200, "text/plain; version=0.0.4", {}, MetricsText()});
    return;
  }
  if (stream != nullptr) {
    *status = (*stream)(r, w);
    return;
  }
  auto method_is = [&](const char* m) {
    if (r.method == m) return true;
    SendJson(w, 405, Error(405, "use " + std::string(m) + " for " + p), status);
    return false;
  };
  if (p == "/v1/chat/completions" || p == "/v1/completions") {
    if (method_is("POST")) Completions(r, w, p == "/v1/chat/completions", status);
    return;
  }
  if (p == "/v1/models" || p.rfind("/v1/models/", 0) == 0) {
    Models(r, w, status);
    return;
  }
  if (p == "/chat") {
    if (method_is("POST")) SeedChat(r, w, status);
    return;
  }
  if (p == "/tokenize" || p == "/detokenize") {
    if (method_is("POST")) Tokenize(r, w, p == "/detokenize", status);
    return;
  }
  if (p == "/api/ws-ticket") {
    // The browser's WebSocket cannot send the key in a header: it trades it here for a
    // single-use ticket it puts in the upgrade's query string.
    if (method_is("POST")) {
      SendJson(w, 200,
               json::serialize(json::object{{"ticket", access_.IssueWsTicket()},
                                            {"expires_in", access_.ticket_lifetime_seconds()}}),
               status);
    }
    return;
  }
  if (p.rfind("/api/", 0) == 0) {
    if (std::optional<Response> res = HandleModelOptions(registry_, r)) {
      *status = res->status;
      w.Send(std::move(*res));
      return;
    }
    if (extra_) {
      if (std::optional<Response> res = extra_(r)) {
        *status = res->status;
        w.Send(std::move(*res));
        return;
      }
    }
    SendJson(w, 404, Error(404, "no such API route: " + r.method + " " + p), status);
    return;
  }
  if (p.rfind("/v1/", 0) == 0) {
    SendJson(w, 404, Error(404, "no such route: " + r.method + " " + p), status);
    return;
  }
  if (r.method == "GET" || r.method == "HEAD") {
    if (StaticFile(r, w, status)) return;
  }
  (void)note;
  SendJson(w, 404, Error(404, "not found: " + p), status);
}

void Api::Models(const Request& r, ResponseWriter& w, int* status) {
  if (r.path == "/v1/models") {
    if (r.method != "GET") {
      SendJson(w, 405, Error(405, "use GET for /v1/models"), status);
      return;
    }
    json::array data;
    for (const ModelInfo& m : registry_.List()) {
      json::object o{{"id", m.id},
                     {"object", "model"},
                     {"created", 0},
                     {"owned_by", "inferno"},
                     {"size_bytes", m.size_bytes},
                     {"quant", m.quant},
                     {"architecture", m.architecture},
                     {"context_length", m.context_length},
                     {"context_size", m.context_size},
                     {"threads", m.threads},
                     {"parameters", m.parameters},
                     {"loaded", m.loaded}};
      if (!m.error.empty()) o["error"] = m.error;
      data.push_back(std::move(o));
    }
    SendJson(w, 200, json::serialize(json::object{{"object", "list"}, {"data", data}}), status);
    return;
  }
  const std::string id = r.path.substr(std::string("/v1/models/").size());
  if (r.method == "DELETE") {
    Status st = registry_.Unload(id);
    if (!st.ok()) {
      SendJson(w, 404, Error(404, st.message(), "model", "model_not_found"), status);
      return;
    }
    SendJson(w, 200,
             json::serialize(json::object{{"id", id}, {"object", "model"}, {"deleted", true}}),
             status);
    return;
  }
  if (r.method != "GET") {
    SendJson(w, 405, Error(405, "use GET or DELETE for /v1/models/{id}"), status);
    return;
  }
  for (const ModelInfo& m : registry_.List()) {
    if (m.id == id) {
      SendJson(w, 200,
               json::serialize(json::object{{"id", m.id},
                                            {"object", "model"},
                                            {"created", 0},
                                            {"owned_by", "inferno"},
                                            {"size_bytes", m.size_bytes},
                                            {"quant", m.quant},
                                            {"architecture", m.architecture},
                                            {"context_length", m.context_length},
                                            {"context_size", m.context_size},
                                            {"threads", m.threads},
                                            {"loaded", m.loaded}}),
               status);
      return;
    }
  }
  SendJson(w, 404, Error(404, "model '" + id + "' not found", "model", "model_not_found"), status);
}

void Api::Completions(const Request& r, ResponseWriter& w, bool chat, int* status) {
  GenerateRequest req;
  CompletionParams params;
  if (std::optional<ApiError> err = ParseCompletionRequest(r.body, chat, &req, &params)) {
    SendJson(w, err->status, ErrorBody(*err), status);
    return;
  }
  Result<std::shared_ptr<LoadedModel>> lm = registry_.Acquire(params.model);
  if (!lm.ok()) {
    const bool missing = lm.status().code() == Status::Code::kNotFound;
    SendJson(w, missing ? 404 : 500,
             Error(missing ? 404 : 500, lm.status().message(), "model",
                   missing ? "model_not_found" : "model_load_failed"),
             status);
    return;
  }
  if (std::optional<ApiError> err = PreparePrompt(**lm, req, params.max_tokens_given)) {
    SendJson(w, err->status, ErrorBody(*err), status);
    return;
  }
  const int prompt_tokens = int(req.prompt_tokens.size());
  std::unique_ptr<Generation> gen = Admit(r, **lm, std::move(req), w, status);
  if (!gen) return;
  const std::string id = std::string(chat ? "chatcmpl-" : "cmpl-") +
                         std::to_string(std::time(nullptr)) + "-" + std::to_string(next_id_++);
  CompletionEncoder enc(params, (*lm)->id, id, int64_t(std::time(nullptr)));
  prompt_tokens_ += uint64_t(prompt_tokens);

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
        case Event::Type::kDone:
          decode_ms_ = decode_ms_ + e.timings.decode_ms;
          if (alive) w.Write(enc.FinalChunks(e, prompt_tokens));
          return true;
        case Event::Type::kError:
          if (alive)
            w.Write(CompletionEncoder::ErrorChunk(
                ApiError{500, e.error.message(), "server_error", "", ""}));
          return true;
        default:
          return alive;
      }
    });
    w.EndStream();
    return;
  }

  std::string body;
  int code = 200;
  gen->Run([&](const Event& e) {
    if (e.type == Event::Type::kToken) {
      ++generated_tokens_;
      enc.Add(e);
    } else if (e.type == Event::Type::kDone) {
      decode_ms_ = decode_ms_ + e.timings.decode_ms;
      body = enc.Final(e, prompt_tokens);
    } else if (e.type == Event::Type::kError) {
      code = e.error.code() == Status::Code::kInvalidArgument ||
                     e.error.code() == Status::Code::kOutOfRange
                 ? 400
                 : 500;
      body = Error(code, e.error.message());
    }
    return true;
  });
  SendJson(w, code, body, status);
}

void Api::SeedChat(const Request& r, ResponseWriter& w, int* status) {
  json::error_code ec;
  json::value root = json::parse(r.body, ec);
  if (ec || !root.is_object()) {
    SendJson(w, 400, Error(400, "the request body must be a JSON object"), status);
    return;
  }
  json::object& o = root.as_object();
  // Same fields and validation as the OpenAI API: translate and reuse its parser.
  json::object translated;
  const json::value* name = o.if_contains("model_name");
  if (name == nullptr) name = o.if_contains("model");
  if (name && !name->is_string()) {
    SendJson(w, 400, Error(400, "'model_name' must be a string", "model_name"), status);
    return;
  }
  if (name) translated["model"] = *name;
  const json::value* prompt = o.if_contains("prompt");
  if (prompt == nullptr || !prompt->is_string()) {
    SendJson(w, 400, Error(400, "'prompt' must be a string", "prompt"), status);
    return;
  }
  json::array messages;
  if (const json::value* sys = o.if_contains("system"); sys && !sys->is_null()) {
    if (!sys->is_string()) {
      SendJson(w, 400, Error(400, "'system' must be a string", "system"), status);
      return;
    }
    messages.push_back(json::object{{"role", "system"}, {"content", *sys}});
  }
  messages.push_back(json::object{{"role", "user"}, {"content", *prompt}});
  translated["messages"] = std::move(messages);
  for (const char* key : {"temperature", "top_k", "top_p", "min_p", "repeat_penalty", "max_tokens",
                          "seed", "presence_penalty", "frequency_penalty", "stop"}) {
    if (const json::value* v = o.if_contains(key)) translated[key] = *v;
  }
  GenerateRequest req;
  CompletionParams params;
  if (std::optional<ApiError> err =
          ParseCompletionRequest(json::serialize(translated), /*chat=*/true, &req, &params)) {
    SendJson(w, err->status, ErrorBody(*err), status);
    return;
  }
  Result<std::shared_ptr<LoadedModel>> lm = registry_.Acquire(params.model);
  if (!lm.ok()) {
    const bool missing = lm.status().code() == Status::Code::kNotFound;
    SendJson(w, missing ? 404 : 500,
             Error(missing ? 404 : 500, lm.status().message(), "model_name"), status);
    return;
  }
  if (std::optional<ApiError> err = PreparePrompt(**lm, req, params.max_tokens_given)) {
    SendJson(w, err->status, ErrorBody(*err), status);
    return;
  }
  std::unique_ptr<Generation> gen = Admit(r, **lm, std::move(req), w, status);
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
      json::object data{{"index", e.index},
                        {"text", e.text},
                        {"id", e.id},
                        {"token", ToValidUtf8(e.piece)},
                        {"logprob", e.prob > 0 ? std::log(double(e.prob)) : -9999.0},
                        {"elapsed_ms", e.elapsed_ms},
                        {"tokens_per_second", since_first > 0 ? e.index / since_first : 0.0}};
      alive = alive && w.Write("event: token\ndata: " + json::serialize(data) + "\n\n");
      return alive;
    }
    if (e.type == Event::Type::kDone) {
      decode_ms_ = decode_ms_ + e.timings.decode_ms;
      const Timings& t = e.timings;
      json::object data{{"model", (*lm)->id},
                        {"text", e.text},
                        {"load_ms", t.load_ms},
                        {"prompt_tokens", t.prompt_tokens},
                        {"prompt_tokens_per_second", t.prompt_tokens_per_second()},
                        {"decode_tokens_per_second", t.decode_tokens_per_second()},
                        {"ttft_ms", t.ttft_ms},
                        {"generated_tokens", t.generated_tokens},
                        {"peak_rss_bytes", PeakRssBytes()},
                        {"finish_reason", e.finish_reason}};
      if (alive) w.Write("event: done\ndata: " + json::serialize(data) + "\n\n");
      return true;
    }
    if (e.type == Event::Type::kError && alive) {
      w.Write("event: error\ndata: " +
              json::serialize(json::object{{"message", e.error.message()}}) + "\n\n");
    }
    return alive;
  });
  w.EndStream();
}

void Api::Tokenize(const Request& r, ResponseWriter& w, bool detokenize, int* status) {
  json::error_code ec;
  json::value root = json::parse(r.body, ec);
  if (ec || !root.is_object()) {
    SendJson(w, 400, Error(400, "the request body must be a JSON object"), status);
    return;
  }
  const json::object& o = root.as_object();
  std::string model;
  if (const json::value* m = o.if_contains("model"); m && !m->is_null()) {
    if (!m->is_string()) {
      SendJson(w, 400, Error(400, "'model' must be a string", "model"), status);
      return;
    }
    model = std::string(m->as_string());
  }
  Result<std::shared_ptr<LoadedModel>> lm = registry_.Acquire(model);
  if (!lm.ok()) {
    const bool missing = lm.status().code() == Status::Code::kNotFound;
    SendJson(w, missing ? 404 : 500, Error(missing ? 404 : 500, lm.status().message(), "model"),
             status);
    return;
  }
  const Tokenizer& tok = (*lm)->model->tokenizer();
  if (detokenize) {
    const json::value* t = o.if_contains("tokens");
    if (t == nullptr || !t->is_array()) {
      SendJson(w, 400, Error(400, "'tokens' must be an array of token ids", "tokens"), status);
      return;
    }
    std::string text;
    for (const json::value& v : t->as_array()) {
      if (!v.is_int64() || v.as_int64() < 0 || v.as_int64() >= tok.n_vocab()) {
        SendJson(w, 400, Error(400, "'tokens' holds an id outside the vocabulary", "tokens"),
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
    SendJson(w, 400, Error(400, "'content' must be a string", "content"), status);
    return;
  }
  bool add_special = true;
  if (const json::value* a = o.if_contains("add_special"); a && a->is_bool())
    add_special = a->as_bool();
  const std::vector<int32_t> ids =
      tok.Encode(std::string(content->as_string()), add_special, /*parse_special=*/true);
  json::array tokens;
  for (int32_t id : ids) {
    tokens.push_back(json::object{{"id", id}, {"text", ToValidUtf8(tok.TokenToPiece(id))}});
  }
  SendJson(w, 200, json::serialize(json::object{{"model", (*lm)->id}, {"tokens", tokens}}), status);
}

bool Api::StaticFile(const Request& r, ResponseWriter& w, int* status) {
  if (options_.web_root.empty() || !fs::is_directory(options_.web_root)) {
    if (r.path != "/") return false;
    *status = 200;
    w.Send(Response{200,
                    "text/html; charset=utf-8",
                    {},
                    "<!doctype html><meta charset=utf-8><title>Inferno</title>"
                    "<h1>Inferno</h1><p>The web UI is not built (run <code>make web</code>). "
                    "The API is up: <a href=/v1/models>/v1/models</a>, "
                    "<a href=/health>/health</a>.</p>"});
    return true;
  }
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
  Headers headers;
  // Vite's hashed assets never change; index.html must always be revalidated.
  headers.push_back({"Cache-Control", file.filename() == "index.html"
                                          ? "no-cache"
                                          : "public, max-age=31536000, immutable"});
  *status = 200;
  w.Send(Response{200, ContentType(file), headers, r.method == "HEAD" ? "" : body.str()});
  return true;
}

std::string Api::MetricsText() {
  std::ostringstream out;
  out << "# HELP inferno_requests_total HTTP requests by route and status.\n"
         "# TYPE inferno_requests_total counter\n";
  {
    std::lock_guard<std::mutex> lock(metrics_mu_);
    for (const auto& [key, n] : requests_) {
      out << "inferno_requests_total{route=\"" << key.first << "\",status=\"" << key.second
          << "\"} " << n << "\n";
    }
  }
  int queued = 0, active = 0;
  const std::vector<std::shared_ptr<LoadedModel>> models = registry_.loaded_models();
  for (const auto& m : models) {
    const SchedulerStats s = m->scheduler->stats();
    queued += s.queued;
    active += s.active;
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
  return out.str();
}

}  // namespace inferno::server
