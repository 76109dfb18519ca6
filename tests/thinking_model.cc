#include "tests/thinking_model.h"

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

}  // namespace

gguf::Writer ThinkingModelWriter(const ThinkingModelOptions& o) {
  gguf::Writer w;
  w.AddString("general.architecture", "llama");
  w.AddString("general.name", "inferno-thinking-test");
  w.AddU32("llama.context_length", 256);
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
  const int32_t think = int32_t(tokens.size());
  for (const char* word : {"<think>", "</think>", "Hmm", "...", "Hello"}) {
    tokens.push_back(word);
    types.push_back(4);
  }
  const int32_t fim_mid = int32_t(tokens.size()) + 2;
  if (o.fim) {
    for (const char* fim : {"<|fim_prefix|>", "<|fim_suffix|>", "<|fim_middle|>"}) {
      tokens.push_back(fim);
      types.push_back(3);
    }
  }
  const int32_t newline = 3 + '\n', bang = 3 + '!', eos = 2;
  const int32_t hmm = think + 2, dots = think + 3, close = think + 1, hello = think + 4;
  std::vector<int32_t> script = {newline, think, hmm, dots, close, hello, bang, eos};
  if (o.open_in_prompt) script.erase(script.begin() + 1);  // the prompt opened the thought

  w.AddString("tokenizer.ggml.model", "llama");
  w.AddStringArray("tokenizer.ggml.tokens", tokens);
  w.AddF32Array("tokenizer.ggml.scores", std::vector<float>(tokens.size(), 0.f));
  w.AddI32Array("tokenizer.ggml.token_type", types);
  w.AddU32("tokenizer.ggml.bos_token_id", 1);
  w.AddU32("tokenizer.ggml.eos_token_id", 2);
  // No SentencePiece space marker before text: the prompt's "<think>\n" stays exactly that.
  w.AddBool("tokenizer.ggml.add_space_prefix", false);
  if (o.open_in_prompt) {
    // Enough of DeepSeek-R1's template to be recognised, generation prompt "<think>\n" included
    // (written as a string expression, as DeepSeek's is: Jinja drops a template's own final
    // newline).
    w.AddString("tokenizer.chat_template",
                "{{ bos_token }}{% for m in messages %}{% if m['role'] == 'user' %}<｜User｜>"
                "{{ m['content'] }}{% endif %}{% endfor %}{{ '<｜Assistant｜><think>\\n' }}");
  }

  const int64_t n_vocab = int64_t(tokens.size()), d = kEmbd;
  // Token i of the script gets direction i; the output maps direction i to token i+1.
  std::vector<float> embd(size_t(n_vocab * d), 0.f), out(size_t(n_vocab * d), 0.f);
  for (size_t i = 0; i + 1 < script.size(); ++i) {
    embd[size_t(script[i]) * d + i] = 1.f;
    out[size_t(script[i + 1]) * d + i] = 10.f;
  }
  if (o.fim) {  // one more bigram, on the next free direction
    const size_t dir = script.size();
    embd[size_t(fim_mid) * d + dir] = 1.f;
    out[size_t(hello) * d + dir] = 10.f;
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
  return w;
}

}  // namespace inferno::testing
