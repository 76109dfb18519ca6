"""Stage 0 of the vision demo's training: the ViT alone learns what is where, before it meets
the language model. A linear head on each patch's feature predicts the shape and the colour of
the object covering that patch and whether an object's centre lies in it (scenes.patch_labels):
dense targets, no language model in the step, so a step costs a fraction of a stage-1 step and
the tower sees many more pictures. Stage 1 (train.py) keeps this ViT frozen and trains the
projector and the language model to read it.

Why: trained only through the language model's answers (4,000 steps, 64,000 pictures), the
tower learnt colour and place but hardly shape (57% held-out exact answers, "red circle" for
"red square" everywhere), and on the held-out colour/shape pairs it had learnt that a green
thing is never a circle, because no training picture showed one. Half of stage 0's pictures
are scenes.free_scene: shapes of any colour (free_colour), never near a held-out pair's
colour on that shape, so shape is learnt apart from colour while the held-out pairs stay
unseen; the other half are the named-colour scenes of stage 1 (no held-out pair either),
which teach the six colour names.

Every batch is a pure function of (seed, step); work/pretrain.pt holds the state to resume."""
import json
import os
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

import scenes

N_SHAPE, N_COLOUR = len(scenes.SHAPES) + 1, len(scenes.COLOURS) + 1


class PatchHead(nn.Module):
    """Per patch: shape logits (none + SHAPES), colour logits (none + COLOURS), centre logits
    (no, yes)."""

    def __init__(self, d):
        super().__init__()
        self.out = nn.Linear(d, N_SHAPE + N_COLOUR + 2)

    def split(self, feats):
        o = self.out(feats)
        return o[..., :N_SHAPE], o[..., N_SHAPE:N_SHAPE + N_COLOUR], o[..., N_SHAPE + N_COLOUR:]

    def loss(self, feats, shapes, colours, centres):
        s, c, k = self.split(feats)
        return (F.cross_entropy(s.reshape(-1, N_SHAPE), shapes.reshape(-1)) +
                F.cross_entropy(c.reshape(-1, N_COLOUR), colours.reshape(-1), ignore_index=-1) +
                F.cross_entropy(k.reshape(-1, 2), centres.reshape(-1)))

    def accuracy(self, feats, shapes, colours, centres):
        """Shape and colour accuracy over the patches an object covers; the share of pictures
        whose object centres are all found and none invented (counting)."""
        s, c, k = self.split(feats)
        m, mc = shapes > 0, colours > 0
        return ((s.argmax(-1)[m] == shapes[m]).float().mean().item(),
                (c.argmax(-1)[mc] == colours[mc]).float().mean().item(),
                (k.argmax(-1) == centres).all(dim=-1).float().mean().item())


def batch(rng, n, patch, free_share, held_out=False):
    """Images [n, 3, S, S] in [0, 1] and their per-patch shape, colour and centre labels."""
    imgs, labels = [], []
    for _ in range(n):
        cov = []
        if rng.random() < free_share:
            img = scenes.free_scene(rng, cov)
        else:
            img = scenes.scene(rng, held_out=held_out, coverage=cov)[0]
        imgs.append(img)
        labels.append(scenes.patch_labels(cov[0], cov[1], patch))
    x = torch.from_numpy(np.stack(imgs)).permute(0, 3, 1, 2).float() / 255.0
    return (x,) + tuple(torch.from_numpy(np.stack(t)) for t in zip(*labels))


def pretrain(vis, args, work):
    """Trains vis's ViT body with a PatchHead for args.pretrain_steps; resumes from and saves
    work/pretrain.pt. Returns the last held-out patch accuracies."""
    patch = vis.cfg["patch"]
    head = PatchHead(vis.cfg["d"])
    params = vis.body_parameters() + list(head.parameters())
    opt = torch.optim.AdamW(params, lr=args.lr, betas=(0.9, 0.95), weight_decay=0.05)
    path = os.path.join(work, "pretrain.pt")
    step = 0
    if os.path.exists(path):
        st = torch.load(path)
        vis.load_state_dict(st["vis"])
        head.load_state_dict(st["head"])
        opt.load_state_dict(st["opt"])
        step = st["step"]
    # Held-out pictures (a seed stream training never draws) to report on.
    test = [batch(np.random.default_rng([args.seed, 2**31 - 3, i]), 64, patch, 0.0,
                  held_out=True) for i in range(2)]
    log = os.path.join(work, "pretrain_log.jsonl")
    t0, saved, first, acc = time.time(), time.time(), step, None
    steps = args.pretrain_steps
    while step < steps:
        x, *labels = batch(np.random.default_rng([args.seed, 2**31 - 2, step]),
                           args.pretrain_batch, patch, args.pretrain_free)
        for g in opt.param_groups:
            g["lr"] = args.lr * lr_schedule(step, steps)
        loss = head.loss(vis.features(x), *labels)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        step += 1
        if step % 100 == 0 or step == steps:
            with torch.no_grad():
                accs = [head.accuracy(vis.features(x), *labels) for x, *labels in test]
            acc = tuple(round(sum(a[i] for a in accs) / len(accs), 4) for i in range(3))
            entry = {"pretrain_step": step, "loss": round(loss.item(), 4),
                     "held_out_shape_acc": acc[0], "held_out_colour_acc": acc[1],
                     "held_out_centres_exact": acc[2],
                     "s_per_step": round((time.time() - t0) / (step - first), 3)}
            print(json.dumps(entry), flush=True)
            with open(log, "a") as fh:
                fh.write(json.dumps(entry) + "\n")
        if step % 100 == 0 or time.time() - saved > 300 or step == steps:
            torch.save({"vis": vis.state_dict(), "head": head.state_dict(),
                        "opt": opt.state_dict(), "step": step}, path + ".tmp")
            os.replace(path + ".tmp", path)
            saved = time.time()
    return acc


def lr_schedule(step, steps, warmup=50):
    if step < warmup:
        return (step + 1) / warmup
    return 1.0 - 0.9 * step / max(1, steps)
