#!/bin/sh
# bench/vin_protocol.sh: variational integrator networks against HNN and the ODE-net on noisy
# observations (issue 17; Saemundsson et al. 2020), same data, windows, budget and seeds.
#
#   sh bench/vin_protocol.sh [NOETHER] [OUT_DIR] [SEEDS] [STEPS]
#     defaults: build/apps/noether, bench-vin, 5, 1500
#   MODELS="vin-vv vin-sv" SYSTEMS=spring-noisy sh bench/vin_protocol.sh ...   some of them
# Data: each system's protocol (pendulum-noisy, spring-noisy: one trajectory of 151 samples on
# [0, 15], dt 0.1, from the system's default state, Gaussian noise 0.33 on q and p; the truth by
# DOP853 at rtol 1e-12; the data seed is the run's seed, so each seed sees other noise).
# Training: multi-step loss over windows of 20 steps (--loss rollout --rollout-steps 20), AdamW
# 3e-3 with weight decay 1e-4 and a cosine decay, networks 64 wide with two hidden layers, one
# thread. vin-vv scores whole states, vin-sv and vin-so2 positions only; HNN and the ODE-net roll
# RK4 through the window. Evaluation (the paper's test): a 10-s forecast (100 steps of 0.1) from
# the noiseless start: state_mse, energy_drift. One JSON line per run in OUT_DIR/results.jsonl,
# then the medians per (system, model).
set -eu
NOETHER=${1:-build/apps/noether}
OUT=${2:-bench-vin}
SEEDS=${3:-5}
STEPS=${4:-1500}
HIDDEN=${HIDDEN:-64}
SYSTEMS=${SYSTEMS:-"pendulum-noisy spring-noisy"}
MODELS=${MODELS:-"vin-vv vin-sv vin-so2 hnn baseline"}
mkdir -p "$OUT"
: > "$OUT/results.jsonl"
seed=0
while [ "$seed" -lt "$SEEDS" ]; do
  for system in $SYSTEMS; do
    for model in $MODELS; do
      ckpt="$OUT/$system-$model-$seed.pt"
      train=$("$NOETHER" train --system "$system" --model "$model" --loss rollout --rollout-steps 20 \
        --hidden "$HIDDEN" --layers 2 --lr 3e-3 --weight-decay 1e-4 --optimizer adamw --schedule cosine \
        --steps "$STEPS" --seed "$seed" --data-seed "$seed" --threads 1 -o "$ckpt" --json -q)
      eval=$("$NOETHER" evaluate --model "$ckpt" --fixed-start --points 101 --t1 10 --json)
      jq -c -n --argjson t "$train" --argjson e "$eval" --arg seed "$seed" \
        '{system: $t.system, model: $t.model, seed: ($seed | tonumber), seconds_per_step: $t.seconds_per_step,
          state_mse: $e.state_mse, energy_drift: $e.energy_drift, energy_mse: $e.energy_mse}' >> "$OUT/results.jsonl"
      echo "$(tail -n 1 "$OUT/results.jsonl")" >&2
      rm -f "$ckpt" "$ckpt.json"
    done
  done
  seed=$((seed + 1))
done
jq -s -c 'def med: map(select(. != null)) | sort | if length == 0 then null else .[length / 2 | floor] end;
  group_by([.system, .model])[] | {system: .[0].system, model: .[0].model, seeds: length,
  state_mse: (map(.state_mse) | med), energy_drift: (map(.energy_drift) | med),
  energy_mse: (map(.energy_mse) | med), ms_per_step: (map(.seconds_per_step * 1000) | med)}' "$OUT/results.jsonl"
