// hybrid_fixturegen: a small random-weight GGUF of a hybrid linear-attention family, with the
// tokenizer of a vocab GGUF, for the parity zoo (tools/zoo/qwen35.sh). llama.cpp's fixturegen
// (../shared/peer) does not know these architectures; llama.cpp's loader, run by oracle_dump on
// the file, is the independent check that the names, shapes and keys written here are right.
//
// usage: hybrid_fixturegen --arch qwen35 --vocab V.gguf --out M.gguf [--seed 1] [--type f16|f32]
//          [--n-embd 256] [--n-layer 4] [--n-head 4] [--n-head-kv 2] [--head-dim 64]
//          [--n-ff 512] [--ctx 2048] [--rope-dim 16] [--full-attention-interval 4]
//          [--ssm-conv 4] [--ssm-state 32] [--ssm-k-heads 2] [--ssm-v-heads 4]
//
// Qwen3.5 (llama.cpp src/models/qwen35.cpp): every full_attention_interval-th layer is gated
// full attention (attn_q holds the query and its output gate per head), the others Gated
// DeltaNet (attn_qkv, attn_gate, ssm_conv1d, ssm_dt.bias, ssm_a, ssm_alpha, ssm_beta,
// ssm_norm, ssm_out); every layer has attn_norm, post_attention_norm and a SwiGLU FFN. Like
// the converter, 1-D tensors and ssm_conv1d (ggml's ssm_conv wants F32) are F32, and ssm_a is
// stored as -exp(A_log).
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "engine/gguf/gguf_file.h"
#include "engine/gguf/gguf_writer.h"
#include "engine/tensor/fp16.h"

namespace inferno {
namespace {

struct Args {
  std::string arch = "qwen35", vocab, out, type = "f16";
  int seed = 1, n_embd = 256, n_layer = 4, n_head = 4, n_head_kv = 2, head_dim = 64, n_ff = 512;
  int ctx = 2048, rope_dim = 16, full_attention_interval = 4;
  int ssm_conv = 4, ssm_state = 32, ssm_k_heads = 2, ssm_v_heads = 4;
};

[[noreturn]] void Usage(const std::string& why) {
  std::fprintf(stderr, "hybrid_fixturegen: %s\n", why.c_str());
  std::exit(2);
}

Args Parse(int argc, char** argv) {
  Args a;
  const std::map<std::string, int*> ints = {
      {"--seed", &a.seed},
      {"--n-embd", &a.n_embd},
      {"--n-layer", &a.n_layer},
      {"--n-head", &a.n_head},
      {"--n-head-kv", &a.n_head_kv},
      {"--head-dim", &a.head_dim},
      {"--n-ff", &a.n_ff},
      {"--ctx", &a.ctx},
      {"--rope-dim", &a.rope_dim},
      {"--full-attention-interval", &a.full_attention_interval},
      {"--ssm-conv", &a.ssm_conv},
      {"--ssm-state", &a.ssm_state},
      {"--ssm-k-heads", &a.ssm_k_heads},
      {"--ssm-v-heads", &a.ssm_v_heads}};
  const std::map<std::string, std::string*> strings = {
      {"--arch", &a.arch}, {"--vocab", &a.vocab}, {"--out", &a.out}, {"--type", &a.type}};
  for (int i = 1; i < argc; i += 2) {
    const std::string k = argv[i];
    if (i + 1 >= argc) Usage("missing value after " + k);
    if (auto it = ints.find(k); it != ints.end()) {
      *it->second = std::atoi(argv[i + 1]);
      if (*it->second <= 0) Usage(k + " must be a positive integer");
    } else if (auto st = strings.find(k); st != strings.end()) {
      *st->second = argv[i + 1];
    } else {
      Usage("unknown option " + k);
    }
  }
  if (a.arch != "qwen35") Usage("--arch: only qwen35 is known");
  if (a.vocab.empty() || a.out.empty()) Usage("need --vocab and --out");
  if (a.type != "f16" && a.type != "f32") Usage("--type is f16 or f32");
  if (a.rope_dim % 2 != 0 || a.rope_dim > a.head_dim) Usage("--rope-dim: even, <= head dim");
  if (a.ssm_v_heads % a.ssm_k_heads != 0) Usage("--ssm-v-heads: a multiple of --ssm-k-heads");
  return a;
}

// Qwen3.5's interleaved M-RoPE sections for text: the time, height and width sections take
// turns over the rotated pairs (11, 11, 10 of 32 in the released models); scaled to rope_dim.
std::vector<int32_t> RopeSections(int rope_dim) {
  const int pairs = rope_dim / 2;
  const int t = (pairs + 2) / 3, h = (pairs + 1) / 3;
  return {t, h, pairs - t - h, 0};
}

struct Spec {
  std::vector<int64_t> shape;
  float mean = 0, std = 0;
  bool negative_exp = false;  // store -exp(x): ssm_a = -exp(A_log)
};

std::map<std::string, Spec> Tensors(const Args& a, int64_t n_vocab) {
  std::map<std::string, Spec> t;
  const int64_t D = a.n_embd, F = a.n_ff, q_dim = int64_t{a.n_head} * a.head_dim;
  const int64_t kv_dim = int64_t{a.n_head_kv} * a.head_dim;
  const int64_t key_dim = int64_t{a.ssm_k_heads} * a.ssm_state;
  const int64_t value_dim = int64_t{a.ssm_v_heads} * a.ssm_state;
  const float w_in = 1.0f / std::sqrt(float(D)), w_ff = 1.0f / std::sqrt(float(F));
  t["token_embd.weight"] = {{D, n_vocab}, 0, 0.15f};
  t["output_norm.weight"] = {{D}, 2.0f, 0.1f};
  for (int l = 0; l < a.n_layer; ++l) {
    const std::string b = "blk." + std::to_string(l) + ".";
    t[b + "attn_norm.weight"] = {{D}, 1, 0.1f};
    t[b + "post_attention_norm.weight"] = {{D}, 1, 0.1f};
    t[b + "ffn_gate.weight"] = {{D, F}, 0, w_in};
    t[b + "ffn_up.weight"] = {{D, F}, 0, w_in};
    t[b + "ffn_down.weight"] = {{F, D}, 0, w_ff};
    if ((l + 1) % a.full_attention_interval == 0) {
      t[b + "attn_q.weight"] = {{D, 2 * q_dim}, 0, w_in};  // per head: query, then its gate
      t[b + "attn_k.weight"] = {{D, kv_dim}, 0, w_in};
      t[b + "attn_v.weight"] = {{D, kv_dim}, 0, w_in};
      t[b + "attn_output.weight"] = {{q_dim, D}, 0, 1.0f / std::sqrt(float(q_dim))};
      t[b + "attn_q_norm.weight"] = {{a.head_dim}, 1, 0.1f};
      t[b + "attn_k_norm.weight"] = {{a.head_dim}, 1, 0.1f};
      continue;
    }
    t[b + "attn_qkv.weight"] = {{D, 2 * key_dim + value_dim}, 0, w_in};
    t[b + "attn_gate.weight"] = {{D, value_dim}, 0, w_in};
    t[b + "ssm_conv1d.weight"] = {{a.ssm_conv, 2 * key_dim + value_dim}, 0, 0.4f};
    t[b + "ssm_dt.bias"] = {{a.ssm_v_heads}, 0.5f, 0.5f};
    t[b + "ssm_a"] = {{a.ssm_v_heads}, -1.0f, 0.5f, /*negative_exp=*/true};
    t[b + "ssm_alpha.weight"] = {{D, a.ssm_v_heads}, 0, w_in};
    t[b + "ssm_beta.weight"] = {{D, a.ssm_v_heads}, 0, w_in};
    t[b + "ssm_norm.weight"] = {{a.ssm_state}, 1, 0.1f};
    t[b + "ssm_out.weight"] = {{value_dim, D}, 0, 1.0f / std::sqrt(float(value_dim))};
  }
  return t;
}

void AddMetadata(const Args& a, gguf::Writer& w) {
  const std::string p = a.arch + ".";
  w.AddString("general.architecture", a.arch);
  // Without the arch in it: llama.cpp keys vocabulary quirks off general.name.
  w.AddString("general.name", "inferno-hybrid-fixture-s" + std::to_string(a.seed));
  w.AddU32("general.file_type", a.type == "f32" ? 0 : 1);
  w.AddU32(p + "context_length", a.ctx);
  w.AddU32(p + "embedding_length", a.n_embd);
  w.AddU32(p + "block_count", a.n_layer);
  w.AddU32(p + "feed_forward_length", a.n_ff);
  w.AddU32(p + "attention.head_count", a.n_head);
  w.AddU32(p + "attention.head_count_kv", a.n_head_kv);
  w.AddU32(p + "attention.key_length", a.head_dim);
  w.AddU32(p + "attention.value_length", a.head_dim);
  w.AddF32(p + "attention.layer_norm_rms_epsilon", 1e-6f);
  w.AddF32(p + "rope.freq_base", 10000000.0f);
  w.AddU32(p + "rope.dimension_count", a.rope_dim);
  w.AddI32Array(p + "rope.dimension_sections", RopeSections(a.rope_dim));
  w.AddU32(p + "full_attention_interval", a.full_attention_interval);
  w.AddU32(p + "ssm.conv_kernel", a.ssm_conv);
  w.AddU32(p + "ssm.state_size", a.ssm_state);
  w.AddU32(p + "ssm.group_count", a.ssm_k_heads);
  w.AddU32(p + "ssm.time_step_rank", a.ssm_v_heads);
  w.AddU32(p + "ssm.inner_size", a.ssm_v_heads * a.ssm_state);
}

std::vector<uint8_t> Encode(const std::vector<float>& v, DType type) {
  std::vector<uint8_t> out;
  if (type == DType::kF32) {
    out.resize(v.size() * 4);
    std::memcpy(out.data(), v.data(), out.size());
    return out;
  }
  out.resize(v.size() * 2);
  for (size_t i = 0; i < v.size(); ++i) {
    const uint16_t h = F32ToF16(v[i]);
    std::memcpy(out.data() + 2 * i, &h, 2);
  }
  return out;
}

int Run(const Args& a) {
  Result<std::unique_ptr<gguf::File>> vocab = gguf::File::Open(a.vocab);
  if (!vocab.ok()) Usage(vocab.status().message());
  Result<std::vector<std::string_view>> tokens = (*vocab)->GetStringArray("tokenizer.ggml.tokens");
  if (!tokens.ok()) Usage(tokens.status().message());
  gguf::Writer w;
  AddMetadata(a, w);
  for (const gguf::KeyValue& kv : (*vocab)->metadata()) {
    if (kv.key.starts_with("tokenizer.")) w.CopyValue(std::string(kv.key), kv.value);
  }
  std::mt19937_64 rng(a.seed);
  const std::map<std::string, Spec> specs = Tensors(a, int64_t(tokens->size()));
  for (const auto& [name, s] : specs) {  // by name: the same seed gives the same file
    int64_t n = 1;
    for (int64_t d : s.shape) n *= d;
    std::vector<float> v(static_cast<size_t>(n));
    std::normal_distribution<float> nd(s.mean, s.std);
    for (float& x : v) x = s.negative_exp ? -std::exp(nd(rng)) : nd(rng);
    const bool f32 =
        s.shape.size() == 1 || a.type == "f32" || name.find("ssm_conv1d") != std::string::npos;
    const DType type = f32 ? DType::kF32 : DType::kF16;
    w.AddTensor(name, type, s.shape, Encode(v, type));
  }
  if (Status st = w.WriteFile(a.out); !st.ok()) Usage(st.message());
  std::printf("%s: arch=%s vocab=%zu tensors=%zu\n", a.out.c_str(), a.arch.c_str(), tokens->size(),
              specs.size());
  return 0;
}

}  // namespace
}  // namespace inferno

int main(int argc, char** argv) { return inferno::Run(inferno::Parse(argc, argv)); }
