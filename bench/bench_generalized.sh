#!/bin/sh
# bench/bench_generalized.sh: the generalized Hamiltonian models of issue 16 beside HNN and an
# unstructured ODE-net (baseline), same data, budget and seeds, for every system.
#
#   bash bench/bench_generalized.sh [NOETHER] [OUT_DIR] [SEEDS] [STEPS]
#     NOETHER  the program (default build/apps/noether)
#     OUT_DIR  results (default bench-generalized/): results.jsonl, one line per (system, model,
#              seed), and energy plots of seed 0 (SYSTEM-MODEL.svg)
#     SEEDS    how many seeds, 0..SEEDS-1 (default 5)
#     STEPS    Adam steps per model (default 400)
# Then: python3 bench/summarize_generalized.py OUT_DIR/results.jsonl (medians, a Markdown table).
#
# Every model of a system gets the same pointwise (derivative-matching) loss, steps, width 64,
# two hidden layers, learning rate 1e-3, minibatches of 256 and weight seed; the data set is the
# system's protocol with data seed 0. Each trained model is evaluated twice from 5 random starts:
# over the protocol's horizon (trajectory_mse) and over ten times it (energy_drift).
set -eu
NOETHER=${1:-build/apps/noether}
OUT=${2:-bench-generalized}
SEEDS=${3:-5}
STEPS=${4:-400}
mkdir -p "$OUT"
RESULTS="$OUT/results.jsonl"
: > "$RESULTS"

# system | horizon | models
SPECS="damped-pendulum 20 ghnn,pq,hnn,baseline
duffing 10 ghnn,pq,hnn,baseline
lorenz 2 ghnn,pq,baseline
gas-container 8 generic,generic-soft,hnn,baseline
two-springs-qv 5 nsf,hnn,baseline
lotka-volterra 5 nsf,pq,hnn,baseline
double-pendulum-qv 5 nsf,hnn,baseline"

seed=0
while [ "$seed" -lt "$SEEDS" ]; do
  echo "$SPECS" | while read -r system horizon models; do
    for model in $(echo "$models" | tr ',' ' '); do
      ckpt="$OUT/$system-$model-$seed.pt"
      train=$("$NOETHER" train --system "$system" --model "$model" --steps "$STEPS" --hidden 64 --layers 2 \
        --lr 1e-3 --batch-size 256 --weight-decay 0 --seed "$seed" -o "$ckpt" --json -q)
      plot=""
      [ "$seed" -eq 0 ] && plot="--plot $OUT/$system-$model.svg"
      short=$("$NOETHER" evaluate --model "$ckpt" --starts 5 --points 200 --t1 "$horizon" $plot --json)
      long_t1=$(awk "BEGIN { print 10 * $horizon }")
      long=$("$NOETHER" evaluate --model "$ckpt" --starts 5 --points 2000 --t1 "$long_t1" --json)
      jq -c -n --argjson t "$train" --argjson s "$short" --argjson l "$long" --arg seed "$seed" \
        '{system: $t.system, model: $t.model, seed: ($seed | tonumber), steps: $t.steps,
          seconds_per_step: $t.seconds_per_step, test_loss: $s.test_loss,
          trajectory_mse: $s.trajectory_mse, energy_drift_horizon: $s.energy_drift,
          energy_drift_10x: $l.energy_drift, structure_residual: $s.structure_residual}' >> "$RESULTS"
      echo "$system $model seed $seed: $(tail -n 1 "$RESULTS")" >&2
      rm -f "$ckpt" "$ckpt.json"
    done
  done
  seed=$((seed + 1))
done
