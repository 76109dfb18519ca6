#!/usr/bin/env bash
# Speech: a random-weight Whisper model in whisper.cpp's format (the peer's whisper_randgen.py:
# Whisper-tiny's vocabulary, mel filters, 1500/448 positions and 4+4 layers, 64 wide, 2 heads,
# F16) and whisper.cpp as its oracle: tools/zoo/whisper_oracle.cc, built here against the
# peer's whisper.cpp sources (build-whisper.sh, ~1-2 min the first time), dumps the samples its
# reader decoded, the log-mel, the first window's encoder output, raw decoder logits of greedy
# argmax steps and whisper_full's greedy segments for ../shared/fixtures/media/speech-1.mp3.
# Output: OUT/zoo/whisper-rand-tiny.bin, OUT/zoo-oracle/whisper/whisper-rand-tiny.speech-1.*
source "$(dirname "$0")/lib.sh"
here=$(cd "$(dirname "$0")" && pwd)
wdir=${INFERNO_WHISPER_DIR:-$HOME/.cache/inferno-whisper}
if [[ ! -f $wdir/build/ggml/src/libggml.a || ! -f $wdir/models/for-tests-ggml-tiny.bin ]]; then
  bash "$ZOO_SHARED/peer/build-whisper.sh" "$wdir" > "$ZOO_OUT/whisper-build.log" 2>&1 ||
    { tail -20 "$ZOO_OUT/whisper-build.log"; echo "zoo: whisper.cpp build failed"; exit 1; }
fi
dir=$ZOO_OUT/zoo-oracle/whisper
mkdir -p "$dir"
oracle=$dir/whisper_oracle
flags=(-O2 -std=c++17 -march=native -I"$wdir/include" -I"$wdir/ggml/include" -I"$wdir/src"
  -I"$wdir/examples")
g++ "${flags[@]}" -c "$wdir/examples/common-whisper.cpp" -o "$dir/common-whisper.o" &&
  g++ "${flags[@]}" -c "$wdir/examples/common.cpp" -o "$dir/common.o" &&
  g++ "${flags[@]}" -DWHISPER_VERSION='"peer"' "$here/whisper_oracle.cc" "$dir/common-whisper.o" \
    "$dir/common.o" "$wdir/build/ggml/src/libggml.a" "$wdir/build/ggml/src/libggml-cpu.a" \
    "$wdir/build/ggml/src/libggml-base.a" -fopenmp -lpthread -ldl -lm -o "$oracle" ||
  { echo "zoo: building whisper_oracle failed"; exit 1; }
rm -f "$dir"/*.o

model=$ZOO_OUT/zoo/whisper-rand-tiny.bin
python3 "$ZOO_SHARED/peer/tools/whisper_randgen.py" "$wdir/models/for-tests-ggml-tiny.bin" \
  "$model" --seed 7 > /dev/null || { echo "zoo: whisper_randgen failed"; exit 1; }
"$oracle" "$model" "$ZOO_FIXTURES/media/speech-1.mp3" 16 "$dir/whisper-rand-tiny.speech-1" \
  > "$dir/oracle.log" 2>&1 || { tail -5 "$dir/oracle.log"; echo "zoo: whisper_oracle failed"; exit 1; }
rm -f "$dir/oracle.log"
