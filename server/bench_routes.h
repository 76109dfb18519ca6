// The benchmark routes (docs/server.md, "Benchmarks"):
//   POST /bench                     start a run, SSE: start, progress, result, done | error
//                                   (category "load": a concurrency sweep of remote models)
//   GET  /bench/runs                runs, newest first (?limit=&offset=)
//   GET  /bench/runs/{id}           one run with its result rows
//   GET  /bench/runs/{id}.csv       its rows as benchmarks/results.csv (attachment)
//   GET  /bench/runs/{id}/events    follow a running run's SSE stream again (from the start)
//   POST /bench/runs/{id}/cancel    stop a running run (stored as cancelled)
//   DELETE /bench/runs/{id}         forget a finished run
// Models are named by id and resolved inside the models dir only (plus the model the
// server was started with); errors answer in OpenAI's error shape.
#pragma once

#include <optional>

#include "server/bench_service.h"
#include "server/http_types.h"
#include "server/model_registry.h"
#include "server/router.h"
#include "store/bench_runs.h"

namespace inferno::server {

// Bounds on what one POST /bench may ask for.
struct BenchLimits {
  static constexpr int kMaxModels = 16;
  static constexpr int kMaxPromptSizes = 8;
  static constexpr int kMaxPromptTokens = 2048;
  static constexpr int kMaxImagePixels = 4096;  // the picture's long side
  static constexpr int kMaxClipSeconds = 600;
  static constexpr int kMaxRepetitions = 10;
  static constexpr int kMaxGenTokens = 512;
};

class BenchRoutes {
 public:
  // `remotes` (may be null) names the remote models a load sweep can target.
  BenchRoutes(BenchService& service, ModelRegistry& registry, store::BenchRuns& runs,
              RemoteRegistry* remotes = nullptr)
      : service_(service), registry_(registry), runs_(runs), remotes_(remotes) {}

  // Adds the routes above to a route table; the BenchRoutes must outlive it.
  void AddTo(Router& routes);

  // Validates a POST /bench body into a request (exposed for tests): an error response
  // (400 bad JSON or values, 404 unknown or out-of-dir model) or nullopt.
  std::optional<Response> Parse(const std::string& body, BenchRequest* out);

 private:
  std::optional<Response> ResolveModel(const std::string& id, std::vector<ModelInfo>* listed,
                                       BenchRequest* req);
  // load: a remote model's endpoint.
  std::optional<Response> ResolveTarget(const std::string& id, BenchRequest* req);
  void Start(const Request& r, ResponseWriter& w);
  void Follow(BenchJob& job, ResponseWriter& w);
  void Events(const PathParams& p, ResponseWriter& w);
  Response Runs(const Request& r);
  Response Run(int64_t id);
  Response Csv(int64_t id);
  Response Delete(int64_t id);
  Response Cancel(int64_t id);

  BenchService& service_;
  ModelRegistry& registry_;
  store::BenchRuns& runs_;
  RemoteRegistry* remotes_;
};

}  // namespace inferno::server
