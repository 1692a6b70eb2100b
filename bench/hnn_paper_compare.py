"""Side by side: noether against the HNN paper's own code on the spring and pendulum tasks, both
trained over several seeds and both scored by one evaluator (the paper's analysis notebooks'
procedure), so that seed-to-seed spread is visible next to the single figures the paper reports.

For each seed s: the paper's train() (experiment-spring or experiment-pend of a checkout of
greydanus/hamiltonian-nn made outside this repository, seed s for its data and weights) and
`noether train --seed s --data-seed s`, baseline and HNN. Each trained field is integrated with
scipy's solve_ivp (RK45, rtol 1e-12) from 15 starts drawn as in the notebooks (q and p each uniform
on +-[0.2, 1.0], numpy RandomState(s)) over t in [0, 20] at 100 points, and scored by the mean of
(H(x_learned) - H(x_true))^2 with the true H (pendulum: 3 (1 - cos q) + p^2).

usage: python3 hnn_paper_compare.py --repo PATH --noether BUILD/apps/noether --system spring|pend
                                    [--seeds 5] [--first-seed 0] [--threads 1]
prints a line per seed and model, then one line of JSON with the medians.
Needs Debian's python3-torch, python3-numpy and python3-scipy.
"""
import argparse
import contextlib
import importlib
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch
from scipy.integrate import solve_ivp

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hnn_original  # noqa: E402  (the autograd / imageio stand-ins)

SYSTEMS = {
    "spring": (lambda y: y[0] ** 2 + y[1] ** 2, lambda t, y: np.array([2 * y[1], -2 * y[0]])),
    "pend": (lambda y: 3 * (1 - np.cos(y[0])) + y[1] ** 2,
             lambda t, y: np.array([2 * y[1], -3 * np.sin(y[0])])),
}


def noether_field(path):
    """The trained noether model as a function of one state (its checkpoint is a torch archive)."""
    params = {k.split(".", 2)[2]: v.detach() for k, v in torch.jit.load(path).named_parameters()
              if k.startswith("model.")}
    hnn = "linear2.weight" in params and params["linear2.weight"].shape[0] == 1

    def net(x):
        h = torch.tanh(x @ params["linear0.weight"].T + params["linear0.bias"])
        h = torch.tanh(h @ params["linear1.weight"].T + params["linear1.bias"])
        out = h @ params["linear2.weight"].T
        return out + params["linear2.bias"] if "linear2.bias" in params else out

    def field(t, y):
        x = torch.tensor(y, dtype=torch.float32).view(1, 2).requires_grad_(hnn)
        if not hnn:
            return net(x).detach().numpy().reshape(-1)
        g, = torch.autograd.grad(net(x).sum(), x)
        return np.array([g[0, 1].item(), -g[0, 0].item()])
    return field


def original_field(model):
    def field(t, y):
        x = torch.tensor(y, requires_grad=True, dtype=torch.float32).view(1, 2)
        return model.time_derivative(x).data.numpy().reshape(-1)
    return field


def energy_mse(field, system, seed):
    energy, truth = SYSTEMS[system]
    rng = np.random.RandomState(seed)
    t_eval = np.linspace(0, 20, 100)
    errors = []
    for _ in range(15):
        x0 = rng.rand(2) * 1.6 - 0.8
        x0 += 0.2 * np.sign(x0)
        true_x = solve_ivp(truth, [0, 20], x0, t_eval=t_eval, rtol=1e-12)["y"].T
        learned = solve_ivp(field, [0, 20], x0, t_eval=t_eval, rtol=1e-12)["y"].T
        if learned.shape != true_x.shape:
            return float("inf")
        errors.append(np.mean([(energy(a) - energy(b)) ** 2 for a, b in zip(true_x, learned)]))
    return float(np.mean(errors))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repo", required=True)
    ap.add_argument("--noether", required=True)
    ap.add_argument("--system", default="spring", choices=sorted(SYSTEMS))
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--first-seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    hnn_original.install_stand_ins()
    sys.path.insert(0, os.path.abspath(a.repo))
    sys.path.insert(0, os.path.join(os.path.abspath(a.repo), "experiment-" + a.system))
    train_module = importlib.import_module("train")
    noether_system = {"spring": "spring", "pend": "pendulum"}[a.system]
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for seed in range(a.first_seed, a.first_seed + a.seeds):
            for kind in ("baseline", "hnn"):
                sys.argv = [sys.argv[0]] + (["--baseline"] if kind == "baseline" else [])
                args = train_module.get_args()
                args.seed = seed
                with contextlib.redirect_stdout(sys.stderr):
                    model, _ = train_module.train(args)
                paper = energy_mse(original_field(model), a.system, seed)
                path = os.path.join(tmp, "%s-%d.pt" % (kind, seed))
                subprocess.run([a.noether, "train", "--system", noether_system, "--model", kind,
                                "--seed", str(seed), "--data-seed", str(seed), "--threads",
                                str(a.threads), "-q", "-o", path], check=True,
                               stdout=subprocess.DEVNULL)
                ours = energy_mse(noether_field(path), a.system, seed)
                results.setdefault(kind, {"paper_code": [], "noether": []})
                results[kind]["paper_code"].append(paper)
                results[kind]["noether"].append(ours)
                print("%s seed %d %s: energy MSE paper code %.3e, noether %.3e"
                      % (a.system, seed, kind, paper, ours), flush=True)
    summary = {"system": a.system, "seeds": a.seeds}
    for kind, r in results.items():
        for impl, values in r.items():
            summary["%s_%s_energy_mse_median" % (kind, impl)] = float(np.median(values))
            summary["%s_%s_energy_mse" % (kind, impl)] = values
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
