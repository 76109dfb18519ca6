#include "engine/tensor/quantize.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include "engine/tensor/fp16.h"
#include "engine/tensor/quant_blocks.h"

namespace inferno {
namespace {

// Round half to even, as the SIMD rounding instructions (and ggml's nearest_int) do.
inline int RoundEven(float v) { return int(std::nearbyint(v)); }

float AbsMax(const float* x, int n) {
  float m = 0;
  for (int j = 0; j < n; ++j) m = std::max(m, std::fabs(x[j]));
  return m;
}

void QuantQ8_0(const float* x, BlockQ8_0* y, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i, x += kQK) {
    const float amax = AbsMax(x, kQK);
    const float d = amax / 127.0f;
    const float id = amax != 0.0f ? 127.0f / amax : 0.0f;
    y[i].d = F32ToF16(d);
    for (int j = 0; j < kQK; ++j) y[i].qs[j] = int8_t(RoundEven(x[j] * id));
  }
}

void QuantQ8_1(const float* x, BlockQ8_1* y, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i, x += kQK) {
    const float amax = AbsMax(x, kQK);
    const float d = amax / 127.0f;
    const float id = amax != 0.0f ? 127.0f / amax : 0.0f;
    int sum = 0;
    for (int j = 0; j < kQK; ++j) {
      y[i].qs[j] = int8_t(RoundEven(x[j] * id));
      sum += y[i].qs[j];
    }
    y[i].d = F32ToF16(d);
    y[i].s = F32ToF16(d * float(sum));
  }
}

void QuantQ8_K(const float* x, BlockQ8_K* y, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i, x += kQK_K) {
    float max = 0, amax = 0;
    for (int j = 0; j < kQK_K; ++j) {
      const float ax = std::fabs(x[j]);
      if (ax > amax) {
        amax = ax;
        max = x[j];
      }
    }
    if (amax == 0) {
      y[i].d = 0;
      std::memset(y[i].qs, 0, sizeof y[i].qs);
      std::memset(y[i].bsums, 0, sizeof y[i].bsums);
      continue;
    }
    // The signed extreme maps to -127, so the scale may be negative; int8 never sees -128.
    const float iscale = -127.0f / max;
    for (int j = 0; j < kQK_K; ++j) y[i].qs[j] = int8_t(std::min(127, RoundEven(iscale * x[j])));
    for (int j = 0; j < kQK_K / 16; ++j) {
      int sum = 0;
      for (int l = 0; l < 16; ++l) sum += y[i].qs[j * 16 + l];
      y[i].bsums[j] = int16_t(sum);
    }
    y[i].d = 1.0f / iscale;
  }
}

void QuantQ4_0(const float* x, BlockQ4_0* y, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i, x += kQK) {
    float amax = 0, max = 0;
    for (int j = 0; j < kQK; ++j) {
      if (std::fabs(x[j]) > amax) {
        amax = std::fabs(x[j]);
        max = x[j];
      }
    }
    const float d = max / -8.0f;
    const float id = d != 0 ? 1.0f / d : 0.0f;
    y[i].d = F32ToF16(d);
    for (int j = 0; j < kQK / 2; ++j) {
      const int a = std::min(15, int(x[j] * id + 8.5f));
      const int b = std::min(15, int(x[j + kQK / 2] * id + 8.5f));
      y[i].qs[j] = uint8_t(a | (b << 4));
    }
  }
}

void QuantQ4_1(const float* x, BlockQ4_1* y, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i, x += kQK) {
    const float mn = *std::min_element(x, x + kQK), mx = *std::max_element(x, x + kQK);
    const float d = (mx - mn) / 15.0f;
    const float id = d != 0 ? 1.0f / d : 0.0f;
    y[i].d = F32ToF16(d);
    y[i].m = F32ToF16(mn);
    for (int j = 0; j < kQK / 2; ++j) {
      const int a = std::min(15, int((x[j] - mn) * id + 0.5f));
      const int b = std::min(15, int((x[j + kQK / 2] - mn) * id + 0.5f));
      y[i].qs[j] = uint8_t(a | (b << 4));
    }
  }
}

void QuantQ5_0(const float* x, BlockQ5_0* y, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i, x += kQK) {
    float amax = 0, max = 0;
    for (int j = 0; j < kQK; ++j) {
      if (std::fabs(x[j]) > amax) {
        amax = std::fabs(x[j]);
        max = x[j];
      }
    }
    const float d = max / -16.0f;
    const float id = d != 0 ? 1.0f / d : 0.0f;
    y[i].d = F32ToF16(d);
    uint32_t qh = 0;
    for (int j = 0; j < kQK / 2; ++j) {
      const int a = std::min(31, int(x[j] * id + 16.5f));
      const int b = std::min(31, int(x[j + kQK / 2] * id + 16.5f));
      y[i].qs[j] = uint8_t((a & 0xF) | ((b & 0xF) << 4));
      qh |= uint32_t((a >> 4) & 1) << j;
      qh |= uint32_t((b >> 4) & 1) << (j + kQK / 2);
    }
    std::memcpy(y[i].qh, &qh, 4);
  }
}

void QuantQ5_1(const float* x, BlockQ5_1* y, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i, x += kQK) {
    const float mn = *std::min_element(x, x + kQK), mx = *std::max_element(x, x + kQK);
    const float d = (mx - mn) / 31.0f;
    const float id = d != 0 ? 1.0f / d : 0.0f;
    y[i].d = F32ToF16(d);
    y[i].m = F32ToF16(mn);
    uint32_t qh = 0;
    for (int j = 0; j < kQK / 2; ++j) {
      const int a = std::min(31, int((x[j] - mn) * id + 0.5f));
      const int b = std::min(31, int((x[j + kQK / 2] - mn) * id + 0.5f));
      y[i].qs[j] = uint8_t((a & 0xF) | ((b & 0xF) << 4));
      qh |= uint32_t((a >> 4) & 1) << j;
      qh |= uint32_t((b >> 4) & 1) << (j + kQK / 2);
    }
    std::memcpy(y[i].qh, &qh, 4);
  }
}

}  // namespace

bool CanQuantize(DType t) {
  switch (t) {
    case DType::kF32:
    case DType::kF16:
    case DType::kBF16:
    case DType::kQ8_0:
    case DType::kQ8_1:
    case DType::kQ8_K:
    case DType::kQ4_0:
    case DType::kQ4_1:
    case DType::kQ5_0:
    case DType::kQ5_1:
      return true;
    default:
      return false;
  }
}

void QuantizeRow(DType t, const float* x, void* dst, int64_t n) {
  const int64_t nb = n / GetDTypeInfo(t).block_size;
  switch (t) {
    case DType::kF32:
      std::memcpy(dst, x, size_t(n) * 4);
      return;
    case DType::kF16: {
      auto* h = static_cast<uint16_t*>(dst);
      for (int64_t i = 0; i < n; ++i) h[i] = F32ToF16(x[i]);
      return;
    }
    case DType::kBF16: {
      auto* h = static_cast<uint16_t*>(dst);
      for (int64_t i = 0; i < n; ++i) h[i] = F32ToBF16(x[i]);
      return;
    }
    case DType::kQ8_0:
      return QuantQ8_0(x, static_cast<BlockQ8_0*>(dst), nb);
    case DType::kQ8_1:
      return QuantQ8_1(x, static_cast<BlockQ8_1*>(dst), nb);
    case DType::kQ8_K:
      return QuantQ8_K(x, static_cast<BlockQ8_K*>(dst), nb);
    case DType::kQ4_0:
      return QuantQ4_0(x, static_cast<BlockQ4_0*>(dst), nb);
    case DType::kQ4_1:
      return QuantQ4_1(x, static_cast<BlockQ4_1*>(dst), nb);
    case DType::kQ5_0:
      return QuantQ5_0(x, static_cast<BlockQ5_0*>(dst), nb);
    case DType::kQ5_1:
      return QuantQ5_1(x, static_cast<BlockQ5_1*>(dst), nb);
    default:
      std::abort();  // callers check CanQuantize
  }
}

}  // namespace inferno
