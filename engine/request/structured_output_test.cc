#include "engine/request/structured_output.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "engine/grammar/matcher.h"
#include "engine/request/json_fields.h"

namespace inferno::request {
namespace {

namespace json = boost::json;
using ::testing::HasSubstr;

std::optional<RequestError> Read(std::string_view body, GenerateRequest* req) {
  return ReadFlatJson(json::parse(body).as_object(), req);
}

bool Accepts(const GenerateRequest& req, std::string_view text) {
  grammar::Automaton a(req.grammar);
  return a.CanEnd(a.Walk(a.Start(), text));
}

TEST(StructuredOutputTest, ResponseFormatJsonSchema) {
  GenerateRequest req;
  ASSERT_FALSE(Read(R"({"response_format":{"type":"json_schema","json_schema":{"name":"p",
      "strict":true,"schema":{"type":"object","properties":{"n":{"type":"integer"}},
      "required":["n"],"additionalProperties":false}}}})",
                    &req));
  ASSERT_TRUE(req.grammar);
  EXPECT_TRUE(Accepts(req, R"({"n": 3})"));
  EXPECT_FALSE(Accepts(req, R"({"n": "3"})"));
}

TEST(StructuredOutputTest, JsonObjectTextGrammarAndLlamaCppSchema) {
  GenerateRequest text;
  ASSERT_FALSE(Read(R"({"response_format":{"type":"text"}})", &text));
  EXPECT_FALSE(text.grammar);
  GenerateRequest object;
  ASSERT_FALSE(Read(R"({"response_format":{"type":"json_object"}})", &object));
  EXPECT_TRUE(Accepts(object, R"({"any":[1]})"));
  EXPECT_FALSE(Accepts(object, "[1]"));
  GenerateRequest gbnf;
  ASSERT_FALSE(Read(R"({"grammar":"root ::= \"a\"+"})", &gbnf));
  EXPECT_TRUE(Accepts(gbnf, "aaa"));
  GenerateRequest schema;
  ASSERT_FALSE(Read(R"({"json_schema":{"type":"boolean"}})", &schema));
  EXPECT_TRUE(Accepts(schema, "false"));
  GenerateRequest inline_schema;
  ASSERT_FALSE(
      Read(R"({"response_format":{"type":"json_object","schema":{"enum":[1]}}})", &inline_schema));
  EXPECT_TRUE(Accepts(inline_schema, "1"));
  EXPECT_FALSE(Accepts(inline_schema, "{}"));
}

TEST(StructuredOutputTest, OllamaFormat) {
  GenerateRequest json_mode;
  ASSERT_FALSE(ReadOllamaFormat(json::parse(R"({"format":"json"})").as_object(), &json_mode));
  EXPECT_TRUE(Accepts(json_mode, "{}"));
  GenerateRequest schema;
  ASSERT_FALSE(ReadOllamaFormat(
      json::parse(R"({"format":{"type":"integer","maximum":9}})").as_object(), &schema));
  EXPECT_TRUE(Accepts(schema, "9"));
  EXPECT_FALSE(Accepts(schema, "10"));
  GenerateRequest bad;
  auto err = ReadOllamaFormat(json::parse(R"({"format":"yaml"})").as_object(), &bad);
  ASSERT_TRUE(err);
  EXPECT_EQ(err->field, "format");
}

TEST(StructuredOutputTest, ErrorsNameTheFieldAndTheProblem) {
  struct Case {
    const char* body;
    const char* field;
    const char* message;
  };
  const Case cases[] = {
      {R"({"response_format":{"type":"xml"}})", "response_format.type", "must be one of"},
      {R"({"response_format":"json"})", "response_format", "must be an object"},
      {R"({"response_format":{"type":"json_schema"}})", "response_format.json_schema",
       "must be an object"},
      {R"({"response_format":{"type":"json_schema","json_schema":{"name":"x"}}})",
       "response_format.json_schema.schema", "is required"},
      {R"({"response_format":{"type":"json_schema","json_schema":{"schema":{"type":"string",
        "format":"email"}}}})",
       "response_format.json_schema.schema", "format 'email' is not supported"},
      {R"({"json_schema":{"type":"array","uniqueItems":true}})", "json_schema",
       "unsupported JSON Schema keyword 'uniqueItems'"},
      {R"({"grammar":"root ::= \"a"})", "grammar", "line 1, column 12: unterminated string"},
      {R"({"grammar":5})", "grammar", "must be a string"},
      {R"({"grammar":"root ::= \"a\"","json_schema":{}})", "response_format", "only one of"},
  };
  for (const Case& c : cases) {
    GenerateRequest req;
    const std::optional<RequestError> err = Read(c.body, &req);
    ASSERT_TRUE(err) << c.body;
    EXPECT_EQ(err->code, ErrorCode::kInvalidField);
    EXPECT_EQ(err->field, c.field) << c.body;
    EXPECT_THAT(err->message, HasSubstr(c.message)) << c.body;
  }
}

}  // namespace
}  // namespace inferno::request
