#include "engine/model/model_dir.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "engine/model/model_summary.h"

namespace inferno {
namespace {

namespace fs = std::filesystem;

class ModelDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("inferno_model_dir_" + std::to_string(getpid()));
    fs::remove_all(root_);
    fs::create_directories(root_ / "models" / "family");
    std::ofstream(root_ / "models" / "a.gguf") << "x";
    std::ofstream(root_ / "models" / "family" / "b.gguf") << "x";
    std::ofstream(root_ / "models" / "family" / "mmproj-model-f16.gguf") << "x";
    std::ofstream(root_ / "models" / "notes.txt") << "x";
    std::ofstream(root_ / "outside.gguf") << "x";
    fs::create_symlink(root_ / "outside.gguf", root_ / "models" / "escape.gguf");
    fs::create_symlink(root_ / "models" / "a.gguf", root_ / "models" / "alias.gguf");
  }
  void TearDown() override { fs::remove_all(root_); }
  std::string dir() const { return (root_ / "models").string(); }
  fs::path root_;
};

TEST_F(ModelDirTest, AnMmprojIsNoModelAndPairsWithTheModelBesideIt) {
  EXPECT_EQ(FindMmprojFor(dir() + "/family/b.gguf"), dir() + "/family/mmproj-model-f16.gguf");
  EXPECT_EQ(FindMmprojFor(dir() + "/a.gguf"), "");
}

// Several models and their encoders in one directory, named as published.
TEST_F(ModelDirTest, AmongSeveralMmprojTheNamesDecide) {
  const fs::path d = root_ / "mixed";
  fs::create_directories(d);
  for (const char* f : {"gemma-3-4b-it-Q4_K_M.gguf", "mmproj-gemma-3-4b-it-F16.gguf",
                        "llava-v1.6-mistral-7b.Q4_K_M.gguf",
                        "llava-v1.6-mistral-7b-mmproj-f16.gguf", "qwen3-8b-Q4_K_M.gguf"}) {
    std::ofstream(d / f) << "x";
  }
  EXPECT_EQ(FindMmprojFor((d / "gemma-3-4b-it-Q4_K_M.gguf").string()),
            (d / "mmproj-gemma-3-4b-it-F16.gguf").string());
  EXPECT_EQ(FindMmprojFor((d / "llava-v1.6-mistral-7b.Q4_K_M.gguf").string()),
            (d / "llava-v1.6-mistral-7b-mmproj-f16.gguf").string());
  EXPECT_EQ(FindMmprojFor((d / "qwen3-8b-Q4_K_M.gguf").string()), "");
  EXPECT_TRUE(IsMmprojName("MMPROJ-F16.gguf"));
  EXPECT_FALSE(IsMmprojName("gemma-3-4b-it-Q4_K_M.gguf"));
}

TEST_F(ModelDirTest, FindsGgufFilesInsideTheDirOnly) {
  std::vector<std::string> ids;
  for (const ModelFile& f : FindModelFiles(dir())) ids.push_back(f.id);
  EXPECT_EQ(ids, (std::vector<std::string>{"a", "alias", "family/b"}));
  EXPECT_TRUE(FindModelFiles((root_ / "missing").string()).empty());
}

TEST_F(ModelDirTest, NamesNeverResolveOutside) {
  EXPECT_EQ(*ResolveModelName(dir(), "family/b"), fs::canonical(root_ / "models/family/b.gguf"));
  EXPECT_EQ(*ResolveModelName(dir(), "a.gguf"), fs::canonical(root_ / "models/a.gguf"));
  EXPECT_TRUE(ResolveModelName(dir(), "alias").ok());  // a symlink that stays inside
  for (const char* bad : {"escape", "../outside", "/etc/passwd", "family/../a", "./a", "", "c"}) {
    Result<std::string> r = ResolveModelName(dir(), bad);
    EXPECT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), Status::Code::kNotFound) << bad;
  }
  EXPECT_EQ(ModelIdFor(dir(), (root_ / "models/family/b.gguf").string()), "family/b");
  EXPECT_EQ(ModelIdFor(dir(), "/elsewhere/m.gguf"), "m");
}

TEST(ModelSummary, FixtureModel) {
  const std::string path =
      std::string(INFERNO_SHARED_DIR) + "/fixtures/models/llama-tiny-Q8_0.gguf";
  Result<std::unique_ptr<gguf::File>> file = gguf::File::Open(path);
  ASSERT_TRUE(file.ok()) << file.status().message();
  const ModelSummary s = SummarizeModel(**file);
  double elements = 0;
  for (const gguf::TensorInfo& t : (*file)->tensors()) elements += double(t.n_elements);
  EXPECT_EQ(s.parameters, elements);
  EXPECT_GT(s.parameters, 0);
  EXPECT_EQ(s.dominant_type, "Q8_0");
  EXPECT_EQ(s.quant, "Q8_0");
  EXPECT_EQ(s.architecture, "llama");
  EXPECT_GT(s.context_length, 0);
  EXPECT_EQ(s.error, "");
}

}  // namespace
}  // namespace inferno
