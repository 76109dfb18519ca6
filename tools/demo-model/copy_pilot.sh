#!/usr/bin/env bash
# A short pilot of stage 1 on the old corpus (--copy-fraction 0) and on the new one (with
# copy_corpus.py's documents), then copy_probe.py on both: does the new corpus teach copying
# digits from the context? Same seed, model shape and steps for both; the two trainings run
# side by side, one thread each. The model is a quarter of the demo model's size (dim 128, 4
# layers) so that the pilot takes about 15 minutes on two quiet cores (40 niced on the
# loaded build machine). Figures: models/TOOLS.md, "Stage 1 again, with copying".
#
# usage: tools/demo-model/copy_pilot.sh [PILOT_DIR]
#   env: PILOT_STEPS (800), PILOT_SEED (1234), PYTHON (/usr/bin/python3)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
DIR=${1:-$HERE/../../build/copy-pilot}
STEPS=${PILOT_STEPS:-800}
SEED=${PILOT_SEED:-1234}
PYTHON=${PYTHON:-/usr/bin/python3}

prepare() {  # name copy-fraction
  local d=$DIR/$1
  mkdir -p "$d/tok"
  [[ -s $d/corpus/train.txt ]] || "$PYTHON" "$HERE/make_corpus.py" --out "$d/corpus" \
    --megabytes 20 --seed "$SEED" --copy-fraction "$2"
  [[ -s $d/tok/tokenizer.model ]] || "$PYTHON" "$HERE/train_tokenizer.py" \
    --corpus "$d/corpus/train.txt" --out "$d/tok/tokenizer" --vocab 2048 --megabytes 10
}

train() {  # name
  local d=$DIR/$1
  [[ -s $d/ckpt/training.json ]] || "$PYTHON" "$HERE/train.py" --corpus-dir "$d/corpus" \
    --tokenizer "$d/tok/tokenizer.model" --work "$d/work" --out "$d/ckpt" --steps "$STEPS" \
    --batch 8 --seq 256 --lr 3e-3 --dim 128 --layers 4 --heads 4 --ffn 384 --seed "$SEED" \
    --threads 1 --megabytes 20 > "$d/train.log" 2>&1
}

prepare old 0
prepare new 0.2
train old & old=$!
train new & new=$!
wait $old
wait $new
"$PYTHON" "$HERE/copy_probe.py" "$DIR/old/ckpt" "$DIR/new/ckpt" --out "$DIR/probe.json"
