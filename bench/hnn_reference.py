"""Reference timing of an HNN training step in Python/PyTorch, for comparison with noether.

The model and step follow the HNN paper's spring protocol: MLP 2-200-200-1 with tanh, orthogonal
initialisation (default biases), no bias on the last layer; the vector field from autograd with create_graph; MSE
against derivative targets; Adam (lr 1e-3, weight decay 1e-4); full batch of 750 samples in
float32. Written for this benchmark (not taken from the paper's code).

usage: python3 hnn_reference.py --threads N [--steps S] [--model hnn|baseline]
prints one line of JSON with seconds_per_step.
"""
import argparse
import json
import time

import torch


def mlp(inp, hidden, out, last_bias):
    layers = [torch.nn.Linear(inp, hidden), torch.nn.Tanh(),
              torch.nn.Linear(hidden, hidden), torch.nn.Tanh(),
              torch.nn.Linear(hidden, out, bias=last_bias)]
    for layer in layers:
        if isinstance(layer, torch.nn.Linear):
            torch.nn.init.orthogonal_(layer.weight)
    return torch.nn.Sequential(*layers)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--steps", type=int, default=300)
    ap.add_argument("--samples", type=int, default=750)
    ap.add_argument("--model", default="hnn")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    x = torch.randn(a.samples, 2)
    dxdt = torch.randn(a.samples, 2)
    if a.model == "hnn":
        net = mlp(2, 200, 1, False)

        def field(s):
            s = s.detach().requires_grad_(True)
            h = net(s).sum()
            g, = torch.autograd.grad(h, s, create_graph=True)
            return torch.cat([g[:, 1:2], -g[:, 0:1]], 1)
    else:
        net = mlp(2, 200, 2, False)
        field = net
    opt = torch.optim.Adam(net.parameters(), lr=1e-3, weight_decay=1e-4)

    def step():
        opt.zero_grad()
        loss = ((field(x) - dxdt) ** 2).mean()
        loss.backward()
        opt.step()
        return loss

    for _ in range(10):
        step()
    start = time.perf_counter()
    for _ in range(a.steps):
        step()
    elapsed = time.perf_counter() - start
    print(json.dumps({"implementation": "python-pytorch", "torch_version": torch.__version__,
                      "model": a.model, "threads": a.threads, "steps": a.steps,
                      "samples": a.samples, "seconds_per_step": elapsed / a.steps}))


if __name__ == "__main__":
    main()
