// Ollama's POST /api/pull against a real `inferno serve` whose hub is a loopback fake
// (tests/fake_hub.h, INFERNO_HF_ENDPOINT): Ollama's progress lines, Hugging Face names with a
// quantization tag, a second pull that downloads nothing, the pulled model in /api/tags, and
// errors in Ollama's shape. SHA-256 oracle: the coreutils sha256sum program.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <boost/json.hpp>
#include <filesystem>
#include <sstream>

#include "tests/fake_hub.h"
#include "tests/models_dir_server.h"
#include "tests/subprocess.h"

namespace inferno {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using testing::HttpRequest;
using testing::HttpResponse;
using testing::ParseJsonObject;

class OllamaPullTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string model_path = testing::SharedDir() + "/fixtures/models/llama-tiny-Q4_0.gguf";
    model_ = testing::ReadAll(model_path);
    sha_ = testing::RunProcess({"sha256sum", model_path}).out.substr(0, 64);
    // The server reads the hub's address when it starts.
    setenv("INFERNO_HF_ENDPOINT", hub_.endpoint().c_str(), 1);
    server_ = std::make_unique<testing::ModelsDirServer>("ollama_pull", [](const fs::path&) {});
    unsetenv("INFERNO_HF_ENDPOINT");
    ASSERT_TRUE(server_->server().ok()) << server_->server().startup_output();
  }
  HttpResponse Pull(const std::string& body) {
    return HttpRequest(server_->port(), "POST", "/api/pull", body);
  }
  int CdnRequests() {
    int n = 0;
    for (const auto& s : hub_.requests()) n += s.target.rfind("/cdn/", 0) == 0;
    return n;
  }

  testing::FakeHub hub_;
  std::string model_, sha_;
  std::unique_ptr<testing::ModelsDirServer> server_;
};

TEST_F(OllamaPullTest, StreamsOllamasProgressAndListsTheModel) {
  hub_.AddFile("acme/tiny-GGUF", "README.md", "# tiny\n", "");
  hub_.AddFile("acme/tiny-GGUF", "tiny-Q4_0.gguf", model_, sha_);
  // The ollama libraries send the name as `name`.
  HttpResponse r = Pull(R"({"name":"acme/tiny-GGUF"})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.headers["content-type"], "application/x-ndjson");
  std::vector<json::object> lines;
  std::istringstream in(r.body);
  for (std::string line; std::getline(in, line);) lines.push_back(ParseJsonObject(line));
  ASSERT_GE(lines.size(), 4u) << r.body;
  EXPECT_EQ(lines.front(), json::parse(R"({"status":"pulling manifest"})"));
  const json::object& done = lines[lines.size() - 3];
  EXPECT_EQ(done.at("status").as_string(), "pulling " + sha_.substr(0, 12));
  EXPECT_EQ(done.at("digest").as_string(), "sha256:" + sha_);
  EXPECT_EQ(done.at("total").to_number<size_t>(), model_.size());
  EXPECT_EQ(done.at("completed").to_number<size_t>(), model_.size());
  EXPECT_EQ(lines[lines.size() - 2], json::parse(R"({"status":"verifying sha256 digest"})"));
  EXPECT_EQ(lines.back(), json::parse(R"({"status":"success"})"));
  EXPECT_EQ(testing::ReadAll(server_->models() / "tiny-Q4_0.gguf"), model_);
  EXPECT_EQ(CdnRequests(), 1);

  // Listed at once (the server started with an empty models dir, so on its demo model).
  const json::object tags = ParseJsonObject(HttpRequest(server_->port(), "GET", "/api/tags").body);
  bool listed = false;
  for (const json::value& m : tags.at("models").as_array()) {
    listed = listed || m.at("name") == "tiny-Q4_0";
  }
  EXPECT_TRUE(listed) << json::serialize(tags);
  // Again: the file is there, nothing is downloaded.
  HttpResponse again = Pull(R"({"model":"acme/tiny-GGUF","stream":false})");
  EXPECT_EQ(again.status, 200);
  EXPECT_EQ(ParseJsonObject(again.body), json::parse(R"({"status":"success"})"));
  EXPECT_EQ(CdnRequests(), 1);
}

TEST_F(OllamaPullTest, HuggingFaceNamesWithAQuantization) {
  hub_.AddFile("acme/choice", "a-Q8_0.gguf", "aaaa", "");
  hub_.AddFile("acme/choice", "a-Q6_K.gguf", model_, sha_);
  HttpResponse r = Pull(R"({"model":"hf.co/acme/choice:q6_k","stream":false})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(testing::ReadAll(server_->models() / "a-Q6_K.gguf"), model_);
  EXPECT_FALSE(fs::exists(server_->models() / "a-Q8_0.gguf"));

  // No Q4_K_M to default to: the choices, in Ollama's error shape.
  HttpResponse ask = Pull(R"({"model":"hf.co/acme/choice","stream":false})");
  EXPECT_EQ(ask.status, 400);
  const std::string error(ParseJsonObject(ask.body).at("error").as_string());
  EXPECT_NE(error.find("a-Q8_0.gguf, a-Q6_K.gguf"), std::string::npos) << error;
  HttpResponse missing = Pull(R"({"model":"acme/nothing","stream":false})");
  EXPECT_EQ(missing.status, 404) << missing.body;
  HttpResponse library = Pull(R"({"model":"llama3.2"})");
  EXPECT_EQ(library.status, 400);
  EXPECT_NE(std::string(ParseJsonObject(library.body).at("error").as_string()).find("Hugging Face"),
            std::string::npos);
  // Streamed, an error is the last line.
  HttpResponse streamed = Pull(R"({"model":"acme/nothing"})");
  EXPECT_EQ(streamed.status, 200);
  EXPECT_NE(streamed.body.find(R"({"error":")"), std::string::npos) << streamed.body;
}

}  // namespace
}  // namespace inferno
