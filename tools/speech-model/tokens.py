"""Whisper's token ids for the speech model: text as whisper.cpp tokenizes a prompt (its word
pattern, then the longest vocabulary entries from the left, src/whisper.cpp tokenize), and the
special ids of a multilingual vocabulary (n_vocab 51865, as whisper_randgen's and ggml-tiny's)."""
import re

N_VOCAB = 51865
EOT, SOT, EN = 50257, 50258, 50259
TRANSCRIBE, PREV, NOT, BEG = 50359, 50361, 50363, 50364
TS_STEP = 0.02  # seconds per timestamp token

WORD = re.compile(r"'s|'t|'re|'ve|'m|'ll|'d| ?[A-Za-z]+| ?[0-9]+| ?[^\sA-Za-z0-9]+|\s+(?!\S)|\s+")


class Tokenizer:
    def __init__(self, vocab):
        """vocab: the model file's stored tokens (bytes), id = position; a later duplicate wins,
        as in whisper.cpp's token_to_id map."""
        self.vocab = vocab
        self.to_id = {}
        for i, t in enumerate(vocab):
            self.to_id[t] = i

    def encode(self, text):
        ids = []
        for word in WORD.findall(text):
            w = word.encode()
            i = 0
            while i < len(w):
                for j in range(len(w), i, -1):
                    if w[i:j] in self.to_id:
                        ids.append(self.to_id[w[i:j]])
                        i = j
                        break
                else:
                    raise ValueError("no token for %r in %r" % (w[i:], text))
        return ids

    def decode(self, ids):
        return b"".join(self.vocab[i] for i in ids if i < EOT).decode("utf-8", "replace")


def timestamp(seconds):
    return BEG + int(round(seconds / TS_STEP))
