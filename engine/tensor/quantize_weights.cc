// Weight quantizers. The K-quant formats store, per 256-element super-block, quantized
// sub-block scales (and mins) times one or two F16 super-scales; quality depends on how
// those scales are chosen. For each sub-block we search a small grid of candidate scales
// around the range-derived one, and for every candidate quantize, then solve the weighted
// least-squares problem for the best scale (and min) given those integers, keeping the
// candidate with the smallest weighted error, then alternate the two least-squares steps
// while the error drops. The sub-block scales are then quantized, trying the neighbours of
// the nearest level too, and the elements re-quantized against the scales as stored.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "engine/tensor/fp16.h"
#include "engine/tensor/quant_blocks.h"
#include "engine/tensor/quantize.h"

namespace inferno {
namespace {

// Round half to even without a libm call: adding 1.5·2^23 leaves the rounded integer in
// the low mantissa bits (valid for |v| < 2^22; quantization levels are far smaller).
inline int Nearest(float v) {
  const float shifted = v + 12582912.0f;
  int32_t bits;
  std::memcpy(&bits, &shifted, 4);
  return (bits & 0x007FFFFF) - 0x00400000;
}

// Symmetric fit: x ≈ scale * l with l in [-nmax, nmax - 1], weights x². Returns the scale
// (0 for an all-zero input) and the integers in L.
float FitSymmetric(const float* x, int n, int nmax, int8_t* L) {
  float amax = 0, max = 0;
  for (int i = 0; i < n; ++i) {
    if (std::fabs(x[i]) > amax) {
      amax = std::fabs(x[i]);
      max = x[i];
    }
  }
  if (amax < 1e-30f) {
    std::memset(L, 0, size_t(n));
    return 0;
  }
  float best_scale = 0, best = -1;
  int8_t tmp[256];
  // The range-derived scale first, then its neighbours ±0.1..0.9 of a level: the first
  // candidate of equal quality wins, so the order decides near-ties.
  for (int k = 0; k < 19; ++k) {
    const int is = k == 0 ? 0 : (k <= 9 ? k - 10 : k - 9);
    // The extreme element maps to -nmax, the end of the range with one more level.
    const float iscale = -(float(nmax) + 0.1f * float(is)) / max;
    float sumlx = 0, suml2 = 0;
    for (int i = 0; i < n; ++i) {
      const int l = std::clamp(Nearest(iscale * x[i]), -nmax, nmax - 1);
      tmp[i] = int8_t(l);
      const float w = x[i] * x[i];
      sumlx += w * x[i] * float(l);
      suml2 += w * float(l) * float(l);
    }
    // Weighted error is Σw·x² − sumlx²/suml2 at the optimal scale sumlx/suml2.
    if (suml2 > 0 && (best < 0 || sumlx * sumlx > best * suml2)) {
      best_scale = sumlx / suml2;
      best = best_scale * sumlx;
      std::memcpy(L, tmp, size_t(n));
    }
  }
  return best_scale;
}

// Asymmetric fit: x ≈ scale * l - min with l in [0, nmax], min >= 0 (the offset is never
// positive, as the formats store it as a subtracted magnitude). Weighted squared error.
float FitWithMin(const float* x, const float* w, int n, int nmax, float rmin, float rdelta,
                 int nstep, uint8_t* L, float* the_min) {
  float lo = x[0], hi = x[0];
  float sum_w = 0, sum_x = 0, sum_xx = 0;
  for (int i = 0; i < n; ++i) {
    lo = std::min(lo, x[i]);
    hi = std::max(hi, x[i]);
    sum_w += w[i];
    sum_x += w[i] * x[i];
    sum_xx += w[i] * x[i] * x[i];
  }
  if (lo > 0) lo = 0;
  if (hi <= lo) {
    std::memset(L, 0, size_t(n));
    *the_min = -lo;
    return 0;
  }
  // Σw(s·l + m − x)² expanded, so that each candidate costs one pass over the block.
  auto error_of = [&](double s, double m, double sl, double sl2, double sxl) {
    return s * s * sl2 + 2 * s * m * sl - 2 * s * sxl + m * m * sum_w - 2 * m * sum_x + sum_xx;
  };
  uint8_t aux[256];
  auto candidate = [&](float iscale, float* sl, float* sl2, float* sxl) {
    float a = 0, b = 0, c = 0;
    for (int i = 0; i < n; ++i) {
      const int l = std::clamp(Nearest(iscale * (x[i] - lo)), 0, nmax);
      aux[i] = uint8_t(l);
      a += w[i] * float(l);
      b += w[i] * float(l * l);
      c += w[i] * float(l) * x[i];
    }
    *sl = a;
    *sl2 = b;
    *sxl = c;
  };
  float sl, sl2, sxl;
  float iscale = float(nmax) / (hi - lo);
  float scale = 1.0f / iscale, offset = lo;
  candidate(iscale, &sl, &sl2, &sxl);
  std::memcpy(L, aux, size_t(n));
  double best = error_of(scale, offset, sl, sl2, sxl);
  for (int is = 0; is <= nstep; ++is) {
    iscale = (rmin + rdelta * float(is) + float(nmax)) / (hi - lo);
    candidate(iscale, &sl, &sl2, &sxl);
    const double D = double(sum_w) * sl2 - double(sl) * sl;
    if (D <= 0) continue;
    double this_scale = (double(sum_w) * sxl - double(sum_x) * sl) / D;
    double this_min = (double(sl2) * sum_x - double(sl) * sxl) / D;
    if (this_min > 0) {
      this_min = 0;
      this_scale = double(sxl) / sl2;
    }
    const double e = error_of(this_scale, this_min, sl, sl2, sxl);
    if (e < best) {
      best = e;
      std::memcpy(L, aux, size_t(n));
      scale = float(this_scale);
      offset = float(this_min);
    }
  }
  // Alternate the two least-squares steps from the best candidate: integers for the
  // current scale and offset, then scale and offset for those integers, while it helps.
  for (int iter = 0; iter < 3 && scale > 0; ++iter) {
    const float inv = 1.0f / scale;
    float a = 0, b = 0, c = 0;
    for (int i = 0; i < n; ++i) {
      const int l = std::clamp(Nearest(inv * (x[i] - offset)), 0, nmax);
      aux[i] = uint8_t(l);
      a += w[i] * float(l);
      b += w[i] * float(l * l);
      c += w[i] * float(l) * x[i];
    }
    const double D = double(sum_w) * b - double(a) * a;
    if (D <= 0) break;
    double this_scale = (double(sum_w) * c - double(sum_x) * a) / D;
    double this_min = (double(b) * sum_x - double(a) * c) / D;
    if (this_min > 0) {
      this_min = 0;
      this_scale = double(c) / b;
    }
    const double e = error_of(this_scale, this_min, a, b, c);
    if (!(e < best)) break;
    best = e;
    std::memcpy(L, aux, size_t(n));
    scale = float(this_scale);
    offset = float(this_min);
  }
  *the_min = -offset;
  return scale;
}

// Chooses the stored levels of a sub-block's scale and min: the nearest ones (s0, m0) or a
// neighbour of either, whichever gives the smallest weighted error once the elements are
// re-quantized against the values as stored (d·s and dmin·m); writes those integers to L.
void PickScaleMin(const float* x, const float* w, int n, int nmax, float d, float dmin, int s0,
                  int m0, int level_max, int* s_out, int* m_out, uint8_t* L) {
  int best_s = s0, best_m = m0;
  float best = -1;
  for (int sc = std::max(0, s0 - 1); sc <= std::min(level_max, s0 + 1); ++sc) {
    const float dd = d * float(sc);
    if (dd == 0) continue;
    for (int m = std::max(0, m0 - 1); m <= std::min(level_max, m0 + 1); ++m) {
      const float dm = dmin * float(m);
      float err = 0;
      for (int l = 0; l < n; ++l) {
        const int q = std::clamp(Nearest((x[l] + dm) / dd), 0, nmax);
        const float diff = dd * float(q) - dm - x[l];
        err += w[l] * diff * diff;
      }
      if (best < 0 || err < best) {
        best = err;
        best_s = sc;
        best_m = m;
      }
    }
  }
  const float dd = d * float(best_s), dm = dmin * float(best_m);
  for (int l = 0; l < n; ++l) {
    L[l] = dd == 0 ? 0 : uint8_t(std::clamp(Nearest((x[l] + dm) / dd), 0, nmax));
  }
  *s_out = best_s;
  *m_out = best_m;
}

void QuantQ8_0Ref(const float* x, BlockQ8_0* y, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i, x += kQK) {
    float amax = 0;
    for (int j = 0; j < kQK; ++j) amax = std::max(amax, std::fabs(x[j]));
    const float d = amax / 127.0f;
    const float id = d != 0 ? 1.0f / d : 0.0f;
    y[i].d = F32ToF16(d);
    for (int j = 0; j < kQK; ++j) y[i].qs[j] = int8_t(std::roundf(x[j] * id));
  }
}

// Q4_K (nmax 15) and Q5_K (nmax 31): 8 sub-blocks of 32 with 6-bit scales and mins.
template <int kNmax>
void QuantizeScaleMinBlock(const float* x, uint16_t* d_out, uint16_t* dmin_out, uint8_t packed[12],
                           uint8_t L[kQK_K]) {
  float scales[8], mins[8], weights[32];
  float max_scale = 0, max_min = 0;
  for (int j = 0; j < 8; ++j) {
    const float* xs = x + 32 * j;
    float sum_x2 = 0;
    for (int l = 0; l < 32; ++l) sum_x2 += xs[l] * xs[l];
    const float av_x = std::sqrt(sum_x2 / 32);
    for (int l = 0; l < 32; ++l) weights[l] = av_x + std::fabs(xs[l]);
    scales[j] = kNmax == 15
                    ? FitWithMin(xs, weights, 32, kNmax, -1.0f, 0.1f, 20, L + 32 * j, &mins[j])
                    : FitWithMin(xs, weights, 32, kNmax, -0.5f, 0.1f, 15, L + 32 * j, &mins[j]);
    max_scale = std::max(max_scale, scales[j]);
    max_min = std::max(max_min, mins[j]);
  }
  const float inv_scale = max_scale > 0 ? 63.0f / max_scale : 0.0f;
  const float inv_min = max_min > 0 ? 63.0f / max_min : 0.0f;
  const uint16_t d16 = F32ToF16(max_scale / 63.0f), dmin16 = F32ToF16(max_min / 63.0f);
  const float d = F16ToF32(d16), dmin = F16ToF32(dmin16);
  uint8_t ls[8], lm[8];
  for (int j = 0; j < 8; ++j) {
    const float* xs = x + 32 * j;
    float sum_x2 = 0;
    for (int l = 0; l < 32; ++l) sum_x2 += xs[l] * xs[l];
    const float av_x = std::sqrt(sum_x2 / 32);
    for (int l = 0; l < 32; ++l) weights[l] = av_x + std::fabs(xs[l]);
    int sc, m;
    PickScaleMin(xs, weights, 32, kNmax, d, dmin, std::min(63, Nearest(inv_scale * scales[j])),
                 std::min(63, Nearest(inv_min * mins[j])), 63, &sc, &m, L + 32 * j);
    ls[j] = uint8_t(sc);
    lm[j] = uint8_t(m);
  }
  std::memset(packed, 0, 12);
  for (int j = 0; j < 8; ++j) {
    if (j < 4) {
      packed[j] = ls[j];
      packed[j + 4] = lm[j];
    } else {
      packed[j + 4] = uint8_t((ls[j] & 0xF) | ((lm[j] & 0xF) << 4));
      packed[j - 4] |= uint8_t((ls[j] >> 4) << 6);
      packed[j] |= uint8_t((lm[j] >> 4) << 6);
    }
  }
  *d_out = d16;
  *dmin_out = dmin16;
}

void QuantQ4_K(const float* x, BlockQ4_K* y, int64_t nb) {
  uint8_t L[kQK_K];
  for (int64_t i = 0; i < nb; ++i, x += kQK_K) {
    QuantizeScaleMinBlock<15>(x, &y[i].d, &y[i].dmin, y[i].scales, L);
    uint8_t* q = y[i].qs;
    for (int j = 0; j < kQK_K; j += 64, q += 32) {
      for (int l = 0; l < 32; ++l) q[l] = uint8_t(L[j + l] | (L[j + l + 32] << 4));
    }
  }
}

void QuantQ5_K(const float* x, BlockQ5_K* y, int64_t nb) {
  uint8_t L[kQK_K];
  for (int64_t i = 0; i < nb; ++i, x += kQK_K) {
    QuantizeScaleMinBlock<31>(x, &y[i].d, &y[i].dmin, y[i].scales, L);
    std::memset(y[i].qh, 0, sizeof y[i].qh);
    uint8_t* ql = y[i].qs;
    uint8_t m1 = 1, m2 = 2;
    for (int j = 0; j < kQK_K; j += 64, ql += 32, m1 <<= 2, m2 <<= 2) {
      for (int l = 0; l < 32; ++l) {
        const int a = L[j + l], b = L[j + l + 32];
        ql[l] = uint8_t((a & 0xF) | ((b & 0xF) << 4));
        if (a > 15) y[i].qh[l] |= m1;
        if (b > 15) y[i].qh[l] |= m2;
      }
    }
  }
}

void QuantQ6_K(const float* x, BlockQ6_K* y, int64_t nb) {
  int8_t L[kQK_K];
  for (int64_t i = 0; i < nb; ++i, x += kQK_K) {
    float scales[16];
    float max_scale = 0, max_abs = 0;
    for (int ib = 0; ib < 16; ++ib) {
      scales[ib] = FitSymmetric(x + 16 * ib, 16, 32, L + 16 * ib);
      if (std::fabs(scales[ib]) > max_abs) {
        max_abs = std::fabs(scales[ib]);
        max_scale = scales[ib];
      }
    }
    std::memset(&y[i], 0, sizeof y[i]);
    if (max_abs < 1e-30f) continue;  // all zero: d = 0 and every q = 0 - 32 + 32
    const float iscale = -128.0f / max_scale;
    y[i].d = F32ToF16(1.0f / iscale);
    const float d = F16ToF32(y[i].d);
    uint8_t q[kQK_K];
    for (int ib = 0; ib < 16; ++ib) {
      // The nearest 8-bit scale (no neighbour search: this reproduces llama.cpp's Q6_K
      // blocks exactly, and a search gains under 0.1%).
      const float* xs = x + 16 * ib;
      y[i].scales[ib] = int8_t(std::min(127, Nearest(iscale * scales[ib])));
      const float dd = d * float(y[i].scales[ib]);
      for (int l = 0; l < 16; ++l) {
        // A zero scale decodes to zeros whatever q is; keep the fit's integers then.
        const int v = dd == 0 ? L[16 * ib + l] : std::clamp(Nearest(xs[l] / dd), -32, 31);
        q[16 * ib + l] = uint8_t(v + 32);
      }
    }
    for (int n = 0; n < kQK_K; n += 128) {
      uint8_t* ql = y[i].ql + n / 2;
      uint8_t* qh = y[i].qh + n / 4;
      for (int l = 0; l < 32; ++l) {
        const uint8_t q1 = q[n + l], q2 = q[n + l + 32], q3 = q[n + l + 64], q4 = q[n + l + 96];
        ql[l] = uint8_t((q1 & 0xF) | ((q3 & 0xF) << 4));
        ql[l + 32] = uint8_t((q2 & 0xF) | ((q4 & 0xF) << 4));
        qh[l] = uint8_t((q1 >> 4) | ((q2 >> 4) << 2) | ((q3 >> 4) << 4) | ((q4 >> 4) << 6));
      }
    }
  }
}

// Q2_K and Q3_K share the element order: byte qs[32*half + 16*part + l] holds, at bit
// offset `shift`, element 128*half + 32*(shift/2) + 16*part + l (sub-block = element / 16).
inline int LowBitsIndex(int e, int* shift) {
  const int half = e / 128, r = e % 128;
  *shift = 2 * (r / 32);
  return 32 * half + (r % 32);
}

void QuantQ2_K(const float* x, BlockQ2_K* y, int64_t nb) {
  uint8_t L[kQK_K];
  for (int64_t i = 0; i < nb; ++i, x += kQK_K) {
    float scales[16], mins[16], weights[16];
    float max_scale = 0, max_min = 0;
    for (int j = 0; j < 16; ++j) {
      for (int l = 0; l < 16; ++l) weights[l] = std::fabs(x[16 * j + l]);
      scales[j] = FitWithMin(x + 16 * j, weights, 16, 3, -0.5f, 0.1f, 15, L + 16 * j, &mins[j]);
      max_scale = std::max(max_scale, scales[j]);
      max_min = std::max(max_min, mins[j]);
    }
    std::memset(&y[i], 0, sizeof y[i]);
    const float inv_scale = max_scale > 0 ? 15.0f / max_scale : 0.0f;
    const float inv_min = max_min > 0 ? 15.0f / max_min : 0.0f;
    y[i].d = F32ToF16(max_scale / 15.0f);
    y[i].dmin = F32ToF16(max_min / 15.0f);
    const float d = F16ToF32(y[i].d), dmin = F16ToF32(y[i].dmin);
    for (int j = 0; j < 16; ++j) {
      const float* xs = x + 16 * j;
      for (int l = 0; l < 16; ++l) weights[l] = std::fabs(xs[l]);
      int ls, lm;
      PickScaleMin(xs, weights, 16, 3, d, dmin, std::min(15, Nearest(inv_scale * scales[j])),
                   std::min(15, Nearest(inv_min * mins[j])), 15, &ls, &lm, L + 16 * j);
      y[i].scales[j] = uint8_t(ls | (lm << 4));
    }
    for (int e = 0; e < kQK_K; ++e) {
      int shift;
      const int at = LowBitsIndex(e, &shift);
      y[i].qs[at] |= uint8_t(L[e] << shift);
    }
  }
}

void QuantQ3_K(const float* x, BlockQ3_K* y, int64_t nb) {
  int8_t L[kQK_K];
  for (int64_t i = 0; i < nb; ++i, x += kQK_K) {
    float scales[16];
    float max_scale = 0, max_abs = 0;
    for (int j = 0; j < 16; ++j) {
      scales[j] = FitSymmetric(x + 16 * j, 16, 4, L + 16 * j);
      if (std::fabs(scales[j]) > max_abs) {
        max_abs = std::fabs(scales[j]);
        max_scale = scales[j];
      }
    }
    std::memset(&y[i], 0, sizeof y[i]);
    int sc[16] = {};
    if (max_abs >= 1e-30f) {
      const float iscale = -32.0f / max_scale;
      for (int j = 0; j < 16; ++j) sc[j] = std::clamp(Nearest(iscale * scales[j]), -32, 31);
      y[i].d = F32ToF16(1.0f / iscale);
    }
    for (int j = 0; j < 16; ++j) {
      const int s = sc[j] + 32;
      y[i].scales[j % 8] |= uint8_t((s & 0xF) << (j < 8 ? 0 : 4));
      y[i].scales[8 + j % 4] |= uint8_t((s >> 4) << (2 * (j / 4)));
    }
    const float d = F16ToF32(y[i].d);
    for (int j = 0; j < 16; ++j) {
      const float dd = d * float(sc[j]);
      for (int l = 0; l < 16; ++l) {
        L[16 * j + l] = int8_t(dd == 0 ? 0 : std::clamp(Nearest(x[16 * j + l] / dd), -4, 3));
      }
    }
    for (int e = 0; e < kQK_K; ++e) {
      int shift;
      const int at = LowBitsIndex(e, &shift);
      const int v = L[e] + 4;  // 0..7: two low bits in qs, the third in hmask
      y[i].qs[at] |= uint8_t((v & 3) << shift);
      // hmask is shared by both halves: byte e % 32, bit 4 * half + shift / 2.
      if (v & 4) y[i].hmask[e % 32] |= uint8_t(1 << ((e / 128) * 4 + shift / 2));
    }
  }
}

}  // namespace

bool CanQuantizeWeight(DType t) {
  switch (t) {
    case DType::kF32:
    case DType::kF16:
    case DType::kBF16:
    case DType::kQ8_0:
    case DType::kQ4_0:
    case DType::kQ4_1:
    case DType::kQ5_0:
    case DType::kQ5_1:
    case DType::kQ2_K:
    case DType::kQ3_K:
    case DType::kQ4_K:
    case DType::kQ5_K:
    case DType::kQ6_K:
    case DType::kIQ4_NL:
    case DType::kIQ4_XS:
    case DType::kMXFP4:
      return true;
    default:
      return false;
  }
}

void QuantizeWeightRow(DType t, const float* x, void* dst, int64_t n) {
  const int64_t nb = n / GetDTypeInfo(t).block_size;
  switch (t) {
    case DType::kQ8_0:
      return QuantQ8_0Ref(x, static_cast<BlockQ8_0*>(dst), nb);
    case DType::kQ2_K:
      return QuantQ2_K(x, static_cast<BlockQ2_K*>(dst), nb);
    case DType::kQ3_K:
      return QuantQ3_K(x, static_cast<BlockQ3_K*>(dst), nb);
    case DType::kQ4_K:
      return QuantQ4_K(x, static_cast<BlockQ4_K*>(dst), nb);
    case DType::kQ5_K:
      return QuantQ5_K(x, static_cast<BlockQ5_K*>(dst), nb);
    case DType::kQ6_K:
      return QuantQ6_K(x, static_cast<BlockQ6_K*>(dst), nb);
    case DType::kIQ4_NL:
    case DType::kIQ4_XS:
    case DType::kMXFP4:
      return QuantizeIQ4Row(t, x, dst, n);
    default:
      return QuantizeRow(t, x, dst, n);  // F32/F16/BF16/Q4_0/Q4_1/Q5_0/Q5_1 (reference rounding)
  }
}

}  // namespace inferno
