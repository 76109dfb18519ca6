// The one JSON encoder of the engine's events (engine/runtime/events.h). Every JSON front end
// (`inferno run --json`, the WebSocket debugger, the debugger's stored sessions, /chat SSE)
// encodes events here and adds only its envelope: `type`, `seq`, the session id, SSE framing.
//
// Each field of a token or of `done` is computed in one place; a documented format is a list of
// (field, key) pairs in the order it is written, so the formats that were documented before
// there was one encoder stay byte for byte what their documents show:
//   kRunToken, kRunDone             DESIGN.md §4 (`run --json`)
//   kDebuggerToken, kDebuggerDone   docs/protocol.md (`token`, `done`)
//   kStoredStep                     docs/store_api.md (a debugger session's `steps`)
//   kChatToken, kChatDone           docs/server.md (`POST /chat`)
// They share one naming, except /chat's, documented earlier with `text` for the display text
// and `token` for the piece.
//
// Each encoder appends its fields to `out`, so a front end passes its envelope in and gets
// the whole message back in the documented key order.
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/runtime/events.h"
#include "engine/tokenizer/tokenizer.h"

namespace inferno::event_json {

// A token's `draft` as the formats write it: "accepted", "rejected", "bonus" ("none" for
// kNone, which no format writes); and back (nullopt for any other name).
const char* DraftName(DraftMark m);
std::optional<DraftMark> ParseDraftName(std::string_view name);

// A JSON number for x; JSON has no NaN or infinity, so those (a masked token's -inf logit)
// are null.
boost::json::value Num(float x);
// log p as every API reports it: -9999 for a probability that underflowed to 0, as OpenAI's.
double Logprob(float prob);

// --- Tokens ---------------------------------------------------------------------------------

enum class TokenField {
  kIndex,      // 0-based among generated tokens
  kPosition,   // position of the token in the sequence
  kId,         // token id
  kPiece,      // the token's own bytes, made valid UTF-8
  kOutput,     // display text this token completed (Event::text)
  kLogit,      // raw logit
  kProb,       // full-vocabulary probability at temperature 1
  kLogprob,    // Logprob(prob)
  kRank,       // 0 = most likely
  kEntropy,    // nats
  kElapsedMs,  // since the request started
  kTop,        // the alternatives, [{id, text, logit, prob}]; only when there are any
  kLogits,     // the whole raw logits vector; only when the request asked for it
  // A thinking model's reasoning (engine/request/reasoning.h), only where there is some:
  kReasoning,  // reasoning text this token completed (Event::reasoning); only when not empty
  kPhase,      // "reasoning" for a token of the thought (tags included); only for those
  // Speculative decoding (engine/runtime/speculative.h), only for a token a draft was about:
  kDraft,    // "accepted" (drafted, accepted), "rejected" (the target's own instead of the
             // draft's), "bonus" (the target's own after a wholly accepted draft)
  kDraftId,  // the rejected draft token's id; only with "rejected"
};

struct TokenKey {
  TokenField field;
  const char* key;
};

struct TokenFormat {
  std::span<const TokenKey> keys;
  // "top": [] also when no alternatives were asked (the stored session always has it).
  bool top_always = false;
};

// How one consumer wants the numbers of a token this time.
struct TokenOptions {
  // false: the alternatives are {id, text} only and the logits are left out (the debugger's
  // binary mode sends those numbers in a binary frame).
  bool numbers = true;
  // false: the logits are left out even if present (a compare side asked for them, not the
  // client).
  bool logits = true;
};

extern const TokenFormat kRunToken;
extern const TokenFormat kDebuggerToken;
extern const TokenFormat kStoredStep;
extern const TokenFormat kChatToken;

// A generated token as the encoder reads it: an Event's, or a stored step's (whose fields
// are a subset; the rest stay zero and its format does not name them).
struct TokenData {
  int index = 0;
  int position = 0;
  int32_t id = 0;
  std::string_view piece;
  std::string_view output;
  float logit = 0;
  float prob = 0;
  int rank = 0;
  float entropy = 0;
  double elapsed_ms = 0;
  std::span<const TopToken> top;
  std::span<const float> logits;
  std::string_view reasoning;
  bool in_reasoning = false;
  DraftMark draft = DraftMark::kNone;
  int32_t draft_id = -1;

  static TokenData Of(const Event& e);
};

boost::json::object TokenJson(const TokenData& t, const TokenFormat& format,
                              const TokenOptions& options = {}, boost::json::object out = {});
inline boost::json::object TokenJson(const Event& e, const TokenFormat& format,
                                     const TokenOptions& options = {},
                                     boost::json::object out = {}) {
  return TokenJson(TokenData::Of(e), format, options, std::move(out));
}

// [{id, text, logit, prob}] (numbers = false: [{id, text}]): a token's alternatives, a logit
// lens layer's top tokens.
boost::json::array TopJson(std::span<const TopToken> top, bool numbers = true);

// {id, text}: a token shown with its piece.
boost::json::object IdTextJson(int32_t id, std::string_view piece);
// [{id, text}] of a list of tokens, the pieces from the tokenizer or given.
boost::json::array TokensJson(std::span<const int32_t> ids, const Tokenizer& tok);
boost::json::array TokensJson(std::span<const int32_t> ids, std::span<const std::string> pieces);

// --- kPrompt --------------------------------------------------------------------------------

// "tokens": the prompt's ids, or with a tokenizer [{id, text}].
boost::json::object PromptJson(const Event& e, const Tokenizer* tok, boost::json::object out = {});
// The `images` of a prompt event: [{first, tokens, rows, cols}] (docs/protocol.md), also what a
// stored debugger session keeps, read back by PromptImagesFromJson (InvalidArgument naming
// the field when malformed).
boost::json::array PromptImagesJson(std::span<const Event::PromptImage> images);
Status PromptImagesFromJson(const boost::json::value& v, std::vector<Event::PromptImage>* out);

// --- Probes (docs/protocol.md, `probe`) -----------------------------------------------------

// kPromptScores: kind "surprisal", tokens [{position, id, text, logprob, surprisal, rank}].
boost::json::object SurprisalJson(const Event& e, const Tokenizer& tok,
                                  boost::json::object out = {});
// kPromptAttention: kind "attention_prompt", positions, heads [{layer, head, rows}]; without
// rows (rows = false) when they travel in a binary frame.
boost::json::object AttentionMapJson(const AttentionMap& map, bool rows,
                                     boost::json::object out = {});
// kToken's attention: kind "attention", position, query_position, heads [{layer, head,
// weights}].
boost::json::object AttentionJson(const Event& e, boost::json::object out = {});
// kToken's logit lens: kind "logit_lens", position, query_position, layers [{layer, entropy,
// top}].
boost::json::object LogitLensJson(const Event& e, boost::json::object out = {});
// The router probe (MoE models): kToken's as kind "router" with position and query_position,
// kPromptRouter's as kind "router_prompt"; both with rows [{position, layer, experts,
// weights}] (experts by rank, weights summing to 1 when the family normalises them).
boost::json::object RouterJson(const Event& e, boost::json::object out = {});

// --- kDone ----------------------------------------------------------------------------------

enum class DoneField {
  kFinishReason,    // "stop", "length", "cancelled"
  kOutput,          // display text released at the end (held-back stop prefix), maybe ""
  kOutputIfAny,     // the same, only when not empty
  kReasoningIfAny,  // reasoning text released at the end (an unclosed thought), when any
  kTimings,         // TimingsJson
  // The timings one by one (a flat format):
  kLoadMs,
  kPromptTokens,
  kCachedTokens,  // of the prompt tokens, those the prompt cache held (not evaluated)
  kPromptMs,
  kPromptTokensPerSecond,
  kGeneratedTokens,
  kDecodeMs,
  kDecodeTokensPerSecond,
  kTtftMs,
  // Speculative decoding, only when a draft proposed anything: drafted_tokens,
  // accepted_tokens, acceptance_rate (the format's key is not used: the three are written).
  kSpeculationIfAny,
};

struct DoneKey {
  DoneField field;
  const char* key;
};

using DoneFormat = std::span<const DoneKey>;

extern const DoneFormat kRunDone;
extern const DoneFormat kDebuggerDone;
// /chat's done without what only the server knows: the front end adds `model` before and
// `peak_rss_bytes`, `finish_reason` after.
extern const DoneFormat kChatDone;

boost::json::object DoneJson(const Event& e, DoneFormat format, boost::json::object out = {});

// A generation's timings: {load_ms, prompt_tokens, cached_tokens, prompt_ms,
// prompt_tokens_per_second, generated_tokens, decode_ms, decode_tokens_per_second, ttft_ms},
// then drafted_tokens, accepted_tokens, acceptance_rate when a draft proposed anything.
boost::json::object TimingsJson(const Timings& t);

// --- kError ---------------------------------------------------------------------------------

// "message": what failed.
boost::json::object ErrorJson(const Event& e, boost::json::object out = {});

}  // namespace inferno::event_json
