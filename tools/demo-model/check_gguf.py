#!/usr/bin/python3
"""Checks the converted GGUF through the `inferno` binary, i.e. the way users run it:
greedy answers to every held-out fact question (`inferno run --chat --temp 0`), graded like
evaluate.py and tests/demo_model_test.cc (the reply's last word is the answer), plus the
model card's sample generations. Writes a JSON report."""
import argparse
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from evaluate import grade  # noqa: E402

# (kind, prompt, chat, extra arguments). Greedy except the story, which is sampled with a
# fixed seed (greedy decoding of a small model tends to repeat a sentence).
SAMPLES = [
    ("story", "Once upon a time", False, ["--temp", "0.7", "--seed", "42", "-n", "120"]),
    ("story (chat)", "Write a story about a fox.", True, ["--temp", "0", "-n", "150"]),
    ("Q&A", "Which colour is the grass?", True, ["--temp", "0", "-n", "32"]),
    ("Q&A", "How many legs does a spider have?", True, ["--temp", "0", "-n", "32"]),
    ("arithmetic", "What is 7 plus 5?", True, ["--temp", "0", "-n", "32"]),
]


def run(inferno, gguf, prompt, chat, extra):
    cmd = [inferno, "run", "-m", gguf, "-p", prompt, "-t", "2"] + (["--chat"] if chat else []) \
        + extra
    r = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return r.stdout.strip()


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--inferno", required=True)
    ap.add_argument("--gguf", required=True)
    ap.add_argument("--facts", required=True, help="heldout_facts.jsonl")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    with open(args.facts) as f:
        facts = [json.loads(line) for line in f]
    by, wrong = {}, []
    for q in facts:
        reply = run(args.inferno, args.gguf, q["question"], True,
                    ["--temp", "0", "--seed", "1", "-n", "32"])
        ok = grade(reply, q["reply"])
        c = by.setdefault(f"{q['kind']}/{q['heldout']}", [0, 0])
        c[0] += ok
        c[1] += 1
        if not ok:
            wrong.append({"question": q["question"], "expected": q["reply"], "got": reply})
    correct = sum(c[0] for c in by.values())
    samples = [{"kind": k, "prompt": p, "chat": chat,
                "command": "inferno run -m GGUF -p '" + p + "'" + (" --chat" if chat else "") +
                           " " + " ".join(extra),
                "output": run(args.inferno, args.gguf, p, chat, extra)}
               for k, p, chat, extra in SAMPLES]
    out = {"gguf": os.path.basename(args.gguf),
           "heldout_fact_accuracy": round(correct / len(facts), 4),
           "heldout_fact_correct": correct, "heldout_fact_questions": len(facts),
           "by_kind": {k: {"correct": c[0], "total": c[1]} for k, c in sorted(by.items())},
           "samples": samples, "wrong": wrong}
    with open(args.out, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    print(json.dumps({k: out[k] for k in ("heldout_fact_accuracy", "heldout_fact_correct",
                                          "heldout_fact_questions", "by_kind")}, indent=1))


if __name__ == "__main__":
    main()
