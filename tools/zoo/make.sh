#!/usr/bin/env bash
# Builds the model zoo the parity tests read beside ../shared/fixtures: random-weight models of
# the families, RoPE variants and tensor types added after the committed fixtures, and
# llama.cpp's oracles for them. Models and oracles always come from the peer (llama.cpp 2026,
# built from ../shared/peer on first use, ~8 min on 2 cores), never from Inferno.
#
# usage: tools/zoo/make.sh OUT_DIR   -> OUT_DIR/zoo/<stem>.gguf, OUT_DIR/zoo-oracle/<stem>/*.json
# Every tools/zoo/*.sh other than this one and lib.sh is a generator (one per family or type
# group) run as: gen.sh PEER_TOOLS_DIR OUT_DIR. A family joins the zoo when it is implemented.
# A stamp makes reruns free until a generator script or the peer changes.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
shared=$(cd "${INFERNO_SHARED_DIR:-$root/../shared}" && pwd)
export INFERNO_SHARED_DIR=$shared
out=$(mkdir -p "$1" && cd "$1" && pwd)
peer_dir=${INFERNO_PEER_DIR:-$HOME/.cache/inferno-peer}
tools=$peer_dir/build/peer

if [[ ! -x $tools/oracle_dump || ! -x $tools/fixturegen || ! -x $tools/quantize ]]; then
  echo "zoo: building the llama.cpp peer tools into $peer_dir (first time only, ~8 min)"
  bash "$shared/peer/build.sh" "$peer_dir" > "$out/peer-build.log" 2>&1 ||
    { tail -30 "$out/peer-build.log"; echo "zoo: peer build failed (log: $out/peer-build.log)"; exit 1; }
fi

stamp=$out/.stamp
sum=$( (cat "$here"/*.sh "$here"/*.py "$here"/*.json "$here"/*.cc "$here"/../fixturegen/*.cc "$tools/PEER_VERSION" "$root/models/inferno-speech.bin" 2>/dev/null) | sha256sum | cut -c1-16)
if [[ -f $stamp && $(cat "$stamp") == "$sum" ]]; then
  echo "zoo: up to date ($(ls "$out/zoo" | wc -l) models in $out/zoo)"
  exit 0
fi
rm -rf "$out/zoo" "$out/zoo-oracle"
echo "zoo: generating models and oracles into $out"
for gen in "$here"/*.sh; do
  [[ $(basename "$gen") == make.sh || $(basename "$gen") == lib.sh ]] && continue
  echo "zoo: $(basename "$gen")"
  bash "$gen" "$tools" "$out"
done
echo "$sum" > "$stamp"
echo "zoo: $(ls "$out/zoo" | wc -l) models in $out/zoo"
