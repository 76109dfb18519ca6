#include "bench/summary.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace inferno::bench {
namespace {

namespace fs = std::filesystem;

std::string ReadAll(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

const fs::path kTestData = fs::path(INFERNO_SOURCE_DIR) / "bench" / "testdata";

// Golden files: bench/testdata/sample_summary.md and its SVG were reviewed by hand; any
// change to the report's content or layout shows up here as a diff to review.
TEST(Summary, MatchesGoldenFilesForSampleCsv) {
  const fs::path out = fs::temp_directory_path() / ("inferno_summary_" + std::to_string(getpid()));
  fs::create_directories(out);
  // Same file names as the goldens, so the markdown's link to the SVG is comparable.
  fs::copy_file(kTestData / "sample_results.csv", out / "sample_results.csv",
                fs::copy_options::overwrite_existing);
  ASSERT_TRUE(
      WriteSummary((out / "sample_results.csv").string(), (out / "sample_summary.md").string())
          .ok());
  EXPECT_EQ(ReadAll(out / "sample_summary.md"), ReadAll(kTestData / "sample_summary.md"));
  EXPECT_EQ(ReadAll(out / "sample_summary_throughput.svg"),
            ReadAll(kTestData / "sample_summary_throughput.svg"));
}

TEST(Summary, LatestRunOnlyAndFailuresListed) {
  SuiteRow old;
  old.run_id = "r1";
  old.model = "old-model";
  SuiteRow ok;
  ok.run_id = "r2";
  ok.model = "good";
  ok.prompt_tokens = 50;
  ok.decode_tps = 10;
  ok.prefill_tps = 100;
  SuiteRow bad = ok;
  bad.model = "bad|pipe";
  bad.status = "failed";
  bad.error = "boom";
  const Summary s = MakeSummary({old, ok, bad}, "chart.svg", "results.csv");
  EXPECT_NE(s.markdown.find("(3 rows, 2 runs)"), std::string::npos);
  EXPECT_EQ(s.markdown.find("old-model"), std::string::npos);
  EXPECT_NE(s.markdown.find("| bad\\|pipe |  | boom |"), std::string::npos) << s.markdown;
  EXPECT_NE(s.throughput_svg.find(">good</text>"), std::string::npos);
  EXPECT_NE(s.throughput_svg.find(">100.0</text>"), std::string::npos);
}

// Each category's latest run is shown, the text one even when older runs of other categories
// followed it; the memory table names the category when there are several.
TEST(Summary, ImageAndAudioSectionsBesideTheLatestTextRun) {
  SuiteRow text;
  text.run_id = "t1";
  text.model = "lm";
  text.prompt_tokens = 50;
  text.decode_tps = 10;
  SuiteRow image = text;
  image.run_id = "i1";
  image.input_type = "image";
  image.mmproj_path = "/m/mmproj-lm.gguf";
  image.image_px = 512;
  image.image_tokens = 16;
  image.prompt_tokens = 24;
  image.encoder_ms = 3.5;
  SuiteRow audio;
  audio.run_id = "a1";
  audio.input_type = "audio";
  audio.model = "whisper";
  audio.quant = "F16";
  audio.audio_seconds = 10;
  audio.total_ms = 2500;
  audio.rtf = 0.25;
  audio.generated_tokens = 30;
  SuiteRow old_audio = audio;
  old_audio.run_id = "a0";
  old_audio.model = "old-whisper";
  const Summary s = MakeSummary({old_audio, text, image, audio}, "c.svg", "r.csv");
  const std::string& md = s.markdown;
  EXPECT_NE(md.find("latest run of each category"), std::string::npos) << md;
  EXPECT_NE(md.find("## Throughput"), std::string::npos);
  EXPECT_LT(md.find("## Throughput"), md.find("## Images"));
  EXPECT_LT(md.find("## Images"), md.find("## Audio"));
  EXPECT_NE(md.find("| lm | mmproj-lm.gguf | 512 | 16 | 24 | 3.5 ± 0.0 |"), std::string::npos)
      << md;
  EXPECT_NE(md.find("| whisper | F16 | 10 | 2500.0 ± 0.0 | 0.250 ± 0.000 | 30 |"),
            std::string::npos)
      << md;
  EXPECT_EQ(md.find("old-whisper"), std::string::npos) << "an older audio run";
  EXPECT_NE(md.find("| lm (text) |"), std::string::npos) << md;
  EXPECT_NE(md.find("| lm (image) |"), std::string::npos) << md;
  EXPECT_NE(s.throughput_svg.find(">lm</text>"), std::string::npos);
}

TEST(Summary, EmptyAndMissingCsv) {
  const Summary s = MakeSummary({}, "x.svg", "results.csv");
  EXPECT_NE(s.markdown.find("No results yet"), std::string::npos);
  EXPECT_TRUE(s.throughput_svg.empty());
  EXPECT_FALSE(WriteSummary("/nonexistent/results.csv", "/tmp/x.md").ok());
}

}  // namespace
}  // namespace inferno::bench
