#include "server/responses_store.h"

#include <algorithm>
#include <utility>

#include "server/secure_random.h"

namespace inferno::server {
namespace {

namespace json = boost::json;

// Responses earlier in a chain than this are not followed (a guard, not a limit met in use:
// every turn's items are in the prompt, so the context fills long before).
constexpr int kMaxChain = 10000;

ApiError NotFound(const std::string& message, const char* param) {
  return ApiError{404, message, param, "not_found"};
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

}  // namespace

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
    const json::object* o = body.ok() ? body->if_object() : nullptr;
    const json::value* output = o ? o->if_contains("output") : nullptr;
    if (!input.ok() || !input->is_array() || output == nullptr || !output->is_array()) {
      return ApiError{500, "stored response '" + id + "' is damaged", "", ""};
    }
    json::array turn = input->as_array();
    for (const json::value& item : output->as_array()) turn.push_back(item);
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

// The response with its items indexed by id, for later requests.
void KeepResponse(store::ApiResponses* responses, const std::string& previous_id, json::array input,
                  const json::object& response) {
  if (responses == nullptr) return;
  input = WithIds(std::move(input));
  store::StoredResponse s;
  s.id = std::string(response.at("id").as_string());
  s.previous_id = previous_id;
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

}  // namespace inferno::server
