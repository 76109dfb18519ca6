#include "engine/request/event_json.h"

#include <charconv>
#include <cmath>
#include <cstdlib>

#include "engine/util/utf8.h"

namespace inferno::event_json {
namespace json = boost::json;

const char* DraftName(DraftMark m) {
  switch (m) {
    case DraftMark::kAccepted:
      return "accepted";
    case DraftMark::kRejected:
      return "rejected";
    case DraftMark::kBonus:
      return "bonus";
    case DraftMark::kNone:
      break;
  }
  return "none";
}

std::optional<DraftMark> ParseDraftName(std::string_view name) {
  for (DraftMark m : {DraftMark::kAccepted, DraftMark::kRejected, DraftMark::kBonus}) {
    if (name == DraftName(m)) return m;
  }
  return std::nullopt;
}

namespace {

// A float as the double whose shortest decimal form is the float's own shortest form
// (0.37867925 rather than 0.3786792457103729): the prompt attention map is n² weights, and this
// makes its JSON about half as long while parsing back to exactly the same float.
double ShortFloat(float x) {
  char buf[32];
  const std::to_chars_result r = std::to_chars(buf, buf + sizeof(buf) - 1, x);
  *r.ptr = '\0';
  return std::strtod(buf, nullptr);
}

json::value TokenValue(const TokenData& t, TokenField f, bool numbers) {
  switch (f) {
    case TokenField::kIndex:
      return t.index;
    case TokenField::kPosition:
      return t.position;
    case TokenField::kId:
      return t.id;
    case TokenField::kPiece:
      return json::string(ToValidUtf8(t.piece));
    case TokenField::kOutput:
      return json::string(t.output);
    case TokenField::kLogit:
      return Num(t.logit);
    case TokenField::kProb:
      return Num(t.prob);
    case TokenField::kLogprob:
      return Logprob(t.prob);
    case TokenField::kRank:
      return t.rank;
    case TokenField::kEntropy:
      return Num(t.entropy);
    case TokenField::kElapsedMs:
      return t.elapsed_ms;
    case TokenField::kTop:
      return TopJson(t.top, numbers);
    case TokenField::kReasoning:
      return json::string(t.reasoning);
    case TokenField::kPhase:
      return "reasoning";
    case TokenField::kDraft:
      return DraftName(t.draft);
    case TokenField::kDraftId:
      return t.draft_id;
    case TokenField::kLogits: {
      json::array a;
      a.reserve(t.logits.size());
      for (float x : t.logits) a.push_back(Num(x));
      return a;
    }
  }
  return nullptr;
}

// Whether a field is written at all for this token.
bool Present(const TokenData& t, TokenField f, const TokenFormat& format, const TokenOptions& o) {
  switch (f) {
    case TokenField::kTop:
      return format.top_always || !t.top.empty();
    case TokenField::kLogits:
      return o.numbers && o.logits && !t.logits.empty();
    case TokenField::kReasoning:
      return !t.reasoning.empty();
    case TokenField::kPhase:
      return t.in_reasoning;
    case TokenField::kDraft:
      return t.draft != DraftMark::kNone;
    case TokenField::kDraftId:
      return t.draft == DraftMark::kRejected;
    default:
      return true;
  }
}

json::value TimingValue(const Timings& t, DoneField f) {
  switch (f) {
    case DoneField::kLoadMs:
      return t.load_ms;
    case DoneField::kPromptTokens:
      return t.prompt_tokens;
    case DoneField::kCachedTokens:
      return t.cached_tokens;
    case DoneField::kPromptMs:
      return t.prompt_ms;
    case DoneField::kPromptTokensPerSecond:
      return t.prompt_tokens_per_second();
    case DoneField::kGeneratedTokens:
      return t.generated_tokens;
    case DoneField::kDecodeMs:
      return t.decode_ms;
    case DoneField::kDecodeTokensPerSecond:
      return t.decode_tokens_per_second();
    case DoneField::kTtftMs:
      return t.ttft_ms;
    default:
      return nullptr;
  }
}

json::value DoneValue(const Event& e, DoneField f) {
  switch (f) {
    case DoneField::kFinishReason:
      return json::string(e.finish_reason);
    case DoneField::kOutput:
    case DoneField::kOutputIfAny:
      return json::string(e.text);
    case DoneField::kReasoningIfAny:
      return json::string(e.reasoning);
    case DoneField::kTimings:
      return TimingsJson(e.timings);
    default:
      return TimingValue(e.timings, f);
  }
}

// The timings in the order every nested `timings` object has them.
constexpr DoneKey kTimingKeys[] = {
    {DoneField::kLoadMs, "load_ms"},
    {DoneField::kPromptTokens, "prompt_tokens"},
    {DoneField::kCachedTokens, "cached_tokens"},
    {DoneField::kPromptMs, "prompt_ms"},
    {DoneField::kPromptTokensPerSecond, "prompt_tokens_per_second"},
    {DoneField::kGeneratedTokens, "generated_tokens"},
    {DoneField::kDecodeMs, "decode_ms"},
    {DoneField::kDecodeTokensPerSecond, "decode_tokens_per_second"},
    {DoneField::kTtftMs, "ttft_ms"},
};

constexpr TokenKey kRunTokenKeys[] = {
    {TokenField::kIndex, "index"}, {TokenField::kPosition, "position"},
    {TokenField::kId, "id"},       {TokenField::kPiece, "text"},
    {TokenField::kLogit, "logit"}, {TokenField::kProb, "prob"},
    {TokenField::kRank, "rank"},   {TokenField::kEntropy, "entropy"},
    {TokenField::kTop, "top"},     {TokenField::kPhase, "phase"},
    {TokenField::kDraft, "draft"}, {TokenField::kDraftId, "draft_id"},
};
constexpr TokenKey kDebuggerTokenKeys[] = {
    {TokenField::kIndex, "index"},     {TokenField::kPosition, "position"},
    {TokenField::kId, "id"},           {TokenField::kPiece, "text"},
    {TokenField::kOutput, "output"},   {TokenField::kReasoning, "reasoning"},
    {TokenField::kPhase, "phase"},     {TokenField::kLogit, "logit"},
    {TokenField::kProb, "prob"},       {TokenField::kRank, "rank"},
    {TokenField::kEntropy, "entropy"}, {TokenField::kElapsedMs, "elapsed_ms"},
    {TokenField::kTop, "top"},         {TokenField::kLogits, "logits"},
    {TokenField::kDraft, "draft"},     {TokenField::kDraftId, "draft_id"},
};
constexpr TokenKey kStoredStepKeys[] = {
    {TokenField::kId, "id"},       {TokenField::kPiece, "text"},
    {TokenField::kLogit, "logit"}, {TokenField::kProb, "prob"},
    {TokenField::kRank, "rank"},   {TokenField::kEntropy, "entropy"},
    {TokenField::kTop, "top"},     {TokenField::kPhase, "phase"},
    {TokenField::kDraft, "draft"}, {TokenField::kDraftId, "draft_id"},
};
// /chat named the display text `text` and the piece `token` before there was one encoder.
constexpr TokenKey kChatTokenKeys[] = {
    {TokenField::kIndex, "index"},
    {TokenField::kOutput, "text"},
    {TokenField::kReasoning, "reasoning"},
    {TokenField::kPhase, "phase"},
    {TokenField::kId, "id"},
    {TokenField::kPiece, "token"},
    {TokenField::kLogprob, "logprob"},
    {TokenField::kElapsedMs, "elapsed_ms"},
    {TokenField::kDraft, "draft"},
    {TokenField::kDraftId, "draft_id"},
};

constexpr DoneKey kRunDoneKeys[] = {
    {DoneField::kFinishReason, "finish_reason"},
    {DoneField::kTimings, "timings"},
};
constexpr DoneKey kDebuggerDoneKeys[] = {
    {DoneField::kFinishReason, "finish_reason"},
    {DoneField::kOutputIfAny, "output"},
    {DoneField::kReasoningIfAny, "reasoning"},
    {DoneField::kTimings, "timings"},
};
constexpr DoneKey kChatDoneKeys[] = {
    {DoneField::kOutput, "text"},
    {DoneField::kReasoningIfAny, "reasoning"},
    {DoneField::kLoadMs, "load_ms"},
    {DoneField::kPromptTokens, "prompt_tokens"},
    {DoneField::kCachedTokens, "cached_tokens"},
    {DoneField::kPromptTokensPerSecond, "prompt_tokens_per_second"},
    {DoneField::kDecodeTokensPerSecond, "decode_tokens_per_second"},
    {DoneField::kTtftMs, "ttft_ms"},
    {DoneField::kGeneratedTokens, "generated_tokens"},
    {DoneField::kSpeculationIfAny, ""},
};

// Speculative decoding's counts, only when a draft proposed anything (a request without
// speculation keeps its documented keys).
void AddSpeculation(const Timings& t, json::object& out) {
  if (t.drafted_tokens <= 0) return;
  out["drafted_tokens"] = t.drafted_tokens;
  out["accepted_tokens"] = t.accepted_tokens;
  out["acceptance_rate"] = t.acceptance_rate();
}

}  // namespace

const TokenFormat kRunToken{kRunTokenKeys};
const TokenFormat kDebuggerToken{kDebuggerTokenKeys};
const TokenFormat kStoredStep{kStoredStepKeys, /*top_always=*/true};
const TokenFormat kChatToken{kChatTokenKeys};
const DoneFormat kRunDone{kRunDoneKeys};
const DoneFormat kDebuggerDone{kDebuggerDoneKeys};
const DoneFormat kChatDone{kChatDoneKeys};

json::value Num(float x) {
  if (!std::isfinite(x)) return nullptr;
  return double(x);
}

double Logprob(float prob) { return prob > 0 ? std::log(double(prob)) : -9999.0; }

TokenData TokenData::Of(const Event& e) {
  TokenData t;
  t.index = e.index;
  t.position = e.position;
  t.id = e.id;
  t.piece = e.piece;
  t.output = e.text;
  t.logit = e.logit;
  t.prob = e.prob;
  t.rank = e.rank;
  t.entropy = e.entropy;
  t.elapsed_ms = e.elapsed_ms;
  t.top = e.top;
  t.logits = e.logits;
  t.reasoning = e.reasoning;
  t.in_reasoning = e.in_reasoning;
  t.draft = e.draft;
  t.draft_id = e.draft_id;
  return t;
}

json::object TokenJson(const TokenData& t, const TokenFormat& format, const TokenOptions& options,
                       json::object out) {
  for (const TokenKey& k : format.keys) {
    if (Present(t, k.field, format, options)) {
      out[k.key] = TokenValue(t, k.field, options.numbers);
    }
  }
  return out;
}

json::array TopJson(std::span<const TopToken> top, bool numbers) {
  json::array a;
  a.reserve(top.size());
  for (const TopToken& t : top) {
    json::object o = IdTextJson(t.id, t.text);
    if (numbers) {
      o["logit"] = Num(t.logit);
      o["prob"] = Num(t.prob);
    }
    if (t.removed) o["removed"] = true;  // only under a grammar: absent is the common case
    a.push_back(std::move(o));
  }
  return a;
}

json::object IdTextJson(int32_t id, std::string_view piece) {
  return json::object{{"id", id}, {"text", ToValidUtf8(piece)}};
}

json::array TokensJson(std::span<const int32_t> ids, const Tokenizer& tok) {
  json::array a;
  a.reserve(ids.size());
  for (int32_t id : ids) a.push_back(IdTextJson(id, tok.TokenToPiece(id)));
  return a;
}

json::array TokensJson(std::span<const int32_t> ids, std::span<const std::string> pieces) {
  json::array a;
  a.reserve(ids.size());
  for (size_t i = 0; i < ids.size() && i < pieces.size(); ++i) {
    a.push_back(IdTextJson(ids[i], pieces[i]));
  }
  return a;
}

json::object PromptJson(const Event& e, const Tokenizer* tok, json::object out) {
  if (tok != nullptr) {
    out["tokens"] = TokensJson(e.prompt_tokens, *tok);
  } else {
    out["tokens"] = json::array(e.prompt_tokens.begin(), e.prompt_tokens.end());
  }
  if (!e.prompt_images.empty()) out["images"] = PromptImagesJson(e.prompt_images);
  return out;
}

json::array PromptImagesJson(std::span<const Event::PromptImage> images) {
  json::array out;
  for (const Event::PromptImage& im : images) {
    out.push_back(json::object{
        {"first", im.first}, {"tokens", im.n_tokens}, {"rows", im.rows}, {"cols", im.cols}});
  }
  return out;
}

Status PromptImagesFromJson(const json::value& v, std::vector<Event::PromptImage>* out) {
  const auto bad = [] {
    return Status::InvalidArgument(
        "'images' must be an array of {first, tokens, rows, cols} with rows * cols == tokens");
  };
  if (!v.is_array()) return bad();
  for (const json::value& e : v.as_array()) {
    const json::object* o = e.if_object();
    int values[4] = {0, 0, 0, 0};
    const char* keys[4] = {"first", "tokens", "rows", "cols"};
    for (int i = 0; i < 4; ++i) {
      const json::value* f = o ? o->if_contains(keys[i]) : nullptr;
      if (!f || !f->is_int64() || f->as_int64() < 0 || f->as_int64() > (1 << 24)) return bad();
      values[i] = int(f->as_int64());
    }
    if (int64_t(values[2]) * values[3] != values[1]) return bad();
    out->push_back({values[0], values[1], values[2], values[3]});
  }
  return Status::Ok();
}

json::object SurprisalJson(const Event& e, const Tokenizer& tok, json::object out) {
  out["kind"] = "surprisal";
  json::array tokens;
  tokens.reserve(e.prompt_scores.size());
  for (const PromptScore& s : e.prompt_scores) {
    tokens.push_back(json::object{{"position", s.position},
                                  {"id", s.id},
                                  {"text", ToValidUtf8(tok.TokenToPiece(s.id))},
                                  {"logprob", Num(s.logprob)},
                                  {"surprisal", Num(-s.logprob)},
                                  {"rank", s.rank}});
  }
  out["tokens"] = std::move(tokens);
  return out;
}

namespace {

// Row by row, each row the weights of query i over positions 0..i.
json::array MapRows(const AttentionMap& map, size_t li, size_t hi) {
  json::array rows;
  rows.reserve(map.n_positions);
  for (int i = 0; i < map.n_positions; ++i) {
    json::array row;
    row.reserve(i + 1);
    for (float x : map.Row(li, hi, i)) row.push_back(ShortFloat(x));
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace

json::object AttentionMapJson(const AttentionMap& map, bool rows, json::object out) {
  out["kind"] = "attention_prompt";
  out["positions"] = map.n_positions;
  json::array heads;
  for (size_t li = 0; li < map.layers.size(); ++li) {
    for (size_t hi = 0; hi < map.heads.size(); ++hi) {
      json::object h{{"layer", map.layers[li]}, {"head", map.heads[hi]}};
      if (rows) h["rows"] = MapRows(map, li, hi);
      heads.push_back(std::move(h));
    }
  }
  out["heads"] = std::move(heads);
  return out;
}

json::object AttentionJson(const Event& e, json::object out) {
  out["kind"] = "attention";
  out["position"] = e.position;
  out["query_position"] = e.query_position;
  json::array heads;
  for (const AttentionHead& a : e.attention) {
    json::array w;
    w.reserve(a.weights.size());
    for (float x : a.weights) w.push_back(double(x));
    heads.push_back(json::object{{"layer", a.layer}, {"head", a.head}, {"weights", std::move(w)}});
  }
  out["heads"] = std::move(heads);
  return out;
}

json::object LogitLensJson(const Event& e, json::object out) {
  out["kind"] = "logit_lens";
  out["position"] = e.position;
  out["query_position"] = e.query_position;
  json::array layers;
  for (const LensLayer& l : e.logit_lens) {
    layers.push_back(
        json::object{{"layer", l.layer}, {"entropy", Num(l.entropy)}, {"top", TopJson(l.top)}});
  }
  out["layers"] = std::move(layers);
  return out;
}

json::object RouterJson(const Event& e, json::object out) {
  if (e.type == Event::Type::kPromptRouter) {
    out["kind"] = "router_prompt";
  } else {
    out["kind"] = "router";
    out["position"] = e.position;
    out["query_position"] = e.query_position;
  }
  json::array rows;
  rows.reserve(e.router.size());
  for (const RouterRow& r : e.router) {
    json::array experts, weights;
    for (int32_t x : r.experts) experts.push_back(x);
    for (float w : r.weights) weights.push_back(Num(w));
    rows.push_back(json::object{{"position", r.position},
                                {"layer", r.layer},
                                {"experts", std::move(experts)},
                                {"weights", std::move(weights)}});
  }
  out["rows"] = std::move(rows);
  return out;
}

json::object DoneJson(const Event& e, DoneFormat format, json::object out) {
  for (const DoneKey& k : format) {
    if (k.field == DoneField::kOutputIfAny && e.text.empty()) continue;
    if (k.field == DoneField::kReasoningIfAny && e.reasoning.empty()) continue;
    if (k.field == DoneField::kSpeculationIfAny) {
      AddSpeculation(e.timings, out);
      continue;
    }
    out[k.key] = DoneValue(e, k.field);
  }
  return out;
}

json::object TimingsJson(const Timings& t) {
  json::object out;
  for (const DoneKey& k : kTimingKeys) out[k.key] = TimingValue(t, k.field);
  AddSpeculation(t, out);
  return out;
}

json::object ErrorJson(const Event& e, json::object out) {
  out["message"] = e.error.message();
  return out;
}

}  // namespace inferno::event_json
