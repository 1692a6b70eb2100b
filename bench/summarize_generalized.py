#!/usr/bin/env python3
"""Medians over seeds of bench/bench_generalized.sh's results.jsonl, as Markdown tables."""
import json
import math
import statistics
import sys
from collections import defaultdict

rows = [json.loads(line) for line in open(sys.argv[1] if len(sys.argv) > 1 else "bench-generalized/results.jsonl")]
groups = defaultdict(list)
order = []
for r in rows:
    key = (r["system"], r["model"])
    if key not in groups:
        order.append(key)
    groups[key].append(r)


def median(values):
    # null (a rollout that left the system's domain or diverged) counts as infinite
    vals = [math.inf if v is None else v for v in values]
    return statistics.median(vals) if vals else math.nan


def fmt(v):
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "–"
    if math.isinf(v):
        return "diverged"
    return f"{v:.3g}"


# One table per system, in the order systems first appear; models in the order they first appear.
systems_seen = []
for system_name, _ in order:
    if system_name not in systems_seen:
        systems_seen.append(system_name)
order.sort(key=lambda k: systems_seen.index(k[0]))
system = None
notes = []
for key in order:
    if key[0] != system:
        system = key[0]
        print(f"\n**{system}**\n")
        print("| model | seeds | derivative MSE | rollout MSE (horizon) | energy error at horizon | energy error at 10x | structure residual | ms/step |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|")
    g = groups[key]
    res = [r["structure_residual"] for r in g if r["structure_residual"] is not None]
    swing = [r.get("final_angle_error") for r in g if r.get("final_angle_error") is not None]
    print(f"| {key[1]} | {len(g)} | {fmt(median([r['test_loss'] for r in g]))} | "
          f"{fmt(median([r['trajectory_mse'] for r in g]))} | {fmt(median([r['energy_drift_horizon'] for r in g]))} | "
          f"{fmt(median([r['energy_drift_10x'] for r in g]))} | {fmt(statistics.median(res)) if res else '–'} | "
          f"{fmt(1e3 * median([r['seconds_per_step'] for r in g]))} |")
    if swing:
        notes.append(f"{key[1]} swing-up (`noether control`): median {fmt(statistics.median(swing))} rad from upright "
                     f"after 200 steps of 0.05 (seeds: {', '.join(fmt(v) for v in swing)})")
    last = key is order[-1] or order[order.index(key) + 1][0] != key[0]
    if last and notes:
        print("\n" + "\n".join(notes))
        notes = []
