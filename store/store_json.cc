#include "store/store_json.h"

#include <boost/json.hpp>

#include "store/timestamps.h"

namespace inferno::store {
namespace {

namespace json = boost::json;

std::string Field(std::string_view where, std::string_view key) {
  return where.empty() ? std::string(key) : std::string(where) + "." + std::string(key);
}

const char* KindName(const json::value& v) {
  switch (v.kind()) {
    case json::kind::null:
      return "null";
    case json::kind::bool_:
      return "a boolean";
    case json::kind::string:
      return "a string";
    case json::kind::array:
      return "an array";
    case json::kind::object:
      return "an object";
    default:
      return "a number";
  }
}

Status WrongType(std::string_view where, std::string_view key, const char* want,
                 const json::value& got) {
  return Status::InvalidArgument(Field(where, key) + " must be " + want + ", not " + KindName(got));
}

Result<const json::object*> AsObject(const json::value& v, std::string_view what) {
  if (!v.is_object()) {
    return Status::InvalidArgument(std::string(what) + " must be a JSON object, not " +
                                   KindName(v));
  }
  return &v.as_object();
}

// Absent or null: leaves *out unset.
Status OptString(const json::object& o, std::string_view key, std::optional<std::string>* out,
                 std::string_view where) {
  const json::value* v = o.if_contains(key);
  if (!v || v->is_null()) return Status::Ok();
  if (!v->is_string()) return WrongType(where, key, "a string", *v);
  *out = std::string(v->as_string());
  return Status::Ok();
}

Status OptObject(const json::object& o, std::string_view key, std::optional<json::object>* out,
                 std::string_view where) {
  const json::value* v = o.if_contains(key);
  if (!v || v->is_null()) return Status::Ok();
  if (!v->is_object()) return WrongType(where, key, "an object", *v);
  *out = v->as_object();
  return Status::Ok();
}

// An array of strings; absent or null leaves *out as it is.
Status OptStrings(const json::object& o, std::string_view key, std::vector<std::string>* out,
                  std::string_view where) {
  const json::value* v = o.if_contains(key);
  if (!v || v->is_null()) return Status::Ok();
  if (!v->is_array()) return WrongType(where, key, "an array of strings", *v);
  for (const json::value& item : v->as_array()) {
    if (!item.is_string()) return WrongType(where, key, "an array of strings", item);
    out->emplace_back(item.as_string());
  }
  return Status::Ok();
}

Status ReqString(const json::object& o, std::string_view key, std::string* out,
                 std::string_view where) {
  std::optional<std::string> s;
  INFERNO_RETURN_IF_ERROR(OptString(o, key, &s, where));
  if (!s) return Status::InvalidArgument(Field(where, key) + " is required");
  *out = std::move(*s);
  return Status::Ok();
}

Status OptTime(const json::object& o, std::string_view key, std::optional<int64_t>* out,
               std::string_view where) {
  std::optional<std::string> s;
  INFERNO_RETURN_IF_ERROR(OptString(o, key, &s, where));
  if (!s) return Status::Ok();
  *out = ParseIso8601(*s);
  if (!*out) {
    return Status::InvalidArgument(Field(where, key) +
                                   " must be an ISO-8601 time such as 2026-01-31T12:00:00Z, not '" +
                                   s->substr(0, 40) + "'");
  }
  return Status::Ok();
}

}  // namespace

std::optional<int64_t> ParseId(std::string_view text) {
  if (text.empty() || text.size() > 18 || text[0] == '0') return std::nullopt;
  int64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

json::object MessageJson(const Message& m) {
  json::object o{{"id", std::to_string(m.id)},
                 {"role", m.role},
                 {"content", m.content},
                 {"created_at", FormatIso8601(m.created_at)}};
  if (m.model) o["model"] = *m.model;
  if (m.metrics) o["metrics"] = *m.metrics;
  if (m.reasoning) o["reasoning"] = *m.reasoning;
  if (!m.images.empty()) {
    json::array images;
    for (const std::string& url : m.images) images.push_back(json::string(url));
    o["images"] = std::move(images);
  }
  return o;
}

json::object ConversationJson(const Conversation& c, bool summary) {
  json::object o{{"id", std::to_string(c.id)},
                 {"title", c.title},
                 {"model", c.model},
                 {"created_at", FormatIso8601(c.created_at)},
                 {"updated_at", FormatIso8601(c.updated_at)},
                 {"message_count", c.message_count}};
  if (summary) return o;
  o["system"] = c.system;
  o["settings"] = c.settings;
  json::array messages;
  for (const Message& m : c.messages) messages.push_back(MessageJson(m));
  o["messages"] = std::move(messages);
  return o;
}

json::object ProfileJson(const Profile& p) {
  return json::object{{"id", std::to_string(p.id)},
                      {"name", p.name},
                      {"model", p.model},
                      {"system", p.system},
                      {"settings", p.settings}};
}

json::object ExportDocument(const Conversation& c) {
  return json::object{{"format", kExportFormat},
                      {"version", kExportVersion},
                      {"conversation", ConversationJson(c)}};
}

Status ParseConversationFields(const json::value& body, ConversationFields* out) {
  Result<const json::object*> o = AsObject(body, "the request body");
  if (!o.ok()) return o.status();
  INFERNO_RETURN_IF_ERROR(OptString(**o, "title", &out->title, ""));
  INFERNO_RETURN_IF_ERROR(OptString(**o, "model", &out->model, ""));
  INFERNO_RETURN_IF_ERROR(OptString(**o, "system", &out->system, ""));
  return OptObject(**o, "settings", &out->settings, "");
}

Status ParseNewMessage(const json::value& body, NewMessage* out, std::string_view where) {
  Result<const json::object*> o = AsObject(body, where.empty() ? "the request body" : where);
  if (!o.ok()) return o.status();
  INFERNO_RETURN_IF_ERROR(ReqString(**o, "role", &out->role, where));
  INFERNO_RETURN_IF_ERROR(ReqString(**o, "content", &out->content, where));
  INFERNO_RETURN_IF_ERROR(OptString(**o, "model", &out->model, where));
  INFERNO_RETURN_IF_ERROR(OptString(**o, "reasoning", &out->reasoning, where));
  INFERNO_RETURN_IF_ERROR(OptStrings(**o, "images", &out->images, where));
  return OptObject(**o, "metrics", &out->metrics, where);
}

Status ParseProfile(const json::value& body, Profile* out) {
  Result<const json::object*> o = AsObject(body, "the request body");
  if (!o.ok()) return o.status();
  INFERNO_RETURN_IF_ERROR(ReqString(**o, "name", &out->name, ""));
  std::optional<std::string> model, system;
  std::optional<json::object> settings;
  INFERNO_RETURN_IF_ERROR(OptString(**o, "model", &model, ""));
  INFERNO_RETURN_IF_ERROR(OptString(**o, "system", &system, ""));
  INFERNO_RETURN_IF_ERROR(OptObject(**o, "settings", &settings, ""));
  out->model = model.value_or("");
  out->system = system.value_or("");
  out->settings = settings.value_or(json::object{});
  return Status::Ok();
}

Status ParseExportDocument(const json::value& doc, Conversation* c,
                           std::vector<NewMessage>* messages) {
  Result<const json::object*> root = AsObject(doc, "the export document");
  if (!root.ok()) return root.status();
  const json::value* format = (*root)->if_contains("format");
  if (!format || !format->is_string() || format->as_string() != kExportFormat) {
    return Status::InvalidArgument("format must be \"" + std::string(kExportFormat) +
                                   "\" (is this an Inferno conversation export?)");
  }
  const json::value* version = (*root)->if_contains("version");
  if (!version || !version->is_int64()) {
    return Status::InvalidArgument("version must be an integer");
  }
  if (version->as_int64() != kExportVersion) {
    return Status::InvalidArgument("export version " + std::to_string(version->as_int64()) +
                                   " is not supported; this inferno reads version " +
                                   std::to_string(kExportVersion));
  }
  const json::value* conv_value = (*root)->if_contains("conversation");
  if (!conv_value) return Status::InvalidArgument("conversation is required");
  Result<const json::object*> conv = AsObject(*conv_value, "conversation");
  if (!conv.ok()) return conv.status();
  ConversationFields f;
  INFERNO_RETURN_IF_ERROR(OptString(**conv, "title", &f.title, "conversation"));
  INFERNO_RETURN_IF_ERROR(OptString(**conv, "model", &f.model, "conversation"));
  INFERNO_RETURN_IF_ERROR(OptString(**conv, "system", &f.system, "conversation"));
  INFERNO_RETURN_IF_ERROR(OptObject(**conv, "settings", &f.settings, "conversation"));
  std::optional<int64_t> created, updated;
  INFERNO_RETURN_IF_ERROR(OptTime(**conv, "created_at", &created, "conversation"));
  INFERNO_RETURN_IF_ERROR(OptTime(**conv, "updated_at", &updated, "conversation"));
  c->title = f.title.value_or("");
  c->model = f.model.value_or("");
  c->system = f.system.value_or("");
  c->settings = f.settings.value_or(json::object{});
  c->created_at = created.value_or(0);
  c->updated_at = updated.value_or(c->created_at);
  messages->clear();
  const json::value* list = (*conv)->if_contains("messages");
  if (!list || list->is_null()) return Status::Ok();
  if (!list->is_array()) return WrongType("conversation", "messages", "an array", *list);
  for (size_t i = 0; i < list->as_array().size(); ++i) {
    const std::string where = "conversation.messages[" + std::to_string(i) + "]";
    NewMessage m;
    INFERNO_RETURN_IF_ERROR(ParseNewMessage(list->as_array()[i], &m, where));
    INFERNO_RETURN_IF_ERROR(
        OptTime(list->as_array()[i].as_object(), "created_at", &m.created_at, where));
    messages->push_back(std::move(m));
  }
  return Status::Ok();
}

}  // namespace inferno::store
