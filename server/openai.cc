#include "server/openai.h"

#include <algorithm>
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
#include "server/openai_unsupported.h"

namespace inferno::server {
namespace {

namespace json = boost::json;

// The generation's measured speed as llama.cpp's server reports it: `predicted_per_second`
// is the decode rate (the steps after the first token, which comes out of the prompt pass).
// Speculative decoding adds, as llama-server does, the drafted and accepted counts.
json::object TimingsJson(const Timings& t) {
  // As llama-server: prompt_n counts the evaluated tokens, cache_n the ones reused.
  json::object o{{"cache_n", t.cached_tokens},
                 {"prompt_n", t.evaluated_prompt_tokens()},
                 {"prompt_ms", t.prompt_ms},
                 {"prompt_per_second", t.prompt_tokens_per_second()},
                 {"predicted_n", t.generated_tokens},
                 {"predicted_ms", t.decode_ms},
                 {"predicted_per_second", t.decode_tokens_per_second()}};
  if (t.drafted_tokens > 0) {
    o["draft_n"] = t.drafted_tokens;
    o["draft_n_accepted"] = t.accepted_tokens;
  }
  return o;
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
json::object TopLogprobMap(const std::vector<TopToken>& alternatives) {
  json::object top;
  for (const TopToken& t : alternatives) top[ToValidUtf8(t.text)] = event_json::Logprob(t.prob);
  return top;
}

// A chat response's logprobs for these tokens: the answer's under `content`, a thinking
// model's reasoning under `reasoning_content`.
json::object ChatLogprobsObject(const std::vector<Event>& tokens) {
  json::array content, reasoning;
  for (const Event& t : tokens) (t.in_reasoning ? reasoning : content).push_back(ChatLogprobs(t));
  json::object lp{{"content", std::move(content)}};
  if (!reasoning.empty()) lp["reasoning_content"] = std::move(reasoning);
  return lp;
}

// A text completion's logprobs: parallel arrays, with each token's byte offset in the choice's
// text (its pieces join to the text); an echoed prompt's first token has no logprob (null).
class LegacyLogprobs {
 public:
  explicit LegacyLogprobs(size_t* offset) : offset_(offset) {}
  void Add(const std::string& piece, std::optional<float> prob, const std::vector<TopToken>& top) {
    tokens_.push_back(json::value(ToValidUtf8(piece)));
    lps_.push_back(prob ? event_json::Logprob(*prob) : json::value(nullptr));
    tops_.push_back(prob ? json::value(TopLogprobMap(top)) : json::value(nullptr));
    offsets_.push_back(*offset_);
    *offset_ += piece.size();
  }
  void Add(const std::vector<EchoToken>& echo) {
    for (const EchoToken& t : echo) Add(t.piece, t.prob, t.top);
  }
  void Add(const std::vector<Event>& tokens) {
    for (const Event& t : tokens) Add(t.piece, t.prob, t.top);
  }
  json::object Take() {
    return json::object{{"tokens", std::move(tokens_)},
                        {"token_logprobs", std::move(lps_)},
                        {"top_logprobs", std::move(tops_)},
                        {"text_offset", std::move(offsets_)}};
  }

 private:
  size_t* offset_;
  json::array tokens_, lps_, tops_, offsets_;
};

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

// Text completions: `prompt`, a string, an array of one string or an array of token ids (as
// OpenAI's API takes them: used as they are, no BOS added), and `suffix`.
std::optional<ApiError> ReadPrompt(const json::object& o, GenerateRequest* req) {
  const json::value* p = o.if_contains("prompt");
  if (p == nullptr) return Bad("prompt", "'prompt' is required");
  if (p->is_string()) {
    req->prompt = std::string(p->as_string());
  } else if (p->is_array() && p->as_array().size() == 1 && p->as_array()[0].is_string()) {
    req->prompt = std::string(p->as_array()[0].as_string());
  } else if (p->is_array() && !p->as_array().empty() &&
             std::all_of(p->as_array().begin(), p->as_array().end(), [](const json::value& v) {
               return v.is_int64() && v.as_int64() >= 0 && v.as_int64() <= INT32_MAX;
             })) {
    // Ids outside the vocabulary are refused by Prepare (CheckPromptTokenIds).
    for (const json::value& v : p->as_array()) req->prompt_tokens.push_back(int32_t(v.as_int64()));
  } else {
    return Bad("prompt",
               "'prompt' must be a string, an array of one string or an array of token ids");
  }
  // Fill-in-the-middle: the text after the gap (the model's FIM tokens are checked by Prepare).
  if (const json::value* s = o.if_contains("suffix"); s && !s->is_null()) {
    if (!s->is_string()) return Bad("suffix", "'suffix' must be a string");
    req->suffix = std::string(s->as_string());
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
  // Up to 8 choices, decoded together from one prompt pass (Scheduler).
  if (auto e = GetInt(o, "n", 1, 8, &i)) return e;
  if (i) params->n = int(*i);
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
    if (auto e = GetBool(o, "echo", &params->echo)) return e;
  }
  return std::nullopt;
}

}  // namespace

std::optional<ApiError> ParseBodyObject(std::string_view body, json::value* root) {
  json::error_code ec;
  *root = json::parse(body, ec);
  if (ec) return Bad("", "the request body is not valid JSON: " + ec.message());
  if (!root->is_object()) return Bad("", "the request body must be a JSON object");
  return std::nullopt;
}

std::optional<ApiError> ReadModelAndStream(const json::object& o, std::string* model,
                                           bool* stream) {
  if (const json::value* m = o.if_contains("model"); m && !m->is_null()) {
    if (!m->is_string()) return Bad("model", "'model' must be a string");
    *model = std::string(m->as_string());
  }
  return GetBool(o, "stream", stream);
}

std::optional<ApiError> ParseCompletionRequest(std::string_view body, bool chat,
                                               GenerateRequest* req, CompletionParams* params) {
  json::value root;
  if (auto err = ParseBodyObject(body, &root)) return err;
  return ParseCompletionRequest(root.as_object(), chat, req, params);
}

std::optional<ApiError> ParseCompletionRequest(const json::object& o, bool chat,
                                               GenerateRequest* req, CompletionParams* params) {
  *params = CompletionParams{};
  params->chat = chat;

  if (const json::value* m = o.if_contains("model"); m && !m->is_null()) {
    if (!m->is_string()) return Bad("model", "'model' must be a string");
    params->model = std::string(m->as_string());
  }
  if (auto err = CheckUnsupported(o, chat)) return err;
  if (auto err = chat ? ReadMessages(o, req) : ReadPrompt(o, req)) return err;
  if (chat) {
    if (auto err = ReadTemplateKwargs(o, req)) return err;
  }
  if (auto err = ReadSchemaFields(o, req, params)) return err;
  if (auto err = ReadOpenAiOptions(o, chat, params)) return err;
  req->top_k_events = params->logprobs ? params->top_logprobs : 0;
  req->n = params->n;
  if (params->echo && !req->prompt_tokens.empty()) {
    return Bad("echo", "'echo' takes a text prompt, not token ids");
  }
  if (params->echo) {
    params->echo_text = req->prompt;
    // The prompt's logprobs come from scoring it as it is evaluated.
    req->probes.prompt_surprisal = params->logprobs;
  }
  // A text completion continues the prompt as it is: no reasoning is told apart.
  if (!chat) req->reasoning_format = ReasoningFormat::kNone;
  return std::nullopt;
}

CompletionEncoder::CompletionEncoder(CompletionParams params, std::string model_id, std::string id,
                                     int64_t created)
    : params_(std::move(params)),
      model_(std::move(model_id)),
      id_(std::move(id)),
      created_(created),
      choices_(size_t(std::max(1, params_.n))) {}

json::object CompletionEncoder::ChunkObject(json::array choices) const {
  json::object chunk{{"id", id_},
                     {"object", params_.chat ? "chat.completion.chunk" : "text_completion"},
                     {"created", created_},
                     {"model", model_},
                     {"system_fingerprint", "inferno"},
                     {"choices", std::move(choices)}};
  // OpenAI: with include_usage every chunk has the field, null until the last one.
  if (params_.include_usage) chunk["usage"] = nullptr;
  return chunk;
}

std::string CompletionEncoder::Chunk(int index, const std::string& text,
                                     const std::string& reasoning, const std::vector<Event>& tokens,
                                     const char* finish, const Timings* timings,
                                     const std::vector<ToolCallDelta>* calls) {
  json::object choice{{"index", index}};
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
  if (params_.logprobs && !tokens.empty()) {
    if (params_.chat) {
      logprobs = ChatLogprobsObject(tokens);
    } else {
      LegacyLogprobs lp(&choices_.at(size_t(index)).offset);
      lp.Add(tokens);
      logprobs = lp.Take();
    }
  }
  choice["logprobs"] = std::move(logprobs);
  choice["finish_reason"] = finish ? json::value(finish) : json::value(nullptr);
  json::object chunk = ChunkObject(json::array{std::move(choice)});
  if (timings != nullptr) chunk["timings"] = TimingsJson(*timings);
  return Sse(chunk);
}

std::string CompletionEncoder::FirstChunk() {
  if (!params_.chat) {
    // An echo without logprobs needs nothing from the engine; with them it waits for the
    // prompt's scores (PromptChunks).
    if (!params_.echo || params_.logprobs) return "";
    std::string out;
    for (size_t i = 0; i < choices_.size(); ++i) {
      out += Chunk(int(i), params_.echo_text, "", {}, nullptr);
    }
    return out;
  }
  std::string out;
  for (size_t i = 0; i < choices_.size(); ++i) {
    json::object choice{{"index", i},
                        {"delta", json::object{{"role", "assistant"}, {"content", ""}}},
                        {"logprobs", nullptr},
                        {"finish_reason", nullptr}};
    out += Sse(ChunkObject(json::array{std::move(choice)}));
  }
  return out;
}

std::string CompletionEncoder::PromptChunks(std::vector<EchoToken> tokens) {
  if (!params_.echo || !params_.logprobs || params_.chat) return "";
  echo_tokens_ = std::move(tokens);
  std::string out;
  for (size_t i = 0; i < choices_.size(); ++i) {
    LegacyLogprobs lp(&choices_[i].offset);
    lp.Add(echo_tokens_);
    json::object choice{{"index", i},
                        {"text", params_.echo_text},
                        {"logprobs", lp.Take()},
                        {"finish_reason", nullptr}};
    out += Sse(ChunkObject(json::array{std::move(choice)}));
  }
  return out;
}

CompletionEncoder::Choice& CompletionEncoder::ChoiceOf(const Event& e) {
  return choices_.at(size_t(std::clamp(e.choice, 0, int(choices_.size()) - 1)));
}

std::string CompletionEncoder::TokenChunk(const Event& e) {
  const std::vector<Event> tokens =
      params_.logprobs ? ChoiceOf(e).output.Take(e) : std::vector<Event>{};
  // A token that completes no visible text (half a character, a held-back stop prefix, the
  // end-of-generation token) sends nothing; its logprob waits for the text it belongs to.
  if (e.text.empty() && e.reasoning.empty() && e.tool_calls.empty() && tokens.empty()) return "";
  return Chunk(e.choice, e.text, e.reasoning, tokens, nullptr, nullptr, &e.tool_calls);
}

json::object CompletionEncoder::Usage(int prompt_tokens) const {
  int completion = 0;
  for (const Choice& c : choices_) completion += c.done.timings.generated_tokens;
  // The prompt is evaluated once for every choice; its cached part is OpenAI's cached_tokens.
  const int cached = choices_.empty() ? 0 : choices_[0].done.timings.cached_tokens;
  return json::object{{"prompt_tokens", prompt_tokens},
                      {"completion_tokens", completion},
                      {"total_tokens", prompt_tokens + completion},
                      {"prompt_tokens_details", json::object{{"cached_tokens", cached}}}};
}

bool CompletionEncoder::AllDone() const {
  return std::all_of(choices_.begin(), choices_.end(), [](const Choice& c) { return c.finished; });
}

std::vector<Event> CompletionEncoder::EndChoice(const Event& done) {
  Choice& c = ChoiceOf(done);
  c.finished = true;
  c.done = done;
  return params_.logprobs ? c.output.Finish(done) : std::vector<Event>{};
}

std::string CompletionEncoder::FinalChunks(const Event& done, int prompt_tokens) {
  const std::vector<Event> tokens = EndChoice(done);
  std::string out;
  if (!done.text.empty() || !done.reasoning.empty() || !done.tool_calls.empty()) {
    out +=
        Chunk(done.choice, done.text, done.reasoning, tokens, nullptr, nullptr, &done.tool_calls);
  }
  out += Chunk(done.choice, "", "", {}, FinishReason(done.finish_reason), &done.timings);
  if (!AllDone()) return out;
  if (params_.include_usage) {
    json::object chunk = ChunkObject(json::array{});
    chunk["usage"] = Usage(prompt_tokens);
    out += Sse(chunk);
  }
  out += "data: [DONE]\n\n";
  return out;
}

std::string CompletionEncoder::ErrorChunk(const ApiError& error) {
  return "data: " + ErrorBody(error) + "\n\ndata: [DONE]\n\n";
}

void CompletionEncoder::Add(const Event& e) {
  Choice& c = ChoiceOf(e);
  c.text += e.text;
  c.reasoning += e.reasoning;
  request::AddToolCallDeltas(e.tool_calls, &c.tool_calls);
  if (!params_.logprobs) return;
  for (Event& t : c.output.Take(e)) c.tokens.push_back(std::move(t));
}

json::object CompletionEncoder::ChoiceObject(const Choice& c, int index) const {
  const std::string text = (params_.echo ? params_.echo_text : "") + c.text + c.done.text;
  json::value logprobs = nullptr;
  if (params_.logprobs && params_.chat) {
    logprobs = ChatLogprobsObject(c.tokens);
  } else if (params_.logprobs) {
    size_t offset = 0;
    LegacyLogprobs lp(&offset);
    if (params_.echo) lp.Add(echo_tokens_);
    lp.Add(c.tokens);
    logprobs = lp.Take();
  }
  json::object choice{{"index", index}};
  const std::string reasoning = c.reasoning + c.done.reasoning;
  if (params_.chat) {
    std::vector<ChatToolCall> calls = c.tool_calls;
    request::AddToolCallDeltas(c.done.tool_calls, &calls);
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
  choice["finish_reason"] = FinishReason(c.done.finish_reason);
  return choice;
}

std::string CompletionEncoder::Final(const Event& done, int prompt_tokens) {
  for (Event& t : EndChoice(done)) ChoiceOf(done).tokens.push_back(std::move(t));
  if (!AllDone()) return "";
  json::array choices;
  for (size_t i = 0; i < choices_.size(); ++i) choices.push_back(ChoiceObject(choices_[i], int(i)));
  json::object out{{"id", id_},
                   {"object", params_.chat ? "chat.completion" : "text_completion"},
                   {"created", created_},
                   {"model", model_},
                   {"system_fingerprint", "inferno"},
                   {"choices", std::move(choices)},
                   {"usage", Usage(prompt_tokens)},
                   // The prompt pass is shared; the first choice's timings stand for the request.
                   {"timings", TimingsJson(choices_[0].done.timings)}};
  return json::serialize(out);
}

}  // namespace inferno::server
