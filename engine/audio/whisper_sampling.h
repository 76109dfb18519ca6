// whisper.cpp's per-token rules and pickers (src/whisper.cpp whisper_process_logits,
// whisper_sample_token, whisper_sample_token_topk, whisper_sequence_score), internal to
// engine/audio: one decoding candidate of a window (Sequence), the distribution the rules leave
// (special tokens suppressed, blank/EOT suppressed at the start, timestamps paired and
// increasing, the first timestamp at most 1 s, timestamps forced when their summed probability
// beats every text token), and the picks: the most probable token at temperature 0, or draws
// from std::discrete_distribution with the candidate's std::mt19937 (whisper.cpp seeds decoder j
// with j, and beam search draws its candidates too), so the same probabilities give the same
// tokens as whisper.cpp.
#pragma once

#include <cmath>
#include <cstdint>
#include <random>
#include <span>
#include <vector>

#include "engine/audio/transcribe.h"

namespace inferno::audio::internal {

inline constexpr int kDeltaMin = 10;  // 100 ms: less audio than this left ends the loop
inline constexpr int kWindow = 3000;  // a 30 s window in mel frames (seek units)

struct Sequence {
  std::vector<TokenInfo> tokens;
  int result_len = 0;        // tokens up to the last timestamp (or EOT) that count
  int seek_delta = kWindow;  // how far the window moves: 2 * the last timestamp
  bool has_ts = false, failed = false, completed = false;
  double sum_logprobs_all = 0;  // every token's log-probability (beam search ranks by it)
  double avg_logprobs = -INFINITY, entropy = 0, score = -INFINITY;  // set by Score
};

struct Distribution {
  std::vector<float> logits, logprobs, probs;
};

// The rules applied to raw logits (divided by the temperature first when it is above 0); with
// `no_timestamps` every timestamp token is suppressed too (whisper.cpp's params.no_timestamps).
Distribution ProcessLogits(const WhisperVocab& v, std::span<const float> raw, float temperature,
                           const Sequence& seq, int n_audio_ctx, bool no_timestamps = false);

// Log-softmax of logits (-inf stays -inf) and the probabilities of those.
void LogSoftmax(const std::vector<float>& logits, Distribution* d);

TokenInfo PickBest(const WhisperVocab& v, const Distribution& d, int n_alt);
TokenInfo PickRandom(const WhisperVocab& v, const Distribution& d, std::mt19937& rng, int n_alt);
// k draws (beam search's candidates; the same token may come twice).
std::vector<TokenInfo> PickDraws(const WhisperVocab& v, const Distribution& d, std::mt19937& rng,
                                 int k, int n_alt);

// whisper_full's checks after token i: timestamps move seek_delta; EOT or the end of the audio
// completes the sequence; going back in time or looping until n_max fails it. Without
// timestamps EOT always completes it, every token up to it counts, and the window moves by a
// whole window.
void Advance(const WhisperVocab& v, int i, int n_max, int seek, int seek_end, Sequence& s,
             bool no_timestamps = false);

// whisper_sequence_score with length_penalty -1: the average log-probability of the first
// result_len tokens, and the entropy of the last 32 of them.
void Score(Sequence& s);

}  // namespace inferno::audio::internal
