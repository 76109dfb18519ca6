"""Generated pictures and their questions with exact answers, for the vision demo.

A scene is one of three kinds on a 64 x 64 canvas (pale background, anti-aliased shapes):
  single: one shape somewhere in a 3 x 3 grid ("There is a red circle at the top left."),
  count:  two to four shapes of one shape and colour ("There are three blue squares."),
  pair:   two different shapes side by side or one above the other
          ("A red circle is left of a blue square.").
Each scene carries questions with one exact answer each, "Describe this image." among them.

Held-out combinations: HELD_OUT colour/shape pairs never appear in a training picture (any
kind); the held-out test set (make_test) mixes pictures with and without them, all drawn from
a seed the training never uses. Everything is a pure function of the numpy Generator passed
in, so a training step's batch depends only on (seed, step).

No image library: shapes are rasterised with numpy at 4x and averaged down, PNGs written with
zlib (write_png)."""
import json
import os
import struct
import zlib

import numpy as np

SIZE = 64
SHAPES = ["circle", "square", "triangle", "diamond"]
COLOURS = {"red": (215, 35, 35), "green": (35, 150, 45), "blue": (35, 70, 215),
           "yellow": (230, 195, 20), "purple": (135, 45, 165), "black": (25, 25, 25)}
HELD_OUT = {("circle", "green"), ("square", "yellow"), ("triangle", "purple"),
            ("diamond", "red")}
NUMBERS = {1: "one", 2: "two", 3: "three", 4: "four"}
# 3 x 3 grid cells by (row, column); the middle row/column words stand alone.
PLACES = {(0, 0): "at the top left", (0, 1): "at the top", (0, 2): "at the top right",
          (1, 0): "on the left", (1, 1): "in the middle", (1, 2): "on the right",
          (2, 0): "at the bottom left", (2, 1): "at the bottom", (2, 2): "at the bottom right"}
PLURAL = {s: s + "s" for s in SHAPES}
DESCRIBE = "Describe this image."
SS = 4  # supersampling


def article(word):
    return "an" if word[0] in "aeiou" else "a"


def shape_mask(shape, cx, cy, r):
    """Coverage in [0, 1] of a shape centred at (cx, cy) (pixels) with radius r."""
    n = SIZE * SS
    ys, xs = np.mgrid[0:n, 0:n].astype(np.float32)
    x = (xs + 0.5) / SS - cx
    y = (ys + 0.5) / SS - cy
    if shape == "circle":
        m = x * x + y * y <= r * r
    elif shape == "square":
        m = (np.abs(x) <= 0.85 * r) & (np.abs(y) <= 0.85 * r)
    elif shape == "diamond":
        m = np.abs(x) + np.abs(y) <= 1.15 * r
    else:  # triangle, apex up
        top, bottom = -r, 0.8 * r
        m = (y >= top) & (y <= bottom) & (np.abs(x) <= (y - top) / (bottom - top) * r)
    return m.reshape(SIZE, SS, SIZE, SS).mean(axis=(1, 3))


def render(objects, rng, coverage=None):
    """RGB uint8 [SIZE, SIZE, 3] of (shape, colour, cx, cy, r) objects on a pale background;
    a colour is a COLOURS name or an RGB triple (free_colour). With a list as coverage, each
    object's visible coverage [SIZE, SIZE] is appended to it."""
    bg = 255 - rng.integers(0, 30, 3)
    img = np.ones((SIZE, SIZE, 3), np.float32) * bg
    for shape, colour, cx, cy, r in objects:
        if isinstance(colour, str):
            rgb = np.clip(np.array(COLOURS[colour]) + rng.integers(-18, 19, 3), 0, 255)
        else:
            rgb = np.asarray(colour, np.float32)
        a = shape_mask(shape, cx, cy, r)
        if coverage is not None:
            coverage[:] = [c * (1 - a) for c in coverage] + [a]
        img = img * (1 - a[..., None]) + rgb * a[..., None]
    return np.clip(np.rint(img), 0, 255).astype(np.uint8)


# A free colour this close (RGB distance) to a held-out pair's colour never goes on that shape.
HOLE_RADIUS = 90.0


def free_colour(rng, shape):
    """An RGB colour drawn independently of the shape (any hue, saturation and value dark
    enough to stand out on the pale background), except near the colour of a HELD_OUT pair
    with this shape: the vision tower's pretraining (train.py) sees every shape in every
    colour but those, so it learns shape apart from colour without seeing a held-out pair."""
    holes = [np.array(COLOURS[c], np.float32) for s, c in HELD_OUT if s == shape]
    while True:
        h, s, v = rng.uniform(0, 6), rng.uniform(0.0, 1.0), rng.uniform(0.05, 0.85)
        k = np.array([5, 3, 1], np.float32)
        rgb = 255 * v * (1 - s * np.clip(np.minimum((k + h) % 6, 4 - (k + h) % 6), 0, 1))
        if all(np.linalg.norm(rgb - c) > HOLE_RADIUS for c in holes):
            return rgb


def free_scene(rng, coverage):
    """A training picture for the tower alone: one to four shapes of free colours and sizes
    anywhere (no questions). coverage receives [objects, coverages] as in scene()."""
    n = int(rng.integers(1, 5))
    objs = []
    for p in scatter(rng, n, (5, 9)):
        shape = SHAPES[rng.integers(len(SHAPES))]
        objs.append((shape, free_colour(rng, shape), p[0], p[1], p[2]))
    cov = []
    img = render(objs, rng, cov)
    coverage[:] = [objs, cov]
    return img


def patch_labels(objects, coverage, patch, min_cover=0.2):
    """Per patch (row-major, (SIZE / patch)^2): the index + 1 in SHAPES and in COLOURS of the
    object covering most of it (colour -1 for a free colour), 0 where no object covers
    min_cover of the patch; and 1 where an object's centre lies in the patch (so counting is
    counting centres). The vision
    tower's auxiliary targets in train.py: they say where each shape is, densely."""
    g = SIZE // patch
    shapes, colours = np.zeros(g * g, np.int64), np.zeros(g * g, np.int64)
    centres = np.zeros(g * g, np.int64)
    if not objects:
        return shapes, colours, centres
    cov = np.stack([c.reshape(g, patch, g, patch).mean(axis=(1, 3)).reshape(-1) for c in coverage])
    best = cov.argmax(axis=0)
    hit = cov.max(axis=0) >= min_cover
    names = list(COLOURS)
    for i, (shape, colour, *_rest) in enumerate(objects):
        sel = hit & (best == i)
        shapes[sel] = SHAPES.index(shape) + 1
        colours[sel] = names.index(colour) + 1 if isinstance(colour, str) else -1
        # Objects stand at least 12 pixels apart (scatter, pair): one centre per patch at most.
        cx, cy = (int(min(max(v, 0), SIZE - 1)) // patch for v in _rest[:2])
        centres[cy * g + cx] = 1
    return shapes, colours, centres


def pick_pair(rng, allowed):
    while True:
        s, c = SHAPES[rng.integers(len(SHAPES))], list(COLOURS)[rng.integers(len(COLOURS))]
        if allowed(s, c):
            return s, c


def single(rng, allowed):
    shape, colour = pick_pair(rng, allowed)
    row, col = int(rng.integers(3)), int(rng.integers(3))
    cell = SIZE / 3
    r = float(rng.uniform(6, 8.5))
    cx = cell * (col + 0.5) + rng.uniform(-2, 2)
    cy = cell * (row + 0.5) + rng.uniform(-2, 2)
    place = PLACES[(row, col)]
    desc = f"There is {article(colour)} {colour} {shape} {place}."
    other = SHAPES[(SHAPES.index(shape) + 1 + int(rng.integers(3))) % 4]
    qa = [(DESCRIBE, desc),
          (f"What colour is the {shape}?", f"The {shape} is {colour}."),
          ("What shape is in the picture?", f"It is {article(colour)} {colour} {shape}."),
          (f"Where is the {shape}?", f"The {shape} is {place}."),
          (f"How many {PLURAL[shape]} are there?", f"There is one {shape}."),
          (f"Is there {article(other)} {other}?", f"No, there is no {other}."),
          (f"Is there {article(shape)} {shape}?", f"Yes, there is {article(colour)} {colour} {shape}.")]
    return [(shape, colour, cx, cy, r)], qa


def scatter(rng, n, r_range):
    """n centres at least 2r apart, away from the edges."""
    while True:
        pts = []
        for _ in range(200):
            r = float(rng.uniform(*r_range))
            c = rng.uniform(r + 1, SIZE - r - 1, 2)
            if all(np.hypot(*(c - p[:2])) > r + p[2] + 2 for p in pts):
                pts.append(np.array([c[0], c[1], r]))
                if len(pts) == n:
                    return pts


def count(rng, allowed):
    shape, colour = pick_pair(rng, allowed)
    n = int(rng.integers(2, 5))
    objs = [(shape, colour, p[0], p[1], p[2]) for p in scatter(rng, n, (5, 7))]
    word = NUMBERS[n]
    other = SHAPES[(SHAPES.index(shape) + 1 + int(rng.integers(3))) % 4]
    qa = [(DESCRIBE, f"There are {word} {colour} {PLURAL[shape]}."),
          (f"How many {PLURAL[shape]} are there?", f"There are {word} {PLURAL[shape]}."),
          (f"What colour are the {PLURAL[shape]}?", f"The {PLURAL[shape]} are {colour}."),
          ("How many shapes are there?", f"There are {word} shapes."),
          (f"Is there {article(other)} {other}?", f"No, there is no {other}.")]
    return objs, qa


def pair(rng, allowed):
    a_shape, a_colour = pick_pair(rng, allowed)
    while True:
        b_shape, b_colour = pick_pair(rng, allowed)
        if b_shape != a_shape:
            break
    horizontal = bool(rng.integers(2))
    r1, r2 = rng.uniform(6, 8.5, 2)
    along = rng.uniform(-3, 3, 2)
    lane = SIZE / 2 + rng.uniform(-14, 14)
    first, second = SIZE * 0.27 + along[0], SIZE * 0.73 + along[1]
    if horizontal:  # a left of b
        objs = [(a_shape, a_colour, first, lane, r1), (b_shape, b_colour, second, lane, r2)]
        rel, inv = "left of", "right of"
    else:  # a above b
        objs = [(a_shape, a_colour, lane, first, r1), (b_shape, b_colour, lane, second, r2)]
        rel, inv = "above", "below"
    a = f"{article(a_colour)} {a_colour} {a_shape}"
    b = f"{article(b_colour)} {b_colour} {b_shape}"
    desc = f"{a[0].upper()}{a[1:]} is {rel} {b}."
    qa = [(DESCRIBE, desc),
          (f"What colour is the {a_shape}?", f"The {a_shape} is {a_colour}."),
          (f"What colour is the {b_shape}?", f"The {b_shape} is {b_colour}."),
          (f"Where is the {a_shape}?", f"The {a_shape} is {rel} the {b_shape}."),
          (f"Where is the {b_shape}?", f"The {b_shape} is {inv} the {a_shape}."),
          ("How many shapes are there?", "There are two shapes.")]
    return objs, qa


KINDS = {"single": single, "count": count, "pair": pair}


def scene(rng, held_out=False, coverage=None, kind=None):
    """(image uint8 [64, 64, 3], kind, [(question, answer)], uses_held_out_pair). Training
    scenes (held_out=False) never contain a HELD_OUT pair; held_out=True scenes contain at
    least one. With a list as coverage, it receives the objects and their coverages:
    [objects, [coverage per object]] (for patch_labels). kind: one of KINDS, else drawn."""
    if kind is None:
        kind = list(KINDS)[rng.integers(len(KINDS))]
    if held_out:
        def allowed(s, c):
            return True
        while True:
            objs, qa = KINDS[kind](rng, allowed)
            if any((o[0], o[1]) in HELD_OUT for o in objs):
                break
    else:
        objs, qa = KINDS[kind](rng, lambda s, c: (s, c) not in HELD_OUT)
    if coverage is None:
        return render(objs, rng), kind, qa, held_out
    cov = []
    img = render(objs, rng, cov)
    coverage[:] = [objs, cov]
    return img, kind, qa, held_out


def write_png(path, img):
    """An 8-bit RGB PNG (filter 0 on every row)."""
    h, w, _ = img.shape
    raw = b"".join(b"\x00" + img[y].tobytes() for y in range(h))

    def chunk(tag, data):
        return (struct.pack(">I", len(data)) + tag + data +
                struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF))
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
                + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def make_test(out_dir, n, seed):
    """n held-out pictures (PNG) and test.jsonl: one row per (image, question, answer). Half
    of the pictures contain a held-out colour/shape pair; the seed is never a training seed
    (training draws from Generator([seed, step]) sequences, this from Generator([seed, -1]))."""
    os.makedirs(out_dir, exist_ok=True)
    rng = np.random.default_rng([seed, 2**31 - 1])
    rows = []
    for i in range(n):
        img, kind, qa, held = scene(rng, held_out=(i % 2 == 1))
        name = f"scene-{i:04d}.png"
        write_png(os.path.join(out_dir, name), img)
        for q, a in qa:
            rows.append({"image": name, "kind": kind, "held_out_pair": held, "question": q,
                         "answer": a})
    with open(os.path.join(out_dir, "test.jsonl"), "w") as f:
        for r in rows:
            f.write(json.dumps(r) + "\n")
    return rows


if __name__ == "__main__":
    import argparse
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", required=True)
    ap.add_argument("--n", type=int, default=8)
    ap.add_argument("--seed", type=int, default=1234)
    a = ap.parse_args()
    rows = make_test(a.out, a.n, a.seed)
    print(f"{a.n} pictures, {len(rows)} questions in {a.out}")
