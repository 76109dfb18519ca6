// `inferno embed`: the vectors it prints agree with llama.cpp's (the zoo's oracle of
// llama-tiny-F16 with last pooling, tools/zoo/embeddings.sh), and bad options are errors.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "tests/server_process.h"
#include "tests/subprocess.h"

namespace inferno {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

const std::string kModel = testing::SharedDir() + "/fixtures/models/llama-tiny-F16.gguf";

TEST(EmbedCli, PrintsLlamaCppsVectors) {
  const fs::path oracle_path =
      fs::path(INFERNO_ZOO_DIR) / "zoo-oracle" / "embeddings" / "llama-tiny-F16.last.json";
  if (!fs::exists(oracle_path)) GTEST_SKIP() << "no zoo (make zoo): " << oracle_path;
  std::ifstream in(oracle_path);
  std::stringstream ss;
  ss << in.rdbuf();
  const json::object oracle = json::parse(ss.str()).as_object();
  std::vector<std::string> args = {
      testing::InfernoBinary(), "embed", "-m", kModel, "--pooling", "last", "--json", "-t", "2"};
  for (const json::value& t : oracle.at("inputs").as_array()) {
    args.push_back(std::string(t.as_string()));
  }
  testing::ProcessResult r = testing::RunProcess(args);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json::object out = json::parse(r.out).as_object();
  EXPECT_EQ(out.at("pooling"), "last");
  const json::array& ours = out.at("embeddings").as_array();
  const json::array& want = oracle.at("embeddings").as_array();
  ASSERT_EQ(ours.size(), want.size());
  for (size_t i = 0; i < ours.size(); ++i) {
    EXPECT_GE(testing::JsonCosine(ours[i].as_array(), want[i].as_array()), 0.999) << "input " << i;
  }
}

TEST(EmbedCli, OneLinePerTextAndErrorsExitOne) {
  testing::ProcessResult r = testing::RunProcess(
      {testing::InfernoBinary(), "embed", "-m", kModel, "--dimensions", "8", "a", "b c"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::istringstream lines(r.out);
  std::string line;
  int n = 0;
  for (; std::getline(lines, line); ++n) EXPECT_EQ(json::parse(line).as_array().size(), 8u);
  EXPECT_EQ(n, 2);
  r = testing::RunProcess(
      {testing::InfernoBinary(), "embed", "-m", kModel, "--pooling", "max", "a"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("pooling 'max' is not supported"), std::string::npos) << r.err;
  r = testing::RunProcess(
      {testing::InfernoBinary(), "embed", "-m", kModel, "--dimensions", "100000", "a"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("dimensions"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace inferno
