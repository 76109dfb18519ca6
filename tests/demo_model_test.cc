// The shipped demo model (models/inferno-demo-Q8_0.gguf, trained by tools/demo-model and
// converted by `inferno convert`) behaves through the `inferno` binary as the training code's
// PyTorch forward pass says it should: greedy answers to held-out fact questions (wordings and
// wording/fact pairings never seen in training, sampled by tools/demo-model/evaluate.py) and
// the story opening "Once upon a" -> " time" with high probability. At least 90% of the
// held-out questions must be answered right (models/README.md: 94.3% of all 686).
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tests/subprocess.h"

namespace inferno {
namespace {

namespace fs = std::filesystem;

const fs::path kModels = fs::path(INFERNO_SOURCE_DIR) / "models";
const fs::path kModel = kModels / "inferno-demo-Q8_0.gguf";

struct Fact {
  std::string question;
  std::string answer;         // the corpus's answer sentence ("A spider has eight legs.")
  std::string pytorch_reply;  // greedy reply of the training code's PyTorch forward pass
  double pytorch_min_gap;     // smallest top-1/top-2 logit gap along that greedy path
};

// Written by tools/demo-model/evaluate.py --heldout-sample from the checkpoint the GGUF was
// converted from.
std::vector<Fact> HeldOutSample() {
  std::vector<Fact> facts;
  std::ifstream in(kModels / "inferno-demo.heldout-sample.jsonl");
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    const boost::json::object o = boost::json::parse(line).as_object();
    facts.push_back({std::string(o.at("question").as_string()),
                     std::string(o.at("reply").as_string()),
                     std::string(o.at("pytorch_reply").as_string()),
                     o.at("pytorch_min_gap").to_number<double>()});
  }
  return facts;
}

// Same rule as evaluate.py: the reply is the corpus's answer sentence, ends trimmed.
bool Correct(const std::string& reply, const std::string& answer) {
  return !answer.empty() && testing::TrimReply(reply) == testing::TrimReply(answer);
}

TEST(DemoModel, CorrectHeldOutGrading) {
  EXPECT_TRUE(Correct("The day after Monday is Tuesday.\n", "The day after Monday is Tuesday."));
  EXPECT_TRUE(Correct(" A spider has eight legs.", "A spider has eight legs."));
  EXPECT_FALSE(Correct("A spider has six legs.", "A spider has eight legs."));
  EXPECT_FALSE(Correct("3 plus 4 is 8.", "3 plus 4 is 7."));
  EXPECT_FALSE(Correct("", ""));
}

// Greedy answers through `inferno run --chat` (Q8_0 weights, our engine) against the PyTorch
// forward pass of the float32 checkpoint: every reply whose greedy path has no near-tie must be
// identical, and the held-out accuracy may not be lower than PyTorch's by more than one
// question (a near-tie may flip either way).
TEST(DemoModel, AnswersHeldOutFactQuestionsLikePyTorch) {
  ASSERT_TRUE(fs::exists(kModel)) << kModel;
  const std::vector<Fact> facts = HeldOutSample();
  ASSERT_GE(facts.size(), 50u) << "held-out sample missing or short";
  // Q8_0 rounding moved this model's logits by at most 0.07 against PyTorch (top 20 of the
  // three prompts in models/inferno-demo.reference.json); a top-2 gap of 0.2 is a clear
  // margin (all 72 greedy paths of the shipped model are; an undertrained one had half).
  constexpr double kClearGap = 0.2;
  int correct = 0, pytorch_correct = 0, compared = 0;
  std::string failures;
  for (const Fact& f : facts) {
    const testing::ProcessResult r = testing::RunProcess(
        {testing::InfernoBinary(), "run", "-m", kModel.string(), "-p", f.question, "--chat",
         "--temp", "0", "--seed", "1", "-n", "24", "-t", "2"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const std::string reply = testing::TrimReply(r.out);
    if (f.pytorch_min_gap >= kClearGap) {
      ++compared;
      EXPECT_EQ(reply, testing::TrimReply(f.pytorch_reply)) << f.question;
    }
    pytorch_correct += Correct(f.pytorch_reply, f.answer);
    if (Correct(reply, f.answer)) {
      ++correct;
    } else {
      failures += "  " + f.question + " -> " + reply + " (want " + f.answer + ")\n";
    }
  }
  std::printf(
      "[demo-model] held-out facts through inferno: %d/%zu correct (PyTorch %d); %d replies "
      "compared exactly\n%s",
      correct, facts.size(), pytorch_correct, compared, failures.c_str());
  EXPECT_GE(compared, int(facts.size()) / 2) << "too few clear greedy paths to compare";
  EXPECT_GE(correct, pytorch_correct - 1);
  // The bar: greedy answers to held-out fact questions are right for >= 90% of them.
  EXPECT_GE(correct * 10, int(facts.size()) * 9) << correct << " of " << facts.size();
}

TEST(DemoModel, OnceUponATime) {
  ASSERT_TRUE(fs::exists(kModel)) << kModel;
  const testing::ProcessResult r = testing::RunProcess(
      {testing::InfernoBinary(), "run", "-m", kModel.string(), "-p", "Once upon a", "--temp", "0",
       "-n", "1", "--json", "--top-logits", "5", "-t", "2"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::istringstream lines(r.out);
  for (std::string line; std::getline(lines, line);) {
    const boost::json::object ev = boost::json::parse(line).as_object();
    if (ev.at("type").as_string() != "token") continue;
    EXPECT_EQ(ev.at("text").as_string(), " time");
    const auto& top = ev.at("top").as_array();
    ASSERT_EQ(top.size(), 5u);
    EXPECT_EQ(top[0].as_object().at("text").as_string(), " time");
    EXPECT_GE(top[0].as_object().at("prob").to_number<double>(), 0.9);
    return;
  }
  FAIL() << "no token event in:\n" << r.out;
}

}  // namespace
}  // namespace inferno
