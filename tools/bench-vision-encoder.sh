#!/usr/bin/env bash
# Times the vision encoder of a Gemma-3-shaped mmproj (SigLIP at 896 px in 14 px patches:
# 4,096 patches, width 1152, feed-forward 4304, 16 heads, 27 layers, 4x4 pooling to 256
# tokens; random weights from our mmproj_fixturegen, F16 as the converter writes them) in
# inferno and in llama.cpp's mtmd (llama-mtmd-cli) on the same files, same thread count: issue
# 20's encoder-time comparison. The language model is the committed gemma3-tiny fixture (its
# share of the time is a few milliseconds). Keep the machine quiet while it runs.
#
# usage: tools/bench-vision-encoder.sh [INFERNO_BINARY]   (default build/release/inferno)
#   env: THREADS (2), IMAGE (../shared/fixtures/media/photo-1.jpeg),
#        PEER_DIR (~/.cache/inferno-peer: the peer build with bin/llama-mtmd-cli; the mmproj is
#        made once into its models/)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
INFERNO=$(realpath "${1:-$ROOT/build/release/inferno}")
THREADS=${THREADS:-2}
SHARED=${INFERNO_SHARED_DIR:-$ROOT/../shared}
IMAGE=${IMAGE:-$SHARED/fixtures/media/photo-1.jpeg}
PEER_DIR=${PEER_DIR:-$HOME/.cache/inferno-peer}
MTMD=$PEER_DIR/build/bin/llama-mtmd-cli
GEN=$(dirname "$INFERNO")/mmproj_fixturegen
LM=$SHARED/fixtures/models/gemma3-tiny-Q8_0.gguf
MMPROJ=$PEER_DIR/models/mmproj-gemma3-896-siglip.gguf
[[ -x $MTMD ]] || { echo "error: no $MTMD (bash ../shared/peer/build.sh)" >&2; exit 1; }
[[ -x $GEN ]] || { echo "error: no $GEN (cmake --build --preset release)" >&2; exit 1; }
mkdir -p "$(dirname "$MMPROJ")"
[[ -s $MMPROJ ]] || "$GEN" --projector gemma3 --out "$MMPROJ" --n-embd-out 256 \
  --image-size 896 --patch-size 14 --n-embd 1152 --n-ff 4304 --n-layer 27 --n-head 16 --merge 4 \
  > /dev/null
echo "mmproj: $MMPROJ; image: $IMAGE; $THREADS threads; $(date -u '+%F %T') UTC, load $(cut -d' ' -f1-3 /proc/loadavg)"

# inferno: "media encoded in N ms" (the encoder; `run` prints it after the timings).
ours=$("$INFERNO" run -m "$LM" --mmproj "$MMPROJ" --image "$IMAGE" -p "Describe this image." \
  -n 1 -t "$THREADS" 2>&1 | sed -n 's/.*media encoded in \([0-9.]*\) ms.*/\1/p')
# mtmd: "mtmd batch encoding done in N ms" (the encoder + the image tokens' decode).
theirs=$("$MTMD" -m "$LM" --mmproj "$MMPROJ" --image "$IMAGE" -p "Describe this image." -n 1 \
  --temp 0 -t "$THREADS" --no-warmup --chat-template gemma 2>&1 |
  sed -n 's/.*batch encoding done in \([0-9.]*\) ms.*/\1/p')
[[ -n $ours && -n $theirs ]] || { echo "error: a run printed no timing" >&2; exit 1; }
awk -v a="$ours" -v b="$theirs" 'BEGIN {
  printf "inferno %.1f s, llama.cpp mtmd %.1f s: inferno / mtmd speed %.2fx\n", a / 1000, b / 1000, b / a }'
