#!/bin/sh
# bench/chnn_protocol.sh: the constrained HNN against HNN and the ODE-net on the constrained
# systems (issue 17; Finzi et al. 2020), same data, loss, budget and seeds.
#
#   sh bench/chnn_protocol.sh [NOETHER] [OUT_DIR] [SEEDS] [STEPS]
#     defaults: build/apps/noether, bench-chnn, 3, 2000
#   SYSTEMS="chain-pendulum-3 gyroscope" HIDDEN=256 LAYERS=3 sh bench/chnn_protocol.sh ...
#     other systems, the paper's networks (default: the three chains, the gyroscope, the rotor and
#     the magnet pendulum; 64 wide, two hidden layers)
#   OPTIMIZER=adam SCHEDULE=constant sh bench/chnn_protocol.sh ...   the session-10 settings
#   MODELS=chnn sh bench/chnn_protocol.sh ...   some of the models (default: chnn hnn baseline)
# Data: each system's protocol (900 trajectories of 101 samples, 100 held out). Training: RK4
# rollouts of 5 steps (--loss rollout --rollout-steps 5), AdamW 3e-3 with weight decay 1e-4 and a
# cosine decay to 0 over the run (the paper's), batches of 200, one thread. Evaluation: 20 random
# starts over the protocol's span: geometric_mean_relative_error (|z - z^| / (|z| + |z^|) per
# sample, geometric mean), constraint drift, energy drift. One JSON line per run in
# OUT_DIR/results.jsonl, then the medians per (system, model).
set -eu
NOETHER=${1:-build/apps/noether}
OUT=${2:-bench-chnn}
SEEDS=${3:-3}
STEPS=${4:-2000}
SYSTEMS=${SYSTEMS:-"chain-pendulum-1 chain-pendulum-3 chain-pendulum-5 gyroscope rotor magnet-pendulum"}
HIDDEN=${HIDDEN:-64}
LAYERS=${LAYERS:-2}
OPTIMIZER=${OPTIMIZER:-adamw}
SCHEDULE=${SCHEDULE:-cosine}
MODELS=${MODELS:-"chnn hnn baseline"}
mkdir -p "$OUT"
: > "$OUT/results.jsonl"
seed=0
while [ "$seed" -lt "$SEEDS" ]; do
  for system in $SYSTEMS; do
    case "$system" in  # the protocol's span
      gyroscope) t1=2 ;;
      rotor | magnet-pendulum) t1=5 ;;
      *) t1=3 ;;
    esac
    for model in $MODELS; do
      ckpt="$OUT/$system-$model-$seed.pt"
      train=$("$NOETHER" train --system "$system" --model "$model" --loss rollout --rollout-steps 5 \
        --hidden "$HIDDEN" --layers "$LAYERS" --lr 3e-3 --weight-decay 1e-4 --optimizer "$OPTIMIZER" \
        --schedule "$SCHEDULE" --batch-size 200 --steps "$STEPS" --seed "$seed" --threads 1 -o "$ckpt" --json -q)
      eval=$("$NOETHER" evaluate --model "$ckpt" --starts 20 --points 101 --t1 "$t1" --json)
      jq -c -n --argjson t "$train" --argjson e "$eval" --arg seed "$seed" \
        '{system: $t.system, model: $t.model, seed: ($seed | tonumber), seconds_per_step: $t.seconds_per_step,
          test_loss: $t.test_loss, geometric_mean_relative_error: $e.geometric_mean_relative_error,
          constraint_drift: $e.constraint_drift, energy_drift: $e.energy_drift}' >> "$OUT/results.jsonl"
      echo "$(tail -n 1 "$OUT/results.jsonl")" >&2
      rm -f "$ckpt" "$ckpt.json"
    done
  done
  seed=$((seed + 1))
done
jq -s -c 'def med: map(select(. != null)) | sort | if length == 0 then null else .[length / 2 | floor] end;
  group_by([.system, .model])[] | {system: .[0].system, model: .[0].model, seeds: length,
  test_loss: (map(.test_loss) | med), geometric_mean_relative_error: (map(.geometric_mean_relative_error) | med),
  constraint_drift: (map(.constraint_drift) | med), energy_drift: (map(.energy_drift) | med),
  ms_per_step: (map(.seconds_per_step * 1000) | med)}' "$OUT/results.jsonl"
