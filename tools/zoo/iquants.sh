#!/usr/bin/env bash
# Models in the codebook formats, quantized by llama.cpp from the committed llama-tiny F16
# fixture, with llama.cpp's oracles, for the parity test and the quantizer comparison
# (engine/convert/quantize_fixture_test.cc, INFERNO_ZOO_DIR=OUT_DIR). In OUT_DIR/zoo, with
# oracles:
#   llama-tiny-IQ4_NL-Q8emb  llama.cpp's IQ4_NL recipe, but the (tied) embedding/output in Q8_0
#   llama-tiny-IQ4_XS-Q8emb  likewise for IQ4_XS
#   llama-tiny-MXFP4-ffn     Q8_0 with the FFN matrices in MXFP4 (llama.cpp applies MXFP4 only
#                            to MoE experts, MXFP4_MOE; no MoE family runs here yet, so the
#                            FFN override is how MXFP4 gets an end-to-end check)
# The recipes put the output projection in Q6_K, and the 2026 llama.cpp's x86 Q6_K path gives
# logits up to 0.35 (0.53 with IQ4_XS) away from ours and from the 2025 llama.cpp (see
# ../shared/peer/README.md): Q8_0 there keeps the oracles a test of the IQ4 kernels.
# In OUT_DIR/zoo-src, without oracles: llama-tiny-IQ4_NL/IQ4_XS (the plain recipes, for
# comparing quantizers and recipes) and gpt-oss-tiny-{F16,MXFP4} (llama.cpp's MXFP4_MOE).
# usage: tools/zoo/iquants.sh PEER_TOOLS_DIR OUT_DIR
#   -> OUT_DIR/zoo/<stem>.gguf, OUT_DIR/zoo-oracle/<stem>/<prompt-id>.json (as make-zoo.sh)
# PEER_TOOLS_DIR is the peer build's peer/ folder (~/.cache/inferno-peer/build/peer); its
# sibling bin/ has llama-quantize. SHARED_DIR (default: ../shared beside the repo) has the
# fixtures.
set -euo pipefail
[[ $# -eq 2 ]] || { echo "usage: $0 PEER_TOOLS_DIR OUT_DIR" >&2; exit 2; }
P=$(cd "$1" && pwd)
O=$(mkdir -p "$2" && cd "$2" && pwd)
REPO=$(cd "$(dirname "$0")/../.." && pwd)
SHARED=${SHARED_DIR:-$REPO/../shared}
F16=$SHARED/fixtures/models/llama-tiny-F16.gguf
LQ=$P/../bin/llama-quantize
[[ -x $LQ ]] || { echo "no $LQ (build the peer with ../shared/peer/build.sh)" >&2; exit 1; }
mkdir -p "$O/zoo" "$O/zoo-oracle"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

mkdir -p "$O/zoo-src"
for t in IQ4_NL IQ4_XS; do
  "$P/quantize" "$F16" "$O/zoo-src/llama-tiny-$t.gguf" $t >"$T/q.log" 2>&1
  "$LQ" --token-embedding-type q8_0 "$F16" "$O/zoo/llama-tiny-$t-Q8emb.gguf" $t >"$T/q.log" 2>&1
done
"$LQ" --tensor-type ffn_gate=mxfp4 --tensor-type ffn_up=mxfp4 --tensor-type ffn_down=mxfp4 \
  "$F16" "$O/zoo/llama-tiny-MXFP4-ffn.gguf" Q8_0 >"$T/q.log" 2>&1

# MXFP4 where llama.cpp puts it, on MoE experts: the gpt-oss model of make-zoo.sh (same seed
# and shape) and its F16 source, for comparing quantizers and recipes (no oracles: the
# gpt-oss family does not run here yet). In zoo-src/, so parity tests do not pick them up.
"$P/fixturegen" --arch gpt-oss --vocab "$SHARED/fixtures/tokenizer/vocab-gpt-2.gguf" \
  --out "$O/zoo-src/gpt-oss-tiny-F16.gguf" --seed 23 --n-layer 4 --head-dim 64 --n-expert 8 \
  --n-expert-used 2 --n-ff-exp 256 --swa 32 --ctx 131072 >/dev/null
"$P/quantize" "$O/zoo-src/gpt-oss-tiny-F16.gguf" "$O/zoo-src/gpt-oss-tiny-MXFP4.gguf" MXFP4_MOE \
  >"$T/q.log" 2>&1

/usr/bin/python3 - "$SHARED/fixtures/prompts.json" "$T" <<'PY'
import json, sys
for p in json.load(open(sys.argv[1])):
    open(f"{sys.argv[2]}/prompt-{p['id']}.txt", "w").write(p["text"])
PY
for stem in llama-tiny-IQ4_NL-Q8emb llama-tiny-IQ4_XS-Q8emb llama-tiny-MXFP4-ffn; do
  m=$O/zoo/$stem.gguf
  [[ -f $m ]] || continue
  mkdir -p "$O/zoo-oracle/$stem"
  for pf in "$T"/prompt-*.txt; do
    id=$(basename "$pf" .txt); id=${id#prompt-}
    "$P/oracle_dump" "$m" "$pf" 24 "$O/zoo-oracle/$stem/$id.json" >/dev/null 2>&1 ||
      echo "oracle failed: $stem $id" >&2
  done
done
