#define PCRE2_CODE_UNIT_WIDTH 8
#include "engine/tokenizer/pretokenizer.h"

#include <pcre2.h>

#include <cstring>

namespace inferno {
namespace {

// The word-splitting rules of each tokenizer family (the patterns its authors published).
constexpr const char* kGpt2 =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";
constexpr const char* kLlama3 =
    R"((?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
constexpr const char* kQwen2 =
    R"((?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
constexpr const char* kGpt2NoTrailing =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S))";
constexpr const char* kCjk = "[\u4e00-\u9fa5\u0800-\u4e00\uac00-\ud7ff]+";

struct Family {
  const char* names;  // space separated tokenizer.ggml.pre values
  std::vector<const char*> patterns;
};

const std::vector<Family>& Families() {
  static const std::vector<Family> kFamilies = {
      {"gpt-2 phi-2 mpt olmo jais gpt2 jina-es jina-de jina-v2-es jina-v2-de roberta-bpe "
       "jina-v1-en jina-v2-code trillion exaone4 chameleon",
       {kGpt2}},
      {"llama3 llama-v3 llama-bpe falcon3 falcon-h1 pixtral dbrx smaug-bpe chatglm-bpe glm4 "
       "midm-2.0 lfm2",
       {kLlama3}},
      {"qwen2 deepseek-r1-qwen stablelm2 megrez hunyuan", {kQwen2}},
      {"deepseek-coder", {R"([\r\n])", R"(\s?\p{L}+)", R"(\s?\p{P}+)", kCjk, R"(\p{N})"}},
      {"deepseek-llm",
       {R"([\r\n])", R"(\s?\p{L}+)",
        R"(\s?[!-/:-~\x{FF01}-\x{FF0F}\x{FF1A}-\x{FF5E}\x{2018}-\x{201F}\x{3000}-\x{3002}]+)",
        R"(\s+$)", kCjk, R"(\p{N}+)"}},
      {"deepseek-v3",
       {R"(\p{N}{1,3})", "[\u4e00-\u9fa5\u3040-\u309f\u30a0-\u30ff]+",
        R"([!"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~][A-Za-z]+|[^\r\n\p{L}\p{P}\p{S}]?[\p{L}\p{M}]+| ?[\p{P}\p{S}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)"}},
      {"falcon", {R"([\p{P}\$\+<=>\^~\|`]+)", kGpt2NoTrailing, "[0-9][0-9][0-9]"}},
      {"starcoder refact command-r smollm codeshell exaone minerva-7b",
       {R"(\p{N})", kGpt2NoTrailing}},
      {"default", {R"([\p{P}\$\+<=>\^~\|]+)", kGpt2NoTrailing, R"(\p{N}+)", "[0-9][0-9][0-9]"}},
  };
  return kFamilies;
}

bool NameIn(std::string_view name, const char* names) {
  std::string_view list(names);
  size_t pos = 0;
  while (pos < list.size()) {
    size_t end = list.find(' ', pos);
    if (end == std::string_view::npos) end = list.size();
    if (list.substr(pos, end - pos) == name) return true;
    pos = end + 1;
  }
  return false;
}

}  // namespace

struct PreTokenizer::Regex {
  pcre2_code* code = nullptr;
  ~Regex() { pcre2_code_free(code); }
};

PreTokenizer::~PreTokenizer() = default;

std::string PreTokenizer::SupportedNames() {
  std::string out;
  for (const Family& f : Families()) {
    std::string names = f.names;
    for (char& c : names) c = c == ' ' ? ',' : c;
    out += (out.empty() ? "" : ",") + names;
  }
  std::string spaced;
  for (char c : out) spaced += c == ',' ? std::string(", ") : std::string(1, c);
  return spaced;
}

Result<std::unique_ptr<PreTokenizer>> PreTokenizer::Create(std::string_view name) {
  if (name.empty()) name = "default";
  const Family* family = nullptr;
  for (const Family& f : Families()) {
    if (NameIn(name, f.names)) family = &f;
  }
  if (family == nullptr) {
    return Status::Unsupported("pre-tokenizer '" + std::string(name) +
                               "' is not supported (supported: " + SupportedNames() + ")");
  }
  std::unique_ptr<PreTokenizer> p(new PreTokenizer());
  for (const char* pattern : family->patterns) {
    int error = 0;
    PCRE2_SIZE offset = 0;
    auto re = std::make_unique<Regex>();
    re->code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern), PCRE2_ZERO_TERMINATED,
                             PCRE2_UTF | PCRE2_UCP | PCRE2_NO_UTF_CHECK, &error, &offset, nullptr);
    if (re->code == nullptr) {
      PCRE2_UCHAR msg[256];
      pcre2_get_error_message(error, msg, sizeof msg);
      return Status::Unsupported("pre-tokenizer '" + std::string(name) + "': regex error " +
                                 reinterpret_cast<const char*>(msg));
    }
    pcre2_jit_compile(re->code, PCRE2_JIT_COMPLETE);  // optional speed-up; falls back if absent
    p->regexes_.push_back(std::move(re));
  }
  return p;
}

std::vector<std::string_view> PreTokenizer::Split(std::string_view text) const {
  // Each regex refines the pieces of the previous one; text between matches is kept as
  // its own piece, so nothing is ever dropped.
  std::vector<std::string_view> pieces = {text};
  pcre2_match_data* md = nullptr;
  for (const auto& re : regexes_) {
    if (md == nullptr) md = pcre2_match_data_create(4, nullptr);
    std::vector<std::string_view> next;
    for (std::string_view piece : pieces) {
      size_t pos = 0, last = 0;
      const auto* subject = reinterpret_cast<PCRE2_SPTR>(piece.data());
      while (pos <= piece.size()) {
        const int rc =
            pcre2_match(re->code, subject, piece.size(), pos, PCRE2_NO_UTF_CHECK, md, nullptr);
        if (rc < 0) break;
        const PCRE2_SIZE* ov = pcre2_get_ovector_pointer(md);
        const size_t start = ov[0], end = ov[1];
        if (end == start) {  // empty match: step over one character
          pos = end + 1;
          while (pos < piece.size() && (static_cast<unsigned char>(piece[pos]) & 0xC0) == 0x80)
            ++pos;
          continue;
        }
        if (start > last) next.push_back(piece.substr(last, start - last));
        next.push_back(piece.substr(start, end - start));
        last = pos = end;
      }
      if (last < piece.size()) next.push_back(piece.substr(last));
    }
    pieces = std::move(next);
  }
  if (md != nullptr) pcre2_match_data_free(md);
  return pieces;
}

}  // namespace inferno
