#!/usr/bin/env bash
# RoPE variants on existing families: Llama 3.1 frequency factors (rope_freqs.weight), YaRN on
# llama, and Phi-3 LongRoPE (long/short factor tensors; llama.cpp's oracle_dump runs with
# n_ctx 1024 > original context 512, so the long factors apply).
source "$(dirname "$0")/lib.sh"
zoo_model llama-rope-llama3-tiny-Q8_0 Q8_0 --arch llama --vocab "$SPM" --seed 25 \
  --rope-base 500000 --rope-scaling llama3 --rope-factor 32 --rope-orig-ctx 8192 --ctx 131072
zoo_model llama-rope-yarn-tiny-Q8_0 Q8_0 --arch llama --vocab "$SPM" --seed 26 \
  --rope-scaling yarn --rope-factor 4 --rope-orig-ctx 512 --ctx 2048
zoo_model phi3-longrope-tiny-Q8_0 Q8_0 --arch phi3 --vocab "$SPM" --seed 27 \
  --rope-scaling longrope --rope-orig-ctx 512 --ctx 4096
