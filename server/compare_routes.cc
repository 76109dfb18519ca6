#include "server/compare_routes.h"

#include <boost/json.hpp>
#include <memory>

#include "server/model_compare.h"
#include "server/route_responses.h"
#include "server/secure_random.h"

namespace inferno::server {
namespace {

namespace json = boost::json;

constexpr int kMaxTokens = 512;
constexpr int kMaxTopK = 20;  // OpenAI's top_logprobs limit, which remotes follow
constexpr size_t kMaxPrompts = 64;

std::optional<ApiError> Invalid(const std::string& param, const std::string& what) {
  return ApiError{400, "'" + param + "' " + what, param, "invalid_value"};
}

std::optional<ApiError> ReadModel(const json::object& o, const char* key, std::string* out) {
  const json::value* v = o.if_contains(key);
  if (v && v->is_object()) v = v->as_object().if_contains("model");
  if (v == nullptr || v->is_null()) return std::nullopt;  // the default model
  if (!v->is_string()) return Invalid(key, "must be a model name or {\"model\": name}");
  *out = std::string(v->as_string());
  return std::nullopt;
}

std::optional<ApiError> ReadInt(const json::object& o, const char* key, int lo, int hi, int* out) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) return std::nullopt;
  if (!v->is_int64() || v->as_int64() < lo || v->as_int64() > hi) {
    return Invalid(key,
                   "must be an integer from " + std::to_string(lo) + " to " + std::to_string(hi));
  }
  *out = int(v->as_int64());
  return std::nullopt;
}

// The fields both routes share: the models, lengths and which side is the reference.
std::optional<ApiError> ReadCommon(const json::object& o, CompareSpec* spec) {
  if (auto e = ReadModel(o, "a", &spec->model_a)) return e;
  if (auto e = ReadModel(o, "b", &spec->model_b)) return e;
  if (auto e = ReadInt(o, "max_tokens", 1, kMaxTokens, &spec->max_tokens)) return e;
  if (auto e = ReadInt(o, "top_k", 1, kMaxTopK, &spec->top_k)) return e;
  if (const json::value* r = o.if_contains("reference"); r && !r->is_null()) {
    if (*r != json::value("a") && *r != json::value("b")) return Invalid("reference", "is a or b");
    spec->reference = *r == json::value("a") ? 0 : 1;
  }
  return std::nullopt;
}

std::optional<ApiError> ReadMessages(const json::value& v, std::vector<ChatMessage>* out) {
  if (!v.is_array() || v.as_array().empty())
    return Invalid("messages", "must be a non-empty array");
  for (const json::value& m : v.as_array()) {
    const json::object* o = m.if_object();
    const json::value* role = o ? o->if_contains("role") : nullptr;
    const json::value* content = o ? o->if_contains("content") : nullptr;
    if (!role || !role->is_string() || !content || !content->is_string()) {
      return Invalid("messages", "holds {\"role\": string, \"content\": string} objects");
    }
    out->emplace_back(std::string(role->as_string()), std::string(content->as_string()));
  }
  return std::nullopt;
}

// An SSE stream started by its first event, so that a failure before any (an unknown model,
// a bad prompt) is an ordinary HTTP error.
class EventStream {
 public:
  explicit EventStream(ResponseWriter& w) : w_(w) {}
  bool Send(const json::object& event) {
    if (gone_) return false;
    if (!w_.started() &&
        !w_.StartStream(200, "text/event-stream", {{"Cache-Control", "no-cache"}})) {
      return !(gone_ = true);
    }
    gone_ = !w_.Write("data: " + json::serialize(event) + "\n\n");
    return !gone_;
  }
  void Fail(const ApiError& e, const std::string& id) {
    if (!w_.started()) return w_.Send(ErrorResponse(e.status, e.message, e.code, e.param));
    Send(json::object{{"kind", "error"},
                      {"compare", id},
                      {"status", e.status},
                      {"code", e.code},
                      {"message", e.message}});
    End();
  }
  void End() {
    if (w_.started()) w_.EndStream();
  }

 private:
  ResponseWriter& w_;
  bool gone_ = false;
};

void Compare(ModelComparer& comparer, const Request& r, ResponseWriter& w) {
  json::object body;
  if (auto bad = JsonBody(r, &body)) return w.Send(*bad);
  CompareSpec spec;
  std::optional<ApiError> err = ReadCommon(body, &spec);
  if (!err) {
    if (const json::value* m = body.if_contains("messages"); m && !m->is_null()) {
      err = ReadMessages(*m, &spec.messages);
    } else if (const json::value* p = body.if_contains("prompt"); p && p->is_string()) {
      spec.prompt = std::string(p->as_string());
    } else {
      err = Invalid("prompt", "(a string) or 'messages' is required");
    }
  }
  EventStream out(w);
  if (err) return out.Fail(*err, "");
  const std::string id = RandomId('c');
  auto result = comparer.Run(ClientOf(r), spec, id, 0, [&](json::object e) { return out.Send(e); });
  if (auto* e = std::get_if<ApiError>(&result)) return out.Fail(*e, id);
  out.End();
}

// Per prompt: "start" and "summary" (its steps stay out: the report is the table); then the
// whole: per-prompt rows and the overall figures, every step of every prompt weighted alike.
void Report(ModelComparer& comparer, const Request& r, ResponseWriter& w) {
  json::object body;
  if (auto bad = JsonBody(r, &body)) return w.Send(*bad);
  CompareSpec spec;
  std::optional<ApiError> err = ReadCommon(body, &spec);
  std::vector<std::string> prompts;
  bool builtin = true, chat = false;
  if (const json::value* b = body.if_contains("builtin"); b && b->is_bool()) builtin = b->as_bool();
  if (const json::value* c = body.if_contains("chat"); c && c->is_bool()) chat = c->as_bool();
  if (builtin) prompts = BuiltinReportPrompts();
  if (const json::value* p = body.if_contains("prompts"); !err && p && !p->is_null()) {
    if (!p->is_array()) err = Invalid("prompts", "must be an array of strings");
    for (const json::value& s : p->is_array() ? p->as_array() : json::array{}) {
      if (!s.is_string() || s.as_string().empty()) {
        err = Invalid("prompts", "must be an array of non-empty strings");
        break;
      }
      prompts.emplace_back(s.as_string());
    }
  }
  if (!err && prompts.empty()) err = Invalid("prompts", "is empty and 'builtin' is false");
  if (!err && prompts.size() > kMaxPrompts) {
    err = Invalid("prompts", "holds more than " + std::to_string(kMaxPrompts) + " prompts");
  }
  EventStream out(w);
  if (err) return out.Fail(*err, "");
  const std::string id = RandomId('c');
  json::array rows;
  CompareTotals all;
  for (size_t i = 0; i < prompts.size(); ++i) {
    CompareSpec one = spec;
    if (chat) {
      one.messages = {ChatMessage("user", prompts[i])};
    } else {
      one.prompt = prompts[i];
    }
    auto result = comparer.Run(ClientOf(r), one, id, int(i), [&](json::object e) {
      return e.at("kind") == json::value("step") || out.Send(e);
    });
    if (auto* e = std::get_if<ApiError>(&result)) {
      ApiError named = *e;
      named.message = "prompt " + std::to_string(i + 1) + ": " + named.message;
      return out.Fail(named, id);
    }
    const CompareTotals& t = std::get<CompareTotals>(result);
    json::object row = CompareSummaryEvent(id, int(i), t);
    row.erase("kind");
    row.erase("compare");
    row["text"] = prompts[i];
    rows.push_back(std::move(row));
    all.steps += t.steps;
    all.kl_ab_sum += t.kl_ab_sum;
    all.kl_ba_sum += t.kl_ba_sum;
    all.agree += t.agree;
  }
  json::object overall = CompareSummaryEvent(id, -1, all);
  for (const char* k : {"kind", "compare", "prompt", "first_divergence"}) overall.erase(k);
  overall["prompts"] = prompts.size();
  out.Send(json::object{{"kind", "report"},
                        {"compare", id},
                        {"a", spec.model_a},
                        {"b", spec.model_b},
                        {"reference", spec.reference == 0 ? "a" : "b"},
                        {"max_tokens", spec.max_tokens},
                        {"top_k", spec.top_k},
                        {"prompts", std::move(rows)},
                        {"overall", std::move(overall)}});
  out.End();
}

}  // namespace

void AddCompareRoutes(Router& routes, ModelRegistry& registry, Admission& admission,
                      RemoteRegistry* remotes) {
  auto comparer = std::make_shared<ModelComparer>(registry, admission, remotes);
  routes.Add("POST", "/api/compare",
             [comparer](const Request& r, const PathParams&, ResponseWriter& w) {
               Compare(*comparer, r, w);
             });
  routes.Add("POST", "/api/compare/report",
             [comparer](const Request& r, const PathParams&, ResponseWriter& w) {
               Report(*comparer, r, w);
             });
  routes.AddReply("GET", "/api/compare/prompts", [](const Request&, const PathParams&) {
    const std::vector<std::string>& p = BuiltinReportPrompts();
    return JsonResponse(200, json::object{{"prompts", json::array(p.begin(), p.end())}});
  });
}

}  // namespace inferno::server
