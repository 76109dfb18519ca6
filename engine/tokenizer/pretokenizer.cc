#define PCRE2_CODE_UNIT_WIDTH 8
#include "engine/tokenizer/pretokenizer.h"

#include <pcre2.h>

#include <string_view>

#include "engine/util/utf8.h"

namespace inferno {
namespace {

// ---- The word-splitting rules of each tokenizer family ----
//
// Written as the tokenizers' authors published them (tokenizer.json), in the variants
// llama.cpp runs: case-insensitive groups spelled out, possessive quantifiers made greedy.
// Two deliberate adaptations keep PCRE2 in step with llama.cpp's matcher:
//  * `\s` is Unicode White_Space there; RewriteWhitespace() spells that set out, because
//    PCRE2's \s is a slightly different set.
//  * llama.cpp classifies ASCII '~' as neither \p{P} nor \p{S}; only the DeepSeek-V3 rule
//    can observe that, and it spells the exception out.

constexpr std::string_view kGpt2 =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S))";
constexpr std::string_view kLlama3 =
    R"((?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
constexpr std::string_view kQwen2 =
    R"((?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
// CJK and other scripts: U+4E00..U+9FA5, U+0800..U+4E00, U+AC00..U+D7FF. llama.cpp matches
// such rules after turning non-ASCII whitespace into U+000B, so the White_Space characters
// inside U+0800..U+4E00 are cut out of the range.
constexpr std::string_view kCjk =
    R"([\x{4E00}-\x{9FA5}\x{0800}-\x{167F}\x{1681}-\x{1FFF}\x{200B}-\x{2027}\x{202A}-\x{202E})"
    R"(\x{2030}-\x{205E}\x{2060}-\x{2FFF}\x{3001}-\x{4E00}\x{AC00}-\x{D7FF}]+)";
// DeepSeek LLM's letters: the cased letters of the scripts it was trained on (not \p{L}:
// CJK and other uncased scripts are split by the later rules).
constexpr std::string_view kDeepseekLetters =
    R"(\s?[A-Za-z\x{B5}\x{C0}-\x{D6}\x{D8}-\x{F6}\x{F8}-\x{1BA}\x{1BC}-\x{1BF}\x{1C4}-\x{293})"
    R"(\x{295}-\x{2AF}\x{370}-\x{373}\x{376}\x{377}\x{37B}-\x{37D}\x{37F}\x{386}\x{388}-\x{38A})"
    R"(\x{38C}\x{38E}-\x{3A1}\x{3A3}-\x{3F5}\x{3F7}-\x{481}\x{48A}-\x{52F}\x{531}-\x{556})"
    R"(\x{10A0}-\x{10C5}\x{13A0}-\x{13F5}\x{13F8}-\x{13FD}\x{1C90}-\x{1CBA}\x{1CBD}-\x{1CBF})"
    R"(\x{1D00}-\x{1D2B}\x{1D6B}-\x{1D77}\x{1D79}-\x{1D9A}\x{1E00}-\x{1F15}\x{1F18}-\x{1F1D})"
    R"(\x{1F20}-\x{1F45}\x{1F48}-\x{1F4D}\x{1F50}-\x{1F57}\x{1F59}\x{1F5B}\x{1F5D})"
    R"(\x{1F5F}-\x{1F7D}\x{1F80}-\x{1FB4}\x{1FB6}-\x{1FBC}\x{1FBE}\x{1FC2}-\x{1FC4})"
    R"(\x{1FC6}-\x{1FCC}\x{1FD0}-\x{1FD3}\x{1FD6}-\x{1FDB}\x{1FE0}-\x{1FEC}\x{1FF2}-\x{1FF4})"
    R"(\x{1FF6}-\x{1FFC}\x{2102}\x{2107}\x{210A}-\x{2113}\x{2115}\x{2119}-\x{211D}\x{2124})"
    R"(\x{2126}\x{2128}\x{212A}-\x{212D}\x{212F}-\x{2134}\x{2139}\x{213C}-\x{213F})"
    R"(\x{2145}-\x{2149}\x{214E}\x{2183}\x{2184}\x{2C00}-\x{2C7B}\x{2C7E}-\x{2CE4})"
    R"(\x{2CEB}-\x{2CEE}\x{2CF2}\x{2CF3}\x{A640}-\x{A66D}\x{A680}-\x{A69B}\x{A722}-\x{A76F})"
    R"(\x{A771}-\x{A787}\x{A78B}-\x{A78E}\x{AB70}-\x{ABBF}\x{FB00}-\x{FB06}\x{FB13}-\x{FB17})"
    R"(\x{FF21}-\x{FF3A}\x{FF41}-\x{FF5A}\x{10400}-\x{1044F}\x{104B0}-\x{104D3})"
    R"(\x{104D8}-\x{104FB}\x{10C80}-\x{10CB2}\x{10CC0}-\x{10CF2}\x{118A0}-\x{118DF})"
    R"(\x{1E900}-\x{1E943}]+)";
constexpr std::string_view kBloom =
    R"( ?[^(\s|.,!?\x{2026}\x{3002}\x{FF0C}\x{3001}\x{964}\x{6D4}\x{60C})]+)";
constexpr std::string_view kGpt2Default = kGpt2;
constexpr std::string_view kContractions =
    R"((?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD]))";

struct Family {
  const char* names;  // space separated tokenizer.ggml.pre values
  std::vector<std::string> patterns;
  PreTokenizerTraits traits;
};

PreTokenizerTraits Traits(bool clean_spaces, bool ignore_merges = false, bool add_bos = false,
                          bool no_bos = false) {
  PreTokenizerTraits t;
  t.clean_spaces = clean_spaces;
  t.ignore_merges = ignore_merges;
  t.add_bos = add_bos;
  t.no_bos = no_bos;
  return t;
}

const std::vector<Family>& Families() {
  static const std::vector<Family>* families = [] {
    const std::string gpt2(kGpt2Default);
    const std::string llama3(kLlama3);
    const std::string qwen2(kQwen2);
    const std::string cjk(kCjk);
    const std::string starcoder_words = gpt2;
    // Tekken / GPT-4o: "an optional non-letter, then upper-case-ish letters, then lower-case-ish
    // letters" with case decided by ASCII only, as llama.cpp's adaptation does.
    const std::string upper = R"(((?=[\p{L}])([^a-z])))";
    const std::string lower = R"(((?=[\p{L}])([^A-Z])))";
    const std::string tekken = R"([^\r\n\p{L}\p{N}]?)" + upper + "*" + lower +
                               R"(+|[^\r\n\p{L}\p{N}]?)" + upper + "+" + lower +
                               R"(*|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
    const std::string contractions(kContractions);
    const std::string gpt4o = R"([^\r\n\p{L}\p{N}]?)" + upper + "*" + lower + "+" + contractions +
                              R"(?|[^\r\n\p{L}\p{N}]?)" + upper + "+" + lower + "*" + contractions +
                              R"(?|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
    const std::vector<std::string> deepseek_llm = {
        R"([\r\n])", std::string(kDeepseekLetters),
        // (U+3000, a space, is never matched: see kCjk)
        R"(\s?[!-/:-~\x{FF01}-\x{FF0F}\x{FF1A}-\x{FF5E}\x{2018}-\x{201F}\x{3001}-\x{3002}]+)",
        R"(\s+$)", cjk, R"(\p{N}+)"};
    const std::vector<std::string> deepseek_coder = {R"([\r\n])", R"(\s?\p{L}+)", R"(\s?\p{P}+)",
                                                     cjk, R"(\p{N})"};
    const std::vector<std::string> deepseek_v3 = {
        R"(\p{N}{1,3})", R"([\x{4E00}-\x{9FA5}\x{3040}-\x{309F}\x{30A0}-\x{30FF}]+)",
        R"([!"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~][A-Za-z]+|(?:~|[^\r\n\p{L}\p{P}\p{S}])?[\p{L}\p{M}]+| ?(?:(?!~)[\p{P}\p{S}])+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)"};
    const std::vector<std::string> falcon = {R"([\p{P}\$\+<=>\^~\|`]+)", gpt2, "[0-9][0-9][0-9]"};
    const std::vector<std::string> starcoder = {R"(\p{N})", starcoder_words};
    const std::vector<std::string> bloom = {std::string(kBloom)};
    const std::vector<std::string> viking = {std::string(kBloom), R"(\p{N})"};
    const std::vector<std::string> chameleon = {
        "<sentinel:[0-9]+>",       "(IMGIMG)((A|B|C|D|E|F|G|H|I){1,4})Z",
        "([\\t\\n]|    |  )",      R"(\p{N})",
        R"([\p{P}!-/:-@\[-`{-~])", gpt2};
    const std::vector<std::string> superbpe = {R"(\p{N}+)", "(?=([0-9]{3})+(?![0-9]))"};
    const std::vector<std::string> bailing = {
        R"('(?:[sSdDmMtT]|[lL][lL]|[vV][eE]|[rR][eE])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]|\s+(?!\S)|\s+)"};
    const std::vector<std::string> seed_coder = {
        contractions +
        R"(|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1}| ?[^\s\p{L}\p{N}\r\n]+|\s*[\r\n]+|\s+(?!\S)|\s+)"};
    const std::vector<std::string> generic = {R"([\p{P}\$\+<=>\^~\|]+)", gpt2, R"(\p{N}+)",
                                              "[0-9][0-9][0-9]"};
    return new std::vector<Family>{
        {"default", generic, Traits(false)},
        {"gpt-2 phi-2 jina-es jina-de gigachat jina-v2-es jina-v2-de a.x-4.0 jina-v1-en "
         "jina-v2-code roberta-bpe mpt olmo jais exaone4",
         {gpt2},
         Traits(true)},
        {"trillion", {gpt2}, Traits(false)},
        {"llama3 llama-v3 llama-bpe falcon3 falcon-h1 pixtral midm-2.0 lfm2",
         {llama3},
         Traits(true, /*ignore_merges=*/true, /*add_bos=*/true)},
        {"dbrx smaug-bpe", {llama3}, Traits(true)},
        {"glm4 chatglm-bpe", {llama3}, Traits(true, false, false, /*no_bos=*/true)},
        {"qwen2 deepseek-r1-qwen hunyuan", {qwen2}, Traits(false)},
        {"stablelm2 megrez", {qwen2}, Traits(true)},
        {"deepseek-llm", deepseek_llm, Traits(false)},
        {"deepseek-coder", deepseek_coder, Traits(false)},
        {"deepseek-v3", deepseek_v3, Traits(false)},
        {"falcon", falcon, Traits(true)},
        {"starcoder refact codeshell exaone minerva-7b", starcoder, Traits(true)},
        {"command-r smollm", starcoder, Traits(false)},
        {"bloom gpt3-finnish", bloom, Traits(true)},
        {"poro-chat", bloom, Traits(false)},
        {"viking", viking, Traits(false)},
        {"tekken", {tekken}, Traits(false, true, true)},
        {"chameleon", chameleon, Traits(false, false, true)},
        // o200k (GPT-4o, gpt-oss, Llama 4) and the tokenizers llama.cpp maps to the same rule.
        {"gpt-4o llama4 kanana2 talkie minimax-m2", {gpt4o}, Traits(false)},
        {"superbpe", superbpe, Traits(false)},
        {"bailingmoe", bailing, Traits(false)},
        {"seed-coder", seed_coder, Traits(false)},
    };
  }();
  return *families;
}

bool NameIn(std::string_view name, std::string_view list) {
  size_t pos = 0;
  while (pos < list.size()) {
    size_t end = list.find(' ', pos);
    if (end == std::string_view::npos) end = list.size();
    if (list.substr(pos, end - pos) == name) return true;
    pos = end + 1;
  }
  return false;
}

// Unicode White_Space, which is what \s means in llama.cpp. PCRE2's \s differs: it lacks
// U+0085 and has U+180E, and depends on the library's Unicode version.
constexpr std::string_view kWhiteSpace =
    R"(\t\n\x{0B}\f\r \x{85}\x{A0}\x{1680}\x{2000}-\x{200A}\x{2028}\x{2029}\x{202F}\x{205F}\x{3000})";

// Replaces \s and \S by explicit White_Space classes.
std::string RewriteWhitespace(std::string_view pattern) {
  std::string out;
  bool in_class = false;
  for (size_t i = 0; i < pattern.size(); ++i) {
    const char c = pattern[i];
    if (c == '\\' && i + 1 < pattern.size()) {
      const char e = pattern[++i];
      if (e == 's') {
        if (in_class) {
          out += kWhiteSpace;
        } else {
          out += '[';
          out += kWhiteSpace;
          out += ']';
        }
      } else if (e == 'S' && !in_class) {
        out += "[^";
        out += kWhiteSpace;
        out += ']';
      } else {
        out += c;
        out += e;
      }
      continue;
    }
    if (c == '[' && !in_class) {
      in_class = true;
      out += c;
      // A ']' right after '[' or '[^' is a literal member, not the end of the class.
      if (i + 1 < pattern.size() && pattern[i + 1] == '^') out += pattern[++i];
      if (i + 1 < pattern.size() && pattern[i + 1] == ']') out += pattern[++i];
      continue;
    }
    if (c == ']' && in_class) in_class = false;
    out += c;
  }
  return out;
}

// llama.cpp's lenient UTF-8 decoding of one code point at s[*pos]: only the lead byte and
// the continuation bytes' top bits are checked, so overlong forms and surrogates decode.
// Returns false (and advances one byte) where it would substitute U+FFFD.
bool LenientDecode(std::string_view s, size_t* pos, uint32_t* cp) {
  const auto b = [&](size_t k) { return static_cast<uint8_t>(s[*pos + k]); };
  const size_t left = s.size() - *pos;
  const uint8_t b0 = b(0);
  auto cont = [&](size_t k) { return k < left && (b(k) & 0xC0) == 0x80; };
  if (b0 < 0x80) {
    *cp = b0;
    *pos += 1;
    return true;
  }
  if ((b0 & 0x40) == 0) {  // a continuation byte cannot start a sequence
  } else if ((b0 & 0x20) == 0) {
    if (cont(1)) {
      *cp = (uint32_t(b0 & 0x1F) << 6) | (b(1) & 0x3F);
      *pos += 2;
      return true;
    }
  } else if ((b0 & 0x10) == 0) {
    if (cont(1) && cont(2)) {
      *cp = (uint32_t(b0 & 0x0F) << 12) | (uint32_t(b(1) & 0x3F) << 6) | (b(2) & 0x3F);
      *pos += 3;
      return true;
    }
  } else if ((b0 & 0x08) == 0) {
    if (cont(1) && cont(2) && cont(3)) {
      *cp = (uint32_t(b0 & 0x07) << 18) | (uint32_t(b(1) & 0x3F) << 12) |
            (uint32_t(b(2) & 0x3F) << 6) | (b(3) & 0x3F);
      *pos += 4;
      // Beyond U+10FFFF llama.cpp fails outright; a replacement character is kinder.
      return *cp <= 0x10FFFF;
    }
  }
  *pos += 1;
  return false;
}

// A copy of `text` that PCRE2 accepts in UTF mode, with every code point at the same byte
// offset: surrogates become U+E000 (also "other", 3 bytes) and stray bytes become U+001A.
// Empty when `text` is already valid UTF-8.
std::string MatchableCopy(std::string_view text) {
  if (IsValidUtf8(text)) return {};
  std::string out;
  out.reserve(text.size());
  for (size_t pos = 0; pos < text.size();) {
    const size_t start = pos;
    uint32_t cp = 0;
    const bool ok = LenientDecode(text, &pos, &cp);
    const size_t len = pos - start;
    if (ok && cp >= 0xD800 && cp <= 0xDFFF && len == 3) {
      out += "\xEE\x80\x80";
    } else if (ok && IsValidUtf8(text.substr(start, len))) {
      out.append(text.substr(start, len));
    } else {
      out.append(len, '\x1A');
    }
  }
  return out;
}

// Per-thread PCRE2 working memory: matching is reentrant, so tokenizers can be shared by
// threads, but match data and the JIT stack must not be.
struct MatchScratch {
  pcre2_match_data* data = nullptr;
  pcre2_match_context* context = nullptr;
  pcre2_jit_stack* jit_stack = nullptr;
  MatchScratch() {
    data = pcre2_match_data_create(8, nullptr);
    context = pcre2_match_context_create(nullptr);
    // Long runs (a huge word, a page of spaces) need more than the default 32 KiB.
    jit_stack = pcre2_jit_stack_create(32 * 1024, 8 * 1024 * 1024, nullptr);
    if (context != nullptr && jit_stack != nullptr) {
      pcre2_jit_stack_assign(context, nullptr, jit_stack);
    }
  }
  ~MatchScratch() {
    pcre2_jit_stack_free(jit_stack);
    pcre2_match_context_free(context);
    pcre2_match_data_free(data);
  }
};

MatchScratch& Scratch() {
  thread_local MatchScratch scratch;
  return scratch;
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
    for (std::string_view names = f.names; !names.empty();) {
      const size_t end = std::min(names.find(' '), names.size());
      if (!out.empty()) out += ", ";
      out += names.substr(0, end);
      names.remove_prefix(std::min(end + 1, names.size()));
    }
  }
  return out;
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
  p->traits_ = family->traits;
  for (const std::string& raw : family->patterns) {
    const std::string pattern = RewriteWhitespace(raw);
    int error = 0;
    PCRE2_SIZE offset = 0;
    auto re = std::make_unique<Regex>();
    // DOLLAR_ENDONLY: '$' means the end of the piece, as in ECMAScript, not "before a final
    // newline".
    re->code =
        pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                      PCRE2_UTF | PCRE2_UCP | PCRE2_DOLLAR_ENDONLY, &error, &offset, nullptr);
    if (re->code == nullptr) {
      PCRE2_UCHAR msg[256];
      pcre2_get_error_message(error, msg, sizeof msg);
      return Status::Unsupported("pre-tokenizer '" + std::string(name) + "': regex error at " +
                                 std::to_string(offset) + ": " +
                                 reinterpret_cast<const char*>(msg));
    }
    pcre2_jit_compile(re->code, PCRE2_JIT_COMPLETE);  // optional speed-up; falls back if absent
    p->regexes_.push_back(std::move(re));
  }
  return p;
}

std::vector<std::string_view> PreTokenizer::Split(std::string_view text) const {
  std::vector<std::string_view> pieces;
  if (text.empty()) return pieces;
  const std::string safe = MatchableCopy(text);
  const std::string_view subject_text = safe.empty() ? text : std::string_view(safe);
  const auto* subject = reinterpret_cast<PCRE2_SPTR>(subject_text.data());
  MatchScratch& scratch = Scratch();

  // Pieces are byte ranges; each regex refines those of the previous one. Text between
  // matches is kept as its own piece, so nothing is ever dropped.
  std::vector<std::pair<size_t, size_t>> ranges = {{0, text.size()}}, next;
  for (const auto& re : regexes_) {
    next.clear();
    for (const auto& [begin, end] : ranges) {
      const size_t length = end - begin;
      size_t pos = 0, last = 0;
      uint32_t options = 0;
      while (pos <= length) {
        const int rc = pcre2_match(re->code, subject + begin, length, pos,
                                   options | PCRE2_NO_UTF_CHECK, scratch.data, scratch.context);
        if (rc < 0 && rc != PCRE2_ERROR_NOMATCH) break;  // e.g. resource limits: keep as is
        if (rc == PCRE2_ERROR_NOMATCH) {
          if (options == 0) break;
          // After an empty match, no non-empty match starts here: move one character on.
          options = 0;
          ++pos;
          while (pos < length && (subject[begin + pos] & 0xC0) == 0x80) ++pos;
          continue;
        }
        const PCRE2_SIZE* ov = pcre2_get_ovector_pointer(scratch.data);
        const size_t s = ov[0], e = ov[1];
        // An empty match still marks a boundary (as std::regex_iterator does in llama.cpp).
        if (s > last) next.emplace_back(begin + last, begin + s);
        if (e > s) next.emplace_back(begin + s, begin + e);
        last = e;
        pos = e;
        options = e == s ? PCRE2_NOTEMPTY_ATSTART | PCRE2_ANCHORED : 0;
      }
      if (last < length) next.emplace_back(begin + last, end);
    }
    ranges.swap(next);
  }
  pieces.reserve(ranges.size());
  for (const auto& [begin, end] : ranges) pieces.push_back(text.substr(begin, end - begin));
  return pieces;
}

std::string CanonicalUtf8(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 8);
  for (size_t pos = 0; pos < text.size();) {
    uint32_t cp = 0;
    if (LenientDecode(text, &pos, &cp)) {
      AppendUtf8(cp, &out);  // surrogates as they are (3 bytes), as llama.cpp keeps them
    } else {
      out += "\xEF\xBF\xBD";
    }
  }
  return out;
}

}  // namespace inferno
