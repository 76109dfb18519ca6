// `inferno transcribe` end to end: whisper.cpp's own samples of speech-1.mp3 (written as a 16 kHz
// float WAV, so no resampling stands between) must give whisper_full's greedy tokens through
// --json; the text formats and bad input through the binary.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "engine/audio/audio_encode.h"
#include "engine/audio/transcript_format.h"
#include "tests/subprocess.h"
#include "tests/transcript_tokens.h"

namespace inferno {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

const fs::path kModel = fs::path(INFERNO_ZOO_DIR) / "zoo" / "whisper-rand-tiny.bin";
const std::string kOracle =
    (fs::path(INFERNO_ZOO_DIR) / "zoo-oracle" / "whisper" / "whisper-rand-tiny.speech-1").string();

class TranscribeCli : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(kOracle + ".json")) GTEST_SKIP() << "no zoo (make zoo): " << kOracle;
    std::ifstream in(kOracle + ".pcm.f32", std::ios::binary);
    std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::vector<float> pcm(bytes.size() / 4);
    std::memcpy(pcm.data(), bytes.data(), pcm.size() * 4);
    Result<std::vector<uint8_t>> wav =
        audio::EncodeAudio(pcm, 1, 16000, audio::AudioContainer::kWavFloat);
    ASSERT_TRUE(wav.ok());
    wav_ = fs::temp_directory_path() / ("inferno-transcribe-" + std::to_string(getpid()) + ".wav");
    std::ofstream(wav_, std::ios::binary).write((const char*)wav->data(), wav->size());
  }
  void TearDown() override {
    if (!wav_.empty()) fs::remove(wav_);
  }
  testing::ProcessResult Run(std::vector<std::string> extra) {
    std::vector<std::string> args = {
        testing::InfernoBinary(), "transcribe", "-m", kModel.string(), wav_.string(), "-t", "2"};
    args.insert(args.end(), extra.begin(), extra.end());
    return testing::RunProcess(args);
  }
  fs::path wav_;
};

json::value ReadOracle() {
  std::stringstream ss;
  ss << std::ifstream(kOracle + ".json").rdbuf();
  return json::parse(ss.str());
}

using testing::SegmentTokenIds;

TEST_F(TranscribeCli, JsonHasWhisperCppsTokensWithProbabilities) {
  testing::ProcessResult r = Run({"--json", "--beam-size", "1", "--no-fallback"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json::object out = json::parse(r.out).as_object();
  const json::value oracle = ReadOracle();
  const json::array& want = oracle.at("runs").at("greedy_nofallback").at("segments").as_array();
  const json::array& got = out.at("segments").as_array();
  ASSERT_EQ(got.size(), want.size());
  for (size_t s = 0; s < got.size(); ++s) {
    const json::array& gt = got[s].at("tokens").as_array();
    const json::array& wt = want[s].at("tokens").as_array();
    ASSERT_EQ(gt.size(), wt.size());
    for (size_t i = 0; i < gt.size(); ++i) {
      ASSERT_EQ(gt[i].at("id").as_int64(), wt[i].at("id").as_int64()) << i;
      const json::array& top = gt[i].at("top").as_array();
      ASSERT_EQ(top.size(), 5u);
      // The chosen token is the most probable alternative, and alternatives are sorted.
      EXPECT_EQ(top[0].at("id").as_int64(), gt[i].at("id").as_int64());
      EXPECT_GE(top[0].at("p").to_number<double>(), top[4].at("p").to_number<double>());
    }
    EXPECT_DOUBLE_EQ(got[s].at("start").to_number<double>(), want[s].at("t0").as_int64() / 100.0);
    EXPECT_DOUBLE_EQ(got[s].at("end").to_number<double>(), want[s].at("t1").as_int64() / 100.0);
  }
  EXPECT_EQ(out.at("language"), "en");
  EXPECT_NEAR(out.at("duration").to_number<double>(), 17.44, 0.01);
}

// No decoding flags: whisper-cli's defaults (beam search 5, best-of 5, temperature fallback).
TEST_F(TranscribeCli, DefaultsAreWhisperClisBeamSearchWithFallback) {
  testing::ProcessResult r = Run({"--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json::value oracle = ReadOracle();
  EXPECT_EQ(SegmentTokenIds(json::parse(r.out).at("segments").as_array()),
            SegmentTokenIds(oracle.at("runs").at("beam").at("segments").as_array()));
}

// --prompt is whisper-cli's: the text tokenized as whisper.cpp does, decoded before the first
// window as previous text; and several files in one run give one JSON line each, in order.
TEST_F(TranscribeCli, PromptAndSeveralFilesAsWhisperCli) {
  const json::value oracle = ReadOracle();
  if (!oracle.as_object().contains("initial_prompt")) GTEST_SKIP() << "zoo without prompt runs";
  const std::string prompt(oracle.at("initial_prompt").as_string());
  testing::ProcessResult r =
      Run({"--json", "--beam-size", "1", "--no-fallback", "--prompt", prompt, wav_.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::istringstream lines(r.out);
  std::string line;
  std::vector<json::object> outs;
  while (std::getline(lines, line)) outs.push_back(json::parse(line).as_object());
  ASSERT_EQ(outs.size(), 2u) << r.out;
  const json::array& want =
      oracle.at("runs").at("greedy_nofallback_prompt").at("segments").as_array();
  for (const json::object& o : outs) {
    EXPECT_EQ(std::string(o.at("file").as_string()), wav_.string());
    EXPECT_EQ(SegmentTokenIds(o.at("segments").as_array()), SegmentTokenIds(want));
  }
  // Without the prompt the transcript is another one (the prompt is not ignored).
  EXPECT_NE(SegmentTokenIds(want),
            SegmentTokenIds(oracle.at("runs").at("greedy_nofallback").at("segments").as_array()));
}

// `inferno convert` writes the GGUF form; it transcribes to exactly the same output.
TEST_F(TranscribeCli, GgufFormTranscribesIdentically) {
  const fs::path gguf = wav_.string() + ".gguf";
  testing::ProcessResult c = testing::RunProcess(
      {testing::InfernoBinary(), "convert", kModel.string(), gguf.string(), "-q"});
  ASSERT_EQ(c.exit_code, 0) << c.err;
  const std::vector<std::string> flags = {"--json", "--beam-size", "1", "--no-fallback"};
  testing::ProcessResult a = Run(flags);
  std::vector<std::string> args = {
      testing::InfernoBinary(), "transcribe", "-m", gguf.string(), wav_.string(), "-t", "2"};
  args.insert(args.end(), flags.begin(), flags.end());
  testing::ProcessResult b = testing::RunProcess(args);
  fs::remove(gguf);
  ASSERT_EQ(a.exit_code, 0) << a.err;
  ASSERT_EQ(b.exit_code, 0) << b.err;
  EXPECT_EQ(a.out, b.out);
  EXPECT_FALSE(json::parse(a.out).at("segments").as_array().empty());
}

TEST_F(TranscribeCli, SubtitleFormats) {
  // Greedy without fallback: the random model would otherwise try every temperature.
  testing::ProcessResult r = Run({"--vtt", "--beam-size", "1", "--no-fallback"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("WEBVTT\n\n00:00:00.", 0), 0u) << r.out.substr(0, 40);
  r = Run({"--srt", "--beam-size", "1", "--no-fallback"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("1\n00:00:00,", 0), 0u) << r.out.substr(0, 40);
  r = Run({"--srt", "--vtt"});  // a usage error, reported by CLI11
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("excludes"), std::string::npos) << r.err;
}

// --no-timestamps is whisper-cli's -nt: whisper_full's tokens with no_timestamps, one segment
// for the window (from its start to the end of the audio), printed as the text alone; --srt
// gives that segment as one cue.
TEST_F(TranscribeCli, NoTimestampsAsWhisperCliNt) {
  const json::value oracle = ReadOracle();
  if (!oracle.at("runs").as_object().contains("greedy_nofallback_nt")) GTEST_SKIP() << "old zoo";
  const json::array& want = oracle.at("runs").at("greedy_nofallback_nt").at("segments").as_array();
  ASSERT_EQ(want.size(), 1u);
  const std::vector<std::string> flags = {"--beam-size", "1", "--no-fallback", "--no-timestamps"};
  std::vector<std::string> args = flags;
  args.push_back("--json");
  testing::ProcessResult r = Run(args);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json::object out = json::parse(r.out).as_object();
  EXPECT_EQ(out.at("timestamps"), false);
  const json::array& got = out.at("segments").as_array();
  EXPECT_EQ(SegmentTokenIds(got), SegmentTokenIds(want));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].at("start").to_number<double>(), 0.0);
  EXPECT_DOUBLE_EQ(got[0].at("end").to_number<double>(),
                   oracle.at("n_len_org").as_int64() / 100.0);  // the audio's end, not 30 s

  const std::string text(want[0].at("text").as_string());
  r = Run(flags);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, text + "\n");
  args = flags;
  args.push_back("--srt");
  r = Run(args);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "1\n00:00:00,000 --> " +
                       audio::Timestamp(oracle.at("n_len_org").as_int64(), true) + "\n" +
                       text.substr(text.find_first_not_of(' ')) + "\n\n");
}

// A model with two decoder layers is taken for a first-release distilled one, as whisper.cpp
// takes it: decoded without timestamps though not asked, with a line on stderr saying so.
TEST_F(TranscribeCli, TwoDecoderLayersDecodeWithoutTimestampsAsWhisperCpp) {
  const fs::path dir = fs::path(INFERNO_ZOO_DIR) / "zoo-oracle" / "whisper";
  const std::string prefix = (dir / "whisper-rand-tiny-2l.speech-1").string();
  if (!fs::exists(prefix + ".json")) GTEST_SKIP() << "old zoo: " << prefix;
  std::stringstream ss;
  ss << std::ifstream(prefix + ".json").rdbuf();
  const json::value oracle = json::parse(ss.str());
  const json::object& run = oracle.at("runs").at("greedy_nofallback").as_object();
  EXPECT_EQ(run.at("forced_no_timestamps"), true);
  const fs::path model = fs::path(INFERNO_ZOO_DIR) / "zoo" / "whisper-rand-tiny-2l.bin";
  testing::ProcessResult r = testing::RunProcess({testing::InfernoBinary(), "transcribe", "-m",
                                                  model.string(), wav_.string(), "-t", "2",
                                                  "--json", "--beam-size", "1", "--no-fallback"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("first-release distilled model"), std::string::npos) << r.err;
  const json::object out = json::parse(r.out).as_object();
  EXPECT_EQ(out.at("timestamps"), false);
  EXPECT_EQ(SegmentTokenIds(out.at("segments").as_array()),
            SegmentTokenIds(run.at("segments").as_array()));
}

TEST_F(TranscribeCli, BadInputIsAnError) {
  testing::ProcessResult r = testing::RunProcess(
      {testing::InfernoBinary(), "transcribe", "-m", kModel.string(), "/nonexistent.wav"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("error: /nonexistent.wav: cannot open audio file"), std::string::npos)
      << r.err;
  r = Run({"--language", "xx"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("unknown language 'xx'"), std::string::npos) << r.err;
  r = testing::RunProcess(
      {testing::InfernoBinary(), "transcribe", "-m", wav_.string(), wav_.string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("not a whisper.cpp model"), std::string::npos) << r.err;
}

// A model cut short, a file that is not audio, silence and a 0.1 s clip: a named error or a
// (possibly empty) transcript, never a crash.
TEST_F(TranscribeCli, BadModelsAndClipsAreErrorsOrEmpty) {
  const fs::path cut = wav_.string() + ".cut.bin";
  {
    std::ifstream in(kModel, std::ios::binary);
    std::vector<char> half(fs::file_size(kModel) / 2);
    in.read(half.data(), std::streamsize(half.size()));
    std::ofstream(cut, std::ios::binary).write(half.data(), std::streamsize(half.size()));
  }
  testing::ProcessResult r = testing::RunProcess(
      {testing::InfernoBinary(), "transcribe", "-m", cut.string(), wav_.string()});
  fs::remove(cut);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("truncated at byte"), std::string::npos) << r.err;

  r = testing::RunProcess(
      {testing::InfernoBinary(), "transcribe", "-m", kModel.string(), kModel.string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err.rfind("error: ", 0), 0u) << r.err;

  r = Run({"--beam-size", "9"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("beam size and best-of must be 1 to 8"), std::string::npos) << r.err;

  for (const auto& [seconds, name] : {std::pair{5.0, "silence"}, std::pair{0.1, "short"}}) {
    const std::vector<float> zeros(size_t(seconds * 16000), 0.0f);
    Result<std::vector<uint8_t>> wav =
        audio::EncodeAudio(zeros, 1, 16000, audio::AudioContainer::kWavFloat);
    ASSERT_TRUE(wav.ok());
    const fs::path path = wav_.string() + "." + name + ".wav";
    std::ofstream(path, std::ios::binary).write((const char*)wav->data(), wav->size());
    r = testing::RunProcess({testing::InfernoBinary(), "transcribe", "-m", kModel.string(),
                             path.string(), "--json", "-t", "2"});
    fs::remove(path);
    ASSERT_EQ(r.exit_code, 0) << name << ": " << r.err;
    const json::array segs = json::parse(r.out).at("segments").as_array();
    // Less than 100 ms of audio is not decoded at all (whisper.cpp's delta_min).
    if (seconds < 0.2) {
      EXPECT_TRUE(segs.empty()) << r.out;
    }
  }
}

TEST_F(TranscribeCli, InspectRecognisesWhisper) {
  testing::ProcessResult r =
      testing::RunProcess({testing::InfernoBinary(), "inspect", kModel.string(), "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json::object out = json::parse(r.out).as_object();
  EXPECT_EQ(out.at("kind"), "speech");
  EXPECT_EQ(out.at("n_text_layer").as_int64(), 4);
  EXPECT_EQ(out.at("valid"), true);
}

}  // namespace
}  // namespace inferno
