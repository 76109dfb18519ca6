#!/usr/bin/env python3
"""Writes a small WordPiece vocabulary (Hugging Face vocab.txt format, one piece a line) for the
bert fixture of the zoo (tools/zoo/bert.sh): BERT's special tokens, every lowercase letter,
digit and ASCII punctuation character as a word start and as a "##" continuation, common
suffixes, a few CJK ideographs, and the most frequent words of the demo corpus templates
(tools/demo-model/make_corpus.py), whole. Deterministic: the same source gives the same file.

usage: wordpiece_vocab.py OUT.txt [N_WORDS]
"""
import collections
import os
import re
import string
import sys

SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
SUFFIXES = ["ing", "ed", "er", "est", "ly", "s", "es", "tion", "ness", "ment", "able", "al"]
CJK = ["中", "文", "字", "人", "大", "日", "本"]


def corpus_words():
    here = os.path.dirname(os.path.abspath(__file__))
    src = open(os.path.join(here, "..", "demo-model", "make_corpus.py"), encoding="utf-8").read()
    # Only the text of string literals: the templates, not the Python around them.
    literals = re.findall(r'"([^"\\\n]*)"', src)
    counts = collections.Counter()
    for lit in literals:
        counts.update(w.lower() for w in re.findall(r"[A-Za-z]{2,}", lit))
    return [w for w, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]


def main():
    out = sys.argv[1]
    n_words = int(sys.argv[2]) if len(sys.argv) > 2 else 400
    pieces = list(SPECIALS)
    singles = list(string.ascii_lowercase) + list(string.digits)
    pieces += singles + list(string.punctuation)
    pieces += ["##" + c for c in singles]
    pieces += ["##" + s for s in SUFFIXES if len(s) > 1] + CJK
    seen = set(pieces)
    assert len(seen) == len(pieces), "duplicate pieces"  # llama.cpp refuses duplicates
    for w in corpus_words():
        if len(pieces) >= len(SPECIALS) + n_words + 120:
            break
        if w not in seen:
            pieces.append(w)
            seen.add(w)
    with open(out, "w", encoding="utf-8") as f:
        f.write("\n".join(pieces) + "\n")


if __name__ == "__main__":
    main()
