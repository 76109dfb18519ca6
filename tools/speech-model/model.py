"""A Whisper model in PyTorch with whisper.cpp's tensor names (the layout of OpenAI's
checkpoints, which whisper.cpp's loader reads): two convolutions and pre-norm transformer blocks
in the encoder; token and learned position embeddings, self- and cross-attention blocks and the
tied output projection in the decoder. Keys have no bias, queries, values and outputs do. GELU is
the tanh form, ggml's (whisper.cpp's and Inferno's kernels), so training sees what they run.

Whisper's vocabulary has 51865 ids of which the sentences use a few hundred: the model trains
only the rows of the ids it uses (Config.n_vocab rows, in the order of the token list the
trainer keeps; export.py puts them at their Whisper ids). One channel of the decoder's final
norm is held at weight 0, bias 1 (Whisper.hold_bias_channel), so every row's value there is an
output bias: the exporter writes the ids never trained as -BIAS in that channel and 0 elsewhere,
and their logits stay far below every trained one in whisper.cpp's and Inferno's decoding."""
import math
from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F
from torch import nn


@dataclass
class Config:
    n_mels: int = 80
    n_audio_ctx: int = 300  # encoder positions: 2 mel frames each, 300 = a 6 s window
    n_state: int = 128
    n_head: int = 2
    n_audio_layer: int = 4
    n_text_layer: int = 2
    n_text_ctx: int = 448
    n_vocab: int = 0  # ids trained (rows of the token embedding); the file has Whisper's 51865

    def to_dict(self):
        return asdict(self)


class Attention(nn.Module):
    def __init__(self, n_state, n_head):
        super().__init__()
        self.n_head = n_head
        self.query = nn.Linear(n_state, n_state)
        self.key = nn.Linear(n_state, n_state, bias=False)
        self.value = nn.Linear(n_state, n_state)
        self.out = nn.Linear(n_state, n_state)

    def forward(self, x, kv=None, causal=False):
        kv = x if kv is None else kv
        b, t, d = x.shape
        h = self.n_head
        q = self.query(x).view(b, t, h, d // h).transpose(1, 2)
        k = self.key(kv).view(b, kv.shape[1], h, d // h).transpose(1, 2)
        v = self.value(kv).view(b, kv.shape[1], h, d // h).transpose(1, 2)
        w = (q @ k.transpose(-1, -2)) * (1.0 / math.sqrt(d // h))
        if causal:
            w = w.masked_fill(~torch.ones(t, t, dtype=torch.bool).tril(), float("-inf"))
        o = torch.softmax(w, dim=-1) @ v
        return self.out(o.transpose(1, 2).reshape(b, t, d))


class Block(nn.Module):
    def __init__(self, n_state, n_head, cross):
        super().__init__()
        self.attn = Attention(n_state, n_head)
        self.attn_ln = nn.LayerNorm(n_state)
        self.cross_attn = Attention(n_state, n_head) if cross else None
        self.cross_attn_ln = nn.LayerNorm(n_state) if cross else None
        self.mlp = nn.Sequential(nn.Linear(n_state, 4 * n_state), nn.GELU(approximate="tanh"),
                                 nn.Linear(4 * n_state, n_state))
        self.mlp_ln = nn.LayerNorm(n_state)

    def forward(self, x, xa=None, causal=False):
        x = x + self.attn(self.attn_ln(x), causal=causal)
        if self.cross_attn is not None:
            x = x + self.cross_attn(self.cross_attn_ln(x), kv=xa)
        return x + self.mlp(self.mlp_ln(x))


def sinusoids(length, channels, max_timescale=10000):
    """Whisper's fixed encoder position embedding."""
    inc = math.log(max_timescale) / (channels // 2 - 1)
    inv = torch.exp(-inc * torch.arange(channels // 2))
    t = torch.arange(length)[:, None] * inv[None, :]
    return torch.cat([torch.sin(t), torch.cos(t)], dim=1)


class Encoder(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv1 = nn.Conv1d(c.n_mels, c.n_state, 3, padding=1)
        self.conv2 = nn.Conv1d(c.n_state, c.n_state, 3, stride=2, padding=1)
        self.register_buffer("positional_embedding", sinusoids(c.n_audio_ctx, c.n_state))
        self.blocks = nn.ModuleList(Block(c.n_state, c.n_head, False)
                                    for _ in range(c.n_audio_layer))
        self.ln_post = nn.LayerNorm(c.n_state)

    def forward(self, mel):  # [b, n_mels, 2 * n_audio_ctx]
        x = F.gelu(self.conv1(mel), approximate="tanh")
        x = F.gelu(self.conv2(x), approximate="tanh").transpose(1, 2)
        x = x + self.positional_embedding
        for b in self.blocks:
            x = b(x)
        return self.ln_post(x)


class Decoder(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.token_embedding = nn.Embedding(c.n_vocab, c.n_state)
        nn.init.normal_(self.token_embedding.weight, std=0.02)
        self.positional_embedding = nn.Parameter(torch.randn(c.n_text_ctx, c.n_state) * 0.01)
        self.blocks = nn.ModuleList(Block(c.n_state, c.n_head, True)
                                    for _ in range(c.n_text_layer))
        self.ln = nn.LayerNorm(c.n_state)

    def hidden(self, tokens, xa):
        x = self.token_embedding(tokens) + self.positional_embedding[:tokens.shape[1]]
        for b in self.blocks:
            x = b(x, xa, causal=True)
        return self.ln(x)


class Whisper(nn.Module):
    BIAS_CHANNEL = 0  # the decoder norm's channel held at weight 0, bias 1

    def __init__(self, c):
        super().__init__()
        self.config = c
        self.encoder = Encoder(c)
        self.decoder = Decoder(c)
        self.hold_bias_channel()

    @torch.no_grad()
    def hold_bias_channel(self):
        """After every optimiser step: the channel's norm output is 1 for every position."""
        self.decoder.ln.weight[self.BIAS_CHANNEL] = 0.0
        self.decoder.ln.bias[self.BIAS_CHANNEL] = 1.0

    def logits(self, mel, tokens):
        """Logits [b, t, n_vocab] of the ids trained; tokens are their row numbers."""
        return self.forward(mel, tokens)[0]

    def forward(self, mel, tokens):
        """(decoder logits [b, t, n_vocab], encoder output [b, n_audio_ctx, n_state])."""
        xa = self.encoder(mel)
        h = self.decoder.hidden(tokens, xa)
        return h @ self.decoder.token_embedding.weight.T, xa


class CtcHead(nn.Module):
    """Training only (not exported): text rows and a blank from the encoder's output, for the
    CTC loss that teaches the encoder where the words are long before the decoder's
    cross-attention finds them on its own (hybrid CTC/attention training)."""

    def __init__(self, n_state, n_rows):
        super().__init__()
        self.proj = nn.Linear(n_state, n_rows + 1)  # the last one is the blank

    def forward(self, xa):
        return F.log_softmax(self.proj(xa), dim=-1)
