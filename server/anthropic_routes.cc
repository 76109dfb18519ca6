// The Messages API's routes: POST /v1/messages (a Message, or its server-sent events) and
// POST /v1/messages/count_tokens. The request is read by server/anthropic_request.h and the
// events encoded by server/anthropic.h; model lookup, admission and cancellation are the
// Api's, and its errors (sent in OpenAI's shape) reach the client in Anthropic's through the
// AnthropicErrorWriter that Api::Handle puts on these paths.
#include <boost/json.hpp>
#include <limits>

#include "engine/request/prepare.h"
#include "server/anthropic.h"
#include "server/anthropic_request.h"
#include "server/api.h"
#include "server/api_generation.h"

namespace inferno::server {
namespace {

namespace json = boost::json;

Response JsonResponse(int status, std::string body) {
  return Response{status, "application/json", {}, std::move(body)};
}

// count_tokens: the prompt as /v1/messages would run it. Counting is how a client learns that
// a conversation outgrew the context, so a prompt longer than the context is counted, not
// refused.
Response CountTokens(const LoadedModel& lm, GenerateRequest& req) {
  if (auto err = request::Prepare(*lm.model, req, std::numeric_limits<int>::max())) {
    const ApiError e = FromRequestError(*err);
    return JsonResponse(e.status, ErrorBody(e));
  }
  return JsonResponse(200,
                      json::serialize(json::object{{"input_tokens", req.prompt_tokens.size()}}));
}

// The streamed answer's event handler. The stream starts with the first event (kPrompt), once
// the generation is admitted, so a refusal is still a plain 429.
std::function<bool(const Event&)> StreamTo(ResponseWriter& w, AnthropicEncoder& enc) {
  return [&w, &enc, alive = true](const Event& e) mutable {
    if (!w.started()) alive = w.StartStream(200, "text/event-stream", {});
    const std::string out = e.type == Event::Type::kError
                                ? AnthropicEncoder::ErrorEvent(e.error.message())
                                : enc.Push(e);
    if (!out.empty()) alive = alive && w.Write(out);
    return alive;
  };
}

}  // namespace

void Api::AddAnthropicRoutes() {
  for (const bool count_only : {false, true}) {
    routes_.Add("POST", count_only ? "/v1/messages/count_tokens" : "/v1/messages",
                [this, count_only](const Request& r, const PathParams&, ResponseWriter& w) {
                  AnthropicMessages(r, w, count_only);
                });
  }
}

void Api::AnthropicMessages(const Request& r, ResponseWriter& w, bool count_only) {
  int status = 0;
  GenerateRequest req;
  AnthropicParams params;
  if (std::optional<ApiError> err = ParseAnthropicMessages(r.body, count_only, &req, &params)) {
    SendJson(w, err->status, ErrorBody(*err), &status);
    return;
  }
  // A remote model runs through its OpenAI API (GenerateRemote); its tokens are counted there.
  const std::optional<RemoteTarget> remote = RemoteModel(params.model);
  std::shared_ptr<LoadedModel> lm;
  if (remote && count_only) {
    SendJson(w, 400,
             ErrorBody({400,
                        "count_tokens needs the model's tokenizer: not available for the "
                        "remote model '" +
                            params.model + "'",
                        "model", "unsupported_for_remote"}),
             &status);
    return;
  }
  if (!remote) {
    lm = AcquireOrAnswer(params.model, "model", w, &status);
    if (!lm) return;
  }
  if (count_only) {
    w.Send(CountTokens(*lm, req));
    return;
  }
  auto run = [&](const std::function<bool(const Event&)>& on_event) {
    if (remote) return GenerateRemote(r, *remote, req, /*max_given=*/true, w, on_event);
    return Generate(r, *lm, std::move(req), /*max_given=*/true, w, on_event);
  };
  AnthropicEncoder enc(NewMessageId(), remote ? remote->public_id : lm->id);
  if (params.stream) {
    const bool ran = run(StreamTo(w, enc));
    if (ran && w.started()) w.EndStream();
    return;
  }
  std::optional<Status> error;
  const bool ran = run([&](const Event& e) {
    if (e.type == Event::Type::kError) error = e.error;
    enc.Push(e);
    return true;
  });
  if (!ran) return;
  if (!error) return w.Send(JsonResponse(200, json::serialize(enc.Message())));
  const int code = EngineErrorStatus(*error);
  w.Send(JsonResponse(code, AnthropicErrorJson(code, error->message())));
}

}  // namespace inferno::server
