// Weight quantizers of the codebook formats IQ4_NL, IQ4_XS and MXFP4.
//
// IQ4_NL/IQ4_XS: each element is the nearest of 16 fixed levels (kIQ4NLValues) times a
// scale, so the scale is the only free choice. Per 32 elements we start from the scale
// that maps the extreme element onto the outermost level, quantize, and take the weighted
// least-squares scale for those indices; then we try 15 more starting scales around the
// first (the extreme element landing on -127 ± 7) and keep the one whose least-squares fit
// explains the most weighted energy. IQ4_XS then stores those sub-block scales as signed
// 6-bit multiples of one F16 super-scale and re-quantizes every element against them.
//
// The float operations follow llama.cpp's reference quantizer step for step (the same
// sums in the same order, the same unrounded intermediate scales), so that our files are
// byte-identical to llama-quantize's; quantize_iq4_test.cc and the fixture comparison check
// that. MXFP4 is a direct rounding: a power-of-two scale from the block's largest
// magnitude, each element rounded to the nearest E2M1 value.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include "engine/tensor/fp16.h"
#include "engine/tensor/quant_blocks.h"
#include "engine/tensor/quantize.h"

namespace inferno {
namespace {

constexpr int kSub = 32;              // elements per scale
constexpr int kTries = 7;             // starting scales tried each side of the first
constexpr float kZeroBlock = 1e-15f;  // sub-blocks with a smaller magnitude get scale 0

// Round half to even via the float mantissa (as Nearest in quantize_weights.cc).
inline int Nearest(float v) {
  const float shifted = v + 12582912.0f;
  int32_t bits;
  std::memcpy(&bits, &shifted, 4);
  return (bits & 0x007FFFFF) - 0x00400000;
}

// Index of the codebook level nearest to v; on a tie the larger level. The comparison is
// made between the two bracketing levels exactly as below, since a different (but
// mathematically equal) formula can round a near-tie the other way.
inline int NearestLevel(const int8_t* levels, float v) {
  if (v <= levels[0]) return 0;
  if (v >= levels[15]) return 15;
  int lo = 0, hi = 15;  // levels[lo] <= v < levels[hi]
  while (hi - lo > 1) {
    const int mid = (lo + hi) / 2;
    if (v < levels[mid]) {
      hi = mid;
    } else {
      lo = mid;
    }
  }
  return v - levels[lo] < levels[hi] - v ? lo : hi;
}

// Weighted sums for the indices that inverse scale `inv` gives: Σw·q·x and Σw·q².
inline void FitSums(const float* x, const float* w, float inv, float* sum_qx, float* sum_q2) {
  float qx = 0, q2 = 0;
  for (int j = 0; j < kSub; ++j) {
    const float q = kIQ4NLValues[NearestLevel(kIQ4NLValues, inv * x[j])];
    qx += w[j] * q * x[j];
    q2 += w[j] * q * q;
  }
  *sum_qx = qx;
  *sum_q2 = q2;
}

// The best scale for 32 elements (0 for an all-zero sub-block).
float BestSubBlockScale(const float* x, const float* w) {
  float amax = 0, max = 0;
  for (int j = 0; j < kSub; ++j) {
    if (std::fabs(x[j]) > amax) {
      amax = std::fabs(x[j]);
      max = x[j];
    }
  }
  if (amax < kZeroBlock) return 0;
  float sum_qx, sum_q2;
  FitSums(x, w, 1 / (-max / kIQ4NLValues[0]), &sum_qx, &sum_q2);
  float scale = sum_q2 > 0 ? sum_qx / sum_q2 : 0.0f;
  // The weighted energy a scale's fit explains is sum_qx²/sum_q2; keep the largest.
  float best = scale * sum_qx;
  for (int t = -kTries; t <= kTries; ++t) {
    FitSums(x, w, (float(t) + kIQ4NLValues[0]) / max, &sum_qx, &sum_q2);
    if (sum_q2 > 0 && sum_qx * sum_qx > best * sum_q2) {
      scale = sum_qx / sum_q2;
      best = scale * sum_qx;
    }
  }
  return scale;
}

// Error weights of a sub-block: x² without importances (large weights matter most), else
// importance · sqrt(σ² + x²) with σ² twice the super-block's mean square.
void SubBlockWeights(const float* x, const float* importance, float sigma2, float* w) {
  for (int j = 0; j < kSub; ++j) {
    w[j] = importance != nullptr ? importance[j] * std::sqrt(sigma2 + x[j] * x[j]) : x[j] * x[j];
  }
}

float MeanSquareTimes2(const float* x, int n) {
  float s = 0;
  for (int j = 0; j < n; ++j) s += x[j] * x[j];
  return s * (2.0f / float(n));
}

// 32 indices into Q4_0's nibble order.
void PackNibbles(const uint8_t* idx, uint8_t* qs) {
  for (int j = 0; j < 16; ++j) qs[j] = uint8_t(idx[j] | (idx[j + 16] << 4));
}

void QuantizeIQ4_NLBlock(const float* x, const float* importance, BlockIQ4_NL* y) {
  float w[kSub];
  SubBlockWeights(x, importance, MeanSquareTimes2(x, kSub), w);
  const float scale = BestSubBlockScale(x, w);
  y->d = F32ToF16(scale);
  // The indices come from the unrounded scale, as in llama.cpp.
  const float inv = scale != 0 ? 1 / scale : 0.0f;
  uint8_t idx[kSub];
  for (int j = 0; j < kSub; ++j) idx[j] = uint8_t(NearestLevel(kIQ4NLValues, inv * x[j]));
  PackNibbles(idx, y->qs);
}

void QuantizeIQ4_XSBlock(const float* x, const float* importance, BlockIQ4_XS* y) {
  constexpr int kSubs = kQK_K / kSub;
  const float sigma2 = MeanSquareTimes2(x, kQK_K);
  float scales[kSubs], w[kSub];
  float max_scale = 0, amax_scale = 0;
  for (int ib = 0; ib < kSubs; ++ib) {
    SubBlockWeights(x + kSub * ib, importance ? importance + kSub * ib : nullptr, sigma2, w);
    scales[ib] = BestSubBlockScale(x + kSub * ib, w);
    if (std::fabs(scales[ib]) > amax_scale) {
      amax_scale = std::fabs(scales[ib]);
      max_scale = scales[ib];
    }
  }
  // The largest-magnitude sub-block scale maps to -32, the end with one more level.
  const float d = -max_scale / 32;
  y->d = F32ToF16(d);
  y->scales_h = 0;
  std::memset(y->scales_l, 0, sizeof y->scales_l);
  const float inv_d = d != 0 ? 1 / d : 0.0f;
  for (int ib = 0; ib < kSubs; ++ib) {
    const int l = std::clamp(Nearest(inv_d * scales[ib]), -32, 31);
    // Elements are re-quantized against d·l with the unrounded d, as in llama.cpp.
    const float dl = d * float(l);
    const float inv = dl != 0 ? 1 / dl : 0.0f;
    uint8_t idx[kSub];
    const float* xb = x + kSub * ib;
    for (int j = 0; j < kSub; ++j) idx[j] = uint8_t(NearestLevel(kIQ4NLValues, inv * xb[j]));
    PackNibbles(idx, y->qs + 16 * ib);
    const int biased = l + 32;
    y->scales_l[ib / 2] |= uint8_t((biased & 0xF) << (4 * (ib % 2)));
    y->scales_h |= uint16_t((biased >> 4) << (2 * ib));
  }
}

// Index of the E2M1 value nearest to v at scale `half` (the first of equals: +0 before -0).
int NearestFP4(float v, float half) {
  int best = 0;
  float best_err = std::fabs(float(kMXFP4Values[0]) * half - v);
  for (int i = 1; i < 16; ++i) {
    const float err = std::fabs(float(kMXFP4Values[i]) * half - v);
    if (err < best_err) {
      best = i;
      best_err = err;
    }
  }
  return best;
}

void QuantizeMXFP4Block(const float* x, BlockMXFP4* y) {
  float amax = 0;
  for (int j = 0; j < kQK; ++j) amax = std::max(amax, std::fabs(x[j]));
  // The largest magnitude lands in [4, 8) times 2^(e-127), where E2M1 tops out at 6. log2f
  // rather than frexp: just below a power of two it rounds up, and llama.cpp's files follow
  // log2f.
  const float e = amax > 0 ? std::floor(std::log2(amax)) - 2 + 127 : 0.0f;
  y->e = uint8_t(std::clamp(e, 0.0f, 254.0f));
  const float half = E8M0Half(y->e);
  uint8_t idx[kQK];
  for (int j = 0; j < kQK; ++j) idx[j] = uint8_t(NearestFP4(x[j], half));
  PackNibbles(idx, y->qs);
}

}  // namespace

void QuantizeIQ4Row(DType t, const float* x, void* dst, int64_t n, const float* importance) {
  switch (t) {
    case DType::kIQ4_NL: {
      auto* y = static_cast<BlockIQ4_NL*>(dst);
      for (int64_t i = 0; i < n / kQK; ++i) {
        QuantizeIQ4_NLBlock(x + kQK * i, importance ? importance + kQK * i : nullptr, &y[i]);
      }
      return;
    }
    case DType::kIQ4_XS: {
      auto* y = static_cast<BlockIQ4_XS*>(dst);
      for (int64_t i = 0; i < n / kQK_K; ++i) {
        QuantizeIQ4_XSBlock(x + kQK_K * i, importance ? importance + kQK_K * i : nullptr, &y[i]);
      }
      return;
    }
    case DType::kMXFP4: {
      auto* y = static_cast<BlockMXFP4*>(dst);
      for (int64_t i = 0; i < n / kQK; ++i) QuantizeMXFP4Block(x + kQK * i, &y[i]);
      return;
    }
    default:
      std::abort();  // callers dispatch only these three types here
  }
}

}  // namespace inferno
