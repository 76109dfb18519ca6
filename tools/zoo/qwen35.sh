#!/usr/bin/env bash
# Qwen3.5 dense (hybrid): Gated DeltaNet layers with a recurrent state, and every 4th layer
# gated full attention with partial (interleaved M-)RoPE. Our own generator writes it, as
# llama.cpp's fixturegen does not know the family; F16 as written, and Q8_0 by llama.cpp's
# quantizer (ssm_conv1d stays F32 there).
source "$(dirname "$0")/lib.sh"
zoo_hybrid_model qwen35-tiny-F16 F16 --arch qwen35 --vocab "$BPE" --seed 35
zoo_hybrid_model qwen35-tiny-Q8_0 Q8_0 --arch qwen35 --vocab "$BPE" --seed 35
