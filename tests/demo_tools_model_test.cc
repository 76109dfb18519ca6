// The bundled tool-trained demo model (models/inferno-demo-tools-Q8_0.gguf, stage 2 of
// tools/demo-model/pipeline.sh, shipped once it meets the bars of models/TOOLS.md) runs
// through the `inferno` binary as the training code's PyTorch forward pass says it should: the
// conversations of models/inferno-demo-tools.reference.json (evaluate.py TOOL_REFERENCE: a
// question that needs the calculator, the answer after its result, a JSON request), rendered
// by the training corpus's own template code, decode greedily to PyTorch's reply. The rates on
// held-out prompts through `inferno serve` are check_tools.py's; the web UI's round trip is
// tests/e2e/demo_tools.test.mjs.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <string>

#include "tests/subprocess.h"

namespace inferno {
namespace {

namespace fs = std::filesystem;

const fs::path kModels = fs::path(INFERNO_SOURCE_DIR) / "models";
const fs::path kModel = kModels / "inferno-demo-tools-Q8_0.gguf";
const fs::path kReference = kModels / "inferno-demo-tools.reference.json";

TEST(DemoToolsModel, ToolConversationsDecodeLikePyTorch) {
  if (!fs::exists(kModel)) {
    GTEST_SKIP() << kModel << " is not shipped: no stage-2 model has met the bars of "
                 << "models/TOOLS.md yet";
  }
  ASSERT_TRUE(fs::exists(kReference)) << "the model is shipped without its reference";
  const boost::json::object ref = boost::json::parse(testing::ReadAll(kReference)).as_object();
  const boost::json::array& prompts = ref.at("tool_prompts").as_array();
  ASSERT_EQ(prompts.size(), 3u);
  // Q8_0 moves this size of model's logits by about 0.1 against float32 (models/README.md); a
  // top-2 gap of 0.2 at every greedy step is a clear margin, and the reference records the
  // smallest gap along PyTorch's path.
  constexpr double kClearGap = 0.2;
  int compared = 0;
  for (const boost::json::value& v : prompts) {
    const boost::json::object& p = v.as_object();
    const std::string id(p.at("id").as_string());
    // The rendered prompt, special tokens and all, as the training code encoded it.
    const testing::ProcessResult r =
        testing::RunProcess({testing::InfernoBinary(), "run", "-m", kModel.string(), "-p",
                             std::string(p.at("prompt").as_string()), "--temp", "0", "--seed", "1",
                             "-n", "96", "-t", "2"});
    ASSERT_EQ(r.exit_code, 0) << id << ": " << r.err;
    const std::string reply = testing::TrimReply(r.out);
    std::printf("[demo-tools] %s: %s\n", id.c_str(), reply.c_str());
    if (p.at("min_gap").to_number<double>() < kClearGap || !p.at("stopped").as_bool()) continue;
    ++compared;
    EXPECT_EQ(reply, testing::TrimReply(std::string(p.at("greedy_text").as_string()))) << id;
  }
  // The call and the answer are what the model is shipped for: they must be clear.
  EXPECT_GE(compared, 2) << "too few clear greedy paths to compare";
}

}  // namespace
}  // namespace inferno
