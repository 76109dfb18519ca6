// Structured output through the HTTP server on a random-weight model (gibberish unless
// constrained): response_format json_schema / json_object and llama.cpp's grammar on
// /v1/chat/completions, json_schema on /chat, Ollama's format on /api/chat; bad schemas and
// grammars are 400s naming the field and the problem.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>

#include "tests/server_process.h"
#include "tests/subprocess.h"

namespace inferno {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using testing::ErrorField;
using testing::HttpRequest;
using testing::HttpResponse;
using testing::ParseJsonObject;
using testing::ServerProcess;

constexpr char kSchema[] =
    R"({"type":"object","properties":{"city":{"type":"string","maxLength":10},)"
    R"("rank":{"type":"integer","minimum":1,"maximum":9}},"required":["city","rank"],)"
    R"("additionalProperties":false})";

class StructuredOutputApiTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new fs::path(testing::FreshTempDir("structured", "server"));
    const fs::path model = fs::path(testing::SharedDir()) / "fixtures/models/llama-tiny-Q8_0.gguf";
    server_ = new ServerProcess(
        {"-m", model.string(), "--data-dir", (*dir_ / "data").string(), "--threads", "1"});
    ASSERT_TRUE(server_->ok()) << server_->startup_output();
  }
  static void TearDownTestSuite() {
    delete server_;
    fs::remove_all(*dir_);
    delete dir_;
  }
  static HttpResponse Post(const std::string& target, const std::string& body) {
    return HttpRequest(server_->port(), "POST", target, body);
  }
  static std::string Chat(const std::string& extra) {
    HttpResponse r = Post("/v1/chat/completions",
                          R"({"messages":[{"role":"user","content":"Where?"}],"max_tokens":200,)"
                          R"("temperature":1,"seed":5,)" +
                              extra + "}");
    EXPECT_EQ(r.status, 200) << r.body;
    json::object o = ParseJsonObject(r.body);
    return std::string(
        o["choices"].as_array()[0].as_object()["message"].as_object()["content"].as_string());
  }
  // The schema above, checked by hand.
  static void ExpectCityRank(const std::string& text) {
    json::error_code ec;
    json::value v = json::parse(text, ec);
    ASSERT_FALSE(ec) << text;
    ASSERT_TRUE(v.is_object()) << text;
    json::object& o = v.as_object();
    EXPECT_EQ(o.size(), 2u) << text;
    ASSERT_TRUE(o["city"].is_string()) << text;
    ASSERT_TRUE(o["rank"].is_int64()) << text;
    EXPECT_GE(o["rank"].as_int64(), 1);
    EXPECT_LE(o["rank"].as_int64(), 9);
  }

  static ServerProcess* server_;
  static fs::path* dir_;
};
ServerProcess* StructuredOutputApiTest::server_ = nullptr;
fs::path* StructuredOutputApiTest::dir_ = nullptr;

TEST_F(StructuredOutputApiTest, ChatCompletionsFollowTheSchema) {
  ExpectCityRank(Chat(std::string(R"("response_format":{"type":"json_schema","json_schema":{)") +
                      R"("name":"place","strict":true,"schema":)" + kSchema + "}}"));
  ExpectCityRank(Chat(std::string(R"("json_schema":)") + kSchema));
  const std::string object = Chat(R"("response_format":{"type":"json_object"},"max_tokens":400)");
  json::error_code ec;
  json::value v = json::parse(object, ec);
  if (!ec) {  // may be cut by max_tokens: then a prefix
    EXPECT_TRUE(v.is_object()) << object;
  }
  EXPECT_EQ(object.find_first_not_of(" \n\t"), object.find('{')) << object;
  const std::string yes = Chat(R"("grammar":"root ::= \"yes\" | \"no\"")");
  EXPECT_TRUE(yes == "yes" || yes == "no") << yes;
}

TEST_F(StructuredOutputApiTest, ChatRouteAndOllamaFormat) {
  HttpResponse chat =
      Post("/chat", std::string(R"({"prompt":"Where?","max_tokens":200,)") +
                        R"("temperature":1,"seed":3,"json_schema":)" + kSchema + "}");
  ASSERT_EQ(chat.status, 200) << chat.body;
  std::string text;
  for (size_t at = 0; (at = chat.body.find("data: ", at)) != std::string::npos;) {
    const size_t end = chat.body.find('\n', at);
    json::error_code ec;
    json::value ev = json::parse(chat.body.substr(at + 6, end - at - 6), ec);
    if (!ec && ev.is_object() && ev.as_object().contains("text") &&
        ev.as_object().at("text").is_string()) {
      text += ev.as_object().at("text").as_string();
    }
    at = end;
  }
  ExpectCityRank(text);

  HttpResponse ollama = Post("/api/chat", std::string(R"({"messages":[{"role":"user",)") +
                                              R"("content":"Where?"}],"stream":false,)" +
                                              R"("options":{"seed":4},"format":)" + kSchema + "}");
  ASSERT_EQ(ollama.status, 200) << ollama.body;
  json::object o = ParseJsonObject(ollama.body);
  ExpectCityRank(std::string(o["message"].as_object()["content"].as_string()));
}

TEST_F(StructuredOutputApiTest, BadSchemasAndGrammarsAre400NamingTheProblem) {
  struct Case {
    std::string extra;
    const char* param;
    const char* message;
  };
  const Case cases[] = {
      {R"("response_format":{"type":"json_schema","json_schema":{"name":"x","schema":)"
       R"({"type":"array","uniqueItems":true}}})",
       "response_format.json_schema.schema", "unsupported JSON Schema keyword 'uniqueItems'"},
      {R"("response_format":{"type":"yaml"})", "response_format.type", "must be one of"},
      {R"("grammar":"root ::= [a-")", "grammar", "line 1, column"},
      {R"("json_schema":{"type":"string","format":"email"})", "json_schema", "format 'email'"},
  };
  for (const Case& c : cases) {
    HttpResponse r = Post("/v1/chat/completions",
                          R"({"messages":[{"role":"user","content":"Hi"}],)" + c.extra + "}");
    EXPECT_EQ(r.status, 400) << c.extra << " " << r.body;
    EXPECT_EQ(ErrorField(r, "param"), c.param) << r.body;
    EXPECT_NE(ErrorField(r, "message").find(c.message), std::string::npos) << r.body;
  }
  HttpResponse ollama = Post("/api/chat", R"({"messages":[{"role":"user","content":"Hi"}],)"
                                          R"("format":"yaml"})");
  EXPECT_EQ(ollama.status, 400) << ollama.body;
}

}  // namespace
}  // namespace inferno
