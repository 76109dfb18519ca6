#include "engine/tensor/dequant.h"

#include <cstdlib>
#include <cstring>

#include "engine/tensor/fp16.h"
#include "engine/tensor/iq2_quants.h"
#include "engine/tensor/iq3_grids.h"
#include "engine/tensor/quant_blocks.h"

namespace inferno {
namespace {

void DequantQ4_0(const BlockQ4_0* b, float* y, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i, y += kQK) {
    const float d = F16ToF32(b[i].d);
    for (int j = 0; j < kQK / 2; ++j) {
      y[j] = float((b[i].qs[j] & 0xF) - 8) * d;
      y[j + kQK / 2] = float((b[i].qs[j] >> 4) - 8) * d;
    }
  }
}

void DequantQ4_1(const BlockQ4_1* b, float* y, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i, y += kQK) {
    const float d = F16ToF32(b[i].d), m = F16ToF32(b[i].m);
    for (int j = 0; j < kQK / 2; ++j) {
      y[j] = float(b[i].qs[j] & 0xF) * d + m;
      y[j + kQK / 2] = float(b[i].qs[j] >> 4) * d + m;
    }
  }
}

template <typename Block>
uint32_t HighBits(const Block& b) {
  uint32_t qh;
  std::memcpy(&qh, b.qh, 4);
  return qh;
}

void DequantQ5_0(const BlockQ5_0* b, float* y, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i, y += kQK) {
    const float d = F16ToF32(b[i].d);
    const uint32_t qh = HighBits(b[i]);
    for (int j = 0; j < kQK / 2; ++j) {
      const int lo = (b[i].qs[j] & 0xF) | (((qh >> j) & 1) << 4);
      const int hi = (b[i].qs[j] >> 4) | (((qh >> (j + 16)) & 1) << 4);
      y[j] = float(lo - 16) * d;
      y[j + kQK / 2] = float(hi - 16) * d;
    }
  }
}

void DequantQ5_1(const BlockQ5_1* b, float* y, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i, y += kQK) {
    const float d = F16ToF32(b[i].d), m = F16ToF32(b[i].m);
    const uint32_t qh = HighBits(b[i]);
    for (int j = 0; j < kQK / 2; ++j) {
      const int lo = (b[i].qs[j] & 0xF) | (((qh >> j) & 1) << 4);
      const int hi = (b[i].qs[j] >> 4) | (((qh >> (j + 16)) & 1) << 4);
      y[j] = float(lo) * d + m;
      y[j + kQK / 2] = float(hi) * d + m;
    }
  }
}

void DequantQ8_0(const BlockQ8_0* b, float* y, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i, y += kQK) {
    const float d = F16ToF32(b[i].d);
    for (int j = 0; j < kQK; ++j) y[j] = float(b[i].qs[j]) * d;
  }
}

void DequantQ8_1(const BlockQ8_1* b, float* y, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i, y += kQK) {
    const float d = F16ToF32(b[i].d);
    for (int j = 0; j < kQK; ++j) y[j] = float(b[i].qs[j]) * d;
  }
}

void DequantQ2_K(const BlockQ2_K* b, float* y, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i) {
    const float d = F16ToF32(b[i].d), dmin = F16ToF32(b[i].dmin);
    const uint8_t* q = b[i].qs;
    int is = 0;
    for (int half = 0; half < 2; ++half, q += 32) {
      for (int shift = 0; shift < 8; shift += 2) {
        for (int part = 0; part < 2; ++part) {
          const uint8_t sc = b[i].scales[is++];
          const float dl = d * float(sc & 0xF), ml = dmin * float(sc >> 4);
          for (int l = 0; l < 16; ++l) *y++ = dl * float((q[l + 16 * part] >> shift) & 3) - ml;
        }
      }
    }
  }
}

void DequantQ3_K(const BlockQ3_K* b, float* y, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i) {
    const float d = F16ToF32(b[i].d);
    int8_t scales[16];
    UnpackScalesQ3K(b[i].scales, scales);
    const uint8_t* q = b[i].qs;
    uint8_t mask = 1;
    int is = 0;
    for (int half = 0; half < 2; ++half, q += 32) {
      for (int shift = 0; shift < 8; shift += 2, mask <<= 1) {
        for (int part = 0; part < 2; ++part) {
          const float dl = d * float(scales[is++]);
          for (int l = 0; l < 16; ++l) {
            const int idx = l + 16 * part;
            const int v = ((q[idx] >> shift) & 3) - ((b[i].hmask[idx] & mask) ? 0 : 4);
            *y++ = dl * float(v);
          }
        }
      }
    }
  }
}

void DequantQ4_K(const BlockQ4_K* b, float* y, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i) {
    const float d = F16ToF32(b[i].d), dmin = F16ToF32(b[i].dmin);
    const uint8_t* q = b[i].qs;
    for (int j = 0; j < 8; j += 2, q += 32) {
      uint8_t sc, m;
      UnpackScaleMinK4(j, b[i].scales, &sc, &m);
      const float d1 = d * sc, m1 = dmin * m;
      UnpackScaleMinK4(j + 1, b[i].scales, &sc, &m);
      const float d2 = d * sc, m2 = dmin * m;
      for (int l = 0; l < 32; ++l) *y++ = d1 * float(q[l] & 0xF) - m1;
      for (int l = 0; l < 32; ++l) *y++ = d2 * float(q[l] >> 4) - m2;
    }
  }
}

void DequantQ5_K(const BlockQ5_K* b, float* y, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i) {
    const float d = F16ToF32(b[i].d), dmin = F16ToF32(b[i].dmin);
    const uint8_t* ql = b[i].qs;
    const uint8_t* qh = b[i].qh;
    uint8_t u1 = 1, u2 = 2;
    for (int j = 0; j < 8; j += 2, ql += 32, u1 <<= 2, u2 <<= 2) {
      uint8_t sc, m;
      UnpackScaleMinK4(j, b[i].scales, &sc, &m);
      const float d1 = d * sc, m1 = dmin * m;
      UnpackScaleMinK4(j + 1, b[i].scales, &sc, &m);
      const float d2 = d * sc, m2 = dmin * m;
      for (int l = 0; l < 32; ++l) *y++ = d1 * float((ql[l] & 0xF) + (qh[l] & u1 ? 16 : 0)) - m1;
      for (int l = 0; l < 32; ++l) *y++ = d2 * float((ql[l] >> 4) + (qh[l] & u2 ? 16 : 0)) - m2;
    }
  }
}

void DequantQ6_K(const BlockQ6_K* b, float* y, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i) {
    const float d = F16ToF32(b[i].d);
    const uint8_t* ql = b[i].ql;
    const uint8_t* qh = b[i].qh;
    const int8_t* sc = b[i].scales;
    for (int n = 0; n < kQK_K; n += 128, y += 128, ql += 64, qh += 32, sc += 8) {
      for (int l = 0; l < 32; ++l) {
        const int is = l / 16;
        const int q1 = int((ql[l] & 0xF) | (((qh[l] >> 0) & 3) << 4)) - 32;
        const int q2 = int((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32;
        const int q3 = int((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
        const int q4 = int((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
        y[l] = d * float(sc[is + 0]) * float(q1);
        y[l + 32] = d * float(sc[is + 2]) * float(q2);
        y[l + 64] = d * float(sc[is + 4]) * float(q3);
        y[l + 96] = d * float(sc[is + 6]) * float(q4);
      }
    }
  }
}

void DequantQ8_K(const BlockQ8_K* b, float* y, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i) {
    for (int j = 0; j < kQK_K; ++j) *y++ = b[i].d * float(b[i].qs[j]);
  }
}

// The three codebook formats share Q4_0's nibble order: element j in the low nibble of
// qs[j], element j + 16 in the high nibble, per 32 elements.
void DequantNibbles32(const uint8_t* qs, const int8_t* values, float scale, float* y) {
  for (int j = 0; j < 16; ++j) {
    y[j] = scale * float(values[qs[j] & 0xF]);
    y[j + 16] = scale * float(values[qs[j] >> 4]);
  }
}

void DequantIQ4_NL(const BlockIQ4_NL* b, float* y, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i, y += kQK) {
    DequantNibbles32(b[i].qs, kIQ4NLValues, F16ToF32(b[i].d), y);
  }
}

void DequantIQ4_XS(const BlockIQ4_XS* b, float* y, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i) {
    const float d = F16ToF32(b[i].d);
    for (int ib = 0; ib < kQK_K / 32; ++ib, y += 32) {
      DequantNibbles32(b[i].qs + 16 * ib, kIQ4NLValues, d * float(IQ4XSScale(b[i], ib)), y);
    }
  }
}

void DequantMXFP4(const BlockMXFP4* b, float* y, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i, y += kQK) {
    DequantNibbles32(b[i].qs, kMXFP4Values, E8M0Half(b[i].e), y);
  }
}

}  // namespace

void DequantizeRow(DType t, const void* src, float* dst, int64_t n) {
  const int64_t nb = n / GetDTypeInfo(t).block_size;
  switch (t) {
    case DType::kF32:
      std::memcpy(dst, src, size_t(n) * 4);
      return;
    case DType::kF16: {
      const auto* h = static_cast<const uint16_t*>(src);
      for (int64_t i = 0; i < n; ++i) dst[i] = F16ToF32(h[i]);
      return;
    }
    case DType::kBF16: {
      const auto* h = static_cast<const uint16_t*>(src);
      for (int64_t i = 0; i < n; ++i) dst[i] = BF16ToF32(h[i]);
      return;
    }
    case DType::kQ4_0:
      return DequantQ4_0(static_cast<const BlockQ4_0*>(src), dst, nb);
    case DType::kQ4_1:
      return DequantQ4_1(static_cast<const BlockQ4_1*>(src), dst, nb);
    case DType::kQ5_0:
      return DequantQ5_0(static_cast<const BlockQ5_0*>(src), dst, nb);
    case DType::kQ5_1:
      return DequantQ5_1(static_cast<const BlockQ5_1*>(src), dst, nb);
    case DType::kQ8_0:
      return DequantQ8_0(static_cast<const BlockQ8_0*>(src), dst, nb);
    case DType::kQ8_1:
      return DequantQ8_1(static_cast<const BlockQ8_1*>(src), dst, nb);
    case DType::kQ2_K:
      return DequantQ2_K(static_cast<const BlockQ2_K*>(src), dst, nb);
    case DType::kQ3_K:
      return DequantQ3_K(static_cast<const BlockQ3_K*>(src), dst, nb);
    case DType::kQ4_K:
      return DequantQ4_K(static_cast<const BlockQ4_K*>(src), dst, nb);
    case DType::kQ5_K:
      return DequantQ5_K(static_cast<const BlockQ5_K*>(src), dst, nb);
    case DType::kQ6_K:
      return DequantQ6_K(static_cast<const BlockQ6_K*>(src), dst, nb);
    case DType::kQ8_K:
      return DequantQ8_K(static_cast<const BlockQ8_K*>(src), dst, nb);
    case DType::kIQ4_NL:
      return DequantIQ4_NL(static_cast<const BlockIQ4_NL*>(src), dst, nb);
    case DType::kIQ4_XS:
      return DequantIQ4_XS(static_cast<const BlockIQ4_XS*>(src), dst, nb);
    case DType::kMXFP4:
      return DequantMXFP4(static_cast<const BlockMXFP4*>(src), dst, nb);
    case DType::kIQ3_XXS:
    case DType::kIQ3_S:
    case DType::kIQ2_S:
      return DequantizeIQ3Family(t, src, dst, nb);
    case DType::kIQ2_XXS:
      return DequantIQ2_XXS(src, dst, nb);
    case DType::kIQ2_XS:
      return DequantIQ2_XS(src, dst, nb);
    case DType::kIQ1_S:
      return DequantIQ1_S(src, dst, nb);
    default:
      std::abort();  // integer tensors are never dequantized; types come validated
  }
}

}  // namespace inferno
