#!/usr/bin/env bash
# The whole demo-model pipeline (what `make demo-model` runs): corpus -> tokenizer -> training
# -> PyTorch reference/evaluation -> `inferno convert` to models/inferno-demo-Q8_0.gguf.
# Large artifacts go to DEMO_DIR (outside git). Every stage is deterministic from DEMO_SEED;
# training resumes from its last periodic checkpoint when re-run after an interruption.
#
# usage: tools/demo-model/pipeline.sh INFERNO_BINARY
#   env: DEMO_DIR (build/demo-model), DEMO_SEED (1234), DEMO_STEPS, DEMO_MB (300),
#        PYTHON (/usr/bin/python3: Debian's python3-torch lives in the system interpreter)
set -euo pipefail

INFERNO=${1:?usage: pipeline.sh INFERNO_BINARY}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
DEMO_DIR=${DEMO_DIR:-$ROOT/build/demo-model}
DEMO_SEED=${DEMO_SEED:-1234}
DEMO_STEPS=${DEMO_STEPS:-4200}
DEMO_MB=${DEMO_MB:-300}
PYTHON=${PYTHON:-/usr/bin/python3}
mkdir -p "$DEMO_DIR"

if [[ ! -s $DEMO_DIR/corpus/heldout_facts.jsonl ]]; then
  echo "== corpus ($DEMO_MB MB)"
  "$PYTHON" "$HERE/make_corpus.py" --out "$DEMO_DIR/corpus" --megabytes "$DEMO_MB" \
    --seed "$DEMO_SEED"
fi
if [[ ! -s $DEMO_DIR/tok/tokenizer.model ]]; then
  echo "== tokenizer"
  mkdir -p "$DEMO_DIR/tok"
  "$PYTHON" "$HERE/train_tokenizer.py" --corpus "$DEMO_DIR/corpus/train.txt" \
    --out "$DEMO_DIR/tok/tokenizer" --vocab 2048 --megabytes 10
fi
if [[ ! -s $DEMO_DIR/ckpt/training.json ]]; then
  echo "== training ($DEMO_STEPS steps; log in $DEMO_DIR/work/train_log.jsonl)"
  "$PYTHON" "$HERE/train.py" --corpus-dir "$DEMO_DIR/corpus" \
    --tokenizer "$DEMO_DIR/tok/tokenizer.model" --work "$DEMO_DIR/work" \
    --out "$DEMO_DIR/ckpt" --steps "$DEMO_STEPS" --batch 8 --seq 256 --lr 3e-3 \
    --dim 256 --layers 5 --heads 8 --ffn 768 --seed "$DEMO_SEED" --threads 2
fi
echo "== evaluation and PyTorch reference"
"$PYTHON" "$HERE/evaluate.py" --ckpt "$DEMO_DIR/ckpt" --corpus-dir "$DEMO_DIR/corpus" \
  --reference "$ROOT/models/inferno-demo.reference.json" --report "$DEMO_DIR/report.json" \
  --heldout-sample "$ROOT/models/inferno-demo.heldout-sample.jsonl"
echo "== convert"
"$INFERNO" convert "$DEMO_DIR/ckpt" "$ROOT/models/inferno-demo-Q8_0.gguf" --type q8_0 \
  --name inferno-demo
echo "== held-out facts and samples through inferno"
"$PYTHON" "$HERE/check_gguf.py" --inferno "$INFERNO" --gguf "$ROOT/models/inferno-demo-Q8_0.gguf" \
  --facts "$DEMO_DIR/corpus/heldout_facts.jsonl" --out "$DEMO_DIR/check_gguf.json"
