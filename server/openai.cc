#include "server/openai.h"

#include <boost/json.hpp>
#include <cmath>

#include "engine/request/chat_messages.h"
#include "engine/request/event_json.h"
#include "engine/request/json_fields.h"
#include "engine/request/tool_calls.h"
#include "engine/tokenizer/chat_template.h"
#include "engine/util/utf8.h"
#include "server/errors.h"
#include "server/openai_tools.h"

namespace inferno::server {
namespace {

namespace json = boost::json;

// The generation's measured speed as llama.cpp's server reports it: `predicted_per_second`
// is the decode rate (the steps after the first token, which comes out of the prompt pass).
json::object TimingsJson(const Timings& t) {
  return json::object{{"prompt_n", t.prompt_tokens},
                      {"prompt_ms", t.prompt_ms},
                      {"prompt_per_second", t.prompt_tokens_per_second()},
                      {"predicted_n", t.generated_tokens},
                      {"predicted_ms", t.decode_ms},
                      {"predicted_per_second", t.decode_tokens_per_second()}};
}

ApiError Bad(std::string param, std::string message) {
  ApiError e;
  e.param = std::move(param);
  e.message = std::move(message);
  return e;
}

std::optional<ApiError> GetInt(const json::object& o, const char* key, int64_t lo, int64_t hi,
                               std::optional<int64_t>* out) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) return std::nullopt;
  int64_t i = 0;
  if (v->is_int64()) {
    i = v->as_int64();
  } else if (v->is_uint64() && v->as_uint64() <= uint64_t(INT64_MAX)) {
    i = int64_t(v->as_uint64());
  } else if (v->is_double() && std::floor(v->as_double()) == v->as_double() &&
             std::fabs(v->as_double()) < 9e15) {
    i = int64_t(v->as_double());
  } else {
    return Bad(key, std::string("'") + key + "' must be an integer");
  }
  if (i < lo || i > hi) {
    return Bad(key, std::string("'") + key + "' must be between " + std::to_string(lo) + " and " +
                        std::to_string(hi));
  }
  *out = i;
  return std::nullopt;
}

std::optional<ApiError> GetBool(const json::object& o, const char* key, bool* out) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) return std::nullopt;
  if (!v->is_bool()) return Bad(key, std::string("'") + key + "' must be a boolean");
  *out = v->as_bool();
  return std::nullopt;
}

json::object LogprobEntry(const std::string& piece, float prob) {
  json::array bytes;
  for (unsigned char c : piece) bytes.push_back(int(c));
  return json::object{{"token", ToValidUtf8(piece)},
                      {"logprob", event_json::Logprob(prob)},
                      {"bytes", std::move(bytes)}};
}

// A chat token's logprobs entry: the sampled token with its alternatives.
json::object ChatLogprobs(const Event& e) {
  json::object entry = LogprobEntry(e.piece, e.prob);
  json::array top;
  for (const TopToken& t : e.top) top.push_back(LogprobEntry(t.text, t.prob));
  entry["top_logprobs"] = std::move(top);
  return entry;
}

// Legacy completions show a token's alternatives as {text: logprob}.
json::object TopLogprobMap(const Event& e) {
  json::object top;
  for (const TopToken& t : e.top) top[ToValidUtf8(t.text)] = event_json::Logprob(t.prob);
  return top;
}

std::string Sse(const json::value& v) { return "data: " + json::serialize(v) + "\n\n"; }

}  // namespace

std::string ErrorBody(const ApiError& e) { return ErrorJson(e.status, e.message, e.code, e.param); }

ApiError FromRequestError(const request::RequestError& error) {
  ApiError e = Bad(error.field, error.message);
  if (error.code == request::ErrorCode::kPromptTooLong) e.code = "context_length_exceeded";
  return e;
}

const char* FinishReason(const std::string& r) {
  if (r == "tool_calls") return "tool_calls";
  return r == "length" ? "length" : "stop";
}

namespace {

// Chat: `messages` and the tools offered, read by the request schema's chat part.
std::optional<ApiError> ReadMessages(const json::object& o, GenerateRequest* req) {
  if (auto err = request::ReadChatMessages(o, req)) return FromRequestError(*err);
  if (auto err = request::ReadTools(o, req)) return FromRequestError(*err);
  return std::nullopt;
}

// `chat_template_kwargs` (llama.cpp's and vLLM's name): an object of further template
// variables, e.g. {"enable_thinking": false}.
std::optional<ApiError> ReadTemplateKwargs(const json::object& o, GenerateRequest* req) {
  const json::value* v = o.if_contains("chat_template_kwargs");
  if (v == nullptr || v->is_null()) return std::nullopt;
  if (!v->is_object()) {
    return Bad("chat_template_kwargs", "'chat_template_kwargs' must be an object");
  }
  req->template_kwargs = v->as_object();
  return std::nullopt;
}

// Text completions: `prompt`, a string or an array of one string.
std::optional<ApiError> ReadPrompt(const json::object& o, GenerateRequest* req) {
  const json::value* p = o.if_contains("prompt");
  if (p == nullptr) return Bad("prompt", "'prompt' is required");
  if (p->is_string()) {
    req->prompt = std::string(p->as_string());
  } else if (p->is_array() && p->as_array().size() == 1 && p->as_array()[0].is_string()) {
    req->prompt = std::string(p->as_array()[0].as_string());
  } else {
    return Bad("prompt", "'prompt' must be a string (or an array of one string)");
  }
  return std::nullopt;
}

// The shared generation settings (sampling, max_tokens, stop...) come from the request
// schema; OpenAI's newer name for max_tokens reads the same declaration and wins.
std::optional<ApiError> ReadSchemaFields(const json::object& o, GenerateRequest* req,
                                         CompletionParams* params) {
  if (std::optional<request::RequestError> err = request::ReadFlatJson(o, req)) {
    return FromRequestError(*err);
  }
  const request::Field& max_tokens = *request::FindField("max_tokens", request::Group::kTop);
  if (auto err = request::ReadJsonField(o, max_tokens, req, "max_completion_tokens")) {
    return FromRequestError(*err);
  }
  for (const char* key : {"max_completion_tokens", "max_tokens"}) {
    const json::value* v = o.if_contains(key);
    params->max_tokens_given = params->max_tokens_given || (v != nullptr && !v->is_null());
  }
  return std::nullopt;
}

// OpenAI's own options: n, stream, stream_options, logprobs/top_logprobs.
std::optional<ApiError> ReadOpenAiOptions(const json::object& o, bool chat,
                                          CompletionParams* params) {
  std::optional<int64_t> i;
  if (auto e = GetInt(o, "n", 1, 128, &i)) return e;
  if (i && *i != 1) return Bad("n", "only n=1 is supported");
  i.reset();
  if (auto e = GetBool(o, "stream", &params->stream)) return e;
  if (const json::value* so = o.if_contains("stream_options"); so && !so->is_null()) {
    if (!so->is_object()) return Bad("stream_options", "'stream_options' must be an object");
    if (auto e = GetBool(so->as_object(), "include_usage", &params->include_usage)) return e;
  }
  if (chat) {
    if (auto e = GetBool(o, "logprobs", &params->logprobs)) return e;
    if (auto e = GetInt(o, "top_logprobs", 0, 20, &i)) return e;
    if (i) {
      if (!params->logprobs) return Bad("top_logprobs", "'top_logprobs' needs 'logprobs': true");
      params->top_logprobs = int(*i);
    }
  } else {
    // Legacy completions: "logprobs": N asks for N alternatives.
    if (auto e = GetInt(o, "logprobs", 0, 20, &i)) return e;
    if (i) {
      params->logprobs = true;
      params->top_logprobs = int(*i);
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<ApiError> ParseCompletionRequest(std::string_view body, bool chat,
                                               GenerateRequest* req, CompletionParams* params) {
  json::error_code ec;
  json::value root = json::parse(body, ec);
  if (ec) return Bad("", "the request body is not valid JSON: " + ec.message());
  if (!root.is_object()) return Bad("", "the request body must be a JSON object");
  const json::object& o = root.as_object();
  *params = CompletionParams{};
  params->chat = chat;

  if (const json::value* m = o.if_contains("model"); m && !m->is_null()) {
    if (!m->is_string()) return Bad("model", "'model' must be a string");
    params->model = std::string(m->as_string());
  }
  if (auto err = chat ? ReadMessages(o, req) : ReadPrompt(o, req)) return err;
  if (chat) {
    if (auto err = ReadTemplateKwargs(o, req)) return err;
  }
  if (auto err = ReadSchemaFields(o, req, params)) return err;
  if (auto err = ReadOpenAiOptions(o, chat, params)) return err;
  req->top_k_events = params->logprobs ? params->top_logprobs : 0;
  // A text completion continues the prompt as it is: no reasoning is told apart.
  if (!chat) req->reasoning_format = ReasoningFormat::kNone;
  return std::nullopt;
}

CompletionEncoder::CompletionEncoder(CompletionParams params, std::string model_id, std::string id,
                                     int64_t created)
    : params_(std::move(params)),
      model_(std::move(model_id)),
      id_(std::move(id)),
      created_(created) {}

std::string CompletionEncoder::Chunk(const std::string& text, const std::string& reasoning,
                                     const Event* token, const char* finish, const Timings* timings,
                                     const std::vector<ToolCallDelta>* calls) const {
  json::object choice{{"index", 0}};
  const bool has_calls = calls != nullptr && !calls->empty();
  if (params_.chat) {
    json::object delta;
    if (!text.empty() || (finish == nullptr && reasoning.empty() && !has_calls)) {
      delta["content"] = text;
    }
    if (!reasoning.empty()) delta["reasoning_content"] = reasoning;
    if (has_calls) delta["tool_calls"] = ToolCallDeltasJson(*calls);
    choice["delta"] = std::move(delta);
  } else {
    choice["text"] = text;
  }
  json::value logprobs = nullptr;
  if (params_.logprobs && token != nullptr) {
    if (params_.chat) {
      json::object lp{{"content", json::array{}}};
      const char* key = token->in_reasoning ? "reasoning_content" : "content";
      lp[key] = json::array{ChatLogprobs(*token)};
      logprobs = std::move(lp);
    } else {
      logprobs = json::object{{"tokens", json::array{json::value(ToValidUtf8(token->piece))}},
                              {"token_logprobs", json::array{event_json::Logprob(token->prob)}},
                              {"top_logprobs", json::array{TopLogprobMap(*token)}}};
    }
  }
  choice["logprobs"] = std::move(logprobs);
  choice["finish_reason"] = finish ? json::value(finish) : json::value(nullptr);
  json::object chunk{{"id", id_},
                     {"object", params_.chat ? "chat.completion.chunk" : "text_completion"},
                     {"created", created_},
                     {"model", model_},
                     {"system_fingerprint", "inferno"},
                     {"choices", json::array{std::move(choice)}}};
  if (timings != nullptr) chunk["timings"] = TimingsJson(*timings);
  return Sse(chunk);
}

std::string CompletionEncoder::FirstChunk() const {
  if (!params_.chat) return "";
  json::object choice{{"index", 0},
                      {"delta", json::object{{"role", "assistant"}, {"content", ""}}},
                      {"logprobs", nullptr},
                      {"finish_reason", nullptr}};
  return Sse(json::object{{"id", id_},
                          {"object", "chat.completion.chunk"},
                          {"created", created_},
                          {"model", model_},
                          {"system_fingerprint", "inferno"},
                          {"choices", json::array{std::move(choice)}}});
}

std::string CompletionEncoder::TokenChunk(const Event& e) {
  ++completion_tokens_;
  // A token that completes no visible text (half a character, a held-back stop prefix)
  // only produces a chunk when its logprob must be reported.
  if (e.text.empty() && e.reasoning.empty() && e.tool_calls.empty() && !params_.logprobs) {
    return "";
  }
  return Chunk(e.text, e.reasoning, &e, nullptr, nullptr, &e.tool_calls);
}

std::string CompletionEncoder::FinalChunks(const Event& done, int prompt_tokens) {
  std::string out;
  if (!done.text.empty() || !done.reasoning.empty() || !done.tool_calls.empty()) {
    out += Chunk(done.text, done.reasoning, nullptr, nullptr, nullptr, &done.tool_calls);
  }
  out += Chunk("", "", nullptr, FinishReason(done.finish_reason), &done.timings);
  if (params_.include_usage) {
    out += Sse(json::object{
        {"id", id_},
        {"object", params_.chat ? "chat.completion.chunk" : "text_completion"},
        {"created", created_},
        {"model", model_},
        {"system_fingerprint", "inferno"},
        {"choices", json::array{}},
        {"usage", json::object{{"prompt_tokens", prompt_tokens},
                               {"completion_tokens", done.timings.generated_tokens},
                               {"total_tokens", prompt_tokens + done.timings.generated_tokens}}}});
  }
  out += "data: [DONE]\n\n";
  return out;
}

std::string CompletionEncoder::ErrorChunk(const ApiError& error) {
  return "data: " + ErrorBody(error) + "\n\ndata: [DONE]\n\n";
}

void CompletionEncoder::Add(const Event& e) {
  text_ += e.text;
  reasoning_ += e.reasoning;
  request::AddToolCallDeltas(e.tool_calls, &tool_calls_);
  ++completion_tokens_;
  if (params_.logprobs) tokens_.push_back(e);
}

std::string CompletionEncoder::Final(const Event& done, int prompt_tokens) const {
  const std::string text = text_ + done.text;
  json::value logprobs = nullptr;
  if (params_.logprobs) {
    if (params_.chat) {
      json::array content, reasoning;
      for (const Event& t : tokens_) {
        (t.in_reasoning ? reasoning : content).push_back(ChatLogprobs(t));
      }
      json::object lp{{"content", std::move(content)}};
      if (!reasoning.empty()) lp["reasoning_content"] = std::move(reasoning);
      logprobs = std::move(lp);
    } else {
      json::array tokens, lps, tops, offsets;
      size_t offset = 0;
      for (const Event& t : tokens_) {
        tokens.push_back(json::value(ToValidUtf8(t.piece)));
        lps.push_back(event_json::Logprob(t.prob));
        tops.push_back(TopLogprobMap(t));
        offsets.push_back(offset);
        offset += t.text.size();
      }
      logprobs = json::object{{"tokens", std::move(tokens)},
                              {"token_logprobs", std::move(lps)},
                              {"top_logprobs", std::move(tops)},
                              {"text_offset", std::move(offsets)}};
    }
  }
  json::object choice{{"index", 0}};
  const std::string reasoning = reasoning_ + done.reasoning;
  if (params_.chat) {
    std::vector<ChatToolCall> calls = tool_calls_;
    request::AddToolCallDeltas(done.tool_calls, &calls);
    // OpenAI's content is null when the reply is only calls.
    json::object message{
        {"role", "assistant"},
        {"content", calls.empty() || !text.empty() ? json::value(text) : json::value(nullptr)}};
    if (!reasoning.empty()) message["reasoning_content"] = reasoning;
    if (!calls.empty()) message["tool_calls"] = ToolCallsJson(calls);
    message["refusal"] = nullptr;
    choice["message"] = std::move(message);
  } else {
    choice["text"] = text;
  }
  choice["logprobs"] = std::move(logprobs);
  choice["finish_reason"] = FinishReason(done.finish_reason);
  json::object out{
      {"id", id_},
      {"object", params_.chat ? "chat.completion" : "text_completion"},
      {"created", created_},
      {"model", model_},
      {"system_fingerprint", "inferno"},
      {"choices", json::array{std::move(choice)}},
      {"usage", json::object{{"prompt_tokens", prompt_tokens},
                             {"completion_tokens", done.timings.generated_tokens},
                             {"total_tokens", prompt_tokens + done.timings.generated_tokens}}},
      {"timings", TimingsJson(done.timings)}};
  return json::serialize(out);
}

}  // namespace inferno::server
