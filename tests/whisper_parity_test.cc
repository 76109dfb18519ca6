// Whisper against whisper.cpp (tools/zoo/whisper.sh: the random-weight whisper-rand-tiny.bin and
// whisper_oracle's dumps for ../shared/fixtures/media/speech-1.mp3 and for espeak-ng clips at 8,
// 22.05 and 44.1 kHz that whisper.cpp's reader resampled): the log-mel of the samples
// whisper.cpp decoded, the first window's encoder output, and the raw decoder logits and argmax
// tokens of greedy steps after <|startoftranscript|><|en|><|transcribe|>; then whole
// transcriptions (greedy and beam search, with and without temperature fallback) on speech-1,
// on three copies of it end to end (52 s: several windows, the previous text as prompt) and on
// the Q8_0 and Q5_0 forms whisper.cpp's quantizer wrote; without timestamps (whisper-cli -nt),
// and on a two-decoder-layer model, which whisper.cpp decodes without timestamps by itself.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "engine/audio/log_mel.h"
#include "engine/audio/transcribe.h"
#include "engine/audio/whisper_model.h"
#include "engine/ops/cpu_features.h"

namespace inferno::audio {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

const fs::path kOracleDir = fs::path(INFERNO_ZOO_DIR) / "zoo-oracle" / "whisper";

std::vector<float> ReadF32(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<float> out(bytes.size() / sizeof(float));
  std::memcpy(out.data(), bytes.data(), out.size() * sizeof(float));
  return out;
}

float MaxAbsDiff(std::span<const float> a, std::span<const float> b) {
  float m = 0;
  for (size_t i = 0; i < a.size(); ++i) m = std::max(m, std::abs(a[i] - b[i]));
  return m;
}

// The parameter is "<model>.<clip>": zoo/<model>.bin and zoo-oracle/whisper/<model>.<clip>.*
class WhisperParity : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    const std::string param = GetParam();
    prefix_ = kOracleDir / param;
    if (!fs::exists(prefix_.string() + ".json")) GTEST_SKIP() << "no zoo (make zoo): " << prefix_;
    std::ifstream in(prefix_.string() + ".json");
    std::stringstream ss;
    ss << in.rdbuf();
    oracle_ = json::parse(ss.str()).as_object();
    const fs::path model =
        fs::path(INFERNO_ZOO_DIR) / "zoo" / (param.substr(0, param.find('.')) + ".bin");
    auto m = WhisperModel::Load(model.string());
    ASSERT_TRUE(m.ok()) << m.status().message();
    model_ = std::move(*m);
    pcm_ = ReadF32(prefix_.string() + ".pcm.f32");
    mel_ = ComputeLogMel(pool_, pcm_, model_->file().filters());
  }
  int64_t Int(const char* key) { return oracle_.at(key).as_int64(); }

  fs::path prefix_;
  ThreadPool pool_{2};
  json::object oracle_;
  std::unique_ptr<WhisperModel> model_;
  std::vector<float> pcm_;
  LogMel mel_;
};

TEST_P(WhisperParity, LogMelMatchesWhisperCpp) {
  const std::vector<float> want = ReadF32(prefix_.string() + ".mel.f32");
  ASSERT_EQ(mel_.n_mel, Int("n_mel"));
  ASSERT_EQ(mel_.n_len, Int("n_len"));
  EXPECT_EQ(mel_.n_len_org, Int("n_len_org"));
  ASSERT_EQ(want.size(), mel_.data.size());
  const float diff = MaxAbsDiff(mel_.data, want);
  EXPECT_LT(diff, 1e-4f);
  std::printf("log-mel: %d x %d, max |diff| %.3g\n", mel_.n_mel, mel_.n_len, diff);
}

TEST_P(WhisperParity, EncoderMatchesWhisperCpp) {
  const std::vector<float> want = ReadF32(prefix_.string() + ".enc.f32");
  const std::vector<float> got = RunEncoder(pool_, *model_, mel_.Window(0));
  ASSERT_EQ(got.size(), want.size());
  float scale = 0;
  for (float v : want) scale = std::max(scale, std::abs(v));
  const float diff = MaxAbsDiff(got, want);
  EXPECT_LT(diff, 2e-3f * scale);
  std::printf("encoder: %zu values, max |x| %.3g, max |diff| %.3g\n", got.size(), scale, diff);
}

TEST_P(WhisperParity, DecoderLogitsAndGreedyTokensMatchWhisperCpp) {
  const std::vector<float> enc = RunEncoder(pool_, *model_, mel_.Window(0));
  WhisperDecoder dec(pool_, *model_, enc);
  const std::vector<float> want = ReadF32(prefix_.string() + ".logits.f32");
  const int64_t n_vocab = Int("n_vocab");
  std::vector<int32_t> batch;
  for (const json::value& t : oracle_.at("prompt").as_array())
    batch.push_back(int32_t(t.as_int64()));
  const json::array& tokens = oracle_.at("raw_tokens").as_array();
  float worst = 0;
  for (size_t step = 0; step < tokens.size(); ++step) {
    Result<std::vector<float>> logits = dec.Decode(batch);
    ASSERT_TRUE(logits.ok()) << logits.status().message();
    const std::span<const float> ref(&want[step * n_vocab], size_t(n_vocab));
    worst = std::max(worst, MaxAbsDiff(*logits, ref));
    const int32_t best =
        int32_t(std::max_element(logits->begin(), logits->end()) - logits->begin());
    ASSERT_EQ(best, tokens[step].as_int64()) << "step " << step;
    batch = {best};
  }
  EXPECT_LT(worst, 0.02f);
  std::printf("decoder: %zu steps, max |logit diff| %.3g\n", tokens.size(), worst);
}

// whisper_tokenize of the prompt text (whisper.cpp's word pattern and longest-match).
TEST_P(WhisperParity, PromptTokensMatchWhisperTokenize) {
  if (!oracle_.contains("initial_prompt")) GTEST_SKIP() << "zoo older than the prompt runs";
  std::vector<int64_t> want;
  for (const json::value& t : oracle_.at("initial_prompt_tokens").as_array())
    want.push_back(t.as_int64());
  const std::vector<int32_t> got =
      model_->vocab().Tokenize(std::string(oracle_.at("initial_prompt").as_string()));
  EXPECT_EQ(std::vector<int64_t>(got.begin(), got.end()), want);
}

TEST_P(WhisperParity, DetectedLanguageMatchesWhisperCpp) {
  const std::vector<float> enc = RunEncoder(pool_, *model_, mel_.Window(0));
  Result<std::string> lang = DetectLanguage(pool_, *model_, enc);
  ASSERT_TRUE(lang.ok()) << lang.status().message();
  EXPECT_EQ(*lang, std::string(oracle_.at("detected_language").as_string()));
}

std::string ParamName(const std::string& s) {
  std::string n = s;
  for (char& ch : n) ch = std::isalnum(uint8_t(ch)) ? ch : '_';
  return n;
}

INSTANTIATE_TEST_SUITE_P(
    Clips, WhisperParity,
    ::testing::Values("whisper-rand-tiny.speech-1", "whisper-rand-tiny.espeak-8k",
                      "whisper-rand-tiny.espeak-22k", "whisper-rand-tiny.espeak-44k",
                      "whisper-rand-tiny-2l.speech-1",
                      // The speech model (tools/speech-model), when the
                      // zoo found it in models/: a 6 s window.
                      "inferno-speech.speech-1", "inferno-speech.espeak-8k",
                      "inferno-speech.espeak-22k", "inferno-speech.espeak-44k"),
    [](const ::testing::TestParamInfo<const char*>& i) { return ParamName(i.param); });

// whisper_full's result on the same samples: the same segments with the same times and token ids
// (and probabilities near), for one model, clip and decoding set-up of the oracle's "runs".
struct RunCase {
  const char* model;  // zoo/<model>.bin
  const char* clip;   // zoo-oracle/whisper/<model>.<clip>.*
  const char* run;    // the oracle's run name
  int beam_size;
  float temperature_inc;
  // Quantized weights round differently from ggml's kernels here and there (8-bit activations;
  // Q5_0 agrees bit for bit on AVX-512, whose order we copy, not on AVX2): tokens must agree up
  // to the first step where our two most probable tokens are within 10% (a near-tie). (Q8_0
  // beam search, whose candidates are random draws, parts from whisper.cpp's at its first step.)
  bool up_to_near_tie = false;
  bool prompt = false;         // the run's initial prompt (the oracle's "initial_prompt")
  bool no_timestamps = false;  // asked for ("_nt" runs); a distilled model's rule may force it
  // Beam search over quantized weights parts from whisper.cpp's where the beams' summed
  // log-probabilities reorder, which no per-token near-tie shows: such a run is compared where
  // our kernels sum in ggml's order (AVX-512: every token equal), and skipped elsewhere.
  bool only_in_ggml_order = false;
};

std::ostream& operator<<(std::ostream& os, const RunCase& c) {
  return os << c.model << "." << c.clip << "." << c.run;
}

class WhisperRuns : public ::testing::TestWithParam<RunCase> {};

// A segment's times as whisper.cpp gives them, except without timestamps: whisper.cpp's t1 is
// then its window's start (seek) + 3000, and its t0 is made from a timestamp no token has
// (greedy: ~1000 s before the window); ours run from that window's start to its end or the
// audio's (n_len_org, the oracle's mel frames of audio), whichever comes first.
std::pair<int64_t, int64_t> WantTimes(const json::object& seg, bool no_timestamps,
                                      int64_t n_len_org) {
  const int64_t t0 = seg.at("t0").as_int64(), t1 = seg.at("t1").as_int64();
  if (!no_timestamps) return {t0, t1};
  return {t1 - 3000, std::min(t1, n_len_org)};
}

void ExpectSameSegments(const Transcript& got, const json::array& want, int64_t n_len_org) {
  ASSERT_EQ(got.segments.size(), want.size());
  size_t n_tokens = 0;
  for (size_t s = 0; s < want.size(); ++s) {
    const json::object& w = want[s].as_object();
    const Segment& g = got.segments[s];
    const auto [t0, t1] = WantTimes(w, got.no_timestamps, n_len_org);
    EXPECT_EQ(g.t0, t0) << s;
    EXPECT_EQ(g.t1, t1) << s;
    const json::array& toks = w.at("tokens").as_array();
    ASSERT_EQ(g.tokens.size(), toks.size()) << s;
    for (size_t i = 0; i < toks.size(); ++i) {
      ASSERT_EQ(g.tokens[i].id, toks[i].at("id").as_int64()) << "segment " << s << " token " << i;
      EXPECT_NEAR(g.tokens[i].p, toks[i].at("p").to_number<double>(), 0.02) << i;
    }
    EXPECT_EQ(g.text, std::string(w.at("text").as_string())) << s;
    n_tokens += toks.size();
  }
  std::printf("transcribe: %zu segments, %zu tokens identical\n", want.size(), n_tokens);
}

// Token ids equal up to the first near-tie, where the transcripts may part.
void ExpectSameTokensUpToNearTie(const Transcript& got, const json::array& want) {
  std::vector<const TokenInfo*> ours;
  for (const Segment& s : got.segments) {
    for (const TokenInfo& t : s.tokens) ours.push_back(&t);
  }
  std::vector<int64_t> theirs;
  for (const json::value& s : want) {
    for (const json::value& t : s.at("tokens").as_array()) theirs.push_back(t.at("id").as_int64());
  }
  size_t i = 0;
  while (i < ours.size() && i < theirs.size() && ours[i]->id == theirs[i]) ++i;
  std::printf("transcribe: %zu of %zu tokens identical\n", i, theirs.size());
  if (i == ours.size() && i == theirs.size()) return;
  ASSERT_LT(i, ours.size());
  ASSERT_GE(ours[i]->top.size(), 2u);
  EXPECT_GT(ours[i]->top[1].second, 0.9f * ours[i]->top[0].second)
      << "token " << i << ": ours " << ours[i]->id << ", whisper.cpp's " << theirs[i];
}

TEST_P(WhisperRuns, TranscribeMatchesWhisperFull) {
  const RunCase& c = GetParam();
  if (c.only_in_ggml_order && ops::ActiveIsa() != ops::Isa::kAvx512) {
    GTEST_SKIP() << "beam search over quantized weights is compared only on AVX-512, where the "
                    "kernels sum in ggml's order; this CPU runs "
                 << ops::IsaName(ops::ActiveIsa());
  }
  const fs::path dir = fs::path(INFERNO_ZOO_DIR) / "zoo-oracle" / "whisper";
  const std::string prefix = (dir / (std::string(c.model) + "." + c.clip)).string();
  if (!fs::exists(prefix + ".json")) GTEST_SKIP() << "no zoo (make zoo): " << prefix;
  std::ifstream in(prefix + ".json");
  std::stringstream ss;
  ss << in.rdbuf();
  const json::value oracle = json::parse(ss.str());
  auto m = WhisperModel::Load((fs::path(INFERNO_ZOO_DIR) / "zoo" / c.model).string() + ".bin");
  ASSERT_TRUE(m.ok()) << m.status().message();
  const std::vector<float> pcm = ReadF32(prefix + ".pcm.f32");
  ThreadPool pool(2);
  const std::string prompt = c.prompt ? std::string(oracle.at("initial_prompt").as_string()) : "";
  Result<Transcript> t = Transcribe(pool, **m, pcm,
                                    {.language = "en",
                                     .beam_size = c.beam_size,
                                     .temperature_inc = c.temperature_inc,
                                     .no_timestamps = c.no_timestamps,
                                     .prompt = prompt});
  ASSERT_TRUE(t.ok()) << t.status().message();
  if (!oracle.at("runs").as_object().contains(c.run)) GTEST_SKIP() << "zoo older than " << c.run;
  const json::object& run = oracle.at("runs").at(c.run).as_object();
  // whisper.cpp's distilled-model rule fires exactly where ours does (older zoos did not say).
  if (run.contains("forced_no_timestamps")) {
    const bool forced = run.at("forced_no_timestamps").as_bool();
    EXPECT_EQ(FirstReleaseDistil((*m)->hparams()) && !c.no_timestamps, forced);
    EXPECT_EQ(t->no_timestamps, c.no_timestamps || forced);
  }
  const json::array& want = run.at("segments").as_array();
  if (c.up_to_near_tie) {
    ExpectSameTokensUpToNearTie(*t, want);
  } else {
    ExpectSameSegments(*t, want, oracle.at("n_len_org").as_int64());
  }
}

// Not here yet: greedy decoding WITH temperature fallback ("greedy" runs of the oracle). On
// speech-1 whisper.cpp gives two segments (its second window decoded at a raised temperature)
// where we give one; until the per-window temperatures and outcomes are compared, that case is
// a known difference (docs/speech.md), not a test that is expected to fail.
constexpr RunCase kRuns[] = {
    {"whisper-rand-tiny", "speech-1", "greedy_nofallback", 1, 0.0f},
    {"whisper-rand-tiny", "speech-1", "beam_nofallback", 5, 0.0f},
    {"whisper-rand-tiny", "speech-1", "beam", 5, 0.2f},
    {"whisper-rand-tiny", "speech-1x3", "greedy_nofallback", 1, 0.0f},
    {"whisper-rand-tiny", "speech-1x3", "beam_nofallback", 5, 0.0f},
    {"whisper-rand-tiny", "speech-1x3", "beam", 5, 0.2f},
    {"whisper-rand-tiny-q8_0", "speech-1", "greedy_nofallback", 1, 0.0f, true},
    {"whisper-rand-tiny-q5_0", "speech-1", "greedy_nofallback", 1, 0.0f, true},
    {"whisper-rand-tiny-q5_0", "speech-1", "beam_nofallback", 5, 0.0f, false, false, false, true},
    {"whisper-rand-tiny", "speech-1", "greedy_nofallback_prompt", 1, 0.0f, false, true},
    {"whisper-rand-tiny", "speech-1", "beam_nofallback_prompt", 5, 0.0f, false, true},
    {"whisper-rand-tiny", "speech-1x3", "greedy_nofallback_prompt", 1, 0.0f, false, true},
    {"whisper-rand-tiny", "espeak-8k", "greedy_nofallback", 1, 0.0f},
    {"whisper-rand-tiny", "espeak-22k", "greedy_nofallback", 1, 0.0f},
    {"whisper-rand-tiny", "espeak-44k", "greedy_nofallback", 1, 0.0f},
    // Without timestamps: asked for ("_nt"), over several windows, after a prompt; and forced
    // by whisper.cpp's rule for a model with two decoder layers.
    {"whisper-rand-tiny", "speech-1", "greedy_nofallback_nt", 1, 0.0f, false, false, true},
    {"whisper-rand-tiny", "speech-1", "beam_nofallback_nt", 5, 0.0f, false, false, true},
    {"whisper-rand-tiny", "speech-1x3", "greedy_nofallback_nt", 1, 0.0f, false, false, true},
    {"whisper-rand-tiny", "speech-1x3", "beam_nofallback_nt", 5, 0.0f, false, false, true},
    {"whisper-rand-tiny", "speech-1x3", "greedy_nofallback_nt_prompt", 1, 0.0f, false, true, true},
    {"whisper-rand-tiny-2l", "speech-1", "greedy_nofallback", 1, 0.0f},
    {"whisper-rand-tiny-2l", "speech-1", "beam_nofallback", 5, 0.0f},
    {"inferno-speech", "speech-1", "greedy_nofallback", 1, 0.0f, true},
    {"inferno-speech", "espeak-8k", "greedy_nofallback", 1, 0.0f, true},
    {"inferno-speech", "espeak-22k", "greedy_nofallback", 1, 0.0f, true},
    {"inferno-speech", "espeak-44k", "greedy_nofallback", 1, 0.0f, true},
    // A trained model ends its windows at <|endoftext|>, which random weights never reach.
    {"inferno-speech", "speech-1", "greedy_nofallback_nt", 1, 0.0f, true, false, true},
    {"inferno-speech", "espeak-8k", "greedy_nofallback_nt", 1, 0.0f, true, false, true},
    {"inferno-speech", "espeak-22k", "greedy_nofallback_nt", 1, 0.0f, true, false, true},
    {"inferno-speech", "espeak-44k", "greedy_nofallback_nt", 1, 0.0f, true, false, true},
};

INSTANTIATE_TEST_SUITE_P(Zoo, WhisperRuns, ::testing::ValuesIn(kRuns),
                         [](const ::testing::TestParamInfo<RunCase>& i) {
                           return ParamName(std::string(i.param.model) + "_" + i.param.clip + "_" +
                                            i.param.run);
                         });

}  // namespace
}  // namespace inferno::audio
