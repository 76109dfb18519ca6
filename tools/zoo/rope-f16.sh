#!/usr/bin/env bash
# F16 twins of the RoPE models of rope.sh and mistral3.sh (YaRN llama, Phi-3 LongRoPE, Mistral 3
# YaRN + attention temperature), same seeds and shapes. With F16 weights the parity bound is
# 0.02 instead of Q8_0's 0.5 (activation rounding noise): tight enough to catch a RoPE magnitude
# or factor error the Q8_0 models would hide (Mistral 3's temperature alone moves llama.cpp's
# step-0 logits on the long prompt by up to 1.5).
source "$(dirname "$0")/lib.sh"
zoo_model llama-rope-yarn-tiny-F16 F16 --arch llama --vocab "$SPM" --seed 26 \
  --rope-scaling yarn --rope-factor 4 --rope-orig-ctx 512 --ctx 2048
zoo_model phi3-longrope-tiny-F16 F16 --arch phi3 --vocab "$SPM" --seed 27 \
  --rope-scaling longrope --rope-orig-ctx 512 --ctx 4096
zoo_model mistral3-tiny-F16 F16 --arch mistral3 --vocab "$SPM" --seed 24 --head-dim 128 \
  --ctx 2048
