"""The vision demo's model: a small CLIP-style ViT and LLaVA's MLP projector in front of the
demo language model (tools/demo-model/model.py), written to compute what llama.cpp's mtmd
computes for an mmproj of projector type "mlp" (tools/mtmd/models/llava.cpp), so the weights
export as such a file (export.py) and both Inferno and mtmd run it:

  pixels (64 x 64, (x/255 - 0.5) / 0.5)  -> patch conv (8 x 8, bias) + learned positions
  -> pre LayerNorm -> n_layer pre-norm blocks (LayerNorm, attention with biases, LayerNorm,
  GELU MLP with biases) -> post LayerNorm -> mm.0 Linear, GELU (tanh form, ggml_gelu), mm.2
  Linear -> one embedding per patch, handed to the language model in place of token
  embeddings (unscaled, causal, consecutive positions: a llama model as mtmd feeds it).

No CLS embedding (mtmd then keeps every patch). mtmd's LLaVA graph runs block_count - 1
layers (LLaVA reads CLIP's second-to-last layer), so the export adds one unused zero layer."""
import math
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "demo-model"))
from model import Llama  # noqa: E402

EPS = 1e-6
MEAN, STD = 0.5, 0.5


class VitBlock(nn.Module):
    def __init__(self, d, heads, ff):
        super().__init__()
        self.heads = heads
        self.ln1, self.ln2 = nn.LayerNorm(d, eps=EPS), nn.LayerNorm(d, eps=EPS)
        self.q, self.k, self.v, self.o = (nn.Linear(d, d) for _ in range(4))
        self.up, self.down = nn.Linear(d, ff), nn.Linear(ff, d)

    def forward(self, x):
        b, n, d = x.shape
        h = self.ln1(x)
        q, k, v = (m(h).view(b, n, self.heads, -1).transpose(1, 2) for m in (self.q, self.k, self.v))
        att = torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(d // self.heads), dim=-1)
        x = x + self.o((att @ v).transpose(1, 2).reshape(b, n, d))
        return x + self.down(F.gelu(self.up(self.ln2(x)), approximate="tanh"))


class VisionTower(nn.Module):
    """ViT + projector: images [B, 3, S, S] in [0, 1] -> [B, patches, n_embd_out]."""

    def __init__(self, image_size=64, patch=8, d=128, heads=4, ff=512, layers=4,
                 mlp_hidden=256, n_embd_out=256):
        super().__init__()
        self.cfg = dict(image_size=image_size, patch=patch, d=d, heads=heads, ff=ff,
                        layers=layers, mlp_hidden=mlp_hidden, n_embd_out=n_embd_out)
        n = (image_size // patch) ** 2
        self.patch = nn.Conv2d(3, d, patch, stride=patch)
        self.pos = nn.Parameter(torch.randn(n, d) * 0.02)
        self.pre_ln, self.post_ln = nn.LayerNorm(d, eps=EPS), nn.LayerNorm(d, eps=EPS)
        self.blocks = nn.ModuleList([VitBlock(d, heads, ff) for _ in range(layers)])
        self.mm0, self.mm2 = nn.Linear(d, mlp_hidden), nn.Linear(mlp_hidden, n_embd_out)

    def features(self, images):
        """The ViT's output [B, patches, d] (post LayerNorm), before the projector."""
        x = self.patch((images - MEAN) / STD).flatten(2).transpose(1, 2) + self.pos
        x = self.pre_ln(x)
        for blk in self.blocks:
            x = blk(x)
        return self.post_ln(x)

    def project(self, x):
        return self.mm2(F.gelu(self.mm0(x), approximate="tanh"))

    def body_parameters(self):
        """The ViT's parameters (not the projector's)."""
        return [p for n, p in self.named_parameters() if not n.startswith("mm")]

    def forward(self, images):
        return self.project(self.features(images))


def lm_forward_embeds(lm: Llama, x):
    """The demo Llama on input embeddings [B, T, D] (its forward() takes token ids)."""
    from model import rope_tables
    cos, sin = rope_tables(lm.cfg, x.shape[1], x.device)
    for layer in lm.layers:
        x = layer(x, cos, sin)
    return F.linear(lm.norm(x), lm.embed_tokens.weight)
