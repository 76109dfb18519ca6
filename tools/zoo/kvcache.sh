#!/usr/bin/env bash
# KV cache types (--cache-type-k/-v): llama.cpp's oracles of F16-weight models run with
# quantized caches. F16 weights keep the activations continuous, so what the oracles test is
# the cache: keys and values quantized per row in blocks of 32 (Q8_0 / Q4_0), llama.cpp's
# Hadamard rotation of them, and attention reading them. The oracles come from
# tools/zoo/kvcache_oracle.cc, built here against the peer's static libraries: it sets the
# context's cache types, with flash attention exactly when V is quantized (llama.cpp runs a
# quantized V only there); a quantized K with F16 values runs its default path (no flash
# attention), whose probabilities are rounded to F16 before the V product, as ours are.
#
# Each cache variant is a symlink <model>-k<K>-v<V>.gguf to the model, and its oracles record
# the cache types (cache_type_k / cache_type_v in the JSON), which the parity test passes on.
source "$(dirname "$0")/lib.sh"
tmp_bin=$(mktemp -d)
trap 'rm -rf "$tmp_bin"' EXIT
oracle=$tmp_bin/kvcache_oracle
zoo_build_kvcache_oracle "$oracle"

# zoo_kv_oracles STEM K V: oracles of OUT/zoo/STEM.gguf with a K and a V cache type.
zoo_kv_oracles() {
  local stem=$1 k=$2 v=$3
  local variant=$stem-k${k}-v${v}
  ln -sf "$stem.gguf" "$ZOO_OUT/zoo/$variant.gguf"
  zoo_oracles_with "$oracle" "$variant" "$k" "$v"
}

zoo_model llama-kv-tiny-F16 F16 --arch llama --vocab "$SPM" --seed 41 --type f16
zoo_kv_oracles llama-kv-tiny-F16 q8_0 q8_0
zoo_kv_oracles llama-kv-tiny-F16 q4_0 q4_0
zoo_kv_oracles llama-kv-tiny-F16 q8_0 f16
zoo_kv_oracles llama-kv-tiny-F16 f16 q4_0
zoo_model qwen3-kv-tiny-F16 F16 --arch qwen3 --vocab "$BPE" --seed 42 --head-dim 128 --type f16
zoo_kv_oracles qwen3-kv-tiny-F16 q8_0 q8_0
zoo_kv_oracles qwen3-kv-tiny-F16 q4_0 q4_0
