"""Python's torch.load reads a data set written by `noether dataset` (the interop promise).

usage: python3 torch_load.py NOETHER_BINARY WORK_DIR
"""
import json
import os
import subprocess
import sys

import torch

noether, work = sys.argv[1], sys.argv[2]
path = os.path.join(work, "interop_pendulum.pt")
out = subprocess.run(
    [noether, "dataset", "--system", "pendulum", "--trajectories", "6", "--seed", "5",
     "-o", path, "--json"],
    check=True, capture_output=True, text=True).stdout
summary = json.loads(out)
d = torch.load(path)
assert d["kind"] == "noether.dataset" and d["format_version"] == 1, d
assert d["system"] == "pendulum" and d["seed"] == 5
assert d["x"].shape == (summary["train_samples"], 2), d["x"].shape
assert d["test_x"].shape == (summary["test_samples"], 2)
assert d["x"].dtype == torch.float64
# Targets are the pendulum's exact field H = 3(1 - cos q) + p^2 at the clean states: dq/dt = 2p
# and dp/dt = -3 sin q, so with noise 0.1 on the states the residual has a small spread.
q, p = d["x"][:, 0], d["x"][:, 1]
resid = d["dxdt"][:, 0] - 2 * p
assert 0.1 < resid.std() < 0.3, resid.std()
e = d["energy"]
assert torch.all(e > 0), "pendulum energies are positive"
os.remove(path)
print("torch.load read", path, "with", d["x"].shape[0], "training samples: ok")
