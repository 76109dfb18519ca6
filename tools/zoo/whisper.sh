#!/usr/bin/env bash
# Speech: a random-weight Whisper model in whisper.cpp's format (the peer's whisper_randgen.py:
# Whisper-tiny's vocabulary, mel filters, 1500/448 positions and 4+4 layers, 64 wide, 2 heads,
# F16) and whisper.cpp as its oracle: tools/zoo/whisper_oracle.cc, built here against the
# peer's whisper.cpp sources (build-whisper.sh, ~1-2 min the first time), dumps the samples its
# reader decoded, the log-mel, the first window's encoder output, raw decoder logits of greedy
# argmax steps and whisper_full's segments (greedy and beam search 5, with and without
# temperature fallback) for ../shared/fixtures/media/speech-1.mp3, and the same for three copies of
# it end to end (52 s: windows moved by seek, the previous window's text as prompt).
# tools/zoo/whisper_quantize.cc (the peer's ggml_common_quantize_0) writes Q8_0 and Q5_0 forms
# with their own oracle dumps.
# Output: OUT/zoo/whisper-rand-tiny{,-q8_0,-q5_0}.bin,
#         OUT/zoo-oracle/whisper/whisper-rand-tiny{,-q8_0,-q5_0}.speech-1.*,
#         OUT/zoo-oracle/whisper/whisper-rand-tiny.speech-1x3.*
source "$(dirname "$0")/lib.sh"
here=$(cd "$(dirname "$0")" && pwd)
wdir=${INFERNO_WHISPER_DIR:-$HOME/.cache/inferno-whisper}
# Without AMX kernels, as the llama.cpp peer (make.sh says why; PEER-FLAGS records the flags).
peer_cflags=${INFERNO_PEER_CFLAGS:-"-mno-amx-tile -mno-amx-int8 -mno-amx-bf16 -mno-avx512fp16"}
if [[ ! -f $wdir/build/ggml/src/libggml.a || ! -f $wdir/models/for-tests-ggml-tiny.bin ||
  $(cat "$wdir/PEER-FLAGS" 2>/dev/null) != "$peer_cflags" ]]; then
  rm -rf "$wdir/build"
  CFLAGS=$peer_cflags CXXFLAGS=$peer_cflags bash "$ZOO_SHARED/peer/build-whisper.sh" "$wdir" \
    > "$ZOO_OUT/whisper-build.log" 2>&1 ||
    { tail -20 "$ZOO_OUT/whisper-build.log"; echo "zoo: whisper.cpp build failed"; exit 1; }
  echo "$peer_cflags" > "$wdir/PEER-FLAGS"
fi
dir=$ZOO_OUT/zoo-oracle/whisper
mkdir -p "$dir"
oracle=$dir/whisper_oracle
flags=(-O2 -std=c++17 -march=native -I"$wdir/include" -I"$wdir/ggml/include" -I"$wdir/src"
  -I"$wdir/examples")
ggml_libs=("$wdir/build/ggml/src/libggml.a" "$wdir/build/ggml/src/libggml-cpu.a"
  "$wdir/build/ggml/src/libggml-base.a" -fopenmp -lpthread -ldl -lm)
g++ "${flags[@]}" -c "$wdir/examples/common-whisper.cpp" -o "$dir/common-whisper.o" &&
  g++ "${flags[@]}" -c "$wdir/examples/common.cpp" -o "$dir/common.o" &&
  g++ "${flags[@]}" -DWHISPER_VERSION='"peer"' "$here/whisper_oracle.cc" "$dir/common-whisper.o" \
    "$dir/common.o" "${ggml_libs[@]}" -o "$oracle" &&
  g++ "${flags[@]}" "$here/whisper_quantize.cc" "$wdir/examples/common-ggml.cpp" "${ggml_libs[@]}" \
    -o "$dir/whisper_quantize" ||
  { echo "zoo: building whisper_oracle failed"; exit 1; }
rm -f "$dir"/*.o

model=$ZOO_OUT/zoo/whisper-rand-tiny.bin
python3 "$ZOO_SHARED/peer/tools/whisper_randgen.py" "$wdir/models/for-tests-ggml-tiny.bin" \
  "$model" --seed 7 > /dev/null || { echo "zoo: whisper_randgen failed"; exit 1; }
clip=$ZOO_FIXTURES/media/speech-1.mp3
run_oracle() {  # MODEL PREFIX N_STEPS REPEAT RUNS
  "$oracle" "$1" "$clip" "$3" "$dir/$2" "$4" "$5" > "$dir/oracle.log" 2>&1 ||
    { tail -5 "$dir/oracle.log"; echo "zoo: whisper_oracle failed on $2"; exit 1; }
}
# Random weights loop until the entropy check fails them, so every fallback temperature runs:
# the fallback runs are the expensive ones, and are kept to the F16 model.
all=greedy_nofallback,beam_nofallback,greedy,beam
run_oracle "$model" whisper-rand-tiny.speech-1 16 1 "$all"
run_oracle "$model" whisper-rand-tiny.speech-1x3 1 3 "$all"
for q in q8_0 q5_0; do
  "$dir/whisper_quantize" "$model" "${model%.bin}-$q.bin" "$q" > "$dir/oracle.log" 2>&1 ||
    { tail -5 "$dir/oracle.log"; echo "zoo: whisper_quantize $q failed"; exit 1; }
  run_oracle "${model%.bin}-$q.bin" "whisper-rand-tiny-$q.speech-1" 1 1 \
    greedy_nofallback,beam_nofallback
done
rm -f "$dir/oracle.log"
