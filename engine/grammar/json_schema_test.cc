#include "engine/grammar/json_schema.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <random>
#include <regex>

#include "engine/grammar/matcher.h"

namespace inferno::grammar {
namespace {

namespace json = boost::json;
using ::testing::HasSubstr;

class Schema {
 public:
  explicit Schema(std::string_view schema) {
    Result<Grammar> g = JsonSchemaGrammar(json::parse(schema));
    EXPECT_TRUE(g.ok()) << g.status().message();
    if (g.ok()) automaton_ = std::make_unique<Automaton>(std::make_shared<Grammar>(*g));
  }
  bool Accepts(std::string_view text) const {
    return automaton_ && automaton_->CanEnd(automaton_->Walk(automaton_->Start(), text));
  }

 private:
  std::unique_ptr<Automaton> automaton_;
};

std::string Error(std::string_view schema) {
  Result<Grammar> g = JsonSchemaGrammar(json::parse(schema));
  EXPECT_FALSE(g.ok()) << schema;
  return g.ok() ? "" : g.status().message();
}

TEST(JsonSchemaTest, ObjectWithRequiredAndOptionalPropertiesInOrder) {
  const Schema s(R"({"type":"object","properties":{
      "name":{"type":"string"},"age":{"type":"integer"},"tags":{"type":"array","items":{"type":"string"}}},
      "required":["name"],"additionalProperties":false})");
  EXPECT_TRUE(s.Accepts(R"({"name":"Ann"})"));
  EXPECT_TRUE(s.Accepts(R"({"name":"Ann","age":41})"));
  EXPECT_TRUE(s.Accepts(R"({"name":"Ann","tags":["a","b"]})"));
  EXPECT_TRUE(s.Accepts("{\n  \"name\": \"A\\\"n\",\n  \"age\": -3,\n  \"tags\": []\n}"));
  EXPECT_TRUE(s.Accepts(R"( {"name":"Ann"} )"));
  EXPECT_FALSE(s.Accepts(R"({"age":41})"));               // name is required
  EXPECT_FALSE(s.Accepts(R"({"age":41,"name":"Ann"})"));  // declared order
  EXPECT_FALSE(s.Accepts(R"({"name":"Ann","x":1})"));     // no additional properties
  EXPECT_FALSE(s.Accepts(R"({"name":"Ann",})"));
  EXPECT_FALSE(s.Accepts(R"({"name":"Ann","age":4.5})"));
  EXPECT_FALSE(s.Accepts(R"({"name":"Ann","age":007})"));
  EXPECT_FALSE(s.Accepts("{\"name\":\"Ann\"" + std::string(30, ' ') + "}"));  // bounded spaces
}

TEST(JsonSchemaTest, AdditionalPropertiesTrueAndSchema) {
  const Schema any(R"({"type":"object","properties":{"a":{"type":"integer"}},
                       "additionalProperties":true})");
  EXPECT_TRUE(any.Accepts(R"({"a":1,"b":[true,null,{"c":"d"}]})"));
  EXPECT_TRUE(any.Accepts(R"({"ab":1})"));
  EXPECT_TRUE(any.Accepts(R"({"b":1})"));
  EXPECT_FALSE(any.Accepts(R"({"a":1,"a":2})"));  // a declared key cannot come back as extra
  const Schema typed(R"({"type":"object","additionalProperties":{"type":"number"}})");
  EXPECT_TRUE(typed.Accepts(R"({"x":1.5e3,"y":-0.25})"));
  EXPECT_TRUE(typed.Accepts("{}"));
  EXPECT_FALSE(typed.Accepts(R"({"x":"1"})"));
}

TEST(JsonSchemaTest, ArraysWithBounds) {
  const Schema s(R"({"type":"array","items":{"type":"boolean"},"minItems":2,"maxItems":3})");
  EXPECT_FALSE(s.Accepts("[true]"));
  EXPECT_TRUE(s.Accepts("[true, false]"));
  EXPECT_TRUE(s.Accepts("[true,false,true]"));
  EXPECT_FALSE(s.Accepts("[true,false,true,true]"));
  EXPECT_FALSE(s.Accepts("[1,2]"));
  const Schema any(R"({"type":"array"})");
  EXPECT_TRUE(any.Accepts(R"([1,"a",[],{}])"));
  EXPECT_TRUE(any.Accepts("[]"));
}

TEST(JsonSchemaTest, StringLengthsEnumConstAndTypeLists) {
  const Schema len(R"({"type":"string","minLength":2,"maxLength":3})");
  EXPECT_FALSE(len.Accepts(R"("a")"));
  EXPECT_TRUE(len.Accepts(R"("ab")"));
  EXPECT_TRUE(len.Accepts(R"("a\nb")"));  // an escape is one character
  EXPECT_TRUE(len.Accepts(R"("日本語")"));
  EXPECT_FALSE(len.Accepts(R"("abcd")"));
  const Schema e(R"({"enum":["red","green",3,null]})");
  EXPECT_TRUE(e.Accepts(R"("green")"));
  EXPECT_TRUE(e.Accepts("3"));
  EXPECT_TRUE(e.Accepts("null"));
  EXPECT_FALSE(e.Accepts(R"("blue")"));
  const Schema c(R"({"const":{"k":[1,2]}})");
  EXPECT_TRUE(c.Accepts(R"({"k":[1,2]})"));
  EXPECT_FALSE(c.Accepts(R"({"k":[1]})"));
  const Schema t(R"({"type":["integer","null"]})");
  EXPECT_TRUE(t.Accepts("12"));
  EXPECT_TRUE(t.Accepts("null"));
  EXPECT_FALSE(t.Accepts("\"12\""));
}

TEST(JsonSchemaTest, StringsRefuseRawControlCharactersAndLoneSurrogates) {
  const Schema s(R"({"type":"string"})");
  EXPECT_TRUE(s.Accepts(R"("a\u00e9\ud83d")") == false);
  EXPECT_TRUE(s.Accepts(R"("a\u00e9\/")"));
  EXPECT_FALSE(s.Accepts("\"a\nb\""));
}

TEST(JsonSchemaTest, AnyOfRefsAndRecursion) {
  const Schema s(R"({"$defs":{"node":{"type":"object","properties":{
      "v":{"type":"integer"},"kids":{"type":"array","items":{"$ref":"#/$defs/node"}}},
      "required":["v","kids"],"additionalProperties":false}},
      "anyOf":[{"$ref":"#/$defs/node"},{"type":"string"}]})");
  EXPECT_TRUE(
      s.Accepts(R"({"v":1,"kids":[{"v":2,"kids":[]},{"v":3,"kids":[{"v":4,"kids":[]}]}]})"));
  EXPECT_TRUE(s.Accepts(R"("leaf")"));
  EXPECT_FALSE(s.Accepts(R"({"v":1,"kids":[{"v":2}]})"));
}

TEST(JsonSchemaTest, Formats) {
  const Schema date(R"({"type":"string","format":"date"})");
  EXPECT_TRUE(date.Accepts(R"("2026-12-03")"));
  EXPECT_FALSE(date.Accepts(R"("2026-13-03")"));
  EXPECT_FALSE(date.Accepts(R"("2026-12-32")"));
  const Schema dt(R"({"type":"string","format":"date-time"})");
  EXPECT_TRUE(dt.Accepts(R"("2026-12-03T15:42:07Z")"));
  EXPECT_TRUE(dt.Accepts(R"("2026-12-03T15:42:07.123+01:00")"));
  EXPECT_FALSE(dt.Accepts(R"("2026-12-03 15:42:07Z")"));
  const Schema time(R"({"type":"string","format":"time"})");
  EXPECT_TRUE(time.Accepts(R"("23:59:59Z")"));
  EXPECT_FALSE(time.Accepts(R"("24:00:00Z")"));
  const Schema uuid(R"({"type":"string","format":"uuid"})");
  EXPECT_TRUE(uuid.Accepts(R"("123e4567-e89b-12d3-a456-426614174000")"));
  EXPECT_FALSE(uuid.Accepts(R"("123e4567-e89b-12d3-a456-42661417400")"));
}

// Integer ranges against arithmetic: every integer of a window around the bounds.
TEST(JsonSchemaTest, IntegerRangesMatchExactlyTheRange) {
  const std::pair<int64_t, int64_t> ranges[] = {{0, 0},   {-5, 5},   {7, 123},   {-130, -7},
                                                {10, 99}, {99, 100}, {-1, 1000}, {38, 2051}};
  for (const auto& [lo, hi] : ranges) {
    const Schema s("{\"type\":\"integer\",\"minimum\":" + std::to_string(lo) +
                   ",\"maximum\":" + std::to_string(hi) + "}");
    for (int64_t x = lo - 150; x <= hi + 150; ++x) {
      EXPECT_EQ(s.Accepts(std::to_string(x)), x >= lo && x <= hi)
          << x << " in " << lo << ".." << hi;
    }
    EXPECT_FALSE(s.Accepts("-0"));
    EXPECT_FALSE(s.Accepts(std::string("0").append(std::to_string(std::max<int64_t>(lo, 1)))));
  }
  const Schema open(R"({"type":"integer","exclusiveMinimum":10})");
  EXPECT_FALSE(open.Accepts("10"));
  EXPECT_TRUE(open.Accepts("11"));
  EXPECT_TRUE(open.Accepts("123456789"));
  EXPECT_FALSE(open.Accepts("-11"));
}

// Patterns against std::regex (ECMAScript) as the reference, on decoded strings.
TEST(JsonSchemaTest, PatternsAgreeWithStdRegex) {
  const char* patterns[] = {
      "^[a-z]+$", "^\\d{3}-\\d{4}$",   "^(ab|cd)*e?$",    "b",       "^[^a\"]{1,3}$",
      "^a.c$",    "^\\w+@\\w+\\.com$", "^(?:x|y)+z{2,}$", "^\\s?q$", "^\"\\\\$"};
  const char* texts[] = {"abc",        "ABC",  "555-1234", "55-1234", "ababe", "abcde", "",
                         "e",          "xbx",  "bbb",      "\"",      "q\"z",  "abc",   "a\nc",
                         "joe@ex.com", "xyzz", "xz",       " q",      "q",     "\"\\",  "zzz"};
  for (const char* p : patterns) {
    const Schema s(json::serialize(json::object{{"type", "string"}, {"pattern", p}}));
    const std::regex re(p, std::regex::ECMAScript);
    for (const char* t : texts) {
      EXPECT_EQ(s.Accepts(json::serialize(json::value(t))), std::regex_search(t, re))
          << "pattern " << p << " text '" << t << "'";
    }
  }
}

TEST(JsonSchemaTest, JsonObjectModeIsAnyObject) {
  Automaton a(std::make_shared<Grammar>(JsonObjectGrammar()));
  auto accepts = [&](std::string_view t) { return a.CanEnd(a.Walk(a.Start(), t)); };
  EXPECT_TRUE(accepts(R"({"a":[1,{"b":null}],"c":"d"})"));
  EXPECT_TRUE(accepts("{}"));
  EXPECT_FALSE(accepts("[]"));
  EXPECT_FALSE(accepts(R"("text")"));
  EXPECT_FALSE(accepts(R"({"a":})"));
}

TEST(JsonSchemaTest, PrefixAndSuffixWrapTheValue) {
  // A forced tool call: the family's markers around a call object.
  Result<Grammar> g = JsonSchemaGrammar(
      json::parse(R"({"type":"object","properties":{"name":{"const":"clock"},"arguments":{
        "type":"object","properties":{},"additionalProperties":false}},
        "required":["name","arguments"],"additionalProperties":false})"),
      {.prefix = "<tool_call>\n", .suffix = "\n</tool_call>"});
  ASSERT_TRUE(g.ok()) << g.status().message();
  Automaton a(std::make_shared<Grammar>(*g));
  auto accepts = [&](std::string_view t) { return a.CanEnd(a.Walk(a.Start(), t)); };
  EXPECT_TRUE(accepts("<tool_call>\n{\"name\": \"clock\", \"arguments\": {}}\n</tool_call>"));
  EXPECT_FALSE(accepts("{\"name\": \"clock\", \"arguments\": {}}"));
  EXPECT_FALSE(accepts("<tool_call>\n{\"name\": \"calc\", \"arguments\": {}}\n</tool_call>"));
}

TEST(JsonSchemaTest, UnsupportedFeaturesAreNamed) {
  EXPECT_THAT(Error(R"({"type":"array","uniqueItems":true})"),
              HasSubstr("unsupported JSON Schema keyword 'uniqueItems' at #"));
  EXPECT_THAT(Error(R"({"properties":{"a":{"not":{"type":"null"}}}})"),
              HasSubstr("'not' at #/properties/a"));
  EXPECT_THAT(Error(R"({"type":"string","format":"email"})"), HasSubstr("format 'email'"));
  EXPECT_THAT(Error(R"({"type":"string","pattern":"^(?=a)b$"})"), HasSubstr("lookaround"));
  EXPECT_THAT(Error(R"({"type":"string","pattern":"(a)\\1"})"), HasSubstr("backreferences"));
  EXPECT_THAT(Error(R"({"$ref":"http://x/s.json"})"), HasSubstr("only references inside"));
  EXPECT_THAT(Error(R"({"$ref":"#/$defs/missing"})"), HasSubstr("points at nothing"));
  EXPECT_THAT(Error(R"({"type":"number","maximum":5})"), HasSubstr("'maximum' on a 'number'"));
  EXPECT_THAT(Error(R"({"type":"integer","minimum":5,"maximum":4})"), HasSubstr("empty"));
  EXPECT_THAT(Error(R"({"type":"bytes"})"), HasSubstr("unknown type 'bytes'"));
  EXPECT_THAT(Error(R"(false)"), HasSubstr("matches no value"));
  EXPECT_THAT(Error(R"({"allOf":[{},{}]})"), HasSubstr("'allOf' with more than one"));
  EXPECT_THAT(Error(R"({"type":"string","minLength":-1})"), HasSubstr("'minLength' must be"));
  EXPECT_THAT(Error(R"({"$ref":"#"})"), HasSubstr("left-recursive"));
}

// A forced "required" call: one alternative per tool, each its name and its own schema.
TEST(JsonSchemaTest, FramedAlternativesEachWithItsSchema) {
  Result<Grammar> g = FramedSchemaGrammar(
      {{"a[ARGS]", json::parse(R"({"type":"object","properties":{"n":{"type":"integer"}},
          "required":["n"]})"),
        ""},
       {"b[ARGS]", json::parse(R"({"type":"object","properties":{"s":{"enum":["x"]}},
          "required":["s"]})"),
        "!"}});
  ASSERT_TRUE(g.ok()) << g.status().message();
  Automaton a(std::make_shared<Grammar>(*g));
  auto accepts = [&](std::string_view t) { return a.CanEnd(a.Walk(a.Start(), t)); };
  EXPECT_TRUE(accepts(R"(a[ARGS]{"n": 3})"));
  EXPECT_TRUE(accepts(R"(b[ARGS]{"s": "x"}!)"));
  EXPECT_FALSE(accepts(R"(a[ARGS]{"s": "x"})"));  // a's name with b's arguments
  EXPECT_FALSE(accepts(R"(b[ARGS]{"s": "x"})"));  // without b's suffix
  EXPECT_FALSE(accepts(R"(c[ARGS]{"n": 3})"));
}

// Qwen3-Coder's XML parameters: declared ones in order, optional ones may be left out, strings
// as plain text (no '<'), the rest as JSON.
TEST(JsonSchemaTest, XmlParametersForm) {
  Result<Grammar> g = FramedSchemaGrammar({{"<function=f>\n", json::parse(R"({
      "type":"object","required":["city","days"],"properties":{
        "city":{"type":"string","maxLength":5},
        "unit":{"type":"string","enum":["c","f"]},
        "days":{"type":"integer","minimum":1,"maximum":3},
        "when":{"type":"string","format":"date"}}})"),
                                            "</function>", ValueForm::kXmlParameters}});
  ASSERT_TRUE(g.ok()) << g.status().message();
  Automaton a(std::make_shared<Grammar>(*g));
  auto accepts = [&](std::string_view t) { return a.CanEnd(a.Walk(a.Start(), t)); };
  const std::string city = "<function=f>\n<parameter=city>\nOslo\n</parameter>\n";
  EXPECT_TRUE(accepts(city + "<parameter=days>\n2\n</parameter>\n</function>"));
  EXPECT_TRUE(accepts(city + "<parameter=unit>\nf\n</parameter>\n<parameter=days>\n1\n"
                             "</parameter>\n<parameter=when>\n2026-12-03\n</parameter>\n"
                             "</function>"));
  EXPECT_FALSE(accepts(city + "</function>"));  // days is required
  EXPECT_FALSE(accepts(city + "<parameter=days>\n4\n</parameter>\n</function>"));
  EXPECT_FALSE(accepts(city + "<parameter=unit>\nk\n</parameter>\n<parameter=days>\n1\n"
                              "</parameter>\n</function>"));
  EXPECT_FALSE(
      accepts("<function=f>\n<parameter=city>\n\"Oslo\"\n</parameter>\n"
              "<parameter=days>\n1\n</parameter>\n</function>"));  // too long quoted
  EXPECT_FALSE(
      accepts("<function=f>\n<parameter=city>\na<b\n</parameter>\n"
              "<parameter=days>\n1\n</parameter>\n</function>"));
  // Out of order.
  EXPECT_FALSE(accepts("<function=f>\n<parameter=days>\n1\n</parameter>\n" + city.substr(13) +
                       "</function>"));
}

}  // namespace
}  // namespace inferno::grammar
