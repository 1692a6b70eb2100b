"""Times the HNN paper's own training script (greydanus/hamiltonian-nn, experiment-spring or
experiment-pend) on this machine, for the side-by-side in docs/benchmarks.md.

The original code is not part of noether: pass the path of a checkout made outside this repository
(git clone https://github.com/greydanus/hamiltonian-nn). Its data scripts import the `autograd`
package only to differentiate the analytic Hamiltonian when generating the data set; when that
package is missing (Debian does not ship it) a central-difference stand-in is installed, which
changes nothing in the timed training loop. `imageio` (imported by its utils, unused here) is
stubbed the same way.

usage: python3 hnn_original.py --repo PATH [--experiment spring] [--steps 300] [--threads 1]
                               [--baseline]
prints one line of JSON with seconds_per_step: the wall time of train() for --steps steps, minus
the time of the same call for 0 steps (data generation, model set-up), divided by the steps.
"""
import argparse
import contextlib
import importlib
import json
import os
import sys
import time
import types

import numpy
import torch


def install_stand_ins():
    try:
        import autograd  # noqa: F401
    except ImportError:
        def grad(f):
            def g(x):
                x = numpy.asarray(x, dtype=float)
                out = numpy.zeros_like(x)
                for i in range(x.size):
                    h = 1e-6 * max(1.0, abs(x.flat[i]))
                    e = numpy.zeros_like(x)
                    e.flat[i] = h
                    out.flat[i] = (numpy.sum(f(x + e)) - numpy.sum(f(x - e))) / (2 * h)
                return out
            return g
        mod = types.ModuleType("autograd")
        mod.numpy = numpy
        mod.grad = grad
        sys.modules["autograd"] = mod
        sys.modules["autograd.numpy"] = numpy
    try:
        import imageio  # noqa: F401
    except ImportError:
        sys.modules["imageio"] = types.ModuleType("imageio")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repo", required=True, help="checkout of greydanus/hamiltonian-nn")
    ap.add_argument("--experiment", default="spring", choices=["spring", "pend"])
    ap.add_argument("--steps", type=int, default=300)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--baseline", action="store_true")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    install_stand_ins()
    exp_dir = os.path.join(os.path.abspath(a.repo), "experiment-" + a.experiment)
    sys.path.insert(0, os.path.abspath(a.repo))
    sys.path.insert(0, exp_dir)
    sys.argv = [sys.argv[0]] + (["--baseline"] if a.baseline else [])
    train_module = importlib.import_module("train")
    args = train_module.get_args()

    def timed(steps):
        args.total_steps = steps
        start = time.perf_counter()
        with contextlib.redirect_stdout(sys.stderr):  # its final-loss printout
            train_module.train(args)
        return time.perf_counter() - start

    timed(20)  # warm-up: first-call allocations, BLAS threads
    setup = timed(0)
    total = timed(a.steps)
    print(json.dumps({"implementation": "hnn-paper-code", "experiment": a.experiment,
                      "model": "baseline" if a.baseline else "hnn", "threads": a.threads,
                      "steps": a.steps, "torch_version": torch.__version__,
                      "seconds_per_step": (total - setup) / a.steps}))


if __name__ == "__main__":
    main()
