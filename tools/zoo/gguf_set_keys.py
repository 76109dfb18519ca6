#!/usr/bin/env python3
"""Sets metadata keys of a GGUF file (replacing or adding them), keeping every tensor byte.

usage: gguf_set_keys.py IN.gguf OUT.gguf [--arch NEW] KEY=TYPE:VALUE...
       TYPE: u32 | i32 | bool | f32 | str | i32s (comma-separated, an array of i32)

The zoo uses it to turn a fixturegen model into an embedding model (`<arch>.pooling_type`,
`tokenizer.ggml.add_eos_token`), since fixturegen writes no pooling key, and a qwen2 model into
a qwen2vl one (--arch renames general.architecture and every `<old arch>.` key, the same
tensors; `qwen2vl.rope.dimension_sections=i32s:...` adds what M-RoPE needs). llama.cpp then
loads the edited file for the oracles, which checks what this wrote.
"""
import struct
import sys

# GGUF value types (the spec's gguf_type numbering).
SIZES = {0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8}
STRING, ARRAY = 8, 9
NEW_TYPES = {"u32": (4, "<I", int), "i32": (5, "<i", int), "f32": (6, "<f", float),
             "bool": (7, "<?", lambda s: s.lower() in ("1", "true"))}


class Reader:
    def __init__(self, data):
        self.data, self.pos = data, 0

    def take(self, fmt):
        v = struct.unpack_from(fmt, self.data, self.pos)
        self.pos += struct.calcsize(fmt)
        return v[0]

    def string(self):
        n = self.take("<Q")
        s = self.data[self.pos:self.pos + n]
        self.pos += n
        return s.decode()

    def skip_value(self, t):
        if t == STRING:
            self.string()
        elif t == ARRAY:
            et, n = self.take("<I"), self.take("<Q")
            for _ in range(n):
                self.skip_value(et)
        else:
            self.pos += SIZES[t]


def encode_string(s):
    b = s.encode()
    return struct.pack("<Q", len(b)) + b


def encode_kv(key, spec):
    kind, value = spec.split(":", 1)
    if kind == "str":
        return encode_string(key) + struct.pack("<I", STRING) + encode_string(value)
    if kind == "i32s":
        items = [int(v) for v in value.split(",")]
        return (encode_string(key) + struct.pack("<IIQ", ARRAY, 5, len(items)) +
                b"".join(struct.pack("<i", v) for v in items))
    t, fmt, conv = NEW_TYPES[kind]
    return encode_string(key) + struct.pack("<I", t) + struct.pack(fmt, conv(value))


def main():
    args = sys.argv[3:]
    new_arch = None
    if args[:1] == ["--arch"]:
        new_arch, args = args[1], args[2:]
    src, dst, edits = sys.argv[1], sys.argv[2], dict(a.split("=", 1) for a in args)
    data = open(src, "rb").read()
    r = Reader(data)
    magic, version, n_tensors, n_kv = r.take("<4s"), r.take("<I"), r.take("<Q"), r.take("<Q")
    assert magic == b"GGUF" and version == 3, "expects a GGUF v3 file"
    entries, alignment, old_arch = [], 32, None
    for _ in range(n_kv):  # (key, its type and value as stored)
        key, t = r.string(), r.take("<I")
        value_pos = r.pos
        r.skip_value(t)
        entries.append((key, data[value_pos - 4:r.pos]))
        if key == "general.alignment":
            alignment = struct.unpack_from("<I", data, value_pos)[0]
        if key == "general.architecture":
            old_arch = Reader(data[value_pos:r.pos]).string()
    if new_arch:
        edits["general.architecture"] = "str:" + new_arch
    kvs = []
    for key, typed_value in entries:
        if key in edits:
            continue
        if new_arch and key.startswith(old_arch + "."):
            key = new_arch + key[len(old_arch):]
        kvs.append(encode_string(key) + typed_value)
    kvs += [encode_kv(k, v) for k, v in edits.items()]
    infos_start = r.pos
    for _ in range(n_tensors):
        r.string()
        n_dims = r.take("<I")
        r.pos += 8 * n_dims + 4 + 8
    infos = data[infos_start:r.pos]
    data_start = (r.pos + alignment - 1) // alignment * alignment
    head = struct.pack("<4sIQQ", magic, version, n_tensors, len(kvs)) + b"".join(kvs) + infos
    head += b"\0" * ((-len(head)) % alignment)
    with open(dst, "wb") as f:
        f.write(head)
        f.write(data[data_start:])


if __name__ == "__main__":
    main()
