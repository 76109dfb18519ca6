#!/usr/bin/python3
"""Writes the vision tower of train.py (OUT/vision.pt) as an mmproj GGUF in llama.cpp's clip.*
layout, projector type "mlp" (LLaVA): the keys and tensor names its converter writes and
tools/fixturegen/mmproj_fixturegen.cc writes for the zoo's parity fixtures. Matrices F16,
vectors and position embeddings F32, as the converter stores them.

mtmd's LLaVA graph runs block_count - 1 layers (LLaVA reads CLIP's second-to-last layer) but
loads all of them, so the file says block_count = layers + 1 and carries one zero layer that
neither mtmd nor Inferno runs.

Shapes: a GGUF tensor's dimensions are ggml's ne (fastest first), i.e. a torch tensor's shape
reversed; torch's Linear weight [out, in] is ggml's {in, out}, Conv2d's [D, 3, P, P] is
{P, P, 3, D}: the bytes are torch's row-major order unchanged."""
import argparse
import struct

import numpy as np
import torch

ALIGN = 32
F32, F16 = 0, 1
T_U32, T_F32, T_BOOL, T_STRING, T_ARRAY = 4, 6, 7, 8, 9


def _str(s):
    b = s.encode()
    return struct.pack("<Q", len(b)) + b


def _kv(key, value):
    if isinstance(value, bool):
        return _str(key) + struct.pack("<I?", T_BOOL, value)
    if isinstance(value, int):
        return _str(key) + struct.pack("<II", T_U32, value)
    if isinstance(value, float):
        return _str(key) + struct.pack("<If", T_F32, value)
    if isinstance(value, str):
        return _str(key) + struct.pack("<I", T_STRING) + _str(value)
    if isinstance(value, list):  # of floats
        return _str(key) + struct.pack("<IIQ", T_ARRAY, T_F32, len(value)) + \
            struct.pack(f"<{len(value)}f", *value)
    raise TypeError(key)


def write_gguf(path, meta, tensors):
    """GGUF v3: meta {key: bool|int(u32)|float|str|[float]}, tensors [(name, ndarray)] with
    float32 arrays written F32 and float16 arrays F16."""
    infos, blobs, offset = [], [], 0
    for name, arr in tensors:
        arr = np.ascontiguousarray(arr)
        kind = F16 if arr.dtype == np.float16 else F32
        ne = list(reversed(arr.shape))
        infos.append(_str(name) + struct.pack("<I", len(ne)) +
                     struct.pack(f"<{len(ne)}Q", *ne) + struct.pack("<IQ", kind, offset))
        data = arr.astype("<f2" if kind == F16 else "<f4").tobytes()
        data += b"\0" * ((-len(data)) % ALIGN)
        blobs.append(data)
        offset += len(data)
    head = b"GGUF" + struct.pack("<IQQ", 3, len(tensors), len(meta))
    head += b"".join(_kv(k, v) for k, v in meta.items()) + b"".join(infos)
    head += b"\0" * ((-len(head)) % ALIGN)
    with open(path, "wb") as f:
        f.write(head)
        for b in blobs:
            f.write(b)


def mmproj_tensors(state, cfg):
    """[(GGUF name, array)] of a VisionTower state dict."""
    def m(key):  # matrix: F16
        return state[key].float().numpy().astype(np.float16)

    def v(key):  # vector: F32
        return state[key].float().numpy().astype(np.float32)
    out = [("v.patch_embd.weight", m("patch.weight")), ("v.patch_embd.bias", v("patch.bias")),
           ("v.position_embd.weight", v("pos")),
           ("v.pre_ln.weight", v("pre_ln.weight")), ("v.pre_ln.bias", v("pre_ln.bias")),
           ("v.post_ln.weight", v("post_ln.weight")), ("v.post_ln.bias", v("post_ln.bias")),
           ("mm.0.weight", m("mm0.weight")), ("mm.0.bias", v("mm0.bias")),
           ("mm.2.weight", m("mm2.weight")), ("mm.2.bias", v("mm2.bias"))]
    names = {"q": "attn_q", "k": "attn_k", "v": "attn_v", "o": "attn_out", "ln1": "ln1",
             "ln2": "ln2", "up": "ffn_up", "down": "ffn_down"}
    for i in range(cfg["layers"] + 1):
        for mod, gg in names.items():
            src = f"blocks.{i if i < cfg['layers'] else 0}.{mod}."
            for part in ("weight", "bias"):
                arr = (m if part == "weight" and not mod.startswith("ln") else v)(src + part)
                if i == cfg["layers"]:  # the layer LLaVA's graph skips
                    arr = np.zeros_like(arr)
                out.append((f"v.blk.{i}.{gg}.{part}", arr))
    return out


def mmproj_meta(cfg, name):
    return {"general.architecture": "clip", "general.name": name, "general.file_type": 1,
            "clip.has_vision_encoder": True, "clip.projector_type": "mlp",
            "clip.use_gelu": True,
            "clip.vision.image_size": cfg["image_size"],
            "clip.vision.patch_size": cfg["patch"],
            "clip.vision.embedding_length": cfg["d"],
            "clip.vision.feed_forward_length": cfg["ff"],
            "clip.vision.block_count": cfg["layers"] + 1,
            "clip.vision.attention.head_count": cfg["heads"],
            "clip.vision.attention.layer_norm_epsilon": 1e-6,
            "clip.vision.projection_dim": cfg["n_embd_out"],
            "clip.vision.image_mean": [0.5, 0.5, 0.5],
            "clip.vision.image_std": [0.5, 0.5, 0.5]}


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--vision", required=True, help="vision.pt written by train.py")
    ap.add_argument("--out", required=True, help="mmproj GGUF to write")
    ap.add_argument("--name", default="inferno-demo-vision")
    args = ap.parse_args()
    ck = torch.load(args.vision)
    tensors = mmproj_tensors(ck["state"], ck["cfg"])
    write_gguf(args.out, mmproj_meta(ck["cfg"], args.name), tensors)
    print(f"wrote {args.out}: {len(tensors)} tensors")


if __name__ == "__main__":
    main()
