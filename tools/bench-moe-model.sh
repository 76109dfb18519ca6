#!/usr/bin/env bash
# Makes the MoE benchmark model of issue 19: Qwen3-30B-A3B's shape scaled down to fit a laptop
# benchmark (random weights, made with the peer's fixturegen and quantizer), in the directory
# tools/bench-vs-peer.sh reads by default.
#
# Kept from Qwen3-30B-A3B: 128 experts with 8 used per token (1/16 of the expert weights read
# per token, which is what makes MoE decode fast and its prefill gather-bound), grouped-query
# attention with 128-wide heads and QK-norm, the qwen3moe tensor layout. Scaled: width 2048 →
# 1024, expert FFN 768 → 384, 48 → 12 layers, 32/4 → 16/2 heads: ~1.8 B parameters, ~0.15 B
# active per token.
#
# usage: tools/bench-moe-model.sh [TYPES...]   (default: Q8_0 Q4_K_M)
#   env: PEER_DIR (~/.cache/inferno-peer); models land in $PEER_DIR/models/qwen3moe-a3b-scaled-TYPE.gguf
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
PEER_DIR=${PEER_DIR:-$HOME/.cache/inferno-peer}
P="$PEER_DIR/build/peer"
W="$PEER_DIR/models"
TYPES=${*:-"Q8_0 Q4_K_M"}
[[ -x "$P/fixturegen" ]] || { echo "error: $P/fixturegen missing (bash ../shared/peer/build.sh)" >&2; exit 1; }
mkdir -p "$W"
F16="$W/qwen3moe-a3b-scaled-F16.gguf"
[[ -f "$F16" ]] || "$P/fixturegen" --arch qwen3moe --out "$F16" --seed 30 \
  --vocab "$HERE/../../shared/fixtures/tokenizer/vocab-gpt-2.gguf" \
  --n-embd 1024 --n-layer 12 --n-head 16 --n-head-kv 2 --head-dim 128 --n-ff 3072 \
  --n-expert 128 --n-expert-used 8 --n-ff-exp 384 --ctx 4096 >/dev/null
for t in $TYPES; do
  out="$W/qwen3moe-a3b-scaled-$t.gguf"
  [[ -f "$out" ]] || "$P/quantize" "$F16" "$out" "$t" >/dev/null 2>&1
  echo "$out"
done
