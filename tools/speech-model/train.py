#!/usr/bin/python3
"""Trains the speech model (model.py) on corpus.py's utterances and writes a checkpoint
(ckpt.pt: config, weights, the Whisper id of every embedding row). Deterministic for a seed and
step count (every batch is drawn from a generator seeded by the seed and the step); resumes
from WORK/resume.pt, saved every --save-every steps.

Each example is one utterance, shifted by up to 0.15 s of leading silence, scaled, with white
noise at 10-40 dB SNR (4 in 5), as whisper.cpp would see it: the log-mel of a 6 s window
(mel.py). Its tokens are whisper.cpp's prompt and a timestamped segment,
  <|startoftranscript|><|en|><|transcribe|><|t_onset|> text <|t_end|><|endoftext|>
and one example in 5 starts with <|startofprev|> and another sentence (the previous window's
text, as whisper.cpp sends it); the loss is on what follows <|transcribe|>, plus (by
--ctc-weight) a CTC loss of the text on the encoder's output through a head that is not
exported: it teaches the encoder to find the words early, where the decoder alone first
learns the sentences' language model and only later listens.

The learning rate warms up over 100 steps and decays linearly to a tenth over the last 30%."""
import argparse
import json
import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
import time  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from mel import log_mel, read_filters  # noqa: E402
from model import Config, CtcHead, Whisper  # noqa: E402
import tokens as T  # noqa: E402


class Corpus:
    def __init__(self, corpus_dir, split, tok):
        self.pcm = np.memmap(os.path.join(corpus_dir, split + ".pcm"), np.int16, "r")
        with open(os.path.join(corpus_dir, split + ".jsonl")) as f:
            self.items = [json.loads(line) for line in f]
        self.text_ids = {}
        for it in self.items:
            if it["text"] not in self.text_ids:
                self.text_ids[it["text"]] = tok.encode(" " + it["text"])

    def keep_shorter_than(self, seconds):
        """Leaves out the utterances too long for the window (with room for the shift)."""
        self.items = [it for it in self.items if it["samples"] / 16000 <= seconds]

    def audio(self, i):
        it = self.items[i]
        return self.pcm[it["offset"]:it["offset"] + it["samples"]].astype(np.float32) / 32768.0


def trained_ids(corpus, n_audio_ctx):
    """The Whisper ids the model has rows for: the specials of the prompt, every timestamp of
    the window, and the text tokens of the training sentences."""
    ids = {T.EOT, T.SOT, T.EN, T.TRANSCRIBE, T.PREV, T.NOT}
    ids.update(range(T.BEG, T.BEG + n_audio_ctx + 1))
    for seq in corpus.text_ids.values():
        ids.update(seq)
    return sorted(ids)


def augment(rng, x, onset, end, window_s):
    # whisper.cpp allows a first timestamp of at most 1 s at 30 s windows, at most 13 steps
    # (<|0.20|>) at 6 s windows (its max_initial_ts counts 30 s / n_audio_ctx per step).
    shift = rng.uniform(0, min(0.15, window_s - 0.1 - len(x) / 16000))
    x = np.concatenate([np.zeros(int(shift * 16000), np.float32), x]) * rng.uniform(0.25, 1.0)
    if rng.random() < 0.8:
        snr = rng.uniform(10, 40)
        p = np.mean(x ** 2) + 1e-9
        x = x + rng.normal(0, np.sqrt(p / 10 ** (snr / 10)), len(x)).astype(np.float32)
    return x, onset + shift, end + shift


def example(rng, corpus, i, window_s):
    it = corpus.items[i]
    x, on, end = augment(rng, corpus.audio(i), it["onset"], it["end"], window_s)
    prompt = []
    if rng.random() < 0.2:
        other = corpus.items[rng.integers(len(corpus.items))]["text"]
        prompt = [T.PREV] + corpus.text_ids[other]
    prompt += [T.SOT, T.EN, T.TRANSCRIBE]
    target = [T.timestamp(on)] + corpus.text_ids[it["text"]] + [T.timestamp(end), T.EOT]
    return torch.from_numpy(x.astype(np.float32)), prompt, target


def batch(rng, corpus, size, window_s, row_of, filters, n_frames):
    """(log-mel, decoder input rows, decoder labels, CTC targets, their lengths)."""
    audio, seqs = [], []
    for i in rng.integers(len(corpus.items), size=size):
        x, prompt, target = example(rng, corpus, int(i), window_s)
        audio.append(x)
        seqs.append((prompt, target))
    n = max(len(p) + len(t) for p, t in seqs)
    tokens = torch.zeros(size, n - 1, dtype=torch.long)
    labels = torch.full((size, n - 1), -100, dtype=torch.long)
    for b, (p, t) in enumerate(seqs):
        rows = [row_of[i] for i in p + t]
        tokens[b, :len(rows) - 1] = torch.tensor(rows[:-1])
        labels[b, len(p) - 1:len(rows) - 1] = torch.tensor(rows[len(p):])
    # CTC targets: the text rows only (between the two timestamps).
    ctc = [torch.tensor([row_of[i] for i in t[1:-2]]) for _, t in seqs]
    lengths = torch.tensor([len(c) for c in ctc])
    return log_mel(audio, filters, n_frames), tokens, labels, torch.cat(ctc), lengths


def lr_at(step, steps, lr):
    if step < 100:
        return lr * (step + 1) / 100
    decay_from = int(0.7 * steps)
    if step < decay_from:
        return lr
    return lr * (1 - 0.9 * (step - decay_from) / max(1, steps - decay_from))


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--template", required=True, help="a whisper.cpp model file: mel filters, vocab")
    ap.add_argument("--work", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--steps", type=int, default=5500)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--lr", type=float, default=1.5e-3)
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--save-every", type=int, default=200)
    ap.add_argument("--n-audio-ctx", type=int, default=300)
    ap.add_argument("--ctc-weight", type=float, default=0.3,
                    help="share of the CTC loss on the encoder (0: the decoder's loss only)")
    ap.add_argument("--state", type=int, default=128)
    ap.add_argument("--heads", type=int, default=2)
    ap.add_argument("--audio-layers", type=int, default=4)
    # Not 2: whisper.cpp takes any model with two decoder layers (and not large-v3's 51,866-token
    # vocabulary) for a first-release distil-whisper and forces <|notimestamps|>, a prompt this
    # model is not trained on (its transcripts were nonsense there at WER 3.3% in inferno).
    ap.add_argument("--text-layers", type=int, default=3)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    os.makedirs(args.work, exist_ok=True)
    filters, vocab = read_filters(args.template)
    tok = T.Tokenizer(vocab)
    corpus = Corpus(args.corpus, "train", tok)
    corpus.keep_shorter_than(2 * args.n_audio_ctx * 0.01 - 0.3)
    ids = trained_ids(corpus, args.n_audio_ctx)
    row_of = {w: r for r, w in enumerate(ids)}
    cfg = Config(n_mels=filters.shape[0], n_audio_ctx=args.n_audio_ctx, n_state=args.state,
                 n_head=args.heads, n_audio_layer=args.audio_layers,
                 n_text_layer=args.text_layers, n_vocab=len(ids))
    model = Whisper(cfg)
    ctc_head = CtcHead(cfg.n_state, cfg.n_vocab)
    params = list(model.parameters()) + list(ctc_head.parameters())
    opt = torch.optim.AdamW(params, lr=args.lr, betas=(0.9, 0.98), weight_decay=0.01)
    start = 0
    resume = os.path.join(args.work, "resume.pt")
    if os.path.exists(resume):
        state = torch.load(resume)
        model.load_state_dict(state["model"])
        ctc_head.load_state_dict(state["ctc"])
        opt.load_state_dict(state["opt"])
        start = state["step"]
        print(f"resumed at step {start}")
    window_s = 2 * args.n_audio_ctx * 0.01
    log = open(os.path.join(args.work, "train_log.jsonl"), "a")
    model.train()
    t_last, cpu_last = time.time(), time.process_time()
    for step in range(start, args.steps):
        rng = np.random.default_rng([args.seed, step])
        mel, tokens, labels, ctc_targets, ctc_lengths = batch(
            rng, corpus, args.batch, window_s, row_of, filters, 2 * args.n_audio_ctx)
        for g in opt.param_groups:
            g["lr"] = lr_at(step, args.steps, args.lr)
        logits, xa = model(mel, tokens)
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), labels.reshape(-1))
        ctc_loss = torch.zeros(())
        if args.ctc_weight > 0:
            lp = ctc_head(xa).transpose(0, 1)  # [time, batch, rows + 1]
            ctc_loss = F.ctc_loss(lp, ctc_targets, torch.full((args.batch,), lp.shape[0]),
                                  ctc_lengths, blank=cfg.n_vocab, zero_infinity=True)
        opt.zero_grad()
        ((1 - args.ctc_weight) * loss + args.ctc_weight * ctc_loss).backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        model.hold_bias_channel()
        if (step + 1) % 10 == 0:
            # CPU seconds per step as well: on a shared machine the wall time says how loaded
            # it was, the CPU time what a quiet core would take.
            now, cpu = time.time(), time.process_time()
            log.write(json.dumps({"step": step + 1, "loss": round(loss.item(), 4),
                                  "ctc_loss": round(ctc_loss.item(), 4),
                                  "lr": opt.param_groups[0]["lr"],
                                  "s_per_step": round((now - t_last) / 10, 3),
                                  "cpu_s_per_step": round((cpu - cpu_last) / 10, 3)}) + "\n")
            log.flush()
            t_last, cpu_last = now, cpu
        if (step + 1) % args.save_every == 0 or step + 1 == args.steps:
            torch.save({"model": model.state_dict(), "ctc": ctc_head.state_dict(),
                        "opt": opt.state_dict(), "step": step + 1}, resume + ".tmp")
            os.replace(resume + ".tmp", resume)
    os.makedirs(args.out, exist_ok=True)
    torch.save({"config": cfg.to_dict(), "model": model.state_dict(), "ids": ids,
                "steps": args.steps, "seed": args.seed}, os.path.join(args.out, "ckpt.pt"))
    print(json.dumps({"steps": args.steps, "trained_ids": len(ids),
                      "params": sum(p.numel() for p in model.parameters())}))


if __name__ == "__main__":
    main()
