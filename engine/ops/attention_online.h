// One-pass attention with online softmax over a range of keys, and the combination of such
// partial results: the long-context kernel of blocks::Attention. The two-pass kernels
// (attention_f16.h, attention_kv.h) keep a row of scores over the whole context per query,
// which at 8k positions no longer fits L1/L2, and give one work item per KV head, so a
// decode step of a model with fewer KV heads than cores leaves cores idle. Here keys are
// visited in tiles of kOnlineTile: a tile's scores (all query rows of the KV head), the
// running maximum and sum updated (the accumulators rescaled by e^(old max - new max) when
// the maximum grows), and the tile's values added with weights e^(s - max), while its key
// and value rows are still in L1. The result of a key range is unnormalised (a "partial"),
// so a context can be split across threads and the parts combined by the log-sum-exp rule:
// out = sum_c e^(m_c - M) acc_c / sum_c e^(m_c - M) l_c with M = max_c m_c.
//
// Numerics: scores as the two-pass kernels compute them (the query rounded to F16 for F16
// keys, quantized to the keys' dot partner for Q8_0 / Q4_0 keys), values accumulated in F32
// with F32 weights e^(s - max), as llama.cpp's flash-attention CPU kernel does for quantized
// values. The two-pass F16 kernel instead rounds the normalised probabilities to F16 (the
// reference's non-flash path); the two differ by that rounding (relative 2^-11 per weight).
#pragma once

#include <cstddef>
#include <cstdint>

#include "engine/ops/attention_f16.h"
#include "engine/ops/cpu_features.h"

namespace inferno::ops {

constexpr int kOnlineTile = 32;  // keys per tile: K and V rows of a tile stay in L1

// Floats per query row of a partial: head_dim_v accumulators (padded to 16), then the row's
// running maximum score and its sum of weights e^(s - max).
inline int64_t PartialRowFloats(int head_dim_v) {
  return (int64_t(head_dim_v) + 15) / 16 * 16 + 16;
}

// Floats of a.scratch the one-pass kernel needs (converted queries and one tile of scores).
size_t AttentionOnlineScratchFloats(int n_rows, int head_dim);

// Attention of a.n_rows query rows over keys 0..a.n_keys-1 of a (n_keys >= 1), one pass over
// the key and value rows: writes row r's partial at partial + r * PartialRowFloats(head_dim_v).
// a.out, a.sinks and a.capture are not used (CombinePartials applies sinks and normalises).
using AttentionOnlineFn = void (*)(const AttentionF16Args& a, float* partial);
// The kernel for these cache types at the active ISA.
AttentionOnlineFn GetAttentionOnline();
void AttentionOnlineScalar(const AttentionF16Args& a, float* partial);
void AttentionOnlineAvx2(const AttentionF16Args& a, float* partial);
void AttentionOnlineAvx512(const AttentionF16Args& a, float* partial);
// ARM64: the scalar kernel with the NEON key dot products of the active level (the values'
// accumulation and e^x stay scalar for now).
void AttentionOnlineNeon(const AttentionF16Args& a, float* partial);

// Combines n_parts partials of the same n_rows query rows (part c at
// parts + c * n_rows * PartialRowFloats(head_dim_v)) into the normalised attention output,
// row r at out + r * out_stride. sinks: null, or one logit per row that joins each row's
// denominator (attention_f16.h).
void CombinePartials(const float* parts, int n_parts, int n_rows, int head_dim_v,
                     const float* sinks, float* out, int64_t out_stride);

}  // namespace inferno::ops
