// `inferno bench` end to end on a fixture model: JSON lines, CSV append, bad arguments.
#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "tests/subprocess.h"

namespace inferno {
namespace {

const std::string kModel = testing::SharedDir() + "/fixtures/models/llama-tiny-Q8_0.gguf";

TEST(BenchCli, JsonLinesPerTest) {
  const testing::ProcessResult r =
      testing::RunProcess({testing::InfernoBinary(), "bench", "-m", kModel, "-p", "8,16", "-n", "4",
                           "-r", "2", "-t", "2", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::istringstream lines(r.out);
  std::vector<std::string> tests;
  for (std::string line; std::getline(lines, line);) {
    const boost::json::object o = boost::json::parse(line).as_object();
    tests.emplace_back(o.at("test").as_string());
    EXPECT_GT(o.at("tokens_per_second").to_number<double>(), 0);
    EXPECT_GE(o.at("stddev").to_number<double>(), 0);
    EXPECT_EQ(o.at("threads").to_number<int64_t>(), 2);
    EXPECT_EQ(o.at("type").as_string(), "Q8_0");
    EXPECT_EQ(o.at("model").as_string(), kModel);
  }
  EXPECT_EQ(tests, (std::vector<std::string>{"pp8", "pp16", "tg4"}));
}

TEST(BenchCli, CsvAppendsRowsUnderOneHeader) {
  const std::string csv = std::filesystem::temp_directory_path() /
                          ("inferno-bench-" + std::to_string(getpid()) + ".csv");
  std::filesystem::remove(csv);
  for (int i = 0; i < 2; ++i) {
    const testing::ProcessResult r =
        testing::RunProcess({testing::InfernoBinary(), "bench", "-m", kModel, "-p", "8", "-n", "2",
                             "-r", "1", "--csv", csv});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("| pp8 |"), std::string::npos) << r.out;
  }
  std::ifstream in(csv);
  std::vector<std::string> rows;
  for (std::string line; std::getline(in, line);) rows.push_back(line);
  ASSERT_EQ(rows.size(), 5u);  // header + 2 runs × (pp8, tg2)
  EXPECT_EQ(rows[0], "model,type,size_bytes,threads,test,tokens_per_second,stddev,load_ms");
  EXPECT_NE(rows[4].find(",tg2,"), std::string::npos);
  std::filesystem::remove(csv);
}

TEST(BenchCli, BadArgumentsAreClearErrors) {
  testing::ProcessResult r =
      testing::RunProcess({testing::InfernoBinary(), "bench", "-m", kModel, "-p", "8,x"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("comma-separated"), std::string::npos) << r.err;
  r = testing::RunProcess(
      {testing::InfernoBinary(), "bench", "-m", "/nonexistent/model.gguf", "-p", "8"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("/nonexistent/model.gguf"), std::string::npos) << r.err;
}

// A depth past the trained context (2048 for this model) still measures decode, as
// llama-bench does, with a note: `-d 8000` on a model trained for 4096 used to print an
// error and no decode line.
TEST(BenchCli, DepthBeyondTheTrainedContextStillDecodes) {
  const testing::ProcessResult r =
      testing::RunProcess({testing::InfernoBinary(), "bench", "-m", kModel, "-p", "0", "-n", "2",
                           "-r", "1", "-t", "2", "-d", "2100", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const boost::json::object o = boost::json::parse(r.out).as_object();
  EXPECT_EQ(o.at("test").as_string(), "tg2@d2100");
  EXPECT_GT(o.at("tokens_per_second").to_number<double>(), 0);
  EXPECT_NE(r.err.find("trained context of 2048"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace inferno
