#include "server/responses_encoder.h"

#include "server/secure_random.h"

namespace inferno::server {
namespace {

namespace json = boost::json;

// The response object before any output, the request's echo over OpenAI's defaults.
json::object NewResponse(ResponseHead head) {
  json::object r{{"id", head.id},
                 {"object", "response"},
                 {"created_at", head.created_at},
                 {"status", "in_progress"},
                 {"background", false},
                 {"error", nullptr},
                 {"incomplete_details", nullptr},
                 {"instructions", nullptr},
                 {"max_output_tokens", nullptr},
                 {"metadata", json::object{}},
                 {"model", head.model},
                 {"output", json::array{}},
                 {"parallel_tool_calls", true},
                 {"previous_response_id", nullptr},
                 {"reasoning", json::object{{"effort", nullptr}, {"summary", nullptr}}},
                 {"store", true},
                 {"temperature", 1.0},
                 {"text", json::object{{"format", json::object{{"type", "text"}}}}},
                 {"tool_choice", "auto"},
                 {"tools", json::array{}},
                 {"top_p", 1.0},
                 {"truncation", "disabled"},
                 {"usage", nullptr},
                 {"user", nullptr}};
  for (auto& [key, value] : head.echo) r[key] = std::move(value);
  return r;
}

json::object NewItem(const char* type, const char* prefix) {
  return json::object{{"id", prefix + RandomHex128()}, {"type", type}, {"status", "in_progress"}};
}

json::object Part(bool reasoning, const std::string& text) {
  if (reasoning) return json::object{{"type", "reasoning_text"}, {"text", text}};
  return json::object{{"type", "output_text"},
                      {"text", text},
                      {"annotations", json::array{}},
                      {"logprobs", json::array{}}};
}

}  // namespace

ResponsesEncoder::ResponsesEncoder(ResponseHead head) : response_(NewResponse(std::move(head))) {}

std::string ResponsesEncoder::Emit(const char* type, json::object fields) {
  json::object event{{"type", type}};
  for (auto& [key, value] : fields) event[key] = std::move(value);
  event["sequence_number"] = sequence_++;
  return std::string("event: ") + type + "\ndata: " + json::serialize(event) + "\n\n";
}

json::object ResponsesEncoder::Ref() const {
  const json::array& out = response_.at("output").as_array();
  return json::object{{"item_id", out.back().at("id")}, {"output_index", int64_t(out.size()) - 1}};
}

std::string ResponsesEncoder::Start() {
  std::string s = Emit("response.created", {{"response", response_}});
  return s + Emit("response.in_progress", {{"response", response_}});
}

std::string ResponsesEncoder::Open(Kind kind, json::object item) {
  std::string s = Close();
  output().push_back(item);
  open_ = kind;
  text_.clear();
  s += Emit("response.output_item.added",
            {{"output_index", int64_t(output().size()) - 1}, {"item", std::move(item)}});
  if (kind == Kind::kCall) return s;
  json::object part = Ref();
  part["content_index"] = 0;
  part["part"] = Part(kind == Kind::kReasoning, "");
  return s + Emit("response.content_part.added", std::move(part));
}

std::string ResponsesEncoder::Close() {
  if (open_ == Kind::kNone) return "";
  const Kind kind = open_;
  open_ = Kind::kNone;
  std::string s;
  json::object done = Ref();
  if (kind == Kind::kCall) {
    done["name"] = Item().at("name");
    done["arguments"] = text_;
    s += Emit("response.function_call_arguments.done", std::move(done));
    Item()["arguments"] = text_;
  } else {
    const bool reasoning = kind == Kind::kReasoning;
    done["content_index"] = 0;
    done["text"] = text_;
    if (!reasoning) done["logprobs"] = json::array{};
    s += Emit(reasoning ? "response.reasoning_text.done" : "response.output_text.done", done);
    json::object part = Ref();
    part["content_index"] = 0;
    part["part"] = Part(reasoning, text_);
    s += Emit("response.content_part.done", std::move(part));
    Item()["content"] = json::array{Part(reasoning, text_)};
  }
  Item()["status"] = incomplete_ ? "incomplete" : "completed";
  return s + Emit("response.output_item.done",
                  {{"output_index", int64_t(output().size()) - 1}, {"item", Item()}});
}

std::string ResponsesEncoder::Text(Kind kind, const std::string& delta) {
  std::string s;
  if (open_ != kind) {
    json::object item =
        kind == Kind::kReasoning ? NewItem("reasoning", "rs_") : NewItem("message", "msg_");
    if (kind == Kind::kReasoning) {
      item["summary"] = json::array{};
      item["content"] = json::array{};
    } else {
      item["role"] = "assistant";
      item["content"] = json::array{};
    }
    s += Open(kind, std::move(item));
  }
  text_ += delta;
  json::object event = Ref();
  event["content_index"] = 0;
  event["delta"] = delta;
  const bool reasoning = kind == Kind::kReasoning;
  if (!reasoning) event["logprobs"] = json::array{};
  return s + Emit(reasoning ? "response.reasoning_text.delta" : "response.output_text.delta",
                  std::move(event));
}

std::string ResponsesEncoder::Calls(const std::vector<ToolCallDelta>& deltas) {
  std::string s;
  for (const ToolCallDelta& d : deltas) {
    // A call's first delta names it; its arguments follow in order, before the next call's.
    if (!d.id.empty()) {
      json::object item = NewItem("function_call", "fc_");
      item["arguments"] = "";
      item["call_id"] = d.id;
      item["name"] = d.name;
      s += Open(Kind::kCall, std::move(item));
    }
    if (d.arguments.empty() || open_ != Kind::kCall) continue;
    text_ += d.arguments;
    json::object event = Ref();
    event["delta"] = d.arguments;
    s += Emit("response.function_call_arguments.delta", std::move(event));
  }
  return s;
}

std::string ResponsesEncoder::Add(const Event& e) {
  std::string s;
  if (!e.reasoning.empty()) s += Text(Kind::kReasoning, e.reasoning);
  if (!e.text.empty()) s += Text(Kind::kMessage, e.text);
  return s + Calls(e.tool_calls);
}

std::string ResponsesEncoder::Token(const Event& e) {
  if (e.in_reasoning) ++reasoning_tokens_;
  return Add(e);
}

std::string ResponsesEncoder::Finish(const Event& done, int prompt_tokens) {
  incomplete_ = done.finish_reason == "length";
  std::string s = Add(done);
  // An answer of nothing is still an (empty) message, as OpenAI's clients expect one.
  if (output().empty()) s += Text(Kind::kMessage, "");
  s += Close();
  const int generated = done.timings.generated_tokens;
  response_["usage"] = json::object{
      {"input_tokens", prompt_tokens},
      {"input_tokens_details", json::object{{"cached_tokens", done.timings.cached_tokens}}},
      {"output_tokens", generated},
      {"output_tokens_details", json::object{{"reasoning_tokens", reasoning_tokens_}}},
      {"total_tokens", prompt_tokens + generated}};
  response_["status"] = incomplete_ ? "incomplete" : "completed";
  if (incomplete_) response_["incomplete_details"] = {{"reason", "max_output_tokens"}};
  return s + Emit(incomplete_ ? "response.incomplete" : "response.completed",
                  {{"response", response_}});
}

std::string ResponsesEncoder::Fail(const std::string& message) {
  incomplete_ = true;
  std::string s = Close();
  response_["status"] = "failed";
  response_["error"] = {{"code", "server_error"}, {"message", message}};
  return s + Emit("response.failed", {{"response", response_}});
}

}  // namespace inferno::server
