// libFuzzer target for constrained decoding's front half (engine/grammar): the first byte
// picks the input kind, 'g' GBNF text or 's' a JSON Schema; an optional NUL byte is followed
// by text that is run through the grammar's automaton byte by byte, with its per-state token
// mask over a small fixed vocabulary.
//
// Oracles besides the sanitizers: a grammar that parsed (or a schema that converted) prints as
// GBNF that parses again, and the mask agrees with walking each token's bytes.
#include <boost/json.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string_view>

#include "engine/grammar/gbnf.h"
#include "engine/grammar/json_schema.h"
#include "engine/grammar/matcher.h"
#include "engine/grammar/token_constraint.h"

namespace {

void Check(bool ok) {
  if (!ok) std::abort();
}

const inferno::grammar::TokenTrie& Vocab() {
  static const inferno::grammar::TokenTrie trie(
      {"{", "}", "\"", "a",    "ab",   "1",    "12",       " ", "\n", ",",
       ":", "[", "]",  "null", "\xC3", "\xA9", "\xC3\xA9", "-", "e",  "\\"},
      std::vector<bool>(20, true));
  return trie;
}

void Run(const inferno::grammar::Grammar& g, std::string_view text) {
  namespace gr = inferno::grammar;
  Check(gr::ParseGbnf(g.ToGbnf()).ok());
  gr::Automaton a(std::make_shared<gr::Grammar>(g));
  gr::StateId s = a.Start();
  const gr::TokenTrie& vocab = Vocab();
  for (size_t i = 0; i <= text.size() && i < 64 && s != gr::kDeadState; ++i) {
    const gr::TokenMask mask = gr::ComputeMask(a, s, vocab, {});
    for (int32_t id = 0; id < vocab.n_vocab(); ++id) {
      Check(mask.Test(id) == (a.Walk(s, vocab.piece(id)) != gr::kDeadState));
    }
    if (i < text.size()) s = a.Step(s, uint8_t(text[i]));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::string_view text;
  if (const size_t nul = input.find('\0'); nul != std::string_view::npos) {
    text = input.substr(nul + 1);
    input = input.substr(0, nul);
  }
  if (data[0] == 'g') {
    inferno::Result<inferno::grammar::Grammar> g = inferno::grammar::ParseGbnf(input);
    if (g.ok()) Run(*g, text);
  } else if (data[0] == 's') {
    boost::system::error_code ec;
    boost::json::value schema = boost::json::parse(input, ec);
    if (ec) return 0;
    inferno::Result<inferno::grammar::Grammar> g = inferno::grammar::JsonSchemaGrammar(schema);
    if (g.ok()) Run(*g, text);
  }
  return 0;
}
