// libFuzzer target for the HTTP request parser as a server connection runs it: Beast's
// request parser with the server's body and header limits, the Beast request -> Request
// conversion, then SplitTarget/ParseQuery/PercentDecode. Requests are parsed one after the
// other from the input as long as the connection would stay open (keep-alive, no upgrade).
//
// Each parsed request is then handled by the server's routes (Api::Handle with the store
// routes and the access checks on Host, Origin and the API key, a registry without models so
// nothing generates), which is where a fuzzed method, path, query or header meets the code
// that quotes them back; every JSON answer must be JSON.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "fuzz/fuzz_env.h"
#include "server/access_policy.h"
#include "server/api.h"
#include "server/errors.h"
#include "server/http_parse.h"
#include "server/http_server.h"

namespace {

using inferno::fuzz::Check;
using inferno::server::ParsedRequest;
using inferno::server::RequestParse;

// The fuzz inputs are small; a small body limit lets the fuzzer reach the 413 path too.
const size_t kBodyLimits[] = {inferno::server::HttpServerOptions{}.body_limit, 64};

// The server's routes as `inferno serve` on 127.0.0.1:8080 builds them, with or without an API
// key, on a registry without models and the store routes.
struct Routes {
  Routes()
      : registry(inferno::fuzz::MakeRegistry(inferno::fuzz::ScratchDir() + "/http-models", "")),
        store(inferno::fuzz::ScratchDir() + "/http-store/inferno.db"),
        open_access(Access("")),
        keyed_access(Access("fuzz-key")) {
    inferno::server::ApiOptions quiet;
    quiet.log_to_stderr = false;
    open = std::make_unique<inferno::server::Api>(quiet, open_access, *registry);
    keyed = std::make_unique<inferno::server::Api>(quiet, keyed_access, *registry);
    // The store's own table answers under /api (the fixture renews it now and then, so the
    // Api forwards to whichever is current instead of holding its routes).
    for (inferno::server::Api* api : {open.get(), keyed.get()}) {
      for (const char* method : {"GET", "POST", "PUT", "PATCH", "DELETE"}) {
        api->routes().AddReply(
            method, "/api/{rest...}",
            [this](const inferno::server::Request& r, const inferno::server::PathParams&) {
              std::optional<inferno::server::Response> res = store.routes().Handle(r);
              return res ? std::move(*res) : inferno::server::ErrorResponse(404, "no route");
            });
      }
    }
  }
  static inferno::server::AccessOptions Access(std::string key) {
    inferno::server::AccessOptions o;
    o.port = 8080;
    o.api_key = std::move(key);
    return o;
  }
  std::unique_ptr<inferno::server::ModelRegistry> registry;
  inferno::fuzz::StoreFixture store;
  inferno::server::AccessPolicy open_access, keyed_access;
  std::unique_ptr<inferno::server::Api> open, keyed;
};

void Route(const inferno::server::Request& r, bool with_key) {
  static Routes* routes = new Routes();  // never destroyed: libFuzzer exits from inside a run
  inferno::fuzz::CapturingWriter w;
  (with_key ? routes->keyed : routes->open)->Handle(r, w);
  Check(w.started());
}

// What the routes do with a request: look headers and query values up, re-decode.
void UseRequest(const ParsedRequest& p, bool with_key) {
  const inferno::server::Request& r = p.request;
  Check(!r.method.empty());
  if (!p.target_ok) return;
  Check(!r.path.empty() && r.path[0] == '/');
  volatile size_t sink = r.header("content-type").size() + r.header("authorization").size();
  for (const auto& [key, value] : r.query) sink = sink + key.size() + value.size();
  std::string decoded;
  (void)inferno::server::PercentDecode(r.target, &decoded);
  (void)sink;
  if (!p.websocket_upgrade) Route(r, with_key);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  // The first byte picks the body limit (bit 0) and whether the server has an API key (bit 1);
  // the rest is what the client sends.
  const size_t body_limit = kBodyLimits[data[0] & 1];
  const bool with_key = (data[0] & 2) != 0;
  std::string_view bytes(reinterpret_cast<const char*>(data + 1), size - 1);
  while (!bytes.empty()) {
    const RequestParse r = inferno::server::ParseRequestBytes(bytes, body_limit);
    Check(r.consumed <= bytes.size());
    if (!r.parsed) {
      Check(!r.error.empty());
      break;
    }
    Check(r.consumed > 0);
    Check(r.parsed->request.body.size() <= body_limit);
    UseRequest(*r.parsed, with_key);
    if (!r.parsed->target_ok || r.parsed->websocket_upgrade || !r.parsed->keep_alive) break;
    bytes.remove_prefix(r.consumed);
  }
  return 0;
}
