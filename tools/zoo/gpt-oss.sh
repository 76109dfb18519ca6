#!/usr/bin/env bash
# gpt-oss: attention sinks, sliding window on even layers, q/k/v/o biases, YaRN, 8 experts (with
# biases) of which 2 run per token, softmax over the chosen 2, clamped SwiGLU. One random model
# (the seed and shape of ../shared/peer/make-zoo.sh's gpt-oss line) in three forms:
#   MXFP4  llama.cpp's MXFP4_MOE: experts in MXFP4, the rest Q8_0, as gpt-oss is released
#   Q8_0   the same layer without the MXFP4 kernels
#   F16    checked at the float bound (0.02), which the int8 activation noise of the quantized
#          forms, amplified by the top-k routing, does not allow
source "$(dirname "$0")/lib.sh"
gpt_oss_args=(--arch gpt-oss --vocab "$BPE" --seed 23 --n-layer 4 --head-dim 64 --n-expert 8
  --n-expert-used 2 --n-ff-exp 256 --swa 32 --ctx 131072)
zoo_model gpt-oss-tiny-MXFP4 MXFP4_MOE "${gpt_oss_args[@]}"
zoo_model gpt-oss-tiny-Q8_0 Q8_0 "${gpt_oss_args[@]}"
zoo_model gpt-oss-tiny-F16 F16 "${gpt_oss_args[@]}"
