// AVX2 dots of IQ2_XXS, IQ2_XS and IQ1_S with Q8_K. Per 32 weights the four codebook entries
// are loaded as one register of bytes (the expanded grids of iq2_quants.h) and the weights'
// signs are applied to the activations, so that the magnitudes (8..43; IQ1_S: 0 or 1) are
// maddubs's unsigned operand; madd with the integer sub-block scale accumulates in int32.
// All three types share one loop (Unpack per type); vec_dot_iq2_avx512.cc does the same with
// mask registers.
#if defined(__x86_64__) || defined(__i386__)
#include "engine/ops/simd_x86.h"
#include "engine/ops/vec_dot_iq2.h"
#include "engine/tensor/iq2_quants.h"
#include "engine/tensor/quant_blocks.h"

namespace inferno::ops {
namespace {

// Four 64-bit table entries as one register, entry a in the lowest 8 bytes.
inline __m256i Entries(const uint64_t* t, uint32_t a, uint32_t b, uint32_t c, uint32_t d) {
  return _mm256_set_epi64x(int64_t(t[d]), int64_t(t[c]), int64_t(t[b]), int64_t(t[a]));
}

// One sub-block of 32 weights ready for the signed byte product.
struct SubBlock {
  __m256i grid;   // magnitudes 0..43, maddubs's unsigned operand
  __m256i neg;    // 0xFF where the activation is negated
  __m256i scale;  // int16 per pair of weights
};

inline SubBlock Unpack(const BlockIQ2_XXS& b, int ib) {
  uint32_t q[2];
  std::memcpy(q, b.qs + 4 * ib, 8);
  const uint64_t* grid = IQ2XXSGrid();
  const uint64_t* masks = IQ2SignMasks();
  return {Entries(grid, q[0] & 0xFF, (q[0] >> 8) & 0xFF, (q[0] >> 16) & 0xFF, q[0] >> 24),
          Entries(masks, q[1] & 127, (q[1] >> 7) & 127, (q[1] >> 14) & 127, (q[1] >> 21) & 127),
          _mm256_set1_epi16(int16_t(2 * (q[1] >> 28) + 1))};
}

inline SubBlock Unpack(const BlockIQ2_XS& b, int ib) {
  const uint16_t* q = b.qs + 4 * ib;
  const uint64_t* grid = IQ2XSGrid();
  const uint64_t* masks = IQ2SignMasks();
  // Groups 0-1 (the low 128-bit lane) take the low nibble's scale, groups 2-3 the high.
  const uint8_t sc = b.scales[ib];
  return {Entries(grid, q[0] & 511, q[1] & 511, q[2] & 511, q[3] & 511),
          Entries(masks, q[0] >> 9, q[1] >> 9, q[2] >> 9, q[3] >> 9),
          _mm256_set_m128i(_mm_set1_epi16(int16_t(2 * (sc >> 4) + 1)),
                           _mm_set1_epi16(int16_t(2 * (sc & 0xF) + 1)))};
}

// IQ1_S's -1/0/1 grid as magnitude and negation; its scale times 8 so that it shares the IQ2
// formats' factor d / 8 (its ±1/8 shift then is an integer, see ShiftSums).
inline SubBlock Unpack(const BlockIQ1_S& b, int ib) {
  const uint8_t* qs = b.qs + 4 * ib;
  const uint32_t qh = b.qh[ib];
  const __m256i g = Entries(IQ1SGrid(), qs[0] | ((qh << 8) & 0x700), qs[1] | ((qh << 5) & 0x700),
                            qs[2] | ((qh << 2) & 0x700), qs[3] | ((qh >> 1) & 0x700));
  return {_mm256_abs_epi8(g), _mm256_cmpgt_epi8(_mm256_setzero_si256(), g),
          _mm256_set1_epi16(int16_t(8 * (2 * ((qh >> 12) & 7) + 1)))};
}

// IQ1_S's shift in units of d / 8: ±(2s + 1) times the sub-block's activation sum, from Q8_K's
// bsums (two per sub-block), as 8 int32 lanes.
inline __m256i ShiftSums(const BlockIQ1_S& b, const BlockQ8_K& y) {
  alignas(32) int16_t shift[16];
  for (int ib = 0; ib < 8; ++ib) {
    const int scale = int(2 * ((b.qh[ib] >> 12) & 7) + 1);
    shift[2 * ib] = shift[2 * ib + 1] = int16_t(b.qh[ib] & 0x8000 ? -scale : scale);
  }
  return _mm256_madd_epi16(Load(y.bsums), _mm256_load_si256(reinterpret_cast<__m256i*>(shift)));
}

// The sum over one super-block in units of d·y.d / 8: per sub-block the maddubs pair sums of
// grid·(±y) (at most 2·43·127, no int16 saturation) times the scale, in int32.
template <typename Block>
float Dot(int64_t n, const void* w, const void* a) {
  const auto* x = static_cast<const Block*>(w);
  const auto* y = static_cast<const BlockQ8_K*>(a);
  __m256 acc = _mm256_setzero_ps();
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    __m256i sum = _mm256_setzero_si256();
    if constexpr (sizeof(Block) == sizeof(BlockIQ1_S)) sum = ShiftSums(x[i], y[i]);
    for (int ib = 0; ib < 8; ++ib) {
      const SubBlock s = Unpack(x[i], ib);
      const __m256i v = Load(y[i].qs + 32 * ib);
      const __m256i signed_v = _mm256_sub_epi8(_mm256_xor_si256(v, s.neg), s.neg);
      sum =
          _mm256_add_epi32(sum, _mm256_madd_epi16(_mm256_maddubs_epi16(s.grid, signed_v), s.scale));
    }
    const float d = H2F(x[i].d) * y[i].d * 0.125f;
    acc = _mm256_fmadd_ps(_mm256_set1_ps(d), _mm256_cvtepi32_ps(sum), acc);
  }
  return HorizontalSum(acc);
}

}  // namespace

VecDotFn Avx2IQ2VecDot(DType t) {
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

}  // namespace inferno::ops
#else
#include "engine/ops/vec_dot_iq2.h"
namespace inferno::ops {
VecDotFn Avx2IQ2VecDot(DType) { return nullptr; }
}  // namespace inferno::ops
#endif
