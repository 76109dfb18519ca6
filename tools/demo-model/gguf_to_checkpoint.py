#!/usr/bin/python3
"""Rebuilds a float32 train.py checkpoint (config.json, model.safetensors, tokenizer.model,
tokenizer_config.json) from the shipped demo GGUF, for a stage-2 fine-tune when the stage-1
checkpoint is not at hand. The weights are the Q8_0 values dequantised (each block of 32 is
an fp16 scale times 32 int8), i.e. stage 1 after a Q8_0 round trip, not stage 1 itself.

The GGUF carries the vocabulary but not the SentencePiece model file, so --tokenizer names
a tokenizer.model retrained by train_tokenizer.py; this script checks that its pieces and
scores equal the GGUF's before using it.

A small GGUF reader of our own (the format: little-endian header, typed key/value metadata,
tensor infos, aligned tensor data); only the types the demo model uses are dequantised."""
import argparse
import json
import os
import struct
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

GGML_F32, GGML_F16, GGML_Q8_0 = 0, 1, 8
SCALARS = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?",
           10: "<Q", 11: "<q", 12: "<d"}
STRING, ARRAY = 8, 9


class Reader:
    def __init__(self, data):
        self.data, self.pos = data, 0

    def unpack(self, fmt):
        v = struct.unpack_from(fmt, self.data, self.pos)
        self.pos += struct.calcsize(fmt)
        return v[0]

    def string(self):
        n = self.unpack("<Q")
        s = self.data[self.pos:self.pos + n].decode("utf-8")
        self.pos += n
        return s

    def value(self, vtype):
        if vtype == STRING:
            return self.string()
        if vtype == ARRAY:
            etype, n = self.unpack("<I"), self.unpack("<Q")
            return [self.value(etype) for _ in range(n)]
        return self.unpack(SCALARS[vtype])


def read_gguf(path):
    """(metadata dict, {name: float32 ndarray in GGUF row-major shape [rows, cols]})."""
    with open(path, "rb") as f:
        data = f.read()
    r = Reader(data)
    if data[:4] != b"GGUF":
        raise ValueError(f"{path}: not a GGUF file")
    r.pos = 4
    version, n_tensors, n_kv = r.unpack("<I"), r.unpack("<Q"), r.unpack("<Q")
    if version not in (2, 3):
        raise ValueError(f"{path}: GGUF version {version} not supported")
    meta = {}
    for _ in range(n_kv):
        key = r.string()
        meta[key] = r.value(r.unpack("<I"))
    infos = []
    for _ in range(n_tensors):
        name = r.string()
        dims = [r.unpack("<Q") for _ in range(r.unpack("<I"))]
        infos.append((name, dims, r.unpack("<I"), r.unpack("<Q")))
    align = meta.get("general.alignment", 32)
    base = (r.pos + align - 1) // align * align
    tensors = {}
    for name, dims, ttype, offset in infos:
        count = int(np.prod(dims))
        start = base + offset
        if ttype == GGML_F32:
            v = np.frombuffer(data, "<f4", count, start)
        elif ttype == GGML_F16:
            v = np.frombuffer(data, "<f2", count, start).astype(np.float32)
        elif ttype == GGML_Q8_0:
            blocks = np.frombuffer(data, np.dtype([("d", "<f2"), ("q", "i1", 32)]), count // 32,
                                   start)
            v = (blocks["d"].astype(np.float32)[:, None] * blocks["q"].astype(np.float32))
        else:
            raise ValueError(f"{name}: GGML type {ttype} not supported here")
        tensors[name] = v.reshape(list(reversed(dims))).astype(np.float32)
    return meta, tensors


def unpermute_rope(w, n_head):
    """GGUF stores Q/K rows interleaved per head (pairs 2i, 2i+1); Hugging Face's
    rotate_half layout pairs i with i + head_dim/2. Inverse of the converter's permutation."""
    rows, cols = w.shape
    half = rows // n_head // 2
    return w.reshape(n_head, half, 2, cols).transpose(0, 2, 1, 3).reshape(rows, cols)


HF_NAMES = {"attn_q": "self_attn.q_proj", "attn_k": "self_attn.k_proj",
            "attn_v": "self_attn.v_proj", "attn_output": "self_attn.o_proj",
            "ffn_gate": "mlp.gate_proj", "ffn_up": "mlp.up_proj", "ffn_down": "mlp.down_proj",
            "attn_norm": "input_layernorm", "ffn_norm": "post_attention_layernorm"}


def hf_tensors(meta, tensors):
    n_head = meta["llama.attention.head_count"]
    n_kv = meta.get("llama.attention.head_count_kv", n_head)
    out = {"model.embed_tokens.weight": tensors["token_embd.weight"],
           "model.norm.weight": tensors["output_norm.weight"]}
    for name, t in tensors.items():
        parts = name.split(".")
        if parts[0] != "blk":
            continue
        if parts[2] == "attn_q":
            t = unpermute_rope(t, n_head)
        elif parts[2] == "attn_k":
            t = unpermute_rope(t, n_kv)
        out[f"model.layers.{parts[1]}.{HF_NAMES[parts[2]]}.weight"] = t
    return out


def tokenizer_mismatch(meta, sp):
    """None when sp has the GGUF's pieces and scores in its order, else what differs."""
    pieces = meta["tokenizer.ggml.tokens"]
    scores = meta["tokenizer.ggml.scores"]
    if len(pieces) != sp.get_piece_size():
        return f"{sp.get_piece_size()} pieces, GGUF has {len(pieces)}"
    for i, (p, s) in enumerate(zip(pieces, scores)):
        if sp.id_to_piece(i) != p or abs(sp.get_score(i) - s) > 1e-6:
            return f"id {i}: {sp.id_to_piece(i)!r} vs {p!r}"
    return None


def varint(n):
    out = bytearray()
    while True:
        out.append((n & 0x7F) | (0x80 if n > 0x7F else 0))
        n >>= 7
        if not n:
            return bytes(out)


def proto_fields(data):
    """Top-level (field number, raw bytes of the whole field) of a protobuf message."""
    r, out = Reader(data), []
    while r.pos < len(data):
        start = r.pos
        key = read_varint(r)
        wire = key & 7
        if wire == 0:
            read_varint(r)
        elif wire == 2:
            length = read_varint(r)  # before the +=, which would read r.pos first
            r.pos += length
        elif wire in (1, 5):
            r.pos += 8 if wire == 1 else 4
        else:
            raise SystemExit(f"tokenizer.model: unexpected wire type {wire}")
        out.append((key >> 3, data[start:r.pos]))
    return out


def read_varint(r):
    n, shift = 0, 0
    while True:
        b = r.data[r.pos]
        r.pos += 1
        n |= (b & 0x7F) << shift
        shift += 7
        if b < 0x80:
            return n


def piece_types(fields):
    """{piece: SentencePiece type} of a model's pieces (field 1: piece 1, score 2, type 3)."""
    out = {}
    for num, raw in fields:
        if num != 1:
            continue
        r = Reader(raw)
        read_varint(r)  # the key
        length = read_varint(r)
        sub = proto_fields(raw[r.pos:r.pos + length])
        piece, kind = None, 1  # NORMAL is the default
        for n, f in sub:
            fr = Reader(f)
            read_varint(fr)
            if n == 1:
                length = read_varint(fr)
                piece = f[fr.pos:fr.pos + length].decode("utf-8")
            elif n == 3:
                kind = read_varint(fr)
        out[piece] = kind
    return out


def rewrite_tokenizer(meta, path):
    """Rewrites the SentencePiece model at `path` with the GGUF's pieces and scores in the
    GGUF's order, keeping its piece types (the GGUF calls the ChatML markers control tokens,
    SentencePiece must keep them user-defined to match them in text) and its trainer and
    normaliser specs. Retraining on the same corpus with this machine's sentencepiece gives the
    same pieces in a slightly different order (near-tied merge frequencies), which would
    scramble the embedding rows; on a corpus changed since, other pieces."""
    with open(path, "rb") as f:
        fields = proto_fields(f.read())
    types = piece_types(fields)
    pieces = []
    for p, s, t in zip(meta["tokenizer.ggml.tokens"], meta["tokenizer.ggml.scores"],
                       meta["tokenizer.ggml.token_type"]):
        raw = p.encode("utf-8")
        # GGUF's token types number as SentencePiece's (1 normal, 2 unknown, 3 control,
        # 4 user-defined, 6 byte); a piece the retrained model lacks takes the GGUF's.
        body = b"\x0a" + varint(len(raw)) + raw + b"\x15" + struct.pack("<f", s) + \
            b"\x18" + varint(types.get(p, t))
        pieces.append(b"\x0a" + varint(len(body)) + body)
    with open(path, "wb") as f:
        f.write(b"".join(pieces + [raw for num, raw in fields if num != 1]))


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--gguf", required=True)
    ap.add_argument("--tokenizer", required=True, help="tokenizer.model (retrained)")
    ap.add_argument("--out", required=True, help="checkpoint dir to write")
    args = ap.parse_args()
    import sentencepiece as spm
    import torch

    from model import Config, Llama
    from train import write_checkpoint

    meta, tensors = read_gguf(args.gguf)
    if meta["general.architecture"] != "llama":
        raise SystemExit("only the llama architecture is read here")
    sp = spm.SentencePieceProcessor(model_file=args.tokenizer)
    mismatch = tokenizer_mismatch(meta, sp)
    if mismatch:
        # A BPE SentencePiece model is its pieces and their scores (the merge order): written
        # from the GGUF, with the retrained model's trainer and normaliser specs (the same
        # train_tokenizer.py settings), it tokenizes as the shipped model's own did. Needed
        # when the retrained pieces differ (a corpus changed since, e.g. its JSON punctuation).
        print(f"tokenizer: the retrained pieces differ from the GGUF's ({mismatch}); "
              f"rewriting {args.tokenizer} with the GGUF's pieces and scores")
        rewrite_tokenizer(meta, args.tokenizer)
        sp = spm.SentencePieceProcessor(model_file=args.tokenizer)
        mismatch = tokenizer_mismatch(meta, sp)
    if mismatch:
        raise SystemExit(f"tokenizer differs from the GGUF's: {mismatch}")
    hf = hf_tensors(meta, tensors)
    cfg = Config(vocab_size=len(meta["tokenizer.ggml.tokens"]),
                 hidden_size=meta["llama.embedding_length"],
                 intermediate_size=meta["llama.feed_forward_length"],
                 num_hidden_layers=meta["llama.block_count"],
                 num_attention_heads=meta["llama.attention.head_count"],
                 num_key_value_heads=meta.get("llama.attention.head_count_kv",
                                              meta["llama.attention.head_count"]),
                 max_position_embeddings=meta["llama.context_length"],
                 rms_norm_eps=meta["llama.attention.layer_norm_rms_epsilon"],
                 rope_theta=meta.get("llama.rope.freq_base", 10000.0))
    model = Llama(cfg)
    model.load_hf_state_dict({k: torch.from_numpy(v.copy()) for k, v in hf.items()})
    write_checkpoint(args.out, model, cfg, args.tokenizer, sp)
    with open(os.path.join(args.out, "source.json"), "w") as f:
        json.dump({"from_gguf": os.path.basename(args.gguf),
                   "note": "stage 1 after a Q8_0 round trip (dequantised GGUF weights)"}, f,
                  indent=2)
    print("wrote", args.out)


if __name__ == "__main__":
    main()
