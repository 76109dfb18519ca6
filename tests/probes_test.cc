// Probe correctness against independent references: the per-step top-k against llama.cpp's
// oracle top-10 on every fixture, attention weights against a plain double-precision
// recomputation of layer 0 from the dequantized weights, the logit lens at the last layer
// against the model's own logits, prompt surprisal against running each prefix alone, and
// the batch scheduler's probe events against a single-sequence Session's.
#include "engine/runtime/probes.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>

#include "engine/model/model.h"
#include "engine/runtime/scheduler.h"
#include "engine/runtime/session.h"
#include "engine/tensor/dequant.h"
#include "tests/session_runner.h"
#include "tests/subprocess.h"

namespace inferno {
namespace {

using testing::ReadAll;
using testing::RunSession;

namespace fs = std::filesystem;

std::string Fixture(const std::string& rel) {
  return (fs::path(testing::SharedDir()) / "fixtures" / rel).string();
}

std::unique_ptr<Model> LoadModel(const std::string& path) {
  Result<std::unique_ptr<Model>> m = Model::Load(path);
  if (!m.ok()) {
    ADD_FAILURE() << m.status().message();
    return nullptr;
  }
  return std::move(*m);
}

GenerateRequest Greedy(std::vector<int32_t> prompt, int max_tokens) {
  GenerateRequest req;
  req.prompt_tokens = std::move(prompt);
  req.max_tokens = max_tokens;
  req.sampling.temperature = 0;
  req.ignore_eos = true;
  return req;
}

std::vector<Event> Tokens(const std::vector<Event>& events) {
  std::vector<Event> out;
  for (const Event& e : events) {
    if (e.type == Event::Type::kToken) out.push_back(e);
  }
  return out;
}

std::vector<int32_t> IntArray(const boost::json::value& v) {
  std::vector<int32_t> out;
  for (const auto& x : v.as_array()) out.push_back(int32_t(x.to_number<int64_t>()));
  return out;
}

// --- Top-k against the oracle ---------------------------------------------------------------

// Same bounds as tests/parity_test.cc (reasons there): 0.02 on float-weight models, 0.5 on
// quantized ones whose 8-bit activations make summation order visible.
double LogitTolerance(const Model& m) {
  for (const gguf::TensorInfo& t : m.file().tensors()) {
    if (t.shape.size() >= 2 && t.type != DType::kF32 && t.type != DType::kF16 &&
        t.type != DType::kBF16) {
      return 0.5;
    }
  }
  return 0.02;
}

TEST(ProbesOracle, TopKMatchesLlamaCppTopTen) {
  const fs::path root = fs::path(testing::SharedDir()) / "fixtures";
  int cases = 0, steps_checked = 0;
  for (const auto& dir : fs::directory_iterator(root / "oracle")) {
    const fs::path model_path = root / "models" / (dir.path().filename().string() + ".gguf");
    if (!fs::exists(model_path)) continue;
    std::unique_ptr<Model> model = LoadModel(model_path.string());
    ASSERT_NE(model, nullptr);
    const double tol = LogitTolerance(*model);
    for (const auto& f : fs::directory_iterator(dir.path())) {
      if (f.path().extension() != ".json") continue;
      SCOPED_TRACE(f.path().string());
      const boost::json::object oracle = boost::json::parse(ReadAll(f.path())).as_object();
      const auto& steps = oracle.at("steps").as_array();
      GenerateRequest req = Greedy(IntArray(oracle.at("prompt_tokens")), int(steps.size()));
      req.top_k_events = 10;
      const std::vector<Event> tokens = Tokens(RunSession(*model, req));
      ++cases;
      for (size_t s = 0; s < steps.size() && s < tokens.size(); ++s) {
        const auto& step = steps[s].as_object();
        const auto& top = step.at("top").as_array();
        const Event& e = tokens[s];
        ASSERT_EQ(e.top.size(), 10u);
        for (size_t i = 0; i < top.size(); ++i) {
          const int32_t id = int32_t(top[i].as_array()[0].to_number<int64_t>());
          const double logit = top[i].as_array()[1].to_number<double>();
          // Rank i must hold the oracle's token unless a neighbour is within the tolerance
          // (then the order may legitimately swap).
          const double prev = i > 0 ? top[i - 1].as_array()[1].to_number<double>() : 1e30;
          const double next =
              i + 1 < top.size() ? top[i + 1].as_array()[1].to_number<double>() : -1e30;
          if (prev - logit > 2 * tol && logit - next > 2 * tol) {
            EXPECT_EQ(e.top[i].id, id) << "step " << s << " rank " << i;
          }
          EXPECT_NEAR(e.top[i].logit, logit, tol) << "step " << s << " rank " << i;
        }
        // Probabilities are a softmax over the whole vocabulary: descending, and the sampled
        // (greedy) token is rank 0 with the top probability.
        for (size_t i = 1; i < e.top.size(); ++i) EXPECT_LE(e.top[i].prob, e.top[i - 1].prob);
        EXPECT_EQ(e.rank, 0);
        EXPECT_FLOAT_EQ(e.prob, e.top[0].prob);
        EXPECT_GT(e.entropy, 0.0f);
        ++steps_checked;
        // After a near-tie the continuations may diverge legitimately.
        if (step.at("gap").to_number<double>() < 0.1) break;
      }
    }
  }
  EXPECT_GT(cases, 0);
  std::printf("[probes] top-k checked on %d oracle cases, %d steps\n", cases, steps_checked);
}

// --- Attention against a plain reference ----------------------------------------------------

std::vector<double> Row(const ops::WeightMatrix& w, int64_t r) {
  std::vector<float> f(w.cols);
  ops::DequantizeWeightRow(w, r, f.data());
  return std::vector<double>(f.begin(), f.end());
}

std::vector<double> MatVec(const ops::WeightMatrix& w, const std::vector<double>& x) {
  std::vector<double> y(w.rows);
  for (int64_t r = 0; r < w.rows; ++r) {
    const std::vector<double> row = Row(w, r);
    double s = 0;
    for (int64_t i = 0; i < w.cols; ++i) s += row[i] * x[i];
    y[r] = s;
  }
  return y;
}

// Llama-style RoPE with pairs (2i, 2i+1), angles pos * base^(-2i/n_rot).
void RopeRef(std::vector<double>& v, int n_heads, int head_dim, int n_rot, double base, int pos) {
  for (int h = 0; h < n_heads; ++h) {
    for (int i = 0; i < n_rot / 2; ++i) {
      const double angle = pos * std::pow(base, -2.0 * i / n_rot);
      double& a = v[h * head_dim + 2 * i];
      double& b = v[h * head_dim + 2 * i + 1];
      const double x0 = a, x1 = b;
      a = x0 * std::cos(angle) - x1 * std::sin(angle);
      b = x0 * std::sin(angle) + x1 * std::cos(angle);
    }
  }
}

TEST(ProbesAttention, LayerZeroMatchesPlainReference) {
  std::unique_ptr<Model> model = LoadModel(Fixture("models/llama-tiny-F16.gguf"));
  ASSERT_NE(model, nullptr);
  const ModelConfig& c = model->config();
  ASSERT_FALSE(c.rope_neox);
  const std::vector<int32_t> prompt =
      model->tokenizer().Encode("The quick brown fox jumps over the lazy dog", true, true);
  GenerateRequest req = Greedy(prompt, 3);
  req.probes.attention = true;
  req.probes.attention_layers = {0};
  const std::vector<Event> tokens = Tokens(RunSession(*model, req));
  ASSERT_EQ(tokens.size(), 3u);

  // Plain layer 0: embedding -> RMSNorm -> Wq/Wk -> RoPE -> softmax(q.k / sqrt(d)).
  const Weights& w = model->weights();
  std::vector<int32_t> seq = prompt;
  for (const Event& e : tokens) seq.push_back(e.id);
  std::vector<std::vector<double>> keys;
  auto normed = [&](int32_t tok) {
    std::vector<double> x = Row(w.token_embd, tok);
    double ss = 0;
    for (double v : x) ss += v * v;
    const double scale = 1.0 / std::sqrt(ss / x.size() + c.norm_eps);
    for (size_t i = 0; i < x.size(); ++i) x[i] *= scale * w.layers[0].attn_norm[i];
    return x;
  };
  double max_diff = 0;
  for (size_t pos = 0; pos + 1 < seq.size(); ++pos) {
    const std::vector<double> n = normed(seq[pos]);
    std::vector<double> k = MatVec(w.layers[0].wk, n);
    RopeRef(k, c.n_head_kv, c.head_dim, c.rope_dim, c.rope.freq_base, int(pos));
    keys.push_back(k);
    // The token events carry the attention of the query at position - 1.
    const Event* e = nullptr;
    for (const Event& t : tokens) {
      if (t.query_position == int(pos)) e = &t;
    }
    if (e == nullptr) continue;
    ASSERT_EQ(int(e->attention.size()), c.n_head);
    std::vector<double> q = MatVec(w.layers[0].wq, n);
    RopeRef(q, c.n_head, c.head_dim, c.rope_dim, c.rope.freq_base, int(pos));
    for (int h = 0; h < c.n_head; ++h) {
      const AttentionHead& got = e->attention[h];
      EXPECT_EQ(got.layer, 0);
      EXPECT_EQ(got.head, h);
      ASSERT_EQ(got.weights.size(), pos + 1);
      const int kvh = h / (c.n_head / c.n_head_kv);
      std::vector<double> s(pos + 1);
      double mx = -1e300;
      for (size_t j = 0; j <= pos; ++j) {
        double d = 0;
        for (int i = 0; i < c.head_dim; ++i) {
          d += q[h * c.head_dim + i] * keys[j][kvh * c.head_dim + i];
        }
        s[j] = d / std::sqrt(double(c.head_dim));
        mx = std::max(mx, s[j]);
      }
      double sum = 0;
      for (double& v : s) sum += (v = std::exp(v - mx));
      double got_sum = 0;
      for (size_t j = 0; j <= pos; ++j) {
        got_sum += got.weights[j];
        max_diff = std::max(max_diff, std::fabs(got.weights[j] - s[j] / sum));
      }
      EXPECT_NEAR(got_sum, 1.0, 1e-5);
    }
  }
  // The engine rounds activations, queries and cached keys to F16 (as llama.cpp does); the
  // reference stays in double. Measured: 1.1e-4; bound 1e-3.
  EXPECT_LT(max_diff, 1e-3);
  std::printf("[probes] attention layer 0 vs reference: max |diff| %.2e\n", max_diff);
}

TEST(ProbesAttention, RowsSumToOneOnEveryFamily) {
  for (const char* name :
       {"llama-tiny-Q8_0", "qwen2-tiny-Q8_0", "gemma3-tiny-Q8_0", "phi3-tiny-Q8_0"}) {
    SCOPED_TRACE(name);
    std::unique_ptr<Model> model = LoadModel(Fixture(std::string("models/") + name + ".gguf"));
    ASSERT_NE(model, nullptr);
    const ModelConfig& c = model->config();
    std::vector<int32_t> prompt;
    // Longer than gemma3's sliding window (32), so masked positions show up as zeros.
    for (int i = 0; i < 40; ++i) prompt.push_back(100 + i * 7);
    GenerateRequest req = Greedy(prompt, 2);
    req.probes.attention = true;
    req.probes.attention_heads = {0, c.n_head - 1};
    const std::vector<Event> tokens = Tokens(RunSession(*model, req));
    ASSERT_EQ(tokens.size(), 2u);
    for (const Event& e : tokens) {
      ASSERT_EQ(int(e.attention.size()), 2 * c.n_layer);
      for (const AttentionHead& a : e.attention) {
        ASSERT_EQ(int(a.weights.size()), e.query_position + 1);
        double sum = 0;
        for (float v : a.weights) {
          EXPECT_GE(v, 0.0f);
          sum += v;
        }
        EXPECT_NEAR(sum, 1.0, 1e-5) << "layer " << a.layer << " head " << a.head;
        if (c.arch_name == "gemma3" && c.layer_is_sliding[a.layer]) {
          // Outside the window nothing is attended.
          const int lo = e.query_position - c.sliding_window + 1;
          for (int j = 0; j < lo; ++j) EXPECT_EQ(a.weights[j], 0.0f);
        }
      }
    }
  }
}

// --- The prompt×prompt attention map --------------------------------------------------------

// Submits the requests to `sched` at once and waits (up to 60 s) until every one is done;
// nullopt on timeout. The callbacks own their state, so returning early is safe.
std::optional<std::vector<std::vector<Event>>> RunTogether(
    Scheduler& sched, const std::vector<GenerateRequest>& requests) {
  struct Shared {
    std::mutex mu;
    std::condition_variable cv;
    std::vector<std::vector<Event>> got;
    size_t done = 0;
  };
  auto shared = std::make_shared<Shared>();
  shared->got.resize(requests.size());
  for (size_t i = 0; i < requests.size(); ++i) {
    sched.Submit(requests[i], [shared, i](const Event& e) {
      std::lock_guard<std::mutex> lock(shared->mu);
      shared->got[i].push_back(e);
      if (e.type == Event::Type::kDone || e.type == Event::Type::kError) {
        ++shared->done;
        shared->cv.notify_all();
      }
      return true;
    });
  }
  std::unique_lock<std::mutex> lock(shared->mu);
  if (!shared->cv.wait_for(lock, std::chrono::seconds(60),
                           [&] { return shared->done == requests.size(); })) {
    return std::nullopt;
  }
  return shared->got;
}

const Event* FindEvent(const std::vector<Event>& events, Event::Type type) {
  for (const Event& e : events) {
    if (e.type == type) return &e;
  }
  return nullptr;
}

// RoPE in double: pairs (2i, 2i+1) (llama) or (i, i + n_rot/2) (NeoX), angle pos·base^(-2i/n_rot).
void RopeAny(std::vector<double>& v, int n_heads, int head_dim, int n_rot, double base, bool neox,
             int pos) {
  for (int h = 0; h < n_heads; ++h) {
    for (int i = 0; i < n_rot / 2; ++i) {
      const double angle = pos * std::pow(base, -2.0 * i / n_rot);
      double& a = v[h * head_dim + (neox ? i : 2 * i)];
      double& b = v[h * head_dim + (neox ? i + n_rot / 2 : 2 * i + 1)];
      const double x0 = a, x1 = b;
      a = x0 * std::cos(angle) - x1 * std::sin(angle);
      b = x0 * std::sin(angle) + x1 * std::cos(angle);
    }
  }
}

void RmsNormRef(double* x, int64_t n, const float* w, double eps) {
  double ss = 0;
  for (int64_t i = 0; i < n; ++i) ss += x[i] * x[i];
  const double scale = 1.0 / std::sqrt(ss / n + eps);
  for (int64_t i = 0; i < n; ++i) x[i] *= scale * w[i];
}

// Layer 0's attention weights of every query over its prompt, in double from the dequantized
// weights: embedding (× sqrt(n_embd) for gemma3) → RMSNorm → Q/K (biases for qwen2, fused for
// phi3, per-head norms for gemma3) → RoPE → softmax(q·k / sqrt(head_dim)), masked to gemma3's
// sliding window. Returns [n_head][n][n] (0 above the diagonal and outside the window).
std::vector<std::vector<std::vector<double>>> LayerZeroAttention(const Model& model,
                                                                 const std::vector<int32_t>& ids) {
  const ModelConfig& c = model.config();
  const LayerWeights& L = model.weights().layers[0];
  const int n = int(ids.size());
  const int q_dim = c.n_head * c.head_dim, k_dim = c.n_head_kv * c.head_dim;
  const bool sliding = c.arch_name == "gemma3" && c.layer_is_sliding[0];
  const double base = sliding ? c.rope.freq_base_swa : c.rope.freq_base;
  std::vector<std::vector<double>> qs, ks;
  for (int pos = 0; pos < n; ++pos) {
    std::vector<double> x = Row(model.weights().token_embd, ids[pos]);
    if (c.arch_name == "gemma3") {
      for (double& v : x) v *= std::sqrt(double(c.n_embd));
    }
    RmsNormRef(x.data(), c.n_embd, L.attn_norm.data(), c.norm_eps);
    std::vector<double> q, k;
    if (c.arch_name == "phi3") {
      const std::vector<double> qkv = MatVec(L.wqkv, x);
      q.assign(qkv.begin(), qkv.begin() + q_dim);
      k.assign(qkv.begin() + q_dim, qkv.begin() + q_dim + k_dim);
    } else {
      q = MatVec(L.wq, x);
      k = MatVec(L.wk, x);
    }
    if (!L.bq.empty()) {
      for (int i = 0; i < q_dim; ++i) q[i] += L.bq[i];
      for (int i = 0; i < k_dim; ++i) k[i] += L.bk[i];
    }
    if (!L.q_norm.empty()) {
      for (int h = 0; h < c.n_head; ++h) {
        RmsNormRef(q.data() + h * c.head_dim, c.head_dim, L.q_norm.data(), c.norm_eps);
      }
      for (int h = 0; h < c.n_head_kv; ++h) {
        RmsNormRef(k.data() + h * c.head_dim, c.head_dim, L.k_norm.data(), c.norm_eps);
      }
    }
    RopeAny(q, c.n_head, c.head_dim, c.rope_dim, base, c.rope_neox, pos);
    RopeAny(k, c.n_head_kv, c.head_dim, c.rope_dim, base, c.rope_neox, pos);
    qs.push_back(std::move(q));
    ks.push_back(std::move(k));
  }
  std::vector<std::vector<std::vector<double>>> out(
      c.n_head, std::vector<std::vector<double>>(n, std::vector<double>(n, 0.0)));
  for (int h = 0; h < c.n_head; ++h) {
    const int kvh = h / (c.n_head / c.n_head_kv);
    for (int i = 0; i < n; ++i) {
      const int lo = sliding ? std::max(0, i - c.sliding_window + 1) : 0;
      double mx = -1e300;
      std::vector<double>& row = out[h][i];
      for (int j = lo; j <= i; ++j) {
        double d = 0;
        for (int t = 0; t < c.head_dim; ++t) {
          d += qs[i][h * c.head_dim + t] * ks[j][kvh * c.head_dim + t];
        }
        row[j] = d / std::sqrt(double(c.head_dim));
        mx = std::max(mx, row[j]);
      }
      double sum = 0;
      for (int j = lo; j <= i; ++j) sum += (row[j] = std::exp(row[j] - mx));
      for (int j = lo; j <= i; ++j) row[j] /= sum;
    }
  }
  return out;
}

// A prompt longer than gemma3's sliding window (32) and than one 16-token prefill chunk.
std::vector<int32_t> MapPrompt() {
  std::vector<int32_t> prompt;
  for (int i = 0; i < 45; ++i) prompt.push_back(int32_t(100 + (i * 389) % 20000));
  return prompt;
}

TEST(ProbesPromptAttention, MatchesPlainReferenceOnEveryFamily) {
  for (const char* name :
       {"llama-tiny-Q8_0", "qwen2-tiny-Q8_0", "gemma3-tiny-Q8_0", "phi3-tiny-Q8_0"}) {
    SCOPED_TRACE(name);
    std::unique_ptr<Model> model = LoadModel(Fixture(std::string("models/") + name + ".gguf"));
    ASSERT_NE(model, nullptr);
    const ModelConfig& c = model->config();
    const std::vector<int32_t> prompt = MapPrompt();
    const int n = int(prompt.size());
    GenerateRequest req = Greedy(prompt, 1);
    req.probes.attention_prompt = true;
    req.probes.attention_layers = {c.n_layer - 1, 0};  // out of order: the map sorts them
    // 16-token chunks: the map is filled over three forward passes.
    const std::vector<Event> events = RunSession(*model, req, 512, 16);
    const Event* e = FindEvent(events, Event::Type::kPromptAttention);
    ASSERT_NE(e, nullptr);
    const AttentionMap& map = e->attention_map;
    ASSERT_EQ(map.n_positions, n);
    ASSERT_EQ(map.layers, (std::vector<int>{0, c.n_layer - 1}));
    ASSERT_EQ(int(map.heads.size()), c.n_head);
    ASSERT_EQ(map.weights.size(), 2 * c.n_head * AttentionMap::Triangle(n));
    // Every row of every recorded head is a distribution over the positions it sees.
    for (size_t li = 0; li < map.layers.size(); ++li) {
      const int layer = map.layers[li];
      for (size_t hi = 0; hi < map.heads.size(); ++hi) {
        for (int i = 0; i < n; ++i) {
          const std::span<const float> row = map.Row(li, hi, i);
          double sum = 0;
          for (float v : row) {
            EXPECT_GE(v, 0.0f);
            sum += v;
          }
          EXPECT_NEAR(sum, 1.0, 1e-5) << "layer " << layer << " head " << hi << " row " << i;
          if (c.arch_name == "gemma3" && c.layer_is_sliding[layer]) {
            for (int j = 0; j <= i - c.sliding_window; ++j) EXPECT_EQ(row[j], 0.0f);
          }
        }
      }
    }
    // Layer 0 against the plain recomputation, every row.
    const auto want = LayerZeroAttention(*model, prompt);
    double max_diff = 0;
    for (int h = 0; h < c.n_head; ++h) {
      for (int i = 0; i < n; ++i) {
        const std::span<const float> row = map.Row(0, size_t(h), i);
        for (int j = 0; j <= i; ++j) {
          max_diff = std::max(max_diff, std::fabs(row[j] - want[h][i][j]));
          if (want[h][i][j] == 0.0) {
            EXPECT_EQ(row[j], 0.0f) << "masked position " << j;
          }
        }
      }
    }
    // The engine quantizes the normed activations to 8 bits for the Q8_0 projections (as
    // llama.cpp does) and rounds queries and keys to F16; the reference stays in double.
    // Measured: 4.3e-3 (gemma3) to 9.2e-3 (llama); bound 2e-2.
    EXPECT_LT(max_diff, 2e-2);
    std::printf("[probes] %s prompt map layer 0 vs reference: max |diff| %.2e\n", name, max_diff);
  }
}

TEST(ProbesPromptAttention, F16ModelMatchesReferenceClosely) {
  std::unique_ptr<Model> model = LoadModel(Fixture("models/llama-tiny-F16.gguf"));
  ASSERT_NE(model, nullptr);
  const ModelConfig& c = model->config();
  const std::vector<int32_t> prompt = MapPrompt();
  GenerateRequest req = Greedy(prompt, 1);
  req.probes.attention_prompt = true;
  req.probes.attention_layers = {0};
  req.probes.attention_heads = {2, 0, 2};  // repeats and order do not matter
  const std::vector<Event> events = RunSession(*model, req, 512, 16);
  const Event* e = FindEvent(events, Event::Type::kPromptAttention);
  ASSERT_NE(e, nullptr);
  ASSERT_EQ(e->attention_map.heads, (std::vector<int>{0, 2}));
  const auto want = LayerZeroAttention(*model, prompt);
  double max_diff = 0;
  for (size_t hi = 0; hi < 2; ++hi) {
    const int h = e->attention_map.heads[hi];
    for (int i = 0; i < int(prompt.size()); ++i) {
      const std::span<const float> row = e->attention_map.Row(0, hi, i);
      for (int j = 0; j <= i; ++j) max_diff = std::max(max_diff, std::fabs(row[j] - want[h][i][j]));
    }
  }
  // F16 weights, activations kept in float: only F16 rounding of queries and keys. Measured:
  // 3.5e-4; the same bound as the per-token test above.
  EXPECT_LT(max_diff, 1e-3);
  std::printf("[probes] F16 prompt map layer 0 vs reference: max |diff| %.2e (%d heads of %d)\n",
              max_diff, 2, c.n_head);
}

TEST(ProbesPromptAttention, LastRowEqualsPerTokenCapture) {
  for (const char* name : {"llama-tiny-Q8_0", "gemma3-tiny-Q8_0"}) {
    SCOPED_TRACE(name);
    std::unique_ptr<Model> model = LoadModel(Fixture(std::string("models/") + name + ".gguf"));
    ASSERT_NE(model, nullptr);
    const std::vector<int32_t> prompt = MapPrompt();
    const int n = int(prompt.size());
    GenerateRequest per_token = Greedy(prompt, 2);
    per_token.probes.attention = true;
    per_token.probes.attention_heads = {1, 3};
    GenerateRequest map_only = per_token;
    map_only.probes.attention = false;
    map_only.probes.attention_prompt = true;
    GenerateRequest both = per_token;
    both.probes.attention_prompt = true;

    // The per-token probe alone: no map event.
    const std::vector<Event> a = RunSession(*model, per_token, 512, 16);
    EXPECT_EQ(FindEvent(a, Event::Type::kPromptAttention), nullptr);
    const std::vector<Event> a_tokens = Tokens(a);
    ASSERT_EQ(a_tokens.size(), 2u);
    ASSERT_EQ(a_tokens[0].query_position, n - 1);
    const std::vector<Event> b = RunSession(*model, map_only, 512, 16);
    const Event* map_event = FindEvent(b, Event::Type::kPromptAttention);
    ASSERT_NE(map_event, nullptr);
    for (const Event& t : Tokens(b)) EXPECT_TRUE(t.attention.empty());
    const AttentionMap& map = map_event->attention_map;
    // The per-token event lists layer by layer, the chosen heads in order (1, 3).
    ASSERT_EQ(a_tokens[0].attention.size(), map.layers.size() * 2);
    for (const AttentionHead& want : a_tokens[0].attention) {
      const size_t li =
          size_t(std::find(map.layers.begin(), map.layers.end(), want.layer) - map.layers.begin());
      const size_t hi =
          size_t(std::find(map.heads.begin(), map.heads.end(), want.head) - map.heads.begin());
      ASSERT_LT(li, map.layers.size());
      ASSERT_LT(hi, map.heads.size());
      const std::span<const float> row = map.Row(li, hi, n - 1);
      ASSERT_EQ(row.size(), want.weights.size());
      for (int j = 0; j < n; ++j) {
        EXPECT_NEAR(row[j], want.weights[j], 1e-6)
            << "layer " << want.layer << " head " << want.head << " position " << j;
      }
    }
    // Both at once: the map comes before the first token, whose attention is the map's last row
    // and equals the per-token run's; the second token's is the per-token run's too.
    const std::vector<Event> both_events = RunSession(*model, both, 512, 16);
    size_t map_at = both_events.size(), first_token_at = both_events.size();
    for (size_t i = 0; i < both_events.size(); ++i) {
      if (both_events[i].type == Event::Type::kPromptAttention) map_at = i;
      if (both_events[i].type == Event::Type::kToken && first_token_at == both_events.size()) {
        first_token_at = i;
      }
    }
    ASSERT_LT(map_at, first_token_at);
    const std::vector<Event> both_tokens = Tokens(both_events);
    ASSERT_EQ(both_tokens.size(), 2u);
    for (size_t k = 0; k < 2; ++k) {
      ASSERT_EQ(both_tokens[k].attention.size(), a_tokens[k].attention.size());
      for (size_t h = 0; h < a_tokens[k].attention.size(); ++h) {
        EXPECT_EQ(both_tokens[k].attention[h].layer, a_tokens[k].attention[h].layer);
        EXPECT_EQ(both_tokens[k].attention[h].head, a_tokens[k].attention[h].head);
        ASSERT_EQ(both_tokens[k].attention[h].weights.size(),
                  a_tokens[k].attention[h].weights.size());
        for (size_t j = 0; j < a_tokens[k].attention[h].weights.size(); ++j) {
          EXPECT_NEAR(both_tokens[k].attention[h].weights[j], a_tokens[k].attention[h].weights[j],
                      1e-6);
        }
      }
    }
  }
}

TEST(ProbesPromptAttention, TooBigIsAnError) {
  std::unique_ptr<Model> model = LoadModel(Fixture("models/llama-tiny-Q8_0.gguf"));
  ASSERT_NE(model, nullptr);
  const ModelConfig& c = model->config();
  // Every layer and head: 8 heads × 800² = 5.12M weights > 4M.
  std::vector<int32_t> prompt(800);
  for (int i = 0; i < 800; ++i) prompt[i] = int32_t(1 + (i * 97) % 31000);
  ASSERT_GT(int64_t(c.n_layer) * c.n_head * 800 * 800, kMaxPromptAttentionWeights);
  GenerateRequest req = Greedy(prompt, 1);
  req.probes.attention_prompt = true;
  ThreadPool pool(1);
  SessionOptions so;
  so.n_ctx = 1024;
  Session session(*model, pool, so);
  std::vector<Event> events;
  const Status st = session.Generate(req, [&](const Event& e) {
    events.push_back(e);
    return true;
  });
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("prompt attention map"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find(std::to_string(kMaxPromptAttentionWeights)), std::string::npos);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type, Event::Type::kError);
  // Within the limit for one layer's one head.
  ProbeOptions one = req.probes;
  one.attention_layers = {0};
  one.attention_heads = {0};
  EXPECT_TRUE(CheckPromptAttention(one, c, 800).ok());
  EXPECT_TRUE(CheckPromptAttention(req.probes, c, 700).ok());  // 8 × 490000 = 3.92M
}

TEST(ProbesPromptAttention, SchedulerMapEqualsSessionMap) {
  std::unique_ptr<Model> model = LoadModel(Fixture("models/gemma3-tiny-Q8_0.gguf"));
  ASSERT_NE(model, nullptr);
  GenerateRequest req = Greedy(MapPrompt(), 3);
  req.probes.attention_prompt = true;
  req.probes.attention_layers = {0, 5};
  const std::vector<Event> want = RunSession(*model, req, 512, 256);
  const Event* want_map = FindEvent(want, Event::Type::kPromptAttention);
  ASSERT_NE(want_map, nullptr);

  // A small batch shared with a plain sequence: the map's prompt is split over several steps
  // and batched with another sequence's tokens.
  SchedulerOptions so;
  so.n_slots = 2;
  so.n_ctx = 512;
  so.n_batch = 12;
  so.n_threads = 2;
  Scheduler sched(*model, so);
  GenerateRequest plain = Greedy(model->tokenizer().Encode("Another sequence", true, true), 8);
  const auto result = RunTogether(sched, {plain, req});
  ASSERT_TRUE(result.has_value());
  const std::vector<std::vector<Event>>& got = *result;
  EXPECT_EQ(FindEvent(got[0], Event::Type::kPromptAttention), nullptr);
  const Event* map = FindEvent(got[1], Event::Type::kPromptAttention);
  ASSERT_NE(map, nullptr);
  EXPECT_EQ(map->attention_map.layers, want_map->attention_map.layers);
  EXPECT_EQ(map->attention_map.heads, want_map->attention_map.heads);
  ASSERT_EQ(map->attention_map.weights.size(), want_map->attention_map.weights.size());
  double max_diff = 0;
  for (size_t i = 0; i < map->attention_map.weights.size(); ++i) {
    max_diff = std::max(max_diff, double(std::fabs(map->attention_map.weights[i] -
                                                   want_map->attention_map.weights[i])));
  }
  EXPECT_LT(max_diff, 1e-4);
  EXPECT_EQ(Tokens(got[1]).size(), 3u);
}

// --- Logit lens -----------------------------------------------------------------------------

TEST(ProbesLogitLens, LastLayerEqualsModelLogits) {
  for (const char* name : {"llama-tiny-Q8_0", "llama-tiny-F16", "gemma3-tiny-Q8_0",
                           "qwen2-tiny-Q8_0", "phi3-tiny-Q8_0"}) {
    SCOPED_TRACE(name);
    std::unique_ptr<Model> model = LoadModel(Fixture(std::string("models/") + name + ".gguf"));
    ASSERT_NE(model, nullptr);
    const ModelConfig& c = model->config();
    GenerateRequest req = Greedy(model->tokenizer().Encode("Once upon a time", true, true), 4);
    req.top_k_events = 10;
    req.probes.logit_lens = true;
    req.probes.logit_lens_top_k = 10;
    req.probes.full_logits = true;
    const std::vector<Event> tokens = Tokens(RunSession(*model, req));
    ASSERT_EQ(tokens.size(), 4u);
    for (const Event& e : tokens) {
      ASSERT_EQ(int(e.logit_lens.size()), c.n_layer);
      ASSERT_EQ(int(e.logits.size()), c.n_vocab);
      const LensLayer& last = e.logit_lens.back();
      EXPECT_EQ(last.layer, c.n_layer - 1);
      ASSERT_EQ(last.top.size(), 10u);
      for (size_t i = 0; i < 10; ++i) {
        EXPECT_EQ(last.top[i].id, e.top[i].id) << "rank " << i;
        // The same rows through the same kernels; only the batch shape differs.
        EXPECT_NEAR(last.top[i].logit, e.logits[last.top[i].id], 1e-3);
        EXPECT_NEAR(last.top[i].prob, e.top[i].prob, 1e-4);
      }
      EXPECT_NEAR(last.entropy, e.entropy, 1e-3);
      // Earlier layers are different distributions (random weights: not the final one).
      EXPECT_NE(e.logit_lens.front().top[0].logit, last.top[0].logit);
    }
  }
}

// --- Prompt surprisal -----------------------------------------------------------------------

TEST(ProbesSurprisal, MatchesEachPrefixRunAlone) {
  std::unique_ptr<Model> model = LoadModel(Fixture("models/llama-tiny-Q8_0.gguf"));
  ASSERT_NE(model, nullptr);
  std::vector<int32_t> prompt;
  for (int i = 0; i < 70; ++i) prompt.push_back(int32_t(1 + (i * 131) % 31000));  // > 2 chunks
  GenerateRequest req = Greedy(prompt, 1);
  req.probes.prompt_surprisal = true;
  const std::vector<Event> events = RunSession(*model, req);
  const Event* scores = nullptr;
  for (const Event& e : events) {
    if (e.type == Event::Type::kPromptScores) scores = &e;
  }
  ASSERT_NE(scores, nullptr);
  ASSERT_EQ(scores->prompt_scores.size(), prompt.size() - 1);
  for (int p : {1, 2, 31, 32, 33, 64, 69}) {
    const PromptScore& s = scores->prompt_scores[p - 1];
    EXPECT_EQ(s.position, p);
    EXPECT_EQ(s.id, prompt[p]);
    // Teacher forcing: the score of token p is the distribution after prefix [0, p).
    GenerateRequest alone = Greedy(std::vector<int32_t>(prompt.begin(), prompt.begin() + p), 1);
    alone.probes.full_logits = true;
    const std::vector<Event> t = Tokens(RunSession(*model, alone));
    ASSERT_EQ(t.size(), 1u);
    const PromptScore want = ScoreToken(t[0].logits, p, prompt[p]);
    // 8-bit activations: another chunking may flip a rounding (see parity_test.cc).
    EXPECT_NEAR(s.logprob, want.logprob, 0.05) << "position " << p;
    EXPECT_LE(std::abs(s.rank - want.rank), 2) << "position " << p;
  }
}

// --- Scheduler path -------------------------------------------------------------------------

TEST(ProbesScheduler, BatchedProbesEqualSessionProbes) {
  std::unique_ptr<Model> model = LoadModel(Fixture("models/llama-tiny-F16.gguf"));
  ASSERT_NE(model, nullptr);
  GenerateRequest req = Greedy(model->tokenizer().Encode("Hello there, probes", true, true), 5);
  req.top_k_events = 5;
  req.probes.attention = true;
  req.probes.attention_layers = {1};
  req.probes.logit_lens = true;
  req.probes.prompt_surprisal = true;
  const std::vector<Event> want = RunSession(*model, req);

  SchedulerOptions so;
  so.n_slots = 3;
  so.n_ctx = 512;
  so.n_threads = 2;
  Scheduler sched(*model, so);
  GenerateRequest plain = Greedy(model->tokenizer().Encode("Another sequence", true, true), 8);
  const auto result = RunTogether(sched, {req, plain, req});
  ASSERT_TRUE(result.has_value());
  const std::vector<std::vector<Event>>& got = *result;
  for (int i : {0, 2}) {
    ASSERT_EQ(got[i].size(), want.size());
    for (size_t k = 0; k < want.size(); ++k) {
      const Event& a = got[i][k];
      const Event& b = want[k];
      ASSERT_EQ(a.type, b.type);
      EXPECT_EQ(a.id, b.id);
      ASSERT_EQ(a.attention.size(), b.attention.size());
      for (size_t h = 0; h < a.attention.size(); ++h) {
        ASSERT_EQ(a.attention[h].weights.size(), b.attention[h].weights.size());
        for (size_t j = 0; j < a.attention[h].weights.size(); ++j) {
          EXPECT_NEAR(a.attention[h].weights[j], b.attention[h].weights[j], 1e-4);
        }
      }
      ASSERT_EQ(a.logit_lens.size(), b.logit_lens.size());
      for (size_t l = 0; l < a.logit_lens.size(); ++l) {
        EXPECT_EQ(a.logit_lens[l].top[0].id, b.logit_lens[l].top[0].id);
      }
      ASSERT_EQ(a.prompt_scores.size(), b.prompt_scores.size());
      for (size_t p = 0; p < a.prompt_scores.size(); ++p) {
        EXPECT_NEAR(a.prompt_scores[p].logprob, b.prompt_scores[p].logprob, 1e-3);
      }
    }
  }
  // The unprobed neighbour carries nothing extra.
  for (const Event& e : got[1]) {
    EXPECT_TRUE(e.attention.empty());
    EXPECT_TRUE(e.logit_lens.empty());
    EXPECT_NE(e.type, Event::Type::kPromptScores);
  }
}

TEST(ProbesOptions, BadLayerOrHeadIsAnError) {
  std::unique_ptr<Model> model = LoadModel(Fixture("models/llama-tiny-Q8_0.gguf"));
  ASSERT_NE(model, nullptr);
  GenerateRequest req = Greedy({1, 2, 3}, 2);
  req.probes.attention = true;
  req.probes.attention_layers = {7};
  ThreadPool pool(1);
  Session session(*model, pool);
  const Status st = session.Generate(req, [](const Event&) { return true; });
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("attention layer 7"), std::string::npos) << st.message();
  req.probes.attention_layers = {};
  req.probes.attention_heads = {-1};
  EXPECT_FALSE(session.Generate(req, [](const Event&) { return true; }).ok());
}

}  // namespace
}  // namespace inferno
