#!/usr/bin/env bash
# Times `inferno bench` and both rivals — llama.cpp 2026 (llama-bench) and ik_llama.cpp
# (llama-bench) — on the same GGUF files back to back, and prints one markdown table per run:
# every reading, and per row the ratio to the faster rival.
#
# Each rival runs with each of its flag sets (its best differs by type and test: -rtr 1 helps
# ik's Q4_0 decode and hurts its Q4_K_M prefill), and the table names the flags of the reading
# it compares against, so "the faster rival" is the best either can do here.
#
# usage: tools/bench-vs-peer.sh [MODEL.gguf ...]
#   default models: the Llama-3.2-1B-shaped files that ../shared/peer/bench.sh makes (Q4_0,
#   Q8_0, Q4_K_M, IQ4_XS) and the scaled Qwen3-30B-A3B-shaped MoE of tools/bench-moe-model.sh,
#   where present.
#   env: THREADS (2), PP (512), TG (32), REPS (3), PEER_DIR (~/.cache/inferno-peer),
#        IK_DIR (~/.cache/inferno-ik), INFERNO (build/release/inferno),
#        LLAMA_FLAGS ("-fa auto;-fa off"), IK_FLAGS ("-fa 1;-fa 1 -rtr 1"): ';'-separated sets.
set -euo pipefail
cd "$(dirname "$0")/.."
THREADS=${THREADS:-2} PP=${PP:-512} TG=${TG:-32} REPS=${REPS:-3}
PEER_DIR=${PEER_DIR:-$HOME/.cache/inferno-peer}
IK_DIR=${IK_DIR:-$HOME/.cache/inferno-ik}
INFERNO=${INFERNO:-build/release/inferno}
LLAMA_FLAGS=${LLAMA_FLAGS:-"-fa auto;-fa off"}
IK_FLAGS=${IK_FLAGS:-"-fa 1;-fa 1 -rtr 1"}
LLAMA_BENCH="$PEER_DIR/build/bin/llama-bench"
IK_BENCH="$IK_DIR/build/bin/llama-bench"
[[ -x "$INFERNO" ]] || { echo "error: $INFERNO not built (make build)" >&2; exit 1; }

models=("$@")
if ((${#models[@]} == 0)); then
  for f in "$PEER_DIR"/models/llama1b-{Q4_0,Q8_0,Q4_K_M,IQ4_XS}.gguf "$PEER_DIR"/models/qwen3moe-a3b-scaled-{Q8_0,Q4_K_M}.gguf; do
    [[ -f "$f" ]] && models+=("$f")
  done
  if ((${#models[@]} == 0)); then
    echo "error: no models given and none in $PEER_DIR/models (run ../shared/peer/bench.sh)" >&2
    exit 1
  fi
fi
for b in "$LLAMA_BENCH" "$IK_BENCH"; do
  [[ -x "$b" ]] || echo "note: $b not built; its columns stay empty" \
    "(../shared/peer/build.sh, build-ik.sh)" >&2
done

out=$(mktemp)
trap 'rm -f "$out"' EXIT
started=$(date -u +%H:%M:%S)
load_before=$(cut -d' ' -f1 /proc/loadavg)
# rival NAME BENCH FLAGS MODEL: one llama-bench run, its JSON rows tagged "NAME<TAB>FLAGS<TAB>MODEL".
rival() {
  local name=$1 bench=$2 flags=$3 m=$4
  [[ -x "$bench" ]] || return 0
  # shellcheck disable=SC2086  # the flag set is split on purpose
  # -o json (one array): ik_llama.cpp's llama-bench has no jsonl.
  "$bench" -m "$m" -t "$THREADS" -p "$PP" -n "$TG" -r "$REPS" $flags -o json 2>/dev/null |
    python3 -c 'import json, sys; [print(json.dumps(r)) for r in json.load(sys.stdin)]' |
    sed "s|^|$name\t$flags\t$m\t|" >>"$out" ||
    echo "note: $name $flags failed on $m" >&2
}
for m in "${models[@]}"; do
  echo "== $m" >&2
  "$INFERNO" bench -m "$m" -t "$THREADS" -p "$PP" -n "$TG" -r "$REPS" --json |
    sed "s|^|inferno\t\t$m\t|" >>"$out"
  IFS=';' read -ra sets <<<"$LLAMA_FLAGS"
  for f in "${sets[@]}"; do rival llama.cpp "$LLAMA_BENCH" "$f" "$m"; done
  IFS=';' read -ra sets <<<"$IK_FLAGS"
  for f in "${sets[@]}"; do rival ik_llama.cpp "$IK_BENCH" "$f" "$m"; done
done

python3 - "$out" "$THREADS" "$started" "$(date -u +%H:%M:%S)" "$load_before" \
  "$(cut -d' ' -f1 /proc/loadavg)" <<'PY'
import json, os, sys
path, threads, t0, t1, l0, l1 = sys.argv[1:7]
rows = {}  # (model, test) -> {tool: [(tps, sd, flags)]}
for line in open(path):
    tool, flags, model, payload = line.rstrip("\n").split("\t", 3)
    r = json.loads(payload)
    if "avg_ts" in r:  # llama-bench
        test = f"pp{r['n_prompt']}" if r.get("n_gen", 0) == 0 else f"tg{r['n_gen']}"
        tps, sd = r["avg_ts"], r.get("stddev_ts", 0)
    else:
        tps, sd, test = r.get("tokens_per_second"), r.get("stddev") or 0, r.get("test")
    if tps is None or test is None:
        continue
    rows.setdefault((os.path.basename(model), test), {}).setdefault(tool, []).append((tps, sd, flags))

def cell(v):
    return " / ".join(f"{t:.1f} ± {s:.1f}" + (f" `{f}`" if f else "") for t, s, f in v) if v else "—"

print(f"\n{threads} threads, same machine, one run {t0}–{t1} UTC, load average {l0} → {l1}\n")
print("| model | test | inferno t/s | llama.cpp 2026 t/s | ik_llama.cpp t/s | faster rival | inferno / rival |")
print("|---|---|---:|---:|---:|---|---:|")
for (model, test), v in rows.items():
    ours = v.get("inferno")
    rivals = [(t, s, f, tool) for tool in ("llama.cpp", "ik_llama.cpp") for t, s, f in v.get(tool, [])]
    best = max(rivals, default=None)
    ratio = f"{ours[0][0] / best[0]:.2f}×" if ours and best and best[0] > 0 else "—"
    who = f"{best[3]} `{best[2]}`" if best else "—"
    print(f"| {model} | {test} | {cell(ours)} | {cell(v.get('llama.cpp'))} | "
          f"{cell(v.get('ik_llama.cpp'))} | {who} | {ratio} |")
PY
