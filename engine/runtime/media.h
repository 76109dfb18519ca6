// Images (and any other non-text input) inside a request's prompt, as the runners see them: a
// span of prompt positions whose rows come from embeddings instead of the token table
// (ForwardState::input_embeddings). The vision encoder that computes them lives in
// engine/vision, above this library; it reaches the runners through MediaEmbedder, so an image
// is encoded on the runner's own threads (the Scheduler's pool, between two steps) and only
// when its positions are not already in the KV cache.
//
// The prompt cache keys positions by token id; an image's positions hold placeholder ids, so
// MediaCacheKey() gives them ids derived from the image's content hash instead: two prompts
// with the same text around different images share only the text before the first image.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "engine/model/blocks.h"
#include "engine/threads/thread_pool.h"
#include "engine/util/status.h"

namespace inferno {

// Computes one image's embeddings [n_tokens][n_embd] (the vision encoder, engine/vision).
class MediaEmbedder {
 public:
  virtual ~MediaEmbedder() = default;
  virtual std::vector<float> Embed(ThreadPool& pool) const = 0;
};

// Embeddings that stand in for prompt_tokens[first, first + n_tokens) (those ids are
// placeholders), evaluated as one batch of its own, bidirectional when the model's projector
// wants it (Gemma 3).
struct MediaSpan {
  int first = 0;
  int n_tokens = 0;
  std::vector<float> embeddings;  // [n_tokens][n_embd]; empty until `source` computed them
  std::shared_ptr<const MediaEmbedder> source;
  uint64_t content_hash = 0;  // of the decoded pixels: the prompt cache's key for the span
  bool bidirectional = false;
  // The projector's output grid (rows * cols == n_tokens), row-major over the picture:
  // LLaVA 1.5 24x24 patches, Gemma 3 16x16 after pooling, Qwen-VL the merged patches of the
  // image's own size. 0 x 0 when unknown (one row then).
  int grid_rows = 0, grid_cols = 0;
  // M-RoPE models (Qwen-VL): the tokens' positions follow the grid, row by row, and the span
  // moves the positions after it on by max(cols, rows), not n_tokens, as mtmd positions an
  // image. False: the span's positions are sequential like text.
  bool mrope = false;
};

// The M-RoPE position of the token at sequence position pos of a prompt with these spans (or
// of a generated token after it): an image's tokens at (start, start + row, start + column),
// text at its position less what the grids before it saved. MropePositions: of [pos, pos + n).
blocks::MropePosition MropePositionAt(std::span<const MediaSpan> media, int pos);
void MropePositions(std::span<const MediaSpan> media, int pos, int n,
                    std::vector<blocks::MropePosition>* out);

// The span that starts at pos, if any.
const MediaSpan* MediaAt(std::span<const MediaSpan> media, int pos);

// How many prompt tokens from pos the next forward pass takes: a whole span, else text up to
// `max` that stops where the next span starts.
int PromptChunkLimit(std::span<const MediaSpan> media, int pos, int max);

// Computes the embeddings of the spans that still need them and start at or after `from`
// (those before are in the KV cache already).
void EmbedMedia(ThreadPool& pool, int from, std::vector<MediaSpan>* media);

// `tokens` with each span's positions replaced by negative ids drawn from its content hash and
// the position within it: what the prompt cache compares. Never equal to a real token id, and
// equal between two prompts only where the same image sits at the same place.
std::vector<int32_t> MediaCacheKey(std::span<const int32_t> tokens,
                                   std::span<const MediaSpan> media);

// A reused prefix of n positions ends at a span boundary: n moved back to the start of the
// span it would cut (a span is evaluated whole or not at all).
int MediaPrefixBoundary(std::span<const MediaSpan> media, int n);

// FNV-1a over bytes (the pixels of a decoded image, with its size first).
uint64_t MediaContentHash(uint64_t seed, std::span<const uint8_t> bytes);
inline constexpr uint64_t kMediaHashSeed = 0xcbf29ce484222325ull;

}  // namespace inferno
