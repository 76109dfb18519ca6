// Embeddings against llama.cpp: the zoo (tools/zoo/embeddings.sh) holds llama-server's
// /v1/embeddings of a few inputs (short, unicode, long, one-token, several in one request) for
// fixture models and poolings; ours must have cosine >= 0.999 with each, from the same tokens.
// Ours runs all inputs of a file in one request with a batch of 64 rows, so they share passes
// and the long input is split over several.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "engine/runtime/embedder.h"
#include "tests/subprocess.h"

namespace inferno {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

const fs::path kOracles = fs::path(INFERNO_ZOO_DIR) / "zoo-oracle" / "embeddings";

// <stem>.<pooling>.json → the model: a zoo model, else a committed fixture.
fs::path ModelOf(const std::string& stem) {
  const fs::path zoo = fs::path(INFERNO_ZOO_DIR) / "zoo" / (stem + ".gguf");
  if (fs::exists(zoo)) return zoo;
  return fs::path(testing::SharedDir()) / "fixtures" / "models" / (stem + ".gguf");
}

json::value ReadJson(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return json::parse(ss.str());
}

double Cosine(const std::vector<float>& a, const json::array& b) {
  double dot = 0, na = 0, nb = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    const double y = b[i].to_number<double>();
    dot += a[i] * y;
    na += double(a[i]) * a[i];
    nb += y * y;
  }
  return dot / std::sqrt(na * nb);
}

std::vector<int32_t> Ids(const json::array& a) {
  std::vector<int32_t> ids;
  for (const json::value& v : a) ids.push_back(int32_t(v.to_number<int64_t>()));
  return ids;
}

// One oracle file: returns the lowest cosine over its inputs.
double CheckOracle(const fs::path& file) {
  const std::string name = file.stem().string();  // <stem>.<pooling>
  const std::string stem = name.substr(0, name.rfind('.'));
  const std::string pooling = name.substr(name.rfind('.') + 1);
  Result<std::unique_ptr<Model>> model = Model::Load(ModelOf(stem).string());
  EXPECT_TRUE(model.ok()) << model.status().message();
  if (!model.ok()) return 0;
  const json::object oracle = ReadJson(file).as_object();
  const json::array& inputs = oracle.at("inputs").as_array();
  EmbedRequest request;
  if (pooling != "model") request.pooling = *ParsePooling(pooling);
  for (size_t i = 0; i < inputs.size(); ++i) {
    request.inputs.push_back(
        EmbeddingTokens((*model)->tokenizer(), std::string(inputs[i].as_string())));
    EXPECT_EQ(request.inputs.back(), Ids(oracle.at("tokens").as_array()[i].as_array()))
        << "tokens of input " << i;
  }
  ThreadPool pool(2);
  ForwardState state((*model)->config(), 64);
  Result<EmbedResult> ours = Embed(**model, pool, state, request);
  EXPECT_TRUE(ours.ok()) << ours.status().message();
  if (!ours.ok()) return 0;
  double lowest = 1;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const double cos =
        Cosine(ours->embeddings[i], oracle.at("embeddings").as_array()[i].as_array());
    EXPECT_GE(cos, 0.999) << "input " << i;
    lowest = std::min(lowest, cos);
  }
  return lowest;
}

TEST(EmbeddingsParity, MatchesLlamaCppPerInput) {
  if (!fs::exists(kOracles)) GTEST_SKIP() << "no zoo (make zoo): " << kOracles;
  int files = 0;
  for (const fs::directory_entry& e : fs::directory_iterator(kOracles)) {
    if (e.path().extension() != ".json") continue;
    SCOPED_TRACE(e.path().filename().string());
    const double lowest = CheckOracle(e.path());
    std::printf("%-40s min cosine %.6f\n", e.path().filename().c_str(), lowest);
    ++files;
  }
  EXPECT_GE(files, 6) << "the embeddings oracles are incomplete: run `make zoo`";
}

}  // namespace
}  // namespace inferno
