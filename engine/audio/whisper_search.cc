#include "engine/audio/whisper_search.h"

#include <algorithm>

namespace inferno::audio::internal {

namespace {

struct Candidate {
  int from = 0;  // the slot it grew from
  Sequence seq;
};

bool Live(const Slot& s) { return !s.seq.completed && !s.seq.failed; }

bool SameTokens(const Sequence& a, const Sequence& b) {
  if (a.tokens.size() != b.tokens.size()) return false;
  for (size_t i = a.tokens.size(); i-- > 0;) {
    if (a.tokens[i].id != b.tokens[i].id) return false;
  }
  return true;
}

void Reset(Sequence& s) { s = Sequence(); }

// Beam search's choice for step i: the best candidates in order of summed log-probability, one
// per live slot, skipping repeats of the one just taken; caches follow their candidates.
void SelectBeams(std::vector<Candidate>& cands, int i, const SearchOptions& o,
                 std::vector<Slot>& slots, WhisperDecoder& dec) {
  std::sort(cands.begin(), cands.end(), [](const Candidate& a, const Candidate& b) {
    if (a.seq.sum_logprobs_all != b.seq.sum_logprobs_all) {
      return a.seq.sum_logprobs_all > b.seq.sum_logprobs_all;
    }
    return a.from < b.from;
  });
  std::vector<int> from(size_t(o.n_decoders));
  size_t c = 0;
  for (int j = 0; j < o.n_decoders; ++j) {
    from[j] = j;
    if (!Live(slots[j])) continue;
    if (c >= cands.size()) c = 0;
    const Candidate& cur = cands[c++];
    while (i > 0 && c < cands.size() && SameTokens(cands[c].seq, cur.seq)) ++c;
    slots[j].seq = cur.seq;
    from[j] = cur.from;
  }
  dec.Reorder(from);
}

void SampleStep(const WhisperVocab& v, int i, const SearchOptions& o, std::vector<Slot>& slots,
                WhisperDecoder& dec) {
  std::vector<Candidate> cands;
  for (int j = 0; j < o.n_decoders; ++j) {
    Slot& s = slots[j];
    if (!Live(s)) continue;
    if (o.beam_size > 0) {
      for (TokenInfo& t : PickDraws(v, s.dist, s.rng, o.beam_size, o.n_alt)) {
        cands.push_back({j, s.seq});
        cands.back().seq.sum_logprobs_all += t.plog;
        cands.back().seq.tokens.push_back(std::move(t));
      }
      continue;
    }
    s.seq.tokens.push_back(o.temperature < 1e-6f ? PickBest(v, s.dist, o.n_alt)
                                                 : PickRandom(v, s.dist, s.rng, o.n_alt));
    s.seq.sum_logprobs_all += s.seq.tokens.back().plog;
  }
  if (o.beam_size > 0) SelectBeams(cands, i, o, slots, dec);
}

// The next token of every live slot through the decoder at once, and its distribution.
Result<bool> NextLogits(const WhisperModel& m, const SearchOptions& o, std::vector<Slot>& slots,
                        WhisperDecoder& dec) {
  std::vector<int32_t> tokens;
  std::vector<int> seqs;
  for (int j = 0; j < o.n_decoders; ++j) {
    if (!Live(slots[j])) continue;
    tokens.push_back(slots[j].seq.tokens.back().id);
    seqs.push_back(j);
  }
  if (seqs.empty()) return false;
  Result<std::vector<float>> logits = dec.DecodeEach(tokens, seqs);
  if (!logits.ok()) return logits.status();
  const size_t n_vocab = size_t(m.hparams().n_vocab);
  for (size_t r = 0; r < seqs.size(); ++r) {
    Slot& s = slots[seqs[r]];
    s.dist = ProcessLogits(m.vocab(), std::span(logits->data() + r * n_vocab, n_vocab),
                           o.temperature, s.seq, m.hparams().n_audio_ctx, o.no_timestamps);
  }
  return true;
}

// The <|nospeech|> probability of the prompt's raw logits, before any rule.
float NoSpeechProb(const WhisperVocab& v, const std::vector<float>& logits) {
  Distribution d;
  LogSoftmax(logits, &d);
  return d.probs[v.nosp];
}

}  // namespace

Result<float> SearchWindow(const WhisperModel& m, WhisperDecoder& dec,
                           std::span<const int32_t> prompt, const SearchOptions& o,
                           std::vector<Slot>& slots) {
  const WhisperVocab& v = m.vocab();
  dec.Clear();
  Result<std::vector<float>> logits = dec.Decode(prompt);
  if (!logits.ok()) return logits.status();
  const float no_speech = NoSpeechProb(v, *logits);
  for (int j = 0; j < o.n_decoders; ++j) Reset(slots[j].seq);
  slots[0].dist = ProcessLogits(v, *logits, o.temperature, slots[0].seq, m.hparams().n_audio_ctx,
                                o.no_timestamps);
  for (int j = 1; j < o.n_decoders; ++j) slots[j].dist = slots[0].dist;
  dec.Fork(o.n_decoders);
  const int n_max = m.hparams().n_text_ctx / 2 - 4;
  for (int i = 0; i < n_max; ++i) {
    SampleStep(v, i, o, slots, dec);
    for (int j = 0; j < o.n_decoders; ++j) {
      if (Live(slots[j])) {
        Advance(v, i, n_max, o.seek, o.seek_end, slots[j].seq, o.no_timestamps);
      }
    }
    Result<bool> more = NextLogits(m, o, slots, dec);
    if (!more.ok()) return more.status();
    if (!*more) break;
  }
  return no_speech;
}

}  // namespace inferno::audio::internal
