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

TEST(Summary, EmptyAndMissingCsv) {
  const Summary s = MakeSummary({}, "x.svg", "results.csv");
  EXPECT_NE(s.markdown.find("No results yet"), std::string::npos);
  EXPECT_TRUE(s.throughput_svg.empty());
  EXPECT_FALSE(WriteSummary("/nonexistent/results.csv", "/tmp/x.md").ok());
}

}  // namespace
}  // namespace inferno::bench
