#!/usr/bin/python3
"""Word error rate of the exported model on corpus.py's evaluation set (held-out sentences, by
held-out and seen voices), through `inferno transcribe` in three decodings (DECODINGS), and
whisper.cpp's whisper-cli, when given, on the same files: greedy decoding without fallback on
both, flash attention off in whisper.cpp (the path Inferno mirrors), and the two transcripts
compared token by token: the same, or the same up to a near-tie (see agreement), or not.

The bar's figures (wer_held_out_voices, wer_seen_voices) are those of greedy decoding with
temperature fallback, Whisper's own transcription strategy (openai-whisper's transcribe()
default): a window whose text repeats itself (compression ratio) or is improbable is decoded
again at a higher temperature. Greedy without fallback and beam search 5 with fallback
(whisper-cli's and `inferno transcribe`'s defaults) are reported beside it.

Each clip gets its own noise (white, 15-30 dB SNR), gain and up to 0.15 s of leading silence from
--seed and its index, and is written as a 16 kHz float WAV, so both programs read the same
samples. Words are compared lowercased, without punctuation."""
import argparse
import json
import os
import re
import struct
import subprocess
import time

import numpy as np

from corpus import HELDOUT_VARIANTS


def write_wav(path, x):
    """A mono 16 kHz IEEE-float WAV."""
    data = np.asarray(x, np.float32).tobytes()
    with open(path, "wb") as f:
        f.write(b"RIFF" + struct.pack("<I", 36 + len(data)) + b"WAVE")
        f.write(b"fmt " + struct.pack("<IHHIIHH", 16, 3, 1, 16000, 64000, 4, 32))
        f.write(b"data" + struct.pack("<I", len(data)) + data)


def noisy(x, rng):
    x = np.concatenate([np.zeros(int(rng.uniform(0, 0.15) * 16000), np.float32), x])
    x = x * rng.uniform(0.5, 1.0)
    p = np.mean(x ** 2) + 1e-9
    return x + rng.normal(0, np.sqrt(p / 10 ** (rng.uniform(15, 30) / 10)), len(x))


def words(text):
    return re.sub(r"[^a-z0-9' ]", " ", text.lower().replace("-", " ")).split()


def edit_distance(a, b):
    d = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        prev, d[0] = d[0], i
        for j in range(1, len(b) + 1):
            prev, d[j] = d[j], min(d[j] + 1, d[j - 1] + 1, prev + (a[i - 1] != b[j - 1]))
    return d[len(b)]


# name -> `inferno transcribe` arguments; the first is whisper.cpp's parity run.
DECODINGS = {"greedy": ["--beam-size", "1", "--no-fallback"],
             "greedy_fallback": ["--beam-size", "1"],
             "beam5_fallback": []}
BAR_DECODING = "greedy_fallback"


def run_inferno(inferno, model, files, threads, decoding_args):
    out = subprocess.run([inferno, "transcribe", "-m", model, "-t", str(threads)] +
                         decoding_args + ["--json"] + files,
                         capture_output=True, text=True, check=True).stdout
    res = {}
    for line in out.splitlines():
        o = json.loads(line)
        toks = [t for s in o["segments"] for t in s["tokens"]]
        res[o["file"] if "file" in o else files[0]] = (o["text"], [t["id"] for t in toks], toks)
    return res


def agreement(ours, theirs):
    """"same", "near-tie" (the first differing token was within 10% of our runner-up's
    probability: where the two programs' rounding may choose differently) or "differ"."""
    _, ids, toks = ours
    i = 0
    while i < len(ids) and i < len(theirs) and ids[i] == theirs[i]:
        i += 1
    if i == len(ids) == len(theirs):
        return "same"
    if i < len(toks) and len(toks[i]["top"]) >= 2:
        top = toks[i]["top"]
        if top[1]["p"] > 0.9 * top[0]["p"]:
            return "near-tie"
    return "differ"


def run_whisper_cli(cli, model, files, threads):
    args = [cli, "-m", model, "-t", str(threads), "-bs", "1", "-nf", "-nfa", "-np", "-ojf"]
    for f in files:
        args += ["-f", f]
    subprocess.run(args, capture_output=True, check=True)
    res = {}
    for f in files:
        with open(f + ".json") as j:
            segs = json.load(j)["transcription"]
        res[f] = ("".join(s["text"] for s in segs), [t["id"] for s in segs for t in s["tokens"]])
    return res


def score(clips, items, name):
    """WER per voice and by held-out / seen voices of one decoding's transcripts."""
    per_voice = {}
    for clip, it in zip(clips, items):
        v = per_voice.setdefault(it["voice"], {"errors": 0, "words": 0, "clips": 0})
        v["errors"] += clip[name + "_errors"]
        v["words"] += len(words(it["text"]))
        v["clips"] += 1
    for voice, v in per_voice.items():
        v["wer"] = v["errors"] / max(1, v["words"])
        v["held_out"] = voice.split("+")[1] in HELDOUT_VARIANTS

    def wer(pred):
        vs = [v for v in per_voice.values() if pred(v)]
        return sum(v["errors"] for v in vs) / max(1, sum(v["words"] for v in vs))
    return {"wer": wer(lambda v: True), "wer_held_out_voices": wer(lambda v: v["held_out"]),
            "wer_seen_voices": wer(lambda v: not v["held_out"]), "per_voice": per_voice}


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--model", required=True)
    ap.add_argument("--inferno", required=True)
    ap.add_argument("--whisper-cli", default="")
    ap.add_argument("--work", required=True)
    ap.add_argument("--report", required=True)
    ap.add_argument("--seed", type=int, default=99)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--limit", type=int, default=0, help="only the first N clips (a smoke test)")
    args = ap.parse_args()
    os.makedirs(args.work, exist_ok=True)
    pcm = np.memmap(os.path.join(args.corpus, "eval.pcm"), np.int16, "r")
    items = [json.loads(line) for line in open(os.path.join(args.corpus, "eval.jsonl"))]
    # Clips that fit the model's window (n_audio_ctx, the header's second field) with its shift.
    with open(args.model, "rb") as f:
        n_audio_ctx = struct.unpack("<3i", f.read(12))[2]
    items = [it for it in items if it["samples"] / 16000 <= 2 * n_audio_ctx * 0.01 - 0.3]
    if args.limit:
        items = items[:args.limit]
    files = []
    for i, it in enumerate(items):
        x = pcm[it["offset"]:it["offset"] + it["samples"]].astype(np.float32) / 32768.0
        files.append(os.path.join(args.work, "eval-%04d.wav" % i))
        write_wav(files[-1], noisy(x, np.random.default_rng([args.seed, i])))
    runs, seconds = {}, {}
    for name, dargs in DECODINGS.items():
        t = time.time()
        runs[name] = run_inferno(args.inferno, args.model, files, args.threads, dargs)
        seconds[name] = round(time.time() - t, 2)
    ours = runs["greedy"]
    theirs = None
    if args.whisper_cli:
        t = time.time()
        theirs = run_whisper_cli(args.whisper_cli, args.model, files, args.threads)
        t_theirs = time.time() - t
    agree = {"same": 0, "near-tie": 0, "differ": 0}
    clips = []
    for f, it in zip(files, items):
        clip = {"file": os.path.basename(f), "voice": it["voice"], "reference": it["text"]}
        for name, run in runs.items():
            clip[name] = run[f][0]
            clip[name + "_errors"] = edit_distance(words(it["text"]), words(run[f][0]))
        if theirs is not None:
            clip["whisper_cpp"] = theirs[f][0]
            clip["agreement"] = agreement(ours[f], theirs[f][1])
            agree[clip["agreement"]] += 1
        clips.append(clip)
    decodings = {name: score(clips, items, name) for name in DECODINGS}
    bar = decodings[BAR_DECODING]
    report = {"clips": len(clips), "bar_decoding": BAR_DECODING, "wer": bar["wer"],
              "wer_held_out_voices": bar["wer_held_out_voices"],
              "wer_seen_voices": bar["wer_seen_voices"], "decodings": decodings,
              "inferno_seconds": seconds}
    if theirs is not None:
        report["whisper_cpp_tokens"] = agree
        report["whisper_cpp_seconds"] = round(t_theirs, 2)
    report["worst"] = sorted(clips, key=lambda c: -max(c[n + "_errors"] for n in DECODINGS))[:5]
    report["samples"] = clips[:20]
    with open(args.report, "w") as f:
        json.dump(report, f, indent=1)
    names = list(DECODINGS)
    print("| voice | held out | clips | words | " + " | ".join(f"WER {n}" for n in names) + " |")
    print("|---|---|---|---|" + "---|" * len(names))
    per_voice = decodings[names[0]]["per_voice"]
    for voice, v in sorted(per_voice.items(), key=lambda kv: (not kv[1]["held_out"], kv[0])):
        wers = " | ".join(f"{100 * decodings[n]['per_voice'][voice]['wer']:.1f}%" for n in names)
        print(f"| {voice} | {'yes' if v['held_out'] else 'no'} | {v['clips']} | {v['words']} | "
              f"{wers} |")
    for n in names:
        d = decodings[n]
        print(f"{n}: held-out voices {100 * d['wer_held_out_voices']:.1f}%, seen voices "
              f"{100 * d['wer_seen_voices']:.1f}%, all {100 * d['wer']:.1f}%")
    print(json.dumps({k: report[k] for k in report if k not in ("decodings", "worst", "samples")}))


if __name__ == "__main__":
    main()
