#!/bin/sh
# bench/hgn_protocol.sh: the Hamiltonian Generative Network against the same network with an
# unstructured latent ODE (issue 18; Toth et al. 2019's HGN vs ODE comparison), on the paper's
# four systems, same data, budget and seeds.
#
#   sh bench/hgn_protocol.sh [NOETHER] [OUT_DIR] [SEEDS] [STEPS] [SYSTEMS]
#     defaults: build/apps/noether, bench-hgn, 1, 3000, "pendulum spring two-body three-body"
#   FIRST_SEED=1 sh bench/hgn_protocol.sh ... 3   seeds 1 and 2 only (results.jsonl is appended to)
# Data (physics/pixels/hgn_data.hpp): 400 training sequences of 34 colour frames, 32 x 32, every
# 0.125 s; 40 test swings three times as long (102 frames), rendered also every 0.0625 s. Training:
# Adam 1e-3, batches of 16, gradient norm clipped at 1, one thread. Evaluation (`noether
# evaluate`): the frame MSE over the whole test horizon, over the 34 frames training saw and after
# them, rolled back with -dt, stepped at dt / 2, and a film strip of the first test swing
# (OUT_DIR/SYSTEM-MODEL-SEED.png). One JSON line per run in OUT_DIR/results.jsonl, then the
# medians per system and model.
set -eu
NOETHER=${1:-build/apps/noether}
OUT=${2:-bench-hgn}
SEEDS=${3:-1}
STEPS=${4:-3000}
SYSTEMS=${5:-"pendulum spring two-body three-body"}
mkdir -p "$OUT"
FIRST_SEED=${FIRST_SEED:-0}
[ "$FIRST_SEED" -gt 0 ] || : > "$OUT/results.jsonl"
for system in $SYSTEMS; do
  seed=$FIRST_SEED
  while [ "$seed" -lt "$SEEDS" ]; do
    for model in hgn latent-ode; do
      ckpt="$OUT/$system-$model-$seed.pt"
      train=$("$NOETHER" train --system "pixel-$system" --model "$model" --steps "$STEPS" --seed "$seed" --threads 1 \
        -o "$ckpt" --json -q)
      eval=$("$NOETHER" evaluate --model "$ckpt" --threads 1 --image "$OUT/$system-$model-$seed.png" --json)
      jq -c -n --argjson t "$train" --argjson e "$eval" --arg seed "$seed" \
        '{system: $t.system, model: $t.model, seed: ($seed | tonumber), seconds_per_step: $t.seconds_per_step,
          test_loss: $t.test_loss, reconstruction_mse: $e.reconstruction_mse, train_horizon_mse: $e.train_horizon_mse,
          beyond_horizon_mse: $e.beyond_horizon_mse, reversal_mse: $e.reversal_mse,
          reversal_latent_error: $e.reversal_latent_error, half_dt_mse: $e.half_dt_mse,
          latent_energy_drift: $e.latent_energy_drift, mse_per_frame: $e.mse_per_frame}' \
        >> "$OUT/results.jsonl"
      tail -n 1 "$OUT/results.jsonl" | jq -c 'del(.mse_per_frame)' >&2
      rm -f "$ckpt" "$ckpt.json"
    done
    seed=$((seed + 1))
  done
done
jq -s -c 'def med: map(select(. != null)) | sort | if length == 0 then null else .[length / 2 | floor] end;
  group_by(.system + " " + .model)[] | {system: .[0].system, model: .[0].model, seeds: length,
  test_loss: (map(.test_loss) | med), reconstruction_mse: (map(.reconstruction_mse) | med),
  train_horizon_mse: (map(.train_horizon_mse) | med), beyond_horizon_mse: (map(.beyond_horizon_mse) | med),
  reversal_mse: (map(.reversal_mse) | med), reversal_latent_error: (map(.reversal_latent_error) | med),
  half_dt_mse: (map(.half_dt_mse) | med), latent_energy_drift: (map(.latent_energy_drift) | med),
  ms_per_step: (map(.seconds_per_step * 1000) | med)}' "$OUT/results.jsonl"
