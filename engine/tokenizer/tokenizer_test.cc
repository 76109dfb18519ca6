#include "engine/tokenizer/tokenizer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <tuple>

#include "engine/gguf/gguf_writer.h"
#include "engine/tokenizer/pretokenizer.h"
#include "engine/util/utf8.h"

namespace inferno {
namespace {

namespace fs = std::filesystem;

std::string ReadAll(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The string value of "key" in a JSON document (enough of JSON for the oracle files).
std::string JsonString(const std::string& js, const std::string& key) {
  const size_t p0 = js.find("\"" + key + "\":\"");
  EXPECT_NE(p0, std::string::npos) << key;
  if (p0 == std::string::npos) return {};
  std::string out;
  for (size_t i = p0 + key.size() + 4; i < js.size() && js[i] != '"'; ++i) {
    if (js[i] != '\\') {
      out += js[i];
      continue;
    }
    const char e = js[++i];
    switch (e) {
      case 'n':
        out += '\n';
        break;
      case 't':
        out += '\t';
        break;
      case 'r':
        out += '\r';
        break;
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'u': {
        uint32_t cp = std::stoul(js.substr(i + 1, 4), nullptr, 16);
        i += 4;
        if (cp >= 0xD800 && cp < 0xDC00 && js.compare(i + 1, 2, "\\u") == 0) {
          const uint32_t lo = std::stoul(js.substr(i + 3, 4), nullptr, 16);
          cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          i += 6;
        }
        AppendUtf8(cp, &out);
        break;
      }
      default:
        out += e;
    }
  }
  return out;
}

std::unique_ptr<Tokenizer> LoadTokenizer(const std::string& path,
                                         std::unique_ptr<gguf::File>* keep) {
  Result<std::unique_ptr<gguf::File>> f = gguf::File::Open(path);
  EXPECT_TRUE(f.ok()) << f.status().message();
  if (!f.ok()) return nullptr;
  Result<std::unique_ptr<Tokenizer>> t = Tokenizer::FromGguf(**f);
  EXPECT_TRUE(t.ok()) << t.status().message();
  *keep = std::move(f).value();
  return t.ok() ? std::move(t).value() : nullptr;
}

// llama.cpp's tokenizer test files: test strings separated by "\n__ggml_vocab_test__\n",
// expected ids one line per string.
TEST(TokenizerFixtures, EveryCasePasses) {
  const fs::path dir = fs::path(INFERNO_SHARED_DIR) / "fixtures" / "tokenizer";
  int files = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() != ".inp") continue;
    const fs::path vocab = entry.path().parent_path() / entry.path().stem();  // X.gguf
    const fs::path expected = fs::path(entry.path()).replace_extension(".out");
    std::unique_ptr<gguf::File> file;
    std::unique_ptr<Tokenizer> tok = LoadTokenizer(vocab.string(), &file);
    ASSERT_NE(tok, nullptr) << vocab;
    const std::string inp = ReadAll(entry.path());
    const std::string sep = "\n__ggml_vocab_test__\n";
    std::vector<std::string> cases;
    for (size_t pos = 0; pos < inp.size();) {
      const size_t at = inp.find(sep, pos);
      if (at == std::string::npos) break;
      cases.push_back(inp.substr(pos, at - pos));
      pos = at + sep.size();
    }
    std::istringstream out(ReadAll(expected));
    int passed = 0;
    for (const std::string& text : cases) {
      std::string line;
      ASSERT_TRUE(std::getline(out, line)) << "missing expected line";
      std::vector<int32_t> want;
      std::istringstream ids(line);
      for (int32_t id; ids >> id;) want.push_back(id);
      const std::vector<int32_t> got = tok->Encode(text, false, false);
      EXPECT_EQ(got, want) << vocab.filename() << ": '" << text << "'";
      passed += got == want;
    }
    EXPECT_GT(cases.size(), 10u);
    std::printf("[tokenizer] %s: %d/%zu cases\n", vocab.filename().c_str(), passed, cases.size());
    ++files;
  }
  EXPECT_GE(files, 1);
}

// Every oracle's prompt tokens (add_special and parse_special on) from its model's tokenizer.
TEST(TokenizerFixtures, OraclePromptTokens) {
  const fs::path root = fs::path(INFERNO_SHARED_DIR) / "fixtures";
  int checked = 0;
  for (const auto& dir : fs::directory_iterator(root / "oracle")) {
    const fs::path model = root / "models" / (dir.path().filename().string() + ".gguf");
    if (!fs::exists(model)) continue;
    std::unique_ptr<gguf::File> file;
    std::unique_ptr<Tokenizer> tok = LoadTokenizer(model.string(), &file);
    ASSERT_NE(tok, nullptr);
    for (const auto& f : fs::directory_iterator(dir.path())) {
      if (f.path().extension() != ".json") continue;
      // Minimal extraction of "prompt" and "prompt_tokens" without a JSON dependency here
      // would be fragile; the oracle JSON escapes are simple (json_str in the peer tool).
      const std::string js = ReadAll(f.path());
      const std::string prompt = JsonString(js, "prompt");
      const size_t t0 = js.find("\"prompt_tokens\":[") + 17;
      std::vector<int32_t> want;
      std::istringstream ids(js.substr(t0, js.find(']', t0) - t0));
      for (std::string id; std::getline(ids, id, ',');) want.push_back(std::stoi(id));
      EXPECT_EQ(tok->Encode(prompt, true, true), want) << f.path();
      ++checked;
    }
  }
  EXPECT_GT(checked, 0);
}

std::unique_ptr<Tokenizer> Spm(std::unique_ptr<gguf::File>* keep) {
  return LoadTokenizer(std::string(INFERNO_SHARED_DIR) + "/fixtures/tokenizer/vocab-llama-spm.gguf",
                       keep);
}

TEST(Tokenizer, SpecialTokensAndFlags) {
  std::unique_ptr<gguf::File> file;
  auto tok = Spm(&file);
  ASSERT_NE(tok, nullptr);
  EXPECT_EQ(tok->bos(), 1);
  EXPECT_EQ(tok->eos(), 2);
  EXPECT_TRUE(tok->add_bos());
  EXPECT_TRUE(tok->IsEndOfGeneration(2));
  // parse_special: "</s>" in the text is the EOS token, not its spelling.
  const std::vector<int32_t> with = tok->Encode("a</s>b", false, true);
  EXPECT_NE(std::find(with.begin(), with.end(), 2), with.end());
  const std::vector<int32_t> without = tok->Encode("a</s>b", false, false);
  EXPECT_EQ(std::find(without.begin(), without.end(), 2), without.end());
  EXPECT_EQ(tok->Encode("Hello", true, true).front(), 1);
}

TEST(Tokenizer, RoundTripAndBytes) {
  std::unique_ptr<gguf::File> file;
  auto tok = Spm(&file);
  ASSERT_NE(tok, nullptr);
  for (const char* s : {"Hello world", "Café naïve – 東京タワー 🚀", "def f(x):\n    return x"}) {
    EXPECT_EQ(tok->Decode(tok->Encode(s, true, false)), s);
  }
}

TEST(StreamingDecoder, NeverEmitsHalfACharacter) {
  std::unique_ptr<gguf::File> file;
  auto tok = Spm(&file);
  ASSERT_NE(tok, nullptr);
  // 🚀 is not in the Llama 2 vocabulary, so it is spelled as four byte tokens.
  const std::vector<int32_t> ids = tok->Encode("🚀", false, false);
  StreamingDecoder dec(*tok);
  std::string all;
  for (int32_t id : ids) {
    const std::string part = dec.Push(id);
    EXPECT_TRUE(part.empty() || part.find("\xF0") != std::string::npos || part == " ")
        << "partial output";
    all += part;
  }
  all += dec.Flush();
  EXPECT_EQ(all, " 🚀");
  // A dangling lead byte is flushed as U+FFFD.
  StreamingDecoder broken(*tok);
  EXPECT_EQ(broken.Push(*tok->FindToken("<0xE6>")), "");
  EXPECT_EQ(broken.Flush(), "\xEF\xBF\xBD");
}

constexpr const char* kTrickyTexts[] = {
    "I'm 12345 ok!!\n\n  x",
    "Hello WORLD'S it'LL 3.14159\t\ttabs   \n",
    "  leading and trailing  ",
    "\xe6\x9d\xb1\xe4\xba\xac 2024\xe5\xb9\xb4 caf\xc3\xa9\r\n\r\nx",
    "a\xc2\x85\xc2\x85"
    "b \xf0\x9f\x9a\x80\xf0\x9f\x9a\x80!",  // U+0085 is whitespace
    "def f(x):\n    return x**2  # sq\n",
    "$$$ +++ --- <=> ~~~",
    "\xc2\xa0\xc2\xa0word \xe3\x80\x80\xe3\x80\x80"
    "end",  // NBSP, ideographic space
};

// Expected words from llama.cpp's unicode_regex_split for the same texts.
TEST(PreTokenizer, MatchesLlamaCppOnTrickyStrings) {
  const std::map<std::string, std::vector<std::vector<std::string_view>>> want = {
      {"llama-bpe",
       {
           {"I", "'m", " ", "123", "45", " ok",
            "!!\x0a"
            "\x0a",
            " ", " x"},
           {"Hello", " WORLD", "'S", " it", "'LL", " ", "3", ".", "141", "59", "\x09",
            "\x09"
            "tabs",
            "   \x0a"},
           {" ", " leading", " and", " trailing", "  "},
           {"\xe6"
            "\x9d"
            "\xb1"
            "\xe4"
            "\xba"
            "\xac",
            " ", "202", "4",
            "\xe5"
            "\xb9"
            "\xb4",
            " caf\xc3"
            "\xa9",
            "\x0d"
            "\x0a"
            "\x0d"
            "\x0a",
            "x"},
           {"a",
            "\xc2"
            "\x85",
            "\xc2"
            "\x85"
            "b",
            " \xf0"
            "\x9f"
            "\x9a"
            "\x80"
            "\xf0"
            "\x9f"
            "\x9a"
            "\x80"
            "!"},
           {"def", " f", "(x", "):\x0a", "   ", " return", " x", "**", "2", " ", " #", " sq",
            "\x0a"},
           {"$$$", " +++", " ---", " <=>", " ~~~"},
           {"\xc2"
            "\xa0",
            "\xc2"
            "\xa0"
            "word",
            " \xe3"
            "\x80"
            "\x80",
            "\xe3"
            "\x80"
            "\x80"
            "end"},
       }},
      {"qwen2",
       {
           {"I", "'m", " ", "1", "2", "3", "4", "5", " ok",
            "!!\x0a"
            "\x0a",
            " ", " x"},
           {"Hello", " WORLD", "'S", " it", "'LL", " ", "3", ".", "1", "4", "1", "5", "9", "\x09",
            "\x09"
            "tabs",
            "   \x0a"},
           {" ", " leading", " and", " trailing", "  "},
           {"\xe6"
            "\x9d"
            "\xb1"
            "\xe4"
            "\xba"
            "\xac",
            " ", "2", "0", "2", "4",
            "\xe5"
            "\xb9"
            "\xb4",
            " caf\xc3"
            "\xa9",
            "\x0d"
            "\x0a"
            "\x0d"
            "\x0a",
            "x"},
           {"a",
            "\xc2"
            "\x85",
            "\xc2"
            "\x85"
            "b",
            " \xf0"
            "\x9f"
            "\x9a"
            "\x80"
            "\xf0"
            "\x9f"
            "\x9a"
            "\x80"
            "!"},
           {"def", " f", "(x", "):\x0a", "   ", " return", " x", "**", "2", " ", " #", " sq",
            "\x0a"},
           {"$$$", " +++", " ---", " <=>", " ~~~"},
           {"\xc2"
            "\xa0",
            "\xc2"
            "\xa0"
            "word",
            " \xe3"
            "\x80"
            "\x80",
            "\xe3"
            "\x80"
            "\x80"
            "end"},
       }},
      {"gpt-2",
       {
           {"I", "'m", " 12345", " ok", "!!",
            "\x0a"
            "\x0a"
            " ",
            " x"},
           {"Hello", " WORLD", "'", "S", " it", "'", "LL", " 3", ".", "14159", "\x09", "\x09",
            "tabs", "   \x0a"},
           {" ", " leading", " and", " trailing", "  "},
           {"\xe6"
            "\x9d"
            "\xb1"
            "\xe4"
            "\xba"
            "\xac",
            " 2024",
            "\xe5"
            "\xb9"
            "\xb4",
            " caf\xc3"
            "\xa9",
            "\x0d"
            "\x0a"
            "\x0d",
            "\x0a", "x"},
           {"a",
            "\xc2"
            "\x85",
            "\xc2"
            "\x85",
            "b",
            " \xf0"
            "\x9f"
            "\x9a"
            "\x80"
            "\xf0"
            "\x9f"
            "\x9a"
            "\x80"
            "!"},
           {"def", " f", "(", "x", "):",
            "\x0a"
            "   ",
            " return", " x", "**", "2", " ", " #", " sq", "\x0a"},
           {"$$$", " +++", " ---", " <=>", " ~~~"},
           {"\xc2"
            "\xa0",
            "\xc2"
            "\xa0",
            "word",
            " \xe3"
            "\x80"
            "\x80",
            "\xe3"
            "\x80"
            "\x80",
            "end"},
       }},
  };
  for (const auto& [name, cases] : want) {
    auto pre = PreTokenizer::Create(name);
    ASSERT_TRUE(pre.ok()) << pre.status().message();
    ASSERT_EQ(cases.size(), std::size(kTrickyTexts));
    for (size_t i = 0; i < cases.size(); ++i) {
      EXPECT_EQ((*pre)->Split(kTrickyTexts[i]), cases[i]) << name << " text " << i;
    }
  }
}

TEST(PreTokenizer, EveryFamilyCompilesAndCoversItsInput) {
  std::string names = PreTokenizer::SupportedNames();
  int count = 0;
  for (size_t pos = 0; pos < names.size();) {
    size_t end = names.find(", ", pos);
    if (end == std::string::npos) end = names.size();
    const std::string name = names.substr(pos, end - pos);
    pos = end + 2;
    auto pre = PreTokenizer::Create(name);
    ASSERT_TRUE(pre.ok()) << name << ": " << pre.status().message();
    for (const char* text : kTrickyTexts) {
      std::string joined;
      for (std::string_view w : (*pre)->Split(text)) {
        EXPECT_FALSE(w.empty()) << name;
        joined += w;
      }
      EXPECT_EQ(joined, text) << name;
    }
    ++count;
  }
  EXPECT_GT(count, 40);
  auto unknown = PreTokenizer::Create("no-such-pre");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("supported: default, gpt-2"), std::string::npos);
}

TEST(PreTokenizer, EmptyMatchesSplitDigitGroups) {
  auto superbpe = PreTokenizer::Create("superbpe");
  ASSERT_TRUE(superbpe.ok());
  const std::vector<std::string_view> want = {"1", "234", "567", " x"};
  EXPECT_EQ((*superbpe)->Split("1234567 x"), want);
}

TEST(PreTokenizer, LongInputsAndBadBytesAreSafe) {
  auto llama3 = PreTokenizer::Create("llama-bpe");
  ASSERT_TRUE(llama3.ok());
  const std::string spaces(200000, ' ');
  EXPECT_EQ((*llama3)->Split(spaces).size(), 1u);
  const std::string word(200000, 'a');
  EXPECT_EQ((*llama3)->Split(word).size(), 1u);
  // Invalid UTF-8 must not reach PCRE2 unchecked; the pieces still cover the input.
  const std::string bad = "ok ÿþÀ í x æ";
  std::string joined;
  for (std::string_view w : (*llama3)->Split(bad)) joined += w;
  EXPECT_EQ(joined, bad);
  EXPECT_EQ(CanonicalUtf8("a\xff"
                          "b"),
            "a\xef\xbf\xbd"
            "b");
  EXPECT_EQ(CanonicalUtf8("\xc0\x80"), std::string(1, '\0'));  // overlong NUL, as llama.cpp
  EXPECT_EQ(CanonicalUtf8("\xe6\x9d"), "\xef\xbf\xbd\xef\xbf\xbd");
}

}  // namespace
}  // namespace inferno

namespace inferno {
namespace {

// Found by the GGUF fuzzer: a byte-type token whose text is not "<0xHH>" must not throw.
TEST(Tokenizer, MalformedByteTokenTextIsTolerated) {
  gguf::Writer w;
  w.AddString("tokenizer.ggml.model", "llama");
  w.AddStringArray("tokenizer.ggml.tokens", {"<unk>", "<s>", "</s>", "<0xZZ>", "a"});
  w.AddI32Array("tokenizer.ggml.token_type", {2, 3, 3, 6, 1});
  const std::vector<uint8_t> img = w.Serialize();
  Result<std::unique_ptr<gguf::File>> f = gguf::File::FromMemory("v.gguf", img);
  ASSERT_TRUE(f.ok()) << f.status().message();
  Result<std::unique_ptr<Tokenizer>> t = Tokenizer::FromGguf(**f);
  ASSERT_TRUE(t.ok()) << t.status().message();
  EXPECT_EQ((*t)->TokenToPiece(3), "<0xZZ>");
}

}  // namespace
}  // namespace inferno

namespace inferno {
namespace {

std::unique_ptr<Tokenizer> Gpt2(std::unique_ptr<gguf::File>* keep) {
  return LoadTokenizer(std::string(INFERNO_SHARED_DIR) + "/fixtures/tokenizer/vocab-gpt-2.gguf",
                       keep);
}

// A small vocabulary written on the fly, for rules the fixture vocabularies cannot show.
struct TinyVocab {
  std::vector<uint8_t> image;
  std::unique_ptr<gguf::File> file;
  std::unique_ptr<Tokenizer> tok;
};
TinyVocab MakeSpm(const std::vector<std::string>& extra, const std::vector<int32_t>& extra_types,
                  const std::string& name = "tiny") {
  std::vector<std::string> tokens = {"<unk>",
                                     "<s>",
                                     "</s>",
                                     "\xE2\x96\x81",
                                     "a",
                                     "b",
                                     "\xE2\x96\x81"
                                     "a",
                                     "ab"};
  std::vector<int32_t> types = {2, 3, 3, 1, 1, 1, 1, 1};
  std::vector<float> scores = {0, 0, 0, -1, -2, -2, -1.5f, -1};
  for (int b = 0; b < 256; ++b) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "<0x%02X>", b);
    tokens.push_back(buf);
    types.push_back(6);
    scores.push_back(0);
  }
  for (size_t i = 0; i < extra.size(); ++i) {
    tokens.push_back(extra[i]);
    types.push_back(extra_types[i]);
    scores.push_back(0);
  }
  gguf::Writer w;
  w.AddString("general.name", name);
  w.AddString("tokenizer.ggml.model", "llama");
  w.AddStringArray("tokenizer.ggml.tokens", tokens);
  w.AddI32Array("tokenizer.ggml.token_type", types);
  w.AddF32Array("tokenizer.ggml.scores", scores);
  TinyVocab v;
  v.image = w.Serialize();
  Result<std::unique_ptr<gguf::File>> f = gguf::File::FromMemory("tiny.gguf", v.image);
  EXPECT_TRUE(f.ok()) << f.status().message();
  if (!f.ok()) return v;
  v.file = std::move(f).value();
  Result<std::unique_ptr<Tokenizer>> t = Tokenizer::FromGguf(*v.file);
  EXPECT_TRUE(t.ok()) << t.status().message();
  if (t.ok()) v.tok = std::move(t).value();
  return v;
}

TEST(Tokenizer, SpecialTokensLongestFirstAndUserDefinedAlwaysParsed) {
  // 264 = "<tag>" (control), 265 = "<tag><tag>" (control), 266 = "[U]" (user-defined).
  TinyVocab v = MakeSpm({"<tag>", "<tag><tag>", "[U]"}, {3, 3, 4});
  ASSERT_NE(v.tok, nullptr);
  const auto& tok = *v.tok;
  EXPECT_EQ(tok.Encode("<tag><tag><tag>", false, true), (std::vector<int32_t>{265, 264}));
  // Without parse_special, control tokens are spelled out but user-defined ones are not.
  const std::vector<int32_t> plain = tok.Encode("[U]<tag>", false, false);
  EXPECT_EQ(plain.front(), 266);
  EXPECT_EQ(std::count(plain.begin(), plain.end(), 264), 0);
  // A space is prefixed to text that follows a special token (SentencePiece rule).
  EXPECT_EQ(tok.Encode("<tag>a", false, true), (std::vector<int32_t>{264, 6}));
  EXPECT_EQ(tok.Encode("a", true, true), (std::vector<int32_t>{1, 6}));
  EXPECT_EQ(tok.Encode("", true, true), (std::vector<int32_t>{1}));
  EXPECT_TRUE(tok.Encode("", false, true).empty());
  // Merges go by score, not position: in "▁ab", "ab" (-1) beats "▁a" (-1.5).
  EXPECT_EQ(tok.Encode("ab", false, false), (std::vector<int32_t>{3, 7}));
  EXPECT_EQ(tok.Encode("a", false, false), (std::vector<int32_t>{6}));
  // Byte fallback for characters outside the vocabulary.
  EXPECT_EQ(tok.Encode("\xC3\xA9", false, false), (std::vector<int32_t>{3, 8 + 0xC3, 8 + 0xA9}));
  EXPECT_EQ(tok.TokenToPiece(8 + 0xC3), "\xC3");
  EXPECT_EQ(tok.TokenToPiece(264), "<tag>");
  EXPECT_EQ(tok.TokenToPiece(3), " ");
}

TEST(Tokenizer, Phi3StripsWhitespaceAfterSpecialTokens) {
  TinyVocab v = MakeSpm({"<|user|>", "<|end|>"}, {3, 3}, "Phi3-mini");
  ASSERT_NE(v.tok, nullptr);
  // "<|user|>\n a" → <|user|> then "a" with the SentencePiece space prefix.
  EXPECT_EQ(v.tok->Encode("<|user|>\n a", false, true), (std::vector<int32_t>{264, 6}));
  EXPECT_TRUE(v.tok->IsEndOfGeneration(265));  // <|end|>
  EXPECT_TRUE(v.tok->IsEndOfGeneration(2));
  TinyVocab other = MakeSpm({"<|user|>"}, {3}, "not-that-model");
  EXPECT_NE(other.tok->Encode("<|user|>\n a", false, true), (std::vector<int32_t>{264, 6}));
}

TEST(Tokenizer, EndOfTurnTokensAreControlAndEndGeneration) {
  // <|im_end|> written as a normal token is still treated as control and end-of-generation.
  TinyVocab v = MakeSpm({"<|im_end|>"}, {1});
  ASSERT_NE(v.tok, nullptr);
  EXPECT_EQ(v.tok->type(264), TokenType::kControl);
  EXPECT_TRUE(v.tok->IsEndOfGeneration(264));
  EXPECT_EQ(v.tok->eot(), 264);
  EXPECT_FALSE(v.tok->IsEndOfGeneration(6));
}

TEST(Tokenizer, Gpt2SpecialTokensRoundTripAndCleanup) {
  std::unique_ptr<gguf::File> file;
  auto tok = Gpt2(&file);
  ASSERT_NE(tok, nullptr);
  EXPECT_FALSE(tok->add_bos());
  EXPECT_EQ(tok->eos(), 50256);
  EXPECT_TRUE(tok->IsEndOfGeneration(50256));
  EXPECT_EQ(tok->Encode("a<|endoftext|>b", false, true), (std::vector<int32_t>{64, 50256, 65}));
  EXPECT_GT(tok->Encode("a<|endoftext|>b", false, false).size(), 3u);
  for (const char* s : {"Hello world", "Café naïve – 東京タワー 🚀", "def f(x):\n    return x\n",
                        "  spaces\t\ttabs\r\n", "émoji 👩‍💻 done"}) {
    EXPECT_EQ(tok->Decode(tok->Encode(s, true, false)), s);
  }
  // gpt-2 decodes with clean_up_tokenization_spaces, as llama.cpp's detokenize does.
  EXPECT_EQ(tok->Decode(tok->Encode("Hello , world .", false, false)), "Hello, world.");
  EXPECT_EQ(tok->TokenToPiece(tok->Encode(" hello", false, false)[0]), " hello");
}

TEST(Tokenizer, InvalidUtf8NeverCrashes) {
  std::unique_ptr<gguf::File> f1, f2;
  auto spm = Spm(&f1);
  auto gpt2 = Gpt2(&f2);
  ASSERT_NE(spm, nullptr);
  ASSERT_NE(gpt2, nullptr);
  const std::string bad = "x\xff\xfe\xc0\x80 \xed\xa0\x80 \xe6\x9d \xf8\x88\x80\x80\x80 end\xe6";
  const std::vector<int32_t> a = spm->Encode(bad, true, true);
  EXPECT_FALSE(a.empty());
  const std::vector<int32_t> b = gpt2->Encode(bad, true, true);
  EXPECT_FALSE(b.empty());
  EXPECT_TRUE(IsValidUtf8(spm->Decode(a)));
  EXPECT_TRUE(IsValidUtf8(gpt2->Decode(b)));
  // llama.cpp reads a stray byte as U+FFFD before byte-level BPE.
  EXPECT_EQ(gpt2->Encode("\xff", false, false), gpt2->Encode("\xEF\xBF\xBD", false, false));
}

TEST(Tokenizer, LongInputEncodes) {
  std::unique_ptr<gguf::File> f1, f2;
  auto spm = Spm(&f1);
  auto gpt2 = Gpt2(&f2);
  ASSERT_NE(spm, nullptr);
  ASSERT_NE(gpt2, nullptr);
  std::string text;
  while (text.size() < 64 * 1024)
    text += "The quick brown fox, 東京 🚀 jumps over 12345 lazy dogs.\n";
  for (const Tokenizer* tok : {spm.get(), gpt2.get()}) {
    const std::vector<int32_t> ids = tok->Encode(text, false, true);
    EXPECT_GT(ids.size(), text.size() / 8);
    EXPECT_EQ(tok->Decode(ids), text);
  }
  const std::string word(100000, 'x');
  EXPECT_FALSE(spm->Encode(word, false, false).empty());
  EXPECT_FALSE(gpt2->Encode(word, false, false).empty());
}

TEST(StreamingDecoder, CjkOverByteTokensAndEmoji) {
  std::unique_ptr<gguf::File> f1, f2;
  auto spm = Spm(&f1);
  ASSERT_NE(spm, nullptr);
  // 東 (U+6771) as three byte tokens: nothing until the character is complete.
  StreamingDecoder dec(*spm);
  EXPECT_EQ(dec.Push(*spm->FindToken("<0xE6>")), "");
  EXPECT_EQ(dec.Push(*spm->FindToken("<0x9D>")), "");
  EXPECT_EQ(dec.Push(*spm->FindToken("<0xB1>")), "\xE6\x9D\xB1");
  EXPECT_EQ(dec.Push(*spm->FindToken("\xE2\x96\x81"
                                     "a")),
            " a");
  EXPECT_EQ(dec.Flush(), "");
  // Byte-level: an emoji spread over several tokens.
  auto gpt2 = Gpt2(&f2);
  ASSERT_NE(gpt2, nullptr);
  const std::string text = "go 🚀👩‍💻 東京!";
  std::vector<int32_t> ids = gpt2->Encode(text, false, false);
  StreamingDecoder stream(*gpt2);
  std::string all;
  for (int32_t id : ids) {
    const std::string part = stream.Push(id);
    EXPECT_TRUE(IsValidUtf8(part));
    all += part;
  }
  all += stream.Flush();
  EXPECT_EQ(all, text);
}

// Each oracle step's piece is TokenToPiece of its token (where the piece is whole UTF-8).
TEST(TokenizerFixtures, OraclePieces) {
  const fs::path root = fs::path(INFERNO_SHARED_DIR) / "fixtures";
  int checked = 0;
  for (const auto& dir : fs::directory_iterator(root / "oracle")) {
    const fs::path model = root / "models" / (dir.path().filename().string() + ".gguf");
    if (!fs::exists(model)) continue;
    std::unique_ptr<gguf::File> file;
    std::unique_ptr<Tokenizer> tok = LoadTokenizer(model.string(), &file);
    ASSERT_NE(tok, nullptr);
    const std::string js = ReadAll(dir.path() / "en.json");
    for (size_t at = js.find("{\"token\":"); at != std::string::npos;
         at = js.find("{\"token\":", at + 1)) {
      const int32_t id = std::stoi(js.substr(at + 9));
      const std::string piece = JsonString(js.substr(at), "piece");
      const std::string mine = tok->TokenToPiece(id);
      if (!IsValidUtf8(mine)) continue;
      EXPECT_EQ(mine, piece) << dir.path() << " token " << id;
      ++checked;
    }
  }
  EXPECT_GT(checked, 0);
}

TEST(Tokenizer, UnknownModelAndPreAreClearErrors) {
  for (const auto& [model, pre, expect] :
       std::vector<std::tuple<std::string, std::string, std::string>>{
           {"t5", "", "supported: llama, gpt2, bert"},
           {"gpt2", "no-such-pre", "supported: default, gpt-2"}}) {
    gguf::Writer w;
    w.AddString("tokenizer.ggml.model", model);
    if (!pre.empty()) w.AddString("tokenizer.ggml.pre", pre);
    w.AddStringArray("tokenizer.ggml.tokens", {"a", "b"});
    w.AddStringArray("tokenizer.ggml.merges", {"a b"});
    const std::vector<uint8_t> img = w.Serialize();
    Result<std::unique_ptr<gguf::File>> f = gguf::File::FromMemory("v.gguf", img);
    ASSERT_TRUE(f.ok());
    Result<std::unique_ptr<Tokenizer>> t = Tokenizer::FromGguf(**f);
    ASSERT_FALSE(t.ok());
    EXPECT_NE(t.status().message().find(expect), std::string::npos) << t.status().message();
  }
}

}  // namespace
}  // namespace inferno
