#include "tests/tiny_model.h"

#include <cstdio>
#include <cstring>
#include <random>
#include <string>

namespace inferno::testing {
namespace {

std::vector<uint8_t> RandomF32(int64_t n, std::mt19937& rng, float scale = 0.2f) {
  std::normal_distribution<float> nd(0, scale);
  std::vector<uint8_t> bytes(size_t(n) * 4);
  for (int64_t i = 0; i < n; ++i) {
    const float v = nd(rng);
    std::memcpy(bytes.data() + i * 4, &v, 4);
  }
  return bytes;
}

std::vector<uint8_t> Ones(int64_t n) {
  std::vector<uint8_t> bytes(size_t(n) * 4);
  const float one = 1.0f;
  for (int64_t i = 0; i < n; ++i) std::memcpy(bytes.data() + i * 4, &one, 4);
  return bytes;
}

}  // namespace

gguf::Writer TinyLlamaWriter(const TinyModelOptions& o) {
  gguf::Writer w;
  const std::string a = o.architecture;
  w.AddString("general.architecture", a);
  w.AddString("general.name", "inferno-tiny-test");
  w.AddU32(a + ".context_length", 128);
  w.AddU32(a + ".embedding_length", uint32_t(o.n_embd));
  w.AddU32(a + ".block_count", uint32_t(o.n_layer));
  w.AddU32(a + ".feed_forward_length", uint32_t(o.n_ff));
  w.AddU32(a + ".attention.head_count", 4);
  w.AddU32(a + ".attention.head_count_kv", 2);
  w.AddF32(a + ".attention.layer_norm_rms_epsilon", 1e-5f);
  std::vector<std::string> tokens = {"<unk>", "<s>", "</s>"};
  std::vector<float> scores = {0, 0, 0};
  std::vector<int32_t> types = {2, 3, 3};
  for (int b = 0; b < 256; ++b) {
    char name[8];
    std::snprintf(name, sizeof name, "<0x%02X>", b);
    tokens.push_back(name);
    scores.push_back(0);
    types.push_back(6);
  }
  w.AddString("tokenizer.ggml.model", "llama");
  w.AddStringArray("tokenizer.ggml.tokens", tokens);
  w.AddF32Array("tokenizer.ggml.scores", scores);
  w.AddI32Array("tokenizer.ggml.token_type", types);
  w.AddU32("tokenizer.ggml.bos_token_id", 1);
  w.AddU32("tokenizer.ggml.eos_token_id", 2);
  const int64_t n_vocab = int64_t(tokens.size());
  const int64_t d = o.n_embd, kv = d / 2;
  std::mt19937 rng(42);
  w.AddTensor("token_embd.weight", DType::kF32, {d, n_vocab}, RandomF32(d * n_vocab, rng));
  w.AddTensor("output_norm.weight", DType::kF32, {d}, Ones(d));
  for (int l = 0; l < o.n_layer; ++l) {
    const std::string b = "blk." + std::to_string(l) + ".";
    w.AddTensor(b + "attn_norm.weight", DType::kF32, {d}, Ones(d));
    w.AddTensor(b + "attn_q.weight", DType::kF32, {d, d}, RandomF32(d * d, rng));
    w.AddTensor(b + "attn_k.weight", DType::kF32, {d, kv}, RandomF32(d * kv, rng));
    w.AddTensor(b + "attn_v.weight", DType::kF32, {d, kv}, RandomF32(d * kv, rng));
    w.AddTensor(b + "attn_output.weight", DType::kF32, {d, d}, RandomF32(d * d, rng));
    w.AddTensor(b + "ffn_norm.weight", DType::kF32, {d}, Ones(d));
    w.AddTensor(b + "ffn_gate.weight", DType::kF32, {d, o.n_ff}, RandomF32(d * o.n_ff, rng));
    w.AddTensor(b + "ffn_up.weight", DType::kF32, {d, o.n_ff}, RandomF32(d * o.n_ff, rng));
    if (o.include_ffn_down) {
      w.AddTensor(b + "ffn_down.weight", DType::kF32, {o.n_ff, o.ffn_down_rows},
                  RandomF32(int64_t(o.n_ff) * o.ffn_down_rows, rng));
    }
  }
  return w;
}

}  // namespace inferno::testing
