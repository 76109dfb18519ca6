#!/usr/bin/env bash
# Times `inferno bench` and, when it is built, llama.cpp's peer_bench (../shared/peer) on the
# same GGUF files back to back, and prints one markdown table with the speed ratios.
#
# usage: tools/bench-vs-peer.sh [MODEL.gguf ...]
#   default models: the Llama-3.2-1B-shaped files that ../shared/peer/bench.sh makes.
#   env: THREADS (2), PP (256: prompt sizes, comma-separated), TG (32), REPS (3),
#        PEER_DIR (~/.cache/inferno-peer), INFERNO (build/release/inferno)
set -euo pipefail
cd "$(dirname "$0")/.."
THREADS=${THREADS:-2} PP=${PP:-256} TG=${TG:-32} REPS=${REPS:-3}
PEER_DIR=${PEER_DIR:-$HOME/.cache/inferno-peer}
INFERNO=${INFERNO:-build/release/inferno}
PEER_BENCH="$PEER_DIR/build/peer/peer_bench"
[[ -x "$INFERNO" ]] || { echo "error: $INFERNO not built (make build)" >&2; exit 1; }

models=("$@")
if ((${#models[@]} == 0)); then
  for t in Q4_0 Q8_0 Q4_K_M; do
    f="$PEER_DIR/models/llama1b-$t.gguf"
    [[ -f "$f" ]] && models+=("$f")
  done
  if ((${#models[@]} == 0)); then
    echo "error: no models given and none in $PEER_DIR/models (run ../shared/peer/bench.sh)" >&2
    exit 1
  fi
fi
[[ -x "$PEER_BENCH" ]] || echo "note: $PEER_BENCH not built; showing inferno only" \
  "(bash ../shared/peer/build.sh)" >&2

out=$(mktemp)
trap 'rm -f "$out"' EXIT
for m in "${models[@]}"; do
  echo "== $m" >&2
  "$INFERNO" bench -m "$m" -t "$THREADS" -p "$PP" -n "$TG" -r "$REPS" --json |
    sed "s|^|inferno\t$m\t|" >>"$out"
  if [[ -x "$PEER_BENCH" ]]; then
    "$PEER_BENCH" "$m" "$THREADS" "$PP" "$TG" "$REPS" | grep '^{' | sed "s|^|peer\t$m\t|" >>"$out"
  fi
done

python3 - "$out" "$THREADS" <<'PY'
import json, os, sys
rows = {}
for line in open(sys.argv[1]):
    tool, model, payload = line.rstrip("\n").split("\t", 2)
    r = json.loads(payload)
    tps = r.get("tokens_per_second", r.get("tps"))
    if tps is None:
        continue  # e.g. peer_bench's {"test":"load","seconds":..}
    rows.setdefault((os.path.basename(model), r["test"]), {})[tool] = (tps, r.get("stddev") or 0)
print(f"\n{sys.argv[2]} threads, same machine, same run\n")
print("| model | test | inferno t/s | llama.cpp t/s | inferno / llama.cpp |")
print("|---|---|---:|---:|---:|")
for (model, test), v in rows.items():
    ours = v.get("inferno")
    peer = v.get("peer")
    cell = lambda x: f"{x[0]:.2f} ± {x[1]:.2f}" if x else "—"
    ratio = f"{ours[0] / peer[0]:.2f}×" if ours and peer and peer[0] > 0 else "—"
    print(f"| {model} | {test} | {cell(ours)} | {cell(peer)} | {ratio} |")
PY
