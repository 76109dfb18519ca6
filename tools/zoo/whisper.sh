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
# with their own oracle dumps. Synthetic speech at other sample rates: espeak-ng speaks a few
# sentences (22.05 kHz, its own rate), sox resamples them to 8 and 44.1 kHz (no dither, so the
# files are the same every time), and whisper.cpp's reader resamples each to 16 kHz itself.
# A second random model with two decoder layers (whisper-rand-tiny-2l) is the oracle of
# whisper.cpp's distilled-model rule (no timestamps forced).
# Output: OUT/zoo/whisper-rand-tiny{,-q8_0,-q5_0,-2l}.bin,
#         OUT/zoo-oracle/whisper/whisper-rand-tiny{,-q8_0,-q5_0,-2l}.speech-1.*,
#         OUT/zoo-oracle/whisper/whisper-rand-tiny.speech-1x3.*,
#         OUT/zoo-oracle/whisper/espeak-{8k,22k,44k}.wav and whisper-rand-tiny.espeak-*.*,
#         and with models/inferno-speech.bin: OUT/zoo/inferno-speech.bin and its
#         OUT/zoo-oracle/whisper/inferno-speech.{speech-1,espeak-*}.*
source "$(dirname "$0")/lib.sh"
here=$(cd "$(dirname "$0")" && pwd)
wdir=${INFERNO_WHISPER_DIR:-$HOME/.cache/inferno-whisper}
# Built with the llama.cpp peer's flags, which make.sh defines and says why (PEER-FLAGS records
# them): one definition, so both peers always leave out the same kernels.
peer_cflags=${INFERNO_PEER_CFLAGS:?"whisper.sh is run by tools/zoo/make.sh, which sets INFERNO_PEER_CFLAGS"}
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
# Clips made here (a few seconds each, not committed).
command -v espeak-ng > /dev/null && command -v sox > /dev/null ||
  { echo "zoo: espeak-ng and sox are needed (scripts/install-deps)"; exit 1; }
espeak-ng -v en-us -s 160 -w "$dir/espeak-22k.wav" \
  "The quick brown fox jumps over the lazy dog. Seven small boats sailed home at noon." ||
  { echo "zoo: espeak-ng failed"; exit 1; }
sox -R -D "$dir/espeak-22k.wav" -r 8000 "$dir/espeak-8k.wav" &&
  sox -R -D "$dir/espeak-22k.wav" -r 44100 "$dir/espeak-44k.wav" ||
  { echo "zoo: sox failed"; exit 1; }
for rate in 8k 22k 44k; do
  clip=$dir/espeak-$rate.wav
  run_oracle "$model" "whisper-rand-tiny.espeak-$rate" 16 1 greedy_nofallback
done
clip=$ZOO_FIXTURES/media/speech-1.mp3
# Random weights loop until the entropy check fails them, so every fallback temperature runs:
# the fallback runs are the expensive ones, and are kept to the F16 model.
# "_prompt": whisper-cli's --prompt (whisper_oracle's kPrompt) before the first window; "_nt":
# whisper-cli's -nt (no timestamps: each window one segment, seek moved by the whole window).
all=greedy_nofallback,beam_nofallback,greedy,beam,greedy_nofallback_prompt
nt=greedy_nofallback_nt,beam_nofallback_nt
run_oracle "$model" whisper-rand-tiny.speech-1 16 1 "$all,beam_nofallback_prompt,beam_prompt,$nt"
run_oracle "$model" whisper-rand-tiny.speech-1x3 1 3 "$all,$nt,greedy_nofallback_nt_prompt"
# Two decoder layers and a vocabulary other than large-v3's: whisper_full takes such a model for
# a first-release distilled one (distil-large-v2, distil-medium.en, distil-small.en) and forces
# no_timestamps itself, so its default runs (no "_nt") are the rule's oracle.
model2=$ZOO_OUT/zoo/whisper-rand-tiny-2l.bin
python3 "$ZOO_SHARED/peer/tools/whisper_randgen.py" "$wdir/models/for-tests-ggml-tiny.bin" \
  "$model2" --seed 11 --text-layers 2 > /dev/null || { echo "zoo: whisper_randgen failed"; exit 1; }
run_oracle "$model2" whisper-rand-tiny-2l.speech-1 16 1 greedy_nofallback,beam_nofallback
# The speech model of tools/speech-model, once models/ has it: the same clips, greedy, and
# greedy without timestamps (a trained model ends at <|endoftext|>, random weights never do).
speech_model=$here/../../models/inferno-speech.bin
if [[ -f $speech_model ]]; then
  cp "$speech_model" "$ZOO_OUT/zoo/inferno-speech.bin"
  for c in speech-1 espeak-8k espeak-22k espeak-44k; do
    clip=$dir/$c.wav
    [[ $c == speech-1 ]] && clip=$ZOO_FIXTURES/media/speech-1.mp3
    run_oracle "$ZOO_OUT/zoo/inferno-speech.bin" "inferno-speech.$c" 16 1 \
      greedy_nofallback,greedy_nofallback_nt
  done
fi
clip=$ZOO_FIXTURES/media/speech-1.mp3
for q in q8_0 q5_0; do
  "$dir/whisper_quantize" "$model" "${model%.bin}-$q.bin" "$q" > "$dir/oracle.log" 2>&1 ||
    { tail -5 "$dir/oracle.log"; echo "zoo: whisper_quantize $q failed"; exit 1; }
  run_oracle "${model%.bin}-$q.bin" "whisper-rand-tiny-$q.speech-1" 1 1 \
    greedy_nofallback,beam_nofallback
done
rm -f "$dir/oracle.log"
