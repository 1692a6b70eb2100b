#!/bin/sh
# bench/ghnn_protocol.sh: the GHNN paper's damped-pendulum protocol (Course, Evans & Nair 2020) for
# GHNN, HNN and the ODE-net with the same loss, width and budget.
#
#   bash bench/ghnn_protocol.sh [NOETHER] [OUT_DIR] [SEEDS] [STEPS]   (defaults: build/apps/noether,
#                                                                     bench-ghnn, 5, 1500)
# Data: one trajectory from (pi - pi/32, 0), 1000 samples on [0, 20], noise 0.1. Training: the weak
# form with 200 Gaussian test functions on windows of 120 samples (boundary term kept), networks
# 300 wide with 3 hidden layers, Adam 1e-3, weight decay 1e-4, STEPS steps, seeds 0..SEEDS-1.
# Evaluation: the same start rolled out over [0, 20] (fit) and [0, 200] (ten times the span), and 5
# random starts below the separatrix over [0, 20] (starts never seen). One JSON line per run in
# OUT_DIR/results.jsonl, and at the end the medians over seeds, one JSON line per model.
#   WINDOWS=80 RBF_SHAPE=10 bash bench/ghnn_protocol.sh ...   the paper's 80 windows a step and
#   Gaussians exp(-100 (t - c)^2) (defaults 1 window and Gaussians as wide as their spacing; 80
#   windows make a GHNN step about 60 times as long)
#   MODELS="ghnn" FIRST_SEED=42 GHNN_ARGS="--activation softplus --icnn-weights squared --curl-weight 1"
#   bash bench/ghnn_protocol.sh ...   only the listed models, seeds FIRST_SEED .. FIRST_SEED+SEEDS-1,
#   and GHNN with the authors' own choices (softplus networks, a friction network with squared
#   weights started small, their curl regulariser, taken at 1024 random states of each step)
set -eu
NOETHER=${1:-build/apps/noether}
OUT=${2:-bench-ghnn}
SEEDS=${3:-5}
STEPS=${4:-1500}
mkdir -p "$OUT"
: > "$OUT/results.jsonl"
seed=${FIRST_SEED:-0}
while [ "$seed" -lt $((${FIRST_SEED:-0} + SEEDS)) ]; do
  for model in ${MODELS:-ghnn hnn baseline}; do
    extra=""
    [ "$model" = ghnn ] && extra=${GHNN_ARGS:-}
    ckpt="$OUT/$model-$seed.pt"
    train=$("$NOETHER" train --system damped-pendulum --model "$model" --trajectories 1 --points 1000 --t1 20 \
      --noise 0.1 --fixed-start --loss weak --test-function rbf --test-functions 200 --rollout-steps 119 \
      --windows "${WINDOWS:-1}" --rbf-shape "${RBF_SHAPE:-0}" --hidden 300 --layers 3 --lr 1e-3 --weight-decay 1e-4 --steps "$STEPS" --seed "$seed" $extra -o "$ckpt" --json -q)
    plot=""
    [ "$seed" -eq "${FIRST_SEED:-0}" ] && plot="--plot $OUT/damped-pendulum-$model.svg"
    fit=$("$NOETHER" evaluate --model "$ckpt" --fixed-start --points 400 --t1 20 $plot --json)
    long=$("$NOETHER" evaluate --model "$ckpt" --fixed-start --points 4000 --t1 200 --json)
    other=$("$NOETHER" evaluate --model "$ckpt" --starts 5 --points 400 --t1 20 --json)
    jq -c -n --argjson t "$train" --argjson f "$fit" --argjson l "$long" --argjson o "$other" --arg seed "$seed" \
      '{model: $t.model, seed: ($seed | tonumber), seconds_per_step: $t.seconds_per_step,
        fit_mse: $f.trajectory_mse, fit_energy_error: $f.energy_drift, long_mse: $l.trajectory_mse,
        long_energy_error: $l.energy_drift, new_starts_mse: $o.trajectory_mse,
        new_starts_energy_error: $o.energy_drift}' >> "$OUT/results.jsonl"
    echo "$model seed $seed: $(tail -n 1 "$OUT/results.jsonl")" >&2
    rm -f "$ckpt" "$ckpt.json"
  done
  seed=$((seed + 1))
done
# Medians over seeds, one line per model (null: a rollout that diverged).
jq -s -c 'def med: map(select(. != null)) | sort | if length == 0 then null else .[length / 2 | floor] end;
  group_by(.model)[] | {model: .[0].model, seeds: length, fit_mse: (map(.fit_mse) | med),
  fit_energy_error: (map(.fit_energy_error) | med), long_energy_error: (map(.long_energy_error) | med),
  new_starts_mse: (map(.new_starts_mse) | med), new_starts_energy_error: (map(.new_starts_energy_error) | med),
  ms_per_step: (map(.seconds_per_step * 1000) | med)}' "$OUT/results.jsonl"
