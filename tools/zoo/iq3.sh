#!/usr/bin/env bash
# The grid formats IQ3_XXS, IQ3_S and IQ2_S: llama-tiny-F16 quantized by llama.cpp's
# llama-quantize, with llama.cpp's oracles, for the parity test. The token embedding (tied to
# the output) stays Q8_0, so the oracles test the grid kernels rather than another type's.
# llama.cpp's recipes mix types; what each model holds (checked with `inferno inspect`):
#   llama-tiny-IQ3_XXS-Q8emb  IQ3_XXS recipe: ffn_* and attn_v IQ3_XXS, attn_q/k IQ2_S,
#                             attn_output IQ3_S (all three types in one model)
#   llama-tiny-IQ3_S-Q8emb    IQ3_S recipe: every matrix IQ3_S
#   llama-tiny-IQ3_M-Q8emb    IQ3_M recipe: IQ3_S, attn_output/attn_v Q4_K
#   llama-tiny-IQ2_M-Q8emb    IQ2_M recipe: IQ2_S, attn_output/attn_v IQ3_S (the IQ2_S recipe
#                             would use IQ2_XS, another type)
#   llama-tiny-IQ3_XXS-pure   --pure: every matrix IQ3_XXS
#   llama-tiny-IQ2_S-pure     --pure IQ2_M: every matrix IQ2_S
# llama-quantize refuses IQ3_XXS and IQ2_S without an importance matrix; imatrix_ones.py writes
# a uniform one (the zoo needs files of these types, not good quantizations).
# usage: tools/zoo/iq3.sh PEER_TOOLS_DIR OUT_DIR (PEER_TOOLS_DIR's sibling bin/ holds
# llama-quantize)
source "$(dirname "$0")/lib.sh"
LQ=$ZOO_TOOLS/../bin/llama-quantize
[[ -x $LQ ]] || { echo "zoo: no $LQ (build the peer with ../shared/peer/build.sh)" >&2; exit 1; }
F16=$ZOO_FIXTURES/models/llama-tiny-F16.gguf
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
/usr/bin/python3 "$(dirname "$0")/imatrix_ones.py" "$F16" "$T/uniform.imatrix"

# iq3_quantize STEM TYPE [llama-quantize options...]
iq3_quantize() {
  local stem=$1 type=$2
  shift 2
  "$LQ" --imatrix "$T/uniform.imatrix" --token-embedding-type q8_0 --output-tensor-type q8_0 "$@" \
    "$F16" "$ZOO_OUT/zoo/$stem.gguf" "$type" > "$T/q.log" 2>&1 ||
    { tail -20 "$T/q.log"; echo "zoo: llama-quantize $type failed for $stem"; return 1; }
  zoo_oracles "$stem"
}

for type in IQ3_XXS IQ3_S IQ3_M IQ2_M; do
  iq3_quantize "llama-tiny-$type-Q8emb" "$type"
done
iq3_quantize llama-tiny-IQ3_XXS-pure IQ3_XXS --pure
iq3_quantize llama-tiny-IQ2_S-pure IQ2_M --pure
