// AVX-512 VNNI dot products of the codebook formats: IQ4_NL and MXFP4 with Q8_0 activations,
// IQ4_XS with Q8_K; single-row and four-row (decode) forms and 4×4 prompt tiles.
//
// A vpshufb lookup yields each block's signed levels. IQ4_NL/MXFP4 then do Q8_0's dot:
// vpdpbusd of |w| with y carrying w's sign. IQ4_XS has a signed scale per 32 elements, and
// vpdpbusd's four-product lane sums (up to 4·127·127) do not fit the int16 that vpdpwssd
// multiplies, so it takes maddubs's int16 pair sums instead and vpdpwssd applies the scale
// and accumulates. 256-bit registers, as the other VNNI kernels (vec_dot_avx512.cc).
//
// The decode and prompt forms share the per-block arithmetic (Unpack + Accumulate), so for
// IQ4_XS prefill and decode compute bit-identical values, as the K-quant kernels do.
#if defined(__x86_64__) || defined(__i386__)
#include "engine/ops/iquant_x86.h"
#include "engine/ops/simd_x86.h"
#include "engine/ops/vec_dot.h"
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

// Σ w·y as 8 int32 lanes.
inline __m256i SignedDot(const Levels32& l, __m256i y) {
  return _mm256_dpbusd_epi32(_mm256_setzero_si256(), l.abs, _mm256_sign_epi8(y, l.w));
}

// ---- IQ4_NL and MXFP4 (blocks of 32, Q8_0 activations) ----

template <typename Block>
constexpr bool kIsMx = sizeof(Block) == sizeof(BlockMXFP4);

template <typename Block>
inline __m256i Table() {
  return CodebookTable(kIsMx<Block> ? kMXFP4Values : kIQ4NLValues);
}

template <typename Block>
inline float BlockScale(const Block& b) {
  if constexpr (kIsMx<Block>) {
    return E8M0HalfX86(b.e);
  } else {
    return H2F(b.d);
  }
}

template <typename Block>
float Dot32(int64_t n, const void* w, const void* a) {
  const auto* x = static_cast<const Block*>(w);
  const auto* y = static_cast<const BlockQ8_0*>(a);
  const __m256i table = Table<Block>();
  __m256 acc[2] = {_mm256_setzero_ps(), _mm256_setzero_ps()};
  for (int64_t i = 0; i < n / kQK; ++i) {
    const __m256i s = SignedDot(UnpackLevels(x[i].qs, table), Load(y[i].qs));
    const float d = BlockScale(x[i]) * H2F(y[i].d);
    acc[i & 1] = _mm256_fmadd_ps(_mm256_set1_ps(d), _mm256_cvtepi32_ps(s), acc[i & 1]);
  }
  return HorizontalSum(_mm256_add_ps(acc[0], acc[1]));
}

template <typename Block>
void Dot32x4(int64_t n, const void* w, size_t row_bytes, const void* a, float* out) {
  const Block* x[4];
  for (int r = 0; r < 4; ++r) x[r] = RowAt<Block>(w, row_bytes, r);
  const auto* y = static_cast<const BlockQ8_0*>(a);
  const __m256i table = Table<Block>();
  __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(),
                   _mm256_setzero_ps()};
  for (int64_t i = 0; i < n / kQK; ++i) {
    const __m256i yv = Load(y[i].qs);
    const float dy = H2F(y[i].d);
    for (int r = 0; r < 4; ++r) {
      // A few hundred bytes ahead in each row stream, as the Q4_0 kernel.
      _mm_prefetch(reinterpret_cast<const char*>(&x[r][i + 16]), _MM_HINT_T0);
      const __m256i s = SignedDot(UnpackLevels(x[r][i].qs, table), yv);
      acc[r] =
          _mm256_fmadd_ps(_mm256_set1_ps(BlockScale(x[r][i]) * dy), _mm256_cvtepi32_ps(s), acc[r]);
    }
  }
  for (int r = 0; r < 4; ++r) out[r] = HorizontalSum(acc[r]);
}

template <typename Block>
void Gemm32(int64_t n, const void* w, size_t w_row_bytes, const void* a, size_t a_row_bytes,
            float* out, size_t out_stride) {
  const __m256i table = Table<Block>();
  __m256 acc[4][4];
  for (auto& row : acc) {
    for (__m256& v : row) v = _mm256_setzero_ps();
  }
  for (int64_t i = 0; i < n / kQK; ++i) {
    Levels32 l[4];
    float dx[4];
    for (int r = 0; r < 4; ++r) {
      const Block& b = RowAt<Block>(w, w_row_bytes, r)[i];
      l[r] = UnpackLevels(b.qs, table);
      dx[r] = BlockScale(b);
    }
    for (int k = 0; k < 4; ++k) {
      const BlockQ8_0& yb = RowAt<BlockQ8_0>(a, a_row_bytes, k)[i];
      const __m256i yv = Load(yb.qs);
      const float dy = H2F(yb.d);
      for (int r = 0; r < 4; ++r) {
        acc[k][r] = _mm256_fmadd_ps(_mm256_set1_ps(dx[r] * dy),
                                    _mm256_cvtepi32_ps(SignedDot(l[r], yv)), acc[k][r]);
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
      PrefetchBytes(&x[r][i + 2], sizeof(BlockIQ4_XS));  // two blocks ahead per row stream
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
