// POST /v1/responses, GET and DELETE /v1/responses/{id}: the OpenAI Responses API. The
// request is translated into the chat reader's request (server/responses_request.h), run as
// any chat completion, and encoded by server/responses_encoder.h. With store: true (the
// default) the response and its items are kept (store/api_responses.h), so a later request's
// previous_response_id continues the conversation and its item_reference items resolve.
#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <ctime>
#include <utility>

#include "server/api.h"
#include "server/api_generation.h"
#include "server/errors.h"
#include "server/openai.h"
#include "server/responses_encoder.h"
#include "server/responses_request.h"
#include "server/responses_store.h"
#include "server/route_responses.h"
#include "server/secure_random.h"
#include "store/api_responses.h"

namespace inferno::server {
namespace {

namespace json = boost::json;

std::string QueryText(const Request& r, const char* name) {
  auto it = r.query.find(name);
  return it == r.query.end() ? "" : it->second;
}

// A request ready to run: its Responses fields, its resolved input and the chat request.
struct Prepared {
  ResponsesRequest rr;
  json::array input;  // this request's items, references resolved (kept with the response)
  GenerateRequest req;
  CompletionParams params;
};

std::optional<ApiError> PrepareRequest(store::ApiResponses* responses, std::string_view body,
                                       Prepared* p) {
  json::value root;
  if (auto err = ParseBodyObject(body, &root)) return err;
  const json::object& o = root.as_object();
  if (auto err = ReadResponsesRequest(o, &p->rr)) return err;
  json::array items;
  if (!p->rr.previous_response_id.empty()) {
    if (auto err = ChainItems(responses, p->rr.previous_response_id, &items)) return err;
  }
  p->input = p->rr.input;
  if (auto err = ResolveItems(responses, &p->input)) return err;
  for (const json::value& item : p->input) items.push_back(item);
  json::object chat;
  if (auto err = ToChatBody(o, items, &chat)) return err;
  if (auto err = ParseCompletionRequest(chat, /*chat=*/true, &p->req, &p->params)) {
    return ResponsesParam(*err);
  }
  return std::nullopt;
}

// The response's id and settings: the request's, and the sampling it did not set as used.
ResponseHead Head(const Prepared& p, const std::string& model) {
  ResponseHead head{"resp_" + RandomHex128(), model, int64_t(std::time(nullptr)), p.rr.echo};
  // The sampler's floats as the decimals they stand for (0.95, not 0.949999988).
  auto decimal = [](float x) { return std::round(double(x) * 1e6) / 1e6; };
  if (!head.echo.contains("temperature"))
    head.echo["temperature"] = decimal(p.req.sampling.temperature);
  if (!head.echo.contains("top_p")) head.echo["top_p"] = decimal(p.req.sampling.top_p);
  return head;
}

}  // namespace

void Api::CreateResponse(const Request& r, ResponseWriter& w) {
  int status = 0;
  Prepared p;
  if (std::optional<ApiError> err = PrepareRequest(options_.responses, r.body, &p)) {
    SendJson(w, err->status, ErrorBody(*err), &status);
    return;
  }
  // A remote model runs through its OpenAI API (GenerateRemote).
  const std::optional<RemoteTarget> remote = RemoteModel(p.rr.model);
  std::shared_ptr<LoadedModel> lm;
  if (!remote) {
    lm = AcquireOrAnswer(p.rr.model, "model", w, &status);
    if (!lm) return;
  }
  ResponsesEncoder enc(Head(p, remote ? remote->public_id : lm->id));
  int prompt_tokens = 0;
  const bool stream = p.rr.stream;
  // The stream starts with the first event, once the generation is admitted, so a refusal is
  // still a plain 429.
  bool alive = true;
  bool done = false;
  std::string error;
  int error_status = 500;
  const auto on_event = [&](const Event& e) {
    if (stream && !w.started()) {
      alive = w.StartStream(200, "text/event-stream", {}) && w.Write(enc.Start());
    }
    std::string out;
    if (e.type == Event::Type::kPrompt) {
      prompt_tokens = int(e.prompt_tokens.size());
    } else if (e.type == Event::Type::kToken) {
      out = enc.Token(e);
    } else if (e.type == Event::Type::kDone) {
      // A remote's prompt is counted by the remote: its usage arrives with kDone.
      out = enc.Finish(e, std::max(prompt_tokens, e.timings.prompt_tokens));
      done = e.finish_reason != "cancelled";
    } else if (e.type == Event::Type::kError) {
      error = e.error.message();
      error_status = EngineErrorStatus(e.error);
      out = enc.Fail(error);
    }
    if (stream && !out.empty()) alive = alive && w.Write(out);
    return alive;
  };
  const bool ran = remote ? GenerateRemote(r, *remote, p.req, p.params.max_tokens_given, w,
                                           on_event, &ResponsesParam)
                          : Generate(r, *lm, std::move(p.req), p.params.max_tokens_given, w,
                                     on_event, &ResponsesParam);
  if (!ran) return;
  if (done && p.rr.store) {
    KeepResponse(options_.responses, p.rr.previous_response_id, p.input, enc.response());
  }
  if (stream) {
    if (w.started()) w.EndStream();
  } else if (!error.empty()) {
    SendJson(w, error_status, ErrorJson(error_status, error), &status);
  } else {
    SendJson(w, 200, json::serialize(enc.response()), &status);
  }
}

void Api::AddResponsesRoutes() {
  routes_.Add(
      "POST", "/v1/responses",
      [this](const Request& r, const PathParams&, ResponseWriter& w) { CreateResponse(r, w); });
  routes_.AddReply("GET", "/v1/responses/{id}", [this](const Request&, const PathParams& p) {
    return StoredResponse(p.at("id"), /*remove=*/false);
  });
  routes_.AddReply("DELETE", "/v1/responses/{id}", [this](const Request&, const PathParams& p) {
    return StoredResponse(p.at("id"), /*remove=*/true);
  });
  routes_.AddReply(
      "GET", "/v1/responses/{id}/input_items",
      [this](const Request& r, const PathParams& p) { return InputItems(r, p.at("id")); });
}

Response Api::InputItems(const Request& r, const std::string& id) {
  store::ApiResponses* responses = options_.responses;
  Result<store::StoredResponse> stored =
      responses ? responses->GetResponse(id) : Status::NotFound("no store");
  if (!stored.ok())
    return ErrorResponse(404, "Response with id '" + id + "' not found.", "not_found");
  Result<json::value> input = ParseStored(stored->input);
  if (!input.ok() || !input->is_array()) return ErrorResponse(500, "stored response is damaged");
  int limit = 20;
  if (auto bad = QueryInt(r, "limit", 1, 100, &limit)) return *bad;
  auto order = r.query.find("order");
  const bool asc = order != r.query.end() && order->second == "asc";
  if (order != r.query.end() && !asc && order->second != "desc") {
    return ErrorResponse(400, "'order' must be asc or desc", "invalid_value", "order");
  }
  return JsonResponse(200, ItemPage(input->as_array(), asc, QueryText(r, "after"), limit));
}

Response Api::StoredResponse(const std::string& id, bool remove) {
  store::ApiResponses* responses = options_.responses;
  Result<store::StoredResponse> r =
      responses ? responses->GetResponse(id) : Status::NotFound("no store");
  if (!r.ok() && r.status().code() != Status::Code::kNotFound) {
    return ErrorResponse(500, r.status().message());
  }
  if (!r.ok()) return ErrorResponse(404, "Response with id '" + id + "' not found.", "not_found");
  if (!remove) return Response{200, "application/json", {}, r->response};
  if (Status st = responses->DeleteResponse(id); !st.ok()) {
    return ErrorResponse(500, st.message());
  }
  const json::object body{{"id", id}, {"object", "response.deleted"}, {"deleted", true}};
  return Response{200, "application/json", {}, json::serialize(body)};
}

}  // namespace inferno::server
