#!/usr/bin/python3
"""Trains the demo model on 2 CPU threads and writes a Hugging Face-style checkpoint
(config.json, model.safetensors, tokenizer.model, tokenizer_config.json). Deterministic for a
given seed and step count; resumes from its last periodic checkpoint if killed.

The learning rate is warmup-stable-decay: a fixed 30-step warmup, a constant phase and a
linear decay over the last 20% of the steps. Everything before the decay depends only on the
seed, so a run may be resumed with a different --steps (chosen once seconds/step are known)
and still equal a fresh run with that --steps, as long as the decay had not started."""
import argparse
import hashlib
import json
import math
import os
import re

# One BLAS thread: torch's own 2 threads plus OpenBLAS's pool oversubscribe 2 shared cores
# (measured: single-threaded OpenBLAS sgemm was 1-3x faster here than its threaded pool).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
import shutil
import struct
import time

import numpy as np
import sentencepiece as spm
import torch

from model import Config, Llama, load_checkpoint

# ChatML with tools in the Hermes/Qwen style (tool_corpus.render writes the same text).
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "chat_template.jinja")) as f:
    CHAT_TEMPLATE = f.read()


def encode_corpus(sp, path, megabytes):
    """Documents (blank-line separated) as [bos] + ids + [eos], concatenated."""
    limit = int(megabytes * 1e6)
    with open(path) as f:
        text = f.read(limit)
    docs = [d for d in text.split("\n\n") if d.strip()]
    if len(text) == limit:
        docs = docs[:-1]  # the last one may be cut
    out = []
    for ids in sp.encode(docs):
        out.append(sp.bos_id())
        out.extend(ids)
        out.append(sp.eos_id())
    return np.array(out, dtype=np.int16 if sp.get_piece_size() < 32768 else np.int32)


ASSISTANT_TURN = re.compile(r"(<\|im_start\|>assistant\n)(.*?<\|im_end\|>)", re.S)
DIGIT_WEIGHT = 3


def encode_weighted(sp, path, megabytes):
    """(ids, per-token loss weights) of a chat corpus: the loss counts only what the assistant
    writes (its turns' text and <|im_end|>), digits there DIGIT_WEIGHT times, so stage 2's
    steps go to the calls, numbers and JSON rather than to re-reading the fixed tool list.
    Each document is tokenized in pieces split at turn boundaries; that must equal tokenizing
    it whole (checked), or training would see ids that inference never produces."""
    with open(path) as f:
        text = f.read(int(megabytes * 1e6))
    docs = [d for d in text.split("\n\n") if d.strip()]
    if len(text) == int(megabytes * 1e6):
        docs = docs[:-1]
    ids, weights = [], []
    digits = {sp.piece_to_id(str(d)) for d in range(10)}
    for n, doc in enumerate(docs):
        parts, pos = [], 0
        for m in ASSISTANT_TURN.finditer(doc):
            parts += [(doc[pos:m.end(1)], 0), (m.group(2), 1)]
            pos = m.end()
        parts.append((doc[pos:], 0))
        doc_ids, doc_w = [sp.bos_id()], [0]
        for part, w in parts:
            piece = sp.encode(part) if part else []
            doc_ids += piece
            doc_w += [w * (DIGIT_WEIGHT if i in digits else 1) for i in piece]
        if n < 2000 and doc_ids[1:] != sp.encode(doc):
            raise SystemExit(f"{path}: document {n} tokenizes differently in pieces")
        ids += doc_ids + [sp.eos_id()]
        weights += doc_w + [0]
    dtype = np.int16 if sp.get_piece_size() < 32768 else np.int32
    return np.array(ids, dtype=dtype), np.array(weights, dtype=np.uint8)


def write_safetensors(path, tensors):
    header, offset, blobs = {}, 0, []
    for name in sorted(tensors):
        data = tensors[name].detach().to(torch.float32).contiguous().numpy().tobytes()
        header[name] = {"dtype": "F32", "shape": list(tensors[name].shape),
                        "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    header["__metadata__"] = {"format": "pt"}
    raw = json.dumps(header, separators=(",", ":")).encode()
    raw += b" " * ((8 - len(raw) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(raw)))
        f.write(raw)
        for b in blobs:
            f.write(b)


def write_checkpoint(out, model, cfg, tokenizer_path, sp):
    os.makedirs(out, exist_ok=True)
    write_safetensors(os.path.join(out, "model.safetensors"), model.hf_state_dict())
    shutil.copy(tokenizer_path, os.path.join(out, "tokenizer.model"))
    im_end = sp.piece_to_id("<|im_end|>")
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump({"architectures": ["LlamaForCausalLM"], "model_type": "llama",
                   "vocab_size": cfg.vocab_size, "hidden_size": cfg.hidden_size,
                   "intermediate_size": cfg.intermediate_size,
                   "num_hidden_layers": cfg.num_hidden_layers,
                   "num_attention_heads": cfg.num_attention_heads,
                   "num_key_value_heads": cfg.num_key_value_heads,
                   "max_position_embeddings": cfg.max_position_embeddings,
                   "rms_norm_eps": cfg.rms_norm_eps, "rope_theta": cfg.rope_theta,
                   "hidden_act": "silu", "tie_word_embeddings": True,
                   "bos_token_id": sp.bos_id(), "eos_token_id": sp.eos_id(),
                   "torch_dtype": "float32"}, f, indent=2)
    with open(os.path.join(out, "tokenizer_config.json"), "w") as f:
        json.dump({"tokenizer_class": "LlamaTokenizer", "bos_token": "<s>", "eos_token": "</s>",
                   "unk_token": "<unk>", "add_bos_token": True, "add_eos_token": False,
                   "add_prefix_space": False, "legacy": False,
                   "added_tokens_decoder": {
                       str(i): {"content": sp.id_to_piece(i), "special": True}
                       for i in range(sp.get_piece_size())
                       if sp.is_control(i) or sp.is_unknown(i) or
                       sp.id_to_piece(i) in ("<|im_start|>", "<|im_end|>")},
                   "chat_template": CHAT_TEMPLATE}, f, indent=2)
    with open(os.path.join(out, "generation_config.json"), "w") as f:
        json.dump({"bos_token_id": sp.bos_id(), "eos_token_id": [sp.eos_id(), im_end]}, f, indent=2)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--corpus-dir", required=True)
    ap.add_argument("--tokenizer", required=True, help="tokenizer.model")
    ap.add_argument("--work", required=True, help="scratch dir (resume checkpoints)")
    ap.add_argument("--out", required=True, help="checkpoint dir to write")
    ap.add_argument("--steps", type=int, default=300)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--seq", type=int, default=128)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--megabytes", type=float, default=20, help="corpus to encode")
    ap.add_argument("--dim", type=int, default=256)
    ap.add_argument("--layers", type=int, default=5)
    ap.add_argument("--heads", type=int, default=8)
    ap.add_argument("--ffn", type=int, default=768)
    ap.add_argument("--init", help="stage 2: fine-tune this checkpoint (its shape wins)")
    ap.add_argument("--extra-corpus", help="stage 2: a second corpus file mixed in")
    ap.add_argument("--extra-megabytes", type=float, default=20)
    ap.add_argument("--extra-fraction", type=float, default=0.5,
                    help="share of each batch's rows drawn from --extra-corpus")
    ap.add_argument("--decay-from", type=float, default=0.8,
                    help="fraction of the steps after which the learning rate decays")
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    sp = spm.SentencePieceProcessor(model_file=args.tokenizer)
    os.makedirs(args.work, exist_ok=True)
    # The encoded corpus is cached per tokenizer and size (a resumed run skips encoding).
    with open(args.tokenizer, "rb") as f:
        tok_hash = hashlib.sha256(f.read()).hexdigest()[:12]

    def encoded(path, megabytes):
        stem = os.path.splitext(os.path.basename(path))[0]
        cache = os.path.join(args.work, f"{stem}_ids-{tok_hash}-{megabytes:g}MB.npy")
        if os.path.exists(cache):
            return np.load(cache)
        t0 = time.time()
        ids = encode_corpus(sp, path, megabytes)
        np.save(cache, ids)
        print(f"encoded {len(ids)} tokens of {stem} in {time.time() - t0:.0f}s", flush=True)
        return ids

    data = encoded(os.path.join(args.corpus_dir, "train.txt"), args.megabytes)
    extra_t = None
    if args.extra_corpus:
        stem = os.path.splitext(os.path.basename(args.extra_corpus))[0]
        cache = os.path.join(args.work,
                             f"{stem}_weighted-{tok_hash}-{args.extra_megabytes:g}MB.npz")
        if not os.path.exists(cache):
            ids, w = encode_weighted(sp, args.extra_corpus, args.extra_megabytes)
            np.savez(cache, ids=ids, weights=w)
        cached = np.load(cache)
        extra_t = torch.from_numpy(cached["ids"].astype(np.int64))
        extra_w = torch.from_numpy(cached["weights"].astype(np.float32))
        print(f"extra corpus: {len(extra_t)} tokens, {int((extra_w > 0).sum())} weighted",
              flush=True)
        extra_docs = (extra_t[:-args.seq - 1] == sp.bos_id()).nonzero().flatten()
    valid = encode_corpus(sp, os.path.join(args.corpus_dir, "valid.txt"), 2)
    data_t = torch.from_numpy(data.astype(np.int64))
    valid_t = torch.from_numpy(valid.astype(np.int64))

    if args.init:
        model = load_checkpoint(args.init)
        cfg = model.cfg
    else:
        cfg = Config(vocab_size=sp.get_piece_size(), hidden_size=args.dim,
                     intermediate_size=args.ffn, num_hidden_layers=args.layers,
                     num_attention_heads=args.heads, num_key_value_heads=args.heads,
                     max_position_embeddings=2 * args.seq)
        model = Llama(cfg)
    n_params = sum(p.numel() for p in model.parameters())
    print(f"parameters: {n_params}", flush=True)
    decay = [p for p in model.parameters() if p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1},
                             {"params": no_decay, "weight_decay": 0.0}],
                            lr=args.lr, betas=(0.9, 0.95))
    gen = torch.Generator().manual_seed(args.seed)
    step = 0
    resume = os.path.join(args.work, "resume.pt")
    if os.path.exists(resume):
        state = torch.load(resume)
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["opt"])
        gen.set_state(state["gen"])
        step = state["step"]
        print(f"resumed at step {step}", flush=True)

    warmup = 30
    decay_start = int(args.steps * args.decay_from)

    def lr_at(s):
        if s < warmup:
            return args.lr * (s + 1) / warmup
        if s < decay_start:
            return args.lr
        progress = (s - decay_start) / max(1, args.steps - decay_start)
        return args.lr * (1.0 - 0.9 * progress)

    def batch(source, g, n, extra=None):
        """n random windows and their targets' loss weights; with `extra`, each row comes from
        it with --extra-fraction (weighted as encode_weighted says; stage-1 rows weigh 1)."""
        starts = torch.randint(0, len(source) - args.seq - 1, (n,), generator=g)
        sources = [source] * n
        w = torch.ones(n, args.seq)
        if extra is not None:
            # Rows of the extra corpus start at a document's BOS: a conversation's answer
            # must be learned with the tool list it depends on in view.
            pick = torch.rand(n, generator=g) < args.extra_fraction
            extra_starts = extra_docs[torch.randint(0, len(extra_docs), (n,), generator=g)]
            starts = torch.where(pick, extra_starts, starts)
            sources = [extra if p else source for p in pick]
            for i in pick.nonzero().flatten().tolist():
                w[i] = extra_w[starts[i] + 1:starts[i] + args.seq + 1]
        x = torch.stack([src[s:s + args.seq] for src, s in zip(sources, starts)])
        y = torch.stack([src[s + 1:s + args.seq + 1] for src, s in zip(sources, starts)])
        return x, y, w

    def valid_loss(batches=8):
        model.eval()
        g = torch.Generator().manual_seed(0)
        with torch.no_grad():
            losses = []
            for _ in range(batches):
                x, y, _ = batch(valid_t, g, 8)
                logits = model(x)
                losses.append(torch.nn.functional.cross_entropy(
                    logits.view(-1, logits.size(-1)), y.view(-1)).item())
        model.train()
        return sum(losses) / len(losses)

    log_path = os.path.join(args.work, "train_log.jsonl")
    t0 = time.time()
    first_step = step
    recent = []
    model.train()
    while step < args.steps:
        x, y, w = batch(data_t, gen, args.batch, extra_t)
        for group in opt.param_groups:
            group["lr"] = lr_at(step)
        logits = model(x)
        losses = torch.nn.functional.cross_entropy(logits.view(-1, logits.size(-1)), y.view(-1),
                                                   reduction="none")
        loss = (losses * w.view(-1)).sum() / w.sum()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        step += 1
        recent = (recent + [loss.item()])[-50:]
        if step % 10 == 0 or step == args.steps:
            elapsed = time.time() - t0
            entry = {"step": step, "loss": round(loss.item(), 4), "lr": lr_at(step),
                     "elapsed_s": round(elapsed, 1),
                     "s_per_step": round(elapsed / (step - first_step), 2)}
            if step % 250 == 0 or step == args.steps:
                entry["valid_loss"] = round(valid_loss(), 4)
            print(json.dumps(entry), flush=True)
            with open(log_path, "a") as f:
                f.write(json.dumps(entry) + "\n")
        if step % 20 == 0 and step < args.steps:
            torch.save({"model": model.state_dict(), "opt": opt.state_dict(),
                        "gen": gen.get_state(), "step": step}, resume + ".tmp")
            os.replace(resume + ".tmp", resume)
    write_checkpoint(args.out, model, cfg, args.tokenizer, sp)
    final_valid = valid_loss(32)
    with open(os.path.join(args.out, "training.json"), "w") as f:
        json.dump({"init": args.init and os.path.basename(os.path.normpath(args.init)),
                   "extra_corpus": args.extra_corpus and os.path.basename(args.extra_corpus),
                   "extra_fraction": args.extra_fraction if args.extra_corpus else 0,
                   "decay_from": args.decay_from, "steps": args.steps, "batch": args.batch, "seq": args.seq, "lr": args.lr,
                   "seed": args.seed, "threads": args.threads, "parameters": n_params,
                   "train_tokens_seen": args.steps * args.batch * args.seq,
                   "final_train_loss_mean_last_50_steps": round(sum(recent) / len(recent), 4),
                   "valid_loss": round(final_valid, 4),
                   "valid_perplexity": round(math.exp(final_valid), 3),
                   "seconds_this_run": round(time.time() - t0, 1)}, f, indent=2)
    print("wrote", args.out, flush=True)


if __name__ == "__main__":
    main()
