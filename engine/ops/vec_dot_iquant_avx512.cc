// AVX-512 VNNI dot products of the codebook formats: IQ4_NL and MXFP4 with Q8_0 activations,
// IQ4_XS with Q8_K; single-row and four-row (decode) forms and 4×4 prompt tiles.
//
// A vpshufb lookup yields each block's levels. IQ4_NL/MXFP4 look up levels offset to unsigned
// bytes for vpdpbusd (see below). IQ4_XS has a signed scale per 32 elements, and vpdpbusd's
// four-product lane sums (up to 4·241·127) do not fit the int16 that vpdpwssd multiplies, so
// it multiplies |w| by y carrying w's sign with maddubs (int16 pair sums, at most 2·127·127)
// and vpdpwssd applies the scale and accumulates. 256-bit registers, as the other VNNI kernels
// (vec_dot_avx512.cc).
//
// The decode and prompt forms share the per-block arithmetic (Unpack + Accumulate), so for
// IQ4_XS prefill and decode compute bit-identical values, as the K-quant kernels do.
#if defined(__x86_64__) || defined(__i386__)
#include "engine/ops/iquant_x86.h"
#include "engine/ops/simd_x86.h"
#include "engine/ops/vec_dot.h"
#include "engine/ops/vec_dot_iq2.h"
#include "engine/tensor/quant_blocks.h"

namespace inferno::ops {
namespace {

// One weight block's levels, ready for the signed byte product.
struct Levels32 {
  __m256i w;    // signed levels
  __m256i abs;  // |w|, the unsigned operand of vpdpbusd/maddubs
};

inline Levels32 UnpackLevels(const uint8_t* qs, __m256i table) {
  const __m256i w = LookupLevels(qs, table);
  return {w, _mm256_abs_epi8(w)};
}

// ---- IQ4_NL and MXFP4 (blocks of 32, Q8_0 activations) ----
//
// These look up level + 128, an unsigned byte, so that vpdpbusd takes it directly:
// Σ (level + 128)·y − 128·Σy = Σ level·y. The correction depends only on the activation
// block, so the four-row and 4×4 forms compute it once for all rows, as the accumulator
// vpdpbusd starts from; per row and block that leaves lookup, one vpdpbusd and the FMA.

template <typename Block>
constexpr bool kIsMx = sizeof(Block) == sizeof(BlockMXFP4);

// The codebook with 128 added (xor flips the sign bit: -128..127 -> 0..255).
template <typename Block>
inline __m256i OffsetTable() {
  return _mm256_xor_si256(CodebookTable(kIsMx<Block> ? kMXFP4Values : kIQ4NLValues),
                          _mm256_set1_epi8(char(0x80)));
}

// -128·Σy per group of four activations: where the per-row dot starts.
inline __m256i NegOffsetSums(__m256i y) {
  return _mm256_sub_epi32(
      _mm256_setzero_si256(),
      _mm256_dpbusd_epi32(_mm256_setzero_si256(), _mm256_set1_epi8(char(0x80)), y));
}

template <typename Block>
inline float BlockScale(const Block& b) {
  if constexpr (kIsMx<Block>) {
    return E8M0HalfX86(b.e);
  } else {
    return H2F(b.d);
  }
}

// Σ level·y of one block as 8 int32 lanes, given the activation block's NegOffsetSums.
inline __m256i OffsetDot(const uint8_t* qs, __m256i table, __m256i y, __m256i neg_sums) {
  return _mm256_dpbusd_epi32(neg_sums, LookupLevels(qs, table), y);
}

template <typename Block>
float Dot32(int64_t n, const void* w, const void* a) {
  const auto* x = static_cast<const Block*>(w);
  const auto* y = static_cast<const BlockQ8_0*>(a);
  const __m256i table = OffsetTable<Block>();
  auto step = [&](int64_t i, __m256 acc) {
    const __m256i yv = Load(y[i].qs);
    const __m256i s = OffsetDot(x[i].qs, table, yv, NegOffsetSums(yv));
    const float d = BlockScale(x[i]) * H2F(y[i].d);
    return _mm256_fmadd_ps(_mm256_set1_ps(d), _mm256_cvtepi32_ps(s), acc);
  };
  // Two accumulators hide the FMA latency.
  __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
  const int64_t nb = n / kQK;
  int64_t i = 0;
  for (; i + 1 < nb; i += 2) {
    acc0 = step(i, acc0);
    acc1 = step(i + 1, acc1);
  }
  if (i < nb) acc0 = step(i, acc0);
  return HorizontalSum(_mm256_add_ps(acc0, acc1));
}

template <typename Block>
void Dot32x4(int64_t n, const void* w, size_t row_bytes, const void* a, float* out) {
  const Block* x[4];
  for (int r = 0; r < 4; ++r) x[r] = RowAt<Block>(w, row_bytes, r);
  const auto* y = static_cast<const BlockQ8_0*>(a);
  const __m256i table = OffsetTable<Block>();
  __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(),
                   _mm256_setzero_ps()};
  for (int64_t i = 0; i < n / kQK; ++i) {
    const __m256i yv = Load(y[i].qs);
    const __m256i neg_sums = NegOffsetSums(yv);
    const float dy = H2F(y[i].d);
    for (int r = 0; r < 4; ++r) {
      // The same block of the next group of four rows, which the next call reads: four
      // interleaved row streams defeat the hardware prefetcher (as in the K-quant kernels).
      _mm_prefetch(reinterpret_cast<const char*>(&x[r][i]) + 4 * row_bytes, _MM_HINT_T0);
      const __m256i s = OffsetDot(x[r][i].qs, table, yv, neg_sums);
      acc[r] =
          _mm256_fmadd_ps(_mm256_set1_ps(BlockScale(x[r][i]) * dy), _mm256_cvtepi32_ps(s), acc[r]);
    }
  }
  for (int r = 0; r < 4; ++r) out[r] = HorizontalSum(acc[r]);
}

template <typename Block>
void Gemm32(int64_t n, const void* w, size_t w_row_bytes, const void* a, size_t a_row_bytes,
            float* out, size_t out_stride) {
  const __m256i table = OffsetTable<Block>();
  __m256 acc[4][4];
  for (auto& row : acc) {
    for (__m256& v : row) v = _mm256_setzero_ps();
  }
  for (int64_t i = 0; i < n / kQK; ++i) {
    __m256i u[4];
    float dx[4];
    for (int r = 0; r < 4; ++r) {
      const Block& b = RowAt<Block>(w, w_row_bytes, r)[i];
      u[r] = LookupLevels(b.qs, table);
      dx[r] = BlockScale(b);
    }
    for (int k = 0; k < 4; ++k) {
      const BlockQ8_0& yb = RowAt<BlockQ8_0>(a, a_row_bytes, k)[i];
      const __m256i yv = Load(yb.qs);
      const __m256i neg_sums = NegOffsetSums(yv);
      const float dy = H2F(yb.d);
      for (int r = 0; r < 4; ++r) {
        const __m256i s = _mm256_dpbusd_epi32(neg_sums, u[r], yv);
        acc[k][r] = _mm256_fmadd_ps(_mm256_set1_ps(dx[r] * dy), _mm256_cvtepi32_ps(s), acc[k][r]);
      }
    }
  }
  for (int k = 0; k < 4; ++k) {
    for (int r = 0; r < 4; ++r) out[k * out_stride + r] = HorizontalSum(acc[k][r]);
  }
}

// ---- IQ4_XS (super-blocks of 256, Q8_K activations) ----

struct UnpackedXS {
  Levels32 l[8];
  __m256i scale[8];  // the sub-block's signed scale in every int16
  float d;
};

inline void UnpackXS(const BlockIQ4_XS& b, __m256i table, UnpackedXS* u) {
  int16_t scales[8];
  IQ4XSScales(b, scales);
  for (int ib = 0; ib < 8; ++ib) {
    u->l[ib] = UnpackLevels(b.qs + 16 * ib, table);
    u->scale[ib] = _mm256_set1_epi16(scales[ib]);
  }
  u->d = H2F(b.d);
}

// acc += the unpacked block times one Q8_K block. Per lane at most 8 sub-blocks × 2 pairs ×
// 32 × 32258: no int32 overflow.
inline void AccumulateXS(const UnpackedXS& u, const BlockQ8_K& y, __m256* acc) {
  __m256i sum = _mm256_setzero_si256();
  for (int ib = 0; ib < 8; ++ib) {
    const __m256i yv = Load(y.qs + 32 * ib);
    const __m256i p = _mm256_maddubs_epi16(u.l[ib].abs, _mm256_sign_epi8(yv, u.l[ib].w));
    sum = _mm256_dpwssd_epi32(sum, p, u.scale[ib]);
  }
  *acc = _mm256_fmadd_ps(_mm256_set1_ps(u.d * y.d), _mm256_cvtepi32_ps(sum), *acc);
}

float DotXS(int64_t n, const void* w, const void* a) {
  const auto* x = static_cast<const BlockIQ4_XS*>(w);
  const auto* y = static_cast<const BlockQ8_K*>(a);
  const __m256i table = CodebookTable(kIQ4NLValues);
  __m256 acc = _mm256_setzero_ps();
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    UnpackedXS u;
    UnpackXS(x[i], table, &u);
    AccumulateXS(u, y[i], &acc);
  }
  return HorizontalSum(acc);
}

void DotXSx4(int64_t n, const void* w, size_t row_bytes, const void* a, float* out) {
  const BlockIQ4_XS* x[4];
  for (int r = 0; r < 4; ++r) x[r] = RowAt<BlockIQ4_XS>(w, row_bytes, r);
  const auto* y = static_cast<const BlockQ8_K*>(a);
  const __m256i table = CodebookTable(kIQ4NLValues);
  __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(),
                   _mm256_setzero_ps()};
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    for (int r = 0; r < 4; ++r) {
      // The same block of the next group of four rows, which the next call reads: four
      // interleaved row streams defeat the hardware prefetcher (as in the K-quant kernels).
      PrefetchBytes(reinterpret_cast<const uint8_t*>(&x[r][i]) + 4 * row_bytes,
                    sizeof(BlockIQ4_XS));
      UnpackedXS u;
      UnpackXS(x[r][i], table, &u);
      AccumulateXS(u, y[i], &acc[r]);
    }
  }
  for (int r = 0; r < 4; ++r) out[r] = HorizontalSum(acc[r]);
}

void GemmXS(int64_t n, const void* w, size_t w_row_bytes, const void* a, size_t a_row_bytes,
            float* out, size_t out_stride) {
  const __m256i table = CodebookTable(kIQ4NLValues);
  __m256 acc[4][4];
  for (auto& row : acc) {
    for (__m256& v : row) v = _mm256_setzero_ps();
  }
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    for (int r = 0; r < 4; ++r) {
      UnpackedXS u;
      UnpackXS(RowAt<BlockIQ4_XS>(w, w_row_bytes, r)[i], table, &u);
      for (int k = 0; k < 4; ++k) {
        AccumulateXS(u, RowAt<BlockQ8_K>(a, a_row_bytes, k)[i], &acc[k][r]);
      }
    }
  }
  for (int k = 0; k < 4; ++k) {
    for (int r = 0; r < 4; ++r) out[k * out_stride + r] = HorizontalSum(acc[k][r]);
  }
}

}  // namespace

VecDotFn Avx512IQuantVecDot(DType t) {
  switch (t) {
    case DType::kIQ4_NL:
      return Dot32<BlockIQ4_NL>;
    case DType::kMXFP4:
      return Dot32<BlockMXFP4>;
    case DType::kIQ4_XS:
      return DotXS;
    case DType::kIQ2_XXS:
    case DType::kIQ2_XS:
    case DType::kIQ1_S:
      return Avx512IQ2VecDot(t);
    default:
      return nullptr;
  }
}

VecDot4Fn Avx512IQuantVecDot4(DType t) {
  switch (t) {
    case DType::kIQ4_NL:
      return Dot32x4<BlockIQ4_NL>;
    case DType::kMXFP4:
      return Dot32x4<BlockMXFP4>;
    case DType::kIQ4_XS:
      return DotXSx4;
    case DType::kIQ2_XXS:
    case DType::kIQ2_XS:
    case DType::kIQ1_S:
      return Avx512IQ2VecDot4(t);
    default:
      return nullptr;
  }
}

Gemm4x4Fn Avx512IQuantGemm4x4(DType t) {
  switch (t) {
    case DType::kIQ4_NL:
      return Gemm32<BlockIQ4_NL>;
    case DType::kMXFP4:
      return Gemm32<BlockMXFP4>;
    case DType::kIQ4_XS:
      return GemmXS;
    case DType::kIQ2_XXS:
    case DType::kIQ2_XS:
    case DType::kIQ1_S:
      return Avx512IQ2Gemm4x4(t);
    default:
      return nullptr;
  }
}

}  // namespace inferno::ops
#else
#include "engine/ops/vec_dot.h"
namespace inferno::ops {
VecDotFn Avx512IQuantVecDot(DType) { return nullptr; }
VecDot4Fn Avx512IQuantVecDot4(DType) { return nullptr; }
Gemm4x4Fn Avx512IQuantGemm4x4(DType) { return nullptr; }
}  // namespace inferno::ops
#endif
