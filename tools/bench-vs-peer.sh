#!/usr/bin/env bash
# Times `inferno bench` and both rivals — llama.cpp 2026 (llama-bench) and ik_llama.cpp
# (llama-bench) — on the same GGUF files back to back, and prints every row of issue 19's
# targets that compares with the rivals, from one run:
#   1. tgN and ppN per model, with the ratio to the faster rival (as before);
#   2. long context on one model (LONG_MODEL): decode at depth DEPTH ÷ decode at depth 0 for
#      us and both rivals (llama.cpp: llama-bench -d; ik_llama.cpp: -gp DEPTH,TG, which times
#      only the generation after the DEPTH-token prompt), and a prefill of LONG_PP tokens;
#   3. load: load time and peak RSS of ours per model, without the repack cache, writing its
#      entry, warm and cold (the file and the entry evicted from the page cache by
#      tools/evict-page-cache.py first), against file + KV + 64 MiB;
#   4. speculative decoding (prompt lookup, the built-in code-edit workload) on SPEC_MODEL.
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
#        LLAMA_FLAGS ("-fa auto;-fa off"), IK_FLAGS ("-fa 1;-fa 1 -rtr 1"): ';'-separated sets;
#        LONG_MODEL (llama1b-Q4_0; "" skips section 2), DEPTH (8000), LONG_PP (8192),
#        LONG_REPS (1: every repetition prefills DEPTH tokens again),
#        LONG_LLAMA_FLAGS ("-fa on"), LONG_IK_FLAGS ("-fa 1"): flash attention, the rivals'
#        long-context path; KV ("f16;q8_0": our cache types for section 2, each also given to
#        the rivals as -ctk/-ctv), LOAD (1; 0 skips section 3), SPEC_MODEL (llama1b-Q4_0;
#        "" skips section 4), SPEC_N (128).
#   Time: sections 1 and 3 take ~1 min per model; section 2 ~2 min per reading set (an 8k
#   prefill at a few hundred tokens/s, per tool, flag set and cache type); section 4 ~1 min.
set -euo pipefail
cd "$(dirname "$0")/.."
THREADS=${THREADS:-2} PP=${PP:-512} TG=${TG:-32} REPS=${REPS:-3}
PEER_DIR=${PEER_DIR:-$HOME/.cache/inferno-peer}
IK_DIR=${IK_DIR:-$HOME/.cache/inferno-ik}
INFERNO=${INFERNO:-build/release/inferno}
LLAMA_FLAGS=${LLAMA_FLAGS:-"-fa auto;-fa off"}
IK_FLAGS=${IK_FLAGS:-"-fa 1;-fa 1 -rtr 1"}
LONG_MODEL=${LONG_MODEL-$PEER_DIR/models/llama1b-Q4_0.gguf}
DEPTH=${DEPTH:-8000} LONG_PP=${LONG_PP:-8192} LONG_REPS=${LONG_REPS:-1}
LONG_LLAMA_FLAGS=${LONG_LLAMA_FLAGS:-"-fa on"} LONG_IK_FLAGS=${LONG_IK_FLAGS:-"-fa 1"}
KV=${KV:-"f16;q8_0"} LOAD=${LOAD:-1}
SPEC_MODEL=${SPEC_MODEL-$PEER_DIR/models/llama1b-Q4_0.gguf} SPEC_N=${SPEC_N:-128}
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
# Every reading is one line "SECTION<TAB>TOOL<TAB>FLAGS<TAB>MODEL<TAB>JSON" in $out.
# ours SECTION FLAGS MODEL ARGS...: one `inferno bench --json` run.
# OURS_ENV: NAME=VALUE settings for that run (the load section's repack cache).
ours() {
  local section=$1 flags=$2 m=$3
  shift 3
  # shellcheck disable=SC2086  # OURS_ENV is split on purpose
  env ${OURS_ENV:-} "$INFERNO" bench -m "$m" -t "$THREADS" "$@" --json |
    sed "s|^|$section\tinferno\t$flags\t$m\t|" >>"$out" ||
    echo "note: inferno $* failed on $m" >&2
}
# rival SECTION NAME BENCH FLAGS MODEL ARGS...: one llama-bench run, its JSON rows tagged.
rival() {
  local section=$1 name=$2 bench=$3 flags=$4 m=$5
  shift 5
  [[ -x "$bench" ]] || return 0
  # shellcheck disable=SC2086  # the flag set is split on purpose
  # -o json (one array): ik_llama.cpp's llama-bench has no jsonl.
  "$bench" -m "$m" -t "$THREADS" "$@" $flags -o json 2>/dev/null |
    python3 -c 'import json, sys; [print(json.dumps(r)) for r in json.load(sys.stdin)]' |
    sed "s|^|$section\t$name\t$flags\t$m\t|" >>"$out" ||
    echo "note: $name $flags failed on $m" >&2
}
# Section 1: tgN and ppN.
for m in "${models[@]}"; do
  echo "== $m" >&2
  ours speed "" "$m" -p "$PP" -n "$TG" -r "$REPS"
  IFS=';' read -ra sets <<<"$LLAMA_FLAGS"
  for f in "${sets[@]}"; do rival speed llama.cpp "$LLAMA_BENCH" "$f" "$m" -p "$PP" -n "$TG" -r "$REPS"; done
  IFS=';' read -ra sets <<<"$IK_FLAGS"
  for f in "${sets[@]}"; do rival speed ik_llama.cpp "$IK_BENCH" "$f" "$m" -p "$PP" -n "$TG" -r "$REPS"; done
done
# Section 2: decode at depth 0 and DEPTH with each cache type, and a LONG_PP-token prefill.
if [[ -n "$LONG_MODEL" && -f "$LONG_MODEL" ]]; then
  echo "== long context: $LONG_MODEL" >&2
  IFS=';' read -ra kvs <<<"$KV"
  for kv in "${kvs[@]}"; do
    ctk="--cache-type-k $kv --cache-type-v $kv" rtk="-ctk $kv -ctv $kv"
    # shellcheck disable=SC2086
    ours long "$kv" "$LONG_MODEL" -p 0 -n "$TG" -r "$REPS" $ctk
    # shellcheck disable=SC2086
    ours long "$kv" "$LONG_MODEL" -p 0 -n "$TG" -r "$LONG_REPS" -d "$DEPTH" $ctk
    IFS=';' read -ra sets <<<"$LONG_LLAMA_FLAGS"
    for f in "${sets[@]}"; do
      rival long llama.cpp "$LLAMA_BENCH" "$f $rtk" "$LONG_MODEL" -p 0 -n "$TG" -r "$REPS"
      rival long llama.cpp "$LLAMA_BENCH" "$f $rtk" "$LONG_MODEL" -p 0 -n "$TG" -r "$LONG_REPS" -d "$DEPTH"
    done
    IFS=';' read -ra sets <<<"$LONG_IK_FLAGS"
    for f in "${sets[@]}"; do
      rival long ik_llama.cpp "$IK_BENCH" "$f $rtk" "$LONG_MODEL" -p 0 -n "$TG" -r "$REPS"
      rival long ik_llama.cpp "$IK_BENCH" "$f $rtk" "$LONG_MODEL" -p 0 -n 0 -gp "$DEPTH,$TG" -r "$LONG_REPS"
    done
  done
  ours speed "" "$LONG_MODEL" -p "$LONG_PP" -n 0 -r "$LONG_REPS"
  IFS=';' read -ra sets <<<"$LONG_LLAMA_FLAGS"
  for f in "${sets[@]}"; do rival speed llama.cpp "$LLAMA_BENCH" "$f" "$LONG_MODEL" -p "$LONG_PP" -n 0 -r "$LONG_REPS"; done
  IFS=';' read -ra sets <<<"$LONG_IK_FLAGS"
  for f in "${sets[@]}"; do rival speed ik_llama.cpp "$IK_BENCH" "$f" "$LONG_MODEL" -p "$LONG_PP" -n 0 -r "$LONG_REPS"; done
fi
# Section 3: load, with the file in the page cache unless said otherwise; -p 0 -n 1: the load,
# one decode step, a 2-token cache. The run has its own repack cache (engine/model/repack_cache.h)
# so that "first" finds no entry: no-cache = repacked into memory (INFERNO_REPACK_CACHE=off, the
# load before the cache existed); first = repacked into a new entry; warm = the entry mapped;
# cold = the same after evicting the model file and the entry from the page cache.
if [[ $LOAD == 1 ]]; then
  rcache=$(mktemp -d)
  trap 'rm -f "$out"; rm -rf "$rcache"' EXIT
  for m in "${models[@]}"; do
    echo "== load: $m" >&2
    INFERNO_REPACK_CACHE=off "$INFERNO" bench -m "$m" -t "$THREADS" -p 0 -n 1 -r 1 >/dev/null 2>&1
    OURS_ENV="INFERNO_REPACK_CACHE=off" ours load no-cache "$m" -p 0 -n 1 -r 1
    OURS_ENV="INFERNO_REPACK_CACHE=$rcache" ours load first "$m" -p 0 -n 1 -r 1
    OURS_ENV="INFERNO_REPACK_CACHE=$rcache" ours load warm "$m" -p 0 -n 1 -r 1
    tools/evict-page-cache.py "$m" "$rcache"/*.r4 2>/dev/null || true
    OURS_ENV="INFERNO_REPACK_CACHE=$rcache" ours load cold "$m" -p 0 -n 1 -r 1
  done
fi
# Section 4: speculative decoding.
if [[ -n "$SPEC_MODEL" && -f "$SPEC_MODEL" ]]; then
  echo "== speculative: $SPEC_MODEL" >&2
  ours spec lookup "$SPEC_MODEL" --spec lookup -n "$SPEC_N" -r "$REPS"
fi

python3 - "$out" "$THREADS" "$started" "$(date -u +%H:%M:%S)" "$load_before" \
  "$(cut -d' ' -f1 /proc/loadavg)" "$DEPTH" <<'PY'
import json, os, sys
path, threads, t0, t1, l0, l1, depth = sys.argv[1:8]
speed, long_rows, load, spec = {}, {}, [], []

def test_name(r):
    """Our test name, or llama-bench's row named the same way (tg32, pp512, tg32@d8000)."""
    if "avg_ts" not in r:
        return r.get("test")
    n_prompt, n_gen, d = r.get("n_prompt", 0), r.get("n_gen", 0), r.get("n_depth", 0)
    if n_gen == 0:
        name = f"pp{n_prompt}"
    elif n_prompt > 0:  # ik_llama.cpp's -gp: generation after an n_prompt-token prompt
        name, d = f"tg{n_gen}", n_prompt
    else:
        name = f"tg{n_gen}"
    return name + (f"@d{d}" if d else "")

for line in open(path):
    section, tool, flags, model, payload = line.rstrip("\n").split("\t", 4)
    r = json.loads(payload)
    model = os.path.basename(model)
    if section == "load":
        load.append((model, flags, r))
        continue
    if section == "spec":
        spec.append((model, r))
        continue
    tps = r.get("avg_ts", r.get("tokens_per_second"))
    sd = r.get("stddev_ts", r.get("stddev")) or 0
    test = test_name(r)
    if tps is None or test is None:
        continue
    if section == "speed":
        speed.setdefault((model, test), {}).setdefault(tool, []).append((tps, sd, flags))
    else:  # long: per tool and flags (cache type included), depth 0 and DEPTH
        key = (model, tool, flags)
        long_rows.setdefault(key, {})["deep" if "@d" in test else "zero"] = (tps, sd)

def cell(v):
    return " / ".join(f"{t:.1f} ± {s:.1f}" + (f" `{f}`" if f else "") for t, s, f in v) if v else "—"

print(f"\n{threads} threads, same machine, one run {t0}–{t1} UTC, load average {l0} → {l1}\n")
print("| model | test | inferno t/s | llama.cpp 2026 t/s | ik_llama.cpp t/s | faster rival | inferno / rival |")
print("|---|---|---:|---:|---:|---|---:|")
for (model, test), v in speed.items():
    ours = v.get("inferno")
    rivals = [(t, s, f, tool) for tool in ("llama.cpp", "ik_llama.cpp") for t, s, f in v.get(tool, [])]
    best = max(rivals, default=None)
    ratio = f"{ours[0][0] / best[0]:.2f}×" if ours and best and best[0] > 0 else "—"
    who = f"{best[3]} `{best[2]}`" if best else "—"
    print(f"| {model} | {test} | {cell(ours)} | {cell(v.get('llama.cpp'))} | "
          f"{cell(v.get('ik_llama.cpp'))} | {who} | {ratio} |")

if long_rows:
    print(f"\nDecode at depth {depth} ÷ decode at depth 0 (target ≥ 0.7); flags include the cache type\n")
    print(f"| model | tool | flags / cache | tg t/s at 0 | tg t/s at {depth} | ratio |")
    print("|---|---|---|---:|---:|---:|")
    for (model, tool, flags), v in long_rows.items():
        z, d = v.get("zero"), v.get("deep")
        ratio = f"{d[0] / z[0]:.2f}" if z and d and z[0] > 0 else "—"
        fmt = lambda x: f"{x[0]:.1f} ± {x[1]:.1f}" if x else "—"
        print(f"| {model} | {tool} | `{flags}` | {fmt(z)} | {fmt(d)} | {ratio} |")

if load:
    print("\nLoad (ours): no-cache = repacked into memory, first = repacked into a new repack "
          "cache entry, warm = the entry mapped, cold = the same after tools/evict-page-cache.py "
          "(model and entry); peak RSS target ≤ file + KV + 64 MiB\n")
    print("| model | file MiB | load | load ms | peak RSS MiB | file + KV + 64 MiB | within |")
    print("|---|---:|---|---:|---:|---:|---|")
    for model, kind, r in load:
        mib = 1 << 20
        bound = (r["size_bytes"] + r["kv_bytes"]) / mib + 64
        rss = r["peak_rss_bytes"] / mib
        print(f"| {model} | {r['size_bytes'] / mib:.0f} | {kind} | {r['load_ms']:.0f} | {rss:.0f} | "
              f"{bound:.0f} | {'yes' if rss <= bound else 'NO'} |")

if spec:
    print("\nSpeculative decoding (prompt lookup, built-in code edit, greedy; target ≥ 1.8×)\n")
    print("| model | test | plain t/s | speculative t/s | speedup | accepted | tokens/pass | identical |")
    print("|---|---|---:|---:|---:|---:|---:|---|")
    for model, r in spec:
        print(f"| {model} | {r['test']} | {r['plain_tokens_per_second']:.2f} | "
              f"{r['tokens_per_second']:.2f} | {r['speedup']:.2f}× | "
              f"{100 * r['acceptance_rate']:.0f}% | {r['tokens_per_pass']:.2f} | "
              f"{'yes' if r['identical'] else 'NO'} |")
PY
