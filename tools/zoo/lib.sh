# Shared by the zoo generators (sourced, not run): `zoo_model` makes one random-weight model
# with llama.cpp's fixturegen, quantizes it with llama.cpp's quantizer and dumps llama.cpp's
# oracles for the five prompts of ../shared/fixtures/prompts.json. `zoo_hybrid_model` does the
# same with our own generator (tools/fixturegen/hybrid_fixturegen.cc) for the families
# fixturegen does not know; llama.cpp loading the file for its oracles checks what it wrote.
#
# Generators are run as: gen.sh PEER_TOOLS_DIR OUT_DIR
set -euo pipefail
ZOO_TOOLS=$(cd "$1" && pwd)
ZOO_OUT=$(mkdir -p "$2" && cd "$2" && pwd)
ZOO_SHARED=${INFERNO_SHARED_DIR:-$(dirname "${BASH_SOURCE[0]}")/../../../shared}
ZOO_FIXTURES=$(cd "$ZOO_SHARED/fixtures" && pwd)
SPM=$ZOO_FIXTURES/tokenizer/vocab-llama-spm.gguf
BPE=$ZOO_FIXTURES/tokenizer/vocab-gpt-2.gguf
mkdir -p "$ZOO_OUT/zoo" "$ZOO_OUT/zoo-oracle"

ZOO_HYBRID_GEN=${INFERNO_HYBRID_FIXTUREGEN:-$(dirname "${BASH_SOURCE[0]}")/../../build/release/hybrid_fixturegen}

# zoo_model STEM TYPE FIXTUREGEN_ARGS...   (TYPE: a llama.cpp quantize type, or F16)
zoo_model() {
  zoo_model_from "$ZOO_TOOLS/fixturegen" "$@"
}

# zoo_hybrid_model STEM TYPE HYBRID_FIXTUREGEN_ARGS...
zoo_hybrid_model() {
  [[ -x $ZOO_HYBRID_GEN ]] ||
    { echo "zoo: $ZOO_HYBRID_GEN is missing (cmake --build --preset release --target hybrid_fixturegen)"; return 1; }
  zoo_model_from "$ZOO_HYBRID_GEN" "$@"
}

# zoo_model_from GENERATOR STEM TYPE GENERATOR_ARGS...
zoo_model_from() {
  local gen=$1 stem=$2 type=$3
  shift 3
  local tmp
  tmp=$(mktemp -d)
  "$gen" "$@" --out "$tmp/f16.gguf" > "$tmp/gen.log" 2>&1 ||
    { cat "$tmp/gen.log"; echo "zoo: $(basename "$gen") failed for $stem"; return 1; }
  if [[ $type == F16 ]]; then
    mv "$tmp/f16.gguf" "$ZOO_OUT/zoo/$stem.gguf"
  else
    "$ZOO_TOOLS/quantize" "$tmp/f16.gguf" "$ZOO_OUT/zoo/$stem.gguf" "$type" > "$tmp/q.log" 2>&1 ||
      { tail -5 "$tmp/q.log"; echo "zoo: quantize $type failed for $stem"; return 1; }
  fi
  zoo_oracles "$stem"
  rm -rf "$tmp"
}

# zoo_oracles STEM: llama.cpp's greedy decoding of every prompt on OUT/zoo/STEM.gguf.
zoo_oracles() {
  zoo_oracles_with "$ZOO_TOOLS/oracle_dump" "$1"
}

# zoo_oracles_with ORACLE STEM ARGS...: the same with another oracle program, run as
# ORACLE MODEL PROMPT_FILE 24 OUT.json ARGS... (oracle_dump's arguments, then ARGS).
zoo_oracles_with() {
  local oracle=$1 stem=$2
  shift 2
  zoo_oracles_into "$oracle" "$ZOO_OUT/zoo/$stem.gguf" "$ZOO_OUT/zoo-oracle/$stem" "$@"
}

# zoo_oracles_into ORACLE MODEL DIR ARGS...: DIR/<prompt-id>.json (and .f32) for every prompt.
zoo_oracles_into() {
  local oracle=$1 model=$2 dir=$3 tmp
  shift 3
  tmp=$(mktemp -d)
  mkdir -p "$dir"
  /usr/bin/python3 - "$ZOO_FIXTURES/prompts.json" "$tmp" <<'PY'
import json, sys
for p in json.load(open(sys.argv[1])):
    open(f"{sys.argv[2]}/{p['id']}.txt", "w").write(p["text"])
PY
  for pf in "$tmp"/*.txt; do
    local id
    id=$(basename "$pf" .txt)
    "$oracle" "$model" "$pf" 24 "$dir/$id.json" "$@" > /dev/null 2>&1 ||
      { echo "zoo: $(basename "$oracle") failed: $(basename "$model" .gguf) $id"; return 1; }
  done
  rm -rf "$tmp"
}

# zoo_build_kvcache_oracle DEST: tools/zoo/kvcache_oracle.cc (llama.cpp's greedy decoding with
# chosen KV cache types) built against the peer's static libraries.
zoo_build_kvcache_oracle() {
  local peer here
  peer=$(cd "$ZOO_TOOLS/../.." && pwd)
  here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
  g++ -O2 -std=c++17 -march=native -I"$peer/include" -I"$peer/ggml/include" \
    "$here/kvcache_oracle.cc" "$peer/build/src/libllama.a" "$peer/build/ggml/src/libggml.a" \
    "$peer/build/ggml/src/libggml-cpu.a" "$peer/build/ggml/src/libggml-base.a" -fopenmp \
    -lpthread -ldl -lm -o "$1" || { echo "zoo: building kvcache_oracle failed"; return 1; }
}
