// AVX-512 attention kernel: 16 keys per block, up to 4 query rows at a time.
#include <immintrin.h>

#include <algorithm>
#include <cmath>

#include "engine/ops/attention_f16.h"
#include "engine/ops/row_groups.h"
#include "engine/ops/simd_avx512.h"

// GCC 12 reports the undefined pass-through operand inside many unmasked AVX-512 intrinsics
// (shuffles, conversions, rounding) as "maybe uninitialized"; the warning is about the
// header's own placeholder, never our data.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

namespace inferno::ops {
namespace {  // NOLINT(build/namespaces): ISA-specific helpers need internal linkage.

// The zero-masked conversion: GCC 12 warns about the plain form's undefined pass-through.
inline __m512 LoadPh(const uint16_t* p, __mmask16 m) {
  return _mm512_maskz_cvtph_ps(__mmask16(0xFFFF), _mm256_maskz_loadu_epi16(m, p));
}

inline __mmask16 TailMask(int n) { return n >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << n) - 1); }

// v[0..15] -> one vector whose lane j is the sum of v[j]'s lanes: a tree of halving
// shuffles (30 shuffles and 15 adds for 16 dot products, instead of 16 horizontal sums).
inline __m512 Reduce16(const __m512* v) {
  __m512 r[8], s[4], u[2];
  for (int i = 0; i < 8; ++i) {  // lanes: key i (256 bits), key i+8
    r[i] = _mm512_add_ps(_mm512_shuffle_f32x4(v[i], v[i + 8], 0x44),
                         _mm512_shuffle_f32x4(v[i], v[i + 8], 0xEE));
  }
  for (int i = 0; i < 4; ++i) {  // 128-bit lanes: keys i, i+8, i+4, i+12
    s[i] = _mm512_add_ps(_mm512_shuffle_f32x4(r[i], r[i + 4], 0x88),
                         _mm512_shuffle_f32x4(r[i], r[i + 4], 0xDD));
  }
  for (int i = 0; i < 2; ++i) {  // each 128-bit lane: two sums of key i+o, two of key i+2+o
    u[i] = _mm512_add_ps(_mm512_shuffle_ps(s[i], s[i + 2], 0x44),
                         _mm512_shuffle_ps(s[i], s[i + 2], 0xEE));
  }
  const __m512 w =
      _mm512_add_ps(_mm512_shuffle_ps(u[0], u[1], 0x88), _mm512_shuffle_ps(u[0], u[1], 0xDD));
  // Lane 4L+m of w holds key o[L] + o[m] with o = {0, 2, 1, 3} scaled by 4 for L; undo that.
  const __m512i order = _mm512_setr_epi32(0, 2, 1, 3, 8, 10, 9, 11, 4, 6, 5, 7, 12, 14, 13, 15);
  return _mm512_permutexvar_ps(order, w);
}

// Scores of rows [r0, r0+NR) against all keys: scores[r][j] = (qf[r]·k[j]) * scale, with the
// padding after the last key set to -inf.
// QC > 0: head_dim is exactly QC vectors and the queries stay in registers, so the loop does
// one load per key vector instead of one per FMA (loads, not FMAs, limited it).
template <int NR, int QC>
void Scores(const AttentionF16Args& a, const float* qf, size_t qs, float* scores, size_t ss) {
  const __mmask16 last = TailMask(a.head_dim % 16 == 0 ? 16 : a.head_dim % 16);
  const __m512 scale = _mm512_set1_ps(a.scale);
  __m512 qv[NR][QC > 0 ? QC : 1];
  for (int r = 0; r < NR; ++r) {
    for (int c = 0; c < QC; ++c) qv[r][c] = _mm512_loadu_ps(qf + r * qs + 16 * c);
  }
  __m512 tmp[NR][16];
  for (int j0 = 0; j0 < a.n_keys; j0 += 16) {
    const int nb = std::min(16, a.n_keys - j0);
    for (int jj = 0; jj < nb; ++jj) {
      const auto* kr = reinterpret_cast<const uint16_t*>(a.k + (j0 + jj) * a.k_stride);
      __m512 acc[NR];
      for (int r = 0; r < NR; ++r) acc[r] = _mm512_setzero_ps();
      if constexpr (QC > 0) {
        for (int c = 0; c < QC; ++c) {
          const __m512 kv = LoadPh(kr + 16 * c, __mmask16(0xFFFF));
          for (int r = 0; r < NR; ++r) acc[r] = _mm512_fmadd_ps(kv, qv[r][c], acc[r]);
        }
      } else {
        for (int d = 0; d < a.head_dim; d += 16) {
          const __m512 kv = LoadPh(kr + d, d + 16 <= a.head_dim ? __mmask16(0xFFFF) : last);
          for (int r = 0; r < NR; ++r) {
            acc[r] = _mm512_fmadd_ps(kv, _mm512_loadu_ps(qf + r * qs + d), acc[r]);
          }
        }
      }
      for (int r = 0; r < NR; ++r) tmp[r][jj] = acc[r];
    }
    for (int jj = nb; jj < 16; ++jj) {
      for (int r = 0; r < NR; ++r) tmp[r][jj] = _mm512_setzero_ps();
    }
    const __mmask16 valid = TailMask(nb);
    for (int r = 0; r < NR; ++r) {
      const __m512 sc = _mm512_mul_ps(Reduce16(tmp[r]), scale);
      _mm512_storeu_ps(scores + r * ss + j0,
                       _mm512_mask_blend_ps(valid, _mm512_set1_ps(-INFINITY), sc));
    }
  }
}

// Turns one row of scores into F16-rounded probabilities in place (capturing the unrounded
// ones when asked). `sink`: null, or the row's sink logit, which joins the max and the
// denominator.
// The largest lane, through zero-masked extracts: GCC 12 warns that the pass-through operand of
// _mm512_reduce_max_ps's unmasked extract is uninitialized.
float ReduceMax(__m512 v) {
  const __m512d d = _mm512_castps_pd(v);
  const __m256 m = _mm256_max_ps(_mm256_castpd_ps(_mm512_maskz_extractf64x4_pd(0xF, d, 0)),
                                 _mm256_castpd_ps(_mm512_maskz_extractf64x4_pd(0xF, d, 1)));
  __m128 q = _mm_max_ps(_mm256_castps256_ps128(m), _mm256_extractf128_ps(m, 1));
  q = _mm_max_ps(q, _mm_movehl_ps(q, q));
  q = _mm_max_ss(q, _mm_movehdup_ps(q));
  return _mm_cvtss_f32(q);
}

void Softmax(float* s, int n_keys, float* capture, const float* sink) {
  const int nv = (n_keys + 15) / 16;
  __m512 mx = _mm512_set1_ps(-INFINITY);
  for (int i = 0; i < nv; ++i) mx = _mm512_max_ps(mx, _mm512_loadu_ps(s + 16 * i));
  float max_f = ReduceMax(mx);
  if (sink != nullptr) max_f = std::max(max_f, *sink);
  const __m512 max_score = _mm512_set1_ps(max_f);
  // Summed in double like the reference's softmax, so long rows lose nothing.
  __m512d sum0 = _mm512_setzero_pd(), sum1 = _mm512_setzero_pd();
  for (int i = 0; i < nv; ++i) {
    const __m512 e = Exp(_mm512_sub_ps(_mm512_loadu_ps(s + 16 * i), max_score));
    _mm512_storeu_ps(s + 16 * i, e);
    sum0 = _mm512_add_pd(sum0, _mm512_cvtps_pd(_mm512_castps512_ps256(e)));
    // The zero-masked extract: GCC 12 warns that the unmasked form's pass-through is
    // uninitialized.
    sum1 = _mm512_add_pd(sum1, _mm512_cvtps_pd(_mm256_castpd_ps(
                                   _mm512_maskz_extractf64x4_pd(0xF, _mm512_castps_pd(e), 1))));
  }
  double sum = _mm512_reduce_add_pd(_mm512_add_pd(sum0, sum1));
  if (sink != nullptr) sum += std::exp(*sink - max_f);
  const __m512 inv = _mm512_set1_ps(float(1.0 / sum));
  for (int i = 0; i < nv; ++i) {
    const __m512 p = _mm512_mul_ps(_mm512_loadu_ps(s + 16 * i), inv);
    if (capture != nullptr) {
      _mm512_mask_storeu_ps(capture + 16 * i, TailMask(n_keys - 16 * i), p);
    }
    const __m256i h = _mm512_cvtps_ph(p, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    _mm512_storeu_ps(s + 16 * i, _mm512_maskz_cvtph_ps(__mmask16(0xFFFF), h));
  }
}

// out[r] = sum_j p[r][j] * v[j] for rows [0, NR), 64 output dimensions per pass so the
// accumulators stay in registers across all keys. kAdd: added to what out holds (the
// one-pass kernel's running sums).
template <int NR, bool kAdd = false>
void WeightValues(const AttentionF16Args& a, const float* probs, size_t ss, float* out) {
  for (int d0 = 0; d0 < a.head_dim_v; d0 += 64) {
    __mmask16 m[4];
    for (int c = 0; c < 4; ++c) m[c] = TailMask(std::max(0, a.head_dim_v - d0 - 16 * c));
    __m512 acc[NR][4];
    for (int r = 0; r < NR; ++r) {
      for (int c = 0; c < 4; ++c) {
        acc[r][c] = kAdd ? _mm512_maskz_loadu_ps(m[c], out + r * a.out_stride + d0 + 16 * c)
                         : _mm512_setzero_ps();
      }
    }
    for (int j = 0; j < a.n_keys; ++j) {
      const auto* vr = reinterpret_cast<const uint16_t*>(a.v + j * a.v_stride) + d0;
      __m512 vv[4];
      for (int c = 0; c < 4; ++c) vv[c] = LoadPh(vr + 16 * c, m[c]);
      for (int r = 0; r < NR; ++r) {
        const __m512 p = _mm512_set1_ps(probs[r * ss + j]);
        for (int c = 0; c < 4; ++c) acc[r][c] = _mm512_fmadd_ps(p, vv[c], acc[r][c]);
      }
    }
    for (int r = 0; r < NR; ++r) {
      for (int c = 0; c < 4; ++c) {
        _mm512_mask_storeu_ps(out + r * a.out_stride + d0 + 16 * c, m[c], acc[r][c]);
      }
    }
  }
}

// Scores of rows [r0, r0+NR).
template <int NR>
void RowScores(const AttentionF16Args& a, const float* qf, size_t qs, float* scores, size_t ss,
               int r0) {
  // Queries in registers: 4 vectors x 4 rows (head_dim 64), or 8 x 2 (128); 16 registers.
  if (a.head_dim == 64) {
    Scores<NR, 4>(a, qf + r0 * qs, qs, scores + r0 * ss, ss);
  } else if (a.head_dim == 128 && NR <= 2) {
    Scores<NR, 8>(a, qf + r0 * qs, qs, scores + r0 * ss, ss);
  } else {
    Scores<NR, 0>(a, qf + r0 * qs, qs, scores + r0 * ss, ss);
  }
}

template <int NR>
void Pass(const AttentionF16Args& a, const float* qf, size_t qs, float* scores, size_t ss, int r0) {
  RowScores<NR>(a, qf, qs, scores, ss, r0);
  for (int r = r0; r < r0 + NR; ++r) {
    Softmax(scores + r * ss, a.n_keys, a.capture != nullptr ? a.capture[r] : nullptr,
            a.sinks != nullptr ? a.sinks + r : nullptr);
  }
  WeightValues<NR>(a, scores + r0 * ss, ss, a.out + r0 * a.out_stride);
}

}  // namespace

void ScoresF16Avx512(const AttentionF16Args& a, const float* qf, size_t qs, float* scores,
                     size_t ss) {
  ForEachRowGroup(a.n_rows, [&]<int NR>(int r0) { RowScores<NR>(a, qf, qs, scores, ss, r0); });
}

void AddValuesF16Avx512(const AttentionF16Args& a, const float* probs, size_t ss, float* out) {
  ForEachRowGroup(a.n_rows, [&]<int NR>(int r0) {
    WeightValues<NR, true>(a, probs + r0 * ss, ss, out + r0 * a.out_stride);
  });
}

void ExpNonPositiveAvx512(const float* x, float* out, int64_t n) {
  for (int64_t i = 0; i < n; i += 16) {
    const __mmask16 m = TailMask(int(std::min<int64_t>(16, n - i)));
    _mm512_mask_storeu_ps(out + i, m, Exp(_mm512_maskz_loadu_ps(m, x + i)));
  }
}

void AttentionF16Avx512(const AttentionF16Args& a) {
  const size_t qs = (size_t(a.head_dim) + 15) / 16 * 16;
  const size_t ss = (size_t(a.n_keys) + 15) / 16 * 16;
  float* qf = a.scratch;
  float* scores = qf + a.n_rows * qs;
  for (int r = 0; r < a.n_rows; ++r) {
    // The query rounded to F16 (like the reference's F16 K·Q product), zero-padded.
    for (size_t d = 0; d < qs; d += 16) {
      const __mmask16 m = TailMask(int(std::max<int64_t>(0, a.head_dim - int64_t(d))));
      const __m512 x = _mm512_maskz_loadu_ps(m, a.q + r * a.q_stride + d);
      const __m256i h = _mm512_cvtps_ph(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
      _mm512_storeu_ps(qf + r * qs + d, _mm512_maskz_cvtph_ps(__mmask16(0xFFFF), h));
    }
  }
  ForEachRowGroup(a.n_rows, [&]<int NR>(int r0) { Pass<NR>(a, qf, qs, scores, ss, r0); });
}

}  // namespace inferno::ops
