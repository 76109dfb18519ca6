// The server's routes: health, metrics, the OpenAI-compatible API, the seed /chat SSE API,
// tokenize/detokenize, the web UI's static files, and delegation of /api/* to the store.
// Access checks (Host, Origin, API key; server/access_policy.h), CORS and request logging are
// applied here for every route, before any route runs.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "server/access_policy.h"
#include "server/admission.h"
#include "server/http_types.h"
#include "server/model_registry.h"
#include "server/request_log.h"

namespace inferno::server {

struct ApiOptions {
  std::string web_root;  // directory with index.html; empty: no UI
  std::string log_dir;   // request logs; empty: stderr only
  bool log_to_stderr = true;
  AdmissionLimits limits;  // bounds on queued and per-client generation requests
};

class Api {
 public:
  // Handles /api/* (the store); returns nullopt for paths it does not know.
  using ExtraRoutes = std::function<std::optional<Response>(const Request&)>;

  // `access` must outlive the Api.
  Api(ApiOptions options, AccessPolicy& access, ModelRegistry& registry,
      ExtraRoutes extra = nullptr);

  // Routes that may stream, for `prefix` and every path below it ("/bench": /bench and
  // /bench/...). They get the access checks and the CORS headers like every route; they
  // return the status they sent. Add them before serving.
  using StreamRoutes = std::function<int(const Request&, ResponseWriter&)>;
  void AddStreamRoutes(std::string prefix, StreamRoutes routes);

  void Handle(const Request& request, ResponseWriter& writer);

  // Whether an upgrade to the WebSocket at /ws may go ahead (Host, Origin, key or ticket);
  // fills `reject` and logs the refusal if not.
  bool AcceptWebSocket(const Request& request, Response* reject);

  // Prometheus text exposition of the counters.
  std::string MetricsText();

  // The generation admission control of /v1/*completions and /chat, for other front ends.
  Admission& admission() { return admission_; }

 private:
  void Route(const Request& r, ResponseWriter& w, int* status, std::string* note);
  struct Generation;
  // Submits a generation for the client of `r`; over a limit, answers 429 and returns null.
  std::unique_ptr<Generation> Admit(const Request& r, LoadedModel& lm, GenerateRequest req,
                                    ResponseWriter& w, int* status);
  void Completions(const Request& r, ResponseWriter& w, bool chat, int* status);
  void SeedChat(const Request& r, ResponseWriter& w, int* status);
  void Tokenize(const Request& r, ResponseWriter& w, bool detokenize, int* status);
  void Models(const Request& r, ResponseWriter& w, int* status);
  bool StaticFile(const Request& r, ResponseWriter& w, int* status);
  void SendJson(ResponseWriter& w, int status, const std::string& body, int* status_out);

  ApiOptions options_;
  AccessPolicy& access_;
  ModelRegistry& registry_;
  ExtraRoutes extra_;
  std::vector<std::pair<std::string, StreamRoutes>> stream_routes_;
  RequestLog log_;
  Admission admission_;

  std::mutex metrics_mu_;
  std::map<std::pair<std::string, int>, uint64_t> requests_;  // (route, status) -> count
  std::atomic<uint64_t> generated_tokens_{0};
  std::atomic<uint64_t> prompt_tokens_{0};
  std::atomic<double> decode_ms_{0};
  std::atomic<int> in_flight_{0};
  std::atomic<uint64_t> next_id_{1};
};

}  // namespace inferno::server
