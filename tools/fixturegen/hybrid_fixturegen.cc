// hybrid_fixturegen: a small random-weight GGUF of a family llama.cpp's fixturegen
// (../shared/peer) does not know, for the parity zoo: the hybrid linear-attention Qwen3.5
// (tools/zoo/qwen35.sh) with the tokenizer of a vocab GGUF, and the BERT sentence encoder
// (tools/zoo/bert.sh) with a WordPiece vocab.txt. llama.cpp's loader, run on the file for the
// oracles, is the independent check that the names, shapes and keys written here are right.
//
// usage: hybrid_fixturegen --arch qwen35|bert --vocab V.gguf|vocab.txt --out M.gguf [--seed 1]
//          [--type f16|f32] [--pooling mean|cls]
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
//
// BERT (llama.cpp src/models/bert.cpp): token, token-type and learned position embeddings, a
// LayerNorm over their sum, then post-norm layers (attention with biases, GELU FFN with biases)
// and bidirectional attention. The vocab.txt is turned into GGUF tokens as llama.cpp's converter
// does: "##piece" becomes "piece", other pieces get a leading "▁", [..] specials stay.
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
  std::string arch = "qwen35", vocab, out, type = "f16", pooling = "mean";
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
  const std::map<std::string, std::string*> strings = {{"--arch", &a.arch},
                                                       {"--vocab", &a.vocab},
                                                       {"--out", &a.out},
                                                       {"--type", &a.type},
                                                       {"--pooling", &a.pooling}};
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
  if (a.arch != "qwen35" && a.arch != "bert") Usage("--arch: qwen35 or bert");
  if (a.pooling != "mean" && a.pooling != "cls") Usage("--pooling is mean or cls");
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

std::map<std::string, Spec> BertTensors(const Args& a, int64_t n_vocab) {
  std::map<std::string, Spec> t;
  const int64_t D = a.n_embd, F = a.n_ff;
  const float w_in = 1.0f / std::sqrt(float(D)), w_ff = 1.0f / std::sqrt(float(F));
  t["token_embd.weight"] = {{D, n_vocab}, 0, 0.5f};
  t["token_types.weight"] = {{D, 2}, 0, 0.5f};
  t["position_embd.weight"] = {{D, a.ctx}, 0, 0.5f};
  t["token_embd_norm.weight"] = {{D}, 1, 0.1f};
  t["token_embd_norm.bias"] = {{D}, 0, 0.1f};
  for (int l = 0; l < a.n_layer; ++l) {
    const std::string b = "blk." + std::to_string(l) + ".";
    for (const char* m : {"attn_q", "attn_k", "attn_v", "attn_output"}) {
      t[b + m + ".weight"] = {{D, D}, 0, w_in};
      t[b + m + ".bias"] = {{D}, 0, 0.1f};
    }
    t[b + "ffn_up.weight"] = {{D, F}, 0, w_in};
    t[b + "ffn_up.bias"] = {{F}, 0, 0.1f};
    t[b + "ffn_down.weight"] = {{F, D}, 0, w_ff};
    t[b + "ffn_down.bias"] = {{D}, 0, 0.1f};
    for (const char* norm : {"attn_output_norm", "layer_output_norm"}) {
      t[b + norm + ".weight"] = {{D}, 1, 0.1f};
      t[b + norm + ".bias"] = {{D}, 0, 0.1f};
    }
  }
  return t;
}

std::map<std::string, Spec> Tensors(const Args& a, int64_t n_vocab) {
  if (a.arch == "bert") return BertTensors(a, n_vocab);
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

void AddBertMetadata(const Args& a, gguf::Writer& w) {
  const std::string p = a.arch + ".";
  w.AddU32(p + "embedding_length", a.n_embd);
  w.AddU32(p + "block_count", a.n_layer);
  w.AddU32(p + "feed_forward_length", a.n_ff);
  w.AddU32(p + "attention.head_count", a.n_head);
  w.AddF32(p + "attention.layer_norm_epsilon", 1e-12f);
  w.AddBool(p + "attention.causal", false);
  w.AddU32(p + "pooling_type", a.pooling == "mean" ? 1 : 2);
}

void AddMetadata(const Args& a, gguf::Writer& w) {
  const std::string p = a.arch + ".";
  w.AddString("general.architecture", a.arch);
  // Without the arch in it: llama.cpp keys vocabulary quirks off general.name.
  w.AddString("general.name", "inferno-hybrid-fixture-s" + std::to_string(a.seed));
  w.AddU32("general.file_type", a.type == "f32" ? 0 : 1);
  w.AddU32(p + "context_length", a.ctx);
  if (a.arch == "bert") return AddBertMetadata(a, w);
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

// The tokenizer keys of a vocab GGUF; returns the vocabulary size.
size_t CopyTokenizer(const std::string& path, gguf::Writer& w) {
  Result<std::unique_ptr<gguf::File>> vocab = gguf::File::Open(path);
  if (!vocab.ok()) Usage(vocab.status().message());
  Result<std::vector<std::string_view>> tokens = (*vocab)->GetStringArray("tokenizer.ggml.tokens");
  if (!tokens.ok()) Usage(tokens.status().message());
  for (const gguf::KeyValue& kv : (*vocab)->metadata()) {
    if (kv.key.starts_with("tokenizer.")) w.CopyValue(std::string(kv.key), kv.value);
  }
  return tokens->size();
}

// A WordPiece vocab.txt as llama.cpp's converter writes it (see the top of the file), lowercasing
// like the uncased BERT models; returns the vocabulary size.
size_t AddWordPieceTokenizer(const std::string& path, gguf::Writer& w) {
  std::FILE* f = std::fopen(path.c_str(), "r");
  if (f == nullptr) Usage("cannot read " + path);
  std::vector<std::string> tokens;
  std::vector<int32_t> types;
  std::map<std::string, int32_t> ids;
  char line[1024];
  while (std::fgets(line, sizeof line, f) != nullptr) {
    std::string t(line);
    while (!t.empty() && (t.back() == '\n' || t.back() == '\r')) t.pop_back();
    const bool special = t.size() > 2 && t.front() == '[' && t.back() == ']';
    ids[t] = int32_t(tokens.size());
    types.push_back(special ? 3 : 1);  // control, normal
    tokens.push_back(special ? t : t.starts_with("##") ? t.substr(2) : "\xE2\x96\x81" + t);
  }
  std::fclose(f);
  for (const char* s : {"[CLS]", "[SEP]", "[UNK]", "[PAD]", "[MASK]"}) {
    if (!ids.contains(s)) Usage(path + " has no " + s);
  }
  w.AddString("tokenizer.ggml.model", "bert");
  w.AddStringArray("tokenizer.ggml.tokens", tokens);
  w.AddI32Array("tokenizer.ggml.token_type", types);
  w.AddU32("tokenizer.ggml.token_type_count", 2);
  w.AddU32("tokenizer.ggml.bos_token_id", ids["[CLS]"]);
  w.AddU32("tokenizer.ggml.cls_token_id", ids["[CLS]"]);
  w.AddU32("tokenizer.ggml.seperator_token_id", ids["[SEP]"]);
  w.AddU32("tokenizer.ggml.unknown_token_id", ids["[UNK]"]);
  w.AddU32("tokenizer.ggml.padding_token_id", ids["[PAD]"]);
  w.AddU32("tokenizer.ggml.mask_token_id", ids["[MASK]"]);
  w.AddBool("tokenizer.ggml.normalizer.lowercase", true);
  return tokens.size();
}

int Run(const Args& a) {
  gguf::Writer w;
  AddMetadata(a, w);
  const size_t n_vocab =
      a.arch == "bert" ? AddWordPieceTokenizer(a.vocab, w) : CopyTokenizer(a.vocab, w);
  std::mt19937_64 rng(a.seed);
  const std::map<std::string, Spec> specs = Tensors(a, int64_t(n_vocab));
  for (const auto& [name, s] : specs) {  // by name: the same seed gives the same file
    int64_t n = 1;
    for (int64_t d : s.shape) n *= d;
    std::vector<float> v(static_cast<size_t>(n));
    std::normal_distribution<float> nd(s.mean, s.std);
    for (float& x : v) x = s.negative_exp ? -std::exp(nd(rng)) : nd(rng);
    // F32 as the converters write them: ggml's ssm_conv wants F32, and BERT adds the
    // token_types row to F32 activations, which ggml's CPU add only does from F32.
    const bool f32 = s.shape.size() == 1 || a.type == "f32" ||
                     name.find("ssm_conv1d") != std::string::npos || name == "token_types.weight";
    const DType type = f32 ? DType::kF32 : DType::kF16;
    w.AddTensor(name, type, s.shape, Encode(v, type));
  }
  if (Status st = w.WriteFile(a.out); !st.ok()) Usage(st.message());
  std::printf("%s: arch=%s vocab=%zu tensors=%zu\n", a.out.c_str(), a.arch.c_str(), n_vocab,
              specs.size());
  return 0;
}

}  // namespace
}  // namespace inferno

int main(int argc, char** argv) { return inferno::Run(inferno::Parse(argc, argv)); }
