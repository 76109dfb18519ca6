#!/usr/bin/env bash
# The vision demo pipeline (what `make vision-demo` runs): the demo language model GGUF ->
# its float32 checkpoint and tokenizer -> held-out pictures -> training of a small ViT alone on
# per-patch labels, then of a LLaVA MLP projector and the language model on it
# (tools/vision-demo/train.py) -> the mmproj GGUF
# (export.py) and the fine-tuned model's GGUF (`inferno convert`) -> held-out questions graded
# through PyTorch, `inferno run` and llama.cpp's llama-mtmd-cli (answers compared row by row)
# -> only when the bars are met (held-out exact answers >= 90% through inferno, inferno's
# answers equal to mtmd's): the pair goes to models/.
# Large artifacts go to VISION_DIR (outside git). Deterministic from VISION_SEED; a killed run
# resumes where it was when started again with the same VISION_DIR (train.py's resume.pt).
#
# usage: tools/vision-demo/pipeline.sh INFERNO_BINARY
#   env: VISION_DIR (build/vision-demo), VISION_LM (models/inferno-demo-Q8_0.gguf: the
#        language model to start from), VISION_SEED (1234), VISION_STEPS (9000 stage-1 steps, after
#        train.py's 2000 of stage 0),
#        VISION_BATCH (16), VISION_THREADS (2), VISION_TEST (300 held-out pictures),
#        VISION_PAIR_EXTRA (train.py's --pair-extra; may change when a run is continued),
#        VISION_TEXT_CORPUS (DEMO_DIR's corpus/train.txt when it exists: the language model's
#        own text, mixed in so it keeps it; it must be the corpus of VISION_LM),
#        VISION_EVAL_LIMIT (0: every held-out question through inferno and mtmd),
#        VISION_SHIP (1; 0 grades but never copies to models/),
#        MTMD_CLI (~/.cache/inferno-peer/build/bin/llama-mtmd-cli), PYTHON (/usr/bin/python3)
set -euo pipefail

INFERNO=${1:?usage: pipeline.sh INFERNO_BINARY}
INFERNO=$(realpath "$INFERNO")
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
VISION_DIR=${VISION_DIR:-$ROOT/build/vision-demo}
VISION_LM=${VISION_LM:-$ROOT/models/inferno-demo-Q8_0.gguf}
VISION_SEED=${VISION_SEED:-1234}
VISION_STEPS=${VISION_STEPS:-9000}
VISION_BATCH=${VISION_BATCH:-16}
VISION_THREADS=${VISION_THREADS:-2}
VISION_TEST=${VISION_TEST:-300}
VISION_EVAL_LIMIT=${VISION_EVAL_LIMIT:-0}
VISION_PAIR_EXTRA=${VISION_PAIR_EXTRA:-0.25}
VISION_SHIP=${VISION_SHIP:-1}
DEMO_CORPUS=${DEMO_DIR:-$ROOT/build/demo-model}/corpus/train.txt
VISION_TEXT_CORPUS=${VISION_TEXT_CORPUS-$([[ -s $DEMO_CORPUS ]] && echo "$DEMO_CORPUS")}
MTMD_CLI=${MTMD_CLI:-$HOME/.cache/inferno-peer/build/bin/llama-mtmd-cli}
PYTHON=${PYTHON:-/usr/bin/python3}
NAME=inferno-demo-vision
mkdir -p "$VISION_DIR"

if [[ ! -s $VISION_DIR/lm0/config.json ]]; then
  echo "== language model: $VISION_LM -> float32 checkpoint"
  mkdir -p "$VISION_DIR/lm0"
  "$PYTHON" "$HERE/gguf_tokenizer.py" --gguf "$VISION_LM" --out "$VISION_DIR/lm0.tokenizer.model"
  "$PYTHON" "$ROOT/tools/demo-model/gguf_to_checkpoint.py" --gguf "$VISION_LM" \
    --tokenizer "$VISION_DIR/lm0.tokenizer.model" --out "$VISION_DIR/lm0"
fi
if [[ ! -s $VISION_DIR/test/test.jsonl ]]; then
  echo "== $VISION_TEST held-out pictures"
  "$PYTHON" "$HERE/scenes.py" --out "$VISION_DIR/test" --n "$VISION_TEST" --seed "$VISION_SEED"
fi
if [[ ! -s $VISION_DIR/out/training.json ]]; then
  echo "== training ($VISION_STEPS steps; log in $VISION_DIR/work/train_log.jsonl)"
  "$PYTHON" "$HERE/train.py" --lm "$VISION_DIR/lm0" --work "$VISION_DIR/work" \
    --out "$VISION_DIR/out" --steps "$VISION_STEPS" --batch "$VISION_BATCH" \
    --seed "$VISION_SEED" --threads "$VISION_THREADS" --pair-extra "$VISION_PAIR_EXTRA" \
    ${VISION_TEXT_CORPUS:+--text-corpus "$VISION_TEXT_CORPUS"}
fi
RELEASE=$VISION_DIR/release
mkdir -p "$RELEASE"
echo "== export: mmproj and language model GGUFs"
"$PYTHON" "$HERE/export.py" --vision "$VISION_DIR/out/vision.pt" \
  --out "$RELEASE/mmproj-$NAME-F16.gguf" --name "$NAME"
"$INFERNO" convert "$VISION_DIR/out/lm" "$RELEASE/$NAME-Q8_0.gguf" --type q8_0 --name "$NAME" -q
echo "== held-out questions: PyTorch, inferno${MTMD_CLI:+, llama-mtmd-cli}"
MTMD_ARGS=()
if [[ -x $MTMD_CLI ]]; then MTMD_ARGS=(--mtmd "$MTMD_CLI"); else
  echo "   (no llama-mtmd-cli at $MTMD_CLI: no parity check, nothing ships)"; fi
"$PYTHON" "$HERE/evaluate.py" --test-dir "$VISION_DIR/test" --report "$VISION_DIR/report.json" \
  --torch "$VISION_DIR/out" --inferno "$INFERNO" "${MTMD_ARGS[@]}" \
  --lm "$RELEASE/$NAME-Q8_0.gguf" --mmproj "$RELEASE/mmproj-$NAME-F16.gguf" \
  --limit "$VISION_EVAL_LIMIT" --torch-limit 100 --threads "$VISION_THREADS" \
  --samples "$RELEASE/samples"
if ! "$PYTHON" "$HERE/bars.py" --report "$VISION_DIR/report.json"; then
  echo "== not shipped: a bar is not met (see above); models/ is unchanged" >&2
  exit 1
fi
if [[ $VISION_SHIP == 1 ]]; then
  mkdir -p "$ROOT/models/vision"
  cp "$RELEASE/$NAME-Q8_0.gguf" "$RELEASE/mmproj-$NAME-F16.gguf" "$ROOT/models/vision/"
  rm -rf "$ROOT/models/vision/samples" && cp -r "$RELEASE/samples" "$ROOT/models/vision/"
  echo "== shipped: models/vision/$NAME-Q8_0.gguf + mmproj-$NAME-F16.gguf (+ samples/)"
fi
