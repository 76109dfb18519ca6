// Forwards OpenAI requests for a remote model (NAME/model, server/remote_registry.h) to its
// endpoint and relays the answer: a whole JSON body, or an SSE stream event by event as the
// remote sends them. The front ends (/v1/chat/completions, /v1/completions) only ask Forward()
// whether the model is remote; everything about the remote happens here.
//
// The relayed objects carry the public id (NAME/model) in "model"; everything else the remote
// sends (logprobs, top_logprobs, usage, its extensions) passes through unchanged. A client
// never hangs on a remote: an unreachable one is 502 remote_unreachable, a silent one 504
// remote_timeout, a malformed answer 502 remote_bad_response; once a stream has started,
// the same errors arrive as an error event followed by [DONE].
#pragma once

#include <boost/json/object.hpp>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/runtime/events.h"
#include "engine/util/status.h"
#include "server/http_types.h"
#include "server/openai.h"
#include "server/remote_registry.h"

namespace inferno::server {

// Cuts an SSE byte stream into events and re-encodes each as `data: {json}\n\n` with "model"
// set to the public id. Pure: fed bytes, gives bytes, for tests without sockets.
class SseRelay {
 public:
  explicit SseRelay(std::string public_id) : public_id_(std::move(public_id)) {}
  // Appends the complete events of `data` (with what was buffered) to *out. An event whose
  // data is not a JSON object (nor [DONE]) is an error naming it; nothing after it is relayed.
  Status Feed(std::string_view data, std::string* out);
  // The same events as objects, for a reader of the stream rather than a relay; [DONE] is
  // not one (saw_done_marker() says it came).
  Status Objects(std::string_view data, std::vector<boost::json::object>* out);
  // [DONE] arrived, or an error object that ends the stream.
  bool done() const { return done_; }
  bool saw_done_marker() const { return saw_done_marker_; }
  bool relayed_any() const { return relayed_any_; }

 private:
  Status Event(std::string_view event, std::vector<boost::json::object>* out);
  std::string public_id_;
  std::string pending_;
  bool done_ = false, saw_done_marker_ = false, relayed_any_ = false;
};

class RemoteProxy {
 public:
  explicit RemoteProxy(RemoteRegistry& registry) : registry_(registry) {}

  // Asked once the model is known to be remote, before anything goes upstream: a refusal to
  // send instead (the server's admission limits), or nullopt to go on.
  using Gate = std::function<std::optional<Response>()>;

  // When body's "model" names a remote model: forwards the request to the endpoint's `path`
  // ("/v1/chat/completions") and answers `w` (or sends the gate's refusal); returns true.
  // False (nothing sent) otherwise.
  bool Forward(std::string_view path, const boost::json::object& body, ResponseWriter& w,
               const Gate& gate = {});

  // A front end's generation on a remote model (server/remote_generation.h): `body` (made by
  // RemoteRequestBody, streamed) goes to the endpoint's `path`, and what it answers reaches
  // on_event as the engine's events: kPrompt once the remote has answered, a kToken per chunk
  // with text, then kDone, or kError when the stream breaks. A failure before any event is
  // returned instead (nothing was given to on_event), for the front end to answer with its
  // status. on_event returning false (the client left) closes the connection to the remote.
  std::optional<ApiError> Generate(const RemoteTarget& target, const std::string& path,
                                   const boost::json::object& body,
                                   const std::function<bool(const Event&)>& on_event);

 private:
  void Whole(const RemoteTarget& target, const std::string& url, std::string body,
             ResponseWriter& w);
  void Stream(const RemoteTarget& target, const std::string& url, std::string body,
              ResponseWriter& w);
  RemoteRegistry& registry_;
};

}  // namespace inferno::server
