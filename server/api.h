// The server's HTTP front: one route table (server/router.h) holding health, metrics, the
// OpenAI-compatible API (requests for remote models go to server/remote_proxy.h), the seed
// /chat SSE API, tokenize/detokenize, model options and the WebSocket ticket, to which the
// store and the benchmarks add theirs; the web UI's static files answer GET paths no route
// takes. Access checks (Host, Origin, API key; server/access_policy.h), CORS and request
// logging are applied here for every route, before any route runs.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "engine/util/thread_annotations.h"
#include "server/access_policy.h"
#include "server/admission.h"
#include "server/http_types.h"
#include "server/model_registry.h"
#include "server/remote_proxy.h"
#include "server/request_log.h"
#include "server/router.h"

namespace inferno::store {
class ApiResponses;
}

namespace inferno::server {

class OllamaEncoder;
class SpeechModels;
class StaticSite;

struct ApiOptions {
  // The web UI compiled into the binary (null or empty: a page saying the UI is not built).
  const StaticSite* site = nullptr;
  std::string web_root;  // directory with index.html, served instead of `site` (UI development)
  std::string log_dir;   // request logs; empty: stderr only
  bool log_to_stderr = true;
  AdmissionLimits limits;  // bounds on queued and per-client generation requests
  // Where /v1/responses keeps responses (store: true); null: none are kept.
  store::ApiResponses* responses = nullptr;
  // Remote OpenAI-compatible endpoints (their models listed and forwarded); null: none.
  RemoteRegistry* remotes = nullptr;
  // Speech models, listed with the chat models and refused by the chat routes; null: none.
  SpeechModels* speech = nullptr;
};

struct ApiError;

// Prepares the request before queueing, so the client gets a 400 rather than a stream that
// fails. Without max_tokens the generation may fill the context, as OpenAI's API does.
std::optional<ApiError> PreparePrompt(LoadedModel& lm, GenerateRequest& req, bool max_given);

class Api {
 public:
  // `access` must outlive the Api.
  Api(ApiOptions options, AccessPolicy& access, ModelRegistry& registry);

  // The route table, for the store's and the benchmarks' routes. Add them before serving:
  // the table is read without a lock.
  Router& routes() { return routes_; }

  void Handle(const Request& request, ResponseWriter& writer);

  // Whether an upgrade to the WebSocket at /ws may go ahead (Host, Origin, key or ticket);
  // fills `reject` and logs the refusal if not.
  bool AcceptWebSocket(const Request& request, Response* reject);

  // Prometheus text exposition of the counters.
  std::string MetricsText();

  // The generation admission control of /v1/*completions and /chat, for other front ends.
  Admission& admission() { return admission_; }

 private:
  void AddRoutes();
  // Ollama's API (server/ollama_routes.cc): /api/chat, generate, show, pull, tags, ps,
  // version.
  void AddOllamaRoutes();
  void Route(const Request& r, ResponseWriter& w, std::string* label);
  struct Generation;
  // The model `name` names (empty: the default), or null after answering 404 model_not_found
  // (no such model) or 500 model_load_failed, naming the request's field `param`.
  std::shared_ptr<LoadedModel> AcquireOrAnswer(const std::string& name, std::string_view param,
                                               ResponseWriter& w, int* status);
  // Submits a generation for the client of `r`; over a limit, answers 429 and returns null.
  std::unique_ptr<Generation> Admit(const Request& r, LoadedModel& lm, GenerateRequest req,
                                    ResponseWriter& w, int* status);
  void Completions(const Request& r, ResponseWriter& w, bool chat, int* status);
  // Forwards the request when its model is a remote one (server/remote_proxy.h).
  bool ForwardToRemote(const Request& r, std::string_view path, ResponseWriter& w);
  void SeedChat(const Request& r, ResponseWriter& w, int* status);
  // The Responses API (server/responses_routes.cc).
  void AddResponsesRoutes();
  void CreateResponse(const Request& r, ResponseWriter& w);
  Response StoredResponse(const std::string& id, bool remove);
  Response InputItems(const Request& r, const std::string& id);
  // Anthropic's Messages API (server/anthropic_routes.cc).
  void AddAnthropicRoutes();
  void AnthropicMessages(const Request& r, ResponseWriter& w, bool count_only);
  // A generation for a front end in a file of its own: prepares `req` for `lm` (answering 400
  // when it cannot run), admits it (429 over a limit), then hands each event to on_event on
  // this thread; on_event returning false (the client is gone) cancels it. False when it
  // answered an error instead.
  // `rename`, when given, maps a preparation error to the front end's own field names.
  bool Generate(const Request& r, LoadedModel& lm, GenerateRequest req, bool max_given,
                ResponseWriter& w, const std::function<bool(const Event&)>& on_event,
                ApiError (*rename)(ApiError) = nullptr);
  // The remote model a front end's model name names ("NAME/model" of an endpoint), or nullopt.
  std::optional<RemoteTarget> RemoteModel(const std::string& name);
  // Generate() for a remote model, with the same contract: the request is translated into the
  // remote's OpenAI API (server/remote_generation.h; what has no form there is a 400), holds
  // its client's place (429 over the limit) and runs through the one proxy, whose events reach
  // on_event; a failure before any event (unreachable, the remote's own error) is answered
  // here with its status, and then it returns false.
  bool GenerateRemote(const Request& r, const RemoteTarget& target, const GenerateRequest& req,
                      bool max_given, ResponseWriter& w,
                      const std::function<bool(const Event&)>& on_event,
                      ApiError (*rename)(ApiError) = nullptr);
  // A non-streamed response: every event but the last to `add`, then the body `final` makes
  // of each kDone, or an engine error's body (its status from EngineErrorStatus).
  struct Collected {
    int status;
    std::string body;
  };
  Collected Collect(Generation& gen, const std::function<void(const Event&)>& add,
                    const std::function<std::string(const Event&)>& final);
  // What hands a generation's events to a handler, local (Generation::Run) or remote
  // (GenerateRemote); false when it answered an error instead of giving any event.
  using EventPump = std::function<bool(const std::function<bool(const Event&)>&)>;
  Collected Collect(const EventPump& pump, const std::function<void(const Event&)>& add,
                    const std::function<std::string(const Event&)>& final);
  struct OllamaRun;
  void OllamaChat(const Request& r, ResponseWriter& w);
  void OllamaGenerate(const Request& r, ResponseWriter& w);
  void OllamaRespond(const Request& r, ResponseWriter& w, OllamaRun& run);
  // The same on a remote model (GenerateRemote).
  void OllamaRemote(const Request& r, ResponseWriter& w, OllamaRun& run,
                    const RemoteTarget& target);
  // Sends the generation's objects (NDJSON lines or one body); `finish` runs once it has
  // ended, before the last object goes out. The stream starts with the first event, so a
  // pump that fails before any (a remote unreachable) still answers its own status.
  void OllamaReply(ResponseWriter& w, const EventPump& pump, OllamaEncoder& enc, int prompt_tokens,
                   bool stream, const std::function<void()>& finish);
  void OllamaShow(const Request& r, ResponseWriter& w);
  void OllamaPull(const Request& r, ResponseWriter& w);
  // Ollama's `options.num_ctx`: the model's context size (a reload when it changes).
  Status ApplyNumCtx(const std::string& model, int num_ctx);
  void Tokenize(const Request& r, ResponseWriter& w, bool detokenize, int* status);
  Response Health();
  Response Models();
  Response Model(const std::string& id);
  Response UnloadModel(const std::string& id);
  // The web UI's file for a GET or HEAD no route took; false when there is none.
  bool StaticFile(const Request& r, ResponseWriter& w);
  bool DiskFile(const Request& r, ResponseWriter& w);
  void SendJson(ResponseWriter& w, int status, const std::string& body, int* status_out);

  ApiOptions options_;
  AccessPolicy& access_;
  ModelRegistry& registry_;
  Router routes_;
  std::optional<RemoteProxy> remote_proxy_;  // set when options_.remotes is
  RequestLog log_;
  Admission admission_;

  Mutex metrics_mu_;
  // (route, status) -> count
  std::map<std::pair<std::string, int>, uint64_t> requests_ GUARDED_BY(metrics_mu_);
  std::atomic<uint64_t> generated_tokens_{0};
  std::atomic<uint64_t> prompt_tokens_{0};
  std::atomic<double> decode_ms_{0};
  std::atomic<int> in_flight_{0};
  std::atomic<uint64_t> next_id_{1};
};

}  // namespace inferno::server
