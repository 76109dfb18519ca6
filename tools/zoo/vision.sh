#!/usr/bin/env bash
# Vision: random-weight mmproj files (our tools/fixturegen/mmproj_fixturegen.cc) paired with
# fixture language models of the same embedding size, and llama.cpp's mtmd as the oracle:
# tools/zoo/vision_oracle.cc, built here against the peer's static libraries, dumps the pixels
# mtmd decoded, the image embeddings it computes and greedy decoding after a raw prompt that
# holds the media marker; llama-mtmd-cli's own greedy answer (chat template chatml) is kept
# beside it. Images: ../shared/fixtures/media/photo-1.jpeg and odd-sized PNGs
# (tools/fixturegen/image_fixturegen.cc).
# Qwen-VL's language model (arch qwen2vl, M-RoPE) is fixturegen's qwen2 with the keys renamed
# and rope.dimension_sections added by gguf_set_keys.py; llama.cpp loading it checks the edit.
# Output: OUT/zoo/mmproj-<name>.gguf, OUT/zoo/qwen2vl-tiny-F16.gguf,
#         OUT/zoo-oracle/vision/<name>.<image>.{json,rgb},
#         OUT/zoo-oracle/vision/<name>.mtmd-cli.txt, OUT/zoo-oracle/vision/images/*.png
source "$(dirname "$0")/lib.sh"
here=$(cd "$(dirname "$0")" && pwd)
bin_dir=$(dirname "$ZOO_HYBRID_GEN")
mmproj_gen=${INFERNO_MMPROJ_FIXTUREGEN:-$bin_dir/mmproj_fixturegen}
image_gen=${INFERNO_IMAGE_FIXTUREGEN:-$bin_dir/image_fixturegen}
for t in "$mmproj_gen" "$image_gen"; do
  [[ -x $t ]] || { echo "zoo: $t is missing (cmake --build --preset release --target $(basename "$t"))"; exit 1; }
done
peer=$(cd "$ZOO_TOOLS/../.." && pwd)
dir=$ZOO_OUT/zoo-oracle/vision
mkdir -p "$dir/images"

oracle=$dir/vision_oracle
g++ -O2 -std=c++17 -march=native -I"$peer/include" -I"$peer/ggml/include" -I"$peer/tools/mtmd" \
  "$here/vision_oracle.cc" "$peer/build/tools/mtmd/libmtmd.a" "$peer/build/vendor/hash/libvendor-hash.a" \
  "$peer/build/src/libllama.a" "$peer/build/ggml/src/libggml.a" "$peer/build/ggml/src/libggml-cpu.a" \
  "$peer/build/ggml/src/libggml-base.a" -fopenmp -lpthread -ldl -lm -o "$oracle" ||
  { echo "zoo: building vision_oracle failed"; exit 1; }

cp "$ZOO_FIXTURES/media/photo-1.jpeg" "$dir/images/photo-1.jpeg"
"$image_gen" 1 1000 "$dir/images/odd-1x1000.png"
"$image_gen" 333 77 "$dir/images/odd-333x77.png"

# name LM PROMPT MMPROJ_FIXTUREGEN_ARGS...: the mmproj, then the oracles on every image.
vision_pair() {
  local name=$1 lm=$2 prompt=$3
  shift 3
  "$mmproj_gen" --out "$ZOO_OUT/zoo/mmproj-$name.gguf" "$@" > /dev/null ||
    { echo "zoo: mmproj_fixturegen failed for $name"; return 1; }
  for img in "$dir"/images/*; do
    local stem
    stem=$(basename "${img%.*}")
    "$oracle" "$lm" "$ZOO_OUT/zoo/mmproj-$name.gguf" "$img" "$prompt" 16 \
      "$dir/$name.$stem.json" "$dir/$name.$stem.rgb" > "$dir/$name.$stem.log" 2>&1 ||
      { tail -5 "$dir/$name.$stem.log"; echo "zoo: vision_oracle failed: $name $stem"; return 1; }
    rm -f "$dir/$name.$stem.log"
  done
  "$ZOO_TOOLS/../bin/llama-mtmd-cli" -m "$lm" --mmproj "$ZOO_OUT/zoo/mmproj-$name.gguf" \
    --image "$dir/images/photo-1.jpeg" -p "Describe this image." -n 16 --temp 0 -t 2 \
    --chat-template chatml --no-warmup > "$dir/$name.mtmd-cli.txt" 2> /dev/null ||
    { echo "zoo: llama-mtmd-cli failed: $name"; return 1; }
}

# Gemma 3: SigLIP 64x64 in 8x8 patches (an 8x8 grid), 2x2 pooling: 16 tokens of 256.
vision_pair gemma3-tiny "$ZOO_FIXTURES/models/gemma3-tiny-Q8_0.gguf" \
  "<start_of_turn>user
<__media__>Describe this image.<end_of_turn>
<start_of_turn>model
" --projector gemma3 --seed 20 --n-embd-out 256
# LLaVA: CLIP 64x64 in 8x8 patches with a CLS token, quick-GELU, MLP projector: 64 tokens.
vision_pair llava-tiny "$ZOO_FIXTURES/models/llama-tiny-F16.gguf" \
  "USER: <__media__>
Describe this image. ASSISTANT:" --projector mlp --seed 21 --n-embd-out 256

# Qwen-VL: 14 px patches merged 2x2 (images at about their own size in multiples of 28 px:
# photo-1 is 23 x 17 tokens), width 64, 4 heads; the language model 256 wide with M-RoPE
# sections 8, 12, 12, 0 of its 32 rotated pairs (Qwen's 16, 24, 24 of 64, halved).
qwen_lm=$ZOO_OUT/zoo/qwen2vl-tiny-F16.gguf
tmp=$(mktemp -d)
"$ZOO_TOOLS/fixturegen" --arch qwen2 --vocab "$BPE" --out "$tmp/qwen2.gguf" --n-embd 256 \
  --n-layer 2 --n-head 4 --n-head-kv 2 --n-ff 512 --ctx 4096 --seed 22 --type f16 > /dev/null ||
  { echo "zoo: fixturegen failed for qwen2vl-tiny"; exit 1; }
/usr/bin/python3 "$here/gguf_set_keys.py" "$tmp/qwen2.gguf" "$qwen_lm" --arch qwen2vl \
  qwen2vl.rope.dimension_sections=i32s:8,12,12,0
rm -rf "$tmp"
qwen_prompt="<|im_start|>user
<__media__>Describe this image.<|im_end|>
<|im_start|>assistant
"
qwen_shape=(--patch-size 14 --image-size 112 --n-embd 64 --n-ff 160 --n-head 4 --mlp-hidden 256
  --n-embd-out 256)
# Qwen2.5-VL: RMS norms, SwiGLU, window attention (112 px windows) but on layers 1 and 3.
vision_pair qwen25vl-tiny "$qwen_lm" "$qwen_prompt" --projector qwen2.5vl_merger --seed 23 \
  --n-layer 4 --wa-pattern 2 "${qwen_shape[@]}"
# Qwen2-VL: LayerNorms, quick-GELU, full attention everywhere.
vision_pair qwen2vl-tiny "$qwen_lm" "$qwen_prompt" --projector qwen2vl_merger --seed 24 \
  --n-layer 3 "${qwen_shape[@]}"
