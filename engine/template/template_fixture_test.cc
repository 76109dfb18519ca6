// Every real chat template in the shared fixtures, rendered for every conversation in
// cases.json, against Hugging Face's own rendering (expected/<template>/<case>.txt) byte for
// byte, or refused where HF refused (<case>.error.txt).
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "engine/template/fixture_clock.h"
#include "engine/template/template.h"

namespace inferno {
namespace {

namespace fs = std::filesystem;

fs::path FixtureDir() { return fs::path(INFERNO_SHARED_DIR) / "fixtures" / "templates"; }

std::string ReadAll(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct Pair {
  std::string tmpl;  // template stem
  std::string id;    // case id
};

void PrintTo(const Pair& p, std::ostream* os) { *os << p.tmpl << " / " << p.id; }

const boost::json::object& Cases() {
  static const boost::json::object cases =
      boost::json::parse(ReadAll(FixtureDir() / "cases.json")).as_object();
  return cases;
}

std::vector<Pair> AllPairs() {
  std::vector<Pair> out;
  if (!fs::exists(FixtureDir() / "cases.json")) return out;
  std::vector<std::string> stems;
  for (const auto& e : fs::directory_iterator(FixtureDir() / "jinja")) {
    if (e.path().extension() == ".jinja") stems.push_back(e.path().stem().string());
  }
  std::sort(stems.begin(), stems.end());
  for (const std::string& s : stems) {
    for (const auto& c : Cases().at("cases").as_array()) {
      out.push_back({s, std::string(c.at("id").as_string())});
    }
  }
  return out;
}

boost::json::value ContextFor(const std::string& id) {
  boost::json::object ctx = Cases().at("special_tokens").as_object();
  for (const auto& c : Cases().at("cases").as_array()) {
    if (c.at("id").as_string() != id) continue;
    for (const auto& kv : c.at("context").as_object()) ctx[kv.key()] = kv.value();
  }
  return ctx;
}

class TemplateFixtureTest : public testing::TestWithParam<Pair> {};

TEST_P(TemplateFixtureTest, MatchesHuggingFace) {
  const Pair& p = GetParam();
  const fs::path expected_dir = FixtureDir() / "expected" / p.tmpl;
  Result<Template> t = Template::Parse(ReadAll(FixtureDir() / "jinja" / (p.tmpl + ".jinja")));
  ASSERT_TRUE(t.ok()) << t.status().message();
  Result<std::string> out = t->Render(ContextFor(p.id), FixtureClock());
  if (fs::exists(expected_dir / (p.id + ".error.txt"))) {
    EXPECT_FALSE(out.ok()) << "HF refused (" << ReadAll(expected_dir / (p.id + ".error.txt"))
                           << ") but we rendered:\n"
                           << *out;
    return;
  }
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ(*out, ReadAll(expected_dir / (p.id + ".txt")));
}

std::string PairName(const testing::TestParamInfo<Pair>& info) {
  std::string name = info.param.tmpl + "__" + info.param.id;
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return name;
}

INSTANTIATE_TEST_SUITE_P(Fixtures, TemplateFixtureTest, testing::ValuesIn(AllPairs()), PairName);
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(TemplateFixtureTest);

}  // namespace
}  // namespace inferno
