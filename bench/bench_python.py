#!/usr/bin/env python3
"""Issue 19: speed from Python against the C++ figures and RDKit, in the same run.

    PYTHONPATH=build/python /usr/bin/python3 bench/bench_python.py [--build build] [--repeat 10]

Conformers per second through noether.conform (a list of RDKit Mols with hydrogens, one
conformer each, then ten; warm, best of --rounds) against the same C++ call in-process
(bench/bench_conform_molecules.cpp: Conformer::add_conformers on fresh copies, after a warm-up round; its runs
alternate with the Python rounds), beside the command line
`noether conform -i FILE --json` (its molecules_per_second: reading, model loading and SD writing
included, process start-up not) and RDKit's EmbedMultipleConfs (ETKDGv3) called from this Python
on the same Mols; ns per step of
Simulation.step(10**6) against `noether simulate --json` (ns_per_step); and the time to read 10^4
test particles' positions in one call. Inputs: bench/data/druglike.smi (210 drug-like molecules,
20-40 heavy atoms, outside the training split: bench/select_druglike.py), repeated --repeat times.
Prints a table and one line of JSON.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
from rdkit import Chem
from rdkit.Chem import AllChem

import noether


def read_smiles(path):
    out = []
    for line in open(path):
        line = line.strip()
        if line and not line.startswith("#"):
            out.append(line.split()[0])
    return out


def cli(build, *args):
    r = subprocess.run([os.path.join(build, "apps", "noether"), *map(str, args)], capture_output=True, text=True,
                       check=True)
    return json.loads(r.stdout.strip().splitlines()[-1])


def timed(f):
    t0 = time.perf_counter()
    f()
    return time.perf_counter() - t0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default="build")
    ap.add_argument("--smiles", default="bench/data/druglike.smi")
    ap.add_argument("--repeat", type=int, default=10)
    ap.add_argument("--steps", type=int, default=10**6)
    ap.add_argument("--rounds", type=int, default=2, help="timed rounds after a warm-up (best is kept)")
    ap.add_argument("--etkdg-molecules", type=int, default=210, help="molecules RDKit embeds (it is slow)")
    ap.add_argument("--json", action="store_true", help="only the JSON line")
    a = ap.parse_args()
    say = (lambda *x: None) if a.json else print
    result = {}

    smiles = read_smiles(a.smiles)
    work = tempfile.mkdtemp()
    many = os.path.join(work, "many.smi")
    with open(many, "w") as f:
        for k in range(a.repeat):
            for i, s in enumerate(smiles):
                f.write(f"{s} m{i}_{k}\n")
    mols = [Chem.AddHs(Chem.MolFromSmiles(s)) for s in smiles] * a.repeat
    say(f"conformers: {len(mols)} drug-like molecules ({len(smiles)} x {a.repeat}), hydrogens explicit; "
        f"noether.conform and the C++ call (bench_conform_molecules) warm, best of {a.rounds} rounds")
    say(f"{'threads':>7} {'confs':>5} {'noether.conform':>16} {'C++ add_conformers':>22} {'ratio':>6}"
        f" {'noether conform CLI':>20} {'RDKit EmbedMultipleConfs':>25}")
    for confs in (1, 10):
        for threads in (1, 2):
            # Rounds of the Python call and of the C++ program alternate, so that both see the same
            # machine (its speed drifts by tens of percent over minutes); best of each.
            rates, cpp_rates = [], []
            for r in range(a.rounds + 1):  # round 0 of the Python call warms up (model load, memory)
                batch = [Chem.Mol(m) for m in mols]
                t = timed(lambda: noether.conform(batch, num_confs=confs, seed=0, threads=threads))
                if r == 0:
                    continue
                rates.append(len(batch) / t)
                cpp_rates.append(json.loads(subprocess.run(
                    [os.path.join(a.build, "bench", "bench_conform_molecules"), a.smiles, "--repeat", str(a.repeat),
                     "--num-confs", str(confs), "--threads", str(threads), "--rounds", "2"],
                    capture_output=True, text=True, check=True).stdout.strip().splitlines()[-1])["molecules_per_second"])
            py, cpp = max(rates), max(cpp_rates)
            c = cli(a.build, "conform", "-i", many, "-o", os.path.join(work, "out.sdf"), "--threads", threads,
                    "--num-confs", confs, "--json", "-q")["molecules_per_second"]
            # RDKit from the same Python, same molecules (fewer of them: it is slow).
            subset = [Chem.Mol(m) for m in mols[: a.etkdg_molecules // (1 if confs == 1 else 5)]]
            params = AllChem.ETKDGv3()
            params.randomSeed = 61453
            params.numThreads = threads
            rd = len(subset) / timed(lambda: [AllChem.EmbedMultipleConfs(m, confs, params) for m in subset])
            say(f"{threads:>7} {confs:>5} {py:>12.1f} mol/s {cpp:>16.1f} mol/s {py / cpp:>6.3f} {c:>14.1f} mol/s"
                f" {rd:>19.1f} mol/s  (noether.conform {py / rd:.0f}x RDKit)")
            key = f"conform_{confs}conf_{threads}t"
            result[key + "_python_mol_per_s"] = py
            result[key + "_cpp_mol_per_s"] = cpp
            result[key + "_cli_mol_per_s"] = c
            result[key + "_rdkit_mol_per_s"] = rd

    # Planetary systems: ns per step, the outer solar system, dt = 10 days (best of seven each, alternating).
    py_ns, cli_ns = [], []
    for _ in range(7):  # alternating, best of each (the machine drifts)
        sim = noether.Simulation.outer_solar_system(dt=10.0)
        py_ns.append(timed(lambda: sim.step(a.steps)) / a.steps * 1e9)
        cli_ns.append(cli(a.build, "simulate", "--system", "outer-solar-system", "--dt", 10, "--steps", a.steps,
                          "--outputs", 1, "--no-csv", "--no-plot", "--json", "-q")["ns_per_step"])
    say(f"\nSimulation.step({a.steps}): {min(py_ns):.1f} ns/step from Python, {min(cli_ns):.1f} ns/step in "
        f"`noether simulate` ({min(py_ns) / min(cli_ns):.3f}x)")
    result.update(step_python_ns=min(py_ns), step_cli_ns=min(cli_ns), steps=a.steps)

    # 10^4 test particles: a read after a step synchronizes a copy of the integrator (the first
    # read of a simulation also allocates that copy), later reads of the same state copy it out.
    sim = noether.Simulation.sun_jupiter_saturn(test_particles=10000)
    sim.step(100)
    first = timed(sim.positions)
    after_step = []
    for _ in range(20):
        sim.step(1)
        after_step.append(timed(sim.positions))
    again = min(timed(sim.positions) for _ in range(100))
    r = sim.positions()
    assert r.shape == (10003, 3) and np.isfinite(r).all()
    say(f"positions() of 10^4 test particles: {first * 1e3:.3f} ms the first time (allocating the copy), "
        f"{min(after_step) * 1e3:.3f} ms after each step (median {sorted(after_step)[10] * 1e3:.3f}), "
        f"{again * 1e3:.3f} ms read again")
    result.update(positions_first_ms=first * 1e3, positions_after_step_ms=min(after_step) * 1e3,
                  positions_after_step_median_ms=sorted(after_step)[10] * 1e3, positions_again_ms=again * 1e3)
    print(json.dumps(result))


if __name__ == "__main__":
    sys.exit(main())
