#include "server/remote_generation.h"

#include <boost/json.hpp>
#include <cstdint>

namespace inferno::server {
namespace {

namespace json = boost::json;

ApiError NotForwarded(const std::string& what, const std::string& param) {
  return {400,
          what +
              " cannot be sent to a remote model through this API; its OpenAI API "
              "(/v1/chat/completions) takes the request as the remote does",
          param, "unsupported_for_remote"};
}

json::object MessageJson(const ChatMessage& m) {
  json::object o{{"role", m.role}, {"content", m.content}};
  if (!m.tool_calls.empty()) {
    json::array calls;
    for (const ChatToolCall& c : m.tool_calls) {
      calls.push_back(
          json::object{{"id", c.id},
                       {"type", "function"},
                       {"function", json::object{{"name", c.name}, {"arguments", c.arguments}}}});
    }
    o["tool_calls"] = std::move(calls);
    if (m.content.empty()) o["content"] = nullptr;
  }
  if (!m.tool_call_id.empty()) o["tool_call_id"] = m.tool_call_id;
  if (!m.name.empty() && m.role == "tool") o["name"] = m.name;
  return o;
}

json::value ToolChoiceJson(const ToolChoice& c) {
  switch (c.mode) {
    case ToolChoiceMode::kNone:
      return "none";
    case ToolChoiceMode::kRequired:
      return "required";
    case ToolChoiceMode::kNamed:
      return json::object{{"type", "function"}, {"function", json::object{{"name", c.name}}}};
    default:
      return "auto";
  }
}

void AddSampling(const SamplingParams& s, json::object* body) {
  json::object& b = *body;
  b["temperature"] = s.temperature;
  b["top_p"] = s.top_p;
  // Not OpenAI's, but what vLLM, llama.cpp's server and inferno read; OpenAI-compatible
  // servers ignore fields they do not know.
  b["top_k"] = s.top_k;
  b["min_p"] = s.min_p;
  if (s.presence_penalty != 0) b["presence_penalty"] = s.presence_penalty;
  if (s.frequency_penalty != 0) b["frequency_penalty"] = s.frequency_penalty;
  if (s.repeat_penalty != 1) b["repeat_penalty"] = s.repeat_penalty;
  if (s.seed != SamplingParams::kRandomSeed) b["seed"] = s.seed;
}

int64_t IntOf(const json::object& o, const char* key, int64_t otherwise) {
  const json::value* v = o.if_contains(key);
  return v && v->is_int64() ? v->as_int64() : otherwise;
}

std::string StringOf(const json::object& o, const char* key) {
  const json::value* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : "";
}

}  // namespace

std::optional<ApiError> RemoteRequestBody(const GenerateRequest& req, bool max_given,
                                          const std::string& model, std::string* path,
                                          json::object* body) {
  if (req.grammar) return NotForwarded("Structured output (a format or JSON schema)", "format");
  if (!req.images.empty()) return NotForwarded("Images", "images");
  if (!req.prompt_tokens.empty()) return NotForwarded("Token ids (context)", "context");
  if (req.n > 1) return NotForwarded("More than one choice", "n");
  json::object& b = *body;
  b = json::object{{"model", model}};
  if (!req.messages.empty()) {
    *path = "/v1/chat/completions";
    json::array messages;
    for (const ChatMessage& m : req.messages) messages.push_back(MessageJson(m));
    b["messages"] = std::move(messages);
    if (!req.tools.empty()) {
      b["tools"] = req.tools;
      b["tool_choice"] = ToolChoiceJson(req.tool_choice);
      if (!req.parallel_tool_calls) b["parallel_tool_calls"] = false;
    }
    if (!req.template_kwargs.empty()) b["chat_template_kwargs"] = req.template_kwargs;
  } else {
    *path = "/v1/completions";
    b["prompt"] = req.prompt;
    if (!req.suffix.empty()) b["suffix"] = req.suffix;
  }
  if (max_given) b["max_tokens"] = req.max_tokens;
  AddSampling(req.sampling, body);
  if (!req.stop.empty()) {
    json::array stop;
    for (const std::string& s : req.stop) stop.emplace_back(s);
    b["stop"] = std::move(stop);
  }
  if (req.ignore_eos) b["ignore_eos"] = true;
  b["stream"] = true;
  b["stream_options"] = json::object{{"include_usage", true}};
  return std::nullopt;
}

Event RemoteEventReader::Token() {
  const Clock::time_point now = Clock::now();
  if (tokens_ == 0) first_ = now;
  last_ = now;
  Event e;
  e.type = Event::Type::kToken;
  e.index = tokens_++;
  e.elapsed_ms = std::chrono::duration<double, std::milli>(now - start_).count();
  return e;
}

void RemoteEventReader::Choice(const json::object& choice, std::vector<Event>* out) {
  if (std::string reason = StringOf(choice, "finish_reason"); !reason.empty()) {
    finish_reason_ = reason;
  }
  const json::value* d = choice.if_contains("delta");
  if (d == nullptr) d = choice.if_contains("message");  // a whole answer
  std::string text, reasoning;
  std::vector<ToolCallDelta> calls;
  if (d != nullptr && d->is_object()) {
    const json::object& delta = d->as_object();
    text = StringOf(delta, "content");
    reasoning = StringOf(delta, "reasoning_content");
    if (reasoning.empty()) reasoning = StringOf(delta, "reasoning");  // vLLM's newer name
    if (const json::value* tc = delta.if_contains("tool_calls"); tc && tc->is_array()) {
      for (const json::value& v : tc->as_array()) {
        if (!v.is_object()) continue;
        const json::object& c = v.as_object();
        ToolCallDelta call;
        call.index = int(IntOf(c, "index", int64_t(calls.size())));
        call.id = StringOf(c, "id");
        if (const json::value* f = c.if_contains("function"); f && f->is_object()) {
          call.name = StringOf(f->as_object(), "name");
          call.arguments = StringOf(f->as_object(), "arguments");
        }
        calls.push_back(std::move(call));
      }
    }
  } else {
    text = StringOf(choice, "text");  // /v1/completions
  }
  if (text.empty() && reasoning.empty() && calls.empty()) return;
  Event e = Token();
  e.piece = text.empty() ? reasoning : text;
  e.text = std::move(text);
  e.reasoning = std::move(reasoning);
  e.in_reasoning = e.text.empty() && !e.reasoning.empty();
  e.tool_calls = std::move(calls);
  out->push_back(std::move(e));
}

void RemoteEventReader::Usage(const json::object& chunk) {
  const json::value* u = chunk.if_contains("usage");
  if (u == nullptr || !u->is_object()) return;
  // A count from the network: kept within what an int counts.
  auto count = [&](const char* key, int otherwise) {
    const int64_t v = IntOf(u->as_object(), key, otherwise);
    return v < 0 || v > INT32_MAX ? otherwise : int(v);
  };
  prompt_tokens_ = count("prompt_tokens", prompt_tokens_);
  completion_tokens_ = count("completion_tokens", completion_tokens_);
}

void RemoteEventReader::Chunk(const json::object& chunk, std::vector<Event>* out) {
  if (const json::value* err = chunk.if_contains("error")) {
    Event e;
    e.type = Event::Type::kError;
    const json::value* m = err->is_object() ? err->as_object().if_contains("message") : nullptr;
    e.error = Status::Unavailable(m && m->is_string() ? std::string(m->as_string())
                                                      : "the remote sent an error: " +
                                                            json::serialize(*err).substr(0, 200));
    out->push_back(std::move(e));
    return;
  }
  Usage(chunk);
  const json::value* choices = chunk.if_contains("choices");
  if (choices == nullptr || !choices->is_array() || choices->as_array().empty()) return;
  const json::value& first = choices->as_array().front();
  if (first.is_object()) Choice(first.as_object(), out);
}

Event RemoteEventReader::Done() const {
  Event e;
  e.type = Event::Type::kDone;
  e.finish_reason = finish_reason_;
  Timings& t = e.timings;
  t.prompt_tokens = prompt_tokens_;
  t.generated_tokens = completion_tokens_ >= 0 ? completion_tokens_ : tokens_;
  if (tokens_ > 0) {
    t.ttft_ms = std::chrono::duration<double, std::milli>(first_ - start_).count();
    t.prompt_ms = t.ttft_ms;
    t.decode_ms = std::chrono::duration<double, std::milli>(last_ - first_).count();
  }
  return e;
}

}  // namespace inferno::server
