// `inferno bench --suite` end to end: real models measured in worker processes, a corrupt
// model recorded as a failure while the suite goes on, CSV rows, raw logs and the summary.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "bench/results_csv.h"
#include "tests/subprocess.h"

namespace inferno {
namespace {

namespace fs = std::filesystem;

TEST(BenchSuite, MeasuresModelsRecordsFailuresAndWritesReports) {
  const fs::path dir = fs::temp_directory_path() / ("inferno_suite_" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const fs::path broken = dir / "broken.gguf";
  std::ofstream(broken) << "GGUF\x03\x00\x00\x00 not really a model";
  const std::string good = testing::SharedDir() + "/fixtures/models/llama-tiny-Q8_0.gguf";
  const std::string csv = (dir / "results.csv").string();
  const testing::ProcessResult r = testing::RunProcess({testing::InfernoBinary(),
                                                        "bench",
                                                        "--suite",
                                                        "--models",
                                                        good + "," + broken.string(),
                                                        "-p",
                                                        "20,40",
                                                        "-n",
                                                        "8",
                                                        "-r",
                                                        "2",
                                                        "-t",
                                                        "2",
                                                        "--csv",
                                                        csv,
                                                        "--log-dir",
                                                        (dir / "logs").string(),
                                                        "--summary",
                                                        "-o",
                                                        (dir / "summary.md").string(),
                                                        "--no-store"});
  ASSERT_EQ(r.exit_code, 0) << r.err;

  Result<std::vector<bench::SuiteRow>> rows = bench::ReadRows(csv);
  ASSERT_TRUE(rows.ok()) << rows.status().message();
  ASSERT_EQ(rows->size(), 3u);
  for (int i = 0; i < 2; ++i) {
    const bench::SuiteRow& row = (*rows)[i];
    EXPECT_EQ(row.status, "ok");
    EXPECT_EQ(row.model, "llama-tiny-Q8_0");
    EXPECT_EQ(row.quant, "Q8_0");
    EXPECT_EQ(row.architecture, "llama");
    EXPECT_EQ(row.input_type, "text");
    EXPECT_EQ(row.prompt_tokens, i == 0 ? 20 : 40);
    EXPECT_EQ(row.generated_tokens, 8);
    EXPECT_EQ(row.repetitions, 2);
    EXPECT_EQ(row.threads, 2);
    EXPECT_GT(row.prefill_tps, 0);
    EXPECT_GT(row.decode_tps, 0);
    EXPECT_GT(row.ttft_ms, 0);
    EXPECT_GE(row.total_ms, row.ttft_ms);
    EXPECT_GT(row.peak_rss_bytes, row.size_bytes) << "the worker maps the whole file";
    EXPECT_GT(row.cpu_seconds, 0);
    EXPECT_EQ(row.run_id, (*rows)[0].run_id);
  }
  const bench::SuiteRow& failed = (*rows)[2];
  EXPECT_EQ(failed.status, "failed");
  EXPECT_EQ(failed.model, "broken");
  EXPECT_NE(failed.error.find("broken.gguf"), std::string::npos) << failed.error;

  const fs::path logs = dir / "logs" / (*rows)[0].run_id;
  EXPECT_TRUE(fs::exists(logs / "machine.json"));
  EXPECT_TRUE(fs::exists(logs / "llama-tiny-Q8_0.jsonl"));
  EXPECT_TRUE(fs::exists(logs / "broken.stderr.txt"));
  std::ifstream md(dir / "summary.md");
  std::stringstream text;
  text << md.rdbuf();
  EXPECT_NE(text.str().find("| broken |"), std::string::npos);
  EXPECT_NE(text.str().find("llama-tiny-Q8_0"), std::string::npos);
  EXPECT_TRUE(fs::exists(dir / "summary_throughput.svg"));

  // A second run appends under the same header.
  const testing::ProcessResult again = testing::RunProcess(
      {testing::InfernoBinary(), "bench", "--suite", "--models", good, "-p", "10", "-n", "4", "-r",
       "1", "--csv", csv, "--log-dir", (dir / "logs").string(), "--no-store"});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  rows = bench::ReadRows(csv);
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ(rows->size(), 4u);
  fs::remove_all(dir);
}

TEST(BenchSuite, UsageErrors) {
  EXPECT_EQ(testing::RunProcess({testing::InfernoBinary(), "bench", "--suite"}).exit_code, 2);
  EXPECT_EQ(testing::RunProcess({testing::InfernoBinary(), "bench", "--suite", "--models", "x.gguf",
                                 "-p", "10,zero"})
                .exit_code,
            2);
  EXPECT_EQ(testing::RunProcess({testing::InfernoBinary(), "bench"}).exit_code, 2);
}

}  // namespace
}  // namespace inferno
