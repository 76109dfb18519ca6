#!/usr/bin/env bash
# Models in the lattice-codebook formats of two bits and below, quantized by llama.cpp from the
# committed llama-tiny F16 fixture, with llama.cpp's oracles, for the parity test. In
# OUT_DIR/zoo, with oracles:
#   llama-tiny-IQ2_XXS-Q8emb  llama.cpp's IQ2_XXS recipe (attn_v in Q2_K), the (tied)
#                             embedding/output in Q8_0
#   llama-tiny-IQ2_XS-Q8emb   likewise for IQ2_XS
#   llama-tiny-IQ1_S-Q8emb    likewise for IQ1_S (attn_output in IQ2_XXS, attn_v in Q2_K)
# The recipes' default embedding is Q2_K and their output Q5_K; Q8_0 keeps the oracles a test of
# the new formats. llama-quantize wants an importance matrix for these types:
# tools/zoo/imatrix_ones.py writes a neutral all-ones one (see there).
# usage: tools/zoo/iq2.sh PEER_TOOLS_DIR OUT_DIR
#   -> OUT_DIR/zoo/<stem>.gguf, OUT_DIR/zoo-oracle/<stem>/<prompt-id>.json (as make-zoo.sh)
# PEER_TOOLS_DIR is the peer build's peer/ folder (~/.cache/inferno-peer/build/peer); its
# sibling bin/ has llama-quantize. INFERNO_SHARED_DIR (default: ../shared beside the repo) has the
# fixtures.
set -euo pipefail
[[ $# -eq 2 ]] || { echo "usage: $0 PEER_TOOLS_DIR OUT_DIR" >&2; exit 2; }
source "$(dirname "$0")/lib.sh"
F16=$ZOO_FIXTURES/models/llama-tiny-F16.gguf
LQ=$ZOO_TOOLS/../bin/llama-quantize
[[ -x $LQ ]] || { echo "no $LQ (build the peer with ../shared/peer/build.sh)" >&2; exit 1; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

/usr/bin/python3 "$(dirname "$0")/imatrix_ones.py" "$F16" "$T/ones.imatrix"
for t in IQ2_XXS IQ2_XS IQ1_S; do
  stem=llama-tiny-$t-Q8emb
  "$LQ" --imatrix "$T/ones.imatrix" --token-embedding-type q8_0 "$F16" "$ZOO_OUT/zoo/$stem.gguf" \
    $t >"$T/q.log" 2>&1 || { tail -5 "$T/q.log"; echo "zoo: llama-quantize $t failed" >&2; exit 1; }
  zoo_oracles "$stem"
done
