#include "server/debugger_sqlite_store.h"

#include <cmath>
#include <cstdio>

#include "engine/request/event_json.h"

namespace inferno::server::debugger {
namespace {

namespace json = boost::json;

// A stored step is a token event's subset, written by the shared encoder in the stored format.
json::object StepJson(const StepRecord& s) {
  event_json::TokenData t;
  t.id = s.id;
  t.piece = s.text;
  t.logit = s.logit;
  t.prob = s.prob;
  t.rank = s.rank;
  t.entropy = s.entropy;
  t.top = s.top;
  t.in_reasoning = s.reasoning;
  t.draft = s.draft;
  t.draft_id = s.draft_id;
  return event_json::TokenJson(t, event_json::kStoredStep);
}

json::array IdsToJson(const std::vector<int32_t>& ids) {
  return json::array(ids.begin(), ids.end());
}

// Field readers: each names the field it rejects.
Status Need(bool ok, const std::string& what) {
  return ok ? Status::Ok() : Status::InvalidArgument("debugger session: " + what);
}

Status ReadString(const json::object& o, const char* key, bool required, std::string* out) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) return Need(!required, std::string("'") + key + "' is missing");
  INFERNO_RETURN_IF_ERROR(Need(v->is_string(), std::string("'") + key + "' must be a string"));
  *out = std::string(v->as_string());
  return Status::Ok();
}

Status ReadNumber(const json::value& v, const std::string& what, double* out) {
  INFERNO_RETURN_IF_ERROR(Need(v.is_number(), what + " must be a number"));
  *out = v.to_number<double>();
  return Need(std::isfinite(*out), what + " must be finite");
}

Status ReadInt(const json::value& v, const std::string& what, int64_t lo, int64_t hi,
               int64_t* out) {
  double d = 0;
  INFERNO_RETURN_IF_ERROR(ReadNumber(v, what, &d));
  INFERNO_RETURN_IF_ERROR(Need(
      d == std::floor(d) && d >= double(lo) && d <= double(hi),
      what + " must be an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]"));
  *out = int64_t(d);
  return Status::Ok();
}

Status ReadIds(const json::object& o, const char* key, std::vector<int32_t>* out) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) return Status::Ok();
  INFERNO_RETURN_IF_ERROR(Need(v->is_array(), std::string("'") + key + "' must be an array"));
  for (const json::value& e : v->as_array()) {
    int64_t id = 0;
    INFERNO_RETURN_IF_ERROR(ReadInt(e, std::string("'") + key + "' entries", 0, INT32_MAX, &id));
    out->push_back(int32_t(id));
  }
  return Status::Ok();
}

// A step's speculative decoding mark: "draft" one of the names, "draft_id" with "rejected".
Status ReadDraft(const json::object& o, StepRecord* s) {
  const json::value* v = o.if_contains("draft");
  if (v == nullptr || v->is_null()) return Status::Ok();
  const std::optional<DraftMark> mark =
      v->is_string() ? event_json::ParseDraftName(v->as_string()) : std::nullopt;
  INFERNO_RETURN_IF_ERROR(Need(mark.has_value(), "step draft must be accepted, rejected or bonus"));
  s->draft = mark.value_or(DraftMark::kNone);
  if (s->draft != DraftMark::kRejected) return Status::Ok();
  INFERNO_RETURN_IF_ERROR(Need(o.contains("draft_id"), "a rejected step draft needs draft_id"));
  int64_t id = 0;
  INFERNO_RETURN_IF_ERROR(ReadInt(o.at("draft_id"), "step draft_id", 0, INT32_MAX, &id));
  s->draft_id = int32_t(id);
  return Status::Ok();
}

Status ReadTop(const json::value& v, const std::string& what, std::vector<TopToken>* out) {
  INFERNO_RETURN_IF_ERROR(Need(v.is_array(), what + " must be an array"));
  for (const json::value& e : v.as_array()) {
    INFERNO_RETURN_IF_ERROR(Need(e.is_object(), what + " entries must be objects"));
    const json::object& t = e.as_object();
    TopToken tt;
    int64_t id = 0;
    double logit = 0, prob = 0;
    INFERNO_RETURN_IF_ERROR(Need(t.contains("id") && t.contains("logit") && t.contains("prob"),
                                 what + " entries need id, logit and prob"));
    INFERNO_RETURN_IF_ERROR(ReadInt(t.at("id"), what + " id", 0, INT32_MAX, &id));
    INFERNO_RETURN_IF_ERROR(ReadNumber(t.at("logit"), what + " logit", &logit));
    INFERNO_RETURN_IF_ERROR(ReadNumber(t.at("prob"), what + " prob", &prob));
    INFERNO_RETURN_IF_ERROR(ReadString(t, "text", false, &tt.text));
    tt.id = int32_t(id), tt.logit = float(logit), tt.prob = float(prob);
    out->push_back(std::move(tt));
  }
  return Status::Ok();
}

}  // namespace

json::object RecordToJson(const SessionRecord& r) {
  json::array steps;
  steps.reserve(r.steps.size());
  for (const StepRecord& s : r.steps) steps.push_back(StepJson(s));
  json::array prompt;
  if (r.prompt_pieces.size() == r.prompt_tokens.size()) {
    prompt = event_json::TokensJson(r.prompt_tokens, r.prompt_pieces);
  }
  json::object o{{"id", r.id},
                 {"model", r.model},
                 {"parent", r.parent},
                 {"branch_step", r.branch_step},
                 {"request", r.request},
                 {"prompt_tokens", IdsToJson(r.prompt_tokens)},
                 {"prompt", std::move(prompt)},
                 {"tokens", IdsToJson(r.tokens)},
                 {"finish_reason", r.finish_reason},
                 {"steps", std::move(steps)}};
  if (r.owner_origin) o["owner_origin"] = *r.owner_origin;
  if (!r.prompt_images.empty()) o["images"] = event_json::PromptImagesJson(r.prompt_images);
  return o;
}

Result<SessionRecord> RecordFromJson(const json::value& value, const Limits& limits) {
  INFERNO_RETURN_IF_ERROR(Need(value.is_object(), "the session must be a JSON object"));
  const json::object& o = value.as_object();
  SessionRecord r;
  INFERNO_RETURN_IF_ERROR(ReadString(o, "id", true, &r.id));
  INFERNO_RETURN_IF_ERROR(ReadString(o, "model", true, &r.model));
  INFERNO_RETURN_IF_ERROR(ReadString(o, "parent", false, &r.parent));
  INFERNO_RETURN_IF_ERROR(ReadString(o, "finish_reason", false, &r.finish_reason));
  if (const json::value* owner = o.if_contains("owner_origin"); owner && !owner->is_null()) {
    r.owner_origin.emplace();
    INFERNO_RETURN_IF_ERROR(ReadString(o, "owner_origin", true, &*r.owner_origin));
  }
  if (const json::value* b = o.if_contains("branch_step"); b && !b->is_null()) {
    int64_t step = 0;
    INFERNO_RETURN_IF_ERROR(ReadInt(*b, "'branch_step'", -1, INT32_MAX, &step));
    r.branch_step = int(step);
  }
  const json::value* request = o.if_contains("request");
  INFERNO_RETURN_IF_ERROR(Need(request && request->is_object(), "'request' must be an object"));
  r.request = request->as_object();
  // The settings a branch reuses, parsed as the start message was.
  json::object start = r.request;
  start.erase("branch");
  ClientMessage m;
  if (Status st = ParseStartFields(start, limits, &m); !st.ok()) {
    return Status::InvalidArgument("debugger session 'request': " + st.message());
  }
  r.generate = std::move(m.request);
  INFERNO_RETURN_IF_ERROR(ReadIds(o, "prompt_tokens", &r.prompt_tokens));
  INFERNO_RETURN_IF_ERROR(ReadIds(o, "tokens", &r.tokens));
  if (const json::value* images = o.if_contains("images"); images && !images->is_null()) {
    INFERNO_RETURN_IF_ERROR(event_json::PromptImagesFromJson(*images, &r.prompt_images));
  }
  if (const json::value* p = o.if_contains("prompt"); p && !p->is_null()) {
    INFERNO_RETURN_IF_ERROR(Need(p->is_array(), "'prompt' must be an array"));
    for (const json::value& e : p->as_array()) {
      std::string text;
      INFERNO_RETURN_IF_ERROR(Need(e.is_object(), "'prompt' entries must be objects"));
      INFERNO_RETURN_IF_ERROR(ReadString(e.as_object(), "text", true, &text));
      r.prompt_pieces.push_back(std::move(text));
    }
    INFERNO_RETURN_IF_ERROR(
        Need(r.prompt_pieces.empty() || r.prompt_pieces.size() == r.prompt_tokens.size(),
             "'prompt' and 'prompt_tokens' differ in length"));
  }
  if (const json::value* steps = o.if_contains("steps"); steps && !steps->is_null()) {
    INFERNO_RETURN_IF_ERROR(Need(steps->is_array(), "'steps' must be an array"));
    for (const json::value& e : steps->as_array()) {
      INFERNO_RETURN_IF_ERROR(Need(e.is_object(), "'steps' entries must be objects"));
      const json::object& so = e.as_object();
      StepRecord s;
      int64_t id = 0, rank = 0;
      double logit = 0, prob = 0, entropy = 0;
      INFERNO_RETURN_IF_ERROR(
          Need(so.contains("id") && so.contains("prob"), "'steps' entries need id and prob"));
      INFERNO_RETURN_IF_ERROR(ReadInt(so.at("id"), "step id", 0, INT32_MAX, &id));
      INFERNO_RETURN_IF_ERROR(ReadNumber(so.at("prob"), "step prob", &prob));
      if (so.contains("logit"))
        INFERNO_RETURN_IF_ERROR(ReadNumber(so.at("logit"), "step logit", &logit));
      if (so.contains("rank"))
        INFERNO_RETURN_IF_ERROR(ReadInt(so.at("rank"), "step rank", 0, INT32_MAX, &rank));
      if (so.contains("entropy")) {
        INFERNO_RETURN_IF_ERROR(ReadNumber(so.at("entropy"), "step entropy", &entropy));
      }
      INFERNO_RETURN_IF_ERROR(ReadString(so, "text", false, &s.text));
      if (so.contains("top")) INFERNO_RETURN_IF_ERROR(ReadTop(so.at("top"), "step top", &s.top));
      s.id = int32_t(id), s.prob = float(prob), s.logit = float(logit), s.rank = int(rank);
      s.entropy = float(entropy);
      const json::value* phase = so.if_contains("phase");
      s.reasoning = phase != nullptr && phase->is_string() && phase->as_string() == "reasoning";
      INFERNO_RETURN_IF_ERROR(ReadDraft(so, &s));
      r.steps.push_back(std::move(s));
    }
    INFERNO_RETURN_IF_ERROR(
        Need(r.steps.size() == r.tokens.size(), "'steps' and 'tokens' differ in length"));
  }
  return r;
}

void SqliteSessionStore::Save(const SessionRecord& r) {
  store::DebugSession row;
  row.id = r.id;
  row.parent = r.parent;
  row.branch_step = r.branch_step;
  row.model = r.model;
  row.finish_reason = r.finish_reason;
  row.steps = int(r.tokens.size());
  row.record = json::serialize(RecordToJson(r));
  if (Status st = store_.SaveDebugSession(row); !st.ok()) {
    std::fprintf(stderr, "inferno: debugger session %s not stored: %s\n", r.id.c_str(),
                 st.message().c_str());
  }
}

std::optional<SessionRecord> SqliteSessionStore::Find(const std::string& id) const {
  Result<store::DebugSession> row = store_.GetDebugSession(id);
  if (!row.ok()) return std::nullopt;
  json::error_code ec;
  json::value v = json::parse(row->record, ec);
  if (ec) return std::nullopt;
  Result<SessionRecord> r = RecordFromJson(v, limits_);
  if (!r.ok()) return std::nullopt;
  return std::move(*r);
}

}  // namespace inferno::server::debugger
