#include "engine/model/moe.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>
#include <random>
#include <vector>

#include "engine/gguf/gguf_writer.h"
#include "engine/model/repack_matrices.h"
#include "engine/model/tensor_binder.h"
#include "engine/ops/repack.h"
#include "engine/tensor/quantize.h"

namespace inferno {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::vector<float> RandomFloats(size_t n, uint32_t seed, float scale) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> d(0.0f, scale);
  std::vector<float> v(n);
  for (float& x : v) x = d(rng);
  return v;
}

// Quantizes rows of `cols` floats to `type`.
std::vector<uint8_t> Quantize(DType type, const std::vector<float>& x, int64_t cols) {
  const int64_t rows = int64_t(x.size()) / cols;
  std::vector<uint8_t> out(RowBytes(type, cols) * size_t(rows));
  for (int64_t r = 0; r < rows; ++r) {
    QuantizeWeightRow(type, x.data() + r * cols, out.data() + r * RowBytes(type, cols), cols);
  }
  return out;
}

// A 3-D expert tensor [cols, rows, n_expert] held in memory.
struct ExpertTensor {
  std::vector<uint8_t> bytes;
  gguf::TensorInfo info;
};

ExpertTensor MakeExpertTensor(const char* name, DType type, int64_t cols, int64_t rows,
                              int64_t n_expert, uint32_t seed) {
  ExpertTensor t;
  t.bytes = Quantize(type, RandomFloats(size_t(cols * rows * n_expert), seed, 0.1f), cols);
  t.info.name = name;
  t.info.type = type;
  t.info.shape = {cols, rows, n_expert};
  t.info.data = t.bytes.data();
  t.info.bytes = t.bytes.size();
  t.info.n_elements = cols * rows * n_expert;
  return t;
}

// A small MoE layer with random weights: experts of `type`, an F32 router.
struct Layer {
  static constexpr int64_t kEmbd = 256, kFf = 128, kExperts = 8;
  ExpertTensor gate, up, down;
  std::vector<float> router;
  MoeWeights w;

  Layer(DType type, bool biases) {
    gate = MakeExpertTensor("blk.0.ffn_gate_exps.weight", type, kEmbd, kFf, kExperts, 1);
    up = MakeExpertTensor("blk.0.ffn_up_exps.weight", type, kEmbd, kFf, kExperts, 2);
    down = MakeExpertTensor("blk.0.ffn_down_exps.weight", type, kFf, kEmbd, kExperts, 3);
    router = RandomFloats(size_t(kEmbd * kExperts), 4, 0.2f);
    w.router = {DType::kF32, kExperts, kEmbd, router.data(), RowBytes(DType::kF32, kEmbd)};
    w.gate = *ViewExperts("t.gguf", gate.info, kEmbd, kFf, kExperts);
    w.up = *ViewExperts("t.gguf", up.info, kEmbd, kFf, kExperts);
    w.down = *ViewExperts("t.gguf", down.info, kFf, kEmbd, kExperts);
    if (biases) {
      w.router_bias = RandomFloats(kExperts, 5, 0.5f);
      w.gate_bias = RandomFloats(kExperts * kFf, 6, 0.5f);
      w.up_bias = RandomFloats(kExperts * kFf, 7, 0.5f);
      w.down_bias = RandomFloats(kExperts * kEmbd, 8, 0.5f);
    }
  }
};

// Row r of expert matrix m as floats.
std::vector<float> Row(const ops::WeightMatrix& m, int64_t r) {
  std::vector<float> out(size_t(m.cols));
  ops::DequantizeWeightRow(m, r, out.data());
  return out;
}

// m · x in double, plus bias.
std::vector<double> Apply(const ops::WeightMatrix& m, const float* x, const float* bias) {
  std::vector<double> y(size_t(m.rows));
  for (int64_t r = 0; r < m.rows; ++r) {
    const std::vector<float> row = Row(m, r);
    double s = bias ? bias[r] : 0;
    for (int64_t c = 0; c < m.cols; ++c) s += double(row[size_t(c)]) * x[c];
    y[size_t(r)] = s;
  }
  return y;
}

std::vector<double> SoftmaxD(const std::vector<double>& x) {
  const double m = *std::max_element(x.begin(), x.end());
  std::vector<double> y(x.size());
  double sum = 0;
  for (size_t i = 0; i < x.size(); ++i) sum += y[i] = std::exp(x[i] - m);
  for (double& v : y) v /= sum;
  return y;
}

double Act(const MoeParams& p, double g, double u) {
  if (p.activation == MoeActivation::kSwiGlu) return g / (1 + std::exp(-g)) * u;
  const double x = std::min<double>(g, p.oai_limit);
  const double y = std::clamp<double>(u, -p.oai_limit, p.oai_limit);
  return x / (1 + std::exp(-p.oai_alpha * x)) * (y + 1);
}

// The MoE block for one token with explicit loops in double over dequantized weights.
std::vector<double> Reference(const MoeParams& p, const MoeWeights& w, const float* x,
                              std::vector<int32_t>* chosen) {
  const int64_t D = w.router.cols, F = w.gate[0].rows;
  std::vector<double> logits =
      Apply(w.router, x, w.router_bias.empty() ? nullptr : w.router_bias.data());
  std::vector<double> scores = logits;
  if (p.gating == MoeGating::kSoftmax) scores = SoftmaxD(logits);
  if (p.gating == MoeGating::kSigmoid) {
    for (double& s : scores) s = 1 / (1 + std::exp(-s));
  }
  std::vector<int32_t> idx(scores.size());
  std::iota(idx.begin(), idx.end(), 0);
  std::stable_sort(idx.begin(), idx.end(), [&](int a, int b) { return scores[a] > scores[b]; });
  idx.resize(size_t(p.n_expert_used));
  std::vector<double> wt;
  for (int32_t e : idx) wt.push_back(scores[size_t(e)]);
  if (p.gating == MoeGating::kSoftmaxWeight) wt = SoftmaxD(wt);
  if (p.norm_weights) {
    const double s = std::accumulate(wt.begin(), wt.end(), 0.0);
    for (double& v : wt) v /= s;
  }
  if (p.weights_scale != 0 && p.weights_scale != 1) {
    for (double& v : wt) v *= p.weights_scale;
  }
  std::vector<double> out(size_t(D), 0.0);
  for (size_t j = 0; j < idx.size(); ++j) {
    const int e = idx[j];
    auto bias = [e](const std::vector<float>& b, int64_t n) {
      return b.empty() ? nullptr : b.data() + e * n;
    };
    const std::vector<double> g = Apply(w.gate[e], x, bias(w.gate_bias, F));
    const std::vector<double> u = Apply(w.up[e], x, bias(w.up_bias, F));
    std::vector<float> h(static_cast<size_t>(F));
    for (int64_t i = 0; i < F; ++i) h[size_t(i)] = float(Act(p, g[size_t(i)], u[size_t(i)]));
    const std::vector<double> d = Apply(w.down[e], h.data(), bias(w.down_bias, D));
    for (int64_t i = 0; i < D; ++i) out[size_t(i)] += wt[j] * d[size_t(i)];
  }
  *chosen = idx;
  return out;
}

struct Case {
  DType type;
  MoeGating gating;
  MoeActivation activation;
  int64_t tokens;
  bool repack;
};

class MoeFfnTest : public ::testing::TestWithParam<Case> {};

TEST_P(MoeFfnTest, MatchesNaiveReference) {
  const Case c = GetParam();
  const bool oai = c.activation == MoeActivation::kSwiGluOai;
  Layer layer(c.type, /*biases=*/oai);
  RepackedBytes storage;
  if (c.repack) {
    std::vector<ops::WeightMatrix*> all;
    MoeMatrices(layer.w, &all);
    // Every expert matrix (all[0] is the F32 router) where this CPU has an R4 kernel for the
    // type (AVX2, AVX-512).
    const bool repackable = ops::ShouldRepack(layer.w.gate.experts[0]);
    const size_t n = RepackMatrices(nullptr, all, &storage).matrices;
    EXPECT_EQ(n, repackable ? 3u * Layer::kExperts : 0u);
  }
  MoeParams p;
  p.n_expert = Layer::kExperts;
  p.n_expert_used = 3;
  p.gating = c.gating;
  p.norm_weights = c.gating == MoeGating::kSoftmax;
  p.activation = c.activation;
  const int64_t T = c.tokens, D = Layer::kEmbd;
  // gpt-oss-like inputs are large enough for the clamps at ±7 to bite.
  const std::vector<float> x = RandomFloats(size_t(T * D), 9, oai ? 8.0f : 1.0f);
  std::vector<float> out(size_t(T * D));
  ThreadPool pool(2);
  MoeScratch scratch;
  MoeFfn(pool, p, layer.w, x.data(), T, out.data(), scratch);

  // Activations are quantized like the weights' partner format (Q8_0 for Q4_0/Q8_0), so the
  // tolerance is relative to the output's size.
  const double rel = c.type == DType::kF32 ? 1e-5 : c.type == DType::kF16 ? 2e-3 : 2e-2;
  for (int64_t t = 0; t < T; ++t) {
    std::vector<int32_t> chosen;
    const std::vector<double> ref = Reference(p, layer.w, x.data() + t * D, &chosen);
    const std::vector<int32_t> got(scratch.ids.begin() + t * 3, scratch.ids.begin() + t * 3 + 3);
    EXPECT_EQ(got, chosen) << "token " << t;
    double max_ref = 0;
    for (double v : ref) max_ref = std::max(max_ref, std::abs(v));
    for (int64_t i = 0; i < D; ++i) {
      ASSERT_NEAR(out[size_t(t * D + i)], ref[size_t(i)], rel * max_ref + 1e-6)
          << "token " << t << " element " << i;
    }
  }
}

std::vector<Case> Cases() {
  std::vector<Case> cases;
  for (DType type : {DType::kF32, DType::kF16, DType::kQ8_0, DType::kQ4_0}) {
    for (int64_t T : {1, 7}) {
      cases.push_back({type, MoeGating::kSoftmax, MoeActivation::kSwiGlu, T, false});
      cases.push_back({type, MoeGating::kSoftmaxWeight, MoeActivation::kSwiGluOai, T, false});
    }
  }
  // Repacked slices (R4 layouts where the CPU has AVX-512; a no-op elsewhere).
  cases.push_back({DType::kQ8_0, MoeGating::kSoftmax, MoeActivation::kSwiGlu, 7, true});
  cases.push_back({DType::kQ4_0, MoeGating::kSoftmax, MoeActivation::kSwiGlu, 1, true});
  cases.push_back({DType::kQ4_0, MoeGating::kSigmoid, MoeActivation::kSwiGlu, 7, true});
  return cases;
}

std::string CaseName(const ::testing::TestParamInfo<Case>& info) {
  const Case& c = info.param;
  const char* gating = c.gating == MoeGating::kSoftmax         ? "Softmax"
                       : c.gating == MoeGating::kSoftmaxWeight ? "SoftmaxWeight"
                                                               : "Sigmoid";
  return std::string(DTypeName(c.type)) + "_" + gating +
         (c.activation == MoeActivation::kSwiGlu ? "_SwiGlu" : "_SwiGluOai") + "_T" +
         std::to_string(c.tokens) + (c.repack ? "_Repacked" : "");
}

INSTANTIATE_TEST_SUITE_P(Moe, MoeFfnTest, ::testing::ValuesIn(Cases()), CaseName);

TEST(MoeFfn, BatchEqualsTokenByToken) {
  Layer layer(DType::kQ8_0, false);
  MoeParams p{Layer::kExperts, 2, MoeGating::kSoftmax, true};
  const int64_t T = 9, D = Layer::kEmbd;
  const std::vector<float> x = RandomFloats(size_t(T * D), 10, 1.0f);
  std::vector<float> batch(static_cast<size_t>(T * D)), single(static_cast<size_t>(D));
  ThreadPool pool(2);
  MoeScratch scratch;
  MoeFfn(pool, p, layer.w, x.data(), T, batch.data(), scratch);
  for (int64_t t = 0; t < T; ++t) {
    MoeFfn(pool, p, layer.w, x.data() + t * D, 1, single.data(), scratch);
    for (int64_t i = 0; i < D; ++i) ASSERT_NEAR(batch[size_t(t * D + i)], single[size_t(i)], 1e-5);
  }
}

// Whether a thread takes an expert whole or the threads split its matrices, and however many
// threads there are, every output row is the same kernel's: the results are equal bit for
// bit. 1 thread takes every expert whole, 8 split them all, 2-4 do both (experts with more
// than a thread's share of the rows are split). The up matrices are F16 beside Q4_0 gate and
// down, so the batch is quantized for two formats; Q4_0 is repacked where the CPU has AVX-512
// (its R4 sums gathered with the rows).
TEST(MoeFfn, ResultsDoNotDependOnTheThreadCount) {
  Layer layer(DType::kQ4_0, /*biases=*/true);
  Layer f16(DType::kF16, false);
  layer.w.up = f16.w.up;
  RepackedBytes storage;
  std::vector<ops::WeightMatrix*> all;
  MoeMatrices(layer.w, &all);
  RepackMatrices(nullptr, all, &storage);
  MoeParams p{Layer::kExperts, 2, MoeGating::kSoftmax, true};
  const int64_t D = Layer::kEmbd;
  for (int64_t T : {1, 5, 33}) {
    const std::vector<float> x = RandomFloats(size_t(T * D), 12, 1.0f);
    std::vector<float> want(size_t(T * D)), got(size_t(T * D));
    ThreadPool one(1);
    MoeScratch s1;
    MoeFfn(one, p, layer.w, x.data(), T, want.data(), s1);
    for (int threads : {2, 3, 4, 8}) {
      ThreadPool pool(threads);
      MoeScratch s;
      MoeFfn(pool, p, layer.w, x.data(), T, got.data(), s);
      ASSERT_EQ(0, std::memcmp(got.data(), want.data(), got.size() * sizeof(float)))
          << T << " tokens, " << threads << " threads";
    }
  }
}

TEST(RouteTokens, Gatings) {
  const float logits[4] = {1, 3, 2, 0};
  int32_t ids[2];
  float w[2];
  MoeScratch s;
  MoeParams p{4, 2, MoeGating::kSoftmax, /*norm_weights=*/true};
  RouteTokens(p, logits, 1, ids, w, s);
  EXPECT_THAT(ids, ElementsAre(1, 2));
  const float e = std::exp(1.0f);
  EXPECT_NEAR(w[0], e / (e + 1), 1e-6);
  EXPECT_NEAR(w[1], 1 / (e + 1), 1e-6);

  p.norm_weights = false;  // plain softmax probabilities over all four
  RouteTokens(p, logits, 1, ids, w, s);
  const float z = std::exp(1.0f) + std::exp(3.0f) + std::exp(2.0f) + 1;
  EXPECT_NEAR(w[0], std::exp(3.0f) / z, 1e-6);

  p.gating = MoeGating::kSoftmaxWeight;  // softmax over the two chosen logits
  RouteTokens(p, logits, 1, ids, w, s);
  EXPECT_THAT(ids, ElementsAre(1, 2));
  EXPECT_NEAR(w[0], e / (e + 1), 1e-6);

  p.gating = MoeGating::kSigmoid;
  p.weights_scale = 2.5f;
  RouteTokens(p, logits, 1, ids, w, s);
  EXPECT_NEAR(w[0], 2.5f / (1 + std::exp(-3.0f)), 1e-6);
  EXPECT_NEAR(w[1], 2.5f / (1 + std::exp(-2.0f)), 1e-6);
}

class RouterHook : public CaptureHook {
 public:
  bool Wants(CaptureName name, int layer) const override {
    return name == CaptureName::kRouter && layer == 4;
  }
  void Tensor(CaptureName, int, std::span<const float>) override {}
  blocks::AttentionCaptureRow AttentionRows(int, int) override { return {}; }
  void Router(int layer, int position, std::span<const int32_t> e,
              std::span<const float> w) override {
    layers.push_back(layer);
    positions.push_back(position);
    experts.assign(e.begin(), e.end());
    weights.assign(w.begin(), w.end());
  }
  std::vector<int> layers, positions;
  std::vector<int32_t> experts;
  std::vector<float> weights;
};

TEST(MoeFfn, OffersTheRouterChoiceToHooksThatWantIt) {
  Layer layer(DType::kF32, false);
  MoeParams p{Layer::kExperts, 2, MoeGating::kSoftmax, true};
  const int64_t T = 3, D = Layer::kEmbd;
  const std::vector<float> x = RandomFloats(size_t(T * D), 11, 1.0f);
  std::vector<float> out(size_t(T * D));
  RouterHook probed;
  CaptureHook* hooks[3] = {nullptr, &probed, nullptr};
  ThreadPool pool(1);
  MoeScratch s;
  const int32_t positions[3] = {10, 11, 12};
  MoeCapture capture{4, hooks, positions};
  MoeFfn(pool, p, layer.w, x.data(), T, out.data(), s, &capture);
  EXPECT_THAT(probed.layers, ElementsAre(4));
  EXPECT_THAT(probed.positions, ElementsAre(11));
  EXPECT_THAT(probed.experts, ElementsAre(s.ids[2], s.ids[3]));
  EXPECT_THAT(probed.weights, ElementsAre(s.weights[2], s.weights[3]));
  EXPECT_NEAR(probed.weights[0] + probed.weights[1], 1.0f, 1e-6);

  capture.layer = 5;  // not wanted there
  MoeFfn(pool, p, layer.w, x.data(), T, out.data(), s, &capture);
  EXPECT_EQ(probed.layers.size(), 1u);
}

TEST(ViewExperts, SlicesAreConsecutiveMatrices) {
  ExpertTensor t = MakeExpertTensor("blk.1.ffn_up_exps.weight", DType::kQ8_0, 64, 12, 4, 1);
  Result<ExpertMatrices> m = ViewExperts("m.gguf", t.info, 64, 12, 4);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  ASSERT_EQ(m->n_expert(), 4);
  const size_t row_bytes = RowBytes(DType::kQ8_0, 64);
  EXPECT_EQ((*m)[3].data, t.bytes.data() + 3 * 12 * row_bytes);
  EXPECT_EQ((*m)[3].rows, 12);
  EXPECT_EQ((*m)[3].cols, 64);
  EXPECT_EQ((*m)[3].row_bytes, row_bytes);
}

TEST(ViewExperts, ShapeErrorsNameTheTensor) {
  ExpertTensor t = MakeExpertTensor("blk.2.ffn_down_exps.weight", DType::kF32, 32, 8, 4, 1);
  Result<ExpertMatrices> count = ViewExperts("m.gguf", t.info, 32, 8, 6);
  ASSERT_FALSE(count.ok());
  EXPECT_THAT(count.status().message(),
              HasSubstr("m.gguf: tensor 'blk.2.ffn_down_exps.weight': holds 4 experts, "
                        "expected 6"));
  Result<ExpertMatrices> shape = ViewExperts("m.gguf", t.info, 8, 32, 4);
  ASSERT_FALSE(shape.ok());
  EXPECT_THAT(shape.status().message(),
              HasSubstr("'blk.2.ffn_down_exps.weight': shape [32, 8, 4], expected [8, 32, 4]"));
  t.info.shape = {32, 32};
  Result<ExpertMatrices> flat = ViewExperts("m.gguf", t.info, 32, 8, 4);
  ASSERT_FALSE(flat.ok());
  EXPECT_THAT(flat.status().message(), HasSubstr("'blk.2.ffn_down_exps.weight': expected a 3-D"));
}

// A GGUF image with one MoE layer (n_embd 32, n_ff 16, 4 experts), F32 everywhere.
std::vector<uint8_t> MoeImage(bool with_bias, int64_t down_experts) {
  gguf::Writer w;
  auto f32 = [](size_t n) {
    std::vector<uint8_t> b(n * sizeof(float));
    return b;
  };
  w.AddTensor("blk.0.ffn_gate_inp.weight", DType::kF32, {32, 4}, f32(32 * 4));
  w.AddTensor("blk.0.ffn_gate_exps.weight", DType::kF32, {32, 16, 4}, f32(32 * 16 * 4));
  w.AddTensor("blk.0.ffn_up_exps.weight", DType::kF32, {32, 16, 4}, f32(32 * 16 * 4));
  w.AddTensor("blk.0.ffn_down_exps.weight", DType::kF32, {16, 32, down_experts},
              f32(size_t(16 * 32 * down_experts)));
  if (with_bias) {
    w.AddTensor("blk.0.ffn_gate_inp.bias", DType::kF32, {4}, f32(4));
    w.AddTensor("blk.0.ffn_up_exps.bias", DType::kF32, {16, 4}, f32(16 * 4));
    w.AddTensor("blk.0.ffn_down_exps.bias", DType::kF32, {16, 4}, f32(16 * 4));  // wrong
  }
  return w.Serialize();
}

TEST(DeclareMoe, BindsALayerAndNamesBadTensors) {
  ModelConfig c;
  c.arch_name = "qwen3moe";
  c.n_embd = 32;
  c.n_ff_exp = 16;
  c.n_expert = 4;
  auto bind = [&](const std::vector<uint8_t>& image, const char* name, MoeWeights* m) {
    auto file = gguf::File::FromMemory(name, image);
    EXPECT_TRUE(file.ok()) << file.status().ToString();
    TensorBinder b(**file);
    DeclareMoe(b, c, 0, *m);
    return b.status();
  };
  MoeWeights w;
  const std::vector<uint8_t> ok_image = MoeImage(false, 4);
  ASSERT_TRUE(bind(ok_image, "ok.gguf", &w).ok());
  EXPECT_EQ(w.router.rows, 4);
  EXPECT_EQ(w.down.n_expert(), 4);
  EXPECT_EQ(w.down[0].rows, 32);
  EXPECT_EQ(w.up[3].rows, 16);
  EXPECT_TRUE(w.router_bias.empty());
  std::vector<ops::WeightMatrix*> all;
  MoeMatrices(w, &all);
  EXPECT_EQ(all.size(), 1u + 3 * 4);

  MoeWeights few;
  EXPECT_THAT(bind(MoeImage(false, 3), "few.gguf", &few).message(),
              HasSubstr("few.gguf: tensor 'blk.0.ffn_down_exps.weight': holds 3 experts"));
  MoeWeights bias;
  EXPECT_THAT(bind(MoeImage(true, 4), "bias.gguf", &bias).message(),
              HasSubstr("'blk.0.ffn_down_exps.bias': shape [16, 4], expected [32, 4]"));
  c.n_expert = 5;
  MoeWeights router;
  EXPECT_THAT(bind(ok_image, "ok.gguf", &router).message(),
              HasSubstr("'blk.0.ffn_gate_inp.weight': shape [32, 4], expected [32, 5]"));
}

}  // namespace
}  // namespace inferno
