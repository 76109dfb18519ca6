// libFuzzer target for the HTTP request parser as a server connection runs it: Beast's
// request parser with the server's body and header limits, the Beast request -> Request
// conversion, then SplitTarget/ParseQuery/PercentDecode. Requests are parsed one after the
// other from the input as long as the connection would stay open (keep-alive, no upgrade).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "server/http_parse.h"
#include "server/http_server.h"

namespace {

using inferno::server::ParsedRequest;
using inferno::server::RequestParse;

// The fuzz inputs are small; a small body limit lets the fuzzer reach the 413 path too.
const size_t kBodyLimits[] = {inferno::server::HttpServerOptions{}.body_limit, 64};

void Check(bool ok) {
  if (!ok) std::abort();
}

// What the routes do with a request: look headers and query values up, re-decode.
void UseRequest(const ParsedRequest& p) {
  const inferno::server::Request& r = p.request;
  Check(!r.method.empty());
  if (!p.target_ok) return;
  Check(!r.path.empty() && r.path[0] == '/');
  volatile size_t sink = r.header("content-type").size() + r.header("authorization").size();
  for (const auto& [key, value] : r.query) sink = sink + key.size() + value.size();
  std::string decoded;
  (void)inferno::server::PercentDecode(r.target, &decoded);
  (void)sink;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  // The first byte picks the body limit; the rest is what the client sends.
  const size_t body_limit = kBodyLimits[data[0] % 2];
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
    UseRequest(*r.parsed);
    if (!r.parsed->target_ok || r.parsed->websocket_upgrade || !r.parsed->keep_alive) break;
    bytes.remove_prefix(r.consumed);
  }
  return 0;
}
