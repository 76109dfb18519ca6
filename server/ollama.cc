#include "server/ollama.h"

#include <boost/json.hpp>

#include "engine/request/fields.h"
#include "engine/request/json_fields.h"
#include "engine/request/structured_output.h"
#include "engine/tokenizer/chat_template.h"

namespace inferno::server {
namespace {

namespace json = boost::json;

ApiError Bad(std::string param, std::string message) {
  return ApiError{400, std::move(message), std::move(param), ""};
}

std::optional<ApiError> FromSchema(const std::optional<request::RequestError>& err) {
  if (!err) return std::nullopt;
  return FromRequestError(*err);
}

std::optional<ApiError> ReadMessages(const json::object& o, GenerateRequest* req) {
  const json::value* msgs = o.if_contains("messages");
  if (msgs == nullptr || !msgs->is_array() || msgs->as_array().empty()) {
    return Bad("messages", "'messages' must be a non-empty array");
  }
  size_t i = 0;
  for (const json::value& mv : msgs->as_array()) {
    const std::string where = "messages[" + std::to_string(i++) + "]";
    const json::object* m = mv.if_object();
    const json::value* role = m ? m->if_contains("role") : nullptr;
    const json::value* content = m ? m->if_contains("content") : nullptr;
    if (role == nullptr || !role->is_string())
      return Bad(where + ".role", "'role' must be a string");
    if (content != nullptr && !content->is_string() && !content->is_null()) {
      return Bad(where + ".content", "'content' must be a string");
    }
    ChatMessage cm;
    cm.role = std::string(role->as_string());
    if (Status st = NormalizeChatRole(&cm.role); !st.ok())
      return Bad(where + ".role", st.message());
    if (content != nullptr && content->is_string()) cm.content = std::string(content->as_string());
    req->messages.push_back(std::move(cm));
  }
  return std::nullopt;
}

// `options`: the schema's sampling fields and `stop` by name, `num_predict` for max_tokens.
std::optional<ApiError> ReadOptions(const json::object& o, GenerateRequest* req,
                                    OllamaChatParams* params) {
  const json::value* v = o.if_contains("options");
  if (v == nullptr || v->is_null()) return std::nullopt;
  if (!v->is_object()) return Bad("options", "'options' must be an object");
  const json::object& opts = v->as_object();
  if (auto err = FromSchema(request::ReadJsonGroup(opts, request::Group::kSampling, req))) {
    return err;
  }
  const request::Field& stop = *request::FindField("stop", request::Group::kTop);
  if (auto err = FromSchema(request::ReadJsonField(opts, stop, req))) return err;
  const json::value* n = opts.if_contains("num_predict");
  // Ollama's -1 (and -2) mean "until the context is full", which is what no limit gives here.
  const bool unlimited = n && n->is_int64() && n->as_int64() < 0;
  if (n && !n->is_null() && !unlimited) {
    const request::Field& max = *request::FindField("max_tokens", request::Group::kTop);
    if (auto err = FromSchema(request::ReadJsonField(opts, max, req, "num_predict"))) return err;
    params->max_tokens_given = true;
  }
  return std::nullopt;
}

// `think`: true or a level ("low", "medium", "high": gpt-oss's effort) splits the reasoning
// into message.thinking; false leaves whatever reasoning comes in the content and asks the
// template not to think (enable_thinking false, which Qwen3's reads; templates without it
// ignore it). A level is passed as reasoning_effort, which gpt-oss's template reads.
std::optional<ApiError> ReadThink(const json::object& o, GenerateRequest* req) {
  const json::value* v = o.if_contains("think");
  if (v == nullptr || v->is_null()) return std::nullopt;
  if (v->is_bool()) {
    req->reasoning_format = v->as_bool() ? ReasoningFormat::kAuto : ReasoningFormat::kNone;
    if (!v->as_bool()) req->template_kwargs["enable_thinking"] = false;
    return std::nullopt;
  }
  if (v->is_string() &&
      (v->as_string() == "low" || v->as_string() == "medium" || v->as_string() == "high")) {
    req->reasoning_format = ReasoningFormat::kAuto;
    req->template_kwargs["reasoning_effort"] = v->as_string();
    return std::nullopt;
  }
  return Bad("think", "'think' must be true, false, \"low\", \"medium\" or \"high\"");
}

json::object Message(const std::string& content, const std::string& thinking) {
  json::object m{{"role", "assistant"}, {"content", content}};
  if (!thinking.empty()) m["thinking"] = thinking;
  return m;
}

int64_t Nanos(double ms) { return int64_t(ms * 1e6); }

// Ollama's closing fields: why it stopped, and the counts and durations in nanoseconds.
void AddStats(const Event& done, int prompt_tokens, json::object* out) {
  const Timings& t = done.timings;
  (*out)["done_reason"] = done.finish_reason == "length" ? "length" : "stop";
  (*out)["total_duration"] = Nanos(t.ttft_ms + t.decode_ms);
  (*out)["load_duration"] = Nanos(t.load_ms);
  (*out)["prompt_eval_count"] = prompt_tokens;
  (*out)["prompt_eval_duration"] = Nanos(t.prompt_ms);
  (*out)["eval_count"] = t.generated_tokens;
  (*out)["eval_duration"] = Nanos(t.decode_ms);
}

}  // namespace

std::optional<ApiError> ParseOllamaChat(std::string_view body, GenerateRequest* req,
                                        OllamaChatParams* params) {
  json::error_code ec;
  json::value root = json::parse(body, ec);
  if (ec) return Bad("", "the request body is not valid JSON: " + ec.message());
  if (!root.is_object()) return Bad("", "the request body must be a JSON object");
  const json::object& o = root.as_object();
  *params = OllamaChatParams{};
  if (const json::value* m = o.if_contains("model"); m && !m->is_null()) {
    if (!m->is_string()) return Bad("model", "'model' must be a string");
    params->model = std::string(m->as_string());
  }
  if (const json::value* s = o.if_contains("stream"); s && !s->is_null()) {
    if (!s->is_bool()) return Bad("stream", "'stream' must be a boolean");
    params->stream = s->as_bool();
  }
  if (auto err = ReadMessages(o, req)) return err;
  if (auto err = ReadOptions(o, req, params)) return err;
  if (auto err = FromSchema(request::ReadOllamaFormat(o, req))) return err;
  return ReadThink(o, req);
}

std::string OllamaChatEncoder::TokenLine(const Event& e) {
  json::object line{{"model", model_},
                    {"created_at", created_at_},
                    {"message", Message(e.text, e.reasoning)},
                    {"done", false}};
  return json::serialize(line) + "\n";
}

std::string OllamaChatEncoder::DoneLine(const Event& done, int prompt_tokens) const {
  json::object line{{"model", model_},
                    {"created_at", created_at_},
                    {"message", Message(done.text, done.reasoning)},
                    {"done", true}};
  AddStats(done, prompt_tokens, &line);
  return json::serialize(line) + "\n";
}

void OllamaChatEncoder::Add(const Event& e) {
  content_ += e.text;
  thinking_ += e.reasoning;
}

std::string OllamaChatEncoder::Final(const Event& done, int prompt_tokens) const {
  json::object out{{"model", model_},
                   {"created_at", created_at_},
                   {"message", Message(content_ + done.text, thinking_ + done.reasoning)},
                   {"done", true}};
  AddStats(done, prompt_tokens, &out);
  return json::serialize(out);
}

}  // namespace inferno::server
