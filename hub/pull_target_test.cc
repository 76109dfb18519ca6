#include "hub/pull_target.h"

#include <gtest/gtest.h>

namespace inferno::hub {
namespace {

PullTarget Parsed(const std::string& target) {
  Result<PullTarget> t = ParsePullTarget(target);
  EXPECT_TRUE(t.ok()) << target << ": " << t.status().message();
  return t.ok() ? *t : PullTarget{};
}

TEST(PullTarget, InfernoAndOllamaNames) {
  PullTarget a = Parsed("acme/tiny-GGUF");
  EXPECT_EQ(a.repo, "acme/tiny-GGUF");
  EXPECT_EQ(a.file, "");
  PullTarget b = Parsed("acme/tiny-GGUF/sub/tiny-Q4_0.gguf");
  EXPECT_EQ(b.repo, "acme/tiny-GGUF");
  EXPECT_EQ(b.file, "sub/tiny-Q4_0.gguf");
  PullTarget c = Parsed("hf.co/acme/tiny-GGUF:Q4_K_M");
  EXPECT_EQ(c.repo, "acme/tiny-GGUF");
  EXPECT_EQ(c.quant, "Q4_K_M");
  EXPECT_EQ(Parsed("huggingface.co/acme/x:latest").quant, "");
  EXPECT_EQ(Parsed("hf.co/acme/x").repo, "acme/x");
  for (const char* bad : {"llama3.2", "acme/", "/x", "acme//f.gguf", "acme/x/readme.md",
                          "hf.co/acme", "hf.co/acme/x/y:Q4_0"}) {
    EXPECT_EQ(ParsePullTarget(bad).status().code(), Status::Code::kInvalidArgument) << bad;
  }
}

TEST(PullTarget, ChoosesTheNamedTheOnlyOrTheQuantization) {
  const std::vector<HubFile> files = {
      {"README.md", 5, ""}, {"m-Q8_0.gguf", 8, "aa"}, {"sub/m-Q4_K_M.gguf", 4, "bb"}};
  GgufChoice named = ChooseGguf(files, PullTarget{"acme/m", "m-Q8_0.gguf", ""});
  ASSERT_EQ(named.outcome, GgufChoice::Outcome::kChosen);
  EXPECT_EQ(named.chosen.path, "m-Q8_0.gguf");
  GgufChoice by_default = ChooseGguf(files, PullTarget{"acme/m", "", ""});
  ASSERT_EQ(by_default.outcome, GgufChoice::Outcome::kChosen);
  EXPECT_EQ(by_default.chosen.path, "sub/m-Q4_K_M.gguf");
  EXPECT_TRUE(by_default.among_several);
  GgufChoice quant = ChooseGguf(files, PullTarget{"acme/m", "", "q8_0"});
  ASSERT_EQ(quant.outcome, GgufChoice::Outcome::kChosen);
  EXPECT_EQ(quant.chosen.path, "m-Q8_0.gguf");

  GgufChoice none = ChooseGguf(files, PullTarget{"acme/m", "", "Q6_K"});
  EXPECT_EQ(none.outcome, GgufChoice::Outcome::kAmbiguous);
  EXPECT_EQ(ChoiceMessage(none, PullTarget{"acme/m", "", "Q6_K"}),
            "acme/m has 2 GGUF files and not one named 'Q6_K'; choose one: m-Q8_0.gguf, "
            "sub/m-Q4_K_M.gguf");
  GgufChoice missing = ChooseGguf(files, PullTarget{"acme/m", "x.gguf", ""});
  EXPECT_EQ(missing.outcome, GgufChoice::Outcome::kNoSuchFile);
  EXPECT_EQ(ChooseGguf({{"README.md", 5, ""}}, PullTarget{"acme/m", "", ""}).outcome,
            GgufChoice::Outcome::kNoGguf);
  GgufChoice only = ChooseGguf({{"only.gguf", 5, ""}}, PullTarget{"acme/o", "", ""});
  EXPECT_EQ(only.chosen.path, "only.gguf");
  EXPECT_FALSE(only.among_several);
}

}  // namespace
}  // namespace inferno::hub
