#!/usr/bin/env bash
# gpt-oss: attention sinks, sliding window on even layers, q/k/v/o biases, YaRN, 8 experts (with
# biases) of which 2 run per token, softmax over the chosen 2, clamped SwiGLU. One random model
# (the seed and shape of ../shared/peer/make-zoo.sh's gpt-oss line):
#   F16    a parity case, checked at the float bound (0.02)
#   MXFP4  llama.cpp's MXFP4_MOE (experts in MXFP4, the rest Q8_0, as gpt-oss is released): made
#          by iquants.sh into zoo-src/ (compared with our quantizer byte for byte), no oracles.
#
# OPEN (2026-12-03): with INFERNO_ISA=avx2 the MXFP4 and Q8_0 forms (with oracles) match llama.cpp exactly
# (step-0 max |diff| 0.00000 on en, code and unicode), but on the AVX-512 path they drift
# (MXFP4 0.21-0.39, and 4.06 on `unicode` where a routing choice flips; Q8_0 fails a greedy
# step on `unicode`). The MXFP4 dot kernels and the AVX-512 activation quantizer are not the
# cause (forcing AVX2's changes nothing); turning off the R4 repacking of the Q8_0 matrices
# (ops::ShouldRepack) makes the MXFP4 form exact again (0.00000 on code/en/short/unicode, 0.15
# on long), while the same switch makes llama-tiny-MXFP4-ffn/unicode drift instead: which
# matrices are summed in the repacked order differs between us and llama.cpp (whose CPU backend
# repacks some Q8_0 tensors itself), and the top-2 routing amplifies the last-bit differences.
# Until that choice is matched they are not parity cases; MXFP4 itself stays checked end to end
# by iquants.sh's llama-tiny-MXFP4-ffn.
source "$(dirname "$0")/lib.sh"
gpt_oss_args=(--arch gpt-oss --vocab "$BPE" --seed 23 --n-layer 4 --head-dim 64 --n-expert 8
  --n-expert-used 2 --n-ff-exp 256 --swa 32 --ctx 131072)
zoo_model gpt-oss-tiny-F16 F16 "${gpt_oss_args[@]}"

