#!/usr/bin/python3
"""Trains the vision demo on scenes.py's generated pictures, in two stages: stage 0
(tower_pretrain.py) trains the ViT of vlm.py from scratch on per-patch labels; stage 1 keeps
that ViT frozen and trains the projector and, unless --lm-lr 0, the demo language model to
answer questions about the pictures (--pretrain-steps 0: one stage, everything trained through
the answers, as the first attempts did). Every batch is a pure function of (--seed, step), so
a resumed run (work/pretrain.pt, work/resume.pt, saved every 20 steps and at least every 5
minutes) equals an uninterrupted one.

Each image row is the chat prompt mtmd builds for `-p QUESTION --image X` with the demo's
ChatML template, the image's embeddings where mtmd puts them (before the user's text):
  <s> "<|im_start|>user\\n" [64 image embeddings] "QUESTION<|im_end|>\\n<|im_start|>assistant\\n"
  "ANSWER<|im_end|>"
with the loss on ANSWER<|im_end|> only. With --text-corpus, a share of the rows are windows of
the demo's text corpus (loss on every token, weighted by --text-weight) so the language model
keeps its stories and facts while it learns to look.

Writes --out: lm/ (a train.py-style checkpoint for `inferno convert`), vision.pt (the tower's
weights and shape), training.json."""
import argparse
import json
import math
import os
import sys
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
import numpy as np
import sentencepiece as spm
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "demo-model"))
import scenes  # noqa: E402
from model import load_checkpoint  # noqa: E402
from tower_pretrain import pretrain  # noqa: E402
from vlm import VisionTower, lm_forward_embeds  # noqa: E402

USER = "<|im_start|>user\n"
TURN_END = "<|im_end|>\n<|im_start|>assistant\n"
DESCRIBE_SHARE = 0.35  # rows asking "Describe this image." (the longest answers)


class Prompts:
    """Token ids of the prompt pieces, memoised (the questions and answers repeat)."""

    def __init__(self, sp):
        self.sp, self.cache = sp, {}
        self.prefix = [sp.bos_id()] + sp.encode(USER)

    def ids(self, text):
        if text not in self.cache:
            self.cache[text] = self.sp.encode(text)
        return self.cache[text]

    def row(self, question, answer):
        """(prefix ids, suffix ids, answer ids): prefix, image, suffix + answer."""
        return self.prefix, self.ids(question + TURN_END), self.ids(answer + "<|im_end|>")


def demo_train():
    """tools/demo-model/train.py (its corpus encoder and checkpoint writer), by path: this
    file is train.py too."""
    import importlib.util
    spec = importlib.util.spec_from_file_location(
        "demo_train", os.path.join(HERE, "..", "demo-model", "train.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def pick_qa(rng, qa):
    if rng.random() < DESCRIBE_SHARE:
        return qa[0]
    return qa[1 + int(rng.integers(len(qa) - 1))]


def make_batch(args, step, prompts, text_ids):
    """Images [n_img, 3, S, S] and per-row layouts, from Generator([seed, step]) only."""
    rng = np.random.default_rng([args.seed, step])
    images, rows = [], []
    for _ in range(args.batch):
        if text_ids is not None and rng.random() < args.text_fraction:
            rows.append(("text", int(rng.integers(0, len(text_ids) - args.text_seq - 1))))
            continue
        pair = rng.random() < args.pair_extra
        img, _, qa, _ = scenes.scene(rng, kind="pair" if pair else None)
        q, a = pick_qa(rng, qa)
        images.append(img)
        rows.append(("image",) + prompts.row(q, a))
    x = torch.from_numpy(np.stack(images)).permute(0, 3, 1, 2).float() / 255.0
    return x, rows


def assemble(lm, vis, rows, text_ids, text_seq):
    """Input embeddings [B, T, D], targets [B, T] (-1: no loss) and a text-row mask [B]."""
    emb = lm.embed_tokens
    seqs, targets, is_text = [], [], []
    vi = 0
    for r in rows:
        if r[0] == "text":
            w = torch.from_numpy(text_ids[r[1]:r[1] + text_seq + 1].astype(np.int64))
            seqs.append(emb(w[:-1]))
            targets.append(w[1:])
            is_text.append(True)
            continue
        _, prefix, suffix, answer = r
        tokens = torch.tensor(suffix + answer)
        seqs.append(torch.cat([emb(torch.tensor(prefix)), vis[vi], emb(tokens)]))
        vi += 1
        n_in = len(prefix) + vis.shape[1] + len(suffix) + len(answer)
        t = torch.full((n_in,), -1, dtype=torch.long)
        # position i predicts token i + 1: the answer's tokens are the last len(answer)
        t[n_in - len(answer) - 1:n_in - 1] = torch.tensor(answer)
        targets.append(t)
        is_text.append(False)
    T = max(s.shape[0] for s in seqs)
    x = torch.stack([F.pad(s, (0, 0, 0, T - s.shape[0])) for s in seqs])
    y = torch.stack([F.pad(t, (0, T - t.shape[0]), value=-1) for t in targets])
    return x, y, torch.tensor(is_text)


def lr_factor(step, steps, warmup=50, decay_from=0.8):
    if step < warmup:
        return (step + 1) / warmup
    start = int(steps * decay_from)
    if step < start:
        return 1.0
    return 1.0 - 0.9 * (step - start) / max(1, steps - start)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--lm", required=True, help="the demo LM's checkpoint dir (gguf_to_checkpoint.py)")
    ap.add_argument("--work", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--steps", type=int, default=3000)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--lr", type=float, default=1e-3, help="vision tower")
    ap.add_argument("--lm-lr", type=float, default=3e-4, help="language model (0: frozen)")
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--text-corpus", help="the demo's train.txt, mixed in")
    ap.add_argument("--text-megabytes", type=float, default=5)
    ap.add_argument("--text-fraction", type=float, default=0.2)
    ap.add_argument("--text-weight", type=float, default=0.5)
    ap.add_argument("--text-seq", type=int, default=96)
    ap.add_argument("--width", type=int, default=128)
    ap.add_argument("--layers", type=int, default=4)
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--ffn", type=int, default=512)
    ap.add_argument("--mlp-hidden", type=int, default=256)
    ap.add_argument("--pair-extra", type=float, default=0.25,
                    help="share of picture rows that are pair scenes before the kind is drawn "
                    "(0.25: half the rows are pairs, whose short questions bind a colour or a "
                    "place to one of two shapes: the hardest)")
    ap.add_argument("--pretrain-steps", type=int, default=2000,
                    help="stage 0: the ViT alone on per-patch labels (tower_pretrain.py); 0: none")
    ap.add_argument("--pretrain-batch", type=int, default=64)
    ap.add_argument("--pretrain-free", type=float, default=0.5,
                    help="share of stage-0 pictures with free colours (scenes.free_scene)")
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    lm = load_checkpoint(args.lm)
    sp = spm.SentencePieceProcessor(model_file=os.path.join(args.lm, "tokenizer.model"))
    prompts = Prompts(sp)
    text_ids = None
    if args.text_corpus and args.text_fraction > 0:
        text_ids = demo_train().encode_corpus(sp, args.text_corpus, args.text_megabytes)
    vis = VisionTower(image_size=scenes.SIZE, d=args.width, heads=args.heads, ff=args.ffn,
                      layers=args.layers, mlp_hidden=args.mlp_hidden,
                      n_embd_out=lm.cfg.hidden_size)
    os.makedirs(args.work, exist_ok=True)
    pretrained = args.pretrain_steps > 0
    if pretrained:  # stage 0; after it the ViT stays as it learnt there
        pretrain(vis, args, args.work)
        for p in vis.body_parameters():
            p.requires_grad_(False)
    tuned = [p for p in vis.parameters() if p.requires_grad]
    frozen = args.lm_lr == 0
    for p in lm.parameters():
        p.requires_grad_(not frozen)
    groups = [{"params": [p for p in tuned if p.dim() >= 2], "weight_decay": 0.05,
               "lr0": args.lr},
              {"params": [p for p in tuned if p.dim() < 2], "weight_decay": 0.0,
               "lr0": args.lr}]
    if not frozen:
        groups.append({"params": [p for p in lm.parameters() if p.dim() >= 2],
                       "weight_decay": 0.1, "lr0": args.lm_lr})
        groups.append({"params": [p for p in lm.parameters() if p.dim() < 2],
                       "weight_decay": 0.0, "lr0": args.lm_lr})
    opt = torch.optim.AdamW(groups, lr=args.lr, betas=(0.9, 0.95))
    resume = os.path.join(args.work, "resume.pt")
    step = 0
    if os.path.exists(resume):
        state = torch.load(resume)
        vis.load_state_dict(state["vis"])
        lm.load_state_dict(state["lm"])
        opt.load_state_dict(state["opt"])
        step = state["step"]
        print(f"resumed at step {step}", flush=True)
    print(f"vision parameters: {sum(p.numel() for p in vis.parameters())}, language model: "
          f"{sum(p.numel() for p in lm.parameters())} ({'frozen' if frozen else 'trained'})",
          flush=True)
    log_path = os.path.join(args.work, "train_log.jsonl")
    t0, saved_at, first = time.time(), time.time(), step
    recent = []
    lm.train(not frozen)
    vis.train(not pretrained)
    while step < args.steps:
        images, rows = make_batch(args, step, prompts, text_ids)
        f = lr_factor(step, args.steps)
        for g in opt.param_groups:
            g["lr"] = g["lr0"] * f
        v = None
        if len(images) and pretrained:
            with torch.no_grad():
                feats = vis.features(images)
            v = vis.project(feats)
        elif len(images):
            v = vis(images)
        x, y, is_text = assemble(lm, v, rows, text_ids, args.text_seq)
        logits = lm_forward_embeds(lm, x)
        tok = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1),
                              ignore_index=-1, reduction="none").view(y.shape)
        valid = (y >= 0).float()
        img_mask = valid * (~is_text).float()[:, None]
        txt_mask = valid * is_text.float()[:, None]
        answer_loss = (tok * img_mask).sum() / img_mask.sum().clamp(min=1)
        text_loss = (tok * txt_mask).sum() / txt_mask.sum().clamp(min=1)
        loss = answer_loss + args.text_weight * text_loss
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_([p for g in groups for p in g["params"]], 1.0)
        opt.step()
        step += 1
        recent = (recent + [answer_loss.item()])[-50:]
        if step % 10 == 0 or step == args.steps:
            el = time.time() - t0
            entry = {"step": step, "answer_loss": round(answer_loss.item(), 4),
                     "text_loss": round(text_loss.item(), 4) if txt_mask.sum() > 0 else None,
                     "lr_factor": round(f, 3), "elapsed_s": round(el, 1),
                     "s_per_step": round(el / (step - first), 3)}
            print(json.dumps(entry), flush=True)
            with open(log_path, "a") as fh:
                fh.write(json.dumps(entry) + "\n")
        if (step % 20 == 0 or time.time() - saved_at > 300) and step < args.steps:
            torch.save({"vis": vis.state_dict(), "lm": lm.state_dict(), "opt": opt.state_dict(),
                        "step": step}, resume + ".tmp")
            os.replace(resume + ".tmp", resume)
            saved_at = time.time()
    os.makedirs(args.out, exist_ok=True)
    torch.save({"state": vis.state_dict(), "cfg": vis.cfg}, os.path.join(args.out, "vision.pt"))
    demo_train().write_checkpoint(os.path.join(args.out, "lm"), lm, lm.cfg,
                     os.path.join(args.lm, "tokenizer.model"), sp)
    with open(os.path.join(args.out, "training.json"), "w") as fh:
        json.dump({"steps": args.steps, "batch": args.batch, "lr": args.lr, "lm_lr": args.lm_lr,
                   "seed": args.seed, "threads": args.threads,
                   "text_fraction": args.text_fraction if text_ids is not None else 0,
                   "pretrain_steps": args.pretrain_steps, "pretrain_batch": args.pretrain_batch,
                   "pretrain_free": args.pretrain_free, "pair_extra": args.pair_extra,
                   "vision": vis.cfg,
                   "answer_loss_mean_last_50": round(sum(recent) / max(1, len(recent)), 4),
                   "seconds_this_run": round(time.time() - t0, 1)}, fh, indent=2)
    print("wrote", args.out, flush=True)


if __name__ == "__main__":
    main()
