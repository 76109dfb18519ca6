#!/usr/bin/env bash
# F16 twins of the zoo's RoPE models (YaRN llama, Phi-3 LongRoPE, Mistral 3 YaRN + attention
# temperature) and their llama.cpp oracles. With F16 weights the parity test's bound is 0.02
# instead of Q8_0's 0.5 (activation rounding noise), tight enough to catch a RoPE magnitude or
# factor error that the Q8_0 models would hide. Same seeds and shapes as make-zoo.sh.
#
# usage (by tools/zoo/make.sh): rope-f16.sh PEER_TOOLS_DIR OUT_DIR
set -euo pipefail
P=$(cd "$1" && pwd); O=$(cd "$2" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
F=${INFERNO_SHARED_DIR:-$here/../../../shared}/fixtures
SPM=$F/tokenizer/vocab-llama-spm.gguf
mkdir -p "$O/zoo" "$O/zoo-oracle"
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
gen() { "$P/fixturegen" "$@" >/dev/null; }
gen --arch llama --vocab "$SPM" --out "$O/zoo/llama-rope-yarn-tiny-F16.gguf" --seed 26 \
    --rope-scaling yarn --rope-factor 4 --rope-orig-ctx 512 --ctx 2048
gen --arch phi3 --vocab "$SPM" --out "$O/zoo/phi3-longrope-tiny-F16.gguf" --seed 27 \
    --rope-scaling longrope --rope-orig-ctx 512 --ctx 4096
gen --arch mistral3 --vocab "$SPM" --out "$O/zoo/mistral3-tiny-F16.gguf" --seed 24 --head-dim 128 \
    --ctx 2048
/usr/bin/python3 - "$F/prompts.json" "$T" <<'PY'
import json, sys
for p in json.load(open(sys.argv[1])):
    open(f"{sys.argv[2]}/prompt-{p['id']}.txt", "w").write(p["text"])
PY
for stem in llama-rope-yarn-tiny-F16 phi3-longrope-tiny-F16 mistral3-tiny-F16; do
  mkdir -p "$O/zoo-oracle/$stem"
  for pf in "$T"/prompt-*.txt; do
    id=$(basename "$pf" .txt); id=${id#prompt-}
    "$P/oracle_dump" "$O/zoo/$stem.gguf" "$pf" 24 "$O/zoo-oracle/$stem/$id.json" >/dev/null 2>&1 ||
      echo "oracle failed: $stem $id"
  done
done
