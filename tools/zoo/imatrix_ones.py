#!/usr/bin/env python3
"""Writes an all-ones importance matrix for the matrices of a GGUF model.

llama-quantize refuses IQ2_XXS, IQ2_XS and IQ1_S (and IQ2_S, IQ3_XXS, IQ1_M) without an
importance matrix. The zoo's models have random weights, so there are no activation statistics
worth imitating: every input column gets importance 1, which leaves llama.cpp's quantizer
minimising the plain (unweighted) squared error, the same objective as without an imatrix. The
result is deterministic, so the zoo models are reproducible.

Format: llama.cpp's legacy imatrix file (common/imatrix-loader.cpp reads it when the file is not
a GGUF): int32 entry count; per entry int32 name length, the name, int32 ncall, int32 value
count, that many float32 (the loader divides them by ncall); then int32 chunk count, int32
length and the dataset name. Little-endian. One entry per 2-D (or 3-D) weight tensor, its value
count the row length ne[0] (times the expert count for 3-D tensors).

usage: imatrix_ones.py MODEL.gguf OUT.imatrix
"""
import struct
import sys

# Sizes of the fixed-size GGUF metadata value types, by type id.
SCALAR_SIZES = {0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8}
STRING, ARRAY = 8, 9


class Reader:
    def __init__(self, data):
        self.data = data
        self.pos = 0

    def unpack(self, fmt):
        values = struct.unpack_from("<" + fmt, self.data, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return values

    def string(self):
        (n,) = self.unpack("Q")
        s = self.data[self.pos:self.pos + n].decode("utf-8")
        self.pos += n
        return s

    def skip_value(self, vtype):
        if vtype == STRING:
            self.string()
        elif vtype == ARRAY:
            elem, count = self.unpack("IQ")
            if elem in SCALAR_SIZES:
                self.pos += SCALAR_SIZES[elem] * count
            else:
                for _ in range(count):
                    self.skip_value(elem)
        else:
            self.pos += SCALAR_SIZES[vtype]


def weight_tensors(path):
    """(name, ne) of every tensor with two or more dimensions, in file order."""
    r = Reader(open(path, "rb").read())
    magic, version, n_tensors, n_kv = r.unpack("4sIQQ")
    if magic != b"GGUF" or version < 2:
        sys.exit(f"{path}: not a GGUF v2+ file")
    for _ in range(n_kv):
        r.string()
        (vtype,) = r.unpack("I")
        r.skip_value(vtype)
    tensors = []
    for _ in range(n_tensors):
        name = r.string()
        (n_dims,) = r.unpack("I")
        ne = r.unpack("Q" * n_dims)
        r.unpack("IQ")  # type, offset
        if n_dims >= 2:
            tensors.append((name, ne))
    return tensors


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__.strip().splitlines()[-1])
    entries = weight_tensors(sys.argv[1])
    out = bytearray(struct.pack("<i", len(entries)))
    for name, ne in entries:
        n_values = ne[0] * (ne[2] if len(ne) > 2 else 1)
        encoded = name.encode("utf-8")
        out += struct.pack("<i", len(encoded)) + encoded
        out += struct.pack("<ii", 1, n_values)  # ncall 1: the values are used as written
        out += struct.pack(f"<{n_values}f", *([1.0] * n_values))
    dataset = b"all-ones"
    out += struct.pack("<ii", 1, len(dataset)) + dataset
    with open(sys.argv[2], "wb") as f:
        f.write(out)


if __name__ == "__main__":
    main()
