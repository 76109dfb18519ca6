#!/usr/bin/env bash
# The speech model's pipeline (what `make speech-model` runs): corpus (espeak-ng speech of the
# demo corpus's sentences, corpus.py) -> training (train.py) -> whisper.cpp's model file
# (export.py) -> word error rate on held-out sentences and voices through `inferno transcribe`
# and whisper.cpp's whisper-cli, which must give the same greedy tokens (evaluate.py) -> only
# when the WER bar is met: models/inferno-speech.bin and its report.
# Deterministic from SPEECH_SEED. Resuming: every step skips what SPEECH_DIR already holds and
# train.py continues from SPEECH_DIR/work/resume.pt, so an interrupted run continues by
# running the same command again.
#
# usage: tools/speech-model/pipeline.sh INFERNO_BINARY
#   env: SPEECH_DIR (build/speech-model), SPEECH_SEED (1234), SPEECH_STEPS (9000),
#        SPEECH_BATCH (16), SPEECH_UTTERANCES (30000 training clips), SPEECH_EVAL_PER_VOICE (40),
#        SPEECH_THREADS (2: torch threads and synthesis jobs), SPEECH_WER_BAR (0.10),
#        INFERNO_WHISPER_DIR (~/.cache/inferno-whisper: whisper-cli and the template file whose
#        mel filters and vocabulary the model takes), PYTHON (/usr/bin/python3)
set -euo pipefail

INFERNO=$(cd "$(dirname "${1:?usage: pipeline.sh INFERNO_BINARY}")" && pwd)/$(basename "$1")
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
SPEECH_DIR=${SPEECH_DIR:-$ROOT/build/speech-model}
SPEECH_SEED=${SPEECH_SEED:-1234}
SPEECH_STEPS=${SPEECH_STEPS:-9000}
SPEECH_BATCH=${SPEECH_BATCH:-16}
SPEECH_UTTERANCES=${SPEECH_UTTERANCES:-30000}
SPEECH_EVAL_PER_VOICE=${SPEECH_EVAL_PER_VOICE:-40}
SPEECH_THREADS=${SPEECH_THREADS:-2}
SPEECH_WER_BAR=${SPEECH_WER_BAR:-0.10}
PYTHON=${PYTHON:-/usr/bin/python3}
WDIR=${INFERNO_WHISPER_DIR:-$HOME/.cache/inferno-whisper}
SHARED=$(cd "${INFERNO_SHARED_DIR:-$ROOT/../shared}" && pwd)
mkdir -p "$SPEECH_DIR"
command -v espeak-ng > /dev/null && command -v sox > /dev/null ||
  { echo "speech-model: espeak-ng and sox are needed (scripts/install-deps)" >&2; exit 1; }
if [[ ! -x $WDIR/build/bin/whisper-cli || ! -f $WDIR/models/for-tests-ggml-tiny.bin ]]; then
  echo "== whisper.cpp (peer) into $WDIR"
  bash "$SHARED/peer/build-whisper.sh" "$WDIR" > "$SPEECH_DIR/whisper-build.log" 2>&1
fi
TEMPLATE=$WDIR/models/for-tests-ggml-tiny.bin
cd "$HERE"

if [[ ! -s $SPEECH_DIR/corpus/eval.jsonl ]]; then
  echo "== corpus ($SPEECH_UTTERANCES training clips)"
  "$PYTHON" corpus.py --out "$SPEECH_DIR/corpus" --seed "$SPEECH_SEED" \
    --train "$SPEECH_UTTERANCES" --eval-per-voice "$SPEECH_EVAL_PER_VOICE" --jobs "$SPEECH_THREADS"
fi
if [[ ! -s $SPEECH_DIR/ckpt/ckpt.pt ]]; then
  echo "== training ($SPEECH_STEPS steps; log in $SPEECH_DIR/work/train_log.jsonl)"
  "$PYTHON" train.py --corpus "$SPEECH_DIR/corpus" --template "$TEMPLATE" \
    --work "$SPEECH_DIR/work" --out "$SPEECH_DIR/ckpt" --steps "$SPEECH_STEPS" \
    --batch "$SPEECH_BATCH" --seed "$SPEECH_SEED" --threads "$SPEECH_THREADS"
fi
RELEASE=$SPEECH_DIR/release
mkdir -p "$RELEASE"
echo "== export"
"$PYTHON" export.py --ckpt "$SPEECH_DIR/ckpt/ckpt.pt" --template "$TEMPLATE" \
  --out "$RELEASE/inferno-speech.bin"
echo "== word error rate through inferno and whisper-cli"
"$PYTHON" evaluate.py --corpus "$SPEECH_DIR/corpus" --model "$RELEASE/inferno-speech.bin" \
  --inferno "$INFERNO" --whisper-cli "$WDIR/build/bin/whisper-cli" --work "$SPEECH_DIR/eval" \
  --report "$RELEASE/inferno-speech.report.json" --threads "$SPEECH_THREADS" |
  tee "$SPEECH_DIR/eval.md"
if ! "$PYTHON" - "$RELEASE/inferno-speech.report.json" "$SPEECH_WER_BAR" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
bar = float(sys.argv[2])
ok = r["wer_held_out_voices"] <= bar and r["wer_seen_voices"] <= bar
agree = r.get("whisper_cpp_tokens", {})
ok = ok and agree.get("differ", 1) == 0  # whisper.cpp's tokens, or parted at a near-tie
print(f"WER ({r['bar_decoding']}) held-out voices {r['wer_held_out_voices']:.3f}, seen voices "
      f"{r['wer_seen_voices']:.3f} (bar {bar}); greedy tokens against whisper.cpp: {agree}")
sys.exit(0 if ok else 1)
PY
then
  echo "== not shipped: a bar is not met; models/ is unchanged" >&2
  exit 1
fi
cp "$RELEASE/inferno-speech.bin" "$RELEASE/inferno-speech.report.json" "$ROOT/models/"
echo "== shipped: models/inferno-speech.bin"
