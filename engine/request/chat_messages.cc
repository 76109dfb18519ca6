#include "engine/request/chat_messages.h"

#include <algorithm>
#include <string>

#include "engine/request/image_input.h"
#include "engine/vision/media_prompt.h"

namespace inferno::request {
namespace {

namespace json = boost::json;

RequestError Bad(std::string field, std::string message) {
  return RequestError{ErrorCode::kInvalidField, std::move(field), std::move(message)};
}

std::string Quoted(const std::string& where) { return "'" + where + "'"; }

// A string member, absent or null as "".
std::optional<RequestError> OptionalString(const json::object& o, const char* key,
                                           const std::string& where, std::string* out) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) return std::nullopt;
  if (!v->is_string())
    return Bad(where + "." + key, Quoted(where + "." + key) + " must be a string");
  *out = std::string(v->as_string());
  return std::nullopt;
}

// An image_url part's URL: {"image_url": {"url": ...}} as OpenAI sends it, or the URL as a
// bare string as some clients do.
std::optional<RequestError> ImageUrl(const json::object& part, const std::string& where,
                                     std::string* url) {
  const json::value* v = part.if_contains("image_url");
  if (v != nullptr && v->is_object()) v = v->as_object().if_contains("url");
  if (v == nullptr || !v->is_string() || v->as_string().empty()) {
    return Bad(where, Quoted(where + ".image_url") + " must hold a \"url\" string");
  }
  *url = std::string(v->as_string());
  return std::nullopt;
}

// Content: a string, an array of text and image_url parts, or null. An image becomes the media
// marker where it stood, its URL appended to `images`; with images, text parts are joined as
// llama.cpp's server joins them (a newline between two texts, none next to an image), so the
// same request renders the same prompt there and here.
std::optional<RequestError> ContentText(const json::value& v, const std::string& param,
                                        std::string* out, std::vector<std::string>* images) {
  out->clear();
  if (v.is_null()) return std::nullopt;
  if (v.is_string()) {
    *out = std::string(v.as_string());
    return std::nullopt;
  }
  if (!v.is_array()) return Bad(param, Quoted(param) + " must be a string or an array of parts");
  std::vector<std::optional<std::string>> texts;  // nullopt stands for an image
  size_t i = 0;
  for (const json::value& part : v.as_array()) {
    const std::string where = param + "[" + std::to_string(i++) + "]";
    const json::object* p = part.if_object();
    const json::value* type = p ? p->if_contains("type") : nullptr;
    const json::value* text = p ? p->if_contains("text") : nullptr;
    if (type != nullptr && type->is_string() && type->as_string() == "image_url") {
      std::string url;
      if (auto err = ImageUrl(*p, where, &url)) return err;
      images->push_back(std::move(url));
      texts.push_back(std::nullopt);
      continue;
    }
    if (type == nullptr || !type->is_string() || type->as_string() != "text" || text == nullptr ||
        !text->is_string()) {
      return Bad(param,
                 "content parts must be {\"type\":\"text\",\"text\":...} or "
                 "{\"type\":\"image_url\",\"image_url\":{\"url\":...}}");
    }
    texts.emplace_back(std::string(text->as_string()));
  }
  const bool with_images = std::find(texts.begin(), texts.end(), std::nullopt) != texts.end();
  bool after_image = true;  // nothing before the first part
  for (const std::optional<std::string>& t : texts) {
    if (!t) {
      *out += vision::kMediaMarker;
      after_image = true;
      continue;
    }
    if (with_images && !after_image && !out->empty()) *out += "\n";
    *out += *t;
    after_image = false;
  }
  return std::nullopt;
}

// One of tool_calls: {id, type: "function", function: {name, arguments}}; the arguments are
// JSON text (OpenAI) or an object (Ollama), kept as text.
std::optional<RequestError> ReadToolCall(const json::value& v, const std::string& where,
                                         ChatToolCall* out) {
  const json::object* c = v.if_object();
  if (c == nullptr) return Bad(where, Quoted(where) + " must be an object");
  if (auto err = OptionalString(*c, "id", where, &out->id)) return err;
  const json::value* type = c->if_contains("type");
  if (type != nullptr && !type->is_null() &&
      (!type->is_string() || type->as_string() != "function")) {
    return Bad(where + ".type", Quoted(where + ".type") + " must be \"function\"");
  }
  const json::value* fn = c->if_contains("function");
  const std::string f = where + ".function";
  if (fn == nullptr || !fn->is_object()) return Bad(f, Quoted(f) + " must be an object");
  if (auto err = OptionalString(fn->as_object(), "name", f, &out->name)) return err;
  if (out->name.empty()) return Bad(f + ".name", Quoted(f + ".name") + " is required");
  const json::value* args = fn->as_object().if_contains("arguments");
  if (args == nullptr || args->is_null()) {
    out->arguments = "{}";
  } else if (args->is_string()) {
    out->arguments = std::string(args->as_string());
  } else if (args->is_object()) {
    out->arguments = json::serialize(*args);
  } else {
    return Bad(f + ".arguments", Quoted(f + ".arguments") + " must be a JSON string or an object");
  }
  return std::nullopt;
}

std::optional<RequestError> ReadToolCalls(const json::object& m, const std::string& where,
                                          ChatMessage* out) {
  const json::value* calls = m.if_contains("tool_calls");
  if (calls == nullptr || calls->is_null()) return std::nullopt;
  const std::string w = where + ".tool_calls";
  if (!calls->is_array()) return Bad(w, Quoted(w) + " must be an array");
  if (out->role != "assistant") return Bad(w, Quoted(w) + " is only for assistant messages");
  size_t i = 0;
  for (const json::value& c : calls->as_array()) {
    ChatToolCall call;
    if (auto err = ReadToolCall(c, w + "[" + std::to_string(i++) + "]", &call)) return err;
    out->tool_calls.push_back(std::move(call));
  }
  return std::nullopt;
}

// The name of the call `id` answers, from the assistant messages before it.
std::string CallName(const std::vector<ChatMessage>& before, const std::string& id) {
  for (auto m = before.rbegin(); m != before.rend(); ++m) {
    for (const ChatToolCall& c : m->tool_calls) {
      if (c.id == id) return c.name;
    }
  }
  return "";
}

std::optional<RequestError> ReadMessage(const json::value& mv, const std::string& where,
                                        GenerateRequest* req) {
  const json::object* m = mv.if_object();
  if (m == nullptr) return Bad(where, Quoted(where) + " must be an object");
  const json::value* role = m->if_contains("role");
  if (role == nullptr || !role->is_string()) {
    return Bad(where + ".role", Quoted(where + ".role") + " must be a string");
  }
  ChatMessage cm;
  cm.role = std::string(role->as_string());
  if (Status st = NormalizeChatRole(&cm.role, /*tool=*/true); !st.ok()) {
    return Bad(where + ".role", st.message());
  }
  if (auto err = ReadToolCalls(*m, where, &cm)) return err;
  const json::value* content = m->if_contains("content");
  if (content == nullptr && cm.role != "assistant") {
    return Bad(where + ".content", Quoted(where + ".content") + " is required");
  }
  if (content) {
    if (auto err = ContentText(*content, where + ".content", &cm.content, &req->images)) {
      return err;
    }
  }
  if (auto err = ReadMessageImages(*m, where + ".images", &cm.content, &req->images)) return err;
  if (cm.role == "tool") {
    if (auto err = OptionalString(*m, "tool_call_id", where, &cm.tool_call_id)) return err;
    if (auto err = OptionalString(*m, "name", where, &cm.name)) return err;
    if (cm.name.empty()) {
      if (auto err = OptionalString(*m, "tool_name", where, &cm.name)) return err;
    }
    if (cm.name.empty()) cm.name = CallName(req->messages, cm.tool_call_id);
  }
  req->messages.push_back(std::move(cm));
  return std::nullopt;
}

}  // namespace

std::optional<RequestError> ReadMessageImages(const json::object& o, const std::string& field,
                                              std::string* content,
                                              std::vector<std::string>* images) {
  const json::value* v = o.if_contains("images");
  if (v == nullptr || v->is_null()) return std::nullopt;
  if (!v->is_array())
    return Bad(field, Quoted(field) + " must be an array of images (base64 or data URLs)");
  std::string markers;
  for (const json::value& img : v->as_array()) {
    if (!img.is_string())
      return Bad(field, Quoted(field) + " must be an array of images (base64 or data URLs)");
    images->push_back(ImageRef(img.as_string()));
    markers += vision::kMediaMarker;
  }
  content->insert(0, markers);
  return std::nullopt;
}

std::optional<RequestError> ReadChatMessages(const json::object& o, GenerateRequest* req) {
  const json::value* msgs = o.if_contains("messages");
  if (msgs == nullptr) return Bad("messages", "'messages' is required");
  if (!msgs->is_array() || msgs->as_array().empty()) {
    return Bad("messages", "'messages' must be a non-empty array");
  }
  size_t i = 0;
  for (const json::value& mv : msgs->as_array()) {
    if (auto err = ReadMessage(mv, "messages[" + std::to_string(i++) + "]", req)) return err;
  }
  return std::nullopt;
}

}  // namespace inferno::request

namespace inferno::request {
namespace {

// OpenAI's rule for function names.
bool ValidFunctionName(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-' || c == '.';
    if (!ok) return false;
  }
  return true;
}

std::optional<RequestError> CheckTool(const json::value& t, const std::string& where) {
  const json::object* o = t.if_object();
  const json::value* type = o ? o->if_contains("type") : nullptr;
  if (type == nullptr || !type->is_string() || type->as_string() != "function") {
    return Bad(where + ".type", Quoted(where + ".type") + " must be \"function\"");
  }
  const json::value* fn = o->if_contains("function");
  const std::string f = where + ".function";
  if (fn == nullptr || !fn->is_object()) return Bad(f, Quoted(f) + " must be an object");
  const json::value* name = fn->as_object().if_contains("name");
  if (name == nullptr || !name->is_string() || !ValidFunctionName(name->as_string())) {
    return Bad(f + ".name", Quoted(f + ".name") +
                                " must be 1 to 64 letters, digits, underscores, dots or dashes");
  }
  const json::value* desc = fn->as_object().if_contains("description");
  if (desc != nullptr && !desc->is_null() && !desc->is_string()) {
    return Bad(f + ".description", Quoted(f + ".description") + " must be a string");
  }
  const json::value* params = fn->as_object().if_contains("parameters");
  if (params != nullptr && !params->is_null() && !params->is_object()) {
    return Bad(f + ".parameters", Quoted(f + ".parameters") + " must be a JSON schema object");
  }
  return std::nullopt;
}

bool HasTool(const json::array& tools, std::string_view name) {
  for (const json::value& t : tools) {
    if (t.at("function").at("name").as_string() == name) return true;
  }
  return false;
}

std::optional<RequestError> ReadToolChoice(const json::object& o, GenerateRequest* req) {
  const json::value* v = o.if_contains("tool_choice");
  if (v == nullptr || v->is_null()) return std::nullopt;
  const char* message =
      "'tool_choice' must be \"none\", \"auto\", \"required\" or "
      "{\"type\":\"function\",\"function\":{\"name\":...}}";
  ToolChoice& c = req->tool_choice;
  if (v->is_string()) {
    const std::string_view s = v->as_string();
    if (s == "none")
      c.mode = ToolChoiceMode::kNone;
    else if (s == "auto")
      c.mode = ToolChoiceMode::kAuto;
    else if (s == "required")
      c.mode = ToolChoiceMode::kRequired;
    else
      return Bad("tool_choice", message);
  } else {
    const json::object* obj = v->if_object();
    const json::value* fn = obj ? obj->if_contains("function") : nullptr;
    const json::value* name = fn && fn->is_object() ? fn->as_object().if_contains("name") : nullptr;
    if (name == nullptr || !name->is_string()) return Bad("tool_choice", message);
    c.mode = ToolChoiceMode::kNamed;
    c.name = std::string(name->as_string());
    if (!HasTool(req->tools, c.name)) {
      return Bad("tool_choice", "'tool_choice' names '" + c.name + "', which is not in 'tools'");
    }
  }
  if (c.mode == ToolChoiceMode::kRequired && req->tools.empty()) {
    return Bad("tool_choice", "'tool_choice' \"required\" needs 'tools'");
  }
  return std::nullopt;
}

}  // namespace

std::optional<RequestError> ReadTools(const json::object& o, GenerateRequest* req) {
  if (const json::value* v = o.if_contains("tools"); v && !v->is_null()) {
    if (!v->is_array()) return Bad("tools", "'tools' must be an array");
    size_t i = 0;
    for (const json::value& t : v->as_array()) {
      if (auto err = CheckTool(t, "tools[" + std::to_string(i++) + "]")) return err;
    }
    req->tools = v->as_array();
  }
  if (const json::value* v = o.if_contains("parallel_tool_calls"); v && !v->is_null()) {
    if (!v->is_bool()) return Bad("parallel_tool_calls", "'parallel_tool_calls' must be a boolean");
    req->parallel_tool_calls = v->as_bool();
  }
  return ReadToolChoice(o, req);
}

}  // namespace inferno::request
