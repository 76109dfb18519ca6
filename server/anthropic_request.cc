#include "server/anthropic_request.h"

#include "engine/request/chat_messages.h"
#include "engine/request/fields.h"
#include "engine/request/json_fields.h"
#include "engine/request/structured_output.h"

namespace inferno::server {
namespace {

namespace json = boost::json;

ApiError Bad(const std::string& param, std::string message) {
  return ApiError{400, std::move(message), param, ""};
}

std::string Quoted(const std::string& where) { return "'" + where + "'"; }

std::string At(const std::string& where, size_t i) { return where + "[" + std::to_string(i) + "]"; }

// The schema readers name the chat shape's fields; the client sent Anthropic's. Tools keep
// their index in the translation, so their paths map back exactly.
void RenameToolFields(std::string* s) {
  for (auto [from, to] :
       {std::pair<std::string_view, std::string_view>{".function.parameters", ".input_schema"},
        {".function.", "."}}) {
    for (size_t at = s->find(from); at != std::string::npos; at = s->find(from, at + to.size())) {
      s->replace(at, from.size(), to);
    }
  }
}

std::optional<ApiError> FromSchema(const std::optional<request::RequestError>& err) {
  if (!err) return std::nullopt;
  ApiError out = FromRequestError(*err);
  RenameToolFields(&out.param);
  RenameToolFields(&out.message);
  return out;
}

const json::string* StringMember(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v ? v->if_string() : nullptr;
}

// Blocks this server does not take here, named so the client knows which one.
std::optional<ApiError> Unsupported(std::string_view type, const std::string& where) {
  if (type == "document") {
    return Bad(where, Quoted(where) + " is a document block: this server takes text and images");
  }
  if (type == "image") {
    return Bad(where, Quoted(where) +
                          " is an image block: images are read in user messages' "
                          "content only");
  }
  return Bad(where + ".type", Quoted(where + ".type") + " '" + std::string(type) +
                                  "' is not a block type this server takes (text, tool_use, "
                                  "tool_result, thinking, redacted_thinking)");
}

// A text block's text.
std::optional<ApiError> TextOf(const json::object& block, const std::string& where,
                               std::string* out) {
  const json::string* text = StringMember(block, "text");
  if (text == nullptr) return Bad(where + ".text", Quoted(where + ".text") + " must be a string");
  *out += std::string(*text);
  return std::nullopt;
}

// Content that may only hold text: a string, or an array of text blocks (system, tool_result).
std::optional<ApiError> TextContent(const json::value& v, const std::string& where,
                                    std::string* out) {
  if (v.is_string()) {
    *out = std::string(v.as_string());
    return std::nullopt;
  }
  if (!v.is_array()) return Bad(where, Quoted(where) + " must be a string or an array of blocks");
  size_t i = 0;
  for (const json::value& b : v.as_array()) {
    const std::string w = At(where, i++);
    const json::object* block = b.if_object();
    const json::string* type = block ? StringMember(*block, "type") : nullptr;
    if (type == nullptr) return Bad(w + ".type", Quoted(w + ".type") + " must be a string");
    if (*type != "text") return Unsupported(*type, w);
    if (auto err = TextOf(*block, w, out)) return err;
  }
  return std::nullopt;
}

// A tool_result block as a "tool" message. An error result reaches the model marked as one:
// chat templates have no field for it.
std::optional<ApiError> ToolResult(const json::object& block, const std::string& where,
                                   json::array* out) {
  const json::string* id = StringMember(block, "tool_use_id");
  if (id == nullptr) {
    return Bad(where + ".tool_use_id", Quoted(where + ".tool_use_id") + " must be a string");
  }
  std::string text;
  if (const json::value* c = block.if_contains("content"); c && !c->is_null()) {
    if (auto err = TextContent(*c, where + ".content", &text)) return err;
  }
  const json::value* is_error = block.if_contains("is_error");
  if (is_error && !is_error->is_null() && !is_error->is_bool()) {
    return Bad(where + ".is_error", Quoted(where + ".is_error") + " must be a boolean");
  }
  if (is_error && is_error->is_bool() && is_error->as_bool()) text = "Error: " + text;
  out->push_back(json::object{{"role", "tool"}, {"tool_call_id", *id}, {"content", text}});
  return std::nullopt;
}

// A tool_use block as one of the assistant message's tool_calls.
std::optional<ApiError> ToolUse(const json::object& block, const std::string& where,
                                json::array* calls) {
  const json::string* id = StringMember(block, "id");
  const json::string* name = StringMember(block, "name");
  if (id == nullptr) return Bad(where + ".id", Quoted(where + ".id") + " must be a string");
  if (name == nullptr || name->empty()) {
    return Bad(where + ".name", Quoted(where + ".name") + " must be a non-empty string");
  }
  const json::value* input = block.if_contains("input");
  if (input == nullptr || !input->is_object()) {
    return Bad(where + ".input", Quoted(where + ".input") + " must be an object");
  }
  calls->push_back(
      json::object{{"id", *id},
                   {"type", "function"},
                   {"function", json::object{{"name", *name}, {"arguments", *input}}}});
  return std::nullopt;
}

// What one message's blocks become: text, the assistant's calls, the user's tool results. With
// images, `parts` holds the text and images in order as chat content parts (adjacent texts
// joined without a separator, as the text-only content joins them).
struct Blocks {
  std::string text;
  json::array parts;
  bool images = false;
  json::array calls;
  json::array results;
};

void AddTextPart(const std::string& text, json::array* parts) {
  if (!parts->empty() && parts->back().as_object().at("type") == "text") {
    json::string& last = parts->back().as_object()["text"].as_string();
    last.append(text);
    return;
  }
  parts->push_back(json::object{{"type", "text"}, {"text", text}});
}

// An image block's source as an image_url part: base64 data (as a data URL) or a URL, which
// the one image reader (engine/request/image_input.h) then decodes or refuses.
std::optional<ApiError> ImageOf(const json::object& block, const std::string& where,
                                json::array* parts) {
  const json::value* sv = block.if_contains("source");
  const json::object* source = sv ? sv->if_object() : nullptr;
  if (source == nullptr)
    return Bad(where + ".source", Quoted(where + ".source") + " must be an object");
  const json::string* type = StringMember(*source, "type");
  std::string url;
  if (type != nullptr && *type == "base64") {
    const json::string* media = StringMember(*source, "media_type");
    const json::string* data = StringMember(*source, "data");
    if (media == nullptr || !media->starts_with("image/")) {
      return Bad(where + ".source.media_type",
                 Quoted(where + ".source.media_type") + " must be an image type (image/png, ...)");
    }
    if (data == nullptr || data->empty()) {
      return Bad(where + ".source.data", Quoted(where + ".source.data") + " must be base64 data");
    }
    url = "data:" + std::string(*media) + ";base64," + std::string(*data);
  } else if (type != nullptr && *type == "url") {
    const json::string* u = StringMember(*source, "url");
    if (u == nullptr || u->empty()) {
      return Bad(where + ".source.url", Quoted(where + ".source.url") + " must be a string");
    }
    url = std::string(*u);
  } else {
    return Bad(where + ".source.type",
               Quoted(where + ".source.type") + " must be \"base64\" or \"url\"");
  }
  parts->push_back(json::object{{"type", "image_url"}, {"image_url", json::object{{"url", url}}}});
  return std::nullopt;
}

std::optional<ApiError> ReadBlock(const json::value& b, const std::string& role,
                                  const std::string& where, Blocks* out) {
  const json::object* block = b.if_object();
  const json::string* type = block ? StringMember(*block, "type") : nullptr;
  if (type == nullptr) return Bad(where + ".type", Quoted(where + ".type") + " must be a string");
  const bool assistant = role == "assistant";
  if (*type == "text") {
    std::string text;
    if (auto err = TextOf(*block, where, &text)) return err;
    out->text += text;
    AddTextPart(text, &out->parts);
    return std::nullopt;
  }
  if (*type == "image" && role == "user") {
    out->images = true;
    return ImageOf(*block, where, &out->parts);
  }
  if (*type == "tool_use" && assistant) return ToolUse(*block, where, &out->calls);
  if (*type == "tool_result" && role == "user") return ToolResult(*block, where, &out->results);
  // Thinking given back with an earlier turn: the chat templates drop past reasoning anyway.
  if ((*type == "thinking" || *type == "redacted_thinking") && assistant) return std::nullopt;
  if (*type == "tool_use" || *type == "tool_result" || *type == "thinking" ||
      *type == "redacted_thinking") {
    return Bad(where + ".type", Quoted(where + ".type") + " '" + std::string(*type) +
                                    "' is not allowed in a " + role + " message");
  }
  return Unsupported(*type, where);
}

// One Anthropic message as chat messages: a user message's tool results come first (Anthropic
// puts them first), as "tool" messages, then its text and images.
std::optional<ApiError> ReadMessage(const json::value& mv, const std::string& where,
                                    json::array* out) {
  const json::object* m = mv.if_object();
  if (m == nullptr) return Bad(where, Quoted(where) + " must be an object");
  const json::string* role = StringMember(*m, "role");
  if (role == nullptr || (*role != "user" && *role != "assistant" && *role != "system")) {
    return Bad(where + ".role", Quoted(where + ".role") + " must be \"user\" or \"assistant\"");
  }
  const json::value* content = m->if_contains("content");
  if (content == nullptr)
    return Bad(where + ".content", Quoted(where + ".content") + " is required");
  const std::string r(*role);
  Blocks blocks;
  if (content->is_string()) {
    blocks.text = std::string(content->as_string());
  } else if (!content->is_array()) {
    return Bad(where + ".content", Quoted(where + ".content") + " must be a string or an array");
  } else {
    size_t i = 0;
    for (const json::value& b : content->as_array()) {
      if (auto err = ReadBlock(b, r, At(where + ".content", i++), &blocks)) return err;
    }
  }
  for (json::value& result : blocks.results) out->push_back(std::move(result));
  if (!blocks.results.empty() && blocks.text.empty() && !blocks.images) return std::nullopt;
  json::object chat{{"role", r}};
  if (blocks.images) {
    chat["content"] = std::move(blocks.parts);
  } else {
    chat["content"] = blocks.text;
  }
  if (!blocks.calls.empty()) chat["tool_calls"] = std::move(blocks.calls);
  out->push_back(std::move(chat));
  return std::nullopt;
}

std::optional<ApiError> ReadSystem(const json::object& body, json::array* out) {
  const json::value* v = body.if_contains("system");
  if (v == nullptr || v->is_null()) return std::nullopt;
  std::string text;
  if (auto err = TextContent(*v, "system", &text)) return err;
  out->push_back(json::object{{"role", "system"}, {"content", text}});
  return std::nullopt;
}

std::optional<ApiError> ReadMessages(const json::object& body, json::array* out) {
  if (auto err = ReadSystem(body, out)) return err;
  const json::value* msgs = body.if_contains("messages");
  if (msgs == nullptr || !msgs->is_array() || msgs->as_array().empty()) {
    return Bad("messages", "'messages' must be a non-empty array");
  }
  size_t i = 0;
  for (const json::value& m : msgs->as_array()) {
    if (auto err = ReadMessage(m, At("messages", i++), out)) return err;
  }
  return std::nullopt;
}

// A client tool as a function tool. Anthropic's server tools (web_search, code_execution, ...)
// carry a versioned type and run on Anthropic's side: a local server cannot run them.
std::optional<ApiError> ReadTool(const json::value& t, const std::string& where, json::array* out) {
  const json::object* tool = t.if_object();
  if (tool == nullptr) return Bad(where, Quoted(where) + " must be an object");
  const json::value* type = tool->if_contains("type");
  if (type && !type->is_null() && (!type->is_string() || type->as_string() != "custom")) {
    const std::string name =
        StringMember(*tool, "name") ? std::string(*StringMember(*tool, "name")) : "";
    return Bad(where + ".type",
               Quoted(where) + " is Anthropic's server tool " +
                   (type->is_string() ? "'" + std::string(type->as_string()) + "'" : "") +
                   (name.empty() ? "" : " (" + name + ")") +
                   ", which runs on Anthropic's servers, not here; declare a client tool "
                   "({name, description, input_schema}) and run it yourself");
  }
  const json::value* schema = tool->if_contains("input_schema");
  if (schema == nullptr || !schema->is_object()) {
    return Bad(where + ".input_schema", Quoted(where + ".input_schema") + " must be an object");
  }
  // In OpenAI's order: templates write the tools as JSON, keys in the order they come.
  json::object fn;
  if (const json::value* n = tool->if_contains("name")) fn["name"] = *n;
  if (const json::value* d = tool->if_contains("description")) fn["description"] = *d;
  fn["parameters"] = *schema;
  out->push_back(json::object{{"type", "function"}, {"function", std::move(fn)}});
  return std::nullopt;
}

std::optional<ApiError> ReadTools(const json::object& body, json::object* chat) {
  const json::value* v = body.if_contains("tools");
  if (v == nullptr || v->is_null()) return std::nullopt;
  if (!v->is_array()) return Bad("tools", "'tools' must be an array");
  json::array tools;
  size_t i = 0;
  for (const json::value& t : v->as_array()) {
    if (auto err = ReadTool(t, At("tools", i++), &tools)) return err;
  }
  (*chat)["tools"] = std::move(tools);
  return std::nullopt;
}

// {type: auto | any | tool (+ name) | none, disable_parallel_tool_use?} as OpenAI's choice.
std::optional<ApiError> ReadToolChoice(const json::object& body, json::object* chat) {
  const json::value* v = body.if_contains("tool_choice");
  if (v == nullptr || v->is_null()) return std::nullopt;
  const json::object* c = v->if_object();
  const json::string* type = c ? StringMember(*c, "type") : nullptr;
  const json::string* name = c ? StringMember(*c, "name") : nullptr;
  const bool has_tools = chat->contains("tools") && !chat->at("tools").as_array().empty();
  if (type && (*type == "any" || *type == "tool") && !has_tools) {
    return Bad("tool_choice", "'tool_choice' " + std::string(*type) + " needs 'tools'");
  }
  if (type && *type == "tool" && name) {
    (*chat)["tool_choice"] =
        json::object{{"type", "function"}, {"function", json::object{{"name", *name}}}};
  } else if (type && (*type == "auto" || *type == "none")) {
    (*chat)["tool_choice"] = *type;
  } else if (type && *type == "any") {
    (*chat)["tool_choice"] = "required";
  } else {
    return Bad("tool_choice",
               "'tool_choice' must be {\"type\": \"auto\"}, {\"type\": \"any\"}, {\"type\": "
               "\"tool\", \"name\": ...} or {\"type\": \"none\"}");
  }
  const json::value* single = c->if_contains("disable_parallel_tool_use");
  if (single && !single->is_null()) {
    if (!single->is_bool()) {
      return Bad("tool_choice.disable_parallel_tool_use",
                 "'tool_choice.disable_parallel_tool_use' must be a boolean");
    }
    (*chat)["parallel_tool_calls"] = !single->as_bool();
  }
  return std::nullopt;
}

// `thinking`: enabled (or adaptive) asks the template to think (enable_thinking, which Qwen3's
// reads) and splits the reasoning into thinking blocks; disabled asks it not to and leaves any
// reasoning in the text, as Ollama's think: false does. Absent: the model's default, its
// reasoning (if any) in thinking blocks. The budget is checked as Anthropic checks it, not
// enforced: the engine has no reasoning budget.
std::optional<ApiError> ReadThinking(const json::object& o, GenerateRequest* req) {
  const json::value* v = o.if_contains("thinking");
  if (v == nullptr || v->is_null()) return std::nullopt;
  const json::object* t = v->if_object();
  const json::string* type = t ? StringMember(*t, "type") : nullptr;
  if (type && (*type == "enabled" || *type == "adaptive")) {
    const json::value* budget = t->if_contains("budget_tokens");
    if (*type == "enabled" &&
        (budget == nullptr || !budget->is_int64() || budget->as_int64() < 1)) {
      return Bad("thinking.budget_tokens", "'thinking.budget_tokens' must be a positive integer");
    }
    req->reasoning_format = ReasoningFormat::kAuto;
    req->template_kwargs["enable_thinking"] = true;
    return std::nullopt;
  }
  if (type && *type == "disabled") {
    req->reasoning_format = ReasoningFormat::kNone;
    req->template_kwargs["enable_thinking"] = false;
    return std::nullopt;
  }
  return Bad("thinking",
             "'thinking' must be {\"type\": \"enabled\", \"budget_tokens\": N}, {\"type\": "
             "\"adaptive\"} or {\"type\": \"disabled\"}");
}

// output_config: `format` {type: json_schema, schema} is structured output, read as OpenAI's
// response_format; `effort` goes to the template as reasoning_effort (gpt-oss's levels).
std::optional<ApiError> ReadOutputConfig(const json::object& o, GenerateRequest* req) {
  const json::value* v = o.if_contains("output_config");
  if (v == nullptr || v->is_null()) return std::nullopt;
  if (!v->is_object()) return Bad("output_config", "'output_config' must be an object");
  const json::object& c = v->as_object();
  if (const json::string* effort = StringMember(c, "effort")) {
    const bool top = *effort == "xhigh" || *effort == "max";
    req->template_kwargs["reasoning_effort"] = top ? json::string("high") : *effort;
  }
  const json::value* format = c.if_contains("format");
  if (format == nullptr || format->is_null()) return std::nullopt;
  const json::object* f = format->if_object();
  const json::string* type = f ? StringMember(*f, "type") : nullptr;
  const json::value* schema = f ? f->if_contains("schema") : nullptr;
  if (type == nullptr || *type != "json_schema" || schema == nullptr) {
    return Bad("output_config.format",
               "'output_config.format' must be {\"type\": \"json_schema\", \"schema\": {...}}");
  }
  const json::object shaped{
      {"response_format",
       {{"type", "json_schema"}, {"json_schema", {{"name", "output"}, {"schema", *schema}}}}}};
  std::optional<ApiError> err = FromSchema(request::ReadStructuredOutput(shaped, req));
  if (err) err->param = "output_config.format";
  return err;
}

// max_tokens (required by Anthropic), stop_sequences and the sampling fields, by the schema.
std::optional<ApiError> ReadLimits(const json::object& o, bool count_only, GenerateRequest* req) {
  const json::value* max = o.if_contains("max_tokens");
  if (!count_only && (max == nullptr || max->is_null())) {
    return Bad("max_tokens", "'max_tokens' is required");
  }
  if (!count_only) {
    const request::Field& f = *request::FindField("max_tokens", request::Group::kTop);
    if (auto err = FromSchema(request::ReadJsonField(o, f, req))) return err;
  }
  const request::Field& stop = *request::FindField("stop", request::Group::kTop);
  if (auto err = FromSchema(request::ReadJsonField(o, stop, req, "stop_sequences"))) return err;
  return FromSchema(request::ReadJsonGroup(o, request::Group::kSampling, req));
}

// A final assistant message is a prefill: the model continues it, and the answer holds only
// the continuation (Anthropic's "prefill the response"). The prompt ends with its text after
// the template's generation prompt. A forced call opens the answer itself, so it cannot follow.
std::optional<ApiError> TakePrefill(GenerateRequest* req) {
  if (req->messages.size() < 2 || req->messages.back().role != "assistant") return std::nullopt;
  const ChatMessage& last = req->messages.back();
  const ToolChoiceMode mode = req->tool_choice.mode;
  if (!last.tool_calls.empty() || mode == ToolChoiceMode::kRequired ||
      mode == ToolChoiceMode::kNamed) {
    return Bad("messages",
               "a final assistant message (a prefill) cannot hold tool_use blocks "
               "or come with tool_choice any or tool");
  }
  req->prompt_suffix = last.content;
  req->messages.pop_back();
  return std::nullopt;
}

std::optional<ApiError> ReadHead(const json::object& o, AnthropicParams* params) {
  if (auto err = ReadModelAndStream(o, &params->model, &params->stream)) return err;
  if (const json::value* m = o.if_contains("metadata"); m && !m->is_null() && !m->is_object()) {
    return Bad("metadata", "'metadata' must be an object");
  }
  return std::nullopt;
}

}  // namespace

std::optional<ApiError> AnthropicToChat(const json::object& body, json::object* chat) {
  json::array messages;
  if (auto err = ReadMessages(body, &messages)) return err;
  (*chat)["messages"] = std::move(messages);
  if (auto err = ReadTools(body, chat)) return err;
  return ReadToolChoice(body, chat);
}

std::optional<ApiError> ParseAnthropicMessages(std::string_view body, bool count_only,
                                               GenerateRequest* req, AnthropicParams* params) {
  json::value root;
  if (auto err = ParseBodyObject(body, &root)) return err;
  const json::object& o = root.as_object();
  *params = AnthropicParams{};
  if (auto err = ReadHead(o, params)) return err;
  json::object chat;
  if (auto err = AnthropicToChat(o, &chat)) return err;
  if (auto err = FromSchema(request::ReadChatMessages(chat, req))) return err;
  if (auto err = FromSchema(request::ReadTools(chat, req))) return err;
  if (auto err = TakePrefill(req)) return err;
  if (auto err = ReadLimits(o, count_only, req)) return err;
  if (auto err = ReadThinking(o, req)) return err;
  return ReadOutputConfig(o, req);
}

}  // namespace inferno::server
