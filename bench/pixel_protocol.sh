#!/bin/sh
# bench/pixel_protocol.sh: the pixel HNN against its baseline on the HNN paper's pixel pendulum
# (issue 18; Greydanus et al. 2019), same data, budget and seeds.
#
#   sh bench/pixel_protocol.sh [NOETHER] [OUT_DIR] [SEEDS] [STEPS]
#     defaults: build/apps/noether, bench-pixels, 3, 10000 (the paper's)
# Data: 200 swings x 103 frames of the gym pendulum (|theta0| < pi/6), 28 x 28 frames of its rod,
# each observation a frame and its change; 40 swings held out. Training: Adam 1e-3, L2 1e-5,
# batches of 200, one thread. Evaluation (`noether evaluate`): the loss over every test pair, the
# energy MSE of latent RK4 rollouts read out as (theta, theta'), the learned H's drift, and a film
# strip of the first test swing (OUT_DIR/MODEL-SEED.png). One JSON line per run in
# OUT_DIR/results.jsonl, then the medians per model.
set -eu
NOETHER=${1:-build/apps/noether}
OUT=${2:-bench-pixels}
SEEDS=${3:-3}
STEPS=${4:-10000}
mkdir -p "$OUT"
: > "$OUT/results.jsonl"
seed=0
while [ "$seed" -lt "$SEEDS" ]; do
  for model in pixel-hnn pixel-baseline; do
    ckpt="$OUT/$model-$seed.pt"
    train=$("$NOETHER" train --system pixel-pendulum --model "$model" --steps "$STEPS" --seed "$seed" --threads 1 \
      -o "$ckpt" --json -q)
    eval=$("$NOETHER" evaluate --model "$ckpt" --threads 1 --image "$OUT/$model-$seed.png" --json)
    jq -c -n --argjson t "$train" --argjson e "$eval" --arg seed "$seed" \
      '{model: $t.model, seed: ($seed | tonumber), seconds_per_step: $t.seconds_per_step, train_loss: $t.train_loss,
        test_loss: $e.test_loss, reconstruction_mse: $e.reconstruction_mse, energy_mse: $e.energy_mse,
        state_mse: $e.state_mse, rollout_pixel_mse: $e.rollout_pixel_mse, latent_energy_drift: $e.latent_energy_drift}' \
      >> "$OUT/results.jsonl"
    tail -n 1 "$OUT/results.jsonl" >&2
    rm -f "$ckpt" "$ckpt.json"
  done
  seed=$((seed + 1))
done
jq -s -c 'def med: map(select(. != null)) | sort | if length == 0 then null else .[length / 2 | floor] end;
  group_by(.model)[] | {model: .[0].model, seeds: length, train_loss: (map(.train_loss) | med),
  test_loss: (map(.test_loss) | med), reconstruction_mse: (map(.reconstruction_mse) | med),
  energy_mse: (map(.energy_mse) | med), state_mse: (map(.state_mse) | med),
  rollout_pixel_mse: (map(.rollout_pixel_mse) | med), latent_energy_drift: (map(.latent_energy_drift) | med),
  ms_per_step: (map(.seconds_per_step * 1000) | med)}' "$OUT/results.jsonl"
