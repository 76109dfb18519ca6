#!/usr/bin/python3
"""The speech model's corpus: sentences of the demo model's corpus (tools/demo-model/
make_corpus.py: its stories cut into sentences, and its facts' answers) spoken by espeak-ng over
many voices (a base English voice with one of its variants), speeds and pitches, resampled to
16 kHz by sox. Deterministic for a seed. Noise is added later (train.py on the fly, evaluate.py
with its own seed), so the stored audio is clean.

Voices and sentences are split: HELDOUT_VARIANTS are never used in training, and one distinct
sentence in 20 (by a hash of its text) is held out. The evaluation set is every combination of
{seen, held-out} voices with held-out sentences.

Writes in --out: train.pcm / eval.pcm (int16 samples end to end) with train.jsonl / eval.jsonl
(one utterance a line: offset, samples, text, voice, speed, pitch, onset and end of speech in
seconds)."""
import argparse
import hashlib
import json
import os
import random
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "demo-model"))
import make_corpus as mc  # noqa: E402

BASES = ["en-us", "en-gb", "en-gb-x-rp", "en-gb-scotland", "en-gb-x-gbclan", "en-gb-x-gbcwmd",
         "en-029"]
TRAIN_VARIANTS = ["m1", "m2", "m3", "m4", "m5", "m7", "m8", "f1", "f2", "f3", "f5", "klatt",
                  "klatt2", "klatt4", "klatt5", "klatt6", "adam", "Alex", "Annie", "aunty",
                  "benjamin", "david", "ed", "edward", "Gene", "Jacky", "john", "linda", "max",
                  "Michael", "paul", "quincy", "rob", "robert", "steph", "travis", "victor",
                  "zac", "anika", "shelby", "norbert", "belinda"]
HELDOUT_VARIANTS = ["m6", "f4", "klatt3", "Andy", "caleb"]
RATE = 16000
MAX_SECONDS = 5.7  # the window is 6 s (n_audio_ctx 300); room for a shifted start


def heldout_sentence(text):
    return hashlib.sha256(text.encode()).digest()[0] % 20 == 0


def sentences(seed, n_stories):
    """Distinct sentences: story sentences (quotes kept only when balanced) and fact answers
    (spelling answers left out: espeak-ng reads the hyphens' letters one by one)."""
    rng = random.Random(seed)
    out = set()
    for f in mc.fact_items():
        if f.kind != "spell":
            out.add(f.reply)
    for _ in range(n_stories):
        for s in re.split(r'(?<=[.!?]) (?=[A-Z])', mc.story(rng)):
            if s.count('"') % 2 == 0 and 2 <= len(s.split()) <= 18:
                out.add(s)
    return sorted(out)


def synthesize(text, voice, speed, pitch):
    """16 kHz int16 samples of espeak-ng speaking text (its 22.05 kHz output through sox)."""
    esp = subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-p", str(pitch),
                          "--stdout", text], capture_output=True, check=True)
    raw = subprocess.run(["sox", "-R", "-D", "-t", "wav", "-", "-r", str(RATE), "-t", "raw",
                          "-e", "signed", "-b", "16", "-"], input=esp.stdout,
                         capture_output=True, check=True)
    return np.frombuffer(raw.stdout, np.int16)


def speech_bounds(x):
    """(onset, end) in seconds: the first and last 10 ms frame above 2% of the peak."""
    n = len(x) // 160
    e = np.abs(x[:n * 160].astype(np.float32)).reshape(n, 160).max(axis=1)
    on = np.nonzero(e > 0.02 * max(e.max(), 1.0))[0]
    if len(on) == 0:
        return 0.0, 0.0
    return on[0] * 0.01, (on[-1] + 1) * 0.01


def plan(rng, texts, variants, n):
    """n utterances: (text, voice, speed, pitch)."""
    return [(rng.choice(texts), rng.choice(BASES) + "+" + rng.choice(variants),
             rng.randint(120, 220), rng.randint(20, 80)) for _ in range(n)]


def write_split(out, name, items, jobs):
    kept = 0
    with open(os.path.join(out, name + ".pcm"), "wb") as pcm, \
            open(os.path.join(out, name + ".jsonl"), "w") as index, \
            ThreadPoolExecutor(jobs) as pool:
        offset = 0
        for (text, voice, speed, pitch), x in zip(items, pool.map(lambda u: synthesize(*u),
                                                                   items)):
            if len(x) > MAX_SECONDS * RATE:
                continue  # too long for the window at this speed
            onset, end = speech_bounds(x)
            pcm.write(x.tobytes())
            index.write(json.dumps({"offset": offset, "samples": len(x), "text": text,
                                    "voice": voice, "speed": speed, "pitch": pitch,
                                    "onset": onset, "end": end}) + "\n")
            offset += len(x)
            kept += 1
    return kept


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--stories", type=int, default=20000)
    ap.add_argument("--train", type=int, default=30000, help="training utterances")
    ap.add_argument("--eval-per-voice", type=int, default=40,
                    help="held-out sentences per voice in the evaluation set")
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    texts = sentences(args.seed, args.stories)
    train_texts = [t for t in texts if not heldout_sentence(t)]
    eval_texts = [t for t in texts if heldout_sentence(t)]
    rng = random.Random(args.seed + 1)
    n_train = write_split(args.out, "train", plan(rng, train_texts, TRAIN_VARIANTS, args.train),
                          args.jobs)
    # Evaluation voices: every held-out variant and as many seen ones, each on one base voice.
    erng = random.Random(args.seed + 2)
    voices = [erng.choice(BASES) + "+" + v for v in
              HELDOUT_VARIANTS + erng.sample(TRAIN_VARIANTS, len(HELDOUT_VARIANTS))]
    items = [(erng.choice(eval_texts), v, erng.randint(120, 220), erng.randint(20, 80))
             for v in voices for _ in range(args.eval_per_voice)]
    n_eval = write_split(args.out, "eval", items, args.jobs)
    print(json.dumps({"sentences": len(texts), "train_sentences": len(train_texts),
                      "eval_sentences": len(eval_texts), "train": n_train, "eval": n_eval,
                      "eval_voices": voices}))


if __name__ == "__main__":
    main()
