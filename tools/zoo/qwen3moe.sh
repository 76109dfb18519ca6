#!/usr/bin/env bash
# Qwen3 mixture of experts: router ffn_gate_inp (F32) and 3-D ffn_{gate,up,down}_exps, 8
# experts of which 2 run per token.
source "$(dirname "$0")/lib.sh"
zoo_model qwen3moe-tiny-Q8_0 Q8_0 --arch qwen3moe --vocab "$BPE" --seed 22 --n-expert 8 \
  --n-expert-used 2 --n-ff-exp 128
