// A Session is one sequence being generated on a shared Model: its KV cache, forward
// scratch and sampler. Generate() runs prompt evaluation in batches and then decodes token
// by token, reporting everything through the event stream.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "engine/model/forward.h"
#include "engine/model/model.h"
#include "engine/runtime/events.h"
#include "engine/runtime/kv_cache.h"
#include "engine/runtime/sampler.h"
#include "engine/runtime/sequence.h"
#include "engine/runtime/speculative.h"
#include "engine/threads/thread_pool.h"
#include "engine/tokenizer/chat_template.h"

namespace inferno {

struct SessionOptions {
  int n_ctx = 2048;       // capped to the model's training context
  int n_batch = 256;      // prompt tokens per forward pass
  KvCacheTypes kv_types;  // checked by the caller (CheckKvCacheTypes)
  // Speculative decoding (engine/runtime/speculative.h); CheckSpecOptions() first.
  SpecOptions spec;
};

class Session {
 public:
  Session(const Model& model, ThreadPool& pool, const SessionOptions& options = {});

  // Runs one request from an empty cache. Errors are reported both as an kError event and
  // as the returned Status.
  Status Generate(const GenerateRequest& request, const EventSink& sink);

  int n_ctx() const { return n_ctx_; }
  size_t kv_bytes() const { return cache_.bytes(); }
  // Why speculation asked for in the options is off for this model ("" when it is on or not
  // asked for): front ends show it.
  const std::string& spec_note() const { return spec_note_; }

 private:
  // Grows the pass buffers to hold n_tokens (an image longer than the batch).
  void FitBatch(int n_tokens);
  // positions_ (and for M-RoPE models state_.mrope) for the tokens at [pos, pos + n).
  void SetPositions(int pos, int n);
  // Evaluates tokens at positions [pos, pos + n) and leaves the last token's logits.
  void Evaluate(std::span<const int32_t> tokens, int pos, std::span<CaptureHook* const> hooks = {});
  // The capture hooks of seq's next n tokens (from pos()), or none when none is probed.
  std::span<CaptureHook* const> Hooks(Sequence& seq, int n);
  // One decode step: next_token() alone, or with a draft verified in the same pass.
  bool DecodeStep(Sequence& seq, DraftSource* source);

  const Model& model_;
  ThreadPool& pool_;
  int n_ctx_;
  int n_batch_;
  SpecOptions spec_;
  std::string spec_note_;
  Draft draft_;
  KvCache cache_;
  ForwardState state_;
  std::vector<float> logits_;
  std::vector<int32_t> positions_;
  std::vector<MediaSpan> media_;              // of the request being generated
  std::vector<blocks::MropePosition> mrope_;  // [n_batch], M-RoPE models only
  std::vector<CaptureHook*> hooks_;           // [n_batch]
};

}  // namespace inferno
