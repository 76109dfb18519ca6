#include "engine/convert/vocab.h"

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "engine/convert/json_file.h"
#include "engine/convert/sentencepiece_model.h"

namespace inferno::convert {
namespace {

namespace fs = std::filesystem;

// Split patterns of Hugging Face byte-level pre-tokenizers and the names llama.cpp gives
// them (its converter identifies them by their output on a probe text; the regex that
// produces that output is the same information).
struct KnownPre {
  const char* name;
  const char* regex;
};
constexpr KnownPre kKnownPres[] = {
    {"llama-bpe",
     R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)"},
    {"qwen2",
     R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)"},
    {"gpt-2", R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)"},
};

std::string TokenContent(const boost::json::value* v) {
  if (v == nullptr) return "";
  if (v->is_string()) return std::string(v->as_string());
  if (v->is_object()) {
    const auto* c = v->as_object().if_contains("content");
    if (c != nullptr && c->is_string()) return std::string(c->as_string());
  }
  return "";
}

// An id from config.json: an integer, or the first of a list.
std::optional<int64_t> ConfigId(const boost::json::object& o, const char* key) {
  const boost::json::value* v = o.if_contains(key);
  if (v == nullptr) return std::nullopt;
  if (v->is_array() && !v->as_array().empty()) v = &v->as_array()[0];
  if (v->is_int64()) return v->as_int64();
  if (v->is_uint64()) return int64_t(v->as_uint64());
  return std::nullopt;
}

struct AddedToken {
  int64_t id;
  std::string content;
  bool special;
};

// Added tokens from tokenizer.json ("added_tokens": [{id, content, special}]) and
// tokenizer_config.json ("added_tokens_decoder": {"id": {content, special}}).
Status CollectAdded(const boost::json::object* tok_json, const boost::json::object* tok_config,
                    std::vector<AddedToken>* out) {
  if (tok_json != nullptr) {
    if (const auto* a = tok_json->if_contains("added_tokens"); a != nullptr && a->is_array()) {
      for (const auto& e : a->as_array()) {
        if (!e.is_object()) continue;
        const auto& o = e.as_object();
        const auto* id = o.if_contains("id");
        if (id == nullptr || !id->is_number()) continue;
        const auto* sp = o.if_contains("special");
        out->push_back({id->to_number<int64_t>(), TokenContent(&e),
                        sp != nullptr && sp->is_bool() && sp->as_bool()});
      }
    }
  }
  if (tok_config != nullptr) {
    if (const auto* d = tok_config->if_contains("added_tokens_decoder");
        d != nullptr && d->is_object()) {
      for (const auto& kv : d->as_object()) {
        char* end = nullptr;
        const std::string key(kv.key());
        const long long id = std::strtoll(key.c_str(), &end, 10);
        if (end == key.c_str() || *end != '\0' || id < 0) {
          return Status::Corruption("tokenizer_config.json: added_tokens_decoder key '" + key +
                                    "' is not a token id");
        }
        const auto* sp =
            kv.value().is_object() ? kv.value().as_object().if_contains("special") : nullptr;
        out->push_back(
            {id, TokenContent(&kv.value()), sp != nullptr && sp->is_bool() && sp->as_bool()});
      }
    }
  }
  return Status::Ok();
}

Status LoadSentencePiece(const std::string& path, GgufVocab* v) {
  Result<SpmModel> m = ReadSpmModel(path);
  if (!m.ok()) return m.status();
  v->model = "llama";
  v->pre = "default";
  for (const SpmModel::Piece& p : m->pieces) {
    v->tokens.push_back(p.text);
    v->scores.push_back(p.score);
    // SentencePiece's piece types are numbered as GGUF's token types.
    v->types.push_back(p.type);
  }
  v->add_space_prefix = m->add_dummy_prefix;
  const int64_t n = int64_t(v->tokens.size());
  auto valid = [&](int id) { return id >= 0 && id < n ? id : -1; };
  v->unk = valid(m->unk_id);
  v->bos = valid(m->bos_id);
  v->eos = valid(m->eos_id);
  v->pad = valid(m->pad_id);
  return Status::Ok();
}

// True when the tokenizer.json prepends "▁" to the text (SentencePiece's dummy prefix),
// through a Prepend normalizer or a Metaspace pre-tokenizer.
bool PrependsSpace(const boost::json::object& tj) {
  auto check = [](const boost::json::value& v, auto& self) -> bool {
    if (!v.is_object()) return false;
    const auto& o = v.as_object();
    const auto* type = o.if_contains("type");
    if (type == nullptr || !type->is_string()) return false;
    if (type->as_string() == "Prepend") return true;
    if (type->as_string() == "Metaspace") {
      const auto* scheme = o.if_contains("prepend_scheme");
      if (scheme != nullptr && scheme->is_string()) return scheme->as_string() != "never";
      const auto* add = o.if_contains("add_prefix_space");
      return add == nullptr || (add->is_bool() && add->as_bool());
    }
    for (const char* list : {"normalizers", "pretokenizers"}) {
      if (const auto* l = o.if_contains(list); l != nullptr && l->is_array()) {
        for (const auto& e : l->as_array()) {
          if (self(e, self)) return true;
        }
      }
    }
    return false;
  };
  for (const char* key : {"normalizer", "pre_tokenizer"}) {
    if (const auto* v = tj.if_contains(key); v != nullptr && check(*v, check)) return true;
  }
  return false;
}

// A SentencePiece-style BPE stored as tokenizer.json (byte_fallback, "▁" for spaces):
// GGUF's "llama" tokenizer merges the adjacent pair with the highest score, so each token
// made by a merge gets the score −(rank + 1) and merge priority is preserved; byte tokens
// <0xXX> are typed as bytes and the model's unk_token as unknown.
Status SentencePieceFromBpe(const boost::json::object& tj, const boost::json::object& mo,
                            GgufVocab* v) {
  v->model = "llama";
  v->pre = "default";
  v->scores.assign(v->tokens.size(), 0.0f);
  std::map<std::string, int32_t> ids;
  for (size_t i = 0; i < v->tokens.size(); ++i) {
    if (v->types[i] != 0) ids.emplace(v->tokens[i], int32_t(i));
  }
  std::vector<bool> scored(v->tokens.size(), false);
  for (size_t r = 0; r < v->merges.size(); ++r) {
    const std::string& m = v->merges[r];
    const size_t sp = m.find(' ', 1);
    if (sp == std::string::npos) continue;
    auto it = ids.find(m.substr(0, sp) + m.substr(sp + 1));
    if (it == ids.end() || scored[size_t(it->second)]) continue;
    scored[size_t(it->second)] = true;
    v->scores[size_t(it->second)] = -float(r + 1);
  }
  v->merges.clear();
  for (size_t i = 0; i < v->tokens.size(); ++i) {
    const std::string& t = v->tokens[i];
    if (t.size() == 6 && t.rfind("<0x", 0) == 0 && t.back() == '>') v->types[i] = kTokByte;
  }
  if (const auto* unk = mo.if_contains("unk_token"); unk != nullptr && unk->is_string()) {
    auto it = ids.find(std::string(unk->as_string()));
    if (it != ids.end()) {
      v->types[size_t(it->second)] = kTokUnknown;
      v->unk = it->second;
    }
  }
  v->add_space_prefix = PrependsSpace(tj);
  return Status::Ok();
}

Status LoadBpe(const std::string& path, const boost::json::object& tj, const VocabOptions& opt,
               GgufVocab* v) {
  const auto* model = tj.if_contains("model");
  if (model == nullptr || !model->is_object()) {
    return Status::Corruption(path + ": 'model' missing or not an object");
  }
  const auto& mo = model->as_object();
  const auto* type = mo.if_contains("type");
  if (type == nullptr || !type->is_string() || type->as_string() != "BPE") {
    return Status::Unsupported(
        path + ": only BPE tokenizers are supported (model.type is '" +
        (type != nullptr && type->is_string() ? std::string(type->as_string()) : std::string("?")) +
        "')");
  }
  const auto* vocab = mo.if_contains("vocab");
  if (vocab == nullptr || !vocab->is_object()) {
    return Status::Corruption(path + ": 'model.vocab' missing or not an object");
  }
  v->model = "gpt2";
  for (const auto& kv : vocab->as_object()) {
    if (!kv.value().is_number()) {
      return Status::Corruption(path + ": vocab entry '" + std::string(kv.key()) +
                                "' has no integer id");
    }
    const int64_t id = kv.value().to_number<int64_t>();
    if (id < 0 || id >= (1 << 22)) {
      return Status::Corruption(path + ": vocab id " + std::to_string(id) + " out of range");
    }
    if (size_t(id) >= v->tokens.size()) {
      v->tokens.resize(size_t(id) + 1);
      v->types.resize(size_t(id) + 1, 0);
    }
    v->tokens[size_t(id)] = std::string(kv.key());
    v->types[size_t(id)] = kTokNormal;
  }
  if (const auto* merges = mo.if_contains("merges"); merges != nullptr && merges->is_array()) {
    for (const auto& m : merges->as_array()) {
      if (m.is_string()) {
        v->merges.emplace_back(m.as_string());
      } else if (m.is_array() && m.as_array().size() == 2 && m.as_array()[0].is_string() &&
                 m.as_array()[1].is_string()) {
        v->merges.push_back(std::string(m.as_array()[0].as_string()) + " " +
                            std::string(m.as_array()[1].as_string()));
      } else {
        return Status::Corruption(path + ": a merge is neither \"a b\" nor [\"a\", \"b\"]");
      }
    }
  }
  const auto* bf = mo.if_contains("byte_fallback");
  if (bf != nullptr && bf->is_bool() && bf->as_bool()) return SentencePieceFromBpe(tj, mo, v);
  if (!opt.pre_override.empty()) {
    v->pre = opt.pre_override;
  } else {
    const auto* pre = tj.if_contains("pre_tokenizer");
    v->pre = pre != nullptr ? DetectPreTokenizer(*pre) : "";
    if (v->pre.empty()) {
      return Status::Unsupported(path +
                                 ": unrecognised pre-tokenizer; pass --pre NAME with the "
                                 "llama.cpp pre-tokenizer name (e.g. gpt-2, llama-bpe, "
                                 "qwen2)");
    }
  }
  return Status::Ok();
}

int32_t FindToken(const GgufVocab& v, const std::string& text) {
  if (text.empty()) return -1;
  for (size_t i = 0; i < v.tokens.size(); ++i) {
    if (v.tokens[i] == text) return int32_t(i);
  }
  return -1;
}

Result<std::string> ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound(path + ": cannot open");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The object in `path`, or nullopt when there is no such file.
Result<std::optional<boost::json::object>> ReadJsonIfExists(const fs::path& path) {
  if (!fs::exists(path)) return std::optional<boost::json::object>();
  Result<boost::json::object> o = ReadJsonObject(path.string());
  if (!o.ok()) return o.status();
  return std::optional<boost::json::object>(std::move(o).value());
}

// added_tokens.json (older checkpoints): {"text": id}, typed user-defined unless a later
// source marks them special.
Status ReadAddedTokensJson(const fs::path& path, std::vector<AddedToken>* added) {
  if (!fs::exists(path)) return Status::Ok();
  Result<boost::json::object> a = ReadJsonObject(path.string());
  if (!a.ok()) return a.status();
  for (const auto& kv : *a) {
    if (!kv.value().is_int64() || kv.value().as_int64() < 0) {
      return Status::Corruption(path.string() + ": '" + std::string(kv.key()) +
                                "' has no token id");
    }
    added->push_back({kv.value().as_int64(), std::string(kv.key()), false});
  }
  return Status::Ok();
}

// Added tokens (added_tokens.json, tokenizer.json, tokenizer_config.json, in that order,
// later ones winning) take their ids, extending the vocabulary where needed; an id past
// the embedding's `n_vocab` rows is an error.
Status AddAddedTokens(const std::string& dir, const boost::json::object* tok_json,
                      const boost::json::object* tok_config, int64_t n_vocab, GgufVocab* v) {
  std::vector<AddedToken> added;
  INFERNO_RETURN_IF_ERROR(ReadAddedTokensJson(fs::path(dir) / "added_tokens.json", &added));
  INFERNO_RETURN_IF_ERROR(CollectAdded(tok_json, tok_config, &added));
  for (const AddedToken& a : added) {
    if (a.id >= n_vocab) {
      return Status::Corruption(dir + ": added token '" + a.content + "' has id " +
                                std::to_string(a.id) + " beyond the embedding's " +
                                std::to_string(n_vocab) + " rows");
    }
    const size_t id = size_t(a.id);
    if (id >= v->tokens.size()) {
      v->tokens.resize(id + 1);
      v->types.resize(id + 1, 0);
      if (!v->scores.empty()) v->scores.resize(id + 1, 0.0f);
    }
    v->tokens[id] = a.content;
    // SentencePiece's own control/byte pieces keep their type.
    if (v->types[id] == kTokNormal || v->types[id] == 0 || v->types[id] == kTokUserDefined) {
      v->types[id] = a.special ? kTokControl : kTokUserDefined;
    }
  }
  return Status::Ok();
}

// Pads the vocabulary to the embedding's `n_vocab` rows: ids without a token (gaps and the
// rows past the tokenizer) become unused "[PAD<id>]" tokens, as llama.cpp writes them.
Status PadToEmbedding(const std::string& dir, int64_t n_vocab, GgufVocab* v) {
  if (int64_t(v->tokens.size()) > n_vocab) {
    return Status::Corruption(dir + ": the tokenizer has " + std::to_string(v->tokens.size()) +
                              " tokens but the embedding only " + std::to_string(n_vocab) +
                              " rows");
  }
  const size_t known = v->tokens.size();
  v->tokens.resize(size_t(n_vocab));
  v->types.resize(size_t(n_vocab), 0);
  if (!v->scores.empty()) v->scores.resize(size_t(n_vocab), -1000.0f);
  for (size_t i = 0; i < v->tokens.size(); ++i) {
    if (v->types[i] == 0) {
      v->tokens[i] = "[PAD" + std::to_string(i) + "]";
      v->types[i] = kTokUnused;
      if (!v->scores.empty() && i < known) v->scores[i] = -1000.0f;
    }
  }
  return Status::Ok();
}

// Special tokens: tokenizer_config.json names them (found by text), else config.json gives
// their ids; ids outside the vocabulary are ignored and the tokenizer's own ids stay.
void SetSpecialIds(const boost::json::object* tok_config, const boost::json::object& config,
                   int64_t n_vocab, GgufVocab* v) {
  struct Special {
    const char* config_key;
    const char* id_key;
    int32_t* id;
  };
  const Special specials[] = {{"bos_token", "bos_token_id", &v->bos},
                              {"eos_token", "eos_token_id", &v->eos},
                              {"unk_token", "unk_token_id", &v->unk},
                              {"pad_token", "pad_token_id", &v->pad}};
  for (const Special& s : specials) {
    int32_t id = -1;
    if (tok_config != nullptr) {
      id = FindToken(*v, TokenContent(tok_config->if_contains(s.config_key)));
    }
    if (id < 0) {
      std::optional<int64_t> c = ConfigId(config, s.id_key);
      if (c && *c >= 0 && *c < n_vocab) id = int32_t(*c);
    }
    if (id >= 0) *s.id = id;
  }
}

// generation_config.json may list several end ids (e.g. </s> and <|im_end|>, or Llama
// 3.1's <|end_of_text|>, <|eom_id|>, <|eot_id|>). One of them that is a known end-of-turn
// token becomes eot_token_id; others (Qwen's <|endoftext|> beside its <|im_end|> EOS) are
// left to the reader, which stops on every end-of-generation token anyway.
Status SetEndOfTurn(const fs::path& d, int64_t n_vocab, GgufVocab* v) {
  if (!fs::exists(d / "generation_config.json")) return Status::Ok();
  Result<boost::json::object> gen = ReadJsonObject((d / "generation_config.json").string());
  if (!gen.ok()) return gen.status();
  const boost::json::value* e = gen->if_contains("eos_token_id");
  std::vector<int32_t> ends;
  if (e != nullptr && e->is_array()) {
    for (const auto& id : e->as_array()) {
      if (!id.is_int64() && !id.is_uint64()) continue;
      const int64_t end = id.to_number<int64_t>();
      if (end >= 0 && end < n_vocab && end != v->eos) ends.push_back(int32_t(end));
    }
  }
  static const char* kTurnEnds[] = {"<|im_end|>", "<|eot_id|>", "<|end|>", "<end_of_turn>"};
  for (const char* text : kTurnEnds) {
    for (int32_t id : ends) {
      if (v->eot < 0 && v->tokens[size_t(id)] == text) v->eot = id;
    }
  }
  return Status::Ok();
}

// add_bos_token/add_eos_token and chat_template from tokenizer_config.json. A template
// list ([{name, template}]) contributes its "default" entry.
Status ApplyTokenizerConfig(const JsonView& tc, GgufVocab* v) {
  for (auto [key, target] :
       {std::pair{"add_bos_token", &v->add_bos}, std::pair{"add_eos_token", &v->add_eos}}) {
    if (!tc.Has(key)) continue;
    Result<bool> b = tc.BoolOr(key, false);
    if (!b.ok()) return b.status();
    *target = *b;
  }
  const auto* t = tc.Get("chat_template");
  if (t == nullptr) return Status::Ok();
  if (t->is_string()) {
    v->chat_template = std::string(t->as_string());
  } else if (t->is_array()) {
    for (const auto& e : t->as_array()) {
      if (!e.is_object()) continue;
      const auto* name = e.as_object().if_contains("name");
      const auto* tmpl = e.as_object().if_contains("template");
      if (name && tmpl && name->is_string() && tmpl->is_string() &&
          name->as_string() == "default") {
        v->chat_template = std::string(tmpl->as_string());
      }
    }
  } else {
    return Status::InvalidArgument(tc.file() + ": 'chat_template' must be a string");
  }
  return Status::Ok();
}

}  // namespace

std::string DetectPreTokenizer(const boost::json::value& pre) {
  if (!pre.is_object()) return "";
  const auto& o = pre.as_object();
  const auto* type = o.if_contains("type");
  if (type == nullptr || !type->is_string()) return "";
  if (type->as_string() == "ByteLevel") {
    const auto* re = o.if_contains("use_regex");
    return re == nullptr || (re->is_bool() && re->as_bool()) ? "gpt-2" : "";
  }
  if (type->as_string() != "Sequence") return "";
  const auto* list = o.if_contains("pretokenizers");
  if (list == nullptr || !list->is_array()) return "";
  std::string regex;
  for (const auto& p : list->as_array()) {
    if (!p.is_object()) return "";
    const auto* t = p.as_object().if_contains("type");
    if (t == nullptr || !t->is_string()) return "";
    if (t->as_string() == "Split") {
      const auto* pat = p.as_object().if_contains("pattern");
      if (pat == nullptr || !pat->is_object()) return "";
      const auto* r = pat->as_object().if_contains("Regex");
      if (r == nullptr || !r->is_string() || !regex.empty()) return "";
      regex = std::string(r->as_string());
    } else if (t->as_string() != "ByteLevel") {
      return "";
    }
  }
  for (const KnownPre& k : kKnownPres) {
    if (regex == k.regex) return k.name;
  }
  return "";
}

Result<GgufVocab> LoadVocab(const std::string& dir, const boost::json::object& config,
                            int64_t n_vocab, const VocabOptions& options) {
  GgufVocab v;
  const fs::path d(dir);
  Result<std::optional<boost::json::object>> tok_config =
      ReadJsonIfExists(d / "tokenizer_config.json");
  if (!tok_config.ok()) return tok_config.status();
  Result<std::optional<boost::json::object>> tok_json = ReadJsonIfExists(d / "tokenizer.json");
  if (!tok_json.ok()) return tok_json.status();
  const boost::json::object* tc = *tok_config ? &**tok_config : nullptr;
  const boost::json::object* tj = *tok_json ? &**tok_json : nullptr;
  if (fs::exists(d / "tokenizer.model")) {
    INFERNO_RETURN_IF_ERROR(LoadSentencePiece((d / "tokenizer.model").string(), &v));
  } else if (tj != nullptr) {
    INFERNO_RETURN_IF_ERROR(LoadBpe((d / "tokenizer.json").string(), *tj, options, &v));
  } else {
    return Status::NotFound(dir + ": no tokenizer (expected tokenizer.model or tokenizer.json)");
  }
  INFERNO_RETURN_IF_ERROR(AddAddedTokens(dir, tj, tc, n_vocab, &v));
  INFERNO_RETURN_IF_ERROR(PadToEmbedding(dir, n_vocab, &v));
  SetSpecialIds(tc, config, n_vocab, &v);
  INFERNO_RETURN_IF_ERROR(SetEndOfTurn(d, n_vocab, &v));
  if (tc != nullptr) {
    INFERNO_RETURN_IF_ERROR(
        ApplyTokenizerConfig(JsonView(*tc, (d / "tokenizer_config.json").string()), &v));
  }
  if (v.chat_template.empty() && fs::exists(d / "chat_template.jinja")) {
    Result<std::string> t = ReadText((d / "chat_template.jinja").string());
    if (!t.ok()) return t.status();
    v.chat_template = *t;
  }
  return v;
}

void GgufVocab::WriteTo(gguf::Writer& w) const {
  w.AddString("tokenizer.ggml.model", model);
  w.AddString("tokenizer.ggml.pre", pre);
  w.AddStringArray("tokenizer.ggml.tokens", tokens);
  if (!scores.empty()) w.AddF32Array("tokenizer.ggml.scores", scores);
  w.AddI32Array("tokenizer.ggml.token_type", types);
  if (!merges.empty()) w.AddStringArray("tokenizer.ggml.merges", merges);
  if (bos >= 0) w.AddU32("tokenizer.ggml.bos_token_id", uint32_t(bos));
  if (eos >= 0) w.AddU32("tokenizer.ggml.eos_token_id", uint32_t(eos));
  if (unk >= 0) w.AddU32("tokenizer.ggml.unknown_token_id", uint32_t(unk));
  if (pad >= 0) w.AddU32("tokenizer.ggml.padding_token_id", uint32_t(pad));
  if (eot >= 0) w.AddU32("tokenizer.ggml.eot_token_id", uint32_t(eot));
  if (add_bos) w.AddBool("tokenizer.ggml.add_bos_token", *add_bos);
  if (add_eos) w.AddBool("tokenizer.ggml.add_eos_token", *add_eos);
  if (add_space_prefix) w.AddBool("tokenizer.ggml.add_space_prefix", *add_space_prefix);
  if (!chat_template.empty()) w.AddString("tokenizer.chat_template", chat_template);
}

}  // namespace inferno::convert
