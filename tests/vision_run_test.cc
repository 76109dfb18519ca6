// `inferno run --mmproj --image` end to end against llama.cpp's mtmd (the zoo's vision oracles,
// tools/zoo/vision.sh): the prompt's token ids around the image must be mtmd_tokenize's, and the
// greedy tokens mtmd's up to a near-tie (gap < 0.1) where the paths part. Bad input: clear
// errors, no crash.
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "tests/subprocess.h"
#include "tests/vision_zoo.h"

namespace inferno {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

using vision_zoo::kOracles;
using vision_zoo::LanguageModel;
using vision_zoo::Mmproj;

// The oracle's prompt ids with 0 where the image's tokens go.
std::vector<int64_t> OraclePrompt(const json::object& oracle) {
  std::vector<int64_t> ids;
  for (const json::value& chunk : oracle.at("chunks").as_array()) {
    if (chunk.at("type") == "text") {
      for (const json::value& v : chunk.at("tokens").as_array())
        ids.push_back(v.to_number<int64_t>());
    } else {
      ids.insert(ids.end(), size_t(chunk.at("n_tokens").to_number<int64_t>()), 0);
    }
  }
  return ids;
}

TEST(VisionRun, GreedyAnswerMatchesMtmd) {
  if (!fs::exists(kOracles)) GTEST_SKIP() << "no zoo (make zoo): " << kOracles;
  for (const char* name : {"gemma3-tiny", "llava-tiny", "qwen25vl-tiny", "qwen2vl-tiny"}) {
    for (const char* image : {"photo-1.jpeg", "odd-333x77.png"}) {
      SCOPED_TRACE(std::string(name) + " " + image);
      const std::string stem = fs::path(image).stem().string();
      const json::object oracle = vision_zoo::Oracle(name, stem);
      const std::string prompt(oracle.at("prompt").as_string());
      testing::ProcessResult r = testing::RunProcess(
          {testing::InfernoBinary(), "run", "-m", LanguageModel(name), "--mmproj", Mmproj(name),
           "--image", (kOracles / "images" / image).string(), "-p", prompt, "-n", "16", "--temp",
           "0", "-t", "2", "--json"});
      ASSERT_EQ(r.exit_code, 0) << r.err;
      std::vector<json::object> events;
      std::istringstream lines(r.out);
      for (std::string line; std::getline(lines, line);) {
        events.push_back(json::parse(line).as_object());
      }
      ASSERT_FALSE(events.empty());
      ASSERT_EQ(events[0].at("type"), "prompt");
      std::vector<int64_t> ours;
      for (const json::value& v : events[0].at("tokens").as_array()) {
        ours.push_back(v.is_object() ? v.at("id").to_number<int64_t>() : v.to_number<int64_t>());
      }
      EXPECT_EQ(ours, OraclePrompt(oracle));
      const json::array& greedy = oracle.at("greedy").as_array();
      size_t step = 0;
      for (size_t i = 1; i < events.size() && step < greedy.size(); ++i) {
        if (events[i].at("type") != "token") continue;
        const int64_t got = events[i].at("id").to_number<int64_t>();
        const json::object& want = greedy[step].as_object();
        if (got != want.at("token").to_number<int64_t>()) {
          EXPECT_LT(want.at("gap").to_number<double>(), 0.1) << "step " << step;
          break;
        }
        ++step;
      }
      std::printf("%s %s: %zu greedy tokens equal to mtmd's\n", name, image, step);
      EXPECT_GE(step, 1u);
    }
  }
}

// `inspect` on the zoo's mmproj files tells what mtmd does with them: as many tokens per image
// as mtmd made, of the size the language model gets.
TEST(VisionRun, InspectDescribesTheMmproj) {
  if (!fs::exists(kOracles)) GTEST_SKIP() << "no zoo (make zoo): " << kOracles;
  for (const char* name : {"gemma3-tiny", "llava-tiny"}) {
    SCOPED_TRACE(name);
    const json::object oracle = vision_zoo::Oracle(name, "photo-1");
    int64_t n_image_tokens = 0;
    for (const json::value& chunk : oracle.at("chunks").as_array()) {
      if (chunk.at("type") == "image") n_image_tokens = chunk.at("n_tokens").to_number<int64_t>();
    }
    testing::ProcessResult r =
        testing::RunProcess({testing::InfernoBinary(), "inspect", Mmproj(name), "--json"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const json::object o = json::parse(r.out).as_object();
    EXPECT_EQ(o.at("kind"), "mmproj");
    EXPECT_EQ(o.at("projector"), std::string(name) == "gemma3-tiny" ? "gemma3" : "mlp");
    EXPECT_EQ(o.at("tokens_per_image").to_number<int64_t>(), n_image_tokens);
    EXPECT_EQ(o.at("embedding_length").to_number<int64_t>(),
              oracle.at("n_embd").to_number<int64_t>());
    EXPECT_EQ(o.at("patch_grid"), (json::array{8, 8}));  // 64 px in 8 px patches (vision.sh)
    testing::ProcessResult text =
        testing::RunProcess({testing::InfernoBinary(), "inspect", Mmproj(name)});
    EXPECT_NE(text.out.find("tokens:       " + std::to_string(n_image_tokens) + " per image"),
              std::string::npos)
        << text.out;
  }
}

TEST(VisionRun, BadInputGivesClearErrors) {
  if (!fs::exists(kOracles)) GTEST_SKIP() << "no zoo (make zoo): " << kOracles;
  const fs::path dir = testing::FreshTempDir("VisionRun", "BadInput");
  const fs::path truncated = dir / "cut.jpeg";
  const std::string photo = testing::ReadAll(kOracles / "images" / "photo-1.jpeg");
  std::ofstream(truncated, std::ios::binary) << photo.substr(0, photo.size() / 2);
  const fs::path text = dir / "notes.png";
  std::ofstream(text) << "not an image";
  struct Case {
    std::vector<std::string> args;
    int exit_code;
    std::string message;
  };
  const std::string lm = LanguageModel("llava-tiny");
  const std::string png = (kOracles / "images" / "odd-333x77.png").string();
  const std::vector<Case> cases = {
      {{"--mmproj", Mmproj("llava-tiny"), "--image", truncated.string()}, 1, "truncated"},
      {{"--mmproj", Mmproj("llava-tiny"), "--image", text.string()}, 1, "not an image"},
      {{"--mmproj", lm, "--image", text.string()}, 1, "not an mmproj"},
      {{"--image", truncated.string()}, 2, "--mmproj"},
      {{"--mmproj", Mmproj("llava-tiny"), "--image", png, "--image", png, "-p", "<__media__>"},
       1,
       "1 image markers (<__media__>) for 2 images"},
  };
  for (const Case& c : cases) {
    std::vector<std::string> argv = {testing::InfernoBinary(), "run", "-m", lm, "-n", "2"};
    argv.insert(argv.end(), c.args.begin(), c.args.end());
    if (std::find(argv.begin(), argv.end(), "-p") == argv.end()) {
      argv.insert(argv.end(), {"-p", "Describe this image."});
    }
    testing::ProcessResult r = testing::RunProcess(argv);
    EXPECT_EQ(r.exit_code, c.exit_code) << r.err;
    EXPECT_NE(r.err.find(c.message), std::string::npos) << r.err;
  }
}

// An mmproj whose embeddings are not the model's width (here 128 against llama-tiny's 256, made
// by the zoo's own generator beside the binary) is refused before anything runs, naming both
// files and both widths; no zoo needed.
TEST(VisionRun, MmprojOfAnotherWidthIsRefused) {
  const fs::path gen = fs::path(testing::InfernoBinary()).parent_path() / "mmproj_fixturegen";
  if (!fs::exists(gen)) GTEST_SKIP() << gen << " is not built";
  const fs::path dir = testing::FreshTempDir("VisionRun", "Width");
  const std::string mmproj = (dir / "mmproj-128.gguf").string();
  ASSERT_EQ(testing::RunProcess(
                {gen.string(), "--projector", "mlp", "--out", mmproj, "--n-embd-out", "128"})
                .exit_code,
            0);
  const std::string lm = std::string(INFERNO_SHARED_DIR) + "/fixtures/models/llama-tiny-Q8_0.gguf";
  testing::ProcessResult r = testing::RunProcess(
      {testing::InfernoBinary(), "run", "-m", lm, "--mmproj", mmproj, "--image",
       std::string(INFERNO_SHARED_DIR) + "/fixtures/media/photo-1.jpeg", "-p", "Hi", "-n", "2"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("does not go with"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("128"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("256"), std::string::npos) << r.err;
}

// --chat: the image goes before the user's text in the model's template, as llama-mtmd-cli and
// llama-server put it; the answer is llama-server's to the same chat (tools/zoo/vision_server.sh,
// chat template chatml, which the fixtures' templates render alike). odd-333x77 on the LLaVA
// pair: no near-tie in its greedy tokens.
TEST(VisionRun, ChatPutsTheImageInTheUsersTurn) {
  if (!fs::exists(kOracles)) GTEST_SKIP() << "no zoo (make zoo): " << kOracles;
  const json::object want =
      json::parse(testing::ReadAll(kOracles / "llava-tiny.server.odd-333x77.json")).as_object();
  testing::ProcessResult r = testing::RunProcess(
      {testing::InfernoBinary(), "run", "-m", LanguageModel("llava-tiny"), "--mmproj",
       Mmproj("llava-tiny"), "--image", (kOracles / "images" / "odd-333x77.png").string(), "--chat",
       "-p", "Describe this image.", "-n", "16", "--temp", "0", "-t", "2"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // `run` ends its text with a newline.
  EXPECT_EQ(
      r.out,
      std::string(want.at("choices").as_array()[0].at("message").at("content").as_string()) + "\n");
}

}  // namespace
}  // namespace inferno

namespace inferno {
namespace {

// Qwen-VL with --chat: the 16 greedy tokens of llama-mtmd-cli on photo-1 (chat template chatml,
// which `run` also uses for the fixture, whose file has no template), the image on its M-RoPE
// grid and the answer after it from the image's longer side on.
TEST(VisionRun, QwenChatAnswerIsMtmdClis) {
  if (!fs::exists(kOracles)) GTEST_SKIP() << "no zoo (make zoo): " << kOracles;
  for (const char* name : {"qwen25vl-tiny", "qwen2vl-tiny"}) {
    SCOPED_TRACE(name);
    // llama-mtmd-cli writes a newline before the answer and one or two after it.
    std::string want = testing::ReadAll(kOracles / (std::string(name) + ".mtmd-cli.txt"));
    want = want.substr(want.find_first_not_of('\n'));
    want = want.substr(0, want.find_last_not_of('\n') + 1) + "\n";
    testing::ProcessResult r = testing::RunProcess(
        {testing::InfernoBinary(), "run", "-m", LanguageModel(name), "--mmproj", Mmproj(name),
         "--image", (kOracles / "images" / "photo-1.jpeg").string(), "--chat", "-p",
         "Describe this image.", "-n", "16", "--temp", "0", "-t", "2"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, want);
  }
}

}  // namespace
}  // namespace inferno
