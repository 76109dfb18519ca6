#!/usr/bin/env python3
"""Packs the lattice codebooks of IQ2_XXS, IQ2_XS and IQ1_S into engine/tensor/iq2_grids.cc's form.

The codebooks are constants of the GGUF formats: every reader needs the same tables. ggml's
header lists each entry as a 64-bit word of eight byte values; only three distinct values occur
per table ({8, 25, 43} for the IQ2 grids, {-1, 0, 1} for IQ1_S), so each entry fits in 16 bits as
eight 2-bit level indices (element j in bits 2j..2j+1). This script reads the published tables
and prints those 16-bit words; engine/tensor/iq2_grids.cc expands them back at first use and
engine/tensor/iq2_test.cc checks the expansion.

usage: pack_iq_grids.py PATH/TO/ggml-common.h > grids.inc
"""
import re
import sys

# (ggml table name, our array name, the levels in index order, as unsigned bytes)
TABLES = [
    ("iq2xxs_grid", "kIQ2XXSPacked", [8, 25, 43]),
    ("iq2xs_grid", "kIQ2XSPacked", [8, 25, 43]),
    ("iq1s_grid", "kIQ1SPacked", [0xFF, 0x00, 0x01]),
]


def read_table(text, name):
    m = re.search(r"GGML_TABLE_BEGIN\(\w+, " + name + r", \w+\)(.*?)GGML_TABLE_END", text, re.S)
    if m is None:
        sys.exit(f"no table {name}")
    return [int(x, 16) for x in re.findall(r"0x[0-9a-fA-F]+", m.group(1))]


def pack(entry, levels):
    word = 0
    for j in range(8):
        byte = (entry >> (8 * j)) & 0xFF
        word |= levels.index(byte) << (2 * j)
    return word


def main():
    text = open(sys.argv[1]).read()
    for name, ours, levels in TABLES:
        words = [pack(e, levels) for e in read_table(text, name)]
        print(f"constexpr uint16_t {ours}[{len(words)}] = {{")
        for i in range(0, len(words), 12):
            print("    " + " ".join(f"0x{w:04x}," for w in words[i:i + 12]))
        print("};")


if __name__ == "__main__":
    main()
