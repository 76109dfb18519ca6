// The bert family end to end through `inferno serve`: the zoo's BERT encoder (tools/zoo/bert.sh,
// its pooling_type CLS) answers /v1/embeddings and Ollama's /api/embed with llama-server's
// vectors (cosine >= 0.999 per input), and refuses chat with a message pointing at embeddings.
#include <boost/json.hpp>
#include <cmath>
#include <filesystem>

#include "tests/served_test.h"

namespace inferno {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using testing::HttpResponse;
using testing::ParseJsonObject;

const fs::path kModel = fs::path(INFERNO_ZOO_DIR) / "zoo" / "bert-tiny-cls-F16.gguf";
const fs::path kOracle =
    fs::path(INFERNO_ZOO_DIR) / "zoo-oracle" / "embeddings" / "bert-tiny-cls-F16.model.json";

class BertServe : public testing::ServedTest {
 protected:
  static void SetUpTestSuite() {
    if (!fs::exists(kOracle)) return;  // each test skips
    const fs::path models = MakeModels("bert");
    fs::copy_file(kModel, models / "bert.gguf");
    Serve();
  }
  void SetUp() override {
    if (!fs::exists(kOracle)) GTEST_SKIP() << "no zoo (make zoo): " << kOracle;
    oracle_ = json::parse(testing::ReadAll(kOracle)).as_object();
  }
  const json::array& Want(size_t i) { return oracle_.at("embeddings").at(i).as_array(); }

  json::object oracle_;
};

TEST_F(BertServe, OpenAiEmbeddingsMatchLlamaCpp) {
  const json::array& inputs = oracle_.at("inputs").as_array();
  HttpResponse r = Post("/v1/embeddings", {{"model", "bert"}, {"input", inputs}});
  ASSERT_EQ(r.status, 200) << r.body;
  const json::object body = ParseJsonObject(r.body);
  const json::array& data = body.at("data").as_array();
  ASSERT_EQ(data.size(), inputs.size());
  double lowest = 1;
  for (size_t i = 0; i < data.size(); ++i) {
    const double cos = testing::JsonCosine(data[i].at("embedding").as_array(), Want(i));
    EXPECT_GE(cos, 0.999) << "input " << i;
    lowest = std::min(lowest, cos);
  }
  std::printf("bert through /v1/embeddings: %zu inputs, min cosine %.7f\n", data.size(), lowest);
}

TEST_F(BertServe, OllamaEmbedMatchesLlamaCpp) {
  HttpResponse r = Post("/api/embed", {{"model", "bert"}, {"input", oracle_.at("inputs").at(0)}});
  ASSERT_EQ(r.status, 200) << r.body;
  const json::object body = ParseJsonObject(r.body);
  const json::array& got = body.at("embeddings").at(0).as_array();
  EXPECT_GE(testing::JsonCosine(got, Want(0)), 0.999);
}

// Learned positions end at the trained context (512 here): a longer input is a 400, not an
// embedding computed without position embeddings.
TEST_F(BertServe, InputBeyondTheTrainedPositionsIsRefused) {
  std::string text;
  for (int i = 0; i < 600; ++i) text += "a ";
  HttpResponse r = Post("/v1/embeddings", {{"model", "bert"}, {"input", text}});
  EXPECT_EQ(r.status, 400) << r.body;
}

TEST_F(BertServe, ChatIsRefusedPointingAtEmbeddings) {
  HttpResponse r =
      Post("/v1/chat/completions",
           {{"model", "bert"},
            {"messages", json::array{json::object{{"role", "user"}, {"content", "hi"}}}}});
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_NE(testing::ErrorField(r, "message").find("embedding model"), std::string::npos) << r.body;
}

}  // namespace
}  // namespace inferno
