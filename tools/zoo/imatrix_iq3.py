#!/usr/bin/env python3
"""Writes a uniform importance matrix for a GGUF model, in llama.cpp's legacy imatrix format.

llama-quantize refuses IQ3_XXS and IQ2_S (and the other sub-3-bit grid types) without an
importance matrix. The zoo only needs llama.cpp to produce files of those types, not good
quantizations, so every input column gets importance 1.0: llama.cpp's weighted search then
weighs all columns alike. Entries cover every weight matrix except the token embedding and
the output projection, which llama.cpp never asks an imatrix for.

Legacy format (llama.cpp common/imatrix-loader.cpp): int32 entry count; per entry int32 name
length, the name, int32 call count, int32 value count, that many float32; then int32 chunk
count and a length-prefixed dataset name.

usage: imatrix_iq3.py MODEL.gguf OUT.imatrix
"""
import struct
import sys

# GGUF metadata value types whose size is fixed: type id -> struct format.
SCALARS = {0: "B", 1: "b", 2: "H", 3: "h", 4: "I", 5: "i", 6: "f", 7: "?", 10: "Q", 11: "q", 12: "d"}
STRING, ARRAY = 8, 9


class Reader:
    def __init__(self, data):
        self.data, self.pos = data, 0

    def read(self, fmt):
        v = struct.unpack_from("<" + fmt, self.data, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return v[0]

    def string(self):
        n = self.read("Q")
        s = self.data[self.pos:self.pos + n].decode("utf-8")
        self.pos += n
        return s

    def skip_value(self, vtype):
        if vtype in SCALARS:
            self.read(SCALARS[vtype])
        elif vtype == STRING:
            self.string()
        elif vtype == ARRAY:
            etype, count = self.read("I"), self.read("Q")
            for _ in range(count):
                self.skip_value(etype)
        else:
            raise ValueError(f"unknown GGUF value type {vtype} at byte {self.pos}")


def weight_matrices(path):
    """(name, columns) of every tensor of two or more dimensions, in file order."""
    with open(path, "rb") as f:
        r = Reader(f.read())
    if r.read("I") != 0x46554747:
        raise ValueError(f"{path}: not a GGUF file")
    r.read("I")  # version
    n_tensors, n_kv = r.read("Q"), r.read("Q")
    for _ in range(n_kv):
        r.string()
        r.skip_value(r.read("I"))
    out = []
    for _ in range(n_tensors):
        name = r.string()
        dims = [r.read("Q") for _ in range(r.read("I"))]
        r.read("I")  # type
        r.read("Q")  # offset
        if len(dims) >= 2:
            out.append((name, dims[0]))
    return out


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: imatrix_iq3.py MODEL.gguf OUT.imatrix")
    skip = ("token_embd.weight", "output.weight")
    entries = [(n, c) for n, c in weight_matrices(sys.argv[1]) if n not in skip]
    with open(sys.argv[2], "wb") as out:
        out.write(struct.pack("<i", len(entries)))
        for name, cols in entries:
            raw = name.encode("utf-8")
            out.write(struct.pack("<i", len(raw)) + raw + struct.pack("<ii", 1, cols))
            out.write(struct.pack(f"<{cols}f", *([1.0] * cols)))
        dataset = b"uniform"
        out.write(struct.pack("<ii", 1, len(dataset)) + dataset)


if __name__ == "__main__":
    main()
