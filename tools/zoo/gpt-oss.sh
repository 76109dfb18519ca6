#!/usr/bin/env bash
# gpt-oss without MXFP4: the same random-weight model as make-zoo.sh's gpt-oss-tiny-MXFP4
# (same fixturegen seed and shape: attention sinks, sliding window on even layers, q/k/v/o
# biases, YaRN, 8 experts with biases, 2 used) with Q8_0 and with F16 weights, and their
# oracles. They test the gpt-oss layer apart from the MXFP4 kernels; the F16 one under the
# tight float tolerance, which the int8 activation noise of Q8_0 (amplified by the top-k
# routing) does not allow.
#
# usage: tools/zoo/gpt-oss.sh PEER_TOOLS_DIR OUT_DIR
#   PEER_TOOLS_DIR: holds llama.cpp's `fixturegen`, `quantize` and `oracle_dump`
#   (~/.cache/inferno-peer/build/peer)
#   writes OUT_DIR/zoo/gpt-oss-tiny-{Q8_0,F16}.gguf and
#   OUT_DIR/zoo-oracle/gpt-oss-tiny-{Q8_0,F16}/<prompt-id>.{json,f32}
#   env: INFERNO_SHARED_DIR (default: ../shared beside the repository) for the fixtures.
set -euo pipefail
(($# == 2)) || { sed -n '2,15p' "$0" >&2; exit 2; }
P=$(cd "$1" && pwd)
O=$(mkdir -p "$2" && cd "$2" && pwd)
SHARED=${INFERNO_SHARED_DIR:-$(cd "$(dirname "$0")/../../.." && pwd)/shared}
F="$SHARED/fixtures"
for tool in fixturegen quantize oracle_dump; do
  [[ -x "$P/$tool" ]] || { echo "error: $P/$tool missing (bash ../shared/peer/build.sh)" >&2; exit 1; }
done
[[ -f "$F/tokenizer/vocab-gpt-2.gguf" ]] || { echo "error: no fixtures in $F" >&2; exit 1; }

T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
mkdir -p "$O/zoo" "$O/zoo-oracle"

# Keep these flags in step with the gpt-oss line of ../shared/peer/make-zoo.sh.
"$P/fixturegen" --arch gpt-oss --vocab "$F/tokenizer/vocab-gpt-2.gguf" --out "$T/gpt-oss.gguf" \
  --seed 23 --n-layer 4 --head-dim 64 --n-expert 8 --n-expert-used 2 --n-ff-exp 256 --swa 32 \
  --ctx 131072 >/dev/null
stems=()
for type in Q8_0 F16; do
  stem="gpt-oss-tiny-$type"
  if ! "$P/quantize" "$T/gpt-oss.gguf" "$O/zoo/$stem.gguf" "$type" >"$T/q.log" 2>&1; then
    cat "$T/q.log" >&2
    echo "error: quantize $type failed" >&2
    exit 1
  fi
  stems+=("$stem")
done

/usr/bin/python3 - "$F/prompts.json" "$T" <<'PY'
import json, sys
for p in json.load(open(sys.argv[1])):
    open(f"{sys.argv[2]}/prompt-{p['id']}.txt", "w").write(p["text"])
PY

status=0
for stem in "${stems[@]}"; do
  mkdir -p "$O/zoo-oracle/$stem"
  for pf in "$T"/prompt-*.txt; do
    id=$(basename "$pf" .txt)
    id=${id#prompt-}
    if ! "$P/oracle_dump" "$O/zoo/$stem.gguf" "$pf" 24 "$O/zoo-oracle/$stem/$id.json" >/dev/null 2>&1; then
      echo "oracle failed: $stem $id" >&2
      status=1
    fi
  done
done
exit $status
