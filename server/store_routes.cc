#include "server/store_routes.h"

#include <boost/json.hpp>
#include <string_view>
#include <vector>

#include "server/debugger_sqlite_store.h"
#include "server/openai.h"
#include "server/route_responses.h"
#include "server/secure_random.h"
#include "store/store_json.h"
#include "store/timestamps.h"

namespace inferno::server {
namespace {

namespace json = boost::json;
using store::ParseId;

constexpr int kMaxListLimit = 500;
constexpr size_t kMaxQuery = 1000;

// The store's errors, answered as every route that reads the store answers them.
constexpr auto& FromStatus = StoreErrorResponse;

Response NoContent() { return Response{204, "application/json", {}, ""}; }

// Parses a body; an empty body counts as {} where every field is optional.
std::optional<Response> ParseBody(const Request& r, json::value* out, bool empty_ok) {
  if (r.body.empty() && empty_ok) {
    *out = json::object{};
    return std::nullopt;
  }
  json::error_code ec;
  *out = json::parse(r.body, ec);
  if (ec) {
    return ErrorResponse(400, "the request body is not valid JSON: " + ec.message(),
                         "invalid_json");
  }
  return std::nullopt;
}

// Type errors start with the field's name ("conversation.messages[2].role must be ...");
// it becomes the error's param.
Response BadField(const Status& st) {
  const std::string& m = st.message();
  std::string param;
  for (const char* tail : {" must be ", " is required"}) {
    const size_t at = m.find(tail);
    if (at != std::string::npos && m.find(' ') == at) param = m.substr(0, at);
  }
  return ErrorResponse(400, m, "invalid_type", param);
}

Response UnknownId(const char* kind, std::string_view id) {
  return ErrorResponse(
      404, std::string("no ") + kind + " with id '" + std::string(id.substr(0, 40)) + "'",
      "not_found");
}

}  // namespace

StoreRoutes::StoreRoutes(store::Store& store) : store_(store) { AddTo(own_); }

void StoreRoutes::AddTo(Router& t) {
  auto with_id = [](const char* kind, const char* name, auto f) {
    return [kind, name, f](const Request& r, const PathParams& p) {
      const std::string& text = p.at(name);
      const std::optional<int64_t> id = ParseId(text);
      return id ? f(r, p, *id) : UnknownId(kind, text);
    };
  };
  auto conversation = [&with_id](auto f) { return with_id("conversation", "id", f); };
  t.AddReply("GET", "/api/conversations",
             [this](const Request& r, const PathParams&) { return ListConversations(r); });
  t.AddReply("POST", "/api/conversations",
             [this](const Request& r, const PathParams&) { return CreateConversation(r); });
  t.AddReply("POST", "/api/conversations/import",
             [this](const Request& r, const PathParams&) { return ImportConversation(r); });
  for (const char* method : {"GET", "PATCH", "DELETE"}) {
    t.AddReply(method, "/api/conversations/{id}",
               conversation([this](const Request& r, const PathParams&, int64_t id) {
                 return Conversation(r, id);
               }));
  }
  t.AddReply("POST", "/api/conversations/{id}/messages",
             conversation([this](const Request& r, const PathParams&, int64_t id) {
               return AppendMessage(r, id);
             }));
  t.AddReply("DELETE", "/api/conversations/{id}/messages/{message}",
             conversation([this](const Request&, const PathParams& p, int64_t id) {
               return DeleteMessagesFrom(id, p.at("message"));
             }));
  t.AddReply("GET", "/api/conversations/{id}/export",
             conversation([this](const Request&, const PathParams&, int64_t id) {
               return ExportConversation(id);
             }));
  t.AddReply("GET", "/api/sessions", [this](const Request& r, const PathParams&) {
    if (flush_sessions_) flush_sessions_();
    return Sessions(r);
  });
  t.AddReply("POST", "/api/sessions/import", [this](const Request& r, const PathParams&) {
    if (flush_sessions_) flush_sessions_();
    return ImportSession(r);
  });
  for (const char* method : {"GET", "DELETE"}) {
    t.AddReply(method, "/api/sessions/{id}", [this](const Request& r, const PathParams& p) {
      if (flush_sessions_) flush_sessions_();
      return Session(r, p.at("id"));
    });
  }
  t.AddReply("GET", "/api/profiles",
             [this](const Request&, const PathParams&) { return ListProfiles(); });
  t.AddReply("POST", "/api/profiles",
             [this](const Request& r, const PathParams&) { return CreateProfile(r); });
  for (const char* method : {"PUT", "DELETE"}) {
    t.AddReply(method, "/api/profiles/{id}",
               with_id("profile", "id", [this](const Request& r, const PathParams&, int64_t id) {
                 return Profile(r, id);
               }));
  }
}

namespace {

// Keeps the one response a reply route sends.
class Capture : public ResponseWriter {
 public:
  void Send(Response r) override { response = std::move(r); }
  bool StartStream(int, std::string, Headers) override { return false; }
  bool Write(std::string_view) override { return false; }
  void EndStream() override {}
  bool started() const override { return response.has_value(); }
  std::optional<Response> response;
};

}  // namespace

std::optional<Response> StoreRoutes::Handle(const Request& r) {
  Capture capture;
  own_.Dispatch(r, capture);
  return std::move(capture.response);
}

Response StoreRoutes::ImportConversation(const Request& r) {
  json::value body;
  if (auto err = ParseBody(r, &body, false)) return *err;
  store::Conversation c;
  std::vector<store::NewMessage> messages;
  if (Status st = store::ParseExportDocument(body, &c, &messages); !st.ok()) return BadField(st);
  Result<store::Conversation> imported = store_.ImportConversation(c, messages);
  if (!imported.ok()) return FromStatus(imported.status());
  return JsonResponse(201, store::ConversationJson(*imported));
}

Response StoreRoutes::ExportConversation(int64_t id) {
  Result<store::Conversation> c = store_.GetConversation(id);
  if (!c.ok()) return FromStatus(c.status());
  Response res = JsonResponse(200, store::ExportDocument(*c));
  res.headers.push_back({"Content-Disposition",
                         "attachment; filename=\"conversation-" + std::to_string(id) + ".json\""});
  return res;
}

Response StoreRoutes::ListConversations(const Request& r) {
  store::ListOptions o;
  if (auto err = QueryInt(r, "limit", 1, kMaxListLimit, &o.limit)) return *err;
  if (auto err = QueryInt(r, "offset", 0, 1000000000, &o.offset)) return *err;
  if (auto it = r.query.find("q"); it != r.query.end()) {
    if (it->second.size() > kMaxQuery) {
      return ErrorResponse(413, "q is longer than " + std::to_string(kMaxQuery) + " bytes",
                           "too_large", "q");
    }
    o.query = it->second;
  }
  Result<std::vector<store::Conversation>> list = store_.ListConversations(o);
  if (!list.ok()) return FromStatus(list.status());
  json::array out;
  for (const store::Conversation& c : *list) out.push_back(store::ConversationJson(c, true));
  return JsonResponse(200, json::object{{"conversations", std::move(out)}});
}

Response StoreRoutes::CreateConversation(const Request& r) {
  json::value body;
  if (auto err = ParseBody(r, &body, true)) return *err;
  store::ConversationFields f;
  if (Status st = store::ParseConversationFields(body, &f); !st.ok()) return BadField(st);
  Result<store::Conversation> c = store_.CreateConversation(f);
  if (!c.ok()) return FromStatus(c.status());
  return JsonResponse(201, store::ConversationJson(*c));
}

Response StoreRoutes::Conversation(const Request& r, int64_t id) {
  if (r.method == "DELETE") {
    if (Status st = store_.DeleteConversation(id); !st.ok()) return FromStatus(st);
    return NoContent();
  }
  Result<store::Conversation> c = store_.GetConversation(id);
  if (r.method == "PATCH") {
    json::value body;
    if (auto err = ParseBody(r, &body, false)) return *err;
    store::ConversationFields f;
    if (Status st = store::ParseConversationFields(body, &f); !st.ok()) return BadField(st);
    c = store_.UpdateConversation(id, f);
  }
  if (!c.ok()) return FromStatus(c.status());
  return JsonResponse(200, store::ConversationJson(*c));
}

Response StoreRoutes::AppendMessage(const Request& r, int64_t id) {
  json::value body;
  if (auto err = ParseBody(r, &body, false)) return *err;
  store::NewMessage m;
  if (Status st = store::ParseNewMessage(body, &m); !st.ok()) return BadField(st);
  Result<store::Message> saved = store_.AppendMessage(id, m);
  if (!saved.ok()) return FromStatus(saved.status());
  return JsonResponse(201, store::MessageJson(*saved));
}

Response StoreRoutes::DeleteMessagesFrom(int64_t id, const std::string& message) {
  const std::optional<int64_t> message_id = ParseId(message);
  if (!message_id) return UnknownId("message", message);
  if (Status st = store_.DeleteMessagesFrom(id, *message_id); !st.ok()) return FromStatus(st);
  return NoContent();
}

Response StoreRoutes::ListProfiles() {
  Result<std::vector<store::Profile>> list = store_.ListProfiles();
  if (!list.ok()) return FromStatus(list.status());
  json::array out;
  for (const store::Profile& p : *list) out.push_back(store::ProfileJson(p));
  return JsonResponse(200, json::object{{"profiles", std::move(out)}});
}

Response StoreRoutes::CreateProfile(const Request& r) {
  json::value body;
  if (auto err = ParseBody(r, &body, false)) return *err;
  store::Profile p;
  if (Status st = store::ParseProfile(body, &p); !st.ok()) return BadField(st);
  Result<store::Profile> created = store_.CreateProfile(p);
  if (!created.ok()) return FromStatus(created.status());
  return JsonResponse(201, store::ProfileJson(*created));
}

Response StoreRoutes::Profile(const Request& r, int64_t id) {
  if (r.method == "DELETE") {
    if (Status st = store_.DeleteProfile(id); !st.ok()) return FromStatus(st);
    return NoContent();
  }
  json::value body;
  if (auto err = ParseBody(r, &body, false)) return *err;
  store::Profile p;
  if (Status st = store::ParseProfile(body, &p); !st.ok()) return BadField(st);
  Result<store::Profile> saved = store_.ReplaceProfile(id, p);
  if (!saved.ok()) return FromStatus(saved.status());
  return JsonResponse(200, store::ProfileJson(*saved));
}

}  // namespace inferno::server

namespace inferno::server {

namespace {

json::object SessionSummaryJson(const store::DebugSession& s) {
  return json::object{{"id", s.id},
                      {"parent", s.parent},
                      {"branch_step", s.branch_step},
                      {"model", s.model},
                      {"finish_reason", s.finish_reason},
                      {"steps", s.steps},
                      {"created_at", store::FormatIso8601(s.created_at)},
                      {"updated_at", store::FormatIso8601(s.updated_at)}};
}

}  // namespace

Response StoreRoutes::Sessions(const Request& r) {
  int limit = 50, offset = 0;
  if (auto err = QueryInt(r, "limit", 1, kMaxListLimit, &limit)) return *err;
  if (auto err = QueryInt(r, "offset", 0, 1 << 30, &offset)) return *err;
  Result<std::vector<store::DebugSession>> list = store_.ListDebugSessions(limit, offset);
  if (!list.ok()) return FromStatus(list.status());
  json::array out;
  for (const store::DebugSession& s : *list) out.push_back(SessionSummaryJson(s));
  return JsonResponse(200, json::object{{"sessions", std::move(out)}});
}

Response StoreRoutes::Session(const Request& r, const std::string& id) {
  if (r.method == "DELETE") {
    Status st = store_.DeleteDebugSession(id);
    return st.ok() ? NoContent() : FromStatus(st);
  }
  Result<store::DebugSession> s = store_.GetDebugSession(id);
  if (!s.ok()) return FromStatus(s.status());
  json::error_code ec;
  json::value record = json::parse(s->record, ec);
  if (ec)
    return ErrorResponse(500, "debugger session " + id + " is unreadable in the store",
                         "store_error");
  json::object doc{{"format", "inferno.debug_session"},
                   {"version", 1},
                   {"created_at", store::FormatIso8601(s->created_at)},
                   {"session", std::move(record)}};
  Response res = JsonResponse(200, doc);
  res.headers.push_back(
      {"Content-Disposition", "attachment; filename=\"session-" + id + ".json\""});
  return res;
}

// An export document back in: checked as a whole first, then stored under a new id (never
// replacing a session); the parent link is kept only when that session is in this store.
Response StoreRoutes::ImportSession(const Request& r) {
  json::value body;
  if (auto err = ParseBody(r, &body, false)) return *err;
  const json::object* doc = body.if_object();
  if (doc == nullptr || !doc->contains("format") || doc->at("format") != "inferno.debug_session" ||
      !doc->contains("session")) {
    return ErrorResponse(400,
                         "expected an export document: {\"format\":\"inferno.debug_session\", ...}",
                         "invalid_value", "format");
  }
  if (!doc->contains("version") || doc->at("version") != 1) {
    return ErrorResponse(400, "only version 1 debugger session documents can be imported",
                         "invalid_value", "version");
  }
  Result<debugger::SessionRecord> rec = debugger::RecordFromJson(doc->at("session"), {});
  if (!rec.ok()) return BadField(rec.status());
  // A fresh random id like the debugger's own (128 bits: it never meets a stored one), with
  // its own letter so that an imported copy is told apart from a session run here.
  rec->id = RandomId('i');
  // Whoever imports a session supplied all of it: it has no owner to protect, and every
  // debugger client may branch from it.
  rec->owner_origin.reset();
  if (!rec->parent.empty() && !store_.GetDebugSession(rec->parent).ok()) rec->parent.clear();
  store::DebugSession row;
  row.id = rec->id;
  row.parent = rec->parent;
  row.branch_step = rec->parent.empty() ? -1 : rec->branch_step;
  row.model = rec->model;
  row.finish_reason = rec->finish_reason;
  row.steps = int(rec->tokens.size());
  row.record = json::serialize(debugger::RecordToJson(*rec));
  if (Status st = store_.SaveDebugSession(row); !st.ok()) return FromStatus(st);
  Result<store::DebugSession> saved = store_.GetDebugSession(row.id);
  if (!saved.ok()) return FromStatus(saved.status());
  return JsonResponse(201, SessionSummaryJson(*saved));
}

}  // namespace inferno::server
