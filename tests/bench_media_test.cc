// The image and audio categories of `inferno bench --suite` end to end on the zoo's
// random-weight models: vision models (language model + mmproj, tools/zoo/vision.sh) on
// photo-1.jpeg scaled to each size, the Whisper fixture (tools/zoo/whisper.sh) on clips cut
// from speech-1.mp3. Values are checked for shape and sanity, never for speed.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "bench/results_csv.h"
#include "engine/gguf/gguf_file.h"
#include "engine/vision/mmproj_config.h"
#include "tests/subprocess.h"

namespace inferno {
namespace {

namespace fs = std::filesystem;

const fs::path kZoo = fs::path(INFERNO_ZOO_DIR) / "zoo";

fs::path TempDir(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / (name + "_" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

std::string ReadAll(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The image tokens the mmproj declares (its patch grid after the projector's pooling).
int TokensPerImage(const fs::path& mmproj) {
  Result<std::unique_ptr<gguf::File>> f = gguf::File::Open(mmproj.string());
  if (!f.ok()) return -1;
  Result<vision::VisionConfig> c = vision::ReadVisionConfig(**f);
  return c.ok() ? c->tokens_per_image() : -1;
}

// Runs the suite with `args` after the common ones; the CSV's rows.
std::vector<bench::SuiteRow> RunSuite(const fs::path& dir, std::vector<std::string> args,
                                      std::string* out = nullptr) {
  std::vector<std::string> argv = {testing::InfernoBinary(),
                                   "bench",
                                   "--suite",
                                   "-r",
                                   "2",
                                   "-t",
                                   "2",
                                   "--csv",
                                   (dir / "results.csv").string(),
                                   "--log-dir",
                                   (dir / "logs").string(),
                                   "--summary",
                                   "-o",
                                   (dir / "summary.md").string(),
                                   "--no-store"};
  argv.insert(argv.end(), args.begin(), args.end());
  const testing::ProcessResult r = testing::RunProcess(argv);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  if (out != nullptr) *out = r.out;
  Result<std::vector<bench::SuiteRow>> rows = bench::ReadRows((dir / "results.csv").string());
  EXPECT_TRUE(rows.ok()) << rows.status().message();
  return rows.ok() ? *rows : std::vector<bench::SuiteRow>{};
}

TEST(BenchMedia, ImagesOnTheZooVisionModels) {
  const fs::path gemma_proj = kZoo / "mmproj-gemma3-tiny.gguf";
  const fs::path llava_proj = kZoo / "mmproj-llava-tiny.gguf";
  if (!fs::exists(gemma_proj) || !fs::exists(llava_proj)) {
    GTEST_SKIP() << "no zoo vision models (make zoo)";
  }
  const std::string models = testing::SharedDir() + "/fixtures/models/";
  const fs::path dir = TempDir("inferno_bench_images");
  std::string table;
  const std::vector<bench::SuiteRow> rows = RunSuite(
      dir,
      {"--images", "--models", models + "gemma3-tiny-Q8_0.gguf," + models + "llama-tiny-F16.gguf",
       "--mmproj", gemma_proj.string() + "," + llava_proj.string(), "-p", "64,300", "-n", "6"},
      &table);
  ASSERT_EQ(rows.size(), 4u);
  const fs::path projs[] = {gemma_proj, llava_proj};
  for (size_t i = 0; i < rows.size(); ++i) {
    const bench::SuiteRow& r = rows[i];
    SCOPED_TRACE(r.model + " " + std::to_string(r.image_px));
    EXPECT_EQ(r.status, "ok") << r.error;
    EXPECT_EQ(r.input_type, "image");
    EXPECT_EQ(r.model, i < 2 ? "gemma3-tiny-Q8_0" : "llama-tiny-F16");
    EXPECT_EQ(r.mmproj_path, projs[i / 2].string());
    EXPECT_EQ(r.image_px, i % 2 == 0 ? 64 : 300);
    // Every image is scaled to the encoder's square: as many tokens at any size, as the
    // mmproj declares them (gemma3: 8x8 patches pooled 2x2; LLaVA: 8x8 patches).
    EXPECT_EQ(r.image_tokens, TokensPerImage(projs[i / 2]));
    EXPECT_GT(r.image_tokens, 0);
    EXPECT_GT(r.prompt_tokens, r.image_tokens) << "the question's tokens follow the image";
    EXPECT_EQ(r.prompt_tokens - r.image_tokens,
              rows[i - i % 2].prompt_tokens - rows[i - i % 2].image_tokens)
        << "the same text at every size";
    EXPECT_EQ(r.generated_tokens, 6);
    EXPECT_GT(r.encoder_ms, 0);
    EXPECT_GT(r.prefill_tps, 0);
    EXPECT_GT(r.decode_tps, 0);
    EXPECT_GT(r.ttft_ms, r.encoder_ms) << "the first token comes after the image is encoded";
    EXPECT_GE(r.total_ms, r.ttft_ms);
    EXPECT_GT(r.size_bytes, double(fs::file_size(projs[i / 2])));  // model + mmproj
    EXPECT_GT(r.peak_rss_bytes, 0);
    EXPECT_GT(r.cpu_seconds, 0);
    EXPECT_DOUBLE_EQ(r.rtf, 0);
  }
  EXPECT_NE(table.find("| image px | image tokens | encoder ms"), std::string::npos) << table;
  const std::string md = ReadAll(dir / "summary.md");
  EXPECT_NE(md.find("## Images"), std::string::npos) << md;
  EXPECT_NE(md.find("| gemma3-tiny-Q8_0 | mmproj-gemma3-tiny.gguf | 300 | "), std::string::npos)
      << md;
  EXPECT_EQ(md.find("## Throughput"), std::string::npos) << "no text run in this file";
}

TEST(BenchMedia, AudioOnTheZooSpeechModel) {
  const fs::path whisper = kZoo / "whisper-rand-tiny.bin";
  if (!fs::exists(whisper)) GTEST_SKIP() << "no zoo speech model (make zoo)";
  const fs::path dir = TempDir("inferno_bench_audio");
  const std::vector<bench::SuiteRow> rows =
      RunSuite(dir, {"--audio", "--models", whisper.string(), "-p", "2,5"});
  ASSERT_EQ(rows.size(), 2u);
  for (size_t i = 0; i < rows.size(); ++i) {
    const bench::SuiteRow& r = rows[i];
    EXPECT_EQ(r.status, "ok") << r.error;
    EXPECT_EQ(r.input_type, "audio");
    EXPECT_EQ(r.model, "whisper-rand-tiny");
    EXPECT_EQ(r.architecture, "whisper-tiny");
    EXPECT_FALSE(r.quant.empty());
    EXPECT_DOUBLE_EQ(r.audio_seconds, i == 0 ? 2 : 5);
    EXPECT_GT(r.total_ms, 0);
    EXPECT_GT(r.rtf, 0);
    // The real-time factor is the latency over the clip's length.
    EXPECT_NEAR(r.rtf, r.total_ms / 1000.0 / r.audio_seconds, 1e-9 + r.rtf * 1e-6);
    EXPECT_GT(r.params, 0);
    EXPECT_EQ(r.size_bytes, double(fs::file_size(whisper)));
    EXPECT_GT(r.peak_rss_bytes, 0);
    EXPECT_GT(r.cpu_seconds, 0);
    EXPECT_EQ(r.image_tokens, 0);
  }
  const std::string md = ReadAll(dir / "summary.md");
  EXPECT_NE(md.find("## Audio"), std::string::npos) << md;
  EXPECT_NE(md.find("| whisper-rand-tiny | "), std::string::npos) << md;
}

TEST(BenchMedia, UsageErrors) {
  const fs::path dir = TempDir("inferno_bench_media_errors");
  auto run = [&](std::vector<std::string> args) {
    std::vector<std::string> argv = {
        testing::InfernoBinary(), "bench", "--suite", "--no-store", "--csv",
        (dir / "r.csv").string()};
    argv.insert(argv.end(), args.begin(), args.end());
    return testing::RunProcess(argv);
  };
  const std::string lm = testing::SharedDir() + "/fixtures/models/llama-tiny-F16.gguf";
  testing::ProcessResult r = run({"--images", "--audio", "--models", lm});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("one at a time"), std::string::npos) << r.err;
  r = run({"--mmproj", "p.gguf", "--models", lm});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--mmproj needs --images"), std::string::npos) << r.err;
  r = run({"--images", "--models", lm + "," + lm, "--mmproj", "p.gguf"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("one file per model"), std::string::npos) << r.err;
  r = run({"--audio", "--models", lm, "--media", (dir / "missing.mp3").string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("missing.mp3"), std::string::npos) << r.err;
  // A model that is not a speech model is a failed row, the suite goes on.
  r = run({"--audio", "--models", lm});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  Result<std::vector<bench::SuiteRow>> rows = bench::ReadRows((dir / "r.csv").string());
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].status, "failed");
  EXPECT_FALSE((*rows)[0].error.empty());
}

}  // namespace
}  // namespace inferno
