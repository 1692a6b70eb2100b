#!/bin/sh
# bench/lie_protocol.sh: a Hamiltonian on (T*S^2)^2 learned through each Lie-group scheme, and a
# Euclidean RK4 for contrast, on the two spherical pendula (issue 17; Celledoni et al. 2022).
#
#   sh bench/lie_protocol.sh [NOETHER] [OUT_DIR] [SEEDS] [STEPS]
#     defaults: build/apps/noether, bench-lie, 1, 2000
# Data: spherical-pendula's protocol (500 starts, 50 held out, 5 samples on [0, 0.1]; uniform
# directions, momenta ~ N(0, 1) on the tangent spaces). Model: sphere-hnn, V an MLP 3 x 100 tanh,
# K = G^T G + diag(b)^2, in float64. Training: the loss over 4 steps of the scheme (--loss rollout
# --rollout-steps 4 --integrator SCHEME), AdamW 3e-3 with a cosine decay, batches of 100, one
# thread. Evaluation with the same scheme, from 20 random starts: the error against the truth
# (DOP853 at rtol 1e-12) over 40 steps of 0.025 (t = 1), and the drift ||q| - 1| over 10^4 steps
# of 0.01 (t = 100). One JSON line per run in OUT_DIR/results.jsonl.
set -eu
NOETHER=${1:-build/apps/noether}
OUT=${2:-bench-lie}
SEEDS=${3:-1}
STEPS=${4:-2000}
mkdir -p "$OUT"
: > "$OUT/results.jsonl"
seed=0
while [ "$seed" -lt "$SEEDS" ]; do
  for scheme in lie-euler rkmk4 cf4 rk4; do
    ckpt="$OUT/pendula-$scheme-$seed.pt"
    train=$("$NOETHER" train --system spherical-pendula --model sphere-hnn --loss rollout --rollout-steps 4 \
      --integrator "$scheme" --hidden 100 --layers 3 --lr 3e-3 --weight-decay 1e-4 --optimizer adamw \
      --schedule cosine --batch-size 100 --steps "$STEPS" --dtype float64 --seed "$seed" --threads 1 -o "$ckpt" --json -q)
    short=$("$NOETHER" evaluate --model "$ckpt" --integrator "$scheme" --substeps 1 --starts 20 --points 41 --t1 1 --json)
    long=$("$NOETHER" evaluate --model "$ckpt" --integrator "$scheme" --substeps 1 --starts 20 --points 10001 --t1 100 --json)
    jq -c -n --argjson t "$train" --argjson s "$short" --argjson l "$long" --arg scheme "$scheme" --arg seed "$seed" \
      '{scheme: $scheme, seed: ($seed | tonumber), seconds_per_step: $t.seconds_per_step, test_loss: $t.test_loss,
        geometric_mean_relative_error_t1: $s.geometric_mean_relative_error, state_mse_t1: $s.state_mse,
        constraint_drift_1e4_steps: $l.constraint_drift, energy_drift_1e4_steps: $l.energy_drift}' >> "$OUT/results.jsonl"
    echo "$(tail -n 1 "$OUT/results.jsonl")" >&2
    rm -f "$ckpt" "$ckpt.json"
  done
  seed=$((seed + 1))
done
cat "$OUT/results.jsonl"
