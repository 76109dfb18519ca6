#!/usr/bin/env bash
# The weight types the llama-tiny fixtures lack (Q2_K, Q3_K_M, Q5_0, Q5_1, BF16), made from
# llama-tiny-F16 with llama.cpp's quantizer, and their oracles, laid out like
# ../shared/peer/make-zoo.sh so the parity test can discover them.
#
# usage: tools/zoo/ktypes.sh PEER_TOOLS_DIR OUT_DIR
#   PEER_TOOLS_DIR: holds llama.cpp's `quantize` and `oracle_dump` (~/.cache/inferno-peer/build/peer)
#   writes OUT_DIR/zoo/llama-tiny-<TYPE>.gguf and OUT_DIR/zoo-oracle/llama-tiny-<TYPE>/<prompt-id>.{json,f32}
#   env: INFERNO_SHARED_DIR (default: ../shared beside the repository) for the fixtures.
set -euo pipefail
(($# == 2)) || { sed -n '2,9p' "$0" >&2; exit 2; }
P=$(cd "$1" && pwd)
O=$(mkdir -p "$2" && cd "$2" && pwd)
SHARED=${INFERNO_SHARED_DIR:-$(cd "$(dirname "$0")/../../.." && pwd)/shared}
F="$SHARED/fixtures"
for tool in quantize oracle_dump; do
  [[ -x "$P/$tool" ]] || { echo "error: $P/$tool missing (bash ../shared/peer/build.sh)" >&2; exit 1; }
done
[[ -f "$F/models/llama-tiny-F16.gguf" ]] || { echo "error: no fixtures in $F" >&2; exit 1; }

T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
mkdir -p "$O/zoo" "$O/zoo-oracle"

# Q3_K_M rather than plain Q3_K: llama.cpp names no pure Q3_K type, and the mix is what people
# download. Q2_K, Q5_0 and Q5_1 keep some tensors in other types too (the output matrix).
stems=()
for type in Q2_K Q3_K_M Q5_0 Q5_1 BF16; do
  stem="llama-tiny-$type"
  if ! "$P/quantize" "$F/models/llama-tiny-F16.gguf" "$O/zoo/$stem.gguf" "$type" >"$T/q.log" 2>&1; then
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
