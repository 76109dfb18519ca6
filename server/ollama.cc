#include "server/ollama.h"

#include <boost/json.hpp>
#include <cstdint>
#include <cstdio>
#include <ctime>

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

std::optional<ApiError> FromSchema(const std::optional<request::RequestError>& err) {
  if (!err) return std::nullopt;
  return FromRequestError(*err);
}

// The body as an object, through the reader every JSON front end shares (its 400 is turned
// into Ollama's error shape by the routes' writer).
std::optional<json::object> ParseBody(std::string_view body, std::optional<ApiError>* err) {
  json::value root;
  *err = ParseBodyObject(body, &root);
  if (*err) return std::nullopt;
  return std::move(root.as_object());
}

// `messages` and `tools` as the request schema's chat part reads them (Ollama's tool calls carry
// their arguments as objects, which it accepts). No messages: the request only loads the model.
std::optional<ApiError> ReadMessages(const json::object& o, GenerateRequest* req,
                                     OllamaParams* params) {
  const json::value* m = o.if_contains("messages");
  if (m == nullptr || m->is_null() || (m->is_array() && m->as_array().empty())) {
    params->load_only = true;
    return std::nullopt;
  }
  if (auto err = FromSchema(request::ReadChatMessages(o, req))) return err;
  return FromSchema(request::ReadTools(o, req));
}

// A string field, "" when absent or null.
std::optional<ApiError> ReadString(const json::object& o, const char* key, std::string* out) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) return std::nullopt;
  if (!v->is_string()) return OllamaBadField(key, std::string("'") + key + "' must be a string");
  *out = std::string(v->as_string());
  return std::nullopt;
}

std::optional<ApiError> ReadContext(const json::object& o, std::vector<int32_t>* out) {
  const json::value* v = o.if_contains("context");
  if (v == nullptr || v->is_null()) return std::nullopt;
  const char* message = "'context' must be an array of token ids";
  if (!v->is_array()) return OllamaBadField("context", message);
  for (const json::value& id : v->as_array()) {
    if (!id.is_int64() || id.as_int64() < 0 || id.as_int64() > INT32_MAX) {
      return OllamaBadField("context", message);
    }
    out->push_back(int32_t(id.as_int64()));
  }
  return std::nullopt;
}

// What /api/generate cannot honour: a template of its own (Ollama's are Go templates; the
// model's Jinja template renders prompts here), logprobs.
std::optional<ApiError> RefuseUnsupported(const json::object& o) {
  std::string tmpl;
  if (auto err = ReadString(o, "template", &tmpl)) return err;
  if (!tmpl.empty()) {
    return OllamaBadField("template",
                          "'template' overrides are not supported: the model's own chat template "
                          "renders the prompt (send raw: true with a formatted prompt instead)");
  }
  const json::value* lp = o.if_contains("logprobs");
  if (lp && lp->is_bool() && lp->as_bool()) {
    return OllamaBadField("logprobs",
                          "'logprobs' is not supported on /api/generate yet; use "
                          "/v1/completions");
  }
  return std::nullopt;
}

// The prompt: FIM with a suffix, as it is when raw, else a user message after the system one.
std::optional<ApiError> ReadPrompt(const json::object& o, GenerateRequest* req,
                                   OllamaParams* params) {
  std::string prompt, suffix, system;
  if (auto err = ReadString(o, "prompt", &prompt)) return err;
  if (auto err = ReadString(o, "suffix", &suffix)) return err;
  if (auto err = ReadString(o, "system", &system)) return err;
  if (const json::value* raw = o.if_contains("raw"); raw && !raw->is_null()) {
    if (!raw->is_bool()) return OllamaBadField("raw", "'raw' must be a boolean");
    params->raw = raw->as_bool();
  }
  if (prompt.empty() && suffix.empty()) {
    params->load_only = true;
  } else if (!suffix.empty() || params->raw) {
    req->prompt = std::move(prompt);
    req->suffix = std::move(suffix);
  } else {
    if (!system.empty()) req->messages.push_back({"system", std::move(system)});
    req->messages.push_back({"user", std::move(prompt)});
  }
  // Images as a message's: before the user's text (raw: before the prompt, as Prepare() puts
  // images that have no marker).
  std::string markers;
  if (auto err = FromSchema(request::ReadMessageImages(o, "images", &markers, &req->images))) {
    return err;
  }
  if (!req->messages.empty()) req->messages.back().content.insert(0, markers);
  return ReadContext(o, &params->context);
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

int64_t Nanos(double ms) { return int64_t(ms * 1e6); }

// Ollama's closing fields: why it stopped, and the counts and durations in nanoseconds.
void AddStats(const Event& done, int prompt_tokens, json::object* out) {
  const Timings& t = done.timings;
  (*out)["done_reason"] = done.finish_reason == "length" ? "length" : "stop";
  (*out)["total_duration"] = Nanos(t.ttft_ms + t.decode_ms);
  (*out)["load_duration"] = Nanos(t.load_ms);
  // As Ollama since 0.33: the whole prompt, and apart from it the part its cache held (before,
  // Ollama counted only the evaluated tokens, which clients read as a shrinking context).
  (*out)["prompt_eval_count"] = prompt_tokens;
  (*out)["prompt_eval_cached_count"] = t.cached_tokens;
  (*out)["prompt_eval_duration"] = Nanos(t.prompt_ms);
  (*out)["eval_count"] = t.generated_tokens;
  (*out)["eval_duration"] = Nanos(t.decode_ms);
}

}  // namespace

std::optional<ApiError> ParseOllamaChat(std::string_view body, GenerateRequest* req,
                                        OllamaParams* params) {
  std::optional<ApiError> err;
  std::optional<json::object> o = ParseBody(body, &err);
  if (!o) return err;
  *params = OllamaParams{};
  if (auto e = ReadOllamaCommon(*o, req, params)) return e;
  return ReadMessages(*o, req, params);
}

std::optional<ApiError> ParseOllamaGenerate(std::string_view body, GenerateRequest* req,
                                            OllamaParams* params) {
  std::optional<ApiError> err;
  std::optional<json::object> o = ParseBody(body, &err);
  if (!o) return err;
  *params = OllamaParams{};
  if (auto e = RefuseUnsupported(*o)) return e;
  if (auto e = ReadOllamaCommon(*o, req, params)) return e;
  return ReadPrompt(*o, req, params);
}

std::string OllamaTime() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t secs = std::chrono::system_clock::to_time_t(now);
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch() %
                                                                       std::chrono::seconds(1))
                      .count();
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  const size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(buf + n, sizeof buf - n, ".%09lldZ", static_cast<long long>(ns));
  return buf;
}

json::object OllamaEncoder::Object(const std::string& text, const std::string& thinking,
                                   const std::vector<ChatToolCall>& calls, bool done) const {
  json::object o{{"model", model_}, {"created_at", clock_()}};
  if (kind_ == Kind::kChat) {
    json::object m{{"role", "assistant"}, {"content", text}};
    if (!thinking.empty()) m["thinking"] = thinking;
    if (!calls.empty()) m["tool_calls"] = OllamaToolCalls(calls);
    o["message"] = std::move(m);
  } else {
    o["response"] = text;
    if (!thinking.empty()) o["thinking"] = thinking;
  }
  o["done"] = done;
  return o;
}

std::string OllamaEncoder::TokenLine(const Event& e) {
  request::AddToolCallDeltas(e.tool_calls, &tool_calls_);
  context_.push_back(e.id);
  if (e.text.empty() && e.reasoning.empty()) return "";
  return json::serialize(Object(e.text, e.reasoning, {}, false)) + "\n";
}

std::string OllamaEncoder::Last(const Event& done, int prompt_tokens, const std::string& text,
                                const std::string& thinking) const {
  // Ollama sends a call whole, never in pieces: the calls go out with the last object.
  std::vector<ChatToolCall> calls = tool_calls_;
  request::AddToolCallDeltas(done.tool_calls, &calls);
  json::object o = Object(text, thinking, calls, true);
  AddStats(done, prompt_tokens, &o);
  if (with_context_) o["context"] = json::array(context_.begin(), context_.end());
  return json::serialize(o);
}

std::string OllamaEncoder::DoneLine(const Event& done, int prompt_tokens) const {
  return Last(done, prompt_tokens, done.text, done.reasoning) + "\n";
}

void OllamaEncoder::Add(const Event& e) {
  content_ += e.text;
  thinking_ += e.reasoning;
  context_.push_back(e.id);
  request::AddToolCallDeltas(e.tool_calls, &tool_calls_);
}

std::string OllamaEncoder::Final(const Event& done, int prompt_tokens) const {
  return Last(done, prompt_tokens, content_ + done.text, thinking_ + done.reasoning);
}

std::string OllamaEncoder::LoadOnly(const char* done_reason) const {
  json::object o = Object("", "", {}, true);
  o["done_reason"] = done_reason;
  return json::serialize(o);
}

std::string OllamaErrorBody(std::string_view server_error_body) {
  json::error_code ec;
  json::value v = json::parse(server_error_body, ec);
  const json::object* o = ec ? nullptr : v.if_object();
  const json::value* err = o ? o->if_contains("error") : nullptr;
  const json::object* inner = err ? err->if_object() : nullptr;
  const json::value* message = inner ? inner->if_contains("message") : nullptr;
  if (message == nullptr || !message->is_string()) return std::string(server_error_body);
  return json::serialize(json::object{{"error", message->as_string()}});
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
  return json::object{{"name", m.id},
                      {"model", m.id},
                      {"modified_at", store::FormatIso8601(m.modified * 1000)},
                      {"size", m.size_bytes},
                      {"details", OllamaDetails(m)}};
}

// What /api/ps shows for a model that no keep_alive unloads.
constexpr const char* kNeverExpires = "9999-12-31T23:59:59.000Z";

}  // namespace

json::object OllamaDetails(const ModelInfo& m) {
  return json::object{{"parent_model", ""},
                      {"format", "gguf"},
                      {"family", m.architecture},
                      {"families", json::array{json::string(m.architecture)}},
                      {"parameter_size", ParameterSize(m.parameters)},
                      {"quantization_level", m.quant}};
}

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
    o["expires_at"] = m.expires_at_ms > 0 ? json::value(store::FormatIso8601(m.expires_at_ms))
                                          : json::value(kNeverExpires);
    out.push_back(std::move(o));
  }
  return json::object{{"models", std::move(out)}};
}

}  // namespace inferno::server
