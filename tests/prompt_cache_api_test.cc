// The prompt cache as clients see it, against the real binary and the demo model: a chat's
// second turn through the model's template reuses the first (usage.prompt_tokens_details.
// cached_tokens, Ollama's prompt_eval_count, /metrics), answers as without the cache, and
// --no-prompt-cache turns it off.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>

#include "tests/server_process.h"
#include "tests/subprocess.h"

namespace inferno {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using testing::HttpRequest;
using testing::HttpResponse;
using testing::ParseJsonObject;
using testing::ServerProcess;

const std::string kDemo = std::string(INFERNO_SOURCE_DIR) + "/models/inferno-demo-Q8_0.gguf";

struct Turn {
  std::string answer;
  int prompt_tokens = 0;
  int cached_tokens = 0;
};

json::array Messages(const std::vector<std::pair<std::string, std::string>>& m) {
  json::array out;
  for (const auto& [role, content] : m)
    out.push_back(json::object{{"role", role}, {"content", content}});
  return out;
}

Turn Chat(int port, const json::array& messages) {
  const json::object body{{"messages", messages}, {"max_tokens", 12}, {"temperature", 0}};
  const HttpResponse r = HttpRequest(port, "POST", "/v1/chat/completions", json::serialize(body));
  EXPECT_EQ(r.status, 200) << r.body;
  if (r.status != 200) return {};
  json::object o = ParseJsonObject(r.body);
  Turn t;
  t.answer = std::string(o["choices"].at(0).at("message").at("content").as_string());
  t.prompt_tokens = int(o["usage"].at("prompt_tokens").to_number<int64_t>());
  t.cached_tokens =
      int(o["usage"].at("prompt_tokens_details").at("cached_tokens").to_number<int64_t>());
  return t;
}

// Two turns of one conversation; returns both.
std::pair<Turn, Turn> Conversation(int port) {
  std::vector<std::pair<std::string, std::string>> m = {
      {"system", "You are a helpful assistant who tells short stories."},
      {"user", "Tell me a story about a cat."}};
  const Turn first = Chat(port, Messages(m));
  m.push_back({"assistant", first.answer});
  m.push_back({"user", "And what did the cat do next?"});
  return {first, Chat(port, Messages(m))};
}

ServerProcess Serve(const fs::path& data, std::vector<std::string> extra = {}) {
  std::vector<std::string> args = {"-m",         kDemo, "--data-dir", data.string(),
                                   "--parallel", "2",   "--threads",  "2"};
  args.insert(args.end(), extra.begin(), extra.end());
  return ServerProcess(args);
}

TEST(PromptCacheApi, SecondChatTurnReusesTheFirstAndAnswersAsWithoutTheCache) {
  const fs::path data = testing::FreshTempDir("prompt_cache_api", "on");
  ServerProcess on = Serve(data);
  ASSERT_TRUE(on.ok()) << on.startup_output();
  const auto [first, second] = Conversation(on.port());
  EXPECT_EQ(first.cached_tokens, 0);
  // At least the first turn's prompt: the template renders it the same way again.
  EXPECT_GE(second.cached_tokens, first.prompt_tokens);
  EXPECT_LT(second.cached_tokens, second.prompt_tokens);

  const HttpResponse metrics = HttpRequest(on.port(), "GET", "/metrics");
  ASSERT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.body.find("inferno_prompt_cache_hits_total{model=\"inferno-demo-Q8_0\"} 1\n"),
            std::string::npos)
      << metrics.body;
  EXPECT_NE(
      metrics.body.find("inferno_prompt_cache_reused_tokens_total{model=\"inferno-demo-Q8_0\"} " +
                        std::to_string(second.cached_tokens) + "\n"),
      std::string::npos);

  // Ollama (0.33+) counts the whole prompt and, apart, what its cache held.
  const json::object body{
      {"model", "inferno-demo-Q8_0"},
      {"stream", false},
      {"messages", Messages({{"system", "You are a helpful assistant who tells short stories."},
                             {"user", "Tell me a story about a cat."}})},
      {"options", json::object{{"temperature", 0}, {"num_predict", 4}}}};
  const HttpResponse ollama = HttpRequest(on.port(), "POST", "/api/chat", json::serialize(body));
  ASSERT_EQ(ollama.status, 200) << ollama.body;
  const json::object counts = ParseJsonObject(ollama.body);
  const int64_t prompt = counts.at("prompt_eval_count").to_number<int64_t>();
  EXPECT_EQ(prompt, first.prompt_tokens) << "the first turn's prompt again";
  EXPECT_EQ(prompt - counts.at("prompt_eval_cached_count").to_number<int64_t>(), 1)
      << "the whole prompt was cached but its last token";

  const fs::path data_off = testing::FreshTempDir("prompt_cache_api", "off");
  ServerProcess off = Serve(data_off, {"--no-prompt-cache"});
  ASSERT_TRUE(off.ok()) << off.startup_output();
  const auto [first_off, second_off] = Conversation(off.port());
  EXPECT_EQ(second_off.cached_tokens, 0);
  EXPECT_EQ(second_off.prompt_tokens, second.prompt_tokens);
  EXPECT_EQ(first_off.answer, first.answer);
  EXPECT_EQ(second_off.answer, second.answer);
  fs::remove_all(data);
  fs::remove_all(data_off);
}

}  // namespace
}  // namespace inferno
