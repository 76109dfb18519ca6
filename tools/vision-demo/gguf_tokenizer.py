#!/usr/bin/python3
"""Writes the SentencePiece model of a demo-LM GGUF (its pieces, scores and types, in its
order), so the vision demo takes any demo LM GGUF as its only input: the GGUF carries the
vocabulary, not the tokenizer.model that training needs.

The model's specs (BPE, byte fallback, identity normalisation, no dummy prefix, ...) come from
a throwaway tokenizer trained with tools/demo-model/train_tokenizer.py's settings on a few
lines of text; its pieces are replaced by the GGUF's. SentencePiece must see the ChatML
markers as user-defined pieces (matched in text), which the GGUF types as control tokens.
The result is checked against the GGUF with gguf_to_checkpoint.py's tokenizer_mismatch."""
import argparse
import os
import struct
import sys
import tempfile

import sentencepiece as spm

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "demo-model"))
from gguf_to_checkpoint import proto_fields, read_gguf, tokenizer_mismatch, varint  # noqa: E402

USER_DEFINED, CONTROL = 4, 3


def spec_fields():
    """The trainer and normaliser spec fields (protobuf fields 2 and 3) of a tokenizer trained
    with the demo's settings."""
    with tempfile.TemporaryDirectory() as tmp:
        text = os.path.join(tmp, "t.txt")
        with open(text, "w") as f:
            for i in range(200):
                f.write(f"Once upon a time there was a fox number {i}. What colour is it?\n")
        spm.SentencePieceTrainer.train(
            input=text, model_prefix=os.path.join(tmp, "t"), model_type="bpe", vocab_size=300,
            hard_vocab_limit=False, character_coverage=1.0, byte_fallback=True,
            split_digits=True, normalization_rule_name="identity", add_dummy_prefix=False,
            remove_extra_whitespaces=False, user_defined_symbols=["<|im_start|>", "<|im_end|>"],
            unk_id=0, bos_id=1, eos_id=2, pad_id=-1, num_threads=1, minloglevel=2)
        with open(os.path.join(tmp, "t.model"), "rb") as f:
            return [raw for num, raw in proto_fields(f.read()) if num != 1]


def write_tokenizer(meta, path):
    pieces = []
    for p, s, t in zip(meta["tokenizer.ggml.tokens"], meta["tokenizer.ggml.scores"],
                       meta["tokenizer.ggml.token_type"]):
        if t == CONTROL and p.startswith("<|"):
            t = USER_DEFINED
        raw = p.encode("utf-8")
        body = b"\x0a" + varint(len(raw)) + raw + b"\x15" + struct.pack("<f", s) + \
            b"\x18" + varint(t)
        pieces.append(b"\x0a" + varint(len(body)) + body)
    with open(path, "wb") as f:
        f.write(b"".join(pieces + spec_fields()))


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--gguf", required=True)
    ap.add_argument("--out", required=True, help="tokenizer.model to write")
    args = ap.parse_args()
    meta, _ = read_gguf(args.gguf)
    write_tokenizer(meta, args.out)
    mismatch = tokenizer_mismatch(meta, spm.SentencePieceProcessor(model_file=args.out))
    if mismatch:
        raise SystemExit(f"{args.out}: differs from the GGUF's vocabulary: {mismatch}")
    print("wrote", args.out)


if __name__ == "__main__":
    main()
