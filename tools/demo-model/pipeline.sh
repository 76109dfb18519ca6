#!/usr/bin/env bash
# The whole pipeline of the tool-trained demo model (what `make demo-model` runs): corpus ->
# tokenizer -> stage 1 (stories, facts and copying, make_corpus.py + copy_corpus.py) -> stage 2
# (fine-tune on tool use and JSON mixed with the stage-1 corpus) -> PyTorch reference/evaluation
# -> `inferno convert` (marked `inferno.demo.tools` in the GGUF) -> held-out facts, tools and
# JSON through `inferno`, graded against the bars of models/TOOLS.md -> only when every bar is
# met: models/inferno-demo-tools-Q8_0.gguf, its reference file and the card's measured rates.
# The story and facts demo (models/inferno-demo-Q8_0.gguf, models/README.md) is not touched: it
# is a stage-1 model of its own corpus (make_corpus.py --copy-fraction 0) and keeps the facts
# that a tool fine-tune of this size costs.
# Large artifacts go to DEMO_DIR (outside git). Every stage is deterministic from DEMO_SEED.
#
# Resuming: every step checks what DEMO_DIR already holds and skips it, and train.py saves
# DEMO_DIR/work (stage 1) or work2 (stage 2)/resume.pt every 20 steps (a few minutes even on a
# loaded machine), so an interrupted run (killed, machine restarted) continues where it was by
# running the same command again with the same DEMO_DIR, e.g. in the background at low priority:
#   nohup nice -n 19 env DEMO_DIR=/work/demo-train tools/demo-model/pipeline.sh \
#     build/release/inferno >> /work/demo-train/pipeline.log 2>&1 & echo $! > /work/demo-train/pid
# Progress: tail DEMO_DIR/work/train_log.jsonl (step, loss, s/step; validation loss every 250
# steps); copying so far: copy_probe.py DEMO_DIR/work/resume.pt --tokenizer
# DEMO_DIR/tok/tokenizer.model. Keep DEMO_STEPS unchanged across resumes once the decay (the
# last 20% of the steps) has begun, or the run no longer equals a fresh one.
#
# usage: tools/demo-model/pipeline.sh INFERNO_BINARY
#   env: DEMO_DIR (build/demo-model), DEMO_SEED (1234), DEMO_STEPS (stage 1, 4200),
#        DEMO_STAGE2_STEPS (1600), DEMO_MB (300),
#        DEMO_STAGE1_GGUF: when set and there is no stage-1 checkpoint, rebuild it from this
#        GGUF (dequantised weights) instead of training stage 1,
#        DEMO_SHAPE (stage 1's "dim layers heads ffn", "256 5 8 768": 4.8 M parameters;
#        wider shapes hold more beside the tools, at a cost in time per step),
#        DEMO_THREADS (stage 1's torch threads, 2; 1 leaves a core to other work, e.g.
#        `taskset -c 0` with DEMO_THREADS=1 while the machine builds),
#        DEMO_STAGE2_THREADS (stage 2's, 1: its batches are small, and two threads spin-wait
#        on a loaded machine; 2 is faster on quiet cores),
#        PYTHON (/usr/bin/python3: Debian's python3-torch lives in the system interpreter)
set -euo pipefail

INFERNO=${1:?usage: pipeline.sh INFERNO_BINARY}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
DEMO_DIR=${DEMO_DIR:-$ROOT/build/demo-model}
DEMO_SEED=${DEMO_SEED:-1234}
DEMO_STEPS=${DEMO_STEPS:-4200}
DEMO_STAGE2_STEPS=${DEMO_STAGE2_STEPS:-1600}
DEMO_THREADS=${DEMO_THREADS:-2}
DEMO_STAGE2_THREADS=${DEMO_STAGE2_THREADS:-1}
read -r DEMO_DIM DEMO_LAYERS DEMO_HEADS DEMO_FFN <<<"${DEMO_SHAPE:-256 5 8 768}"
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
if [[ -n ${DEMO_STAGE1_GGUF:-} ]]; then
  # (A rebuilt checkpoint has no training.json: the test is on config.json, so a resumed run
  # does not train stage 1 over it.)
  if [[ ! -s $DEMO_DIR/ckpt/config.json ]]; then
    echo "== stage 1 rebuilt from $DEMO_STAGE1_GGUF (Q8_0 round trip)"
    "$PYTHON" "$HERE/gguf_to_checkpoint.py" --gguf "$DEMO_STAGE1_GGUF" \
      --tokenizer "$DEMO_DIR/tok/tokenizer.model" --out "$DEMO_DIR/ckpt"
  fi
elif [[ ! -s $DEMO_DIR/ckpt/training.json ]]; then
  echo "== stage 1 ($DEMO_STEPS steps; log in $DEMO_DIR/work/train_log.jsonl)"
  "$PYTHON" "$HERE/train.py" --corpus-dir "$DEMO_DIR/corpus" \
    --tokenizer "$DEMO_DIR/tok/tokenizer.model" --work "$DEMO_DIR/work" \
    --out "$DEMO_DIR/ckpt" --steps "$DEMO_STEPS" --batch 8 --seq 256 --lr 3e-3 \
    --dim "$DEMO_DIM" --layers "$DEMO_LAYERS" --heads "$DEMO_HEADS" --ffn "$DEMO_FFN" \
    --seed "$DEMO_SEED" --threads "$DEMO_THREADS"
fi
# Stage 2: windows of 384 tokens (a tool list and two or three exchanges), 65% of the rows
# from the tool/JSON corpus (starting at a conversation; loss on the assistant's text only, see
# train.py encode_weighted), the rest from stage 1's corpus so the facts and stories stay.
if [[ ! -s $DEMO_DIR/ckpt2/training.json ]]; then
  echo "== stage 2 ($DEMO_STAGE2_STEPS steps; log in $DEMO_DIR/work2/train_log.jsonl)"
  "$PYTHON" "$HERE/train.py" --corpus-dir "$DEMO_DIR/corpus" \
    --tokenizer "$DEMO_DIR/tok/tokenizer.model" --work "$DEMO_DIR/work2" \
    --out "$DEMO_DIR/ckpt2" --init "$DEMO_DIR/ckpt" --megabytes 10 \
    --extra-corpus "$DEMO_DIR/corpus/tools_train.txt" --extra-megabytes "$DEMO_TOOLS_MB" \
    --extra-fraction 0.65 --steps "$DEMO_STAGE2_STEPS" --batch 4 --seq 384 --lr 1e-3 \
    --decay-from 0.75 --seed "$DEMO_SEED" --threads "$DEMO_STAGE2_THREADS"
fi
# Everything is written into DEMO_DIR/release first: the shipped model and the file the tests
# compare it with (tests/demo_tools_model_test.cc) change together, and only for a model that
# meets the bars.
RELEASE=$DEMO_DIR/release
mkdir -p "$RELEASE"
echo "== evaluation and PyTorch reference"
"$PYTHON" "$HERE/evaluate.py" --ckpt "$DEMO_DIR/ckpt2" --corpus-dir "$DEMO_DIR/corpus" \
  --reference "$RELEASE/inferno-demo-tools.reference.json" --report "$DEMO_DIR/report.json" \
  --heldout-sample "$DEMO_DIR/heldout-sample.jsonl"
echo "== convert"
# inferno.demo.tools says the model was trained to call these tools (and to answer in JSON);
# tests/e2e/demo_tools.test.mjs runs the tool round trip only on a model that has it.
"$INFERNO" convert "$DEMO_DIR/ckpt2" "$RELEASE/inferno-demo-tools-Q8_0.gguf" --type q8_0 \
  --name inferno-demo-tools --meta inferno.demo.tools=calculator,current_time
echo "== held-out facts and samples through inferno"
"$PYTHON" "$HERE/check_gguf.py" --inferno "$INFERNO" --gguf "$RELEASE/inferno-demo-tools-Q8_0.gguf" \
  --facts "$DEMO_DIR/corpus/heldout_facts.jsonl" --out "$DEMO_DIR/check_gguf.json"
echo "== held-out tool use and JSON through inferno serve, against the bars"
if ! "$PYTHON" "$HERE/check_tools.py" --inferno "$INFERNO" \
  --gguf "$RELEASE/inferno-demo-tools-Q8_0.gguf" \
  --prompts "$DEMO_DIR/corpus/heldout_tools.jsonl" --facts-report "$DEMO_DIR/check_gguf.json" \
  --out "$DEMO_DIR/check_tools.json" --model-card "$ROOT/models/TOOLS.md"; then
  echo "== not shipped: a bar is not met (see above); models/ is unchanged" >&2
  exit 1
fi
cp "$RELEASE"/inferno-demo-tools-Q8_0.gguf "$RELEASE"/inferno-demo-tools.reference.json \
  "$ROOT/models/"
echo "== shipped: models/inferno-demo-tools-Q8_0.gguf (models/TOOLS.md's rates are filled in)"
