// One window decoded at one temperature by several candidates, as whisper_full_with_state's
// inner loop: greedy (the best token at temperature 0, else a draw from each candidate's
// distribution, best-of-N), or beam search (every live candidate draws beam_size tokens; the
// candidates with the highest summed log-probability, duplicates skipped, continue, their
// self-attention caches reordered to follow). Internal to engine/audio.
#pragma once

#include <random>
#include <span>
#include <vector>

#include "engine/audio/whisper_model.h"
#include "engine/audio/whisper_sampling.h"

namespace inferno::audio::internal {

// A decoder slot: its candidate, its random generator (kept for the whole transcription, as
// whisper.cpp's decoders keep theirs) and its current distribution.
struct Slot {
  Sequence seq;
  std::mt19937 rng;
  Distribution dist;
};

struct SearchOptions {
  float temperature = 0;
  int n_decoders = 1;  // candidates decoded side by side
  int beam_size = 0;   // > 0: beam search with this many draws per candidate
  int seek = 0, seek_end = 0;
  int n_alt = 5;
  bool no_timestamps = false;  // timestamp tokens suppressed (the prompt ends <|notimestamps|>)
};

// Decodes slots[0 .. n_decoders) after `prompt` in `dec` (cleared first); returns the
// <|nospeech|> probability of the prompt's raw logits.
Result<float> SearchWindow(const WhisperModel& m, WhisperDecoder& dec,
                           std::span<const int32_t> prompt, const SearchOptions& o,
                           std::vector<Slot>& slots);

}  // namespace inferno::audio::internal
