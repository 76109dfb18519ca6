// Images through the server, against llama.cpp's llama-server given the same requests (the
// zoo's vision oracles, tools/zoo/vision_server.sh): OpenAI image_url data URLs and Ollama
// `images` make prompts as long as its and give its greedy answers; a text model, bad base64,
// corrupt bytes and remote URLs get a 400 naming why, and the server keeps serving; the prompt
// cache never takes one image's KV for another's.
//
// Models dir: gemma3/{gemma3-tiny.gguf, mmproj-gemma3-tiny.gguf}, llava/{llava.gguf,
// mmproj-llava-tiny.gguf} and qwen/{qwen.gguf, mmproj-qwen25vl.gguf} pair by directory (the
// mmproj beside each); plain.gguf has none.
#include <boost/json.hpp>
#include <filesystem>

#include "engine/util/base64.h"
#include "tests/fake_hub.h"
#include "tests/served_test.h"
#include "tests/vision_zoo.h"

namespace inferno {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using testing::ErrorField;
using testing::HttpResponse;
using testing::ParseJsonObject;
using vision_zoo::kOracles;

std::string ImageBase64(const std::string& file) {
  const std::string bytes = testing::ReadAll(kOracles / "images" / file);
  return EncodeBase64(std::span(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
}

// An OpenAI chat request: the image at `url`, then "Describe this image.", greedy, 16 tokens.
json::object ChatBody(const std::string& model, const std::string& url) {
  const json::object image{{"type", "image_url"}, {"image_url", json::object{{"url", url}}}};
  const json::object text{{"type", "text"}, {"text", "Describe this image."}};
  const json::object message{{"role", "user"}, {"content", json::array{image, text}}};
  return json::object{
      {"model", model}, {"max_tokens", 16}, {"temperature", 0}, {"messages", json::array{message}}};
}

class VisionApiTest : public testing::ServedTest {
 protected:
  static void SetUpTestSuite() {
    if (!fs::exists(kOracles)) return;
    const fs::path models = MakeModels("vision_api");
    fs::create_directories(models / "gemma3");
    fs::create_directories(models / "llava");
    fs::copy_file(vision_zoo::LanguageModel("gemma3-tiny"), models / "gemma3" / "gemma3-tiny.gguf");
    fs::copy_file(vision_zoo::Mmproj("gemma3-tiny"), models / "gemma3" / "mmproj-gemma3-tiny.gguf");
    fs::copy_file(vision_zoo::LanguageModel("llava-tiny"), models / "llava" / "llava.gguf");
    fs::copy_file(vision_zoo::Mmproj("llava-tiny"), models / "llava" / "mmproj-llava-tiny.gguf");
    fs::create_directories(models / "qwen");
    fs::copy_file(vision_zoo::LanguageModel("qwen25vl-tiny"), models / "qwen" / "qwen.gguf");
    fs::copy_file(vision_zoo::Mmproj("qwen25vl-tiny"), models / "qwen" / "mmproj-qwen25vl.gguf");
    fs::copy_file(std::string(INFERNO_SHARED_DIR) + "/fixtures/models/llama-tiny-Q8_0.gguf",
                  models / "plain.gguf");
    // One slot: every request lands where the previous one left its cache.
    Serve({"--parallel", "1"});
  }
  void SetUp() override {
    if (!fs::exists(kOracles)) GTEST_SKIP() << "no zoo (make zoo): " << kOracles;
  }

  // The reference: llama.cpp's llama-server answering the same request
  // (tools/zoo/vision_server.sh).
  static json::object ServerOracle(const std::string& pair, const std::string& image_stem) {
    return ParseJsonObject(testing::ReadAll(kOracles / (pair + ".server." + image_stem + ".json")));
  }
  static std::string Content(const json::object& response) {
    return std::string(
        response.at("choices").as_array()[0].at("message").at("content").as_string());
  }
  static json::object Chat(const std::string& model, const std::string& image) {
    const std::string mime = image.ends_with(".png") ? "image/png" : "image/jpeg";
    return PostOk(
        "/v1/chat/completions",
        json::serialize(ChatBody(model, "data:" + mime + ";base64," + ImageBase64(image))));
  }
  static int64_t Usage(const json::object& response, const char* field) {
    const json::object& u = response.at("usage").as_object();
    if (std::string(field) == "cached_tokens") {
      return u.at("prompt_tokens_details").at("cached_tokens").to_number<int64_t>();
    }
    return u.at(field).to_number<int64_t>();
  }
};

// photo-1.jpeg as a data URL to the Gemma 3 pair: llama-server's prompt length (the image's 16
// tokens included) and its 16 greedy tokens (all "\n": the random weights' answer, logprob
// gaps > 20).
TEST_F(VisionApiTest, OpenAiImageUrlGivesLlamaServersAnswer) {
  const json::object want = ServerOracle("gemma3-tiny", "photo-1");
  const json::object got = Chat("gemma3/gemma3-tiny", "photo-1.jpeg");
  EXPECT_EQ(Usage(got, "prompt_tokens"), Usage(want, "prompt_tokens"));
  EXPECT_EQ(Content(got), Content(want));
  EXPECT_EQ(Content(got), std::string(16, '\n'));
}

// Qwen2.5-VL through the OpenAI route: photo-1 becomes 23 x 17 tokens on an M-RoPE grid (one
// pass of 391 rows, beyond the batch size) and odd-333x77 12 x 3; the 16 greedy tokens are
// llama-server's.
TEST_F(VisionApiTest, QwenImageUrlGivesLlamaServersAnswer) {
  for (const char* image : {"photo-1.jpeg", "odd-333x77.png"}) {
    SCOPED_TRACE(image);
    const json::object want = ServerOracle("qwen25vl-tiny", fs::path(image).stem().string());
    const json::object got = Chat("qwen/qwen", image);
    EXPECT_EQ(Usage(got, "prompt_tokens"), Usage(want, "prompt_tokens"));  // 436, 81
    EXPECT_EQ(Content(got), Content(want));
    EXPECT_EQ(Usage(got, "completion_tokens"), 16);
  }
}

// The LLaVA pair answers each image differently ("YY..." for photo-1, "Jul..." for
// odd-333x77, whose greedy tokens have no near-tie: top-2 logprob gap 0.58 and more). Asked
// right after photo-1 with the same text, odd-333x77 must not reuse photo-1's image from the
// cache: only text before the image is reused. Asked again, all but the last token is.
TEST_F(VisionApiTest, PromptCacheKeepsTwoImagesApart) {
  const json::object want = ServerOracle("llava-tiny", "odd-333x77");
  const int64_t n_prompt = Usage(want, "prompt_tokens");
  const json::object photo = Chat("llava/llava", "photo-1.jpeg");
  EXPECT_EQ(Usage(photo, "prompt_tokens"), n_prompt);
  EXPECT_NE(Content(photo), Content(want));
  const json::object after_other = Chat("llava/llava", "odd-333x77.png");
  EXPECT_EQ(Content(after_other), Content(want));
  EXPECT_EQ(Usage(after_other, "prompt_tokens"), n_prompt);
  EXPECT_GT(Usage(after_other, "cached_tokens"), 0);              // the text before the image
  EXPECT_LT(Usage(after_other, "cached_tokens"), n_prompt - 64);  // not the image's 64
  const json::object again = Chat("llava/llava", "odd-333x77.png");
  EXPECT_EQ(Content(again), Content(want));
  EXPECT_EQ(Usage(again, "cached_tokens"), n_prompt - 1);
}

// Ollama's `images` render the same prompt (the image before the message's text) and give
// llama-server's answer.
TEST_F(VisionApiTest, OllamaChatImagesGiveTheSameAnswer) {
  const json::object want = ServerOracle("llava-tiny", "odd-333x77");
  const json::object body{
      {"model", "llava/llava"},
      {"stream", false},
      {"messages", json::array{json::object{
                       {"role", "user"},
                       {"content", "Describe this image."},
                       {"images", json::array{json::string(ImageBase64("odd-333x77.png"))}}}}},
      {"options", json::object{{"temperature", 0}, {"num_predict", 16}}}};
  json::object o = PostOk("/api/chat", json::serialize(body));
  EXPECT_EQ(o["done"], true);
  EXPECT_EQ(std::string(o["message"].at("content").as_string()), Content(want));
}

// The seed /chat route's `images` go the same way: its token events spell llama-server's answer.
TEST_F(VisionApiTest, SeedChatImagesGiveTheSameAnswer) {
  const json::object want = ServerOracle("llava-tiny", "odd-333x77");
  const json::object body{{"model_name", "llava/llava"},
                          {"prompt", "Describe this image."},
                          {"images", json::array{json::string(ImageBase64("odd-333x77.png"))}},
                          {"temperature", 0},
                          {"max_tokens", 16}};
  HttpResponse r = Post("/chat", body);
  ASSERT_EQ(r.status, 200) << r.body;
  const std::string marker = "event: token\ndata: ";
  std::string text;
  for (size_t at = r.body.find(marker); at != std::string::npos; at = r.body.find(marker, at)) {
    at += marker.size();
    text += ParseJsonObject(r.body.substr(at, r.body.find('\n', at) - at)).at("text").as_string();
  }
  EXPECT_EQ(text, Content(want));
  EXPECT_NE(r.body.find("\"prompt_tokens\":" + std::to_string(Usage(want, "prompt_tokens"))),
            std::string::npos);
}

// Anthropic's image blocks (/v1/messages) and the Responses API's input_image parts
// (/v1/responses) make the same prompt as OpenAI's image_url: llama-server's prompt length and
// greedy answer for the LLaVA pair on odd-333x77.
TEST_F(VisionApiTest, AnthropicAndResponsesImagesGiveTheSameAnswer) {
  const json::object want = ServerOracle("llava-tiny", "odd-333x77");
  const std::string data = ImageBase64("odd-333x77.png");
  const json::object messages{
      {"model", "llava/llava"},
      {"max_tokens", 16},
      {"temperature", 0},
      {"messages",
       json::array{json::object{
           {"role", "user"},
           {"content",
            json::array{json::object{{"type", "image"},
                                     {"source", json::object{{"type", "base64"},
                                                             {"media_type", "image/png"},
                                                             {"data", data}}}},
                        json::object{{"type", "text"}, {"text", "Describe this image."}}}}}}}};
  json::object a = PostOk("/v1/messages", json::serialize(messages));
  EXPECT_EQ(std::string(a.at("content").as_array()[0].at("text").as_string()), Content(want));
  // Anthropic's prompt: input_tokens plus what the prompt cache held.
  EXPECT_EQ(a.at("usage").at("input_tokens").to_number<int64_t>() +
                a.at("usage").at("cache_read_input_tokens").to_number<int64_t>(),
            Usage(want, "prompt_tokens"));

  const json::object responses{
      {"model", "llava/llava"},
      {"max_output_tokens", 16},
      {"temperature", 0},
      {"store", false},
      {"input",
       json::array{json::object{
           {"role", "user"},
           {"content", json::array{json::object{{"type", "input_image"},
                                                {"image_url", "data:image/png;base64," + data}},
                                   json::object{{"type", "input_text"},
                                                {"text", "Describe this image."}}}}}}}};
  json::object r = PostOk("/v1/responses", json::serialize(responses));
  const json::array& output = r.at("output").as_array();
  ASSERT_FALSE(output.empty()) << json::serialize(r);
  const json::object& msg = output.back().as_object();
  EXPECT_EQ(std::string(msg.at("content").as_array()[0].at("text").as_string()), Content(want));
  EXPECT_EQ(r.at("usage").at("input_tokens").to_number<int64_t>(), Usage(want, "prompt_tokens"));
}

TEST_F(VisionApiTest, ModelsListTheVisionCapability) {
  HttpResponse r = testing::HttpRequest(port(), "GET", "/v1/models", "");
  ASSERT_EQ(r.status, 200) << r.body;
  std::map<std::string, std::string> caps;
  const json::object list = ParseJsonObject(r.body);
  for (const json::value& m : list.at("data").as_array()) {
    caps[std::string(m.at("id").as_string())] = json::serialize(m.at("capabilities"));
  }
  EXPECT_EQ(caps["gemma3/gemma3-tiny"], R"(["completion","vision"])");
  EXPECT_EQ(caps["plain"], R"(["completion"])");
  EXPECT_EQ(caps.count("gemma3/mmproj-gemma3-tiny"), 0u);  // an encoder is not a model
  json::object show = PostOk("/api/show", R"({"model":"llava/llava"})");
  const std::string shown = json::serialize(show["capabilities"]);
  EXPECT_NE(shown.find("\"vision\""), std::string::npos) << shown;
}

// Every refusal is a 400 naming why; the server answers the next request.
TEST_F(VisionApiTest, BadImagesAreRefusedClearly) {
  const std::string photo = "data:image/jpeg;base64," + ImageBase64("photo-1.jpeg");
  const std::string bytes = testing::ReadAll(kOracles / "images" / "photo-1.jpeg");
  const std::string cut = bytes.substr(0, bytes.size() / 3);
  struct Case {
    json::object body;
    std::string message;
  };
  const std::vector<Case> cases = {
      {ChatBody("plain", photo), "no vision encoder"},
      {ChatBody("gemma3/gemma3-tiny", "data:image/jpeg;base64,@@not base64@@"), "invalid base64"},
      {ChatBody(
           "gemma3/gemma3-tiny",
           "data:image/jpeg;base64," +
               EncodeBase64(std::span(reinterpret_cast<const uint8_t*>(cut.data()), cut.size()))),
       "image 1"},
      {ChatBody("gemma3/gemma3-tiny", "data:image/png;base64,aGVsbG8gd29ybGQ="), "image 1"},
      {ChatBody("gemma3/gemma3-tiny", "https://example.com/cat.jpg"), "--allow-remote-images"},
  };
  for (const Case& c : cases) {
    HttpResponse r = Post("/v1/chat/completions", c.body);
    EXPECT_EQ(r.status, 400) << r.body;
    EXPECT_NE(ErrorField(r, "message").find(c.message), std::string::npos) << r.body;
  }
  HttpResponse ok = Post("/v1/chat/completions", ChatBody("gemma3/gemma3-tiny", photo));
  EXPECT_EQ(ok.status, 200) << ok.body;
}

// --allow-remote-images: an http URL is fetched (here from a loopback server, through a
// redirect as a CDN gives) and answers as the same image inline; a missing file is a 400 naming
// the URL; schemes other than http(s) stay refused.
class VisionRemoteTest : public testing::ServedTest {
 protected:
  static void SetUpTestSuite() {
    if (!fs::exists(kOracles)) return;
    hub_ = std::make_unique<testing::FakeHub>();
    hub_->AddFile("img", "odd-333x77.png", testing::ReadAll(kOracles / "images" / "odd-333x77.png"),
                  "");
    const fs::path models = MakeModels("vision_remote");
    fs::create_directories(models / "llava");
    fs::copy_file(vision_zoo::LanguageModel("llava-tiny"), models / "llava" / "llava.gguf");
    fs::copy_file(vision_zoo::Mmproj("llava-tiny"), models / "llava" / "mmproj-llava-tiny.gguf");
    Serve({"--allow-remote-images"});
  }
  static void TearDownTestSuite() {
    ServedTest::TearDownTestSuite();
    hub_.reset();
  }
  void SetUp() override {
    if (!fs::exists(kOracles)) GTEST_SKIP() << "no zoo (make zoo): " << kOracles;
  }
  inline static std::unique_ptr<testing::FakeHub> hub_;
};

TEST_F(VisionRemoteTest, HttpUrlsAreFetchedWhenAllowed) {
  const std::string want =
      std::string(ParseJsonObject(testing::ReadAll(kOracles / "llava-tiny.server.odd-333x77.json"))
                      .at("choices")
                      .as_array()[0]
                      .at("message")
                      .at("content")
                      .as_string());
  const std::string url = hub_->endpoint() + "/img/resolve/main/odd-333x77.png";
  json::object o = PostOk("/v1/chat/completions", json::serialize(ChatBody("llava/llava", url)));
  EXPECT_EQ(std::string(o.at("choices").as_array()[0].at("message").at("content").as_string()),
            want);
  HttpResponse missing =
      Post("/v1/chat/completions", ChatBody("llava/llava", hub_->endpoint() + "/nothing.png"));
  EXPECT_EQ(missing.status, 400) << missing.body;
  EXPECT_NE(ErrorField(missing, "message").find("could not be fetched"), std::string::npos)
      << missing.body;
  HttpResponse file = Post("/v1/chat/completions", ChatBody("llava/llava", "file:///etc/passwd"));
  EXPECT_EQ(file.status, 400) << file.body;
  EXPECT_NE(ErrorField(file, "message").find("only data:, http: and https:"), std::string::npos)
      << file.body;
}

}  // namespace
}  // namespace inferno
