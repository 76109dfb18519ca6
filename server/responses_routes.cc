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
#include "server/route_responses.h"
#include "server/secure_random.h"
#include "store/api_responses.h"

namespace inferno::server {
namespace {

namespace json = boost::json;

// Responses earlier in a chain than this are not followed (a guard, not a limit met in use:
// every turn's items are in the prompt, so the context fills long before).
constexpr int kMaxChain = 10000;

ApiError NotFound(const std::string& message, const char* param) {
  return ApiError{404, message, param, "not_found"};
}

Result<json::value> ParseStored(const std::string& text) {
  json::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec) return Status::Corruption("a stored response is not JSON: " + ec.message());
  return v;
}

// The items of the chain ending at `id`, oldest first: each response's input, then its output.
std::optional<ApiError> ChainItems(store::ApiResponses* responses, std::string id,
                                   json::array* items) {
  if (responses == nullptr) {
    return ApiError{400, "this server keeps no responses", "previous_response_id", ""};
  }
  std::vector<json::array> turns;
  for (int n = 0; !id.empty() && n < kMaxChain; ++n) {
    Result<store::StoredResponse> r = responses->GetResponse(id);
    if (!r.ok() && turns.empty()) {
      return NotFound("Previous response with id '" + id + "' not found.", "previous_response_id");
    }
    if (!r.ok()) break;  // the chain was cut by a deletion
    Result<json::value> input = ParseStored(r->input);
    Result<json::value> body = ParseStored(r->response);
    if (!input.ok() || !body.ok()) return ApiError{500, "a stored response is damaged", "", ""};
    json::array turn = input->as_array();
    for (const json::value& item : body->at("output").as_array()) turn.push_back(item);
    turns.push_back(std::move(turn));
    id = r->previous_id;
  }
  for (auto t = turns.rbegin(); t != turns.rend(); ++t) {
    for (json::value& item : *t) items->push_back(std::move(item));
  }
  return std::nullopt;
}

// item_reference items replaced by the stored items they name.
std::optional<ApiError> ResolveItems(store::ApiResponses* responses, json::array* items) {
  for (size_t i = 0; i < items->size(); ++i) {
    const json::object* o = (*items)[i].if_object();
    const json::value* type = o ? o->if_contains("type") : nullptr;
    if (type == nullptr || *type != "item_reference") continue;
    const json::value* id = o->if_contains("id");
    const std::string name = id && id->is_string() ? std::string(id->as_string()) : "";
    Result<std::string> item =
        responses ? responses->GetResponseItem(name) : Status::NotFound("no store");
    Result<json::value> parsed = item.ok() ? ParseStored(*item) : item.status();
    if (!parsed.ok()) {
      return NotFound("Item with id '" + name + "' not found.",
                      ("input[" + std::to_string(i) + "]").c_str());
    }
    (*items)[i] = std::move(*parsed);
  }
  return std::nullopt;
}

// Input items get ids as OpenAI gives them (listed by input_items, referable later).
json::array WithIds(json::array input) {
  for (json::value& v : input) {
    json::object* item = v.if_object();
    if (item == nullptr || item->contains("id")) continue;
    const json::value* type = item->if_contains("type");
    const bool output = type && *type == "function_call_output";
    (*item)["id"] = (output ? "fco_" : "msg_") + RandomHex128();
    if (!type) (*item)["type"] = "message";
  }
  return input;
}

// The response with its items indexed by id, for later requests.
void Keep(store::ApiResponses* responses, const ResponsesRequest& rr, json::array input,
          const json::object& response) {
  if (responses == nullptr || !rr.store) return;
  input = WithIds(std::move(input));
  store::StoredResponse s;
  s.id = std::string(response.at("id").as_string());
  s.previous_id = rr.previous_response_id;
  s.model = std::string(response.at("model").as_string());
  s.input = json::serialize(input);
  s.response = json::serialize(response);
  s.created_at = response.at("created_at").as_int64();
  for (const json::array* items : {&std::as_const(input), &response.at("output").as_array()}) {
    for (const json::value& item : *items) {
      const json::value* id = item.as_object().if_contains("id");
      if (id && id->is_string())
        s.items.push_back({std::string(id->as_string()), json::serialize(item)});
    }
  }
  // A failed write loses only the continuation: the client has its answer either way.
  (void)responses->SaveResponse(s);
}

std::string QueryText(const Request& r, const char* name) {
  auto it = r.query.find(name);
  return it == r.query.end() ? "" : it->second;
}

// OpenAI's list page of items: in `asc` order (desc: newest first), those after the item
// `after` (a cursor, "" for the start), at most `limit`.
json::object ItemPage(const json::array& items, bool asc, const std::string& after, int limit) {
  std::vector<const json::value*> order;
  for (const json::value& item : items) order.push_back(&item);
  if (!asc) std::reverse(order.begin(), order.end());
  size_t start = 0;
  for (size_t i = 0; !after.empty() && i < order.size(); ++i) {
    if (order[i]->at("id") == json::value(after)) start = i + 1;
  }
  json::array data;
  for (size_t i = start; i < order.size() && data.size() < size_t(limit); ++i)
    data.push_back(*order[i]);
  const bool more = start + data.size() < order.size();
  json::value first = data.empty() ? json::value(nullptr) : data.front().at("id");
  json::value last = data.empty() ? json::value(nullptr) : data.back().at("id");
  return json::object{{"object", "list"},
                      {"data", std::move(data)},
                      {"first_id", first},
                      {"last_id", last},
                      {"has_more", more}};
}

// A generation's error as a status: a request the engine refused is the client's (400).
int ErrorStatus(const Status& error) {
  const Status::Code c = error.code();
  return c == Status::Code::kInvalidArgument || c == Status::Code::kOutOfRange ? 400 : 500;
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
  json::error_code ec;
  json::value root = json::parse(body, ec);
  if (ec || !root.is_object())
    return ApiError{400, "the request body must be a JSON object", "", ""};
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
  const std::shared_ptr<LoadedModel> lm = AcquireOrAnswer(p.rr.model, "model", w, &status);
  if (!lm) return;
  if (std::optional<ApiError> err = PreparePrompt(*lm, p.req, p.params.max_tokens_given)) {
    SendJson(w, err->status, ErrorBody(ResponsesParam(*err)), &status);
    return;
  }
  const int prompt_tokens = int(p.req.prompt_tokens.size());
  ResponsesEncoder enc(Head(p, lm->id));
  std::unique_ptr<Generation> gen = Admit(r, *lm, std::move(p.req), w, &status);
  if (!gen) return;
  prompt_tokens_ += uint64_t(prompt_tokens);
  const bool stream = p.rr.stream;
  if (stream && !w.StartStream(200, "text/event-stream", {})) return;
  bool alive = !stream || w.Write(enc.Start());
  bool done = false;
  std::string error;
  int error_status = 500;
  gen->Run([&](const Event& e) {
    std::string out;
    if (e.type == Event::Type::kToken) {
      ++generated_tokens_;
      out = enc.Token(e);
    } else if (e.type == Event::Type::kDone) {
      decode_ms_ = decode_ms_ + e.timings.decode_ms;
      out = enc.Finish(e, prompt_tokens);
      done = e.finish_reason != "cancelled";
    } else if (e.type == Event::Type::kError) {
      error = e.error.message();
      error_status = ErrorStatus(e.error);
      out = enc.Fail(error);
    }
    if (stream && !out.empty()) alive = alive && w.Write(out);
    return alive;
  });
  if (done) Keep(options_.responses, p.rr, p.input, enc.response());
  if (stream) {
    w.EndStream();
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
  if (!input.ok()) return ErrorResponse(500, input.status().message());
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
