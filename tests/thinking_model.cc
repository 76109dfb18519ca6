#include "tests/thinking_model.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

namespace inferno::testing {
namespace {

constexpr int kEmbd = 16;

std::vector<uint8_t> Bytes(const std::vector<float>& v) {
  std::vector<uint8_t> out(v.size() * 4);
  std::memcpy(out.data(), v.data(), out.size());
  return out;
}

// `bigrams`: (token, next token) pairs, each on its own direction of the embedding.
void AddLayers(gguf::Writer& w, const std::vector<std::pair<int32_t, int32_t>>& bigrams,
               int64_t n_vocab) {
  const int64_t d = kEmbd;
  // Bigram i: its token gets direction i, and the output maps direction i to the next token.
  std::vector<float> embd(size_t(n_vocab * d), 0.f), out(size_t(n_vocab * d), 0.f);
  for (size_t i = 0; i < bigrams.size(); ++i) {
    embd[size_t(bigrams[i].first) * d + i] = 1.f;
    out[size_t(bigrams[i].second) * d + i] = 10.f;
  }
  auto zeros = [](int64_t n) { return Bytes(std::vector<float>(size_t(n), 0.f)); };
  auto ones = [](int64_t n) { return Bytes(std::vector<float>(size_t(n), 1.f)); };
  w.AddTensor("token_embd.weight", DType::kF32, {d, n_vocab}, Bytes(embd));
  w.AddTensor("output_norm.weight", DType::kF32, {d}, ones(d));
  w.AddTensor("output.weight", DType::kF32, {d, n_vocab}, Bytes(out));
  w.AddTensor("blk.0.attn_norm.weight", DType::kF32, {d}, ones(d));
  for (const char* m : {"attn_q", "attn_k", "attn_v", "attn_output"}) {
    w.AddTensor(std::string("blk.0.") + m + ".weight", DType::kF32, {d, d}, zeros(d * d));
  }
  w.AddTensor("blk.0.ffn_norm.weight", DType::kF32, {d}, ones(d));
  w.AddTensor("blk.0.ffn_gate.weight", DType::kF32, {d, 32}, zeros(d * 32));
  w.AddTensor("blk.0.ffn_up.weight", DType::kF32, {d, 32}, zeros(d * 32));
  w.AddTensor("blk.0.ffn_down.weight", DType::kF32, {32, d}, zeros(32 * d));
}

}  // namespace

gguf::Writer ScriptedModelWriter(const ScriptedModel& m) {
  gguf::Writer w;
  w.AddString("general.architecture", "llama");
  w.AddString("general.name", m.name);
  w.AddU32("llama.context_length", uint32_t(m.context_length));
  w.AddU32("llama.embedding_length", kEmbd);
  w.AddU32("llama.block_count", 1);
  w.AddU32("llama.feed_forward_length", 32);
  w.AddU32("llama.attention.head_count", 2);
  w.AddU32("llama.attention.head_count_kv", 2);
  w.AddF32("llama.attention.layer_norm_rms_epsilon", 1e-5f);
  // <unk> <s> </s>, the 256 byte tokens, then the script's whole-word tokens (user-defined).
  std::vector<std::string> tokens = {"<unk>", "<s>", "</s>"};
  std::vector<int32_t> types = {2, 3, 3};
  for (int b = 0; b < 256; ++b) {
    char name[8];
    std::snprintf(name, sizeof name, "<0x%02X>", b);
    tokens.push_back(name);
    types.push_back(6);
  }
  for (const std::string& word : m.words) {
    tokens.push_back(word);
    types.push_back(4);
  }
  for (const std::string& word : m.control_words) {
    tokens.push_back(word);
    types.push_back(3);
  }
  // A word's or control word's id, else the byte token of a one-byte string.
  auto id = [&](const std::string& s) {
    const auto word = std::find(tokens.begin() + 259, tokens.end(), s);
    return word != tokens.end() ? int32_t(word - tokens.begin())
                                : int32_t(3 + static_cast<unsigned char>(s[0]));
  };
  std::vector<int32_t> script;
  for (const std::string& s : m.script) script.push_back(id(s));
  script.push_back(2);  // </s>
  std::vector<std::pair<int32_t, int32_t>> bigrams;
  for (size_t i = 0; i + 1 < script.size(); ++i) bigrams.emplace_back(script[i], script[i + 1]);
  for (const auto& [from, to] : m.extra_bigrams) bigrams.emplace_back(id(from), id(to));

  w.AddString("tokenizer.ggml.model", "llama");
  w.AddStringArray("tokenizer.ggml.tokens", tokens);
  w.AddF32Array("tokenizer.ggml.scores", std::vector<float>(tokens.size(), 0.f));
  w.AddI32Array("tokenizer.ggml.token_type", types);
  w.AddU32("tokenizer.ggml.bos_token_id", 1);
  w.AddU32("tokenizer.ggml.eos_token_id", 2);
  // No SentencePiece space marker before text: the prompt's "<think>\n" stays exactly that.
  w.AddBool("tokenizer.ggml.add_space_prefix", false);
  if (!m.chat_template.empty()) w.AddString("tokenizer.chat_template", m.chat_template);
  AddLayers(w, bigrams, int64_t(tokens.size()));
  return w;
}

gguf::Writer ThinkingModelWriter(const ThinkingModelOptions& o) {
  ScriptedModel m;
  m.name = "inferno-thinking-test";
  m.words = {"<think>", "</think>", "Hmm", "...", "Hello"};
  m.script = {"\n", "<think>", "Hmm", "...", "</think>", "Hello", "!"};
  if (o.open_in_prompt) {
    m.script.erase(m.script.begin() + 1);  // the prompt opened the thought
    // Enough of DeepSeek-R1's template to be recognised, generation prompt "<think>\n" included
    // (written as a string expression, as DeepSeek's is: Jinja drops a template's own final
    // newline).
    m.chat_template =
        "{{ bos_token }}{% for m in messages %}{% if m['role'] == 'user' %}<｜User｜>"
        "{{ m['content'] }}{% endif %}{% endfor %}{{ '<｜Assistant｜><think>\\n' }}";
  }
  if (o.fim) {
    m.control_words = {"<|fim_prefix|>", "<|fim_suffix|>", "<|fim_middle|>"};
    m.extra_bigrams = {{"<|fim_middle|>", "Hello"}};
  }
  return ScriptedModelWriter(m);
}

const std::vector<std::string> kToolModelReply = {
    "Let me check.",
    "<tool_call>",
    "\n{\"name\": \"get_weather\", \"arguments\": ",
    "{\"location\": \"Paris\"",
    ", \"unit\": \"celsius\"}}",
    "\n</tool_call>",
};

gguf::Writer ToolModelWriter(const std::string& chat_template) {
  ScriptedModel m;
  m.name = "inferno-tool-test";
  m.words = kToolModelReply;
  m.script = {"\n"};
  m.script.insert(m.script.end(), kToolModelReply.begin(), kToolModelReply.end());
  m.chat_template = chat_template;
  m.context_length = 4096;  // Qwen2.5's tool instructions are long, and a byte is a token
  return ScriptedModelWriter(m);
}

}  // namespace inferno::testing
