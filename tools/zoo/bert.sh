#!/usr/bin/env bash
# BERT sentence encoders (bge / MiniLM style): bidirectional attention, learned positions, token
# types, post-LayerNorm, GELU, WordPiece. Our generator writes the random weights and a WordPiece
# vocabulary made from the demo corpus templates (wordpiece_vocab.py); llama.cpp's quantizer makes
# the Q8_0 variant; llama.cpp loading the files is the check of their names, shapes and keys.
# Oracles: llama.cpp's token ids of tools/zoo/bert_inputs.json (test-tokenizer-0,
# tokenizer_oracle.py) and llama-server's embeddings (embed_oracle.py) with mean and CLS pooling.
source "$(dirname "$0")/lib.sh"
here=$(cd "$(dirname "$0")" && pwd)
bin=$ZOO_TOOLS/../bin
server=${INFERNO_LLAMA_SERVER:-$bin/llama-server}
vocab=$ZOO_OUT/zoo/bert-wordpiece-vocab.txt
python3 "$here/wordpiece_vocab.py" "$vocab"
[[ -x $ZOO_HYBRID_GEN ]] || { echo "zoo: $ZOO_HYBRID_GEN is missing"; exit 1; }

# bert_model STEM TYPE POOLING: the file's pooling_type is POOLING.
bert_model() {
  local stem=$1 type=$2 pooling=$3 tmp
  tmp=$(mktemp -d)
  "$ZOO_HYBRID_GEN" --arch bert --vocab "$vocab" --seed 7 --n-embd 128 --n-layer 3 --n-head 4 \
    --n-ff 512 --ctx 512 --pooling "$pooling" --out "$tmp/f16.gguf" > "$tmp/gen.log" 2>&1 ||
    { cat "$tmp/gen.log"; echo "zoo: generator failed for $stem"; return 1; }
  if [[ $type == F16 ]]; then
    mv "$tmp/f16.gguf" "$ZOO_OUT/zoo/$stem.gguf"
  else
    "$ZOO_TOOLS/quantize" "$tmp/f16.gguf" "$ZOO_OUT/zoo/$stem.gguf" "$type" > "$tmp/q.log" 2>&1 ||
      { tail -5 "$tmp/q.log"; echo "zoo: quantize $type failed for $stem"; return 1; }
  fi
  rm -rf "$tmp"
}

# bert_embeddings STEM POOLING -> zoo-oracle/embeddings/STEM.POOLING.json, which
# tests/embeddings_parity_test.cc compares; POOLING "model" leaves the file's pooling_type.
bert_embeddings() {
  local args=()
  [[ $2 != model ]] && args=(--pooling "$2")
  mkdir -p "$ZOO_OUT/zoo-oracle/embeddings"
  /usr/bin/python3 "$here/embed_oracle.py" "$server" "$ZOO_OUT/zoo/$1.gguf" \
    "$ZOO_OUT/zoo-oracle/embeddings/$1.$2.json" "${args[@]}" ||
    { echo "zoo: embedding oracle failed: $1 $2"; return 1; }
}

bert_model bert-tiny-F16 F16 mean
bert_model bert-tiny-cls-F16 F16 cls
bert_model bert-tiny-Q8_0 Q8_0 mean
mkdir -p "$ZOO_OUT/zoo-oracle/wordpiece"
/usr/bin/python3 "$here/tokenizer_oracle.py" "$bin/test-tokenizer-0" "$ZOO_OUT/zoo/bert-tiny-F16.gguf" \
  "$here/bert_inputs.json" "$ZOO_OUT/zoo-oracle/wordpiece/bert-tiny-F16.json"
bert_embeddings bert-tiny-F16 mean
bert_embeddings bert-tiny-F16 cls
bert_embeddings bert-tiny-cls-F16 model
bert_embeddings bert-tiny-Q8_0 mean
