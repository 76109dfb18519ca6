// The engine's one event stream. A generation emits: one kPrompt, then one kToken per
// generated token, then kDone, or kError at any point. Every front end (CLI text/JSONL,
// HTTP SSE, WebSocket debugger) encodes these events and adds nothing of its own.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "engine/runtime/tool_calls.h"
#include "engine/util/status.h"

namespace inferno {

struct TopToken {
  int32_t id = 0;
  std::string text;  // the token's piece (bytes; may be part of a UTF-8 character)
  float logit = 0;
  float prob = 0;        // softmax over the full vocabulary at temperature 1
  bool removed = false;  // the request's grammar refused this token at this step
};

// Probe results (engine/runtime/probes.h), attached to events only when a request asks.
struct AttentionHead {
  int layer = 0;
  int head = 0;
  std::vector<float> weights;  // over positions 0..query_position, summing to 1
};
// The prompt×prompt attention map (ProbeOptions::attention_prompt): the attention of every
// prompt position over the positions before it, for the chosen layers and heads, from the
// batched prompt evaluation.
struct AttentionMap {
  int n_positions = 0;      // prompt tokens: query and key positions are 0..n_positions-1
  std::vector<int> layers;  // recorded layers, ascending
  std::vector<int> heads;   // recorded heads (of each recorded layer), ascending
  // [layers][heads][Triangle(n_positions)]: per head the lower triangle row by row; query row
  // i starts at i(i+1)/2 and holds its i+1 weights over positions 0..i (summing to 1; 0
  // outside a sliding window).
  std::vector<float> weights;

  static size_t Triangle(int n) { return size_t(n) * (size_t(n) + 1) / 2; }
  // Row i of the li-th recorded layer's hi-th recorded head.
  std::span<const float> Row(size_t li, size_t hi, int i) const {
    const size_t head = (li * heads.size() + hi) * Triangle(n_positions);
    return {weights.data() + head + Triangle(i), size_t(i) + 1};
  }
};
struct LensLayer {
  int layer = 0;      // the residual stream after this layer (0-based)
  float entropy = 0;  // nats, of that layer's projected distribution
  std::vector<TopToken> top;
};
// The router of one MoE layer for one token (ProbeOptions::router): the experts it chose, by
// rank, and the weights their outputs were summed with.
struct RouterRow {
  int position = 0;  // of the token routed
  int layer = 0;
  std::vector<int32_t> experts;
  std::vector<float> weights;
};
struct PromptScore {
  int position = 0;  // of the scored prompt token (>= 1: the first token has no context)
  int32_t id = 0;
  float logprob = 0;  // log p(token | the tokens before it), teacher-forced; surprisal = -logprob
  int rank = 0;       // 0 = the model's most likely token at that position
  std::vector<TopToken> top;  // the request's top_k_events most likely tokens there
};

struct Timings {
  double load_ms = 0;
  int prompt_tokens = 0;  // the whole prompt
  // Of those, the leading ones found in the prompt cache and not evaluated again
  // (engine/runtime/prompt_cache.h); prompt_ms covers only the others.
  int cached_tokens = 0;
  double prompt_ms = 0;
  int generated_tokens = 0;
  double decode_ms = 0;  // from the first sampled token to the last
  double ttft_ms = 0;    // request start to first token
  // Computing the request's image/audio embeddings (engine/runtime/media.h); part of ttft_ms.
  double media_ms = 0;
  // Speculative decoding (engine/runtime/speculative.h): tokens a draft proposed and how many
  // of them the target accepted; 0 and 0 without speculation.
  int drafted_tokens = 0;
  int accepted_tokens = 0;
  double acceptance_rate() const {
    return drafted_tokens > 0 ? double(accepted_tokens) / drafted_tokens : 0;
  }
  int evaluated_prompt_tokens() const { return prompt_tokens - cached_tokens; }
  double prompt_tokens_per_second() const {
    return prompt_ms > 0 ? evaluated_prompt_tokens() * 1000.0 / prompt_ms : 0;
  }
  double decode_tokens_per_second() const {
    // The first token comes out of the prompt pass; decode speed counts the steps after it.
    return decode_ms > 0 && generated_tokens > 1 ? (generated_tokens - 1) * 1000.0 / decode_ms : 0;
  }
};

// How a generated token relates to a speculative draft (engine/runtime/speculative.h).
enum class DraftMark {
  kNone,      // no draft proposed a token at this position: sampled as in plain decoding
  kAccepted,  // the draft proposed this token and the target's verification accepted it
  kRejected,  // the draft proposed Event::draft_id; the target chose this token instead
  kBonus,     // the whole draft was accepted: this token is the target's own, from the same pass
};

struct Event {
  // kPromptScores (only when prompt_surprisal is asked), kPromptAttention (only when
  // attention_prompt is asked) and kPromptRouter (only when router is asked) come after
  // kPrompt, in that order, before the first kToken.
  enum class Type {
    kPrompt,
    kPromptScores,
    kPromptAttention,
    kPromptRouter,
    kToken,
    kError,
    kDone
  };
  Type type = Type::kToken;
  // kToken, kDone: which of the request's n sequences (GenerateRequest::n) this event is of,
  // 0..n-1; each sends its own kToken... kDone.
  int choice = 0;

  // kPrompt
  std::vector<int32_t> prompt_tokens;
  // kPrompt: the images among prompt_tokens, in order (what the debugger lays attention on).
  struct PromptImage {
    int first = 0;           // position of its first token
    int n_tokens = 0;        // rows * cols
    int rows = 0, cols = 0;  // the projector's output grid, row-major over the picture
  };
  std::vector<PromptImage> prompt_images;

  // kToken
  int position = 0;  // position of this token in the sequence
  int index = 0;     // 0-based index among generated tokens
  int32_t id = 0;
  std::string piece;      // the token's own bytes
  std::string text;       // newly completed UTF-8 text to show (stop strings held back/removed);
                          // with a reasoning splitter: the answer's text only
  std::string reasoning;  // newly completed reasoning text (kToken and kDone; splitter only)
  // The token is part of the model's reasoning (its tags included), as the request's
  // reasoning splitter read it (engine/runtime/reasoning.h); false without one.
  bool in_reasoning = false;
  // The token is the end-of-generation token that ended the generation: it adds no text, so
  // front ends that list the tokens of the output (OpenAI's logprobs) leave it out.
  bool end_of_generation = false;
  // Tool calls this token completed or continued (kToken and kDone; the request's tool-call
  // parser only, engine/runtime/tool_calls.h); their text is in neither `text` nor `reasoning`.
  std::vector<ToolCallDelta> tool_calls;
  float logit = 0;
  float prob = 0;             // full-vocabulary probability of the chosen token
  int rank = 0;               // 0 = the most likely token
  float entropy = 0;          // nats, full distribution
  std::vector<TopToken> top;  // k best alternatives when requested
  double elapsed_ms = 0;      // since the request started
  // Speculative decoding: whether a draft proposed this token (the logits, probabilities and
  // top-k above are always the target model's), and the drafted token at a rejection.
  DraftMark draft = DraftMark::kNone;
  int32_t draft_id = -1;
  // Probes asked for by the request (empty otherwise). Attention and logit lens describe the
  // forward pass that produced this token's logits: the query is the token at
  // query_position = position - 1, attending over positions 0..query_position.
  std::vector<float> logits;  // full_logits: the whole vector, before penalties
  int query_position = -1;
  std::vector<AttentionHead> attention;
  std::vector<LensLayer> logit_lens;
  // router: the query token's routing in each MoE layer (kToken), or every prompt token's
  // routing, by position then layer (kPromptRouter).
  std::vector<RouterRow> router;

  // kPromptScores
  std::vector<PromptScore> prompt_scores;

  // kPromptAttention
  AttentionMap attention_map;

  // kError
  Status error;

  // kDone (also `text` and `reasoning`: what was held back until the end)
  Timings timings;
  // "stop" (EOS or stop string), "tool_calls" (a stop after tool calls), "length", "cancelled"
  std::string finish_reason;
  // The stop string (GenerateRequest::stop) that ended the generation; "" when none did
  // (Anthropic's stop_sequence).
  std::string stop_sequence;
};

// Receives events in order. Returning false cancels the generation at the next step.
using EventSink = std::function<bool(const Event&)>;

}  // namespace inferno
