// One HTTP exchange with a remote OpenAI-compatible endpoint, over libcurl's easy interface on
// the calling thread (a connection's own thread: the scheduler never waits on a remote). The
// body is handed over as it arrives, so a stream is relayed chunk by chunk.
//
// Timeouts: connecting is bounded by connect_ms; once connected, read_ms bounds any silence
// (no byte either way), so a long stream lives as long as tokens keep coming but a stalled
// remote is given up. Retries happen only when the connection could not be made: then nothing
// was sent and the request cannot have run twice. Returning false from on_data stops the
// transfer and closes the connection, which is how a client's disconnect cancels the remote
// generation.
#pragma once

#include <functional>
#include <string>
#include <string_view>

namespace inferno::server {

struct RemoteTimeouts {
  int connect_ms = 5000;
  int read_ms = 120000;
  int connect_retries = 2;  // further attempts after a failed connect
};

enum class RemoteFailure {
  kNone,
  kConnect,  // could not connect (refused, unresolvable, connect timeout), after the retries
  kTimeout,  // connected, then silent for read_ms
  kAborted,  // on_data returned false
  kTransfer  // the connection broke or the HTTP was malformed
};

struct RemoteOutcome {
  RemoteFailure failure = RemoteFailure::kNone;
  std::string message;    // curl's description, for failures; never holds the key
  long status = 0;        // HTTP status, once headers came
  bool received = false;  // some body bytes were handed to on_data
};

struct RemoteCall {
  std::string method = "GET";  // GET or POST
  std::string url;             // the full URL (base + /v1/...)
  std::string api_key;         // sent as 'Authorization: Bearer'; empty: none
  std::string body;            // POST: JSON
};

// Body bytes as they arrive, with the response's status and content type; false stops.
using RemoteDataFn =
    std::function<bool(long status, std::string_view content_type, std::string_view data)>;

RemoteOutcome CallRemote(const RemoteCall& call, const RemoteTimeouts& timeouts,
                         const RemoteDataFn& on_data);

}  // namespace inferno::server
