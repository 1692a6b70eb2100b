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
#   SYSTEMS="duffing lorenz" MODELS="ghnn" bash bench/bench_generalized.sh ...   only those
#   APPEND=1 ...   add to results.jsonl instead of starting it afresh
#   HIDDEN=200 BATCH=1000 ...   another width (default 64) or minibatch (default 256) for every model
#   TRAIN_ARGS="--normalize" ...   more `noether train` options for every model (the rows are then
#              labelled MODEL + TRAIN_ARGS, e.g. "pq --normalize")
# Then: python3 bench/summarize_generalized.py OUT_DIR/results.jsonl (medians, a Markdown table).
#
# Every model of a system gets the same loss (pointwise derivative matching; for the driven pendulums
# RK4 rollouts of 5 steps, SymODEN's protocol), steps, width (64 unless HIDDEN), two hidden layers, learning rate
# 1e-3, minibatches of 256 (unless BATCH) and weight seed; the data set is the system's protocol with data seed
# 0. Each trained model is evaluated twice from 5 random starts: over the protocol's horizon
# (trajectory_mse) and over ten times it (energy_drift). SymODEN models also run the swing-up
# (`noether control`, final_angle_error).
set -eu
NOETHER=${1:-build/apps/noether}
OUT=${2:-bench-generalized}
SEEDS=${3:-5}
STEPS=${4:-400}
HIDDEN=${HIDDEN:-64}
BATCH=${BATCH:-256}
mkdir -p "$OUT"
RESULTS="$OUT/results.jsonl"
[ -n "${APPEND:-}" ] || : > "$RESULTS"   # APPEND=1: add to the file

# system | horizon | models | loss
SPECS="damped-pendulum 20 ghnn,pq,hnn,baseline pointwise
duffing 10 ghnn,pq,hnn,baseline pointwise
lorenz 2 ghnn,pq,baseline pointwise
gas-container 8 generic,generic-soft,hnn,baseline pointwise
two-springs-qv 5 nsf,hnn,baseline pointwise
lotka-volterra 5 nsf,pq,hnn,baseline pointwise
double-pendulum-qv 5 nsf,hnn,baseline pointwise
pendulum-control 2.2 symoden,baseline rollout
pendulum-embedded 0.95 symoden,baseline rollout"

seed=0
while [ "$seed" -lt "$SEEDS" ]; do
  echo "$SPECS" | while read -r system horizon models loss; do
    if [ -n "${SYSTEMS:-}" ] && ! echo " $SYSTEMS " | grep -q " $system "; then continue; fi
    for model in $(echo "$models" | tr ',' ' '); do
      if [ -n "${MODELS:-}" ] && ! echo " $MODELS " | grep -q " $model "; then continue; fi
      ckpt="$OUT/$system-$model-$seed.pt"
      train=$("$NOETHER" train --system "$system" --model "$model" --steps "$STEPS" --hidden "$HIDDEN" --layers 2 \
        --lr 1e-3 --batch-size "$BATCH" --weight-decay 0 --seed "$seed" --loss "$loss" --rollout-steps 5 \
        ${TRAIN_ARGS:-} -o "$ckpt" --json -q)
      plot=""
      [ "$seed" -eq 0 ] && plot="--plot $OUT/$system-$model.svg"
      short=$("$NOETHER" evaluate --model "$ckpt" --starts 5 --points 200 --t1 "$horizon" $plot --json)
      long_t1=$(awk "BEGIN { print 10 * $horizon }")
      long=$("$NOETHER" evaluate --model "$ckpt" --starts 5 --points 2000 --t1 "$long_t1" --json)
      control='{"final_angle_error": null}'
      [ "$model" = symoden ] && control=$("$NOETHER" control --model "$ckpt" --json)
      jq -c -n --argjson t "$train" --argjson s "$short" --argjson l "$long" --argjson c "$control" --arg seed "$seed" \
        --arg args "${TRAIN_ARGS:-}" \
        '{system: $t.system, model: ([$t.model, $args] | map(select(. != "")) | join(" ")), seed: ($seed | tonumber), steps: $t.steps,
          seconds_per_step: $t.seconds_per_step, test_loss: $s.test_loss,
          trajectory_mse: $s.trajectory_mse, energy_drift_horizon: $s.energy_drift,
          energy_drift_10x: $l.energy_drift, structure_residual: $s.structure_residual,
          final_angle_error: $c.final_angle_error}' >> "$RESULTS"
      echo "$system $model seed $seed: $(tail -n 1 "$RESULTS")" >&2
      rm -f "$ckpt" "$ckpt.json"
    done
  done
  seed=$((seed + 1))
done
