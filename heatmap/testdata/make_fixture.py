#!/usr/bin/python3
"""Export the PyTorch fixture of the ONNX heatmap contract (package heatmap, ONNXModel).

Run from this directory with Debian's python3-torch and python3-onnx:

    /usr/bin/python3 make_fixture.py            # writes gnn.onnx and gnn.golden.json
    /usr/bin/python3 make_fixture.py --eval IN.json OUT.json

The model is a small graph network over the k-nearest-neighbour graph: node embeddings from the
coordinates, two rounds of attention-weighted messages from the k neighbours (Gather, batched
MatMul, Softmax), an edge MLP and a log-softmax over each row's k candidates, so the contract's
row softmax gives back the model's probabilities. Its weights are random (seeded): the fixture
checks that our runtime computes what PyTorch computes, not that the heatmap is any good.

gnn.golden.json holds the weights (state_dict, so --eval needs no ONNX reader) and one input
and PyTorch's output, each as {"shape": [...], "data": [...]} row-major: raw_coords (the
instance), coords (normalised as the contract says), edges (the 10 nearest neighbours, nearest
first) and scores. --eval reads {"coords", "edges"} from IN.json and writes {"scores"} to
OUT.json with the golden weights; the Go test that re-runs PyTorch uses it.
"""
import json
import sys

import torch
import torch.nn as nn

HIDDEN = 16
K = 10


class HeatmapGNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Linear(2, HIDDEN)
        self.query = nn.ModuleList([nn.Linear(HIDDEN, HIDDEN) for _ in range(2)])
        self.own = nn.ModuleList([nn.Linear(HIDDEN, HIDDEN) for _ in range(2)])
        self.message = nn.ModuleList([nn.Linear(HIDDEN, HIDDEN) for _ in range(2)])
        self.edge_i = nn.Linear(HIDDEN, HIDDEN)
        self.edge_j = nn.Linear(HIDDEN, HIDDEN, bias=False)
        self.edge_d = nn.Linear(1, HIDDEN, bias=False)
        self.out = nn.Linear(HIDDEN, 1)

    def forward(self, coords, edges):
        # coords [n, 2] float32, edges [n, k] int64 -> scores [n, k]
        diff = coords[edges] - coords.unsqueeze(1)             # Gather, Unsqueeze, Sub: [n, k, 2]
        d = torch.sqrt((diff * diff).sum(dim=-1, keepdim=True))  # [n, k, 1]
        d = d / d[:, :1, :].mean()                              # in units of the mean nearest distance
        x = torch.relu(self.embed(coords))                      # [n, h]
        for q, own, msg in zip(self.query, self.own, self.message):
            xj = x[edges]                                       # [n, k, h]
            att = torch.matmul(xj, q(x).unsqueeze(-1)) / HIDDEN ** 0.5  # [n, k, 1]
            att = torch.softmax(att - d, dim=1)
            m = torch.matmul(att.transpose(1, 2), xj).squeeze(1)  # [n, h]
            x = torch.relu(own(x) + msg(m))
        e = torch.relu(self.edge_i(x).unsqueeze(1) + self.edge_j(x[edges]) + self.edge_d(d))
        return torch.log_softmax(self.out(e).squeeze(-1), dim=1)


def tensor(t):
    return {"shape": list(t.shape), "data": t.reshape(-1).tolist()}


def untensor(d, dtype):
    return torch.tensor(d["data"], dtype=dtype).reshape(d["shape"])


def contract_inputs(raw):
    """The contract's coords and edges for raw coordinates [n, 2] (float64)."""
    lo = raw.min(dim=0).values
    ext = (raw.max(dim=0).values - lo).max()
    coords = ((raw - lo) / ext).float()
    dist = torch.cdist(raw, raw)
    dist.fill_diagonal_(float("inf"))
    edges = torch.argsort(dist, dim=1, stable=True)[:, :K]
    return coords, edges


def make():
    torch.manual_seed(20261207)
    model = HeatmapGNN().eval()
    gen = torch.Generator().manual_seed(7)
    raw = torch.rand(60, 2, generator=gen, dtype=torch.float64) * torch.tensor([800.0, 500.0]) + 100.0
    coords, edges = contract_inputs(raw)
    with torch.no_grad():
        scores = model(coords, edges)
        torch.onnx.export(model, (coords, edges), "gnn.onnx", opset_version=13,
                          input_names=["coords", "edges"], output_names=["scores"],
                          dynamic_axes={"coords": {0: "n"}, "edges": {0: "n", 1: "k"}, "scores": {0: "n", 1: "k"}})
    state = {name: tensor(p) for name, p in model.state_dict().items()}
    with open("gnn.golden.json", "w") as f:
        json.dump({"state": state, "raw_coords": tensor(raw), "coords": tensor(coords),
                   "edges": tensor(edges), "scores": tensor(scores)}, f)


def evaluate(src, dst):
    with open("gnn.golden.json") as f:
        golden = json.load(f)
    model = HeatmapGNN().eval()
    model.load_state_dict({k: untensor(v, torch.float32) for k, v in golden["state"].items()})
    with open(src) as f:
        inp = json.load(f)
    with torch.no_grad():
        scores = model(untensor(inp["coords"], torch.float32), untensor(inp["edges"], torch.int64))
    with open(dst, "w") as f:
        json.dump({"scores": tensor(scores)}, f)


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--eval":
        evaluate(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 1:
        make()
    else:
        sys.exit("usage: make_fixture.py [--eval IN.json OUT.json]")
