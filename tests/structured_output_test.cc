// Constrained decoding end to end: a random-weight model (gibberish without constraints)
// generating under a JSON Schema, a GBNF grammar and json_object mode must produce text that
// parses and validates, whatever it samples; the mask over the real vocabulary equals the
// brute-force set of tokens whose bytes the grammar accepts.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <memory>
#include <regex>
#include <string>

#include "engine/grammar/gbnf.h"
#include "engine/grammar/json_schema.h"
#include "engine/grammar/token_constraint.h"
#include "engine/model/model.h"
#include "engine/runtime/session.h"
#include "engine/threads/thread_pool.h"
#include "tests/subprocess.h"

namespace inferno {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

constexpr const char* kSchema = R"({
  "type": "object",
  "properties": {
    "name": {"type": "string", "maxLength": 12},
    "age": {"type": "integer", "minimum": 0, "maximum": 120},
    "ok": {"type": "boolean"},
    "color": {"enum": ["red", "green"]},
    "tags": {"type": "array", "items": {"type": "string", "maxLength": 5}, "maxItems": 3},
    "when": {"type": "string", "format": "date"}
  },
  "required": ["name", "age", "ok", "color"],
  "additionalProperties": false
})";

class StructuredOutputTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const fs::path path = fs::path(testing::SharedDir()) / "fixtures/models/llama-tiny-Q8_0.gguf";
    Result<std::unique_ptr<Model>> m = Model::Load(path.string());
    ASSERT_TRUE(m.ok()) << m.status().message();
    model_ = std::move(*m).release();
    pool_ = new ThreadPool(2);
  }
  static void TearDownTestSuite() {
    delete pool_;
    delete model_;
  }

  struct Output {
    std::string text;
    std::string finish;
    std::vector<Event> tokens;
  };
  Output Run(std::shared_ptr<const grammar::Grammar> g, uint64_t seed, float temp, int top = 0) {
    GenerateRequest req;
    req.prompt = "Describe a person as JSON:";
    req.max_tokens = 300;
    req.sampling.temperature = temp;
    req.sampling.seed = seed;
    req.top_k_events = top;
    req.grammar = std::move(g);
    Session session(*model_, *pool_);
    Output out;
    Status st = session.Generate(req, [&](const Event& e) {
      out.text += e.text;
      if (e.type == Event::Type::kToken) out.tokens.push_back(e);
      if (e.type == Event::Type::kDone) out.finish = e.finish_reason;
      return true;
    });
    EXPECT_TRUE(st.ok()) << st.message();
    return out;
  }

  static Model* model_;
  static ThreadPool* pool_;
};
Model* StructuredOutputTest::model_ = nullptr;
ThreadPool* StructuredOutputTest::pool_ = nullptr;

// The schema above, checked by hand (not by the grammar under test).
void ExpectValid(const std::string& text) {
  json::error_code ec;
  const json::value v = json::parse(text, ec);
  ASSERT_FALSE(ec) << "not JSON: " << text;
  ASSERT_TRUE(v.is_object()) << text;
  const json::object& o = v.as_object();
  for (const auto& kv : o) {
    EXPECT_TRUE(kv.key() == "name" || kv.key() == "age" || kv.key() == "ok" ||
                kv.key() == "color" || kv.key() == "tags" || kv.key() == "when")
        << kv.key();
  }
  ASSERT_TRUE(o.contains("name") && o.at("name").is_string()) << text;
  EXPECT_LE(json::string_view(o.at("name").as_string()).size(), 12u * 4);
  ASSERT_TRUE(o.contains("age") && o.at("age").is_int64()) << text;
  EXPECT_GE(o.at("age").as_int64(), 0);
  EXPECT_LE(o.at("age").as_int64(), 120);
  ASSERT_TRUE(o.contains("ok") && o.at("ok").is_bool()) << text;
  ASSERT_TRUE(o.contains("color")) << text;
  EXPECT_TRUE(o.at("color") == "red" || o.at("color") == "green") << text;
  if (o.contains("tags")) {
    ASSERT_TRUE(o.at("tags").is_array()) << text;
    EXPECT_LE(o.at("tags").as_array().size(), 3u);
    for (const json::value& t : o.at("tags").as_array()) EXPECT_TRUE(t.is_string()) << text;
  }
  if (o.contains("when")) {
    ASSERT_TRUE(o.at("when").is_string());
    const std::string when(o.at("when").as_string());
    EXPECT_TRUE(
        std::regex_match(when, std::regex(R"(\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01]))")))
        << when;
  }
}

TEST_F(StructuredOutputTest, SchemaOutputAlwaysParsesAndValidates) {
  Result<grammar::Grammar> g = grammar::JsonSchemaGrammar(json::parse(kSchema));
  ASSERT_TRUE(g.ok()) << g.status().message();
  auto shared = std::make_shared<const grammar::Grammar>(std::move(*g));
  for (uint64_t seed = 1; seed <= 6; ++seed) {
    const Output out = Run(shared, seed, 1.0f);
    EXPECT_EQ(out.finish, "stop") << out.text;
    ExpectValid(out.text);
  }
  const Output greedy = Run(shared, 1, 0.0f);
  EXPECT_EQ(greedy.finish, "stop") << greedy.text;
  ExpectValid(greedy.text);
}

TEST_F(StructuredOutputTest, WithoutAGrammarTheModelWritesNoJson) {
  // The premise of the test above: this model does not write JSON by itself.
  const Output out = Run(nullptr, 1, 1.0f);
  json::error_code ec;
  const json::value v = json::parse(out.text, ec);
  EXPECT_TRUE(ec || !v.is_object()) << out.text;
}

TEST_F(StructuredOutputTest, JsonObjectModeAndGbnf) {
  auto object = std::make_shared<const grammar::Grammar>(grammar::JsonObjectGrammar());
  for (uint64_t seed = 1; seed <= 3; ++seed) {
    const Output out = Run(object, seed, 0.7f);
    if (out.finish != "stop") continue;  // an unbounded object may run to max_tokens
    json::error_code ec;
    const json::value v = json::parse(out.text, ec);
    EXPECT_FALSE(ec) << out.text;
    EXPECT_TRUE(v.is_object()) << out.text;
  }
  Result<grammar::Grammar> yn = grammar::ParseGbnf("root ::= (\"yes\" | \"no\") \".\"");
  ASSERT_TRUE(yn.ok());
  auto shared = std::make_shared<const grammar::Grammar>(std::move(*yn));
  for (uint64_t seed = 1; seed <= 4; ++seed) {
    const Output out = Run(shared, seed, 1.0f);
    EXPECT_TRUE(out.text == "yes." || out.text == "no.") << out.text;
    EXPECT_EQ(out.finish, "stop");
  }
}

TEST_F(StructuredOutputTest, AlternativesTheGrammarRemovedAreMarked) {
  Result<grammar::Grammar> g = grammar::JsonSchemaGrammar(json::parse(kSchema));
  ASSERT_TRUE(g.ok());
  const Output out = Run(std::make_shared<const grammar::Grammar>(std::move(*g)), 3, 1.0f, 10);
  ASSERT_FALSE(out.tokens.empty());
  int removed = 0;
  for (const Event& e : out.tokens) {
    ASSERT_EQ(e.top.size(), 10u);
    for (const TopToken& t : e.top) {
      removed += t.removed;
      if (t.id == e.id) {
        EXPECT_FALSE(t.removed);  // the chosen token was allowed
      }
    }
  }
  EXPECT_GT(removed, 0);  // gibberish model: its favourites are mostly refused
}

// The trie walk over the model's 32k vocabulary against trying every token's bytes.
TEST_F(StructuredOutputTest, MaskEqualsBruteForceOnTheRealVocabulary) {
  Result<grammar::Grammar> g = grammar::JsonSchemaGrammar(json::parse(kSchema));
  ASSERT_TRUE(g.ok());
  auto shared = std::make_shared<const grammar::Grammar>(std::move(*g));
  const auto trie = model_->token_trie();
  const Tokenizer& tok = model_->tokenizer();
  grammar::Automaton a(shared);
  for (const char* prefix : {"", "{\"name\": \"ab", "{\"name\":\"\",\"age\":1", "{\"name\":\"x\\",
                             "{\"name\":\"\",\"age\":0,\"ok\":true,\"color\":\"red\""}) {
    const grammar::StateId s = a.Walk(a.Start(), prefix);
    ASSERT_NE(s, grammar::kDeadState) << prefix;
    const grammar::TokenMask mask = grammar::ComputeMask(a, s, *trie, tok.end_of_generation_ids());
    size_t allowed = 0;
    for (int32_t id = 0; id < tok.n_vocab(); ++id) {
      bool want = false;
      if (tok.IsEndOfGeneration(id)) {
        want = a.CanEnd(s);
      } else if (trie->included(id) && !trie->piece(id).empty()) {
        want = a.Walk(s, trie->piece(id)) != grammar::kDeadState;
      }
      allowed += want;
      ASSERT_EQ(mask.Test(id), want) << prefix << " token " << id << " '" << trie->piece(id) << "'";
    }
    EXPECT_EQ(mask.Count(), allowed);
    EXPECT_GT(allowed, 0u) << prefix;
  }
}

}  // namespace
}  // namespace inferno
