#!/usr/bin/env python3
"""bench/summarize_symoden.py: medians of bench/symoden_protocol.sh's results beside the
authors' figures (the issue's references, from the Symplectic-ODENet notebooks), as Markdown.

    python3 bench/summarize_symoden.py bench-symoden/results.jsonl
"""
import json
import statistics
import sys

# (task, figure) -> the reference's value.
REFERENCE = {
    (1, "train"): 502.6, (1, "prediction"): 4363.9,
    (2, "train"): 1.71e-2, (2, "test"): 1.23e-2, (2, "prediction"): 4.78e-2,
}
FIGURES = {  # figure -> the key in results.jsonl, per task
    1: [("train", "train_figure_drive_off"), ("prediction", "prediction_sse")],
    2: [("train", "train_trajectory_sse"), ("test", "test_trajectory_sse"), ("prediction", "prediction_sse")],
}


def fmt(v):
    if v is None:
        return "–"
    return f"{v:.3g}"


def median(rows, key):
    vals = [r[key] for r in rows if r.get(key) is not None]
    return statistics.median(vals) if vals else None


def main(path):
    rows = [json.loads(line) for line in open(path) if line.strip()]
    for task in sorted({r["task"] for r in rows}):
        print(f"**Task {task}** ({rows[0]['system'] if task == 1 else 'pendulum-embedded'})\n")
        figs = FIGURES[task]
        head = "| model | seeds | " + " | ".join(f"{f} (reference)" for f, _ in figs) + " | swing-up error (rad, per seed) | ms/step |"
        print(head)
        print("|---|---:|" + "---:|" * len(figs) + "---|---:|")
        for model in ("symoden", "baseline"):
            sel = [r for r in rows if r["task"] == task and r["model"] == model]
            if not sel:
                continue
            cells = []
            for f, key in figs:
                m = median(sel, key)
                ref = REFERENCE.get((task, f))
                cells.append(f"{fmt(m)} ({fmt(ref)})" if model == "symoden" else fmt(m))
            swing = ", ".join(fmt(r["final_angle_error"]) for r in sel if r.get("final_angle_error") is not None) or "–"
            ms = median(sel, "seconds_per_step")
            print(f"| {model} | {len(sel)} | " + " | ".join(cells) + f" | {swing} | {fmt(ms * 1e3 if ms else None)} |")
        print()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "bench-symoden/results.jsonl")
