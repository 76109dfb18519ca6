#!/usr/bin/python3
"""Trains the demo model's SentencePiece tokenizer (BPE with byte fallback, ChatML markers
as single tokens). Deterministic: fixed sample of the corpus, one thread."""
import argparse
import os

import sentencepiece as spm


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--corpus", required=True, help="train.txt")
    ap.add_argument("--out", required=True, help="output prefix, e.g. build/demo-model/tokenizer")
    ap.add_argument("--vocab", type=int, default=2000)
    ap.add_argument("--megabytes", type=float, default=20, help="corpus sample to train on")
    args = ap.parse_args()
    sample = args.out + ".sample.txt"
    limit = int(args.megabytes * 1e6)
    with open(args.corpus) as src, open(sample, "w") as dst:
        written = 0
        for line in src:
            if written > limit:
                break
            line = line.replace("<|im_start|>", "").replace("<|im_end|>", "").rstrip("\n")
            if line:
                dst.write(line + "\n")
                written += len(line) + 1
    spm.SentencePieceTrainer.train(
        input=sample, model_prefix=args.out, model_type="bpe", vocab_size=args.vocab,
        character_coverage=1.0, byte_fallback=True, split_digits=True,
        # No normalisation and no dummy prefix: the text is tokenized exactly as llama.cpp-
        # style SentencePiece tokenizers (ours) do at inference, so training and inference
        # see the same ids (newlines become byte tokens rather than being folded away).
        normalization_rule_name="identity", add_dummy_prefix=False,
        remove_extra_whitespaces=False,
        user_defined_symbols=["<|im_start|>", "<|im_end|>"],
        unk_id=0, bos_id=1, eos_id=2, pad_id=-1, num_threads=1, seed_sentencepiece_size=1000000,
        input_sentence_size=0, shuffle_input_sentence=False, minloglevel=2)
    os.remove(sample)


if __name__ == "__main__":
    main()
