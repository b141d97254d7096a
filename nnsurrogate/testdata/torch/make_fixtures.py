#!/usr/bin/python3
"""Export the PyTorch fixtures used by the nnsurrogate tests.

Run from this directory with Debian's python3-torch:  /usr/bin/python3 make_fixtures.py
For every model and opset (13 and 17) it writes NAME_opN.onnx, and per model NAME.in.json
and NAME.out.json (each input/output name -> {"shape": [...], "data": [...]}, row-major,
booleans and integers written as numbers). Python is only needed to regenerate these files.
"""
import json
import math

import torch
import torch.nn as nn

torch.manual_seed(20261127)
torch.set_grad_enabled(False)


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(16, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 1))

    def forward(self, x):
        return self.net(x)


class DeepSets(nn.Module):
    def __init__(self, mean):
        super().__init__()
        self.mean = mean
        self.phi = nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Linear(32, 16), nn.Tanh())
        self.rho = nn.Sequential(nn.Linear(16, 32), nn.ReLU(), nn.Linear(32, 2), nn.Sigmoid())

    def forward(self, x):
        h = self.phi(x)
        h = h.mean(dim=1) if self.mean else h.sum(dim=1)
        return self.rho(h)


class MaskedAttention(nn.Module):
    """Single-head attention with a key mask, residual and LayerNorm, then a softmax head."""

    def __init__(self, d=16):
        super().__init__()
        self.d = d
        self.q = nn.Linear(d, d)
        self.k = nn.Linear(d, d)
        self.v = nn.Linear(d, d)
        self.o = nn.Linear(d, d)
        self.ln = nn.LayerNorm(d)
        self.head = nn.Linear(d, 1)

    def forward(self, x, mask):
        q, k, v = self.q(x), self.k(x), self.v(x)
        s = torch.matmul(q, k.transpose(1, 2)) / math.sqrt(self.d)
        s = s.masked_fill(~mask.unsqueeze(1), -1e9)
        a = torch.softmax(s, dim=-1)
        h = self.ln(x + self.o(torch.matmul(a, v)))
        logits = self.head(h).squeeze(-1)
        logits = logits.masked_fill(~mask, -1e9)
        return torch.softmax(logits, dim=-1), h


class Embed(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(10, 8)
        self.out = nn.Linear(8, 3)

    def forward(self, idx):
        return self.out(torch.relu(self.emb(idx)).mean(dim=1))


class Policy(nn.Module):
    """nn.MultiheadAttention with a key padding mask: torch's Shape/Gather/Where/Expand plumbing."""

    def __init__(self, d=8):
        super().__init__()
        self.inp = nn.Linear(4, d)
        self.mha = nn.MultiheadAttention(d, 2, batch_first=True)
        self.ln = nn.LayerNorm(d)
        self.ff = nn.Sequential(nn.Linear(2 * d, 16), nn.Tanh(), nn.Linear(16, 1))

    def train(self, mode=True):
        # Dropout is 0, so training mode computes the same values; it keeps torch off its fused
        # inference kernel, which has no ONNX export.
        super().train(mode)
        self.mha.train(True)
        return self

    def forward(self, x, pad):
        h = self.inp(x)
        a, _ = self.mha(h, h, h, key_padding_mask=pad, need_weights=False)
        h = self.ln(h + a)
        ctx = h.mean(dim=1, keepdim=True).expand(-1, h.shape[1], -1)
        logits = self.ff(torch.cat([h, ctx], dim=-1)).squeeze(-1)
        logits = logits.masked_fill(pad, float("-inf"))
        return torch.softmax(logits, dim=-1)


class SetEncoder(nn.Module):
    """Neur2RO's value network: per-item embedding, sum, post-aggregation MLP for the first-stage
    and the scenario branches (no biases), concatenated, then the value MLP."""

    def __init__(self):
        super().__init__()

        def mlp(a, b, c, bias):
            return nn.Sequential(nn.Linear(a, b, bias=bias), nn.ReLU(), nn.Linear(b, c, bias=bias))

        self.ex, self.px = mlp(7, 32, 16, False), mlp(16, 64, 8, False)
        self.exi, self.pxi = mlp(7, 32, 16, False), mlp(16, 64, 8, False)
        self.v = mlp(16, 8, 1, True)

    def forward(self, x, xi):
        hx = self.px(self.ex(x).sum(dim=1))
        hxi = self.pxi(self.exi(xi).sum(dim=1))
        return self.v(torch.cat([hx, hxi], dim=-1))


class Misc(nn.Module):
    """A grab bag of the tensor operations torch emits for small policy and value networks."""

    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(6, 6)
        self.idx = torch.tensor([4, 0, 2])

    def forward(self, x):  # x: [batch, n, 6]
        b, n = x.shape[0], x.shape[1]
        h = torch.nn.functional.gelu(self.lin(x))
        a = torch.softmax(h, dim=1) + torch.sigmoid(h).pow(3) + torch.sqrt(torch.abs(h) + 1)
        a = torch.where(h > 0, a, 0.1 * a)
        a = torch.maximum(a, torch.clamp(h, -0.5, 0.5))
        p = a.permute(0, 2, 1)                                # [b, 6, n]
        sel = torch.index_select(p, 1, self.idx)              # [b, 3, n]
        m = sel.mean(dim=(1, 2), keepdim=True)                # [b, 1, 1]
        top = torch.amax(sel, dim=-1)                         # [b, 3]
        flat = (sel - m).reshape(b, -1) / n                   # [b, 3n]
        s = flat.sum(dim=-1, keepdim=True).expand(-1, 3)      # [b, 3]
        return torch.log_softmax(top + s, dim=-1), torch.flatten(x[:, :2, :], 1)


class Transformer(nn.Module):
    """The job-shop policy's shape: a pre-norm one-head TransformerEncoderLayer with a key
    padding mask, then a per-item logit with masking."""

    def __init__(self, d=8):
        super().__init__()
        self.inp = nn.Linear(4, d)
        self.enc = nn.TransformerEncoderLayer(d, 1, dim_feedforward=32, dropout=0.0, norm_first=True, batch_first=True)
        self.out = nn.Linear(d, 1)

    def train(self, mode=True):
        # As in Policy: dropout is 0 and training mode avoids the fused kernel.
        super().train(mode)
        self.enc.train(True)
        return self

    def forward(self, x, pad):
        h = self.enc(self.inp(x), src_key_padding_mask=pad)
        return self.out(h).squeeze(-1).masked_fill(pad, -3.4028e38)


def tensor_json(t):
    return {"shape": list(t.shape), "data": [float(v) for v in t.reshape(-1).tolist()]}


def export(name, model, inputs, input_names, output_names, dynamic):
    model.eval()
    outs = model(*inputs)
    if not isinstance(outs, tuple):
        outs = (outs,)
    with open(name + ".in.json", "w") as f:
        json.dump({n: tensor_json(t) for n, t in zip(input_names, inputs)}, f)
    with open(name + ".out.json", "w") as f:
        json.dump({n: tensor_json(t) for n, t in zip(output_names, outs)}, f)
    for opset in (13, 17):
        torch.onnx.export(model, inputs, "%s_op%d.onnx" % (name, opset), opset_version=opset,
                          input_names=input_names, output_names=output_names, dynamic_axes=dynamic)


B = 4
export("mlp", MLP(), (torch.randn(B, 16),), ["x"], ["y"], {"x": {0: "batch"}, "y": {0: "batch"}})
for mean in (False, True):
    export("deepsets_mean" if mean else "deepsets_sum", DeepSets(mean), (torch.randn(B, 5, 8),), ["x"], ["y"],
           {"x": {0: "batch", 1: "n"}, "y": {0: "batch"}})
mask = torch.ones(B, 6, dtype=torch.bool)
mask[1, 4:] = False
mask[3, 2:] = False
export("attention", MaskedAttention(), (torch.randn(B, 6, 16), mask), ["x", "mask"], ["p", "h"],
       {"x": {0: "batch", 1: "n"}, "mask": {0: "batch", 1: "n"}, "p": {0: "batch", 1: "n"}, "h": {0: "batch", 1: "n"}})
export("embed", Embed(), (torch.randint(0, 10, (B, 7)),), ["idx"], ["y"], {"idx": {0: "batch", 1: "n"}, "y": {0: "batch"}})
pad = torch.zeros(B, 5, dtype=torch.bool)
pad[0, 3:] = True
pad[2, 1:] = True
export("policy", Policy(), (torch.randn(B, 5, 4), pad), ["x", "pad"], ["p"],
       {"x": {0: "batch", 1: "n"}, "pad": {0: "batch", 1: "n"}, "p": {0: "batch", 1: "n"}})
export("setencoder", SetEncoder(), (torch.randn(B, 6, 7), torch.randn(B, 6, 7)), ["x", "xi"], ["value"],
       {"x": {0: "batch", 1: "n"}, "xi": {0: "batch", 1: "n"}, "value": {0: "batch"}})
export("misc", Misc(), (torch.randn(B, 5, 6),), ["x"], ["logp", "head"],
       {"x": {0: "batch", 1: "n"}, "logp": {0: "batch"}, "head": {0: "batch"}})
export("transformer", Transformer(), (torch.randn(B, 5, 4), pad), ["x", "pad"], ["logits"],
       {"x": {0: "batch", 1: "n"}, "pad": {0: "batch", 1: "n"}, "logits": {0: "batch", 1: "n"}})
