// Sentence embeddings from the final hidden states of a forward pass: how the per-token states
// (after the output norm, before the LM head) become one vector per input. The pooling comes
// from the GGUF key `<arch>.pooling_type` (llama.cpp's enum llama_pooling_type, whose numbers
// the files store), may be overridden per request, and the result is L2-normalised, as
// llama.cpp's default `--embd-normalize 2` does.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "engine/gguf/gguf_file.h"
#include "engine/util/status.h"

namespace inferno {

// Numbered as in the GGUF files (llama.cpp's LLAMA_POOLING_TYPE_*).
enum class Pooling : int {
  kNone = 0,  // per-token states, no sentence vector (generative models)
  kMean = 1,  // average over every token of the input
  kCls = 2,   // the first token's state (BERT's [CLS])
  kLast = 3,  // the last token's state (decoder embedders: Qwen3-Embedding)
  kRank = 4,  // rerankers: a classifier head on top; not computed here
};

// "none", "mean", "cls", "last", "rank" (llama.cpp's `--pooling` spelling).
std::string_view PoolingName(Pooling p);
// The inverse of PoolingName for the poolings a request may ask for (mean, cls, last);
// anything else is an error naming the accepted ones.
Result<Pooling> ParsePooling(std::string_view name);

// `<arch>.pooling_type` of the file, kNone when absent (llama.cpp's default for a model that
// does not declare one). Values outside the enum are an error naming the key.
Result<Pooling> ReadPoolingType(const gguf::File& f, const std::string& arch);

// The pooling an embedding request uses: the override if any, else the model's; a model that
// declares none (a generative model) is pooled by mean, which is what a caller asking a plain
// LLM for embeddings gets from Ollama too. kRank is refused (rerankers need their classifier
// head, which no family here loads).
Result<Pooling> EffectivePooling(Pooling declared, std::optional<Pooling> requested);

// Pools the states of one input, hidden[n_tokens][out.size()], into `out` (not normalised).
// kMean averages, kCls takes row 0, kLast the last row. n_tokens must be > 0.
void PoolStates(Pooling p, const float* hidden, int n_tokens, std::span<float> out);

// Scales v to unit Euclidean length (sum of squares in double, as llama.cpp's
// common_embd_normalize); a zero vector stays zero.
void L2Normalize(std::span<float> v);

}  // namespace inferno
