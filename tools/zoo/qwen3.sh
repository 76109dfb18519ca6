#!/usr/bin/env bash
# Qwen3 dense: per-head Q/K RMSNorm, head size 128 independent of n_embd / n_head.
source "$(dirname "$0")/lib.sh"
zoo_model qwen3-tiny-Q8_0 Q8_0 --arch qwen3 --vocab "$BPE" --seed 21 --head-dim 128
