#!/usr/bin/env bash
# Builds the model zoo the parity tests read beside ../shared/fixtures: random-weight models of
# the families, RoPE variants and tensor types added after the committed fixtures, and
# llama.cpp's oracles for them. Models and oracles always come from the peer (llama.cpp 2026,
# built from ../shared/peer on first use, ~8 min on 2 cores), never from Inferno.
#
# usage: tools/zoo/make.sh OUT_DIR   -> OUT_DIR/zoo/<stem>.gguf, OUT_DIR/zoo-oracle/<stem>/*.json
# Every tools/zoo/*.sh other than this one, lib.sh and kv-switch.sh is a generator (one per
# family or type group) run as: gen.sh PEER_TOOLS_DIR OUT_DIR. A family joins the zoo when it is
# implemented. kv-switch.sh runs after them (the oracles with a Q8_0 KV cache of every model).
# A stamp makes reruns free until a generator script or the peer changes.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
shared=$(cd "${INFERNO_SHARED_DIR:-$root/../shared}" && pwd)
export INFERNO_SHARED_DIR=$shared
out=$(mkdir -p "$1" && cd "$1" && pwd)
peer_dir=${INFERNO_PEER_DIR:-$HOME/.cache/inferno-peer}
tools=$peer_dir/build/peer

# The peers are built without llama.cpp's AMX kernels, which -march=native compiles in on CPUs
# that have AMX: there they crash on our fixture shapes (SIGSEGV in ggml_backend_amx_mul_mat for
# bert-tiny Q8_0 embeddings in llama-server), and without them the oracles come from the same
# AVX-512/AVX2 paths on every machine. Nor with AVX512-FP16: with it ggml's F16 dot products
# (F16 weights, the F16 KV cache) accumulate in half precision, and its logits move by up to
# 0.035 from the F32-accumulated ones the oracles' tolerances were set on. GCC lets an explicit
# -mno-* win over -march=native whatever their order. A peer built with other flags is rebuilt (PEER-FLAGS records them).
export INFERNO_PEER_CFLAGS="-mno-amx-tile -mno-amx-int8 -mno-amx-bf16 -mno-avx512fp16"
if [[ ! -x $tools/oracle_dump || ! -x $tools/fixturegen || ! -x $tools/quantize ||
  $(cat "$peer_dir/PEER-FLAGS" 2>/dev/null) != "$INFERNO_PEER_CFLAGS" ]]; then
  echo "zoo: building the llama.cpp peer tools into $peer_dir (first time only, ~8 min)"
  rm -rf "$peer_dir/build"
  CFLAGS=$INFERNO_PEER_CFLAGS CXXFLAGS=$INFERNO_PEER_CFLAGS bash "$shared/peer/build.sh" \
    "$peer_dir" > "$out/peer-build.log" 2>&1 ||
    { tail -30 "$out/peer-build.log"; echo "zoo: peer build failed (log: $out/peer-build.log)"; exit 1; }
  echo "$INFERNO_PEER_CFLAGS" > "$peer_dir/PEER-FLAGS"
fi

stamp=$out/.stamp
# The speech model's oracles are made only when models/inferno-speech.bin exists, so it joins
# the stamp only then (a missing file would fail the cat, and pipefail the script).
optional=()
[[ -f $root/models/inferno-speech.bin ]] && optional+=("$root/models/inferno-speech.bin")
sum=$(cat "$here"/*.sh "$here"/*.py "$here"/*.json "$here"/*.cc "$here"/../fixturegen/*.cc \
  "$tools/PEER_VERSION" "$peer_dir/PEER-FLAGS" "${optional[@]}" | sha256sum | cut -c1-16)
if [[ -f $stamp && $(cat "$stamp") == "$sum" ]]; then
  echo "zoo: up to date ($(ls "$out/zoo" | wc -l) models in $out/zoo)"
  exit 0
fi
rm -rf "$out/zoo" "$out/zoo-oracle" "$out/zoo-oracle-kv"
echo "zoo: generating models and oracles into $out"
for gen in "$here"/*.sh; do
  case $(basename "$gen") in make.sh | lib.sh | kv-switch.sh) continue ;; esac
  echo "zoo: $(basename "$gen")"
  bash "$gen" "$tools" "$out"
done
# It reads every model the generators made, so it runs last.
echo "zoo: kv-switch.sh"
bash "$here/kv-switch.sh" "$tools" "$out"
echo "$sum" > "$stamp"
echo "zoo: $(ls "$out/zoo" | wc -l) models in $out/zoo"
