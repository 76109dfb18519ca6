// Embeddings of whole inputs: each input (token ids) runs through the forward pass, its final
// hidden states (after the output norm, before the LM head: ForwardHidden) are pooled as the
// model's GGUF says or the request asks (engine/model/pooling.h) and L2-normalised.
//
// Several inputs share a forward pass (each in its own KV cache, as the scheduler batches
// sequences), so every weight matrix is read once for as many inputs as fit in the batch. A
// model with causal attention may split a long input over passes (its cache keeps the earlier
// positions); one whose family declares bidirectional attention (ModelConfig::
// causal_attention false: BERT) sees each input whole in one pass, with a larger scratch when
// the input exceeds the batch, since every token attends to every other. Each input has a KV
// cache of exactly its own length (KvCache::n_ctx() == its token count), so when a pass runs a
// bidirectional layer every key of the input is already in its cache and the layer attends to
// positions 0..n_ctx()-1 of each token's cache.
//
// Tokenization matches llama.cpp's server: text is tokenized with the tokenizer's special
// tokens (BOS and, where the vocabulary asks for it such as Qwen3-Embedding's add_eos_token,
// EOS: last pooling then reads the EOS state, as the model was trained), token arrays are
// used exactly as given.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "engine/model/forward.h"
#include "engine/model/model.h"
#include "engine/model/pooling.h"
#include "engine/threads/thread_pool.h"
#include "engine/util/status.h"

namespace inferno {

struct EmbedRequest {
  std::vector<std::vector<int32_t>> inputs;  // token ids per input (EmbeddingTokens for text)
  std::optional<Pooling> pooling;            // unset: the model's (EffectivePooling)
  int dimensions = 0;  // 0: n_embd; else the first `dimensions` values, re-normalised
                       // (Matryoshka truncation, as OpenAI's `dimensions`)
};

struct EmbedResult {
  std::vector<std::vector<float>> embeddings;  // one unit vector per input, in order
  Pooling pooling = Pooling::kMean;            // what was applied
  int prompt_tokens = 0;                       // tokens evaluated over all inputs
};

// Text → the tokens llama.cpp's server embeds: special tokens added and parsed.
std::vector<int32_t> EmbeddingTokens(const Tokenizer& tokenizer, std::string_view text);

// The request's errors, naming the input: no inputs, an empty input, an input longer than
// n_ctx, a token id outside the vocabulary, dimensions outside 1..n_embd, rank pooling.
Status CheckEmbedRequest(const EmbedRequest& request, const ModelConfig& config, int n_ctx);

// Computes a request (which CheckEmbedRequest accepted) on the caller's thread, pool and
// forward scratch (the scheduler's worker: engine/runtime/scheduler.h).
Result<EmbedResult> Embed(const Model& model, ThreadPool& pool, ForwardState& state,
                          const EmbedRequest& request);

// The first `dimensions` values of a unit vector, re-normalised (0: unchanged).
void TruncateEmbedding(std::vector<float>& v, int dimensions);

}  // namespace inferno
