// AVX-512 dots of IQ2_XXS, IQ2_XS and IQ1_S with Q8_K: single-row and four-row (decode) forms
// and 4×4 prompt tiles. The AVX2 scheme (vec_dot_iq2_avx2.cc) with two AVX-512 shortcuts: the
// 32 sign bits of a sub-block become a mask register that negates the activations in one
// masked subtract, and vpdpwssd applies the sub-block scale to the maddubs pair sums and
// accumulates in one instruction. 256-bit registers, as the other VNNI kernels.
//
// All three types are brought to one form per super-block (Unpacked): per 32 weights the
// unsigned grid magnitudes, the lanes whose activation is negated and an int16 scale, and a
// float factor. IQ1_S's -1/0/1 grid becomes magnitude 0/1 plus a negation mask, its scale is
// multiplied by 8 so that, like the IQ2 scales (2s + 1) / 8, it shares the factor d / 8, and
// its ±1/8 shift adds ±(2s + 1)·Σy per sub-block from Q8_K's bsums (vpmaddwd). The three
// forms share Unpack + Accumulate, so prefill and decode compute bit-identical values.
#if defined(__x86_64__) || defined(__i386__)
#include "engine/ops/simd_x86.h"
#include "engine/ops/vec_dot_iq2.h"
#include "engine/tensor/iq2_quants.h"
#include "engine/tensor/quant_blocks.h"

namespace inferno::ops {
namespace {

struct Unpacked {
  __m256i grid[8];   // magnitudes 0..43, unsigned bytes
  __mmask32 neg[8];  // activations to negate
  __m256i scale[8];  // int16 per pair of weights
  __m256i shift16;   // IQ1_S: ±(2s + 1) per int16 of bsums (sub-block j / 2); else unused
  float d;           // d / 8
};

// Four 64-bit table entries as one register, entry a in the lowest 8 bytes.
inline __m256i Entries(const uint64_t* t, uint32_t a, uint32_t b, uint32_t c, uint32_t d) {
  return _mm256_set_epi64x(int64_t(t[d]), int64_t(t[c]), int64_t(t[b]), int64_t(t[a]));
}

// The sign bits of four groups from their 7-bit indices, group l in bits 8l..8l+7.
inline __mmask32 SignMask(const uint8_t* bits, uint32_t a, uint32_t b, uint32_t c, uint32_t d) {
  return __mmask32(bits[a] | (uint32_t(bits[b]) << 8) | (uint32_t(bits[c]) << 16) |
                   (uint32_t(bits[d]) << 24));
}

inline void Unpack(const BlockIQ2_XXS& b, Unpacked* u) {
  const uint64_t* grid = IQ2XXSGrid();
  const uint8_t* bits = IQ2SignBitsTable();
  for (int ib = 0; ib < 8; ++ib) {
    uint32_t q[2];
    std::memcpy(q, b.qs + 4 * ib, 8);
    u->grid[ib] = Entries(grid, q[0] & 0xFF, (q[0] >> 8) & 0xFF, (q[0] >> 16) & 0xFF, q[0] >> 24);
    u->neg[ib] =
        SignMask(bits, q[1] & 127, (q[1] >> 7) & 127, (q[1] >> 14) & 127, (q[1] >> 21) & 127);
    u->scale[ib] = _mm256_set1_epi16(int16_t(2 * (q[1] >> 28) + 1));
  }
  u->d = H2F(b.d) * 0.125f;
}

inline void Unpack(const BlockIQ2_XS& b, Unpacked* u) {
  const uint64_t* grid = IQ2XSGrid();
  const uint8_t* bits = IQ2SignBitsTable();
  for (int ib = 0; ib < 8; ++ib) {
    const uint16_t* q = b.qs + 4 * ib;
    u->grid[ib] = Entries(grid, q[0] & 511, q[1] & 511, q[2] & 511, q[3] & 511);
    u->neg[ib] = SignMask(bits, q[0] >> 9, q[1] >> 9, q[2] >> 9, q[3] >> 9);
    // Groups 0-1 (the low 128-bit lane) take the low nibble's scale, groups 2-3 the high.
    const uint8_t sc = b.scales[ib];
    u->scale[ib] = _mm256_set_m128i(_mm_set1_epi16(int16_t(2 * (sc >> 4) + 1)),
                                    _mm_set1_epi16(int16_t(2 * (sc & 0xF) + 1)));
  }
  u->d = H2F(b.d) * 0.125f;
}

inline void Unpack(const BlockIQ1_S& b, Unpacked* u) {
  const uint64_t* grid = IQ1SGrid();
  alignas(32) int16_t shift[16];
  for (int ib = 0; ib < 8; ++ib) {
    const uint8_t* qs = b.qs + 4 * ib;
    const uint32_t qh = b.qh[ib];
    const __m256i g = Entries(grid, qs[0] | ((qh << 8) & 0x700), qs[1] | ((qh << 5) & 0x700),
                              qs[2] | ((qh << 2) & 0x700), qs[3] | ((qh >> 1) & 0x700));
    u->grid[ib] = _mm256_abs_epi8(g);
    u->neg[ib] = _mm256_movepi8_mask(g);
    const int scale = int(2 * ((qh >> 12) & 7) + 1);
    u->scale[ib] = _mm256_set1_epi16(int16_t(8 * scale));
    shift[2 * ib] = shift[2 * ib + 1] = int16_t(qh & 0x8000 ? -scale : scale);
  }
  u->shift16 = _mm256_load_si256(reinterpret_cast<const __m256i*>(shift));
  u->d = H2F(b.d) * 0.125f;
}

// acc += the unpacked block times one Q8_K block. Per int32 lane at most 8 sub-blocks × 2
// pairs × 2·43·127 × 31 (IQ2) or 2·127·120 (IQ1_S), plus 2·32·127·15: no overflow.
template <bool kShift>
inline void Accumulate(const Unpacked& u, const BlockQ8_K& y, __m256* acc) {
  __m256i sum = kShift ? _mm256_madd_epi16(Load(y.bsums), u.shift16) : _mm256_setzero_si256();
  for (int ib = 0; ib < 8; ++ib) {
    const __m256i v = Load(y.qs + 32 * ib);
    const __m256i signed_v = _mm256_mask_sub_epi8(v, u.neg[ib], _mm256_setzero_si256(), v);
    sum = _mm256_dpwssd_epi32(sum, _mm256_maddubs_epi16(u.grid[ib], signed_v), u.scale[ib]);
  }
  *acc = _mm256_fmadd_ps(_mm256_set1_ps(u.d * y.d), _mm256_cvtepi32_ps(sum), *acc);
}

template <typename Block>
constexpr bool kHasShift = sizeof(Block) == sizeof(BlockIQ1_S);

template <typename Block>
float Dot(int64_t n, const void* w, const void* a) {
  const auto* x = static_cast<const Block*>(w);
  const auto* y = static_cast<const BlockQ8_K*>(a);
  __m256 acc = _mm256_setzero_ps();
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    Unpacked u;
    Unpack(x[i], &u);
    Accumulate<kHasShift<Block>>(u, y[i], &acc);
  }
  return HorizontalSum(acc);
}

template <typename Block>
void Dot4(int64_t n, const void* w, size_t row_bytes, const void* a, float* out) {
  const Block* x[4];
  for (int r = 0; r < 4; ++r) x[r] = RowAt<Block>(w, row_bytes, r);
  const auto* y = static_cast<const BlockQ8_K*>(a);
  __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(),
                   _mm256_setzero_ps()};
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    for (int r = 0; r < 4; ++r) {
      // The same block of the next group of four rows, which the next call reads: four
      // interleaved row streams defeat the hardware prefetcher (as in the K-quant kernels).
      PrefetchBytes(reinterpret_cast<const uint8_t*>(&x[r][i]) + 4 * row_bytes, sizeof(Block));
      Unpacked u;
      Unpack(x[r][i], &u);
      Accumulate<kHasShift<Block>>(u, y[i], &acc[r]);
    }
  }
  for (int r = 0; r < 4; ++r) out[r] = HorizontalSum(acc[r]);
}

// Each weight block is unpacked (the codebook and sign lookups) once for four tokens.
template <typename Block>
void Gemm(int64_t n, const void* w, size_t w_row_bytes, const void* a, size_t a_row_bytes,
          float* out, size_t out_stride) {
  __m256 acc[4][4];
  for (auto& row : acc) {
    for (__m256& v : row) v = _mm256_setzero_ps();
  }
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    for (int r = 0; r < 4; ++r) {
      Unpacked u;
      Unpack(RowAt<Block>(w, w_row_bytes, r)[i], &u);
      for (int k = 0; k < 4; ++k) {
        Accumulate<kHasShift<Block>>(u, RowAt<BlockQ8_K>(a, a_row_bytes, k)[i], &acc[k][r]);
      }
    }
  }
  for (int k = 0; k < 4; ++k) {
    for (int r = 0; r < 4; ++r) out[k * out_stride + r] = HorizontalSum(acc[k][r]);
  }
}

}  // namespace

VecDotFn Avx512IQ2VecDot(DType t) {
  switch (t) {
    case DType::kIQ2_XXS:
      return Dot<BlockIQ2_XXS>;
    case DType::kIQ2_XS:
      return Dot<BlockIQ2_XS>;
    case DType::kIQ1_S:
      return Dot<BlockIQ1_S>;
    default:
      return nullptr;
  }
}

VecDot4Fn Avx512IQ2VecDot4(DType t) {
  switch (t) {
    case DType::kIQ2_XXS:
      return Dot4<BlockIQ2_XXS>;
    case DType::kIQ2_XS:
      return Dot4<BlockIQ2_XS>;
    case DType::kIQ1_S:
      return Dot4<BlockIQ1_S>;
    default:
      return nullptr;
  }
}

Gemm4x4Fn Avx512IQ2Gemm4x4(DType t) {
  switch (t) {
    case DType::kIQ2_XXS:
      return Gemm<BlockIQ2_XXS>;
    case DType::kIQ2_XS:
      return Gemm<BlockIQ2_XS>;
    case DType::kIQ1_S:
      return Gemm<BlockIQ1_S>;
    default:
      return nullptr;
  }
}

}  // namespace inferno::ops
#else
#include "engine/ops/vec_dot_iq2.h"
namespace inferno::ops {
VecDotFn Avx512IQ2VecDot(DType) { return nullptr; }
VecDot4Fn Avx512IQ2VecDot4(DType) { return nullptr; }
Gemm4x4Fn Avx512IQ2Gemm4x4(DType) { return nullptr; }
}  // namespace inferno::ops
#endif
