// Conversion round trips: GGUF fixtures exported to Hugging Face checkpoints (undoing every
// conversion transform) and converted back must give the same tensors and tokenizer.
#include "engine/convert/convert.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <random>

#include "engine/convert/checkpoint.h"
#include "engine/convert/hf_export.h"
#include "engine/convert/json_file.h"
#include "engine/convert/synthetic_checkpoint.h"
#include "engine/convert/vocab.h"
#include "engine/gguf/gguf_file.h"
#include "engine/gguf/gguf_writer.h"
#include "engine/tensor/dequant.h"
#include "engine/tokenizer/tokenizer.h"

namespace inferno::convert {
namespace {

namespace fs = std::filesystem;

std::string Fixture(const std::string& name) {
  return std::string(INFERNO_SHARED_DIR) + "/fixtures/models/" + name;
}

class TempDir {
 public:
  TempDir() {
    path_ = fs::temp_directory_path() /
            ("inferno-convert-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++));
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  std::string str() const { return path_.string(); }
  std::string operator/(const std::string& s) const { return (path_ / s).string(); }

 private:
  fs::path path_;
  static inline int counter_ = 0;
};

// HF's rotate_half RoPE on one head of size d at position pos.
std::vector<float> RopeHf(const std::vector<float>& x, int pos, float base) {
  const int d = int(x.size()), half = d / 2;
  std::vector<float> y(x.size());
  for (int i = 0; i < half; ++i) {
    const double theta = pos * std::pow(double(base), -2.0 * i / d);
    const double c = std::cos(theta), s = std::sin(theta);
    y[i] = float(x[i] * c - x[i + half] * s);
    y[i + half] = float(x[i + half] * c + x[i] * s);
  }
  return y;
}
// GGUF llama RoPE (adjacent pairs).
std::vector<float> RopeGguf(const std::vector<float>& x, int pos, float base) {
  const int d = int(x.size());
  std::vector<float> y(x.size());
  for (int i = 0; i < d / 2; ++i) {
    const double theta = pos * std::pow(double(base), -2.0 * i / d);
    const double c = std::cos(theta), s = std::sin(theta);
    y[2 * i] = float(x[2 * i] * c - x[2 * i + 1] * s);
    y[2 * i + 1] = float(x[2 * i] * s + x[2 * i + 1] * c);
  }
  return y;
}

TEST(PermuteRope, GgufRopeOnPermutedRowsEqualsPermutedHfRope) {
  // q = W·x for a weight of 2 heads × 8 dims; the permuted weight gives the permuted q, and
  // GGUF's rotation of it must equal the permutation of HF's rotation of the original q.
  const int heads = 2, d = 8, cols = 5;
  std::mt19937 rng(7);
  std::normal_distribution<float> nd;
  std::vector<float> w(heads * d * cols), x(cols);
  for (float& v : w) v = nd(rng);
  for (float& v : x) v = nd(rng);
  std::vector<float> wp(w.size());
  PermuteRopeRows(w.data(), wp.data(), heads, d, cols);
  auto matvec = [&](const std::vector<float>& m) {
    std::vector<float> y(heads * d);
    for (int r = 0; r < heads * d; ++r) {
      for (int c = 0; c < cols; ++c) y[r] += m[r * cols + c] * x[c];
    }
    return y;
  };
  const std::vector<float> q = matvec(w), qp = matvec(wp);
  for (int pos : {0, 1, 7, 100}) {
    for (int h = 0; h < heads; ++h) {
      std::vector<float> head(q.begin() + h * d, q.begin() + (h + 1) * d);
      std::vector<float> head_p(qp.begin() + h * d, qp.begin() + (h + 1) * d);
      const std::vector<float> hf = RopeHf(head, pos, 10000), gg = RopeGguf(head_p, pos, 10000);
      std::vector<float> hf_p(d);
      PermuteRopeRows(hf.data(), hf_p.data(), 1, d, 1);
      for (int i = 0; i < d; ++i) EXPECT_NEAR(gg[i], hf_p[i], 1e-5) << "pos " << pos << " i " << i;
    }
  }
  std::vector<float> back(w.size());
  UnpermuteRopeRows(wp.data(), back.data(), heads, d, cols);
  EXPECT_EQ(back, w);
}

// Every tensor of `b` equals the one of the same name in `a` (as floats; F16 survives the
// F32 round trip exactly), and the tokenizer metadata is identical.
void ExpectSameModel(const gguf::File& a, const gguf::File& b, double tol) {
  ASSERT_EQ(a.tensors().size(), b.tensors().size());
  for (const gguf::TensorInfo& ta : a.tensors()) {
    const gguf::TensorInfo* tb = b.FindTensor(ta.name);
    ASSERT_NE(tb, nullptr) << ta.name;
    ASSERT_EQ(ta.shape, tb->shape) << ta.name;
    std::vector<float> va(ta.n_elements), vb(tb->n_elements);
    const size_t ra = RowBytes(ta.type, ta.cols()), rb = RowBytes(tb->type, tb->cols());
    for (int64_t r = 0; r < ta.rows(); ++r) {
      DequantizeRow(ta.type, ta.data + r * ra, va.data() + r * ta.cols(), ta.cols());
      DequantizeRow(tb->type, tb->data + r * rb, vb.data() + r * tb->cols(), tb->cols());
    }
    double max_diff = 0;
    for (size_t i = 0; i < va.size(); ++i)
      max_diff = std::max(max_diff, double(std::fabs(va[i] - vb[i])));
    EXPECT_LE(max_diff, tol) << ta.name;
  }
  EXPECT_EQ(*a.GetStringArray("tokenizer.ggml.tokens"), *b.GetStringArray("tokenizer.ggml.tokens"));
  if (a.Find("tokenizer.ggml.scores")) {
    EXPECT_EQ(*a.GetFloatArray("tokenizer.ggml.scores"), *b.GetFloatArray("tokenizer.ggml.scores"));
  }
  EXPECT_EQ(*a.GetIntArray("tokenizer.ggml.token_type"),
            *b.GetIntArray("tokenizer.ggml.token_type"));
  for (const char* key : {"tokenizer.ggml.bos_token_id", "tokenizer.ggml.eos_token_id",
                          "tokenizer.ggml.unknown_token_id", "tokenizer.ggml.padding_token_id"}) {
    EXPECT_EQ(*a.GetUintOr(key, 999999), *b.GetUintOr(key, 999999)) << key;
  }
  for (const char* key : {"tokenizer.ggml.add_bos_token", "tokenizer.ggml.add_eos_token"}) {
    EXPECT_EQ(a.Find(key) != nullptr, b.Find(key) != nullptr) << key;
    if (a.Find(key)) {
      EXPECT_EQ(*a.GetBool(key), *b.GetBool(key)) << key;
    }
  }
  EXPECT_EQ(*a.GetString("tokenizer.ggml.model"), *b.GetString("tokenizer.ggml.model"));
  EXPECT_EQ(*a.GetStringOr("tokenizer.ggml.pre", "default"),
            *b.GetStringOr("tokenizer.ggml.pre", "default"));
  const std::string arch = *a.GetString("general.architecture");
  EXPECT_EQ(arch, *b.GetString("general.architecture"));
  for (const char* k :
       {"embedding_length", "block_count", "feed_forward_length", "attention.head_count",
        "attention.head_count_kv", "context_length", "rope.dimension_count"}) {
    EXPECT_EQ(*a.GetUint(arch + "." + k), *b.GetUint(arch + "." + k)) << k;
  }
  for (const char* k : {"attention.layer_norm_rms_epsilon", "rope.freq_base"}) {
    EXPECT_FLOAT_EQ(float(*a.GetFloat(arch + "." + k)), float(*b.GetFloat(arch + "." + k))) << k;
  }
}

TEST(ConvertRoundTrip, LlamaF16FixtureThroughHfCheckpoint) {
  auto src = gguf::File::Open(Fixture("llama-tiny-F16.gguf"));
  ASSERT_TRUE(src.ok()) << src.status().message();
  TempDir dir;
  ASSERT_TRUE(ExportHfCheckpoint(**src, dir / "ckpt").ok());
  ConvertOptions o;
  o.type = "f16";
  const Status st = ConvertCheckpoint(dir / "ckpt", dir / "out.gguf", o);
  ASSERT_TRUE(st.ok()) << st.message();
  auto out = gguf::File::Open(dir / "out.gguf");
  ASSERT_TRUE(out.ok()) << out.status().message();
  ExpectSameModel(**src, **out, 0.0);
  // Matrices F16, vectors F32, exactly as the fixture stores them.
  for (const gguf::TensorInfo& t : (*out)->tensors()) {
    EXPECT_EQ(t.type, (*src)->FindTensor(t.name)->type) << t.name;
  }
}

// The GGUF tensor `name` as floats.
std::vector<float> Floats(const gguf::File& f, const std::string& name) {
  const gguf::TensorInfo* t = f.FindTensor(name);
  if (t == nullptr) return {};
  std::vector<float> v(t->n_elements);
  const size_t rb = RowBytes(t->type, t->cols());
  for (int64_t r = 0; r < t->rows(); ++r) {
    DequantizeRow(t->type, t->data + r * rb, v.data() + r * t->cols(), t->cols());
  }
  return v;
}

// What the GGUF must hold for each checkpoint tensor, written out independently of the
// converter: GGUF row 2i+j of head h is Hugging Face row j*d/2+i of that head.
std::vector<float> ExpectedGguf(const HfTensor& t, int heads_to_permute, int head_dim) {
  if (heads_to_permute == 0) return t.data;
  const int64_t cols = t.shape[1];
  std::vector<float> out(t.data.size());
  for (int h = 0; h < heads_to_permute; ++h) {
    for (int r = 0; r < head_dim; ++r) {
      const int i = r / 2, j = r % 2;
      const int64_t src = int64_t(h) * head_dim + j * head_dim / 2 + i;
      const int64_t dst = int64_t(h) * head_dim + r;
      std::copy(t.data.begin() + src * cols, t.data.begin() + (src + 1) * cols,
                out.begin() + dst * cols);
    }
  }
  return out;
}

std::string GgufName(const std::string& hf) {
  static const std::pair<const char*, const char*> kMap[] = {
      {"input_layernorm.weight", "attn_norm.weight"},
      {"self_attn.q_proj.weight", "attn_q.weight"},
      {"self_attn.k_proj.weight", "attn_k.weight"},
      {"self_attn.v_proj.weight", "attn_v.weight"},
      {"self_attn.o_proj.weight", "attn_output.weight"},
      {"post_attention_layernorm.weight", "ffn_norm.weight"},
      {"mlp.gate_proj.weight", "ffn_gate.weight"},
      {"mlp.up_proj.weight", "ffn_up.weight"},
      {"mlp.down_proj.weight", "ffn_down.weight"}};
  if (hf == "model.embed_tokens.weight") return "token_embd.weight";
  if (hf == "model.norm.weight") return "output_norm.weight";
  if (hf == "lm_head.weight") return "output.weight";
  const std::string p = "model.layers.";
  const size_t dot = hf.find('.', p.size());
  const std::string layer = hf.substr(p.size(), dot - p.size());
  for (const auto& [from, to] : kMap) {
    if (hf.substr(dot + 1) == from) return "blk." + layer + "." + to;
  }
  return "?";
}

void CheckSyntheticConversion(const SyntheticCheckpoint& c, const gguf::File& g, double tol) {
  const SyntheticSpec& s = c.spec;
  const int hd = s.n_embd / s.n_head;
  EXPECT_EQ(g.tensors().size(), c.tensors.size());
  for (const HfTensor& t : c.tensors) {
    const std::string name = GgufName(t.name);
    const gguf::TensorInfo* gt = g.FindTensor(name);
    ASSERT_NE(gt, nullptr) << name;
    std::vector<int64_t> want_shape(t.shape.rbegin(), t.shape.rend());
    EXPECT_EQ(gt->shape, want_shape) << name;
    if (t.shape.size() == 1) {
      EXPECT_EQ(gt->type, DType::kF32) << name << " (vectors stay F32)";
    }
    const int heads = name.find("attn_q.") != std::string::npos   ? s.n_head
                      : name.find("attn_k.") != std::string::npos ? s.n_head_kv
                                                                  : 0;
    const std::vector<float> want = ExpectedGguf(t, heads, hd);
    const std::vector<float> got = Floats(g, name);
    ASSERT_EQ(got.size(), want.size()) << name;
    double max_diff = 0;
    for (size_t i = 0; i < want.size(); ++i) {
      max_diff = std::max(max_diff, double(std::fabs(got[i] - want[i])));
    }
    EXPECT_LE(max_diff, tol) << name;
  }
  // Hyper-parameters under llama.cpp's key names.
  EXPECT_EQ(*g.GetString("general.architecture"), "llama");
  EXPECT_EQ(*g.GetUint("llama.embedding_length"), uint64_t(s.n_embd));
  EXPECT_EQ(*g.GetUint("llama.block_count"), uint64_t(s.n_layer));
  EXPECT_EQ(*g.GetUint("llama.feed_forward_length"), uint64_t(s.n_ff));
  EXPECT_EQ(*g.GetUint("llama.attention.head_count"), uint64_t(s.n_head));
  EXPECT_EQ(*g.GetUint("llama.attention.head_count_kv"), uint64_t(s.n_head_kv));
  EXPECT_EQ(*g.GetUint("llama.context_length"), uint64_t(s.n_ctx));
  EXPECT_EQ(*g.GetUint("llama.rope.dimension_count"), uint64_t(hd));
  EXPECT_FLOAT_EQ(float(*g.GetFloat("llama.attention.layer_norm_rms_epsilon")), s.eps);
  EXPECT_FLOAT_EQ(float(*g.GetFloat("llama.rope.freq_base")), s.rope_theta);
  EXPECT_EQ(g.FindTensor("output.weight") != nullptr, !s.tied);
  // Tokenizer: every piece, score and type as the SentencePiece model has them.
  const auto tokens = *g.GetStringArray("tokenizer.ggml.tokens");
  const auto scores = *g.GetFloatArray("tokenizer.ggml.scores");
  const auto types = *g.GetIntArray("tokenizer.ggml.token_type");
  ASSERT_EQ(tokens.size(), c.vocab.pieces.size());
  for (size_t i = 0; i < tokens.size(); ++i) {
    EXPECT_EQ(tokens[i], c.vocab.pieces[i].text) << i;
    EXPECT_EQ(scores[i], c.vocab.pieces[i].score) << i;
    EXPECT_EQ(types[i], c.vocab.pieces[i].type) << i;
  }
  EXPECT_EQ(*g.GetString("tokenizer.ggml.model"), "llama");
  EXPECT_EQ(*g.GetUint("tokenizer.ggml.bos_token_id"), 1u);
  EXPECT_EQ(*g.GetUint("tokenizer.ggml.eos_token_id"), 2u);
  EXPECT_EQ(*g.GetUint("tokenizer.ggml.unknown_token_id"), 0u);
  EXPECT_EQ(g.Find("tokenizer.ggml.padding_token_id"), nullptr);
  EXPECT_EQ(*g.GetUint("tokenizer.ggml.eot_token_id"), 4u);  // <|im_end|> from generation_config
  EXPECT_TRUE(*g.GetBool("tokenizer.ggml.add_bos_token"));
  EXPECT_FALSE(*g.GetBool("tokenizer.ggml.add_eos_token"));
  EXPECT_TRUE(*g.GetBool("tokenizer.ggml.add_space_prefix"));
  EXPECT_EQ(*g.GetString("tokenizer.chat_template"), c.chat_template);
}

TEST(ConvertSynthetic, LlamaF32IsExact) {
  TempDir dir;
  auto c = WriteSyntheticCheckpoint(dir / "ckpt");
  ASSERT_TRUE(c.ok()) << c.status().message();
  ConvertOptions o;
  o.type = "f32";
  std::vector<ConvertProgress> progress;
  const Status st = ConvertCheckpoint(dir / "ckpt", dir / "out.gguf", o,
                                      [&](const ConvertProgress& p) { progress.push_back(p); });
  ASSERT_TRUE(st.ok()) << st.message();
  auto g = gguf::File::Open(dir / "out.gguf");
  ASSERT_TRUE(g.ok()) << g.status().message();
  CheckSyntheticConversion(*c, **g, 0.0);
  EXPECT_EQ(*(*g)->GetUint("general.file_type"), 0u);
  EXPECT_EQ(*(*g)->GetString("general.name"), "ckpt");
  ASSERT_EQ(progress.size(), c->tensors.size());
  EXPECT_EQ(progress.back().index, progress.back().count);
  EXPECT_EQ(progress.back().bytes_done, progress.back().bytes_total);
  EXPECT_FALSE(fs::exists(dir / "out.gguf.part"));
}

TEST(ConvertSynthetic, ChatTokensAreAtomicInTheConvertedTokenizer) {
  TempDir dir;
  auto c = WriteSyntheticCheckpoint(dir / "ckpt");
  ASSERT_TRUE(c.ok());
  ASSERT_TRUE(ConvertCheckpoint(dir / "ckpt", dir / "out.gguf", {}).ok());
  auto g = gguf::File::Open(dir / "out.gguf");
  ASSERT_TRUE(g.ok());
  auto tok = Tokenizer::FromGguf(**g);
  ASSERT_TRUE(tok.ok()) << tok.status().message();
  const std::vector<int32_t> ids = (*tok)->Encode("<|im_start|>user\nhi<|im_end|>", true, true);
  ASSERT_GE(ids.size(), 4u);
  EXPECT_EQ(ids[0], 1);      // BOS
  EXPECT_EQ(ids[1], 3);      // <|im_start|> as one token
  EXPECT_EQ(ids.back(), 4);  // <|im_end|>
  EXPECT_TRUE((*tok)->IsEndOfGeneration(4));
  // Byte fallback: a character with no piece becomes its UTF-8 bytes.
  const std::vector<int32_t> z = (*tok)->Encode("\xC3\xA9", false, false);
  std::string decoded;
  for (int32_t id : z) decoded += (*tok)->TokenToPiece(id);
  EXPECT_NE(decoded.find("\xC3\xA9"), std::string::npos);
}

TEST(ConvertSynthetic, Bf16ShardsUntiedAndF16Output) {
  TempDir dir;
  SyntheticSpec spec;
  spec.dtype = "BF16";
  spec.shards = 3;
  spec.tied = false;
  auto c = WriteSyntheticCheckpoint(dir / "ckpt", spec);
  ASSERT_TRUE(c.ok()) << c.status().message();
  ASSERT_TRUE(fs::exists(dir / "ckpt/model.safetensors.index.json"));
  ConvertOptions o;
  o.type = "bf16";
  ASSERT_TRUE(ConvertCheckpoint(dir / "ckpt", dir / "out.gguf", o).ok());
  auto g = gguf::File::Open(dir / "out.gguf");
  ASSERT_TRUE(g.ok());
  CheckSyntheticConversion(*c, **g, 0.0);  // BF16 in, BF16 out: exact
  EXPECT_EQ((*g)->FindTensor("blk.0.attn_q.weight")->type, DType::kBF16);
  EXPECT_EQ(*(*g)->GetUint("general.file_type"), 32u);
}

TEST(ConvertSynthetic, F16InputToF16) {
  TempDir dir;
  SyntheticSpec spec;
  spec.dtype = "F16";
  auto c = WriteSyntheticCheckpoint(dir / "ckpt", spec);
  ASSERT_TRUE(c.ok());
  ConvertOptions o;
  o.type = "f16";
  ASSERT_TRUE(ConvertCheckpoint(dir / "ckpt", dir / "out.gguf", o).ok());
  auto g = gguf::File::Open(dir / "out.gguf");
  ASSERT_TRUE(g.ok());
  CheckSyntheticConversion(*c, **g, 0.0);
  EXPECT_EQ((*g)->FindTensor("token_embd.weight")->type, DType::kF16);
  EXPECT_EQ((*g)->FindTensor("output_norm.weight")->type, DType::kF32);
}

TEST(ConvertSynthetic, Q8_0WithinHalfAStep) {
  TempDir dir;
  auto c = WriteSyntheticCheckpoint(dir / "ckpt");
  ASSERT_TRUE(c.ok());
  ConvertOptions o;
  o.type = "q8_0";
  ASSERT_TRUE(ConvertCheckpoint(dir / "ckpt", dir / "out.gguf", o).ok());
  auto g = gguf::File::Open(dir / "out.gguf");
  ASSERT_TRUE(g.ok());
  // Q8_0 error per element is at most half a step, amax/254; weights here stay below ~2.5.
  CheckSyntheticConversion(*c, **g, 2.5 / 254 + 1e-3);
  EXPECT_EQ((*g)->FindTensor("blk.1.ffn_down.weight")->type, DType::kQ8_0);
  EXPECT_EQ((*g)->FindTensor("token_embd.weight")->type, DType::kQ8_0);
  EXPECT_EQ((*g)->FindTensor("blk.1.ffn_norm.weight")->type, DType::kF32);
  EXPECT_EQ(*(*g)->GetUint("general.file_type"), 7u);
  EXPECT_EQ(*(*g)->GetUint("general.quantization_version"), 2u);
}

// The synthetic SentencePiece vocabulary as a Hugging Face tokenizer.json (BPE with byte
// fallback, the form of checkpoints that ship no tokenizer.model): merges in score order,
// each splitting a piece into two pieces of the vocabulary.
std::string SpmAsTokenizerJson(const SpmModel& m) {
  boost::json::object vocab;
  std::map<std::string, bool> known;
  for (size_t i = 0; i < m.pieces.size(); ++i) {
    vocab[m.pieces[i].text] = i;
    known[m.pieces[i].text] = true;
  }
  boost::json::array merges, added;
  for (size_t i = 0; i < m.pieces.size(); ++i) {
    const SpmModel::Piece& p = m.pieces[i];
    if (p.type == SpmModel::kControl || p.type == SpmModel::kUserDefined) {
      added.push_back({{"id", i}, {"content", p.text}, {"special", p.type == SpmModel::kControl}});
    }
    if (p.type != SpmModel::kNormal) continue;
    for (size_t cut = 1; cut < p.text.size(); ++cut) {
      const std::string a = p.text.substr(0, cut), b = p.text.substr(cut);
      if (known.count(a) && known.count(b)) {
        merges.push_back(boost::json::string(a + " " + b));
        break;
      }
    }
  }
  boost::json::object tj{
      {"added_tokens", added},
      {"normalizer",
       {{"type", "Sequence"},
        {"normalizers",
         {{{"type", "Prepend"}, {"prepend", "\xE2\x96\x81"}},
          {{"type", "Replace"}, {"pattern", {{"String", " "}}}, {"content", "\xE2\x96\x81"}}}}}},
      {"model",
       {{"type", "BPE"},
        {"byte_fallback", true},
        {"unk_token", "<unk>"},
        {"vocab", vocab},
        {"merges", merges}}}};
  return boost::json::serialize(tj);
}

TEST(ConvertSynthetic, TokenizerJsonWithByteFallbackTokenizesLikeTokenizerModel) {
  TempDir dir;
  auto c = WriteSyntheticCheckpoint(dir / "ckpt");
  ASSERT_TRUE(c.ok());
  ASSERT_TRUE(ConvertCheckpoint(dir / "ckpt", dir / "spm.gguf", {}).ok());
  fs::remove(dir / "ckpt/tokenizer.model");
  std::ofstream(dir / "ckpt/tokenizer.json") << SpmAsTokenizerJson(c->vocab);
  const Status st = ConvertCheckpoint(dir / "ckpt", dir / "json.gguf", {});
  ASSERT_TRUE(st.ok()) << st.message();
  auto a = gguf::File::Open(dir / "spm.gguf");
  auto b = gguf::File::Open(dir / "json.gguf");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(*(*b)->GetString("tokenizer.ggml.model"), "llama");
  EXPECT_EQ(*(*a)->GetStringArray("tokenizer.ggml.tokens"),
            *(*b)->GetStringArray("tokenizer.ggml.tokens"));
  EXPECT_EQ(*(*a)->GetIntArray("tokenizer.ggml.token_type"),
            *(*b)->GetIntArray("tokenizer.ggml.token_type"));
  EXPECT_TRUE(*(*b)->GetBool("tokenizer.ggml.add_space_prefix"));  // the Prepend normalizer
  auto ta = Tokenizer::FromGguf(**a);
  auto tb = Tokenizer::FromGguf(**b);
  ASSERT_TRUE(ta.ok() && tb.ok());
  for (const char* text : {" the hi once upon a time", " there at the inn", "<|im_start|>user\n",
                           " \xC3\xA9t\xC3\xA9 42", " sheer oneness"}) {
    EXPECT_EQ((*ta)->Encode(text, false, true), (*tb)->Encode(text, false, true)) << text;
  }
}

TEST(Vocab, DetectsPreTokenizersByTheirRegex) {
  auto split = [](const char* regex) {
    return boost::json::value{
        {"type", "Sequence"},
        {"pretokenizers",
         {{{"type", "Split"}, {"pattern", {{"Regex", regex}}}, {"behavior", "Isolated"}},
          {{"type", "ByteLevel"}, {"use_regex", false}}}}};
  };
  EXPECT_EQ(DetectPreTokenizer(
                split("(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| "
                      "?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+")),
            "llama-bpe");
  EXPECT_EQ(
      DetectPreTokenizer(split("(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| "
                               "?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+")),
      "qwen2");
  EXPECT_EQ(DetectPreTokenizer(boost::json::value{{"type", "ByteLevel"}, {"use_regex", true}}),
            "gpt-2");
  EXPECT_EQ(DetectPreTokenizer(split("\\w+")), "");
  EXPECT_EQ(DetectPreTokenizer(boost::json::value{{"type", "Whitespace"}}), "");
}

TEST(Vocab, BpeTokenizerJsonWithAddedTokensAndPadding) {
  TempDir dir;
  const std::string d = dir.str();
  // Byte-level BPE: "a", "b", "ab" and a special token at id 5; ids 3-4 and 6-7 are unused.
  std::ofstream(dir / "tokenizer.json") << R"({
    "added_tokens": [{"id": 5, "content": "<|endoftext|>", "special": true},
                     {"id": 6, "content": "<tool>", "special": false}],
    "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": false, "use_regex": true},
    "model": {"type": "BPE", "vocab": {"a": 0, "b": 1, "ab": 2}, "merges": [["a", "b"]]}})";
  std::ofstream(dir / "tokenizer_config.json")
      << R"({"eos_token": "<|endoftext|>", "add_bos_token": false,
             "chat_template": [{"name": "default", "template": "T"}, {"name": "rag", "template": "R"}]})";
  std::ofstream(dir / "added_tokens.json") << R"({"<extra>": 7})";
  // Llama 3.1 style end ids: the end-of-turn one is recognised among them.
  std::ofstream(dir / "generation_config.json") << R"({"eos_token_id": [5, 7, 6]})";
  const boost::json::object config{{"bos_token_id", 5}};
  Result<GgufVocab> v = LoadVocab(d, config, 8, {});
  ASSERT_TRUE(v.ok()) << v.status().message();
  EXPECT_EQ(v->model, "gpt2");
  EXPECT_EQ(v->pre, "gpt-2");
  EXPECT_EQ(v->tokens, (std::vector<std::string>{"a", "b", "ab", "[PAD3]", "[PAD4]",
                                                 "<|endoftext|>", "<tool>", "<extra>"}));
  EXPECT_EQ(v->types, (std::vector<int32_t>{1, 1, 1, 5, 5, 3, 4, 4}));
  EXPECT_EQ(v->merges, std::vector<std::string>{"a b"});
  EXPECT_EQ(v->eos, 5);
  EXPECT_EQ(v->bos, 5);   // from config.json
  EXPECT_EQ(v->eot, -1);  // none of the other end ids is a known end-of-turn token
  EXPECT_EQ(v->add_bos, std::optional<bool>(false));
  EXPECT_EQ(v->chat_template, "T");
  // A vocabulary larger than the embedding is an error, as is an unknown pre-tokenizer.
  EXPECT_FALSE(LoadVocab(d, config, 4, {}).ok());
  std::ofstream(dir / "tokenizer.json") << R"({"pre_tokenizer": {"type": "Whitespace"},
    "model": {"type": "BPE", "vocab": {"a": 0}, "merges": []}})";
  Result<GgufVocab> unknown = LoadVocab(d, config, 8, {});
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("--pre"), std::string::npos);
  VocabOptions o;
  o.pre_override = "llama-bpe";
  Result<GgufVocab> forced = LoadVocab(d, config, 8, o);
  ASSERT_TRUE(forced.ok());
  EXPECT_EQ(forced->pre, "llama-bpe");
}

// Reads every tensor of a single-file checkpoint, lets `edit` rename/split/merge them and
// change config.json, and writes the checkpoint back: real checkpoints come in variants
// (multimodal prefixes, unfused projections) that the fixtures do not exercise.
void RewriteCheckpoint(const std::string& dir,
                       const std::function<void(std::vector<HfTensor>&)>& edit_tensors,
                       const std::function<void(boost::json::object&)>& edit_config) {
  std::vector<HfTensor> tensors;
  {
    auto ck = Checkpoint::Open(dir);
    ASSERT_TRUE(ck.ok()) << ck.status().message();
    for (const std::string& name : (*ck)->Names()) {
      HfTensor t;
      t.name = name;
      t.shape = *(*ck)->Shape(name);
      ASSERT_TRUE((*ck)->Read(name, {}, &t.data).ok());
      tensors.push_back(std::move(t));
    }
  }
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() == ".safetensors" ||
        e.path().filename() == "model.safetensors.index.json") {
      fs::remove(e.path());
    }
  }
  edit_tensors(tensors);
  ASSERT_TRUE(WriteSafetensors(dir + "/model.safetensors", tensors).ok());
  auto config = ReadJsonObject(dir + "/config.json");
  ASSERT_TRUE(config.ok());
  edit_config(*config);
  std::ofstream(dir + "/config.json") << boost::json::serialize(*config);
}

// Rewrites dir/ckpt's config.json with `rope` as its rope_scaling.
void SetRopeScaling(const TempDir& dir, boost::json::value rope) {
  RewriteCheckpoint(
      dir / "ckpt", [](std::vector<HfTensor>&) {},
      [&](boost::json::object& cfg) { cfg["rope_scaling"] = rope; });
}

// Converting dir/ckpt fails with `needle` in the message (and code `code`).
void ExpectConvertFails(const TempDir& dir, const std::string& needle,
                        Status::Code code = Status::Code::kUnsupported) {
  const Status st = ConvertCheckpoint(dir / "ckpt", dir / "failed.gguf", {});
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), code) << st.message();
  EXPECT_NE(st.message().find(needle), std::string::npos) << st.message();
}

// Converts `fixture` exported to HF after `edit`, and expects the fixture's tensors back.
void ExpectVariantConverts(const std::string& fixture, const std::string& type,
                           const std::function<void(std::vector<HfTensor>&)>& edit_tensors,
                           const std::function<void(boost::json::object&)>& edit_config) {
  auto src = gguf::File::Open(Fixture(fixture));
  ASSERT_TRUE(src.ok());
  TempDir dir;
  ASSERT_TRUE(ExportHfCheckpoint(**src, dir / "ckpt").ok());
  RewriteCheckpoint(dir / "ckpt", edit_tensors, edit_config);
  ConvertOptions o;
  o.type = type;
  const Status st = ConvertCheckpoint(dir / "ckpt", dir / "out.gguf", o);
  ASSERT_TRUE(st.ok()) << st.message();
  auto out = gguf::File::Open(dir / "out.gguf");
  ASSERT_TRUE(out.ok());
  for (const gguf::TensorInfo& t : (*src)->tensors()) {
    const gguf::TensorInfo* g = (*out)->FindTensor(t.name);
    ASSERT_NE(g, nullptr) << t.name;
    ASSERT_EQ(g->bytes, t.bytes) << t.name;
    EXPECT_EQ(std::memcmp(g->data, t.data, t.bytes), 0) << t.name;
  }
}

// Splits rows [0, a), [a, a + b), ... of `name` into tensors with the given names.
void SplitRows(std::vector<HfTensor>& ts, const std::string& name,
               const std::vector<std::pair<std::string, int64_t>>& parts) {
  for (size_t i = 0; i < ts.size(); ++i) {
    if (ts[i].name != name) continue;
    const HfTensor whole = ts[i];
    ts.erase(ts.begin() + i);
    const int64_t cols = whole.shape[1];
    int64_t row = 0;
    for (const auto& [part, rows] : parts) {
      ts.push_back({part,
                    {rows, cols},
                    std::vector<float>(whole.data.begin() + row * cols,
                                       whole.data.begin() + (row + rows) * cols)});
      row += rows;
    }
    return;
  }
  FAIL() << "no tensor " << name;
}

TEST(ConvertVariants, Phi3WithUnfusedProjections) {
  ExpectVariantConverts(
      "phi3-tiny-Q8_0.gguf", "q8_0",
      [](std::vector<HfTensor>& ts) {
        for (int l = 0; l < 2; ++l) {
          const std::string p = "model.layers." + std::to_string(l) + ".";
          SplitRows(ts, p + "self_attn.qkv_proj.weight",
                    {{p + "self_attn.q_proj.weight", 256},
                     {p + "self_attn.k_proj.weight", 128},
                     {p + "self_attn.v_proj.weight", 128}});
          SplitRows(ts, p + "mlp.gate_up_proj.weight",
                    {{p + "mlp.gate_proj.weight", 512}, {p + "mlp.up_proj.weight", 512}});
        }
      },
      [](boost::json::object&) {});
}

TEST(ConvertVariants, Gemma3MultimodalLayout) {
  // Gemma3ForConditionalGeneration: text settings under text_config, the language model
  // under model.language_model., and vision tensors that a text GGUF leaves out.
  ExpectVariantConverts(
      "gemma3-tiny-Q8_0.gguf", "q8_0",
      [](std::vector<HfTensor>& ts) {
        for (HfTensor& t : ts) t.name = "model.language_model." + t.name.substr(6);
        ts.push_back({"model.vision_tower.vision_model.embeddings.patch_embedding.weight",
                      {4, 3},
                      std::vector<float>(12, 0.5f)});
        ts.push_back({"model.multi_modal_projector.mm_input_projection_weight",
                      {2, 2},
                      std::vector<float>(4, 1.0f)});
      },
      [](boost::json::object& c) {
        boost::json::object text = c;
        c = boost::json::object{{"model_type", "gemma3"},
                                {"architectures", {"Gemma3ForConditionalGeneration"}},
                                {"text_config", text},
                                {"vision_config", {{"hidden_size", 4}}}};
      });
}

TEST(ConvertVariants, UnknownTensorIsAnError) {
  auto src = gguf::File::Open(Fixture("llama-tiny-Q8_0.gguf"));
  ASSERT_TRUE(src.ok());
  TempDir dir;
  ASSERT_TRUE(ExportHfCheckpoint(**src, dir / "ckpt").ok());
  RewriteCheckpoint(
      dir / "ckpt",
      [](std::vector<HfTensor>& ts) {
        ts.push_back({"model.layers.0.mlp.experts.0.weight", {2}, {1, 2}});
        ts.push_back({"model.layers.0.self_attn.rotary_emb.inv_freq", {2}, {1, 2}});
      },
      [](boost::json::object&) {});
  const Status st = ConvertCheckpoint(dir / "ckpt", dir / "out.gguf", {});
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("'model.layers.0.mlp.experts.0.weight' has no place"),
            std::string::npos)
      << st.message();
}

TEST(ConvertVariants, RopeScaling) {
  TempDir dir;
  auto c = WriteSyntheticCheckpoint(dir / "ckpt");
  ASSERT_TRUE(c.ok());
  // Llama 3.1 style: GGUF carries the per-frequency factors as rope_freqs.weight.
  RewriteCheckpoint(
      dir / "ckpt", [](std::vector<HfTensor>&) {},
      [](boost::json::object& cfg) {
        cfg["rope_theta"] = 500000.0;
        cfg["rope_scaling"] = {{"rope_type", "llama3"},
                               {"factor", 8.0},
                               {"low_freq_factor", 1.0},
                               {"high_freq_factor", 4.0},
                               {"original_max_position_embeddings", 64}};
      });
  ASSERT_TRUE(ConvertCheckpoint(dir / "ckpt", dir / "l3.gguf", {}).ok());
  auto g = gguf::File::Open(dir / "l3.gguf");
  ASSERT_TRUE(g.ok());
  const gguf::TensorInfo* f = (*g)->FindTensor("rope_freqs.weight");
  ASSERT_NE(f, nullptr);
  ASSERT_EQ(f->n_elements, 8);  // head_dim 16 / 2
  std::vector<float> v = Floats(**g, "rope_freqs.weight");
  // Wavelength 2π·500000^(i/8): shorter than 64/4 = 16 positions keeps factor 1, longer
  // than 64 gets the full factor 8, in between it is interpolated.
  for (int i = 0; i < 8; ++i) {
    const double wavelen = 2 * M_PI * std::pow(500000.0, i / 8.0);
    if (wavelen < 16) {
      EXPECT_FLOAT_EQ(v[i], 1.0f) << i;
    }
    if (wavelen > 64) {
      EXPECT_FLOAT_EQ(v[i], 8.0f) << i;
    }
    if (wavelen >= 16 && wavelen <= 64) {
      EXPECT_GT(v[i], 1.0f) << i;
      EXPECT_LT(v[i], 8.0f) << i;
    }
  }
  // Linear scaling is metadata only; unknown kinds are refused.
  SetRopeScaling(dir, {{"type", "linear"}, {"factor", 2.0}});
  ASSERT_TRUE(ConvertCheckpoint(dir / "ckpt", dir / "lin.gguf", {}).ok());
  auto lin = gguf::File::Open(dir / "lin.gguf");
  ASSERT_TRUE(lin.ok());
  EXPECT_EQ(*(*lin)->GetString("llama.rope.scaling.type"), "linear");
  EXPECT_FLOAT_EQ(float(*(*lin)->GetFloat("llama.rope.scaling.factor")), 2.0f);
  EXPECT_EQ((*lin)->FindTensor("rope_freqs.weight"), nullptr);
  // YaRN (as llama.cpp writes it): type, factor, original context and the ramp when given.
  SetRopeScaling(dir, {{"rope_type", "yarn"},
                       {"factor", 4.0},
                       {"original_max_position_embeddings", 64},
                       {"beta_fast", 16.0}});
  ASSERT_TRUE(ConvertCheckpoint(dir / "ckpt", dir / "yarn.gguf", {}).ok());
  auto yarn = gguf::File::Open(dir / "yarn.gguf");
  ASSERT_TRUE(yarn.ok());
  EXPECT_EQ(*(*yarn)->GetString("llama.rope.scaling.type"), "yarn");
  EXPECT_FLOAT_EQ(float(*(*yarn)->GetFloat("llama.rope.scaling.factor")), 4.0f);
  EXPECT_EQ(*(*yarn)->GetUint("llama.rope.scaling.original_context_length"), 64u);
  EXPECT_FLOAT_EQ(float(*(*yarn)->GetFloat("llama.rope.scaling.yarn_beta_fast")), 16.0f);
  EXPECT_EQ((*yarn)->Find("llama.rope.scaling.yarn_beta_slow"), nullptr);
  SetRopeScaling(dir, {{"rope_type", "dynamic"}, {"factor", 4.0}});
  ExpectConvertFails(
      dir, "rope_scaling type 'dynamic' is not supported (supported: linear, llama3, yarn)");
}

TEST(ConvertSynthetic, AutoTypeKeepsBf16AndRefusesF16Overflow) {
  TempDir dir;
  SyntheticSpec spec;
  spec.dtype = "BF16";
  ASSERT_TRUE(WriteSyntheticCheckpoint(dir / "bf16", spec).ok());
  ASSERT_TRUE(ConvertCheckpoint(dir / "bf16", dir / "a.gguf", {}).ok());
  auto a = gguf::File::Open(dir / "a.gguf");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(*(*a)->GetUint("general.file_type"), 32u);
  EXPECT_EQ((*a)->FindTensor("blk.0.ffn_up.weight")->type, DType::kBF16);
  // An F32 checkpoint becomes F16, unless a weight does not fit F16's range.
  ASSERT_TRUE(WriteSyntheticCheckpoint(dir / "f32").ok());
  ASSERT_TRUE(ConvertCheckpoint(dir / "f32", dir / "b.gguf", {}).ok());
  auto b = gguf::File::Open(dir / "b.gguf");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(*(*b)->GetUint("general.file_type"), 1u);
  RewriteCheckpoint(
      dir / "f32",
      [](std::vector<HfTensor>& ts) {
        for (HfTensor& t : ts) {
          if (t.name == "model.layers.0.mlp.up_proj.weight") t.data[5] = 1e6f;
        }
      },
      [](boost::json::object&) {});
  const Status st = ConvertCheckpoint(dir / "f32", dir / "c.gguf", {});
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("beyond F16's range; convert with --type bf16 or f32"),
            std::string::npos)
      << st.message();
  EXPECT_FALSE(fs::exists(dir / "c.gguf"));
}

TEST(Vocab, EndOfTurnFromGenerationConfig) {
  // Llama 3.1 base: EOS <|end_of_text|>, generation_config also ends on <|eom_id|> and
  // <|eot_id|>; the end-of-turn token is the one a chat turn ends with.
  TempDir dir;
  std::ofstream(dir / "tokenizer.json") << R"({
    "added_tokens": [{"id": 1, "content": "<|end_of_text|>", "special": true},
                     {"id": 2, "content": "<|eom_id|>", "special": true},
                     {"id": 3, "content": "<|eot_id|>", "special": true}],
    "pre_tokenizer": {"type": "ByteLevel", "use_regex": true},
    "model": {"type": "BPE", "vocab": {"a": 0}, "merges": []}})";
  std::ofstream(dir / "tokenizer_config.json") << R"({"eos_token": "<|end_of_text|>"})";
  std::ofstream(dir / "generation_config.json") << R"({"eos_token_id": [1, 2, 3]})";
  Result<GgufVocab> v = LoadVocab(dir.str(), {}, 4, {});
  ASSERT_TRUE(v.ok()) << v.status().message();
  EXPECT_EQ(v->eos, 1);
  EXPECT_EQ(v->eot, 3);
  std::ofstream(dir / "generation_config.json") << R"({"eos_token_id": 1})";
  v = LoadVocab(dir.str(), {}, 4, {});
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->eot, -1);
  std::ofstream(dir / "generation_config.json") << R"({"eos_token_id": [1, )";
  v = LoadVocab(dir.str(), {}, 4, {});
  ASSERT_FALSE(v.ok());
  EXPECT_NE(v.status().message().find("generation_config.json: not valid JSON"), std::string::npos);
}

// Converts a synthetic checkpoint of `spec.arch` to an F32 GGUF in `dir`.
std::unique_ptr<gguf::File> ConvertSyntheticF32(const TempDir& dir, const SyntheticSpec& spec,
                                                SyntheticCheckpoint* c) {
  auto written = WriteSyntheticCheckpoint(dir / "ckpt", spec);
  EXPECT_TRUE(written.ok()) << written.status().message();
  if (!written.ok()) return nullptr;
  *c = std::move(written).value();
  ConvertOptions o;
  o.type = "f32";
  const Status st = ConvertCheckpoint(dir / "ckpt", dir / "out.gguf", o);
  EXPECT_TRUE(st.ok()) << st.message();
  auto g = gguf::File::Open(dir / "out.gguf");
  EXPECT_TRUE(g.ok());
  return g.ok() ? std::move(g).value() : nullptr;
}

// The values of one checkpoint tensor, exactly as the GGUF must hold them.
void ExpectTensor(const gguf::File& g, const std::string& gguf_name, const HfTensor& hf,
                  const std::vector<int64_t>& shape) {
  const gguf::TensorInfo* t = g.FindTensor(gguf_name);
  ASSERT_NE(t, nullptr) << gguf_name;
  EXPECT_EQ(t->shape, shape) << gguf_name;
  EXPECT_EQ(Floats(g, gguf_name), hf.data) << gguf_name;
}

TEST(ConvertFamilies, ConvertibleArchitecturesAreTheFamiliesThatDeclareTheirTensors) {
  // gpt-oss declares its names only, to refuse its checkpoints with the reason.
  EXPECT_EQ(ConvertibleArchitectures(), "llama, qwen2, qwen3, qwen3moe, gemma3, phi3, mistral3");
}

TEST(ConvertFamilies, Qwen3KeepsRowOrderAndWritesHeadSize) {
  TempDir dir;
  SyntheticSpec spec;
  spec.arch = "qwen3";
  spec.head_dim = 32;  // n_embd / n_head would be 16
  SyntheticCheckpoint c;
  auto g = ConvertSyntheticF32(dir, spec, &c);
  ASSERT_NE(g, nullptr);
  EXPECT_EQ(*g->GetString("general.architecture"), "qwen3");
  EXPECT_EQ(*g->GetUint("qwen3.attention.key_length"), 32u);
  EXPECT_EQ(*g->GetUint("qwen3.attention.value_length"), 32u);
  EXPECT_EQ(*g->GetUint("qwen3.rope.dimension_count"), 32u);
  // NeoX RoPE: Q and K rows stay in Hugging Face order.
  ExpectTensor(*g, "blk.1.attn_q.weight", *c.Find("model.layers.1.self_attn.q_proj.weight"),
               {64, 128});
  ExpectTensor(*g, "blk.1.attn_k_norm.weight", *c.Find("model.layers.1.self_attn.k_norm.weight"),
               {32});
  EXPECT_EQ(g->tensors().size(), c.tensors.size());
}

TEST(ConvertFamilies, Qwen3MoeStacksExpertsAndKeepsTheRouterF32) {
  TempDir dir;
  SyntheticSpec spec;
  spec.arch = "qwen3moe";
  SyntheticCheckpoint c;
  auto g = ConvertSyntheticF32(dir, spec, &c);
  ASSERT_NE(g, nullptr);
  EXPECT_EQ(*g->GetUint("qwen3moe.expert_count"), 4u);
  EXPECT_EQ(*g->GetUint("qwen3moe.expert_used_count"), 2u);
  EXPECT_EQ(*g->GetUint("qwen3moe.expert_feed_forward_length"), 32u);
  // ffn_down_exps: GGUF shape [n_ff_exp, n_embd, experts], expert e the e-th slice.
  std::vector<float> stacked;
  for (int e = 0; e < 4; ++e) {
    const HfTensor* t =
        c.Find("model.layers.0.mlp.experts." + std::to_string(e) + ".down_proj.weight");
    ASSERT_NE(t, nullptr);
    stacked.insert(stacked.end(), t->data.begin(), t->data.end());
  }
  const gguf::TensorInfo* down = g->FindTensor("blk.0.ffn_down_exps.weight");
  ASSERT_NE(down, nullptr);
  EXPECT_EQ(down->shape, (std::vector<int64_t>{32, 64, 4}));
  EXPECT_EQ(Floats(*g, "blk.0.ffn_down_exps.weight"), stacked);
  ExpectTensor(*g, "blk.0.ffn_gate_inp.weight", *c.Find("model.layers.0.mlp.gate.weight"), {64, 4});
  // 4 + 8 + 3 * 4 per-expert tensors per layer become 4 + 8 + 3 GGUF tensors.
  EXPECT_EQ(g->tensors().size(), c.tensors.size() - 2 * 3 * 3);

  // Quantized: the router stays F32 as llama.cpp keeps it, the experts are quantized.
  ConvertOptions o;
  o.type = "q8_0";
  ASSERT_TRUE(ConvertCheckpoint(dir / "ckpt", dir / "q8.gguf", o).ok());
  auto q = gguf::File::Open(dir / "q8.gguf");
  ASSERT_TRUE(q.ok());
  EXPECT_EQ((*q)->FindTensor("blk.0.ffn_gate_inp.weight")->type, DType::kF32);
  EXPECT_EQ((*q)->FindTensor("blk.0.ffn_up_exps.weight")->type, DType::kQ8_0);
}

TEST(ConvertFamilies, Qwen3MoeRefusesWhatItDoesNotCompute) {
  TempDir dir;
  SyntheticSpec spec;
  spec.arch = "qwen3moe";
  ASSERT_TRUE(WriteSyntheticCheckpoint(dir / "ckpt", spec).ok());
  auto config = ReadJsonObject(dir / "ckpt/config.json");
  ASSERT_TRUE(config.ok());
  (*config)["norm_topk_prob"] = false;
  std::ofstream(dir / "ckpt/config.json") << boost::json::serialize(*config);
  ExpectConvertFails(dir, "key 'norm_topk_prob' = false is not supported for qwen3moe");
  // An expert count that the tensors contradict is named.
  (*config)["norm_topk_prob"] = true;
  (*config)["num_experts"] = 5;
  std::ofstream(dir / "ckpt/config.json") << boost::json::serialize(*config);
  ExpectConvertFails(dir, "'model.layers.0.mlp.gate.weight' has shape [4, 64], expected [5, 64]",
                     Status::Code::kCorruption);
}

TEST(ConvertFamilies, Mistral3FromTheMultimodalCheckpointWithYarn) {
  TempDir dir;
  SyntheticSpec spec;
  spec.arch = "mistral3";
  spec.head_dim = 32;
  spec.tied = false;
  spec.rope_theta = 1e6f;
  SyntheticCheckpoint c;
  auto g = ConvertSyntheticF32(dir, spec, &c);
  ASSERT_NE(g, nullptr);
  EXPECT_EQ(*g->GetString("general.architecture"), "mistral3");
  // rope_parameters as llama.cpp writes them, the two Ministral keys included.
  EXPECT_EQ(*g->GetString("mistral3.rope.scaling.type"), "yarn");
  EXPECT_FLOAT_EQ(float(*g->GetFloat("mistral3.rope.scaling.factor")), 16.0f);
  EXPECT_EQ(*g->GetUint("mistral3.rope.scaling.original_context_length"), 8u);
  EXPECT_FLOAT_EQ(float(*g->GetFloat("mistral3.rope.scaling.yarn_beta_fast")), 32.0f);
  EXPECT_FLOAT_EQ(float(*g->GetFloat("mistral3.rope.scaling.yarn_beta_slow")), 1.0f);
  EXPECT_FLOAT_EQ(float(*g->GetFloat("mistral3.rope.scaling.yarn_log_multiplier")), 1.0f);
  EXPECT_FLOAT_EQ(float(*g->GetFloat("mistral3.attention.temperature_scale")), 0.1f);
  EXPECT_FLOAT_EQ(float(*g->GetFloat("mistral3.rope.freq_base")), 1e6f);  // from rope_parameters
  EXPECT_EQ(*g->GetUint("mistral3.attention.key_length"), 32u);
  // Llama-style RoPE: Q and K rows permuted per head, as for llama.
  const HfTensor& k = *c.Find("model.language_model.layers.0.self_attn.k_proj.weight");
  EXPECT_EQ(Floats(*g, "blk.0.attn_k.weight"), ExpectedGguf(k, 2, 32));
  ExpectTensor(*g, "output.weight", *c.Find("lm_head.weight"),
               {64, int64_t(c.vocab.pieces.size())});
  // The vision tower and projector are left out.
  EXPECT_EQ(g->tensors().size(), c.tensors.size() - 2);
}

TEST(ConvertFamilies, GptOssExpertsAreRefusedWithTheReason) {
  TempDir dir;
  ASSERT_TRUE(WriteSyntheticCheckpoint(dir / "ckpt").ok());
  RewriteCheckpoint(
      dir / "ckpt",
      [](std::vector<HfTensor>& ts) {
        ts.push_back({"model.layers.0.mlp.experts.gate_up_proj_blocks", {2}, {1, 2}});
      },
      [](boost::json::object& cfg) {
        cfg["model_type"] = "gpt_oss";
        cfg["architectures"] = {"GptOssForCausalLM"};
      });
  ExpectConvertFails(
      dir,
      "'model.layers.0.mlp.experts.gate_up_proj_blocks': gpt-oss experts (MXFP4 blocks/scales");
}

// A model without attention.head_count is refused with a message (it used to divide by zero
// while computing the default head_dim).
TEST(HfExport, RefusesAModelWithoutHeads) {
  TempDir dir;
  gguf::Writer w;
  w.AddString("general.architecture", "llama");
  w.AddU32("llama.embedding_length", 4);
  std::vector<uint8_t> data(4 * 2 * sizeof(float), 0);
  w.AddTensor("token_embd.weight", DType::kF32, {4, 2}, data);
  ASSERT_TRUE(w.WriteFile(dir / "m.gguf").ok());
  Result<std::unique_ptr<gguf::File>> f = gguf::File::Open(dir / "m.gguf");
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  Status st = ExportHfCheckpoint(**f, dir / "ckpt");
  EXPECT_EQ(st.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(st.message().find("not a model this exporter understands"), std::string::npos);
}

}  // namespace
}  // namespace inferno::convert
