// Google Benchmark program for the engine's hot kernels, at the shapes of a Llama-3.2-1B-
// sized model (n_embd 2048, n_ff 8192). Decode matmuls report bytes of weights read per
// second (their ceiling is the memory read bandwidth, measured by ReadBandwidth here);
// prompt matmuls report tokens per second; attention at depth 8000 reports cache bytes read
// per second.
//
//   build/release/kernel_bench                       # everything
//   build/release/kernel_bench --benchmark_filter=MatMulDecode
//   INFERNO_ISA=avx2 build/release/kernel_bench      # lower the instruction set
#include <benchmark/benchmark.h>

#include <cstring>
#include <random>
#include <vector>

#include "engine/model/blocks.h"
#include "engine/ops/axpy_f16.h"
#include "engine/ops/cpu_features.h"
#include "engine/ops/kernel_test_util.h"
#include "engine/ops/matmul.h"
#include "engine/ops/repack.h"
#include "engine/ops/vec_dot.h"
#include "engine/runtime/kv_cache.h"
#include "engine/tensor/dtype.h"
#include "engine/tensor/fp16.h"
#include "engine/threads/thread_pool.h"

namespace inferno {
namespace {

constexpr DType kTypes[] = {DType::kF16,    DType::kQ8_0, DType::kQ4_0, DType::kQ4_K,
                            DType::kQ5_K,   DType::kQ6_K, DType::kBF16, DType::kQ5_0,
                            DType::kQ5_1,   DType::kQ2_K, DType::kQ3_K, DType::kIQ4_NL,
                            DType::kIQ4_XS, DType::kMXFP4};

std::string Label(DType type, ops::WeightLayout layout = ops::WeightLayout::kRows) {
  return std::string(GetDTypeInfo(type).name) +
         (layout != ops::WeightLayout::kRows ? " R4 " : " ") + ops::IsaName(ops::ActiveIsa());
}

// A weight matrix of random blocks with sane scales.
struct RandomMatrix {
  RandomMatrix(DType type, int64_t rows, int64_t cols) {
    std::mt19937 rng(1234);
    const std::vector<uint8_t> row = ops::testing::RandomRow(type, cols, rng);
    bytes.resize(row.size() * rows);
    for (int64_t r = 0; r < rows; ++r)
      std::memcpy(bytes.data() + r * row.size(), row.data(), row.size());
    // Vary rows a little so no two cache lines are the same page-deduplicated memory.
    for (size_t i = 7; i < bytes.size(); i += 4099) bytes[i] ^= uint8_t(i);
    w = {type, rows, cols, bytes.data(), row.size()};
  }
  // Switches to the layout the model loader would pick (ops::ShouldRepack), if any.
  void Repack() {
    if (ops::ShouldRepack(w)) w = ops::RepackWeights(w, &repacked);
  }
  std::vector<uint8_t> bytes;
  ops::AlignedBytes repacked;
  ops::WeightMatrix w;
};

void VecDot(benchmark::State& state) {
  const DType type = kTypes[state.range(0)];
  const int64_t n = 4096;
  std::mt19937 rng(1);
  const std::vector<uint8_t> w = ops::testing::RandomRow(type, n, rng);
  const std::vector<float> x = ops::testing::RandomFloats(n, rng);
  ThreadPool pool(1);
  ops::Activations a;
  a.Quantize(pool, type, x.data(), 1, n);
  const ops::VecDotFn dot = ops::GetVecDot(type);
  for (auto _ : state) benchmark::DoNotOptimize(dot(n, w.data(), a.row(0)));
  state.SetBytesProcessed(state.iterations() * int64_t(w.size()));
  state.SetLabel(Label(type));
}
BENCHMARK(VecDot)->DenseRange(0, std::size(kTypes) - 1);

// One token through a weight matrix: what decode does for every projection.
void MatMulDecode(benchmark::State& state) {
  const DType type = kTypes[state.range(0)];
  const int64_t rows = state.range(1), cols = state.range(2);
  const int threads = int(state.range(3));
  RandomMatrix m(type, rows, cols);
  if (state.range(4)) m.Repack();
  std::mt19937 rng(2);
  const std::vector<float> x = ops::testing::RandomFloats(cols, rng);
  std::vector<float> y(rows);
  ThreadPool pool(threads);
  ops::Activations a;
  for (auto _ : state) {
    ops::MatMul(pool, m.w, x.data(), 1, y.data(), a);
    benchmark::DoNotOptimize(y.data());
  }
  state.SetBytesProcessed(state.iterations() * int64_t(m.bytes.size()));
  state.SetLabel(Label(type, m.w.layout));
}
// Whether the loader would repack a matrix of this type (at the 1B model's shapes).
bool HasR4Layout(DType t) {
  return ops::ShouldRepack(ops::WeightMatrix{t, 2048, 2048, nullptr, RowBytes(t, 2048)});
}

// Last argument 1: in the layout the loader repacks to (on AVX-512), 0: as in GGUF.
void DecodeShapes(benchmark::internal::Benchmark* b) {
  for (int t = 0; t < int(std::size(kTypes)); ++t) {
    for (int repack : {0, 1}) {
      if (repack && !HasR4Layout(kTypes[t])) continue;
      for (int threads : {1, 2}) {
        b->Args({t, 2048, 2048, threads, repack});  // attention output
        b->Args({t, 8192, 2048, threads, repack});  // FFN gate/up
      }
    }
  }
}
BENCHMARK(MatMulDecode)->Apply(DecodeShapes)->UseRealTime();

// A prompt batch through a weight matrix: the prefill GEMM.
void MatMulPrompt(benchmark::State& state) {
  const DType type = kTypes[state.range(0)];
  const int64_t tokens = state.range(1);
  const int threads = int(state.range(2));
  RandomMatrix m(type, 2048, 2048);
  if (state.range(3)) m.Repack();
  std::mt19937 rng(3);
  const std::vector<float> x = ops::testing::RandomFloats(tokens * 2048, rng);
  std::vector<float> y(tokens * 2048);
  ThreadPool pool(threads);
  ops::Activations a;
  for (auto _ : state) {
    ops::MatMul(pool, m.w, x.data(), tokens, y.data(), a);
    benchmark::DoNotOptimize(y.data());
  }
  state.SetItemsProcessed(state.iterations() * tokens);
  state.counters["GFLOP/s"] =
      benchmark::Counter(2.0 * 2048 * 2048 * tokens * state.iterations(),
                         benchmark::Counter::kIsRate, benchmark::Counter::kIs1000);
  state.SetLabel(Label(type, m.w.layout));
}
void PromptShapes(benchmark::internal::Benchmark* b) {
  for (int t = 0; t < int(std::size(kTypes)); ++t) {
    for (int repack : {0, 1}) {
      if (repack && !HasR4Layout(kTypes[t])) continue;
      b->Args({t, 64, 1, repack}), b->Args({t, 64, 2, repack}), b->Args({t, 256, 2, repack});
    }
  }
}
BENCHMARK(MatMulPrompt)->Apply(PromptShapes)->UseRealTime();

void QuantizeActivations(benchmark::State& state) {
  const DType weight_type = kTypes[state.range(0)];
  std::mt19937 rng(4);
  const std::vector<float> x = ops::testing::RandomFloats(8192, rng);
  ThreadPool pool(1);
  ops::Activations a;
  for (auto _ : state) {
    a.Quantize(pool, weight_type, x.data(), 1, 8192);
    benchmark::DoNotOptimize(a.row(0));
  }
  state.SetItemsProcessed(state.iterations() * 8192);
  state.SetLabel("for " + std::string(GetDTypeInfo(weight_type).name));
}
BENCHMARK(QuantizeActivations)->DenseRange(0, std::size(kTypes) - 1);

void RmsNorm(benchmark::State& state) {
  std::mt19937 rng(5);
  const std::vector<float> x = ops::testing::RandomFloats(2048, rng);
  const std::vector<float> w = ops::testing::RandomFloats(2048, rng);
  std::vector<float> out(2048);
  for (auto _ : state) {
    blocks::RmsNorm(x.data(), w.data(), out.data(), 1, 2048, 1e-5f);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * 2048);
}
BENCHMARK(RmsNorm);

void SwiGlu(benchmark::State& state) {
  std::mt19937 rng(6);
  const std::vector<float> g = ops::testing::RandomFloats(8192, rng);
  const std::vector<float> u = ops::testing::RandomFloats(8192, rng);
  std::vector<float> out(8192);
  for (auto _ : state) {
    blocks::SwiGlu(g.data(), u.data(), out.data(), 8192);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * 8192);
}
BENCHMARK(SwiGlu);

// Attention's V accumulation over the F16 cache (one head, 64 dims, per position).
void AxpyF16(benchmark::State& state) {
  std::vector<uint16_t> v(64);
  for (size_t i = 0; i < v.size(); ++i) v[i] = F32ToF16(float(i) * 0.01f);
  std::vector<float> y(64);
  const ops::AxpyF16Fn axpy = ops::GetAxpyF16();
  for (auto _ : state) {
    axpy(64, 0.5f, v.data(), y.data());
    benchmark::DoNotOptimize(y.data());
  }
  state.SetItemsProcessed(state.iterations() * 64);
}
BENCHMARK(AxpyF16);

// Attention over a Llama-3.2-1B-shaped cache (32 query heads, 8 KV heads of 64, 16 layers; one
// layer per iteration, cycling so that the cache, not L3, serves it), on 2 threads: args are the
// cache type (0 F16, 1 Q8_0, 2 Q4_0), the kernel (0 two-pass, 1 one-pass with split keys), the
// depth (keys already cached) and the tokens of the batch (1: a decode step; more: a prompt
// chunk after the depth). Bytes processed: the K and V bytes of the layer, so the figure
// compares with ReadBandwidth. AttentionDepth8000 is the long-context row of issue 19;
// AttentionDepth places AttentionParams::online_min_keys.
void AttentionAt(benchmark::State& state, int depth, int n_tokens) {
  constexpr DType kCacheTypes[] = {DType::kF16, DType::kQ8_0, DType::kQ4_0};
  constexpr int kLayers = 16, kHeads = 32, kKvHeads = 8, kDim = 64;
  ModelConfig c;
  c.n_layer = kLayers;
  c.n_head = kHeads;
  c.n_head_kv = kKvHeads;
  c.head_dim = c.head_dim_v = kDim;
  const DType t = kCacheTypes[state.range(0)];
  KvCache cache(c, depth + n_tokens, {t, t});
  std::mt19937 rng(1);
  std::normal_distribution<float> nd(0, 1);
  std::vector<float> kv(size_t(2) * n_tokens * kKvHeads * kDim),
      q(size_t(n_tokens) * kHeads * kDim), out(size_t(n_tokens) * kHeads * kDim);
  for (int layer = 0; layer < kLayers; ++layer) {
    for (int pos = 0; pos < depth; ++pos) {
      for (size_t i = 0; i < size_t(2) * kKvHeads * kDim; ++i) kv[i] = nd(rng);
      cache.Store(layer, pos, kv.data(), kv.data() + kKvHeads * kDim);
    }
  }
  for (float& x : q) x = nd(rng);
  for (float& x : kv) x = nd(rng);
  std::vector<float> k(size_t(n_tokens) * kKvHeads * kDim), v(k.size());
  std::copy(kv.begin(), kv.begin() + k.size(), k.begin());
  std::copy(kv.begin() + k.size(), kv.begin() + 2 * k.size(), v.begin());
  blocks::AttentionParams p{kHeads, kKvHeads, kDim, kDim, 0.125f};
  p.online_min_keys = state.range(1) == 1 ? 0 : depth + n_tokens + 1;
  blocks::AttentionScratch scratch;
  ThreadPool pool(2);
  const std::vector<KvCache*> caches(static_cast<size_t>(n_tokens), &cache);  // one per token
  std::vector<int32_t> pos(static_cast<size_t>(n_tokens));
  for (int i = 0; i < n_tokens; ++i) pos[size_t(i)] = depth + i;
  int layer = 0;
  for (auto _ : state) {
    blocks::Attention(pool, p, q.data(), k.data(), v.data(), n_tokens, pos.data(), caches.data(),
                      layer, out.data(), scratch);
    layer = (layer + 1) % kLayers;
    benchmark::DoNotOptimize(out.data());
  }
  const double bytes =
      double(kKvHeads) * (depth + n_tokens) * double(cache.k_head_bytes() + cache.v_head_bytes());
  state.SetBytesProcessed(int64_t(state.iterations() * bytes));
}
void AttentionDepth8000(benchmark::State& state) { AttentionAt(state, 8000, 1); }
BENCHMARK(AttentionDepth8000)
    ->ArgsProduct({{0, 1, 2}, {0, 1}})
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);
void AttentionDepth(benchmark::State& state) {
  AttentionAt(state, int(state.range(2)), int(state.range(3)));
}
BENCHMARK(AttentionDepth)
    ->ArgsProduct({{0, 1, 2}, {0, 1}, {512, 1024, 2048}, {1, 32}})
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);

// Memory read bandwidth: every thread sums its share of a buffer much larger than the
// caches. Decode's ceiling is this figure divided by the weight bytes read per token.
void ReadBandwidth(benchmark::State& state) {
  const int threads = int(state.range(0));
  const size_t n = size_t(512) << 20 >> 3;  // 512 MiB of uint64
  // On 2 MiB pages like the repacked weights (ops::AlignedBytes): with 4 KiB pages the TLB
  // misses cap the stream below what decode reaches.
  ops::AlignedBytes storage(n * sizeof(uint64_t));
  auto* buffer = reinterpret_cast<uint64_t*>(storage.data());
  for (size_t i = 0; i < n; ++i) buffer[i] = i;
  ThreadPool pool(threads);
  std::vector<uint64_t> sums(threads * 8);
  for (auto _ : state) {
    pool.ParallelFor(
        int64_t(n),
        [&](int64_t begin, int64_t end) {
          // 16-byte vector adds (GCC vector extension: SSE2 here, NEON on ARM), four chains,
          // so the loop is never the limit.
          using V2 = uint64_t __attribute__((vector_size(16)));
          V2 a = {0, 0}, b = a, c = a, d = a;
          for (int64_t i = begin; i + 8 <= end; i += 8) {
            V2 x0, x1, x2, x3;
            std::memcpy(&x0, buffer + i, 16);
            std::memcpy(&x1, buffer + i + 2, 16);
            std::memcpy(&x2, buffer + i + 4, 16);
            std::memcpy(&x3, buffer + i + 6, 16);
            a += x0, b += x1, c += x2, d += x3;
          }
          const V2 t = a + b + c + d;
          sums[(begin * threads / int64_t(n)) * 8] = t[0] + t[1];
        },
        64);
    benchmark::DoNotOptimize(sums.data());
  }
  state.SetBytesProcessed(state.iterations() * int64_t(n * sizeof(uint64_t)));
}
BENCHMARK(ReadBandwidth)->Arg(1)->Arg(2)->UseRealTime()->MinTime(1.0);

}  // namespace
}  // namespace inferno

BENCHMARK_MAIN();
