#include "server/debugger_protocol.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "engine/request/chat_messages.h"
#include "engine/request/event_json.h"
#include "engine/request/json_fields.h"
#include "engine/request/structured_output.h"
#include "engine/runtime/probes.h"
#include "engine/tokenizer/chat_template.h"

namespace inferno::server::debugger {
namespace json = boost::json;

namespace {

Status Bad(const std::string& field, const std::string& what) {
  return Status::InvalidArgument("'" + field + "' " + what);
}

// Reads an optional number field into *out within [lo, hi].
template <typename T>
Status Number(const json::object& o, const char* field, double lo, double hi, T* out) {
  const json::value* v = o.if_contains(field);
  if (v == nullptr || v->is_null()) return Status::Ok();
  if (!v->is_number()) return Bad(field, "must be a number");
  const double d = v->to_number<double>();
  if (!(d >= lo && d <= hi)) {
    return Bad(field, "must be between " + json::serialize(json::value(lo)) + " and " +
                          json::serialize(json::value(hi)));
  }
  if constexpr (std::is_integral_v<T>) {
    if (d != std::floor(d)) return Bad(field, "must be an integer");
  }
  *out = T(d);
  return Status::Ok();
}

Status Bool(const json::object& o, const char* field, bool* out) {
  const json::value* v = o.if_contains(field);
  if (v == nullptr || v->is_null()) return Status::Ok();
  if (!v->is_bool()) return Bad(field, "must be true or false");
  *out = v->as_bool();
  return Status::Ok();
}

Status String(const json::object& o, const char* field, std::string* out) {
  const json::value* v = o.if_contains(field);
  if (v == nullptr || v->is_null()) return Status::Ok();
  if (!v->is_string()) return Bad(field, "must be a string");
  *out = std::string(v->as_string());
  return Status::Ok();
}

Status IntList(const json::value& v, const std::string& field, std::vector<int>* out) {
  if (!v.is_array()) return Bad(field, "must be an array of integers");
  for (const json::value& x : v.as_array()) {
    if (!x.is_int64() && !x.is_uint64()) return Bad(field, "must be an array of integers");
    out->push_back(int(x.to_number<int64_t>()));
  }
  return Status::Ok();
}

#define RETURN_IF_ERROR(expr)                       \
  do {                                              \
    if (Status _st = (expr); !_st.ok()) return _st; \
  } while (0)

// A request-schema error as this protocol's Status (its messages are the schema's).
Status FromRequestError(const std::optional<request::RequestError>& err) {
  return err ? Status::InvalidArgument(err->message) : Status::Ok();
}

Status ParseSampling(const json::object& o, GenerateRequest* req) {
  RETURN_IF_ERROR(FromRequestError(request::ReadJsonGroup(o, request::Group::kSampling, req)));
  for (const auto& kv : o) {
    if (request::FindField(kv.key(), request::Group::kSampling) == nullptr) {
      return Bad("sampling." + std::string(kv.key()), "is not a sampling setting");
    }
  }
  return Status::Ok();
}

Status ParseProbes(const json::object& o, GenerateRequest* req) {
  ProbeOptions& p = req->probes;
  // The scalar probes (top_k, full_logits, prompt_surprisal, router) are schema fields; attention
  // and logit_lens take this protocol's true/false-or-object shapes.
  RETURN_IF_ERROR(FromRequestError(request::ReadJsonGroup(o, request::Group::kProbes, req)));
  if (const json::value* a = o.if_contains("attention"); a != nullptr && !a->is_null()) {
    if (a->is_bool()) {
      p.attention = a->as_bool();
    } else if (a->is_object()) {
      p.attention = true;
      const json::object& ao = a->as_object();
      if (const json::value* l = ao.if_contains("layers"); l && !l->is_null()) {
        RETURN_IF_ERROR(IntList(*l, "probes.attention.layers", &p.attention_layers));
      }
      if (const json::value* h = ao.if_contains("heads"); h && !h->is_null()) {
        RETURN_IF_ERROR(IntList(*h, "probes.attention.heads", &p.attention_heads));
      }
      RETURN_IF_ERROR(Bool(ao, "prompt", &p.attention_prompt));
      RETURN_IF_ERROR(Bool(ao, "tokens", &p.attention));  // false: only the prompt map
    } else {
      return Bad("probes.attention", "must be true/false or {layers, heads, prompt, tokens}");
    }
  }
  if (const json::value* l = o.if_contains("logit_lens"); l != nullptr && !l->is_null()) {
    if (l->is_bool()) {
      p.logit_lens = l->as_bool();
    } else if (l->is_object()) {
      p.logit_lens = true;
      RETURN_IF_ERROR(FromRequestError(
          request::ReadJsonGroup(l->as_object(), request::Group::kLogitLens, req)));
    } else {
      return Bad("probes.logit_lens", "must be true/false or {top_k}");
    }
  }
  return Status::Ok();
}

}  // namespace

Status ParseStartFields(const json::object& o, const Limits& limits, ClientMessage* m) {
  GenerateRequest& req = m->request;
  req.top_k_events = 10;
  RETURN_IF_ERROR(String(o, "id", &m->client_id));
  RETURN_IF_ERROR(String(o, "model", &m->model));
  RETURN_IF_ERROR(String(o, "prompt", &req.prompt));
  if (const json::value* msgs = o.if_contains("messages"); msgs && !msgs->is_null()) {
    if (!msgs->is_array()) return Bad("messages", "must be an array of {role, content}");
    for (const json::value& v : msgs->as_array()) {
      const json::object* mo = v.if_object();
      const json::value* role = mo ? mo->if_contains("role") : nullptr;
      const json::value* content = mo ? mo->if_contains("content") : nullptr;
      if (!role || !role->is_string() || !content || !content->is_string()) {
        return Bad("messages", "must be an array of {role, content} with string values");
      }
      std::string r(role->as_string());
      RETURN_IF_ERROR(NormalizeChatRole(&r));  // as the HTTP API: same roles, same message
      req.messages.push_back({std::move(r), std::string(content->as_string())});
    }
  }
  if (const json::value* t = o.if_contains("prompt_tokens"); t && !t->is_null()) {
    std::vector<int> ids;
    RETURN_IF_ERROR(IntList(*t, "prompt_tokens", &ids));
    req.prompt_tokens.assign(ids.begin(), ids.end());
  }
  if (req.prompt.empty() && req.messages.empty() && req.prompt_tokens.empty()) {
    return Status::InvalidArgument("one of 'prompt', 'messages' or 'prompt_tokens' is required");
  }
  // Images go before the last user message's text, or the prompt's (read in Prepare()).
  std::string* text = &req.prompt;
  for (ChatMessage& cm : req.messages) {
    if (cm.role == "user") text = &cm.content;
  }
  RETURN_IF_ERROR(FromRequestError(request::ReadMessageImages(o, "images", text, &req.images)));
  req.max_tokens = 128;
  RETURN_IF_ERROR(FromRequestError(request::ReadJsonGroup(o, request::Group::kTop, &req)));
  RETURN_IF_ERROR(FromRequestError(request::ReadStructuredOutput(o, &req)));
  if (req.max_tokens > limits.max_tokens) {  // this server's own limit, below the schema's
    return Status::InvalidArgument(
        request::BoundsMessage("max_tokens", 1, limits.max_tokens, true));
  }
  if (const json::value* s = o.if_contains("sampling"); s && !s->is_null()) {
    if (!s->is_object()) return Bad("sampling", "must be an object");
    RETURN_IF_ERROR(ParseSampling(s->as_object(), &req));
  }
  if (const json::value* p = o.if_contains("probes"); p && !p->is_null()) {
    if (!p->is_object()) return Bad("probes", "must be an object");
    RETURN_IF_ERROR(ParseProbes(p->as_object(), &req));
  }
  std::string format = "json";
  RETURN_IF_ERROR(String(o, "format", &format));
  if (format != "json" && format != "binary")
    return Bad("format", "must be \"json\" or \"binary\"");
  m->binary = format == "binary";
  return Status::Ok();
}

namespace {

// The bytes of a start message's `images` strings (0 for any other message).
size_t ImageBytes(const json::object& o) {
  const json::value* type = o.if_contains("type");
  const json::value* images = o.if_contains("images");
  if (type == nullptr || *type != "start" || images == nullptr || !images->is_array()) return 0;
  size_t n = 0;
  for (const json::value& i : images->as_array()) {
    if (i.is_string()) n += i.as_string().size();
  }
  return n;
}

ParseError TooLarge(size_t size, size_t limit, const char* what) {
  return ParseError{code::kTooLarge,
                    "message of " + std::to_string(size) + " bytes" + what + "; the limit is " +
                        std::to_string(limit),
                    ""};
}

}  // namespace

// Frames above max_frame_bytes are parsed only up to max_image_frame_bytes, and kept only when
// what is not an image fits max_frame_bytes: a picture of a few MB may be debugged, a prompt
// that large may not.
std::variant<ClientMessage, ParseError> ParseClientMessage(std::string_view frame,
                                                           const Limits& limits) {
  const size_t hard = std::max(limits.max_frame_bytes, limits.max_image_frame_bytes);
  if (frame.size() > hard) return TooLarge(frame.size(), hard, " with images");
  json::error_code ec;
  json::value v = json::parse(frame, ec);
  if (frame.size() > limits.max_frame_bytes) {
    const size_t images = !ec && v.is_object() ? ImageBytes(v.as_object()) : 0;
    if (frame.size() - images > limits.max_frame_bytes) {
      return TooLarge(frame.size() - images, limits.max_frame_bytes,
                      images ? " besides its images" : "");
    }
  }
  if (ec) return ParseError{code::kBadJson, "not valid JSON: " + ec.message(), ""};
  if (!v.is_object()) return ParseError{code::kBadMessage, "a message must be a JSON object", ""};
  ClientMessage m;
  m.raw = std::move(v.as_object());
  const json::object& o = m.raw;
  const json::value* type = o.if_contains("type");
  if (type == nullptr || !type->is_string()) {
    return ParseError{code::kBadMessage, "a message needs a string 'type'", ""};
  }
  m.type = std::string(type->as_string());
  if (const json::value* s = o.if_contains("session"); s && s->is_string()) {
    m.session = std::string(s->as_string());
  }
  auto fail = [&](const Status& st) {
    return ParseError{code::kBadRequest, m.type + ": " + st.message(), m.session};
  };
  if (m.type == "hello") {
    if (Status st = Number(o, "version", 0, 1e9, &m.version); !st.ok()) return fail(st);
    if (Status st = String(o, "resume", &m.resume); !st.ok()) return fail(st);
    if (Status st = Number(o, "last_seq", -1, 9e15, &m.last_seq); !st.ok()) return fail(st);
  } else if (m.type == "start") {
    if (Status st = ParseStartFields(o, limits, &m); !st.ok()) return fail(st);
  } else if (m.type == "stop" || m.type == "branch") {
    if (m.session.empty()) return fail(Status::InvalidArgument("'session' (string) is required"));
    if (m.type == "branch") {
      const json::value* step = o.if_contains("step");
      const json::value* token = o.if_contains("token");
      if (step == nullptr || token == nullptr) {
        return fail(Status::InvalidArgument("'step' and 'token' are required"));
      }
      if (Status st = Number(o, "step", 0, 1e9, &m.step); !st.ok()) return fail(st);
      if (Status st = Number(o, "token", 0, 2e9, &m.token); !st.ok()) return fail(st);
      if (Status st = String(o, "id", &m.client_id); !st.ok()) return fail(st);
      if (const json::value* mt = o.if_contains("max_tokens"); mt && !mt->is_null()) {
        if (Status st = Number(o, "max_tokens", 1, limits.max_tokens, &m.request.max_tokens);
            !st.ok())
          return fail(st);
      } else {
        m.request.max_tokens = 0;  // 0 = as the original session
      }
    }
  } else if (m.type == "compare") {
    if (Status st = String(o, "id", &m.client_id); !st.ok()) return fail(st);
    for (const char* side : {"a", "b"}) {
      const json::value* v = o.if_contains(side);
      if (v == nullptr || !v->is_object()) {
        return fail(Status::InvalidArgument(std::string("'") + side +
                                            "' (an object of start fields) is required"));
      }
      json::object merged = o;
      merged.erase("a");
      merged.erase("b");
      merged.erase("id");
      for (const auto& kv : v->as_object()) merged[kv.key()] = kv.value();
      ClientMessage sm;
      sm.type = "start";
      if (Status st = ParseStartFields(merged, limits, &sm); !st.ok()) {
        return fail(Status::InvalidArgument(std::string(side) + ": " + st.message()));
      }
      if (sm.binary) return fail(Status::InvalidArgument("compare sends JSON only"));
      merged.erase("type");
      sm.raw = std::move(merged);
      m.sides.push_back(std::move(sm));
    }
  } else if (m.type == "ping") {
    if (const json::value* d = o.if_contains("data")) m.ping_data = *d;
  } else {
    return ParseError{code::kUnknownType,
                      "unknown message type '" + m.type +
                          "' (expected hello, start, stop, branch, compare or ping)",
                      m.session};
  }
  return m;
}

// --- Encoding -------------------------------------------------------------------------------

namespace {

json::object Base(int64_t seq, const char* type) {
  return json::object{{"type", type}, {"seq", seq}};
}

std::string Ser(const json::object& o) { return json::serialize(o); }

void PutU32(std::string* out, uint32_t v) { out->append(reinterpret_cast<const char*>(&v), 4); }
void PutI32(std::string* out, int32_t v) { out->append(reinterpret_cast<const char*>(&v), 4); }
void PutF32(std::string* out, float v) { out->append(reinterpret_cast<const char*>(&v), 4); }
void PutU64(std::string* out, uint64_t v) { out->append(reinterpret_cast<const char*>(&v), 8); }

}  // namespace

std::string HelloJson(int64_t seq, const std::string& resume_token, const Limits& limits,
                      bool resumed, const std::vector<std::string>& sessions) {
  json::object o = Base(seq, "hello");
  o["version"] = kProtocolVersion;
  o["server"] = "inferno";
  o["resume"] = resume_token;
  o["resumed"] = resumed;
  json::array s(sessions.begin(), sessions.end());
  o["sessions"] = std::move(s);
  o["limits"] = json::object{{"max_frame_bytes", limits.max_frame_bytes},
                             {"max_image_frame_bytes", limits.max_image_frame_bytes},
                             {"max_sessions_per_connection", limits.max_sessions_per_connection},
                             {"max_sessions", limits.max_sessions},
                             {"max_tokens", limits.max_tokens},
                             {"send_queue_bytes", limits.send_queue_bytes},
                             {"resume_seconds", limits.resume_seconds},
                             {"max_top_k", kMaxProbeTopK}};
  return Ser(o);
}

std::string SessionJson(int64_t seq, const std::string& session, const std::string& client_id,
                        const std::string& model, const json::object& request,
                        const std::string& parent, int branch_step) {
  json::object o = Base(seq, "session");
  o["session"] = session;
  if (!client_id.empty()) o["id"] = client_id;
  o["model"] = model;
  o["request"] = request;
  if (!parent.empty()) {
    o["parent"] = parent;
    o["branch_step"] = branch_step;
  }
  return Ser(o);
}

std::string StatusJson(int64_t seq, const std::string& session, const std::string& state,
                       double tokens_per_second, int generated) {
  json::object o = Base(seq, "status");
  o["session"] = session;
  o["state"] = state;
  if (tokens_per_second >= 0) o["tokens_per_second"] = tokens_per_second;
  if (generated >= 0) o["generated"] = generated;
  return Ser(o);
}

std::string ErrorJson(int64_t seq, const std::string& code, const std::string& message,
                      bool recoverable, const std::string& session) {
  json::object o = Base(seq, "error");
  if (!session.empty()) o["session"] = session;
  o["code"] = code;
  o["message"] = message;
  o["recoverable"] = recoverable;
  return Ser(o);
}

std::string PongJson(int64_t seq, const json::value& data) {
  json::object o = Base(seq, "pong");
  if (!data.is_null()) o["data"] = data;
  return Ser(o);
}

std::string RemoteModelMessage(const std::string& model) {
  return "'" + model +
         "' is a remote model: its server answers tokens and their top alternatives only, so "
         "what the debugger reads from the model itself (attention, the logit lens, the MoE "
         "router, full logits, branching with KV reuse) is unavailable for it; chat with it (the "
         "token view shows its top_logprobs), compare it through POST /api/compare, or debug a "
         "local GGUF of the model";
}

std::string RemoteCompareMessage(const std::string& model) {
  return "'" + model +
         "' is a remote model: the debugger's compare reads both models' full logits, which a "
         "remote does not give; POST /api/compare compares any two models, local or remote, from "
         "their top_logprobs";
}

StepComparison CompareLogits(std::span<const float> a, std::span<const float> b) {
  StepComparison c;
  const size_t n = std::min(a.size(), b.size());
  double max_a = -INFINITY, max_b = -INFINITY;
  for (size_t i = 0; i < n; ++i) {
    if (a[i] > max_a) {
      max_a = a[i];
      c.top1_a = int32_t(i);
    }
    if (b[i] > max_b) {
      max_b = b[i];
      c.top1_b = int32_t(i);
    }
  }
  double sa = 0, sb = 0;
  for (size_t i = 0; i < n; ++i) {
    sa += std::exp(a[i] - max_a);
    sb += std::exp(b[i] - max_b);
  }
  const double lse_a = max_a + std::log(sa), lse_b = max_b + std::log(sb);
  for (size_t i = 0; i < n; ++i) {
    const double la = a[i] - lse_a, lb = b[i] - lse_b;
    if (std::isfinite(la)) c.kl_ab += std::exp(la) * (la - lb);
    if (std::isfinite(lb)) c.kl_ba += std::exp(lb) * (lb - la);
  }
  c.kl_ab = std::max(0.0, c.kl_ab);
  c.kl_ba = std::max(0.0, c.kl_ba);
  return c;
}

std::string CompareSessionJson(int64_t seq, const std::string& compare,
                               const std::string& client_id, const std::string& a,
                               const std::string& b) {
  json::object o = Base(seq, "compare");
  o["kind"] = "session";
  o["compare"] = compare;
  if (!client_id.empty()) o["id"] = client_id;
  o["a"] = a;
  o["b"] = b;
  return Ser(o);
}

std::string CompareStepJson(int64_t seq, const std::string& compare, int index,
                            const StepComparison& c, int32_t id_a, int32_t id_b, bool same_prefix) {
  json::object o = Base(seq, "compare");
  o["kind"] = "step";
  o["compare"] = compare;
  o["index"] = index;
  o["a"] = json::object{{"id", id_a}, {"top1", c.top1_a}};
  o["b"] = json::object{{"id", id_b}, {"top1", c.top1_b}};
  o["kl_ab"] = c.kl_ab;
  o["kl_ba"] = c.kl_ba;
  o["top1_agree"] = c.top1_a == c.top1_b;
  o["same_prefix"] = same_prefix;
  return Ser(o);
}

std::string CompareSummaryJson(int64_t seq, const std::string& compare, int steps, double mean_kl,
                               double top1_agreement, int first_divergence) {
  json::object o = Base(seq, "compare");
  o["kind"] = "summary";
  o["compare"] = compare;
  o["steps"] = steps;
  o["mean_kl_ab"] = mean_kl;
  o["top1_agreement"] = top1_agreement;
  o["first_divergence"] = first_divergence;
  return Ser(o);
}

std::string EncodeTokenBinary(int64_t seq, const std::string& session, const Event& e,
                              bool logits) {
  std::string out = "INF1";
  out.push_back(char(1));  // kind 1: token
  out.append(3, '\0');
  PutU64(&out, uint64_t(seq));
  PutU32(&out, uint32_t(session.size()));
  out += session;
  PutI32(&out, e.position);
  PutI32(&out, e.id);
  PutF32(&out, e.logit);
  PutF32(&out, e.prob);
  PutI32(&out, e.rank);
  PutF32(&out, e.entropy);
  PutU32(&out, uint32_t(e.top.size()));
  for (const TopToken& t : e.top) {
    PutI32(&out, t.id);
    PutF32(&out, t.logit);
    PutF32(&out, t.prob);
  }
  const size_t n_logits = logits ? e.logits.size() : 0;
  PutU32(&out, uint32_t(n_logits));
  out.append(reinterpret_cast<const char*>(e.logits.data()), n_logits * sizeof(float));
  PutI32(&out, e.query_position);
  PutU32(&out, uint32_t(e.attention.size()));
  for (const AttentionHead& a : e.attention) {
    PutI32(&out, a.layer);
    PutI32(&out, a.head);
    PutU32(&out, uint32_t(a.weights.size()));
    out.append(reinterpret_cast<const char*>(a.weights.data()), a.weights.size() * sizeof(float));
  }
  return out;
}

std::string EncodeAttentionMapBinary(int64_t seq, const std::string& session,
                                     const AttentionMap& map) {
  std::string out = "INF1";
  out.push_back(char(2));  // kind 2: attention_prompt
  out.append(3, '\0');
  PutU64(&out, uint64_t(seq));
  PutU32(&out, uint32_t(session.size()));
  out += session;
  PutU32(&out, uint32_t(map.n_positions));
  PutU32(&out, uint32_t(map.layers.size() * map.heads.size()));
  const size_t tri = AttentionMap::Triangle(map.n_positions);
  out.reserve(out.size() + map.layers.size() * map.heads.size() * (8 + tri * sizeof(float)));
  for (size_t li = 0; li < map.layers.size(); ++li) {
    for (size_t hi = 0; hi < map.heads.size(); ++hi) {
      PutI32(&out, map.layers[li]);
      PutI32(&out, map.heads[hi]);
      const float* w = map.weights.data() + (li * map.heads.size() + hi) * tri;
      out.append(reinterpret_cast<const char*>(w), tri * sizeof(float));
    }
  }
  return out;
}

namespace {

// The envelope of a session's event message: the payload comes from the shared encoder.
json::object Envelope(int64_t seq, const char* type, const std::string& session) {
  json::object o = Base(seq, type);
  o["session"] = session;
  return o;
}

}  // namespace

std::string DoneJson(int64_t seq, const std::string& session, const Event& done) {
  return Ser(event_json::DoneJson(done, event_json::kDebuggerDone, Envelope(seq, "done", session)));
}

std::vector<Frame> EncodeEvent(int64_t* seq, const std::string& session, const Event& e,
                               const Tokenizer& tok, bool binary, bool logits) {
  namespace ej = event_json;
  std::vector<Frame> out;
  auto text = [&](const json::object& o) { out.push_back({*seq, false, Ser(o)}); };
  auto envelope = [&](const char* type) { return Envelope(++*seq, type, session); };
  switch (e.type) {
    case Event::Type::kPrompt:
      text(ej::PromptJson(e, &tok, envelope("prompt")));
      break;
    case Event::Type::kPromptScores:
      text(ej::SurprisalJson(e, tok, envelope("probe")));
      break;
    case Event::Type::kPromptAttention: {
      json::object o = ej::AttentionMapJson(e.attention_map, /*rows=*/!binary, envelope("probe"));
      if (binary) o["binary"] = true;  // the rows follow in one binary frame with the same seq
      text(o);
      if (binary) {
        out.push_back({*seq, true, EncodeAttentionMapBinary(*seq, session, e.attention_map)});
      }
      break;
    }
    case Event::Type::kPromptRouter:
      text(ej::RouterJson(e, envelope("probe")));
      break;
    case Event::Type::kToken: {
      json::object o = ej::TokenJson(e, ej::kDebuggerToken, {.numbers = !binary, .logits = logits},
                                     envelope("token"));
      // In binary mode the numbers follow in one binary frame with the same seq.
      if (binary) o["binary"] = true;
      text(o);
      if (binary) out.push_back({*seq, true, EncodeTokenBinary(*seq, session, e, logits)});
      // Binary mode sends the attention weights in the token's frame.
      if (!e.attention.empty() && !binary) text(ej::AttentionJson(e, envelope("probe")));
      if (!e.logit_lens.empty()) text(ej::LogitLensJson(e, envelope("probe")));
      if (!e.router.empty()) text(ej::RouterJson(e, envelope("probe")));
      break;
    }
    case Event::Type::kError:
      // The session is over; the connection and its other sessions are unaffected.
      {
        std::string error = ErrorJson(++*seq, code::kGenerationFailed, e.error.message(),
                                      /*recoverable=*/true, session);
        out.push_back({*seq, false, std::move(error)});
        break;
      }
    case Event::Type::kDone: {
      std::string done = DoneJson(++*seq, session, e);
      out.push_back({*seq, false, std::move(done)});
      break;
    }
  }
  return out;
}

}  // namespace inferno::server::debugger
