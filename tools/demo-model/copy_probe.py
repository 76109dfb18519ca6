#!/usr/bin/python3
"""Measures how well a checkpoint copies digits from its context: for held-out probes (numbers
from their own seed; calculator operands from tool_corpus's held-out pairs and wordings), the
model reads a prefix and is teacher-forced through a span that repeats digits seen earlier.
Per kind, over the span's digit tokens: the mean probability of the right digit and how often
it is the top token; per probe, whether every token of the span is the top token (exact).

  repeat  "Say 583 + 27 * 9." -> "583 + 27 * 9" (the drill format of copy_corpus)
  call    tools offered, a held-out calculator question -> the call's expression
  answer  the whole round trip -> the answer "The answer is 610." copies the tool's result
  novel   "Numbers: 381 27 9045. Numbers again: 381 27 9045" (a format in no corpus)

Chance is about 0.1 per digit. A checkpoint is a folder that train.py wrote at the end, or a
running training's resume.pt (its work folder's, with --tokenizer and --heads), so a long run
can be probed while it trains.

usage: copy_probe.py CKPT [CKPT...] [--tokenizer TOK.model --heads N] [--out FILE]"""
import argparse
import json
import os
import random

import sentencepiece as spm
import torch

import tool_corpus as tc
from model import Config, Llama, load_checkpoint


def probes(seed, n):
    rng = random.Random(seed)
    out = {"repeat": [], "call": [], "answer": [], "novel": []}
    for _ in range(n):
        e = tc.long_expression(rng)
        out["repeat"].append((tc.render([{"role": "user", "content": "Say " + e + "."}],
                                        add_generation_prompt=True), e))
        q, expr, _, r = tc.arithmetic(rng, heldout=True)
        asked = tc.render([{"role": "user", "content": q}], tc.TOOLS, add_generation_prompt=True)
        out["call"].append((asked + '<tool_call>\n{"name": "calculator", "arguments": '
                                    '{"expression": "', expr))
        done = tc.render([{"role": "user", "content": q},
                          tc.call("calculator", {"expression": expr}),
                          {"role": "tool", "content": str(r)}], tc.TOOLS,
                         add_generation_prompt=True)
        out["answer"].append((done + "The answer is ", str(r)))
        nums = " ".join(str(tc.number(rng, 9999)) for _ in range(rng.randint(2, 4)))
        out["novel"].append(("Numbers: " + nums + ". Numbers again: ", nums))
    return out


def score(model, sp, prefix, target):
    """(per digit token of target: (p(right), right is top)) and whether the span is exact;
    None when the tokens of prefix + target do not split at the boundary."""
    head = [sp.bos_id()] + sp.encode(prefix)
    ids = [sp.bos_id()] + sp.encode(prefix + target)
    if ids[:len(head)] != head:
        return None
    with torch.no_grad():
        probs = torch.softmax(model(torch.tensor([ids[:-1]]))[0], dim=-1)
    digits, exact = [], True
    for pos in range(len(head), len(ids)):
        p = probs[pos - 1]
        top = int(p.argmax()) == ids[pos]
        exact = exact and top
        if sp.id_to_piece(ids[pos]).isdigit():
            digits.append((float(p[ids[pos]]), top))
    return digits, exact


def load_resume(path, heads):
    """The model of train.py's resume.pt; its shape is read from the tensors."""
    state = torch.load(path)
    weights = state["model"]
    vocab, dim = weights["embed_tokens.weight"].shape
    cfg = Config(vocab_size=vocab, hidden_size=dim,
                 intermediate_size=weights["layers.0.mlp.gate_proj.weight"].shape[0],
                 num_hidden_layers=len({k.split(".")[1] for k in weights
                                        if k.startswith("layers.")}),
                 num_attention_heads=heads, num_key_value_heads=heads)
    model = Llama(cfg)
    model.load_state_dict(weights)
    model.eval()
    return model, state["step"]


def measure(ckpt, seed, n, tokenizer=None, heads=8):
    if ckpt.endswith(".pt"):
        model, step = load_resume(ckpt, heads)
    else:
        model, step = load_checkpoint(ckpt), None
        tokenizer = os.path.join(ckpt, "tokenizer.model")
    sp = spm.SentencePieceProcessor(model_file=tokenizer)
    report = {"step": step} if step is not None else {}
    for kind, items in probes(seed, n).items():
        digits, exact, skipped = [], 0, 0
        for prefix, target in items:
            s = score(model, sp, prefix, target)
            if s is None:
                skipped += 1
                continue
            digits += s[0]
            exact += s[1]
        report[kind] = {"p_digit": round(sum(p for p, _ in digits) / len(digits), 3),
                        "top1_digit": round(sum(t for _, t in digits) / len(digits), 3),
                        "exact": f"{exact}/{len(items) - skipped}", "skipped": skipped}
    return report


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("ckpts", nargs="+")
    ap.add_argument("--seed", type=int, default=4321)
    ap.add_argument("-n", type=int, default=40, help="probes per kind")
    ap.add_argument("--out", help="also write the report here (JSON)")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--tokenizer", help="tokenizer.model, for a resume.pt")
    ap.add_argument("--heads", type=int, default=8, help="attention heads, for a resume.pt")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    report = {c: measure(c, args.seed, args.n, args.tokenizer, args.heads) for c in args.ckpts}
    text = json.dumps(report, indent=1)
    print(text)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text + "\n")


if __name__ == "__main__":
    main()
