#include "engine/runtime/media.h"

#include <algorithm>
#include <string>

namespace inferno {

const MediaSpan* MediaAt(std::span<const MediaSpan> media, int pos) {
  for (const MediaSpan& m : media) {
    if (m.first == pos) return &m;
  }
  return nullptr;
}

int PromptChunkLimit(std::span<const MediaSpan> media, int pos, int max) {
  if (const MediaSpan* m = MediaAt(media, pos)) return m->n_tokens;
  for (const MediaSpan& m : media) {
    if (m.first > pos) max = std::min(max, m.first - pos);
  }
  return max;
}

void EmbedMedia(ThreadPool& pool, int from, std::vector<MediaSpan>* media) {
  for (MediaSpan& m : *media) {
    if (m.first >= from && m.embeddings.empty() && m.source) m.embeddings = m.source->Embed(pool);
  }
}

namespace {

// How far the positions after span m lag behind the sequence: what its grid saves.
int GridSaving(const MediaSpan& m) {
  if (!m.mrope) return 0;
  return m.n_tokens - std::max(m.grid_cols, m.grid_rows);
}

}  // namespace

blocks::MropePosition MropePositionAt(std::span<const MediaSpan> media, int pos) {
  int saved = 0;
  for (const MediaSpan& m : media) {
    if (pos >= m.first + m.n_tokens) {
      saved += GridSaving(m);
    } else if (pos >= m.first && m.mrope) {
      const int start = m.first - saved, i = pos - m.first;
      return {start, start + i / m.grid_cols, start + i % m.grid_cols};
    }
  }
  const int p = pos - saved;
  return {p, p, p};
}

void MropePositions(std::span<const MediaSpan> media, int pos, int n,
                    std::vector<blocks::MropePosition>* out) {
  out->clear();
  for (int i = 0; i < n; ++i) out->push_back(MropePositionAt(media, pos + i));
}

namespace {

// SplitMix64's finaliser: neighbouring inputs give unrelated outputs.
uint64_t Mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

}  // namespace

std::vector<int32_t> MediaCacheKey(std::span<const int32_t> tokens,
                                   std::span<const MediaSpan> media) {
  std::vector<int32_t> key(tokens.begin(), tokens.end());
  for (const MediaSpan& m : media) {
    for (int i = 0; i < m.n_tokens && m.first + i < int(key.size()); ++i) {
      key[size_t(m.first + i)] = -1 - int32_t(Mix(m.content_hash + uint64_t(i)) & 0x7fffffff);
    }
  }
  return key;
}

int MediaPrefixBoundary(std::span<const MediaSpan> media, int n) {
  for (const MediaSpan& m : media) {
    if (m.first < n && n < m.first + m.n_tokens) return m.first;
  }
  return n;
}

uint64_t MediaContentHash(uint64_t seed, std::span<const uint8_t> bytes) {
  uint64_t h = seed;
  for (uint8_t b : bytes) h = (h ^ b) * 0x100000001b3ull;
  return h;
}

}  // namespace inferno
