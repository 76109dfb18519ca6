#!/usr/bin/env bash
# Embeddings: llama.cpp's llama-server (--embedding) on loopback embeds a few inputs with each
# fixture model and pooling; tests/embeddings_parity_test.cc compares ours (cosine per input).
# The decoder embedder is qwen3 with pooling_type 3 (last) and add_eos_token, as
# Qwen3-Embedding's GGUF files declare: fixturegen's qwen3 plus a key edit (gguf_set_keys.py).
# Output: OUT/zoo-oracle/embeddings/<stem>.<pooling>.json
source "$(dirname "$0")/lib.sh"
here=$(cd "$(dirname "$0")" && pwd)
server=${INFERNO_LLAMA_SERVER:-$ZOO_TOOLS/../bin/llama-server}
dir=$ZOO_OUT/zoo-oracle/embeddings
mkdir -p "$dir"

tmp=$(mktemp -d)
"$ZOO_TOOLS/fixturegen" --arch qwen3 --vocab "$BPE" --seed 33 --head-dim 128 \
  --out "$tmp/f16.gguf" > "$tmp/gen.log" 2>&1 || { cat "$tmp/gen.log"; exit 1; }
/usr/bin/python3 "$here/gguf_set_keys.py" "$tmp/f16.gguf" "$tmp/embed.gguf" \
  qwen3.pooling_type=u32:3 tokenizer.ggml.add_eos_token=bool:true
"$ZOO_TOOLS/quantize" "$tmp/embed.gguf" "$ZOO_OUT/zoo/qwen3-embed-tiny-Q8_0.gguf" Q8_0 \
  > "$tmp/q.log" 2>&1 || { tail -5 "$tmp/q.log"; exit 1; }
rm -rf "$tmp"

# embed_oracle MODEL STEM POOLING: POOLING "model" leaves the file's pooling_type in force.
embed_oracle() {
  local model=$1 stem=$2 pooling=$3 args=()
  [[ $pooling != model ]] && args=(--pooling "$pooling")
  /usr/bin/python3 "$here/embed_oracle.py" "$server" "$model" "$dir/$stem.$pooling.json" \
    "${args[@]}" || { echo "zoo: embedding oracle failed: $stem $pooling"; return 1; }
}
for pooling in mean cls last; do
  embed_oracle "$ZOO_FIXTURES/models/llama-tiny-F16.gguf" llama-tiny-F16 "$pooling"
done
embed_oracle "$ZOO_FIXTURES/models/llama-tiny-Q8_0.gguf" llama-tiny-Q8_0 mean
embed_oracle "$ZOO_OUT/zoo/qwen3-embed-tiny-Q8_0.gguf" qwen3-embed-tiny-Q8_0 model
embed_oracle "$ZOO_OUT/zoo/qwen3-embed-tiny-Q8_0.gguf" qwen3-embed-tiny-Q8_0 mean
