#!/usr/bin/python3
"""Writes a train.py checkpoint as a whisper.cpp model file (the legacy ggml format its
models/convert-pt-to-ggml.py writes and whisper.cpp's loader and Inferno's read):
  magic 'ggml'; hparams n_vocab n_audio_ctx n_audio_state n_audio_head n_audio_layer n_text_ctx
  n_text_state n_text_head n_text_layer n_mels ftype (1: F16); the template's mel filterbank
  and vocabulary, verbatim; then every tensor: n_dims, name length, type (0 F32, 1 F16), the
  dimensions fastest first, the name, the data. Matrices and convolution kernels are F16;
  norms, biases (the convolutions' as [n, 1]) and both position embeddings F32, as the
  converter writes them. The token embedding gets Whisper's 51865 rows: the trained ones at
  their ids, every other one 0 but for -BIAS in the held bias channel (model.py)."""
import argparse
import struct

import numpy as np
import torch

import tokens as T
from model import Whisper

BIAS = 30.0


def tensor(f, name, a, f16):
    a = np.ascontiguousarray(a, dtype=np.float16 if f16 else np.float32)
    nb = name.encode()
    f.write(struct.pack("<3i", a.ndim, len(nb), 1 if f16 else 0))
    f.write(struct.pack(f"<{a.ndim}i", *reversed(a.shape)))
    f.write(nb)
    f.write(a.tobytes())


def template_sections(path):
    """The bytes of the template's mel filters and vocabulary (after the 48-byte header)."""
    b = open(path, "rb").read()
    n_mel, n_fft = struct.unpack_from("<2i", b, 48)
    o = 56 + 4 * n_mel * n_fft
    n_tokens = struct.unpack_from("<i", b, o)[0]
    o += 4
    for _ in range(n_tokens):
        o += 4 + struct.unpack_from("<i", b, o)[0]
    return b[48:o]


def full_embedding(trained, ids, n_vocab, channel):
    """[n_vocab, n_state]: the trained rows at their Whisper ids; the others -BIAS in channel."""
    emb = np.zeros((n_vocab, trained.shape[1]), np.float32)
    emb[:, channel] = -BIAS
    emb[np.asarray(ids)] = trained
    return emb


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--ckpt", required=True)
    ap.add_argument("--template", required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    ck = torch.load(args.ckpt)
    c = ck["config"]
    sd = {k: v.float().numpy() for k, v in ck["model"].items()}
    sd["decoder.token_embedding.weight"] = full_embedding(
        sd["decoder.token_embedding.weight"], ck["ids"], T.N_VOCAB, Whisper.BIAS_CHANNEL)
    hp = [0x67676D6C, T.N_VOCAB, c["n_audio_ctx"], c["n_state"], c["n_head"], c["n_audio_layer"],
          c["n_text_ctx"], c["n_state"], c["n_head"], c["n_text_layer"], c["n_mels"], 1]
    with open(args.out, "wb") as f:
        f.write(struct.pack("<12i", *hp))
        f.write(template_sections(args.template))
        for name, a in sd.items():
            if name.endswith("conv1.bias") or name.endswith("conv2.bias"):
                a = a.reshape(-1, 1)
                tensor(f, name, a, False)
            else:
                tensor(f, name, a, a.ndim >= 2 and "positional_embedding" not in name)
    print(f"{args.out}: {len(sd)} tensors, n_audio_ctx {c['n_audio_ctx']}, state {c['n_state']}")


if __name__ == "__main__":
    main()
