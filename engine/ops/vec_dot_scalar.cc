// Scalar reference dot products: integer sums per (sub-)block times the block scales,
// accumulated in float. Every SIMD kernel is tested against these.
#include <cstring>

#include "engine/ops/vec_dot.h"
#include "engine/ops/vec_dot_iq2.h"
#include "engine/tensor/fp16.h"
#include "engine/tensor/quant_blocks.h"

namespace inferno::ops {
namespace {

float DotF32(int64_t n, const void* w, const void* a) {
  const auto* x = static_cast<const float*>(w);
  const auto* y = static_cast<const float*>(a);
  float sum = 0;
  for (int64_t i = 0; i < n; ++i) sum += x[i] * y[i];
  return sum;
}

float DotF16(int64_t n, const void* w, const void* a) {
  const auto* x = static_cast<const uint16_t*>(w);
  const auto* y = static_cast<const uint16_t*>(a);
  float sum = 0;
  for (int64_t i = 0; i < n; ++i) sum += F16ToF32(x[i]) * F16ToF32(y[i]);
  return sum;
}

float DotBF16(int64_t n, const void* w, const void* a) {
  const auto* x = static_cast<const uint16_t*>(w);
  const auto* y = static_cast<const uint16_t*>(a);
  float sum = 0;
  for (int64_t i = 0; i < n; ++i) sum += BF16ToF32(x[i]) * BF16ToF32(y[i]);
  return sum;
}

float DotQ4_0(int64_t n, const void* w, const void* a) {
  const auto* x = static_cast<const BlockQ4_0*>(w);
  const auto* y = static_cast<const BlockQ8_0*>(a);
  float sum = 0;
  for (int64_t i = 0; i < n / kQK; ++i) {
    int sumi = 0;
    for (int j = 0; j < kQK / 2; ++j) {
      sumi += ((x[i].qs[j] & 0xF) - 8) * y[i].qs[j];
      sumi += ((x[i].qs[j] >> 4) - 8) * y[i].qs[j + kQK / 2];
    }
    sum += float(sumi) * (F16ToF32(x[i].d) * F16ToF32(y[i].d));
  }
  return sum;
}

float DotQ4_1(int64_t n, const void* w, const void* a) {
  const auto* x = static_cast<const BlockQ4_1*>(w);
  const auto* y = static_cast<const BlockQ8_1*>(a);
  float sum = 0;
  for (int64_t i = 0; i < n / kQK; ++i) {
    int sumi = 0;
    for (int j = 0; j < kQK / 2; ++j) {
      sumi += (x[i].qs[j] & 0xF) * y[i].qs[j];
      sumi += (x[i].qs[j] >> 4) * y[i].qs[j + kQK / 2];
    }
    sum +=
        float(sumi) * (F16ToF32(x[i].d) * F16ToF32(y[i].d)) + F16ToF32(x[i].m) * F16ToF32(y[i].s);
  }
  return sum;
}

template <typename Block>
uint32_t HighBits(const Block& b) {
  uint32_t qh;
  std::memcpy(&qh, b.qh, 4);
  return qh;
}

float DotQ5_0(int64_t n, const void* w, const void* a) {
  const auto* x = static_cast<const BlockQ5_0*>(w);
  const auto* y = static_cast<const BlockQ8_0*>(a);
  float sum = 0;
  for (int64_t i = 0; i < n / kQK; ++i) {
    const uint32_t qh = HighBits(x[i]);
    int sumi = 0;
    for (int j = 0; j < kQK / 2; ++j) {
      const int lo = ((x[i].qs[j] & 0xF) | (((qh >> j) & 1) << 4)) - 16;
      const int hi = ((x[i].qs[j] >> 4) | (((qh >> (j + 16)) & 1) << 4)) - 16;
      sumi += lo * y[i].qs[j] + hi * y[i].qs[j + kQK / 2];
    }
    sum += float(sumi) * (F16ToF32(x[i].d) * F16ToF32(y[i].d));
  }
  return sum;
}

float DotQ5_1(int64_t n, const void* w, const void* a) {
  const auto* x = static_cast<const BlockQ5_1*>(w);
  const auto* y = static_cast<const BlockQ8_1*>(a);
  float sum = 0;
  for (int64_t i = 0; i < n / kQK; ++i) {
    const uint32_t qh = HighBits(x[i]);
    int sumi = 0;
    for (int j = 0; j < kQK / 2; ++j) {
      const int lo = (x[i].qs[j] & 0xF) | (((qh >> j) & 1) << 4);
      const int hi = (x[i].qs[j] >> 4) | (((qh >> (j + 16)) & 1) << 4);
      sumi += lo * y[i].qs[j] + hi * y[i].qs[j + kQK / 2];
    }
    sum +=
        float(sumi) * (F16ToF32(x[i].d) * F16ToF32(y[i].d)) + F16ToF32(x[i].m) * F16ToF32(y[i].s);
  }
  return sum;
}

float DotQ8_0(int64_t n, const void* w, const void* a) {
  const auto* x = static_cast<const BlockQ8_0*>(w);
  const auto* y = static_cast<const BlockQ8_0*>(a);
  float sum = 0;
  for (int64_t i = 0; i < n / kQK; ++i) {
    int sumi = 0;
    for (int j = 0; j < kQK; ++j) sumi += x[i].qs[j] * y[i].qs[j];
    sum += float(sumi) * (F16ToF32(x[i].d) * F16ToF32(y[i].d));
  }
  return sum;
}

float DotQ2_K(int64_t n, const void* w, const void* a) {
  const auto* x = static_cast<const BlockQ2_K*>(w);
  const auto* y = static_cast<const BlockQ8_K*>(a);
  float sum = 0;
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    int summs = 0;  // mins times the activation block sums
    for (int j = 0; j < 16; ++j) summs += y[i].bsums[j] * (x[i].scales[j] >> 4);
    int isum = 0;
    const uint8_t* q = x[i].qs;
    const int8_t* q8 = y[i].qs;
    int is = 0;
    for (int half = 0; half < 2; ++half, q += 32) {
      for (int shift = 0; shift < 8; shift += 2) {
        for (int part = 0; part < 2; ++part, q8 += 16) {
          int s = 0;
          for (int l = 0; l < 16; ++l) s += q8[l] * ((q[l + 16 * part] >> shift) & 3);
          isum += (x[i].scales[is++] & 0xF) * s;
        }
      }
    }
    sum += y[i].d * F16ToF32(x[i].d) * float(isum) - y[i].d * F16ToF32(x[i].dmin) * float(summs);
  }
  return sum;
}

float DotQ3_K(int64_t n, const void* w, const void* a) {
  const auto* x = static_cast<const BlockQ3_K*>(w);
  const auto* y = static_cast<const BlockQ8_K*>(a);
  float sum = 0;
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    int8_t scales[16];
    UnpackScalesQ3K(x[i].scales, scales);
    const uint8_t* q = x[i].qs;
    const int8_t* q8 = y[i].qs;
    uint8_t mask = 1;
    int is = 0, isum = 0;
    for (int half = 0; half < 2; ++half, q += 32) {
      for (int shift = 0; shift < 8; shift += 2, mask <<= 1) {
        for (int part = 0; part < 2; ++part, q8 += 16) {
          int s = 0;
          for (int l = 0; l < 16; ++l) {
            const int idx = l + 16 * part;
            s += q8[l] * (((q[idx] >> shift) & 3) - ((x[i].hmask[idx] & mask) ? 0 : 4));
          }
          isum += scales[is++] * s;
        }
      }
    }
    sum += F16ToF32(x[i].d) * y[i].d * float(isum);
  }
  return sum;
}

float DotQ4_K(int64_t n, const void* w, const void* a) {
  const auto* x = static_cast<const BlockQ4_K*>(w);
  const auto* y = static_cast<const BlockQ8_K*>(a);
  float sum = 0;
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    const uint8_t* q = x[i].qs;
    const int8_t* q8 = y[i].qs;
    int isum = 0, summs = 0;
    for (int j = 0; j < 8; j += 2, q += 32) {
      for (int k = 0; k < 2; ++k, q8 += 32) {
        uint8_t sc, m;
        UnpackScaleMinK4(j + k, x[i].scales, &sc, &m);
        int s = 0;
        for (int l = 0; l < 32; ++l) s += q8[l] * (k == 0 ? (q[l] & 0xF) : (q[l] >> 4));
        isum += sc * s;
        summs += m * (y[i].bsums[2 * (j + k)] + y[i].bsums[2 * (j + k) + 1]);
      }
    }
    sum += F16ToF32(x[i].d) * y[i].d * float(isum) - F16ToF32(x[i].dmin) * y[i].d * float(summs);
  }
  return sum;
}

float DotQ5_K(int64_t n, const void* w, const void* a) {
  const auto* x = static_cast<const BlockQ5_K*>(w);
  const auto* y = static_cast<const BlockQ8_K*>(a);
  float sum = 0;
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    const uint8_t* ql = x[i].qs;
    const uint8_t* qh = x[i].qh;
    const int8_t* q8 = y[i].qs;
    int isum = 0, summs = 0;
    uint8_t u1 = 1, u2 = 2;
    for (int j = 0; j < 8; j += 2, ql += 32, u1 <<= 2, u2 <<= 2) {
      for (int k = 0; k < 2; ++k, q8 += 32) {
        uint8_t sc, m;
        UnpackScaleMinK4(j + k, x[i].scales, &sc, &m);
        int s = 0;
        for (int l = 0; l < 32; ++l) {
          const int v =
              k == 0 ? (ql[l] & 0xF) + (qh[l] & u1 ? 16 : 0) : (ql[l] >> 4) + (qh[l] & u2 ? 16 : 0);
          s += q8[l] * v;
        }
        isum += sc * s;
        summs += m * (y[i].bsums[2 * (j + k)] + y[i].bsums[2 * (j + k) + 1]);
      }
    }
    sum += F16ToF32(x[i].d) * y[i].d * float(isum) - F16ToF32(x[i].dmin) * y[i].d * float(summs);
  }
  return sum;
}

float DotQ6_K(int64_t n, const void* w, const void* a) {
  const auto* x = static_cast<const BlockQ6_K*>(w);
  const auto* y = static_cast<const BlockQ8_K*>(a);
  float sum = 0;
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    const uint8_t* ql = x[i].ql;
    const uint8_t* qh = x[i].qh;
    const int8_t* sc = x[i].scales;
    const int8_t* q8 = y[i].qs;
    int isum = 0;
    for (int half = 0; half < 2; ++half, ql += 64, qh += 32, sc += 8, q8 += 128) {
      int s[8] = {};
      for (int l = 0; l < 32; ++l) {
        const int is = l / 16;
        const int q1 = int((ql[l] & 0xF) | (((qh[l] >> 0) & 3) << 4)) - 32;
        const int q2 = int((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32;
        const int q3 = int((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
        const int q4 = int((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
        s[is + 0] += q1 * q8[l];
        s[is + 2] += q2 * q8[l + 32];
        s[is + 4] += q3 * q8[l + 64];
        s[is + 6] += q4 * q8[l + 96];
      }
      for (int k = 0; k < 8; ++k) isum += sc[k] * s[k];
    }
    sum += F16ToF32(x[i].d) * y[i].d * float(isum);
  }
  return sum;
}

// The codebook formats: integer levels from a 16-entry table, Q4_0's nibble order.
int DotNibbles32(const uint8_t* qs, const int8_t* levels, const int8_t* q8) {
  int sum = 0;
  for (int j = 0; j < 16; ++j) {
    sum += levels[qs[j] & 0xF] * q8[j] + levels[qs[j] >> 4] * q8[j + 16];
  }
  return sum;
}

float DotIQ4_NL(int64_t n, const void* w, const void* a) {
  const auto* x = static_cast<const BlockIQ4_NL*>(w);
  const auto* y = static_cast<const BlockQ8_0*>(a);
  float sum = 0;
  for (int64_t i = 0; i < n / kQK; ++i) {
    const int sumi = DotNibbles32(x[i].qs, kIQ4NLValues, y[i].qs);
    sum += float(sumi) * (F16ToF32(x[i].d) * F16ToF32(y[i].d));
  }
  return sum;
}

float DotMXFP4(int64_t n, const void* w, const void* a) {
  const auto* x = static_cast<const BlockMXFP4*>(w);
  const auto* y = static_cast<const BlockQ8_0*>(a);
  float sum = 0;
  for (int64_t i = 0; i < n / kQK; ++i) {
    const int sumi = DotNibbles32(x[i].qs, kMXFP4Values, y[i].qs);
    sum += float(sumi) * (E8M0Half(x[i].e) * F16ToF32(y[i].d));
  }
  return sum;
}

float DotIQ4_XS(int64_t n, const void* w, const void* a) {
  const auto* x = static_cast<const BlockIQ4_XS*>(w);
  const auto* y = static_cast<const BlockQ8_K*>(a);
  float sum = 0;
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    int isum = 0;
    for (int ib = 0; ib < kQK_K / 32; ++ib) {
      isum +=
          IQ4XSScale(x[i], ib) * DotNibbles32(x[i].qs + 16 * ib, kIQ4NLValues, y[i].qs + 32 * ib);
    }
    sum += F16ToF32(x[i].d) * y[i].d * float(isum);
  }
  return sum;
}

}  // namespace

VecDotFn ScalarVecDot(DType t) {
  switch (t) {
    case DType::kF32:
      return DotF32;
    case DType::kF16:
      return DotF16;
    case DType::kBF16:
      return DotBF16;
    case DType::kQ4_0:
      return DotQ4_0;
    case DType::kQ4_1:
      return DotQ4_1;
    case DType::kQ5_0:
      return DotQ5_0;
    case DType::kQ5_1:
      return DotQ5_1;
    case DType::kQ8_0:
      return DotQ8_0;
    case DType::kQ2_K:
      return DotQ2_K;
    case DType::kQ3_K:
      return DotQ3_K;
    case DType::kQ4_K:
      return DotQ4_K;
    case DType::kQ5_K:
      return DotQ5_K;
    case DType::kQ6_K:
      return DotQ6_K;
    case DType::kIQ4_NL:
      return DotIQ4_NL;
    case DType::kIQ4_XS:
      return DotIQ4_XS;
    case DType::kMXFP4:
      return DotMXFP4;
    case DType::kIQ3_XXS:
    case DType::kIQ3_S:
    case DType::kIQ2_S:
      return ScalarIQ3VecDot(t);
    case DType::kIQ2_XXS:
    case DType::kIQ2_XS:
    case DType::kIQ1_S:
      return ScalarIQ2VecDot(t);
    default:
      return nullptr;
  }
}

}  // namespace inferno::ops
