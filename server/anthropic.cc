#include "server/anthropic.h"

#include <algorithm>

#include "engine/request/tool_calls.h"
#include "engine/util/utf8.h"
#include "server/errors.h"

namespace inferno::server {
namespace {

namespace json = boost::json;

std::string Sse(std::string_view event, const json::object& data) {
  return "event: " + std::string(event) + "\ndata: " + json::serialize(data) + "\n\n";
}

// Anthropic's tool ids are "toolu_" and random letters; the engine's are OpenAI's "call_..."
// (Mistral's nine letters are left as they are: its templates check their length).
std::string ToolUseId(const std::string& id) {
  constexpr std::string_view kCall = "call_";
  return id.rfind(kCall, 0) == 0 ? "toolu_" + id.substr(kCall.size()) : id;
}

// A call's input as the object Anthropic returns; arguments cut short (max_tokens) are {}.
json::object InputOf(const std::string& arguments) {
  json::error_code ec;
  json::value v = json::parse(arguments, ec);
  if (ec || !v.is_object()) return {};
  return std::move(v.as_object());
}

}  // namespace

const char* AnthropicErrorType(int status) {
  if (status == 503 || status == 529) return "overloaded_error";
  if (status >= 500) return "api_error";
  return ErrorType(status);  // the 4xx types are the same names
}

std::string AnthropicErrorJson(int status, std::string_view message) {
  return json::serialize(json::object{{"type", "error"},
                                      {"error", json::object{{"type", AnthropicErrorType(status)},
                                                             {"message", ToValidUtf8(message)}}}});
}

bool IsAnthropicPath(std::string_view path) {
  return path == "/v1/messages" || path.rfind("/v1/messages/", 0) == 0;
}

void AnthropicErrorWriter::Send(Response r) {
  if (r.status >= 400) {
    json::error_code ec;
    const json::value body = json::parse(r.body, ec);
    const json::value* error =
        ec || !body.is_object() ? nullptr : body.as_object().if_contains("error");
    const json::value* message =
        error && error->is_object() ? error->as_object().if_contains("message") : nullptr;
    if (message && message->is_string() && !body.as_object().contains("type")) {
      r.body = AnthropicErrorJson(r.status, message->as_string());
    }
  }
  ForwardingWriter::Send(std::move(r));
}

std::string NewMessageId() {
  // The tool-call id's random part: unique, not secret.
  return "msg_" + request::NewToolCallId(/*mistral=*/false).substr(5);
}

const char* StopReason(const Event& done) {
  if (done.finish_reason == "tool_calls") return "tool_use";
  if (done.finish_reason == "length") return "max_tokens";
  if (!done.stop_sequence.empty()) return "stop_sequence";
  return "end_turn";
}

// Anthropic's contract: the prompt is input_tokens + cache_creation_input_tokens +
// cache_read_input_tokens, so what the prompt cache held is read from the cache and not input
// (coding agents show it as their cache hits). Nothing is ever written to a cache on request.
json::object AnthropicEncoder::Usage() const {
  return json::object{{"input_tokens", input_tokens_ - cached_tokens_},
                      {"cache_creation_input_tokens", 0},
                      {"cache_read_input_tokens", cached_tokens_},
                      {"output_tokens", output_tokens_}};
}

json::object AnthropicEncoder::Message() const {
  json::object m{{"id", id_},
                 {"type", "message"},
                 {"role", "assistant"},
                 {"model", model_},
                 {"content", content_},
                 {"stop_reason", nullptr},
                 {"stop_sequence", nullptr},
                 {"usage", Usage()}};
  if (!stop_reason_.empty()) m["stop_reason"] = stop_reason_;
  if (!stop_sequence_.empty()) m["stop_sequence"] = stop_sequence_;
  return m;
}

std::string AnthropicEncoder::Open(Block kind, json::object block) {
  std::string out = Close();
  const size_t index = content_.size();
  content_.push_back(block);
  open_ = kind;
  return out + Sse("content_block_start", json::object{{"type", "content_block_start"},
                                                       {"index", index},
                                                       {"content_block", std::move(block)}});
}

std::string AnthropicEncoder::Close() {
  if (open_ == Block::kNone) return "";
  const size_t index = content_.size() - 1;
  std::string out;
  // Anthropic signs each thinking block before it closes; a local model has nothing to sign
  // with, so the signature is empty (clients give it back as they got it).
  if (open_ == Block::kThinking) {
    out += Delta(index, json::object{{"type", "signature_delta"}, {"signature", ""}});
  }
  open_ = Block::kNone;
  return out +
         Sse("content_block_stop", json::object{{"type", "content_block_stop"}, {"index", index}});
}

std::string AnthropicEncoder::Delta(size_t index, json::object delta) {
  return Sse(
      "content_block_delta",
      json::object{{"type", "content_block_delta"}, {"index", index}, {"delta", std::move(delta)}});
}

// Reasoning into the open thinking block, answer text into the open text block (opening one
// when another kind is open).
std::string AnthropicEncoder::AddText(Block kind, const std::string& text) {
  if (text.empty()) return "";
  const bool thinking = kind == Block::kThinking;
  const char* field = thinking ? "thinking" : "text";
  std::string out;
  if (open_ != kind) {
    json::object block{{"type", field}, {field, ""}};
    if (thinking) block["signature"] = "";
    out = Open(kind, std::move(block));
  }
  const size_t index = content_.size() - 1;
  json::string& so_far = content_.back().as_object()[field].as_string();
  so_far.append(text);
  return out + Delta(index, json::object{{"type", thinking ? "thinking_delta" : "text_delta"},
                                         {field, text}});
}

// A call's first delta opens its tool_use block; its argument fragments are input_json_delta.
std::string AnthropicEncoder::AddCalls(const std::vector<ToolCallDelta>& calls) {
  std::string out;
  for (const ToolCallDelta& d : calls) {
    const size_t call = size_t(d.index);
    if (call >= call_blocks_.size()) {
      call_blocks_.resize(call + 1, 0);
      call_input_.resize(call + 1);
      out += Open(Block::kToolUse, json::object{{"type", "tool_use"},
                                                {"id", ToolUseId(d.id)},
                                                {"name", d.name},
                                                {"input", json::object{}}});
      call_blocks_[call] = content_.size() - 1;
    }
    if (d.arguments.empty()) continue;
    call_input_[call] += d.arguments;
    out += Delta(call_blocks_[call],
                 json::object{{"type", "input_json_delta"}, {"partial_json", d.arguments}});
  }
  return out;
}

std::string AnthropicEncoder::Finish(const Event& done) {
  std::string out = AddText(Block::kThinking, done.reasoning);
  out += AddText(Block::kText, done.text);
  out += AddCalls(done.tool_calls);
  out += Close();
  for (size_t i = 0; i < call_blocks_.size(); ++i) {
    content_.at(call_blocks_[i]).as_object()["input"] = InputOf(call_input_[i]);
  }
  output_tokens_ = done.timings.generated_tokens;
  // A remote model's prompt is counted by the remote, whose usage arrives with its last chunk:
  // kPrompt carried no tokens, so the count is taken here (message_delta and the whole message).
  if (done.timings.prompt_tokens > 0) input_tokens_ = done.timings.prompt_tokens;
  cached_tokens_ = std::clamp(done.timings.cached_tokens, 0, input_tokens_);
  stop_reason_ = StopReason(done);
  stop_sequence_ = done.stop_sequence;
  json::object delta{{"stop_reason", stop_reason_}, {"stop_sequence", nullptr}};
  if (!stop_sequence_.empty()) delta["stop_sequence"] = stop_sequence_;
  out += Sse("message_delta",
             json::object{{"type", "message_delta"}, {"delta", delta}, {"usage", Usage()}});
  return out + Sse("message_stop", json::object{{"type", "message_stop"}});
}

std::string AnthropicEncoder::Push(const Event& e) {
  switch (e.type) {
    case Event::Type::kPrompt: {
      input_tokens_ = int(e.prompt_tokens.size());
      json::object start = Message();
      start["content"] = json::array{};
      return Sse("message_start", json::object{{"type", "message_start"}, {"message", start}}) +
             Sse("ping", json::object{{"type", "ping"}});
    }
    case Event::Type::kToken: {
      ++output_tokens_;
      std::string out = AddText(Block::kThinking, e.reasoning);
      out += AddText(Block::kText, e.text);
      return out + AddCalls(e.tool_calls);
    }
    case Event::Type::kDone:
      return Finish(e);
    default:
      return "";
  }
}

std::string AnthropicEncoder::ErrorEvent(std::string_view message) {
  return "event: error\ndata: " + AnthropicErrorJson(500, message) + "\n\n";
}

}  // namespace inferno::server
