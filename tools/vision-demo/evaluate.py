#!/usr/bin/python3
"""Grades the vision demo on held-out pictures (scenes.make_test): greedy answers, correct
when equal to the scene's answer sentence, exactly.

  --torch OUT      the PyTorch model train.py wrote (float32), on every row;
  --inferno BIN    `inferno run -m LM --mmproj P --image X --chat -p Q --temp 0` per row;
  --mtmd BIN       llama-mtmd-cli with the same files and arguments, the independent runner;
                   its answers are compared with inferno's row by row (the parity check).

Writes a JSON report: rates overall, by scene kind, for pictures with and without a held-out
colour/shape pair, for "Describe this image." and the short questions; the rows that differ."""
import argparse
import collections
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "demo-model"))
sys.path.insert(0, HERE)  # first: this train.py, not the demo model's
MAX_TOKENS = 40


def torch_answers(out_dir, test_dir, rows, threads):
    import numpy as np
    import sentencepiece as spm
    import torch

    import scenes  # noqa: F401
    from model import load_checkpoint
    from train import Prompts
    from vlm import VisionTower, lm_forward_embeds
    torch.set_num_threads(threads)
    lm = load_checkpoint(os.path.join(out_dir, "lm"))
    ck = torch.load(os.path.join(out_dir, "vision.pt"))
    c = ck["cfg"]
    vis = VisionTower(image_size=c["image_size"], patch=c["patch"], d=c["d"], heads=c["heads"],
                      ff=c["ff"], layers=c["layers"], mlp_hidden=c["mlp_hidden"],
                      n_embd_out=c["n_embd_out"])
    vis.load_state_dict(ck["state"])
    vis.eval()
    sp = spm.SentencePieceProcessor(model_file=os.path.join(out_dir, "lm", "tokenizer.model"))
    prompts = Prompts(sp)
    stop = {sp.eos_id(), sp.piece_to_id("<|im_end|>")}
    out, embeds = [], {}
    with torch.no_grad():
        for r in rows:
            if r["image"] not in embeds:
                img = read_png(os.path.join(test_dir, r["image"]))
                x = torch.from_numpy(img).permute(2, 0, 1)[None].float() / 255.0
                embeds[r["image"]] = vis(x)[0]
            prefix, suffix, _ = prompts.row(r["question"], "")
            emb = lm.embed_tokens
            x = torch.cat([emb(torch.tensor(prefix)), embeds[r["image"]],
                           emb(torch.tensor(suffix))])
            ids = []
            for _ in range(MAX_TOKENS):
                nxt = int(lm_forward_embeds(lm, x[None])[0, -1].argmax())
                if nxt in stop:
                    break
                ids.append(nxt)
                x = torch.cat([x, emb(torch.tensor([nxt]))])
            out.append(sp.decode(ids))
    return out


def read_png(path):
    """RGB uint8 of the PNGs scenes.write_png writes (8-bit RGB, filter 0)."""
    import struct
    import zlib

    import numpy as np
    with open(path, "rb") as f:
        data = f.read()
    pos, idat, w, h = 8, b"", 0, 0
    while pos < len(data):
        n, tag = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if tag == b"IHDR":
            w, h = struct.unpack(">II", body[:8])
        elif tag == b"IDAT":
            idat += body
        pos += 12 + n
    raw = np.frombuffer(zlib.decompress(idat), np.uint8).reshape(h, 1 + 3 * w)
    if raw[:, 0].any():
        raise ValueError(f"{path}: only filter 0 is read here")
    return raw[:, 1:].reshape(h, w, 3).copy()


def run_answers(cmd_for, rows, settle=False):
    """stdout of cmd_for(row) per row. settle: run until two runs print the same non-empty
    text (at most 6 runs) and keep that text (else the longest): llama-mtmd-cli prints its
    tokens through llama.cpp's asynchronous log and now and then exits before the last ones are
    written (seen here: "...purple diamond" for "...purple diamonds."), and on a loaded machine
    prints nothing at all, or a token twice ("leftft of of"), which a rerun does not repeat."""
    out = []
    for r in rows:
        seen = []
        while True:
            p = subprocess.run(cmd_for(r), capture_output=True, text=True)
            if p.returncode != 0:
                raise SystemExit(f"{' '.join(cmd_for(r))} failed:\n{p.stderr[-2000:]}")
            text = p.stdout.strip()
            agreed = text != "" and text in seen
            seen.append(text)
            if not settle or agreed or len(seen) == 6:
                break
        out.append(text if agreed or not settle else max(seen, key=len))
    return out


NEAR_TIE = 0.1  # logits: the parity rule, greedy tokens equal up to the first near-tie


def divergence_gap(args, row, other):
    """Where inferno's greedy answer to `row` parts from `other` (another runner's text): the
    logit gap between inferno's two most likely tokens at the first token whose text leaves
    `other`, from `inferno run --json --top-logits 2`. None when they do not part."""
    cmd = [args.inferno, "run", "-m", args.lm, "--mmproj", args.mmproj, "--image",
           os.path.join(args.test_dir, row["image"]), "-p", row["question"], "--chat", "-n",
           str(MAX_TOKENS), "--temp", "0", "-t", str(args.threads), "--json", "--top-logits", "2"]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    text = ""
    for line in out.splitlines():
        ev = json.loads(line)
        if ev.get("type") != "token":
            continue
        text += ev["text"]
        if not other.startswith(text.lstrip()):
            top = ev["top"]
            return top[0]["logit"] - top[1]["logit"] if len(top) > 1 else float("inf")
    return None


def check_prompt(args, row):
    """The prompt `inferno run --chat` builds for a row equals the one train.py trained on
    (its ids, the image's 64 positions after the user's turn opens): the first thing a wrong
    template or tokenizer would break. Returns a line for the report, raises on a mismatch."""
    import sentencepiece as spm
    from train import Prompts
    sp = spm.SentencePieceProcessor(model_file=os.path.join(args.torch, "lm", "tokenizer.model"))
    prefix, suffix, _ = Prompts(sp).row(row["question"], "")
    cmd = [args.inferno, "run", "-m", args.lm, "--mmproj", args.mmproj, "--image",
           os.path.join(args.test_dir, row["image"]), "-p", row["question"], "--chat", "-n", "1",
           "--temp", "0", "--json"]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    ev = next(json.loads(line) for line in out.splitlines() if '"type":"prompt"' in line)
    ids = [t["id"] if isinstance(t, dict) else t for t in ev["tokens"]]
    img = ev["images"][0]
    got = (ids[:img["first"]], img["tokens"], ids[img["first"] + img["tokens"]:])
    want = (prefix, 64, suffix)
    if got != want:
        raise SystemExit(f"inferno's prompt differs from training's: {got} vs {want}")
    return f"inferno's prompt = training's ({len(prefix)} + 64 image + {len(suffix)} tokens)"


def grade(rows, answers):
    """Rates by group; answers may cover only the first rows."""
    by = collections.defaultdict(lambda: [0, 0])
    for r, a in zip(rows, answers):
        ok = a == r["answer"]
        keys = ["all", "kind:" + r["kind"],
                "held-out pair" if r["held_out_pair"] else "seen pairs",
                "describe" if r["question"] == "Describe this image." else "short questions"]
        for k in keys:
            by[k][0] += ok
            by[k][1] += 1
    return {k: {"correct": c, "total": n, "rate": round(c / n, 4)} for k, (c, n) in
            sorted(by.items())}


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--test-dir", required=True, help="scenes.py output (test.jsonl, PNGs)")
    ap.add_argument("--report", required=True)
    ap.add_argument("--torch", help="train.py's output dir")
    ap.add_argument("--inferno")
    ap.add_argument("--mtmd", help="llama-mtmd-cli")
    ap.add_argument("--lm", help="language model GGUF (inferno, mtmd)")
    ap.add_argument("--mmproj", help="mmproj GGUF (inferno, mtmd)")
    ap.add_argument("--limit", type=int, default=0, help="first N rows only")
    ap.add_argument("--torch-limit", type=int, default=0,
                    help="PyTorch on the first N rows only (it decodes without a KV cache)")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--samples", help="write here the first two pictures of each kind (PNG) "
                    "and samples.jsonl: their questions, answers and inferno's replies")
    args = ap.parse_args()
    with open(os.path.join(args.test_dir, "test.jsonl")) as f:
        rows = [json.loads(line) for line in f]
    if args.limit:
        rows = rows[:args.limit]
    report = {"rows": len(rows)}
    answers = {}
    t = str(args.threads)

    def common(r):
        return ["-m", args.lm, "--mmproj", args.mmproj, "--image",
                os.path.join(args.test_dir, r["image"]), "-p", r["question"], "-n",
                str(MAX_TOKENS), "--temp", "0", "-t", t]
    runners = []
    if args.torch:
        runners.append(("torch", lambda: torch_answers(
            args.torch, args.test_dir, rows[:args.torch_limit or len(rows)], args.threads)))
    if args.inferno:
        runners.append(("inferno", lambda: run_answers(
            lambda r: [args.inferno, "run"] + common(r) + ["--chat"], rows)))
    if args.mtmd:
        runners.append(("mtmd", lambda: run_answers(
            # --no-repack: the peer built for this machine's CPU (AMX) crashes in
            # ggml_backend_amx_mul_mat on Q8_0 weights repacked for AMX; unrepacked it runs.
            lambda r: [args.mtmd] + common(r) + ["--no-warmup", "--no-repack"], rows,
            settle=True)))
    if args.inferno and args.torch:
        report["prompt_check"] = check_prompt(args, rows[0])
        print(report["prompt_check"], flush=True)
    for name, fn in runners:
        t0 = time.time()
        answers[name] = fn()
        report[name] = grade(rows, answers[name])
        report[name + "_rows"] = len(answers[name])
        report[name + "_seconds"] = round(time.time() - t0, 1)
        print(name, json.dumps(report[name]["all"]), f"{report[name + '_seconds']} s",
              flush=True)
    for a, b in (("inferno", "mtmd"), ("torch", "inferno")):
        if a in answers and b in answers:
            n = min(len(answers[a]), len(answers[b]))
            diff = [{"row": i, "image": r["image"], "question": r["question"], a: answers[a][i],
                     b: answers[b][i]} for i, r in enumerate(rows[:n])
                    if answers[a][i] != answers[b][i]]
            # mtmd's text cut short by its log (see run_answers), the rest equal.
            cut = [d for d in diff if b == "mtmd" and d[b] and d[a].startswith(d[b])]
            entry = {"equal": n - len(diff), "rows": n, "mtmd_output_cut_short": len(cut),
                     "differ": diff[:50]}
            if b == "mtmd":
                # The others: parted at a near-tie of inferno's (the two runners' rounding may
                # choose differently there), or not.
                ties = 0
                for d in diff:
                    if d in cut:
                        continue
                    d["inferno_gap"] = divergence_gap(args, rows[d["row"]], d[b])
                    ties += d["inferno_gap"] is not None and d["inferno_gap"] < NEAR_TIE
                entry["near_tie"] = ties
            report[f"{a}_vs_{b}"] = entry
            print(f"{a} vs {b}: {n - len(diff)}/{n} answers equal"
                  + (f", {len(cut)} more where mtmd's printed text stops early" if cut else "")
                  + (f", {entry['near_tie']} more parted at a near-tie (< {NEAR_TIE})"
                     if entry.get("near_tie") else ""), flush=True)
    first = "inferno" if "inferno" in answers else next(iter(answers), None)
    if first:
        report["wrong_sample"] = [{"image": r["image"], "question": r["question"],
                                   "want": r["answer"], "got": answers[first][i]}
                                  for i, r in enumerate(rows)
                                  if answers[first][i] != r["answer"]][:30]
    if args.samples and "inferno" in answers:
        write_samples(args, rows, answers)
    with open(args.report, "w") as f:
        json.dump(report, f, indent=2)


def write_samples(args, rows, answers):
    """Samples for the model card and the e2e test: two pictures of each kind."""
    import shutil
    os.makedirs(args.samples, exist_ok=True)
    picked = {}
    for r in rows:
        names = picked.setdefault(r["kind"], [])
        if r["image"] not in names and len(names) < 2:
            names.append(r["image"])
    keep = {n for names in picked.values() for n in names}
    with open(os.path.join(args.samples, "samples.jsonl"), "w") as f:
        for i, r in enumerate(rows):
            if r["image"] not in keep:
                continue
            row = dict(r, inferno=answers["inferno"][i])
            if "mtmd" in answers:
                row["mtmd"] = answers["mtmd"][i]
            f.write(json.dumps(row) + "\n")
    for n in keep:
        shutil.copy(os.path.join(args.test_dir, n), os.path.join(args.samples, n))


if __name__ == "__main__":
    main()
