#!/usr/bin/env python3
"""llama.cpp's token ids for a list of texts, the oracle of the tokenizer parity tests: runs the
peer's test-tokenizer-0 on each text (written to a file of its own; special tokens not added,
not parsed) and writes {"vocab": ..., "texts": [...], "tokens": [[...], ...]}.

usage: tokenizer_oracle.py TEST_TOKENIZER_0 VOCAB.gguf TEXTS.json OUT.json
TEXTS.json: {"tokenize": [texts]}
"""
import json
import os
import subprocess
import sys
import tempfile


def tokenize(tool, vocab, text, tmp):
    path = os.path.join(tmp, "text.txt")
    with open(path, "wb") as f:
        f.write(text.encode("utf-8"))
    subprocess.run([tool, vocab, path], check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    with open(path + ".tokcpp", encoding="utf-8") as f:
        return [int(line) for line in f if line.strip()]


def main():
    tool, vocab, texts_path, out = sys.argv[1:5]
    texts = json.load(open(texts_path, encoding="utf-8"))["tokenize"]
    with tempfile.TemporaryDirectory() as tmp:
        tokens = [tokenize(tool, vocab, t, tmp) for t in texts]
    json.dump({"vocab": os.path.basename(vocab), "texts": texts, "tokens": tokens},
              open(out, "w", encoding="utf-8"), ensure_ascii=False)


if __name__ == "__main__":
    main()
