// One request's generation, independent of how its forward passes are scheduled: prompt
// tokenization and checks, sampling, stop strings, streaming UTF-8 text, timings and the
// events. Session (one sequence at a time) and Scheduler (several, batched) drive it alike:
//
//   Start();  while (!PromptDone()) { eval NextPromptChunk(n) at pos(); Advance(n); }
//   while (OnLogits(logits)) { eval next_token() at pos(); Advance(1); }
//
// Probes: each batch row evaluating this sequence's token at position p gets hook(p) as its
// capture hook (engine/model/capture_hook.h; null: nothing probed there). The pass that produces
// logits records the per-token probes of the token whose logits are used, then AfterForward()
// runs before OnLogits(). With the prompt map on, every prompt token records its attention into
// it; the Advance() that completes the prompt emits the map as kPromptAttention. With the router
// probe on, every token's MoE routing is recorded: the prompt's emitted as kPromptRouter by
// that same Advance(), each generated token's query's with its kToken. When
// wants_prompt_logits(), prompt chunks are evaluated with every row's logits and handed to
// OnPromptLogits() before Advance().
#pragma once

#include <boost/json/object.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "engine/grammar/grammar.h"
#include "engine/grammar/token_constraint.h"
#include "engine/model/model.h"
#include "engine/runtime/events.h"
#include "engine/runtime/media.h"
#include "engine/runtime/probes.h"
#include "engine/runtime/reasoning.h"
#include "engine/runtime/sampler.h"
#include "engine/runtime/speculative.h"
#include "engine/runtime/tool_calls.h"
#include "engine/tokenizer/chat_template.h"
#include "engine/tokenizer/tokenizer.h"

namespace inferno {

struct GenerateRequest {
  std::string prompt;  // raw prompt (used when messages is empty)
  // Fill-in-the-middle: the text after the gap, `prompt` being the text before it; the model
  // must have FIM tokens (OpenAI's `suffix`). Empty: a plain continuation.
  std::string suffix;
  std::vector<ChatMessage> messages;   // chat mode: rendered with the model's template
  std::vector<int32_t> prompt_tokens;  // already tokenized prompt; wins over both when set
  // Further variables for the chat template (OpenAI-compatible servers' chat_template_kwargs:
  // {"enable_thinking": false} for Qwen3, ...).
  boost::json::object template_kwargs;
  int max_tokens = 128;
  // Sequences sampled from the prompt (OpenAI's `n`): the Scheduler evaluates the prompt once
  // and decodes the n sequences together, their events told apart by Event::choice; sequence
  // i > 0 samples with seed + i. Session runs only 1.
  int n = 1;
  SamplingParams sampling;
  std::vector<std::string> stop;  // stop strings (not included in the output)
  int top_k_events = 0;           // alternatives attached to each token event (0..100)
  ProbeOptions probes;            // opt-in probes (attention, logit lens, ...)
  bool ignore_eos = false;
  ReasoningFormat reasoning_format = ReasoningFormat::kAuto;
  // Constrained decoding (engine/grammar): only tokens the grammar allows are sampled, an
  // end-of-generation token only where the grammar is complete, and the generation stops when
  // nothing more can follow. Front ends set it from response_format / json_schema / grammar
  // (request::ReadStructuredOutput); a tool-call parser may set one of its own.
  std::shared_ptr<const grammar::Grammar> grammar;
  // Tokens the grammar has already matched before this run's first generated token: a
  // debugger branch continues a constrained run from the middle (its prefix is in the prompt).
  std::vector<int32_t> grammar_prefix;
  // Set by request::Prepare() for the model and reasoning_format: splits each generation's
  // text into reasoning and answer (empty: no split; Event::text is all the text).
  ReasoningSplitterFactory reasoning;
  // Tools offered (OpenAI's `tools`, rendered by the chat template) and what the client
  // allowed of them.
  boost::json::array tools;
  ToolChoice tool_choice;
  bool parallel_tool_calls = true;
  // Set by request::Prepare() (engine/request/tool_calls.h): text the prompt ends with after the
  // template (the opening of a forced call), and the parser of the model's tool calls (empty:
  // none parsed; Event::tool_calls stays empty).
  std::string prompt_suffix;
  ToolCallParserFactory tool_calls;
  // Speculative decoding of this request: unset follows the front end's setting (`--spec`);
  // kOff turns it off, kLookup asks for prompt lookup, kDraft for the front end's draft model
  // (none loaded: no speculation). Never on a model that cannot speculate.
  std::optional<SpecMode> speculation;
  // Images sent with the request, in the order their markers (<__media__>) appear in the
  // rendered prompt (none: before the text): references as engine/request/image_input.h reads
  // them (a data URL, else what the front end's fetcher takes). Prepare() turns them into
  // `media`.
  std::vector<std::string> images;
  // Images in the prompt (engine/runtime/media.h), set by request::Prepare() with the
  // placeholders in prompt_tokens (engine/vision/media_prompt.h).
  using MediaSpan = inferno::MediaSpan;
  std::vector<MediaSpan> media;
};

// The speculation the request asks for (GenerateRequest::speculation), but off with images in
// the prompt: prompt lookup would draft from their placeholder ids, and a draft model never
// sees the image, so its drafts would mostly be refused (output stays correct either way:
// verification decides; this only spares wasted passes).
std::optional<SpecMode> AskedSpeculation(const GenerateRequest& request);

// The prompt as text: `prompt`, or the messages rendered by the model's chat template (without
// BOS) followed by prompt_suffix.
Result<std::string> PromptText(const Model& model, const GenerateRequest& request);

// Tokenizes a request's prompt as generation does: BOS/EOS per the model's metadata,
// special tokens recognised, the chat template applied to messages; with a suffix, the
// fill-in-the-middle prompt (see FimTokens).
Result<std::vector<int32_t>> PromptTokens(const Model& model, const GenerateRequest& request);

// The fill-in-the-middle prompt of text `prefix` + gap + `suffix`; InvalidArgument when the
// vocabulary lacks the FIM tokens.
Result<std::vector<int32_t>> FimTokens(const Tokenizer& tok, const std::string& prefix,
                                       const std::string& suffix);

// Encoders (bert) have no output head: generating with one is refused with a message pointing
// at the embeddings endpoints.
Status CheckGenerates(const ModelConfig& config);

// The prompt must leave room for at least one generated token in a context of n_ctx; the one
// message every front end shows (request::Prepare checks before queueing, Start() again).
Status CheckPromptFits(int n_prompt, int n_ctx);
// Every id within the vocabulary.
Status CheckPromptTokenIds(std::span<const int32_t> ids, int n_vocab);

class Sequence {
 public:
  using Clock = std::chrono::steady_clock;

  // `start` is when the request arrived (time to first token counts from it).
  Sequence(const Model& model, GenerateRequest request, EventSink sink, int n_ctx,
           Clock::time_point start = Clock::now());
  Sequence(const Sequence&) = delete;  // hooks point into the sequence
  Sequence& operator=(const Sequence&) = delete;

  // Tokenizes and checks the prompt and emits kPrompt. On failure emits kError and returns
  // it; the sequence is then finished.
  Status Start();

  // After Start(), before any evaluation: the first n prompt tokens are already in the KV
  // cache (the prompt cache, engine/runtime/prompt_cache.h; 0 <= n < prompt size), so
  // evaluation starts at position n. Reported as Timings::cached_tokens.
  void ReusePrefix(int n);
  // The prompt's tokens (after Start()).
  const std::vector<int32_t>& prompt() const { return prompt_; }
  // The tokens in the KV cache, positions 0..pos()-1: the prompt, then generated tokens.
  std::vector<int32_t> CachedTokens() const;

  bool PromptDone() const { return evaluated_ >= int(prompt_.size()); }
  // The next up to `max` prompt tokens to evaluate, at positions pos()...
  std::span<const int32_t> NextPromptChunk(int max);
  // Records that n more tokens (prompt chunk or next_token()) were evaluated.
  void Advance(int n);
  int pos() const { return evaluated_; }

  // Called with the logits after the last prompt token or after next_token(): samples,
  // emits kToken and, when the generation ends (EOS, stop string, max_tokens, context full,
  // or the sink asked to stop), kDone. Returns true while next_token() must be evaluated.
  bool OnLogits(std::span<const float> logits);
  int32_t next_token() const { return next_token_; }

  // Speculative decoding (engine/runtime/speculative.h). The driver asks a draft source for
  // tokens after context() (which ends with next_token()), at most DraftRoom(); evaluates
  // next_token() and the draft at positions pos()..pos()+k with every row's logits; calls
  // Advance(1); then OnDraftLogits() with rows[k+1][n_vocab], row i being the logits after
  // next_token() and draft[0..i). It verifies the draft in order, emitting each accepted
  // token and then the target's own token (at the first rejection, or after the whole draft);
  // the accepted ones count as evaluated. Returns as OnLogits().
  std::span<const int32_t> context() const { return context_; }
  int DraftRoom(int draft_max) const;
  bool OnDraftLogits(std::span<const float> rows, const Draft& draft);

  // Probes (see the top of this file).
  CaptureHook* hook(int position);
  // Whether the passes that produce logits record per-token probes (and need AfterForward()).
  bool probes_tokens() const { return request_.probes.captures(); }
  bool wants_prompt_logits() const { return request_.probes.prompt_surprisal && !PromptDone(); }
  // logits[n][n_vocab] of the prompt tokens at positions pos()..pos()+n-1.
  void OnPromptLogits(std::span<const float> logits, int n);
  void AfterForward(ThreadPool& pool, ForwardState& state);

  // A further sequence of a request with n > 1, instead of Start(): takes `prefilled`'s
  // prompt as evaluated (its KV cache copied by the caller), so the next call is OnLogits()
  // with the logits of the prompt's last token. Its events carry Event::choice = choice.
  void StartFrom(const Sequence& prefilled, int choice);

  // Ends the sequence now with finish_reason "cancelled" (emits kDone once).
  void Cancel();
  bool finished() const { return finished_; }
  const Timings& timings() const { return timings_; }
  // Counts the time from `since` to now as spent encoding this request's media
  // (Timings::media_ms).
  void AddMediaTimeSince(Clock::time_point since);
  const GenerateRequest& request() const { return request_; }

 private:
  void EmitDone(const std::string& finish_reason);
  // One generated token from one row of logits: sampled, or, given a drafted token (and its
  // draft distribution), verified against the target (*accepted says which). Emits it.
  bool TakeToken(std::span<const float> raw_logits, const int32_t* drafted,
                 std::span<const TokenProb> q, bool* accepted, DraftMark bonus);
  // The token event and the end checks of a chosen token; returns as OnLogits().
  bool EmitToken(int32_t id, std::span<const float> logits, const grammar::TokenMask* mask,
                 DraftMark mark, int32_t draft_id);
  // The request's top_k_events most likely tokens of `logits` (none when 0).
  void AddTop(std::span<const float> logits, std::vector<TopToken>* out,
              std::optional<float> log_sum_exp = std::nullopt);
  // The logits with the request's logit_bias added (a copy), or as they are without one.
  std::span<const float> Biased(std::span<const float> logits);
  // Sorts released text into e->text and e->reasoning with the request's splitter, if any.
  // Then the answer's text through the request's tool-call parser, if any.
  void Split(std::string text, bool finish, Event* e);
  void SplitReasoning(const std::string& text, bool finish, Event* e);
  void EmitAttentionMap();
  void EmitPromptRouter();
  // Builds the grammar's constraint and replays grammar_prefix through it.
  Status StartGrammar();
  // The grammar's mask applied to the logits (into masked_); null when nothing is allowed.
  const grammar::TokenMask* Constrain(std::span<const float> logits);
  void FillTop(std::span<const float> logits, float log_sum_exp, const grammar::TokenMask* mask,
               Event* e);

  const Model& model_;
  GenerateRequest request_;
  EventSink sink_;
  int n_ctx_;
  Clock::time_point start_;
  Clock::time_point prompt_start_;
  Clock::time_point first_token_time_;

  std::vector<int32_t> prompt_;
  std::vector<int32_t> context_;  // the prompt, then every generated token
  int evaluated_ = 0;             // tokens in the KV cache
  int generated_ = 0;
  std::vector<int32_t> generated_ids_;
  bool prompt_started_ = false;  // NextPromptChunk() was called (prompt_start_ is set)
  int32_t next_token_ = -1;
  bool finished_ = false;
  int choice_ = 0;  // Event::choice

  Sampler sampler_;
  std::unique_ptr<grammar::TokenConstraint> constraint_;  // when the request has a grammar
  std::vector<float> masked_;                             // logits with the refused at -inf
  StreamingDecoder decoder_;
  std::string text_;      // generated text so far (complete UTF-8 characters)
  size_t emitted_ = 0;    // bytes of text_ already sent
  std::string stop_hit_;  // the stop string that ended the generation, if one did
  std::unique_ptr<ReasoningSplitter> splitter_;  // null: the text is not split
  std::unique_ptr<ToolCallParser> tool_parser_;  // null: no tool calls are parsed
  std::vector<TokenProb> top_;
  std::vector<float> biased_;  // the last step's logits with logit_bias
  Timings timings_;
  TokenProbe token_probe_;
  std::vector<float> lens_logits_;  // [n_layer][n_vocab] of the last pass, when logit_lens
  std::vector<PromptScore> prompt_scores_;
  PromptMapProbe prompt_map_;  // allocated by Start() only when attention_prompt
  FirstWantingHook last_prompt_hook_{&prompt_map_, &token_probe_};  // map and token probes
  RouterProbe router_probe_;  // every token's MoE routing, when router
  FirstWantingHook router_and_map_hook_{&router_probe_, &prompt_map_};
  FirstWantingHook router_and_token_hook_{&router_probe_, &token_probe_};
  FirstWantingHook router_and_last_prompt_hook_{&router_probe_, &last_prompt_hook_};
};

}  // namespace inferno
