#include "server/ollama.h"

#include <boost/json.hpp>
#include <cstdio>

#include "engine/request/chat_messages.h"
#include "engine/request/fields.h"
#include "engine/request/json_fields.h"
#include "engine/request/structured_output.h"
#include "engine/request/tool_calls.h"
#include "engine/tokenizer/chat_template.h"
#include "store/timestamps.h"

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

// `messages` and `tools` as the request schema's chat part reads them (Ollama's tool calls carry
// their arguments as objects, which it accepts).
std::optional<ApiError> ReadMessages(const json::object& o, GenerateRequest* req) {
  if (auto err = FromSchema(request::ReadChatMessages(o, req))) return err;
  return FromSchema(request::ReadTools(o, req));
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

// Ollama's tool calls: {"function": {"name", "arguments": {...}}}, the arguments an object.
json::array OllamaToolCalls(const std::vector<ChatToolCall>& calls) {
  json::array out;
  for (const ChatToolCall& c : calls) {
    json::error_code ec;
    json::value args = json::parse(c.arguments, ec);
    if (ec) args = json::string(c.arguments);
    out.push_back(
        json::object{{"function", json::object{{"name", c.name}, {"arguments", std::move(args)}}}});
  }
  return out;
}

json::object Message(const std::string& content, const std::string& thinking,
                     const std::vector<ChatToolCall>& calls = {}) {
  json::object m{{"role", "assistant"}, {"content", content}};
  if (!thinking.empty()) m["thinking"] = thinking;
  if (!calls.empty()) m["tool_calls"] = OllamaToolCalls(calls);
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
  json::value root;
  if (auto err = ParseBodyObject(body, &root)) return err;
  const json::object& o = root.as_object();
  *params = OllamaChatParams{};
  if (auto err = ReadModelAndStream(o, &params->model, &params->stream)) return err;
  if (auto err = ReadMessages(o, req)) return err;
  if (auto err = ReadOptions(o, req, params)) return err;
  if (auto err = FromSchema(request::ReadOllamaFormat(o, req))) return err;
  return ReadThink(o, req);
}

std::string OllamaChatEncoder::TokenLine(const Event& e) {
  request::AddToolCallDeltas(e.tool_calls, &tool_calls_);
  if (e.text.empty() && e.reasoning.empty()) return "";
  json::object line{{"model", model_},
                    {"created_at", created_at_},
                    {"message", Message(e.text, e.reasoning)},
                    {"done", false}};
  return json::serialize(line) + "\n";
}

std::string OllamaChatEncoder::DoneLine(const Event& done, int prompt_tokens) const {
  // Ollama sends a call whole, never in pieces: the calls go out with the last line.
  std::vector<ChatToolCall> calls = tool_calls_;
  request::AddToolCallDeltas(done.tool_calls, &calls);
  json::object line{{"model", model_},
                    {"created_at", created_at_},
                    {"message", Message(done.text, done.reasoning, calls)},
                    {"done", true}};
  AddStats(done, prompt_tokens, &line);
  return json::serialize(line) + "\n";
}

void OllamaChatEncoder::Add(const Event& e) {
  content_ += e.text;
  thinking_ += e.reasoning;
  request::AddToolCallDeltas(e.tool_calls, &tool_calls_);
}

std::string OllamaChatEncoder::Final(const Event& done, int prompt_tokens) const {
  std::vector<ChatToolCall> calls = tool_calls_;
  request::AddToolCallDeltas(done.tool_calls, &calls);
  json::object out{{"model", model_},
                   {"created_at", created_at_},
                   {"message", Message(content_ + done.text, thinking_ + done.reasoning, calls)},
                   {"done", true}};
  AddStats(done, prompt_tokens, &out);
  return json::serialize(out);
}

namespace {

// "1.2B", "350M": Ollama's parameter_size.
std::string ParameterSize(double parameters) {
  char buf[32];
  if (parameters >= 1e9) {
    std::snprintf(buf, sizeof buf, "%.1fB", parameters / 1e9);
  } else {
    std::snprintf(buf, sizeof buf, "%.0fM", parameters / 1e6);
  }
  return buf;
}

json::object OllamaModel(const ModelInfo& m) {
  return json::object{
      {"name", m.id},
      {"model", m.id},
      {"modified_at", store::FormatIso8601(m.modified * 1000)},
      {"size", m.size_bytes},
      {"details", json::object{{"parent_model", ""},
                               {"format", "gguf"},
                               {"family", m.architecture},
                               {"families", json::array{json::string(m.architecture)}},
                               {"parameter_size", ParameterSize(m.parameters)},
                               {"quantization_level", m.quant}}}};
}

}  // namespace

json::object OllamaTags(const std::vector<ModelInfo>& models) {
  json::array out;
  for (const ModelInfo& m : models) {
    if (m.error.empty()) out.push_back(OllamaModel(m));  // unusable files are not models
  }
  return json::object{{"models", std::move(out)}};
}

json::object OllamaRunning(const std::vector<ModelInfo>& models) {
  json::array out;
  for (const ModelInfo& m : models) {
    if (!m.loaded) continue;
    json::object o = OllamaModel(m);
    o["size_vram"] = 0;  // CPU only
    o["context_length"] = m.context_size;
    // Beyond Ollama's fields: the KV caches of every slot at full context, and their types.
    o["kv_bytes"] = m.kv_bytes;
    o["cache_type_k"] = KvCacheTypeName(m.kv_types.k);
    o["cache_type_v"] = KvCacheTypeName(m.kv_types.v);
    out.push_back(std::move(o));
  }
  return json::object{{"models", std::move(out)}};
}

}  // namespace inferno::server
