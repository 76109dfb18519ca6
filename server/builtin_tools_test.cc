#include "server/builtin_tools.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cstdlib>

namespace inferno::server {
namespace {

namespace json = boost::json;

std::string Calc(const std::string& expression) {
  Result<ToolOutput> out = CallBuiltinTool("calculator", json::object{{"expression", expression}});
  EXPECT_TRUE(out.ok());
  return out->is_error ? "ERROR " + out->text : out->text;
}

TEST(Calculator, Arithmetic) {
  EXPECT_EQ(Calc("12 * (3 + 4)"), "84");
  EXPECT_EQ(Calc("1 + 2 * 3"), "7");
  EXPECT_EQ(Calc("(1 + 2) * 3"), "9");
  EXPECT_EQ(Calc("10 - 4 - 3"), "3");  // left associative
  EXPECT_EQ(Calc("100 / 10 / 5"), "2");
  EXPECT_EQ(Calc("17 % 5"), "2");
  EXPECT_EQ(Calc("-3 * -(2 + 1)"), "9");
  EXPECT_EQ(Calc("--4"), "4");
  EXPECT_EQ(Calc("1.5 * 4"), "6");
  EXPECT_EQ(Calc(".5 + 0.25"), "0.75");
  EXPECT_EQ(Calc("1 / 3"), "0.333333333333");
  EXPECT_EQ(Calc("7.5 % 2"), "1.5");
  EXPECT_EQ(Calc("  2*3  "), "6");
  EXPECT_EQ(Calc("0 * -1"), "0");
  EXPECT_EQ(Calc("123456789 * 1000"), "123456789000");
}

TEST(Calculator, ErrorsAreResultsTheModelCanRead) {
  EXPECT_EQ(Calc("1 / 0"), "ERROR error: division by zero");
  EXPECT_EQ(Calc("5 % (2 - 2)"), "ERROR error: division by zero");
  EXPECT_EQ(Calc("2 +"),
            "ERROR error: expected a number or '(' but the expression ended at "
            "position 4 of the expression");
  EXPECT_EQ(Calc("(1 + 2"), "ERROR error: missing ')' at position 7 of the expression");
  EXPECT_EQ(Calc("2 ^ 3"), "ERROR error: unexpected '^' at position 3 of the expression");
  EXPECT_EQ(Calc("1.2.3"), "ERROR error: '1.2.3' is not a number at position 1 of the expression");
  EXPECT_EQ(Calc("abs(1)"),
            "ERROR error: expected a number or '(' but found 'a' at position 1 "
            "of the expression");
  EXPECT_EQ(Calc(""),
            "ERROR error: expected a number or '(' but the expression ended at "
            "position 1 of the expression");
  EXPECT_EQ(Calc(std::string(4000, '(') + "1" + std::string(4000, ')')),
            "ERROR error: expression nested too deeply at position 101 of the expression");
}

TEST(Calculator, ArgumentsMustHoldAnExpressionString) {
  Result<ToolOutput> out = CallBuiltinTool("calculator", json::object{{"expression", 5}});
  ASSERT_TRUE(out.ok());
  EXPECT_TRUE(out->is_error);
  EXPECT_NE(out->text.find("calculator needs"), std::string::npos);
}

TEST(CurrentTime, LocalIsoTimeWithWeekdayAndZone) {
  setenv("TZ", "Europe/Paris", 1);
  tzset();
  // 2026-12-03 18:04:05 UTC is a Thursday, 19:04:05 in Paris (CET, +01:00).
  EXPECT_EQ(DescribeLocalTime(1796321045),
            "2026-12-03T19:04:05+01:00 (Thursday, time zone Europe/Paris CET)");
  setenv("TZ", "UTC", 1);
  tzset();
  EXPECT_EQ(DescribeLocalTime(1796321045), "2026-12-03T18:04:05+00:00 (Thursday, time zone UTC)");
  unsetenv("TZ");
  tzset();
}

TEST(BuiltinTools, NamesAndSchemasAreTheTrainedOnes) {
  std::vector<ToolInfo> tools = BuiltinTools();
  ASSERT_EQ(tools.size(), 2u);
  EXPECT_EQ(tools[0].name, "calculator");
  EXPECT_EQ(json::serialize(tools[0].parameters),
            R"j({"type":"object","properties":{"expression":{"type":"string","description":)j"
            R"j("An arithmetic expression, e.g. 12 * (3 + 4)"}},"required":["expression"]})j");
  EXPECT_EQ(tools[1].name, "current_time");
  EXPECT_EQ(json::serialize(tools[1].parameters), R"({"type":"object","properties":{}})");
  EXPECT_EQ(CallBuiltinTool("weather", {}).status().code(), Status::Code::kNotFound);
}

}  // namespace
}  // namespace inferno::server
