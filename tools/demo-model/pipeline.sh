#!/usr/bin/env bash
# The whole demo-model pipeline (what `make demo-model` runs): corpus -> tokenizer -> stage 1
# (stories and facts) -> stage 2 (fine-tune on tool use and JSON mixed with the stage-1
# corpus) -> PyTorch reference/evaluation -> `inferno convert` to models/inferno-demo-Q8_0.gguf
# -> held-out facts, tools and JSON through `inferno`.
# Large artifacts go to DEMO_DIR (outside git). Every stage is deterministic from DEMO_SEED;
# training resumes from its last periodic checkpoint when re-run after an interruption.
#
# usage: tools/demo-model/pipeline.sh INFERNO_BINARY
#   env: DEMO_DIR (build/demo-model), DEMO_SEED (1234), DEMO_STEPS (stage 1, 4200),
#        DEMO_STAGE2_STEPS (1600), DEMO_MB (300),
#        DEMO_STAGE1_GGUF: when set and there is no stage-1 checkpoint, rebuild it from this
#        GGUF (dequantised weights) instead of training stage 1,
#        PYTHON (/usr/bin/python3: Debian's python3-torch lives in the system interpreter)
set -euo pipefail

INFERNO=${1:?usage: pipeline.sh INFERNO_BINARY}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
DEMO_DIR=${DEMO_DIR:-$ROOT/build/demo-model}
DEMO_SEED=${DEMO_SEED:-1234}
DEMO_STEPS=${DEMO_STEPS:-4200}
DEMO_STAGE2_STEPS=${DEMO_STAGE2_STEPS:-1600}
DEMO_TOOLS_MB=8
DEMO_MB=${DEMO_MB:-300}
PYTHON=${PYTHON:-/usr/bin/python3}
mkdir -p "$DEMO_DIR"

if [[ ! -s $DEMO_DIR/corpus/heldout_facts.jsonl ]]; then
  echo "== corpus ($DEMO_MB MB)"
  "$PYTHON" "$HERE/make_corpus.py" --out "$DEMO_DIR/corpus" --megabytes "$DEMO_MB" \
    --seed "$DEMO_SEED"
fi
if [[ ! -s $DEMO_DIR/corpus/heldout_tools.jsonl ]]; then
  echo "== stage-2 corpus: tools and JSON ($DEMO_TOOLS_MB MB)"
  "$PYTHON" "$HERE/make_corpus.py" --out "$DEMO_DIR/corpus" --megabytes 0 \
    --tools-megabytes "$DEMO_TOOLS_MB" --seed "$DEMO_SEED"
fi
if [[ ! -s $DEMO_DIR/tok/tokenizer.model ]]; then
  echo "== tokenizer"
  mkdir -p "$DEMO_DIR/tok"
  "$PYTHON" "$HERE/train_tokenizer.py" --corpus "$DEMO_DIR/corpus/train.txt" \
    --out "$DEMO_DIR/tok/tokenizer" --vocab 2048 --megabytes 10
fi
if [[ ! -s $DEMO_DIR/ckpt/config.json && -n ${DEMO_STAGE1_GGUF:-} ]]; then
  echo "== stage 1 rebuilt from $DEMO_STAGE1_GGUF (Q8_0 round trip)"
  "$PYTHON" "$HERE/gguf_to_checkpoint.py" --gguf "$DEMO_STAGE1_GGUF" \
    --tokenizer "$DEMO_DIR/tok/tokenizer.model" --out "$DEMO_DIR/ckpt"
elif [[ ! -s $DEMO_DIR/ckpt/training.json ]]; then
  echo "== stage 1 ($DEMO_STEPS steps; log in $DEMO_DIR/work/train_log.jsonl)"
  "$PYTHON" "$HERE/train.py" --corpus-dir "$DEMO_DIR/corpus" \
    --tokenizer "$DEMO_DIR/tok/tokenizer.model" --work "$DEMO_DIR/work" \
    --out "$DEMO_DIR/ckpt" --steps "$DEMO_STEPS" --batch 8 --seq 256 --lr 3e-3 \
    --dim 256 --layers 5 --heads 8 --ffn 768 --seed "$DEMO_SEED" --threads 2
fi
# Stage 2: windows of 384 tokens (a tool list and two or three exchanges), 65% of the rows
# from the tool/JSON corpus (starting at a conversation; loss on the assistant's text only, see
# train.py encode_weighted), the rest from stage 1's corpus so the facts and stories stay; one
# thread (two threads spin-wait on a loaded machine).
if [[ ! -s $DEMO_DIR/ckpt2/training.json ]]; then
  echo "== stage 2 ($DEMO_STAGE2_STEPS steps; log in $DEMO_DIR/work2/train_log.jsonl)"
  "$PYTHON" "$HERE/train.py" --corpus-dir "$DEMO_DIR/corpus" \
    --tokenizer "$DEMO_DIR/tok/tokenizer.model" --work "$DEMO_DIR/work2" \
    --out "$DEMO_DIR/ckpt2" --init "$DEMO_DIR/ckpt" --megabytes 10 \
    --extra-corpus "$DEMO_DIR/corpus/tools_train.txt" --extra-megabytes "$DEMO_TOOLS_MB" \
    --extra-fraction 0.65 --steps "$DEMO_STAGE2_STEPS" --batch 4 --seq 384 --lr 1e-3 \
    --decay-from 0.75 --seed "$DEMO_SEED" --threads 1
fi
echo "== evaluation and PyTorch reference"
"$PYTHON" "$HERE/evaluate.py" --ckpt "$DEMO_DIR/ckpt2" --corpus-dir "$DEMO_DIR/corpus" \
  --reference "$ROOT/models/inferno-demo.reference.json" --report "$DEMO_DIR/report.json" \
  --heldout-sample "$ROOT/models/inferno-demo.heldout-sample.jsonl"
echo "== convert"
"$INFERNO" convert "$DEMO_DIR/ckpt2" "$ROOT/models/inferno-demo-Q8_0.gguf" --type q8_0 \
  --name inferno-demo
echo "== held-out facts and samples through inferno"
"$PYTHON" "$HERE/check_gguf.py" --inferno "$INFERNO" --gguf "$ROOT/models/inferno-demo-Q8_0.gguf" \
  --facts "$DEMO_DIR/corpus/heldout_facts.jsonl" --out "$DEMO_DIR/check_gguf.json"
echo "== held-out tool use and JSON through inferno serve"
"$PYTHON" "$HERE/check_tools.py" --inferno "$INFERNO" --gguf "$ROOT/models/inferno-demo-Q8_0.gguf" \
  --prompts "$DEMO_DIR/corpus/heldout_tools.jsonl" --out "$DEMO_DIR/check_tools.json"
