"""Gradient oracle for TestGradientsMatchPyTorch (torch_test.go).

Reads the JSON the test writes (parameters, positional table, observations,
loss coefficients), rebuilds Tassel et al.'s policy network in PyTorch in
float64, and for every observation prints the log-probabilities of
L = sum over legal actions a of c_a * log pi(a | o) and dL/dparameter from
autograd, as JSON on stdout. PyTorch is only a test oracle here.

Usage: python3 torch_gradients.py input.json
"""

import json
import sys

import torch
from torch import nn

D, FF, HEAD = 8, 32, 32
MASKED = -3.4028234663852886e38  # the logit of an illegal action


def head():
    # Linear(8,32) -> tanh -> Linear(32,1); the indices 0 and 2 are the
    # state-dict names (final_tmp.0, final_tmp.2).
    return nn.Sequential(nn.Linear(D, HEAD), nn.Tanh(), nn.Linear(HEAD, 1))


def encoder():
    # The authors' layers: one head, ReLU feed-forward, pre-norm. dropout=0
    # makes training and evaluation mode the same function.
    return nn.TransformerEncoderLayer(
        D, 1, dim_feedforward=FF, dropout=0.0, norm_first=True, batch_first=True
    )


class Actor(nn.Module):
    def __init__(self, pe):
        super().__init__()
        self.project = nn.Linear(4, D)
        self.embedding_fixed = nn.Embedding(2, 1)
        self.embedding_legal_op = nn.Embedding(2, 1)
        self.tokens_start_end = nn.Embedding(3, 4)
        self.enc1 = encoder()
        self.enc2 = encoder()
        self.final_tmp = head()
        self.no_op = head()
        # A buffer in the authors' model: not trained, no gradient compared.
        self.register_buffer("pe", pe)

    def forward(self, o):
        rep = o["interval_rep"]  # (J, 5, 4)
        tok = o["start_end_tokens"]  # (J, 5) long
        J = rep.shape[0]
        # Features [fixed-flag embedding, start lb, duration, next-op embedding];
        # token slots take the token embedding instead (torch.where sends no
        # gradient to the flag embeddings there).
        emb = torch.cat(
            [
                self.embedding_fixed(rep[:, :, 0].long()),
                rep[:, :, 1:3],
                self.embedding_legal_op(rep[:, :, 3].long()),
            ],
            dim=-1,
        )
        is_tok = (tok != 0).unsqueeze(-1)
        emb = torch.where(is_tok, self.tokens_start_end(tok), emb)
        # The positional encoding is added on real operations only.
        pos = self.pe[o["index_interval"]] * (~is_tok)
        x = self.project(emb) + pos
        # Per-job encoder over its 5-slot window; padding slots are masked as
        # keys but still take part in the mean.
        x = self.enc1(x, src_key_padding_mask=o["attention_mask"])
        h = x.mean(dim=1).unsqueeze(0)  # (1, J, 8)
        # Job-level encoder: job i attends to job k only where the job-resource
        # mask allows it (True in src_mask means "may not attend").
        src_mask = o["job_resource_mask"][:J, :J] == 0
        h2 = (self.enc2(h, src_mask=src_mask) + h)[0]
        job = self.final_tmp(h2)[:, 0]
        noop = self.no_op(h2)[:, 0].mean().reshape(1)  # mean over all jobs
        logits = torch.cat([job, noop]).masked_fill(o["action_mask"] == 0, MASKED)
        return torch.log_softmax(logits, dim=0)


def tensor(v, dtype=torch.float64):
    return torch.tensor(v, dtype=dtype)


def main():
    with open(sys.argv[1]) as f:
        inp = json.load(f)
    torch.set_default_dtype(torch.float64)
    pe = tensor(inp["pe"]).reshape(-1, D)
    net = Actor(pe)
    state = {"pe": pe}
    for name, t in inp["params"].items():
        state[name.removeprefix("actor.")] = tensor(t["data"]).reshape(t["shape"])
    net.load_state_dict(state, strict=True)
    net.eval()

    out = []
    for case in inp["cases"]:
        J = case["J"]
        o = {
            "interval_rep": tensor(case["interval_rep"]).reshape(J, 5, 4),
            "start_end_tokens": tensor(case["start_end_tokens"], torch.long).reshape(J, 5),
            "attention_mask": tensor(case["attention_mask"]).reshape(J, 5) != 0,
            "index_interval": tensor(case["index_interval"], torch.long).reshape(J, 5),
            "action_mask": tensor(case["action_mask"]),
            "job_resource_mask": tensor(case["job_resource_mask"]).reshape(J + 1, J + 1),
        }
        legal = o["action_mask"] != 0
        net.zero_grad()
        logp = net(o)
        loss = (tensor(case["coef"])[legal] * logp[legal]).sum()
        loss.backward()
        out.append(
            {
                # Illegal actions have log-probability -inf, which JSON cannot hold.
                "logp": [v if ok else None for v, ok in zip(logp.tolist(), legal.tolist())],
                "loss": loss.item(),
                "grads": {
                    "actor." + n: p.grad.flatten().tolist() for n, p in net.named_parameters()
                },
            }
        )
    json.dump({"torch": torch.__version__, "cases": out}, sys.stdout)


if __name__ == "__main__":
    main()
