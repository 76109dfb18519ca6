// Byte layouts of the quantized block formats, exactly as GGUF files store them.
// `d`/`dmin`/`m`/`s` fields are F16 bit patterns unless noted.
#pragma once

#include <cstdint>
#include <cstring>

namespace inferno {

constexpr int kQK = 32;     // elements per block of the simple formats
constexpr int kQK_K = 256;  // elements per super-block of the K-quants

struct BlockQ4_0 {
  uint16_t d;
  uint8_t qs[kQK / 2];  // element j in low nibble of qs[j], element j+16 in the high nibble
};
struct BlockQ4_1 {
  uint16_t d, m;
  uint8_t qs[kQK / 2];
};
struct BlockQ5_0 {
  uint16_t d;
  uint8_t qh[4];  // fifth bits, little-endian u32: bit j for element j
  uint8_t qs[kQK / 2];
};
struct BlockQ5_1 {
  uint16_t d, m;
  uint8_t qh[4];
  uint8_t qs[kQK / 2];
};
struct BlockQ8_0 {
  uint16_t d;
  int8_t qs[kQK];
};
struct BlockQ8_1 {
  uint16_t d;
  uint16_t s;  // d * sum(qs), lets Q4_1/Q5_1 dots apply their offset in one multiply
  int8_t qs[kQK];
};
struct BlockQ2_K {
  uint8_t scales[kQK_K / 16];  // low nibble scale, high nibble min, per 16 elements
  uint8_t qs[kQK_K / 4];
  uint16_t d, dmin;
};
struct BlockQ3_K {
  uint8_t hmask[kQK_K / 8];
  uint8_t qs[kQK_K / 4];
  uint8_t scales[12];  // 16 six-bit scales
  uint16_t d;
};
struct BlockQ4_K {
  uint16_t d, dmin;
  uint8_t scales[12];  // 8 six-bit scales and 8 six-bit mins
  uint8_t qs[kQK_K / 2];
};
struct BlockQ5_K {
  uint16_t d, dmin;
  uint8_t scales[12];
  uint8_t qh[kQK_K / 8];
  uint8_t qs[kQK_K / 2];
};
struct BlockQ6_K {
  uint8_t ql[kQK_K / 2];
  uint8_t qh[kQK_K / 4];
  int8_t scales[kQK_K / 16];
  uint16_t d;
};
struct BlockQ8_K {
  float d;  // F32, not F16
  int8_t qs[kQK_K];
  int16_t bsums[kQK_K / 16];
};

// IQ4_NL: 4-bit indices into kIQ4NLValues (a non-uniform codebook, denser near zero where
// weights cluster) times one F16 scale; nibbles arranged as in Q4_0.
struct BlockIQ4_NL {
  uint16_t d;
  uint8_t qs[kQK / 2];
};
// IQ4_XS: IQ4_NL's codebook in super-blocks of 256 with a signed 6-bit scale per 32
// elements (stored biased by 32: low nibbles in scales_l, two high bits each in scales_h).
// Sub-block ib's nibbles are qs[16 * ib .. 16 * ib + 15], arranged as in Q4_0.
struct BlockIQ4_XS {
  uint16_t d;
  uint16_t scales_h;
  uint8_t scales_l[kQK_K / 64];
  uint8_t qs[kQK_K / 2];
};
// MXFP4 (OCP microscaling): 4-bit E2M1 floats (sign, 2-bit exponent, 1-bit mantissa) with
// a shared power-of-two scale stored as an E8M0 exponent byte (value 2^(e - 127)).
// Nibbles arranged as in Q4_0.
struct BlockMXFP4 {
  uint8_t e;
  uint8_t qs[kQK / 2];
};

// The IQ4_NL/IQ4_XS codebook, part of the format (ggml's kvalues_iq4nl).
inline constexpr int8_t kIQ4NLValues[16] = {-127, -104, -83, -65, -49, -35, -22, -10,
                                            1,    13,   25,  38,  53,  69,  89,  113};
// The 16 E2M1 values, doubled so that they are integers (0, ±0.5, ±1, ±1.5, ±2, ±3, ±4, ±6
// times 2); MXFP4 scales are halved to match (E8M0Half).
inline constexpr int8_t kMXFP4Values[16] = {0, 1,  2,  3,  4,  6,  8,  12,
                                            0, -1, -2, -3, -4, -6, -8, -12};

// Half the E8M0 scale, 2^(e - 128), exactly (including the two subnormal results, e < 2).
inline float E8M0Half(uint8_t e) {
  const uint32_t bits = e < 2 ? (0x00200000u << e) : uint32_t(e - 1) << 23;
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

// The signed scale (-32..31) of IQ4_XS sub-block ib.
inline int IQ4XSScale(const BlockIQ4_XS& b, int ib) {
  const int low = (b.scales_l[ib / 2] >> (4 * (ib % 2))) & 0xF;
  const int high = (b.scales_h >> (2 * ib)) & 3;
  return (low | (high << 4)) - 32;
}

static_assert(sizeof(BlockQ4_0) == 18);
static_assert(sizeof(BlockQ4_1) == 20);
static_assert(sizeof(BlockQ5_0) == 22);
static_assert(sizeof(BlockQ5_1) == 24);
static_assert(sizeof(BlockQ8_0) == 34);
static_assert(sizeof(BlockQ8_1) == 36);
static_assert(sizeof(BlockQ2_K) == 84);
static_assert(sizeof(BlockQ3_K) == 110);
static_assert(sizeof(BlockQ4_K) == 144);
static_assert(sizeof(BlockQ5_K) == 176);
static_assert(sizeof(BlockQ6_K) == 210);
static_assert(sizeof(BlockQ8_K) == 292);
static_assert(sizeof(BlockIQ4_NL) == 18);
static_assert(sizeof(BlockIQ4_XS) == 136);
static_assert(sizeof(BlockMXFP4) == 17);

// Q4_K/Q5_K pack 8 scales and 8 mins of 6 bits into 12 bytes.
inline void UnpackScaleMinK4(int j, const uint8_t* q, uint8_t* scale, uint8_t* min) {
  if (j < 4) {
    *scale = q[j] & 63;
    *min = q[j + 4] & 63;
  } else {
    *scale = (q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4);
    *min = (q[j + 4] >> 4) | ((q[j] >> 6) << 4);
  }
}

// All eight scales (out[0..7]) and mins (out[8..15]) of a Q4_K/Q5_K block at once, with
// 32-bit masks instead of eight calls to UnpackScaleMinK4: SIMD kernels load the result.
inline void UnpackScalesMinsK4(const uint8_t* packed, uint8_t out[16]) {
  constexpr uint32_t kLow6 = 0x3F3F3F3F, kLow4 = 0x0F0F0F0F, kLow2 = 0x03030303;
  uint32_t u[3];
  std::memcpy(u, packed, 12);
  const uint32_t r[4] = {
      u[0] & kLow6,
      (u[2] & kLow4) | (((u[0] >> 6) & kLow2) << 4),
      u[1] & kLow6,
      ((u[2] >> 4) & kLow4) | (((u[1] >> 6) & kLow2) << 4),
  };
  std::memcpy(out, r, 16);
}

// Q3_K packs 16 six-bit scales (biased by 32) into 12 bytes.
inline void UnpackScalesQ3K(const uint8_t* packed, int8_t out[16]) {
  for (int i = 0; i < 16; ++i) {
    const int low = i < 8 ? (packed[i] & 0xF) : (packed[i - 8] >> 4);
    const int high = (packed[8 + (i % 4)] >> (2 * (i / 4))) & 3;
    out[i] = int8_t((low | (high << 4)) - 32);
  }
}

}  // namespace inferno
