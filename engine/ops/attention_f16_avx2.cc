// AVX2 attention kernel: 8 keys per block, up to 4 query rows at a time. Head sizes that are
// not whole vectors (none of the supported models) take the scalar kernel.
#include <immintrin.h>

#include <algorithm>
#include <cmath>

#include "engine/ops/attention_f16.h"
#include "engine/ops/row_groups.h"

namespace inferno::ops {
namespace {  // NOLINT(build/namespaces): ISA-specific helpers need internal linkage.

inline __m256 LoadPh(const uint16_t* p) {
  return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
}

inline __m256 RoundToF16(__m256 x) {
  return _mm256_cvtph_ps(_mm256_cvtps_ph(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
}

// e^x for x <= 0, as in the AVX-512 kernel: x = n ln2 + r, Taylor series of e^r to r^7,
// times 2^n from exponent bits; 0 below -87.33 (and for -inf).
inline __m256 Exp(__m256 x) {
  const __m256 keep = _mm256_cmp_ps(x, _mm256_set1_ps(-87.33f), _CMP_GE_OQ);
  const __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
                                   _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
  r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
  __m256 p = _mm256_set1_ps(1.0f / 5040);
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 720));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 120));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 24));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 6));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(0.5f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
  // Clamped so the exponent arithmetic of masked-off lanes (-inf) stays defined.
  const __m256i ni = _mm256_cvtps_epi32(_mm256_max_ps(n, _mm256_set1_ps(-127.0f)));
  const __m256i e = _mm256_slli_epi32(_mm256_add_epi32(ni, _mm256_set1_epi32(127)), 23);
  return _mm256_and_ps(keep, _mm256_mul_ps(p, _mm256_castsi256_ps(e)));
}

// v[0..7] -> one vector whose lane j is the sum of v[j]'s lanes.
inline __m256 Reduce8(const __m256* v) {
  const __m256 a = _mm256_hadd_ps(_mm256_hadd_ps(v[0], v[1]), _mm256_hadd_ps(v[2], v[3]));
  const __m256 b = _mm256_hadd_ps(_mm256_hadd_ps(v[4], v[5]), _mm256_hadd_ps(v[6], v[7]));
  // a's 128-bit halves hold the partial sums of v[0..3] (low / high lanes), b's of v[4..7].
  return _mm256_add_ps(_mm256_permute2f128_ps(a, b, 0x20), _mm256_permute2f128_ps(a, b, 0x31));
}

template <int NR>
void Scores(const AttentionF16Args& a, const float* qf, size_t qs, float* scores, size_t ss) {
  const __m256 scale = _mm256_set1_ps(a.scale);
  __m256 tmp[NR][8];
  for (int j0 = 0; j0 < a.n_keys; j0 += 8) {
    const int nb = std::min(8, a.n_keys - j0);
    for (int jj = 0; jj < nb; ++jj) {
      const auto* kr = reinterpret_cast<const uint16_t*>(a.k + (j0 + jj) * a.k_stride);
      __m256 acc[NR];
      for (int r = 0; r < NR; ++r) acc[r] = _mm256_setzero_ps();
      for (int d = 0; d < a.head_dim; d += 8) {
        const __m256 kv = LoadPh(kr + d);
        for (int r = 0; r < NR; ++r) {
          acc[r] = _mm256_fmadd_ps(kv, _mm256_loadu_ps(qf + r * qs + d), acc[r]);
        }
      }
      for (int r = 0; r < NR; ++r) tmp[r][jj] = acc[r];
    }
    for (int jj = nb; jj < 8; ++jj) {
      for (int r = 0; r < NR; ++r) tmp[r][jj] = _mm256_setzero_ps();
    }
    for (int r = 0; r < NR; ++r) {
      float* s = scores + r * ss + j0;
      _mm256_storeu_ps(s, _mm256_mul_ps(Reduce8(tmp[r]), scale));
      for (int jj = nb; jj < 8; ++jj) s[jj] = -INFINITY;
    }
  }
}

// `sink`: null, or the row's sink logit, which joins the max and the denominator.
void Softmax(float* s, int n_keys, float* capture, const float* sink) {
  const int nv = (n_keys + 7) / 8;
  __m256 mx = _mm256_set1_ps(-INFINITY);
  for (int i = 0; i < nv; ++i) mx = _mm256_max_ps(mx, _mm256_loadu_ps(s + 8 * i));
  __m128 m4 = _mm_max_ps(_mm256_castps256_ps128(mx), _mm256_extractf128_ps(mx, 1));
  m4 = _mm_max_ps(m4, _mm_movehl_ps(m4, m4));
  m4 = _mm_max_ss(m4, _mm_movehdup_ps(m4));
  float max_f = _mm_cvtss_f32(m4);
  if (sink != nullptr) max_f = std::max(max_f, *sink);
  const __m256 max_score = _mm256_set1_ps(max_f);
  __m256d sum0 = _mm256_setzero_pd(), sum1 = _mm256_setzero_pd();
  for (int i = 0; i < nv; ++i) {
    const __m256 e = Exp(_mm256_sub_ps(_mm256_loadu_ps(s + 8 * i), max_score));
    _mm256_storeu_ps(s + 8 * i, e);
    sum0 = _mm256_add_pd(sum0, _mm256_cvtps_pd(_mm256_castps256_ps128(e)));
    sum1 = _mm256_add_pd(sum1, _mm256_cvtps_pd(_mm256_extractf128_ps(e, 1)));
  }
  alignas(32) double parts[4];
  _mm256_store_pd(parts, _mm256_add_pd(sum0, sum1));
  double sum = (parts[0] + parts[1]) + (parts[2] + parts[3]);
  if (sink != nullptr) sum += std::exp(*sink - max_f);
  const __m256 inv = _mm256_set1_ps(float(1.0 / sum));
  for (int i = 0; i < nv; ++i) {
    const __m256 p = _mm256_mul_ps(_mm256_loadu_ps(s + 8 * i), inv);
    if (capture != nullptr) {
      if (8 * i + 8 <= n_keys) {
        _mm256_storeu_ps(capture + 8 * i, p);
      } else {
        alignas(32) float part[8];
        _mm256_store_ps(part, p);
        for (int j = 8 * i; j < n_keys; ++j) capture[j] = part[j - 8 * i];
      }
    }
    _mm256_storeu_ps(s + 8 * i, RoundToF16(p));
  }
}

// 16 output dimensions per pass: 4 rows x 2 accumulators + 2 values fit in 16 registers.
// kAdd: added to what out holds (the one-pass kernel's running sums), else stored.
template <int NR, bool kAdd = false>
void WeightValues(const AttentionF16Args& a, const float* probs, size_t ss, float* out) {
  for (int d0 = 0; d0 < a.head_dim_v; d0 += 16) {
    const int nc = a.head_dim_v - d0 >= 16 ? 2 : 1;
    __m256 acc[NR][2];
    for (int r = 0; r < NR; ++r) {
      for (int c = 0; c < 2; ++c) {
        acc[r][c] = kAdd && c < nc ? _mm256_loadu_ps(out + r * a.out_stride + d0 + 8 * c)
                                   : _mm256_setzero_ps();
      }
    }
    if (nc == 2) {
      for (int j = 0; j < a.n_keys; ++j) {
        const auto* vr = reinterpret_cast<const uint16_t*>(a.v + j * a.v_stride) + d0;
        const __m256 v0 = LoadPh(vr), v1 = LoadPh(vr + 8);
        for (int r = 0; r < NR; ++r) {
          const __m256 p = _mm256_broadcast_ss(probs + r * ss + j);
          acc[r][0] = _mm256_fmadd_ps(p, v0, acc[r][0]);
          acc[r][1] = _mm256_fmadd_ps(p, v1, acc[r][1]);
        }
      }
    } else {
      for (int j = 0; j < a.n_keys; ++j) {
        const __m256 v0 = LoadPh(reinterpret_cast<const uint16_t*>(a.v + j * a.v_stride) + d0);
        for (int r = 0; r < NR; ++r) {
          acc[r][0] = _mm256_fmadd_ps(_mm256_broadcast_ss(probs + r * ss + j), v0, acc[r][0]);
        }
      }
    }
    for (int r = 0; r < NR; ++r) {
      for (int c = 0; c < nc; ++c) _mm256_storeu_ps(out + r * a.out_stride + d0 + 8 * c, acc[r][c]);
    }
  }
}

template <int NR>
void Pass(const AttentionF16Args& a, const float* qf, size_t qs, float* scores, size_t ss, int r0) {
  Scores<NR>(a, qf + r0 * qs, qs, scores + r0 * ss, ss);
  for (int r = r0; r < r0 + NR; ++r) {
    Softmax(scores + r * ss, a.n_keys, a.capture != nullptr ? a.capture[r] : nullptr,
            a.sinks != nullptr ? a.sinks + r : nullptr);
  }
  WeightValues<NR>(a, scores + r0 * ss, ss, a.out + r0 * a.out_stride);
}

}  // namespace

void ScoresF16Avx2(const AttentionF16Args& a, const float* qf, size_t qs, float* scores,
                   size_t ss) {
  ForEachRowGroup(a.n_rows,
                  [&]<int NR>(int r0) { Scores<NR>(a, qf + r0 * qs, qs, scores + r0 * ss, ss); });
}

void AddValuesF16Avx2(const AttentionF16Args& a, const float* probs, size_t ss, float* out) {
  ForEachRowGroup(a.n_rows, [&]<int NR>(int r0) {
    WeightValues<NR, true>(a, probs + r0 * ss, ss, out + r0 * a.out_stride);
  });
}

void ExpNonPositiveAvx2(const float* x, float* out, int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(out + i, Exp(_mm256_loadu_ps(x + i)));
  if (i < n) {
    alignas(32) float part[8] = {};
    for (int64_t j = i; j < n; ++j) part[j - i] = x[j];
    _mm256_store_ps(part, Exp(_mm256_load_ps(part)));
    for (int64_t j = i; j < n; ++j) out[j] = part[j - i];
  }
}

void AttentionF16Avx2(const AttentionF16Args& a) {
  if (a.head_dim % 8 != 0 || a.head_dim_v % 8 != 0) return AttentionF16Scalar(a);
  const size_t qs = (size_t(a.head_dim) + 15) / 16 * 16;
  const size_t ss = (size_t(a.n_keys) + 15) / 16 * 16;
  float* qf = a.scratch;
  float* scores = qf + a.n_rows * qs;
  for (int r = 0; r < a.n_rows; ++r) {
    // The query rounded to F16 (like the reference's F16 K·Q product).
    for (int d = 0; d < a.head_dim; d += 8) {
      _mm256_storeu_ps(qf + r * qs + d, RoundToF16(_mm256_loadu_ps(a.q + r * a.q_stride + d)));
    }
  }
  ForEachRowGroup(a.n_rows, [&]<int NR>(int r0) { Pass<NR>(a, qf, qs, scores, ss, r0); });
}

}  // namespace inferno::ops
