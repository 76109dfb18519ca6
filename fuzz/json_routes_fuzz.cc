// libFuzzer target for the JSON request bodies of every route. The first input byte picks the
// route ('a' the first, 'b' the second, ..., wrapping around), the rest is the body. Each
// body goes through the route's own code: the OpenAI parsers, /chat and /tokenize through
// Api::Handle, the store routes against a real Store in a scratch dir, the bench and model
// options bodies, and the debugger's client messages. Nothing generates: /chat is served by a
// registry without models, so it stops after validation at the model lookup.
//
// Oracle besides the sanitizers: every JSON response a route sends parses as JSON
// (fuzz/fuzz_env.h).
#include <boost/json.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "fuzz/fuzz_env.h"
#include "server/access_policy.h"
#include "server/api.h"
#include "server/bench_routes.h"
#include "server/bench_service.h"
#include "server/debugger_protocol.h"
#include "server/model_options_routes.h"
#include "server/model_registry.h"
#include "server/openai.h"
#include "server/store_routes.h"
#include "store/store.h"

namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using namespace inferno;
using namespace inferno::server;
using inferno::fuzz::CapturingWriter;
using inferno::fuzz::Check;
using inferno::fuzz::CheckResponse;
using inferno::fuzz::MakeRegistry;
using inferno::fuzz::StoreFixture;

Request MakeRequest(const char* method, const char* target, std::string body) {
  Request r;
  r.method = method;
  r.target = target;
  r.body = std::move(body);
  r.remote = "fuzz";
  Check(SplitTarget(r));
  return r;
}

struct Env {
  Env() {
    const std::string dir = inferno::fuzz::ScratchDir();
    const std::string model = inferno::fuzz::FixtureModel();
    no_model = MakeRegistry(dir + "/empty", "");
    // Bench and model options resolve model names in the dir; nothing there gets loaded.
    fs::create_directories(dir + "/models");
    if (!model.empty()) fs::copy_file(model, dir + "/models/tiny.gguf");
    with_files = MakeRegistry(dir + "/models", "");
    loaded = MakeRegistry(dir + "/empty", model);
    ApiOptions quiet;
    quiet.log_to_stderr = false;
    chat_api = std::make_unique<Api>(quiet, access, *no_model);
    tokenize_api = std::make_unique<Api>(quiet, access, *loaded);
    store = std::make_unique<StoreFixture>(dir + "/store/inferno.db");
    Result<std::unique_ptr<store::Store>> bench_db = store::Store::Open(dir + "/bench/inferno.db");
    Check(bench_db.ok());
    bench_store = std::move(*bench_db);
    bench_service = std::make_unique<BenchService>(
        BenchServiceOptions{"/nonexistent/inferno", dir + "/bench/logs"}, *bench_store);
    bench = std::make_unique<BenchRoutes>(*bench_service, *with_files, *bench_store);
  }

  AccessPolicy access{AccessOptions{}};  // no key; the requests carry no Host or Origin
  std::unique_ptr<ModelRegistry> no_model, with_files, loaded;
  std::unique_ptr<Api> chat_api, tokenize_api;
  std::unique_ptr<StoreFixture> store;
  std::unique_ptr<store::Store> bench_store;
  std::unique_ptr<BenchService> bench_service;
  std::unique_ptr<BenchRoutes> bench;
};

Env& GetEnv() {
  static Env* env = new Env();  // never destroyed: libFuzzer exits from inside a run
  return *env;
}

void Completion(std::string body, bool chat) {
  GenerateRequest request;
  CompletionParams params;
  (void)ParseCompletionRequest(body, chat, &request, &params);
}

void ThroughApi(Api& api, const char* target, std::string body) {
  CapturingWriter w;
  api.Handle(MakeRequest("POST", target, std::move(body)), w);
  Check(w.started());
}

void StoreRoute(const char* method, const char* target, std::string body) {
  std::optional<Response> r = GetEnv().store->routes().Handle(MakeRequest(method, target, body));
  Check(r.has_value());
  CheckResponse(*r);
}

void Bench(std::string body) {
  BenchRequest request;
  if (std::optional<Response> r = GetEnv().bench->Parse(body, &request)) CheckResponse(*r);
}

void ModelOptions(std::string body) {
  static Router* routes = [] {
    auto* r = new Router();  // never destroyed: libFuzzer exits from inside a run
    AddModelOptionsRoutes(*r, *GetEnv().with_files);
    return r;
  }();
  CapturingWriter w;
  Check(routes->Dispatch(MakeRequest("PUT", "/api/models/tiny/options", std::move(body)), w));
  Check(w.started());
}

void Debugger(std::string body) {
  const debugger::Limits limits;
  (void)debugger::ParseClientMessage(body, limits);
}

using Route = void (*)(std::string body);
// The order is the selector's: 'a' is the first. Append new routes at the end so the seeds
// keep their meaning.
constexpr Route kRoutes[] = {
    [](std::string b) { Completion(std::move(b), /*chat=*/true); },                            // a
    [](std::string b) { Completion(std::move(b), /*chat=*/false); },                           // b
    [](std::string b) { ThroughApi(*GetEnv().chat_api, "/chat", std::move(b)); },              // c
    [](std::string b) { ThroughApi(*GetEnv().tokenize_api, "/tokenize", std::move(b)); },      // d
    [](std::string b) { ThroughApi(*GetEnv().tokenize_api, "/detokenize", std::move(b)); },    // e
    [](std::string b) { StoreRoute("POST", "/api/conversations", std::move(b)); },             // f
    [](std::string b) { StoreRoute("PATCH", "/api/conversations/1", std::move(b)); },          // g
    [](std::string b) { StoreRoute("POST", "/api/conversations/1/messages", std::move(b)); },  // h
    [](std::string b) { StoreRoute("POST", "/api/conversations/import", std::move(b)); },      // i
    [](std::string b) { StoreRoute("POST", "/api/profiles", std::move(b)); },                  // j
    [](std::string b) { StoreRoute("PUT", "/api/profiles/1", std::move(b)); },                 // k
    [](std::string b) { StoreRoute("POST", "/api/sessions/import", std::move(b)); },           // l
    Bench,                                                                                     // m
    ModelOptions,                                                                              // n
    Debugger,                                                                                  // o
};
constexpr size_t kRouteCount = sizeof(kRoutes) / sizeof(kRoutes[0]);

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const size_t route = uint8_t(data[0] - 'a') % kRouteCount;
  kRoutes[route](std::string(reinterpret_cast<const char*>(data + 1), size - 1));
  return 0;
}
