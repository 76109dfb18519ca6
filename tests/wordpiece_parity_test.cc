// WordPiece against llama.cpp on the zoo's BERT vocabulary (tools/zoo/bert.sh): llama.cpp's token
// ids (test-tokenizer-0) for each text of tools/zoo/bert_inputs.json must be ours. The bert
// family's embeddings are compared with llama-server's by tests/embeddings_parity_test.cc.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>

#include "engine/model/model.h"
#include "tests/subprocess.h"

namespace inferno {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

const std::string kZoo = INFERNO_ZOO_DIR;
using testing::ReadAll;

std::vector<int32_t> Ints(const json::value& v) {
  std::vector<int32_t> out;
  for (const json::value& x : v.as_array()) out.push_back(int32_t(x.to_number<int64_t>()));
  return out;
}

TEST(WordPieceParity, MatchesLlamaCpp) {
  const std::string oracle = kZoo + "/zoo-oracle/wordpiece/bert-tiny-F16.json";
  if (!fs::exists(oracle)) GTEST_SKIP() << "no zoo (make zoo): " << oracle;
  Result<std::unique_ptr<Model>> m = Model::Load(kZoo + "/zoo/bert-tiny-F16.gguf");
  ASSERT_TRUE(m.ok()) << m.status().message();
  const json::value o = json::parse(ReadAll(oracle));
  const json::array& texts = o.at("texts").as_array();
  int agree = 0;
  for (size_t i = 0; i < texts.size(); ++i) {
    const std::string text(texts[i].as_string());
    const std::vector<int32_t> ids = (*m)->tokenizer().Encode(text, false, false);
    EXPECT_EQ(ids, Ints(o.at("tokens").at(i))) << "text " << i << ": " << text;
    agree += ids == Ints(o.at("tokens").at(i));
  }
  std::printf("WordPiece: %d of %zu texts tokenized as llama.cpp does\n", agree, texts.size());
}

}  // namespace
}  // namespace inferno
