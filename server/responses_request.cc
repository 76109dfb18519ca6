#include "server/responses_request.h"

#include <algorithm>
#include <array>
#include <string_view>

namespace inferno::server {
namespace {

namespace json = boost::json;

ApiError Bad(std::string param, std::string message, std::string code = "") {
  return ApiError{400, std::move(message), std::move(param), std::move(code)};
}

ApiError Unsupported(std::string param, std::string message) {
  return Bad(std::move(param), std::move(message), "unsupported_parameter");
}

std::string Quoted(const std::string& where) { return "'" + where + "'"; }

const json::value* Given(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v == nullptr || v->is_null() ? nullptr : v;
}

std::string ItemId(const json::object& o) {
  const json::value* id = o.if_contains("id");
  return id && id->is_string() ? std::string(id->as_string()) : "";
}

std::string TypeOf(const json::object& o) {
  const json::value* t = o.if_contains("type");
  return t && t->is_string() ? std::string(t->as_string()) : "";
}

// Content parts: text of any kind (input_text, output_text, text, refusal) joins; with
// `parts`, input_image parts are taken too: `parts` then holds the text and images in order as
// chat content parts (adjacent texts joined without a separator, as `out` joins them) and
// *images says whether there was one. Files and audio need models this server does not run.
std::optional<ApiError> PartsText(const json::value& v, const std::string& where, std::string* out,
                                  json::array* parts = nullptr, bool* images = nullptr) {
  if (v.is_string()) {
    *out = std::string(v.as_string());
    return std::nullopt;
  }
  if (!v.is_array()) return Bad(where, Quoted(where) + " must be a string or an array of parts");
  for (size_t j = 0; j < v.as_array().size(); ++j) {
    const std::string w = where + "[" + std::to_string(j) + "]";
    const json::object* p = v.as_array()[j].if_object();
    if (p == nullptr) return Bad(w, Quoted(w) + " must be an object");
    const std::string type = TypeOf(*p);
    const json::value* text = p->if_contains(type == "refusal" ? "refusal" : "text");
    if (type == "input_text" || type == "output_text" || type == "text" || type == "refusal") {
      if (text == nullptr || !text->is_string()) return Bad(w, Quoted(w) + " needs a text");
      *out += std::string(text->as_string());
      if (parts == nullptr) continue;
      if (!parts->empty() && parts->back().as_object().at("type") == "text") {
        parts->back().as_object()["text"].as_string().append(text->as_string());
      } else {
        parts->push_back(json::object{{"type", "text"}, {"text", *text}});
      }
    } else if (type == "input_image" && parts != nullptr) {
      const json::value* url = p->if_contains("image_url");
      if (url == nullptr || !url->is_string() || url->as_string().empty()) {
        return Unsupported(w + ".image_url", Quoted(w + ".image_url") +
                                                 " must be a URL (a data URL or http(s)); "
                                                 "file_id images are not supported");
      }
      parts->push_back(json::object{{"type", "image_url"}, {"image_url", *url}});
      *images = true;
    } else if (type == "input_image" || type == "input_file" || type == "input_audio") {
      return Unsupported(w, Quoted(w) + ": " + type + " parts are not supported here");
    } else {
      return Bad(w + ".type", Quoted(w + ".type") + " must be input_text or output_text");
    }
  }
  return std::nullopt;
}

std::optional<ApiError> AddMessage(const json::object& item, const std::string& where,
                                   json::array* messages) {
  const json::value* role = item.if_contains("role");
  if (role == nullptr || !role->is_string()) {
    return Bad(where + ".role", Quoted(where + ".role") + " must be a string");
  }
  const json::value* content = item.if_contains("content");
  std::string text;
  json::array parts;
  bool images = false;
  if (content == nullptr)
    return Bad(where + ".content", Quoted(where + ".content") + " is required");
  const bool user = role->as_string() == "user";
  if (auto err = PartsText(*content, where + ".content", &text, user ? &parts : nullptr, &images)) {
    return err;
  }
  if (images) {
    messages->push_back(json::object{{"role", *role}, {"content", std::move(parts)}});
  } else {
    messages->push_back(json::object{{"role", *role}, {"content", text}});
  }
  return std::nullopt;
}

std::optional<ApiError> StringMember(const json::object& item, const char* key,
                                     const std::string& where, std::string* out) {
  const json::value* v = item.if_contains(key);
  if (v == nullptr || !v->is_string()) {
    return Bad(where + "." + key, Quoted(where + "." + key) + " must be a string");
  }
  *out = std::string(v->as_string());
  return std::nullopt;
}

// A call joins the assistant message before it (its text, or the calls made with it).
std::optional<ApiError> AddCall(const json::object& item, const std::string& where,
                                json::array* messages) {
  std::string call_id, name, arguments;
  if (auto err = StringMember(item, "call_id", where, &call_id)) return err;
  if (auto err = StringMember(item, "name", where, &name)) return err;
  if (auto err = StringMember(item, "arguments", where, &arguments)) return err;
  json::object call{{"id", call_id},
                    {"type", "function"},
                    {"function", json::object{{"name", name}, {"arguments", arguments}}}};
  json::object* last = messages->empty() ? nullptr : messages->back().if_object();
  if (last == nullptr || last->at("role") != "assistant") {
    messages->push_back(json::object{{"role", "assistant"}, {"content", nullptr}});
    last = &messages->back().as_object();
  }
  if (!last->contains("tool_calls")) (*last)["tool_calls"] = json::array{};
  (*last)["tool_calls"].as_array().push_back(std::move(call));
  return std::nullopt;
}

std::optional<ApiError> AddCallOutput(const json::object& item, const std::string& where,
                                      json::array* messages) {
  std::string call_id, text;
  if (auto err = StringMember(item, "call_id", where, &call_id)) return err;
  const json::value* output = item.if_contains("output");
  if (output == nullptr) return Bad(where + ".output", Quoted(where + ".output") + " is required");
  if (auto err = PartsText(*output, where + ".output", &text)) return err;
  messages->push_back(json::object{{"role", "tool"}, {"tool_call_id", call_id}, {"content", text}});
  return std::nullopt;
}

std::optional<ApiError> AddItem(const json::value& v, const std::string& where,
                                json::array* messages) {
  const json::object* item = v.if_object();
  if (item == nullptr) return Bad(where, Quoted(where) + " must be an object");
  const std::string type = TypeOf(*item);
  if (type == "message" || (type.empty() && item->contains("role"))) {
    return AddMessage(*item, where, messages);
  }
  if (type == "function_call") return AddCall(*item, where, messages);
  if (type == "function_call_output") return AddCallOutput(*item, where, messages);
  // A thought given back: the templates of thinking models drop earlier turns' reasoning.
  if (type == "reasoning") return std::nullopt;
  if (type == "item_reference") return Bad(where, "no stored item '" + ItemId(*item) + "'");
  return Unsupported(where + ".type", Quoted(where + ".type") + " \"" + type +
                                          "\" is not supported (messages, function_call, "
                                          "function_call_output and reasoning items are)");
}

}  // namespace

namespace {

// Responses' flat function tool {type, name, description, parameters, strict} in the chat
// shape {type, function: {...}}; the chat reader checks the name and the schema.
std::optional<ApiError> ChatTools(const json::value& v, json::array* out) {
  if (!v.is_array()) return Bad("tools", "'tools' must be an array");
  for (size_t i = 0; i < v.as_array().size(); ++i) {
    const std::string where = "tools[" + std::to_string(i) + "]";
    const json::object* t = v.as_array()[i].if_object();
    if (t == nullptr) return Bad(where, Quoted(where) + " must be an object");
    const std::string type = TypeOf(*t);
    if (type != "function") {
      return Unsupported(where + ".type", "the built-in tool \"" + type +
                                              "\" is not supported: only function tools are");
    }
    json::object fn;
    for (const char* key : {"name", "description", "parameters", "strict"}) {
      if (const json::value* f = Given(*t, key)) fn[key] = *f;
    }
    out->push_back(json::object{{"type", "function"}, {"function", std::move(fn)}});
  }
  return std::nullopt;
}

std::optional<ApiError> ChatToolChoice(const json::value& v, json::value* out) {
  if (v.is_string()) {
    *out = v;  // none, auto or required: the chat reader checks the word
    return std::nullopt;
  }
  const json::object* o = v.if_object();
  const json::value* name = o ? Given(*o, "name") : nullptr;
  if (o == nullptr || TypeOf(*o) != "function" || name == nullptr) {
    return Unsupported("tool_choice",
                       "'tool_choice' must be none, auto, required or "
                       "{\"type\":\"function\",\"name\":...}");
  }
  *out = json::object{{"type", "function"}, {"function", json::object{{"name", *name}}}};
  return std::nullopt;
}

// text.format: text, json_object or json_schema {name, schema, strict, description}.
std::optional<ApiError> ChatResponseFormat(const json::value& text, json::object* chat) {
  const json::object* t = text.if_object();
  if (t == nullptr) return Bad("text", "'text' must be an object");
  // Verbosity is a trained behaviour of OpenAI's models; only the default can be honoured.
  if (const json::value* v = Given(*t, "verbosity"); v && *v != "medium") {
    return Unsupported("text.verbosity", "only 'text.verbosity' \"medium\" is supported");
  }
  const json::value* format = Given(*t, "format");
  if (format == nullptr) return std::nullopt;
  const json::object* f = format->if_object();
  if (f == nullptr) return Bad("text.format", "'text.format' must be an object");
  const std::string type = TypeOf(*f);
  if (type == "text") return std::nullopt;
  if (type == "json_object") {
    (*chat)["response_format"] = json::object{{"type", "json_object"}};
    return std::nullopt;
  }
  if (type != "json_schema") {
    return Bad("text.format.type", "'text.format.type' must be text, json_object or json_schema");
  }
  json::object schema;
  for (const char* key : {"name", "schema", "strict", "description"}) {
    if (const json::value* v = Given(*f, key)) schema[key] = *v;
  }
  (*chat)["response_format"] = json::object{{"type", "json_schema"}, {"json_schema", schema}};
  return std::nullopt;
}

// reasoning.effort "none" asks the template not to think (enable_thinking, Qwen3's); a level
// goes to the template as reasoning_effort (gpt-oss's). Templates without them ignore them.
std::optional<ApiError> ChatReasoning(const json::value& v, json::object* chat) {
  const json::object* r = v.if_object();
  if (r == nullptr) return Bad("reasoning", "'reasoning' must be an object");
  for (const char* key : {"summary", "generate_summary"}) {
    if (Given(*r, key)) {
      return Unsupported(std::string("reasoning.") + key,
                         "reasoning summaries are not supported: a thinking model's reasoning "
                         "is returned whole, as reasoning_text content");
    }
  }
  const json::value* effort = Given(*r, "effort");
  if (effort == nullptr) return std::nullopt;
  static constexpr std::array<std::string_view, 6> kEfforts = {"none",   "minimal", "low",
                                                               "medium", "high",    "xhigh"};
  if (!effort->is_string() ||
      std::find(kEfforts.begin(), kEfforts.end(), effort->as_string()) == kEfforts.end()) {
    return Bad("reasoning.effort",
               "'reasoning.effort' must be none, minimal, low, medium, high or xhigh");
  }
  json::value& kwargs = (*chat)["chat_template_kwargs"];
  if (!kwargs.is_object()) kwargs = json::object{};
  if (effort->as_string() == "none") {
    kwargs.as_object()["enable_thinking"] = false;
  } else {
    kwargs.as_object()["reasoning_effort"] = *effort;
  }
  return std::nullopt;
}

// What the Responses API offers that this server cannot give: asking for it is a 400.
struct Refused {
  const char* name;
  bool (*neutral)(const json::value& v);
  const char* why;
};

bool IsFalse(const json::value& v) { return v.is_null() || (v.is_bool() && !v.as_bool()); }
bool IsNull(const json::value& v) { return v.is_null(); }
bool NoInclude(const json::value& v) {
  return v.is_null() || (v.is_array() && v.as_array().empty());
}
bool ZeroOrNull(const json::value& v) {
  return v.is_null() || (v.is_int64() && v.as_int64() == 0) ||
         (v.is_uint64() && v.as_uint64() == 0);
}
bool NoTruncation(const json::value& v) { return v.is_null() || v == "disabled"; }

constexpr Refused kRefused[] = {
    {"background", IsFalse, "background responses are not supported"},
    {"conversation", IsNull, "conversations are not supported (use previous_response_id)"},
    {"prompt", IsNull, "prompt templates are not supported"},
    {"include", NoInclude, "no 'include' values are supported (logprobs, encrypted reasoning)"},
    {"top_logprobs", ZeroOrNull, "logprobs are not supported on /v1/responses"},
    {"max_tool_calls", IsNull, "'max_tool_calls' is not supported"},
    {"truncation", NoTruncation, "only 'truncation' \"disabled\" is supported"},
    {"context_management", IsNull, "context management is not supported"},
};

std::optional<ApiError> CheckRefused(const json::object& body) {
  for (const Refused& r : kRefused) {
    const json::value* v = body.if_contains(r.name);
    if (v != nullptr && !r.neutral(*v)) return Unsupported(r.name, std::string(r.why));
  }
  return std::nullopt;
}

std::optional<ApiError> ReadInput(const json::object& body, json::array* out) {
  const json::value* input = Given(body, "input");
  if (input == nullptr) return Bad("input", "'input' is required");
  if (input->is_string()) {
    json::array content{json::object{{"type", "input_text"}, {"text", *input}}};
    out->push_back(json::object{{"type", "message"}, {"role", "user"}, {"content", content}});
    return std::nullopt;
  }
  if (!input->is_array()) return Bad("input", "'input' must be a string or an array of items");
  *out = input->as_array();
  return std::nullopt;
}

std::optional<ApiError> ReadFlags(const json::object& body, ResponsesRequest* out) {
  for (auto [key, flag] : {std::pair{"stream", &out->stream}, std::pair{"store", &out->store}}) {
    const json::value* v = Given(body, key);
    if (v && !v->is_bool()) return Bad(key, std::string("'") + key + "' must be a boolean");
    if (v) *flag = v->as_bool();
  }
  for (auto [key, text] : {std::pair{"model", &out->model},
                           std::pair{"previous_response_id", &out->previous_response_id}}) {
    const json::value* v = Given(body, key);
    if (v && !v->is_string()) return Bad(key, std::string("'") + key + "' must be a string");
    if (v) *text = std::string(v->as_string());
  }
  const json::value* metadata = Given(body, "metadata");
  if (metadata && !metadata->is_object()) return Bad("metadata", "'metadata' must be an object");
  return std::nullopt;
}

// The request settings the response object repeats.
constexpr const char* kEchoed[] = {"instructions",
                                   "max_output_tokens",
                                   "metadata",
                                   "parallel_tool_calls",
                                   "previous_response_id",
                                   "reasoning",
                                   "temperature",
                                   "text",
                                   "tool_choice",
                                   "tools",
                                   "top_p",
                                   "user",
                                   "truncation"};

// Fields that are the Responses API's own (translated) or the chat API's only (never read
// from a Responses body); the rest (temperature, top_p, seed, stop, llama.cpp's sampling
// extensions...) pass to the chat reader as they are.
constexpr const char* kNotCopied[] = {"input",
                                      "instructions",
                                      "tools",
                                      "tool_choice",
                                      "text",
                                      "max_output_tokens",
                                      "reasoning",
                                      "store",
                                      "previous_response_id",
                                      "metadata",
                                      "include",
                                      "truncation",
                                      "stream",
                                      "stream_options",
                                      "background",
                                      "user",
                                      "prompt_cache_key",
                                      "prompt_cache_retention",
                                      "safety_identifier",
                                      "conversation",
                                      "prompt",
                                      "max_tool_calls",
                                      "top_logprobs",
                                      "parallel_tool_calls",
                                      "messages",
                                      "response_format",
                                      "max_tokens",
                                      "max_completion_tokens",
                                      "n",
                                      "logprobs",
                                      "functions",
                                      "function_call",
                                      "echo",
                                      "model"};

}  // namespace

std::optional<ApiError> ReadResponsesRequest(const json::object& body, ResponsesRequest* out) {
  *out = ResponsesRequest{};
  if (auto err = CheckRefused(body)) return err;
  if (auto err = ReadFlags(body, out)) return err;
  if (auto err = ReadInput(body, &out->input)) return err;
  for (const char* key : kEchoed) {
    if (const json::value* v = Given(body, key)) out->echo[key] = *v;
  }
  out->echo["store"] = out->store;
  return std::nullopt;
}

std::optional<ApiError> ToChatBody(const json::object& body, const json::array& items,
                                   json::object* chat) {
  *chat = body;
  for (const char* key : kNotCopied) chat->erase(key);
  json::array messages;
  if (const json::value* v = Given(body, "instructions")) {
    if (!v->is_string()) return Bad("instructions", "'instructions' must be a string");
    messages.push_back(json::object{{"role", "system"}, {"content", *v}});
  }
  for (size_t i = 0; i < items.size(); ++i) {
    if (auto err = AddItem(items[i], "input[" + std::to_string(i) + "]", &messages)) return err;
  }
  (*chat)["messages"] = std::move(messages);
  if (const json::value* v = Given(body, "tools")) {
    json::array tools;
    if (auto err = ChatTools(*v, &tools)) return err;
    (*chat)["tools"] = std::move(tools);
  }
  if (const json::value* v = Given(body, "tool_choice")) {
    if (auto err = ChatToolChoice(*v, &(*chat)["tool_choice"])) return err;
  }
  if (const json::value* v = Given(body, "parallel_tool_calls"))
    (*chat)["parallel_tool_calls"] = *v;
  if (const json::value* v = Given(body, "max_output_tokens")) (*chat)["max_tokens"] = *v;
  if (const json::value* v = Given(body, "text")) {
    if (auto err = ChatResponseFormat(*v, chat)) return err;
  }
  if (const json::value* v = Given(body, "reasoning")) return ChatReasoning(*v, chat);
  return std::nullopt;
}

ApiError ResponsesParam(ApiError error) {
  std::string& p = error.param;
  if (p.rfind("messages", 0) == 0) p = "input";
  for (std::string_view from : {"response_format.json_schema", "response_format"}) {
    if (p.rfind(from, 0) == 0) {
      p = "text.format" + p.substr(from.size());
      break;
    }
  }
  if (p == "max_tokens") p = "max_output_tokens";
  if (p == "chat_template_kwargs") p = "reasoning";
  if (const size_t at = p.find(".function"); p.rfind("tools[", 0) == 0 && at != std::string::npos) {
    p.erase(at, 9);
  }
  return error;
}

}  // namespace inferno::server
