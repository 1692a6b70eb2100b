#!/bin/sh
# bench/symoden_protocol.sh: SymODEN's two pendulum tasks (Zhong et al. 2019) on their protocols,
# with the unstructured ODE-net (baseline) on the same data, budget and seeds, for the figures the
# issue compares with the authors' notebooks.
#
#   sh bench/symoden_protocol.sh [NOETHER] [OUT_DIR] [SEEDS] [STEPS]
#     NOETHER  the program (default build/apps/noether)
#     OUT_DIR  results (default bench-symoden/): results.jsonl, one line per (task, model, seed)
#     SEEDS    how many seeds, 0..SEEDS-1 (default 5)
#     STEPS    Adam steps per model (default 1000)
#   TASKS="2" ... only task 2;  MODELS="symoden" ... only SymODEN;  APPEND=1 ... add to results.jsonl
#
# Task 1: pendulum-control, x = (q, p, u), 250 training trajectories of 45 samples 0.05 apart,
#   u in {0, +-1, +-2}; RK4 rollouts of one step (the reference's num_points = 2). The reference's
#   "train" figure is the per-trajectory summed squared error over 45 samples from the training
#   starts with the drive off, its "prediction" the same over 90 samples: evaluate
#   --prediction-points 45 / 90 --drive-off.
# Task 2: pendulum-embedded, x = (cos q, sin q, dq/dt, u), 320 training trajectories of 20
#   samples; RK4 rollouts of 5 steps (tau = 6). Train and test figures: rollouts through the
#   data's own trajectories (train_trajectory_sse, test_trajectory_sse); prediction: 40 samples
#   from the training starts with the drive off.
# Both: full batch, Adam 1e-3, weight decay 1e-4, width 64, two hidden layers. SymODEN models
# also run the swing-up (`noether control`: 200 steps of 0.05 from hanging, k_d = 3).
set -eu
NOETHER=${1:-build/apps/noether}
OUT=${2:-bench-symoden}
SEEDS=${3:-5}
STEPS=${4:-1000}
mkdir -p "$OUT"
RESULTS="$OUT/results.jsonl"
[ -n "${APPEND:-}" ] || : > "$RESULTS"

# task | system | rollout steps | prediction points (train figure) | prediction points
SPECS="1 pendulum-control 1 45 90
2 pendulum-embedded 5 0 40"

seed=0
while [ "$seed" -lt "$SEEDS" ]; do
  echo "$SPECS" | while read -r task system tau train_points pred_points; do
    if [ -n "${TASKS:-}" ] && ! echo " $TASKS " | grep -q " $task "; then continue; fi
    for model in symoden baseline; do
      if [ -n "${MODELS:-}" ] && ! echo " $MODELS " | grep -q " $model "; then continue; fi
      ckpt="$OUT/task$task-$model-$seed.pt"
      train=$("$NOETHER" train --system "$system" --model "$model" --steps "$STEPS" --hidden 64 --layers 2 \
        --lr 1e-3 --weight-decay 1e-4 --seed "$seed" --loss rollout --rollout-steps "$tau" -o "$ckpt" --json -q)
      pred=$("$NOETHER" evaluate --model "$ckpt" --starts 3 --t1 2 --prediction-points "$pred_points" --drive-off --json)
      train_fig='{"prediction_sse": null}'
      [ "$train_points" -gt 0 ] &&
        train_fig=$("$NOETHER" evaluate --model "$ckpt" --starts 3 --t1 2 --prediction-points "$train_points" --drive-off --json)
      control='{"final_angle_error": null}'
      [ "$model" = symoden ] && control=$("$NOETHER" control --model "$ckpt" --json)
      jq -c -n --argjson t "$train" --argjson p "$pred" --argjson f "$train_fig" --argjson c "$control" \
        --arg seed "$seed" --arg task "$task" \
        '{task: ($task | tonumber), system: $t.system, model: $t.model, seed: ($seed | tonumber), steps: $t.steps,
          seconds_per_step: $t.seconds_per_step, test_loss: $p.test_loss,
          train_trajectory_sse: $p.train_trajectory_sse, test_trajectory_sse: $p.test_trajectory_sse,
          train_figure_drive_off: $f.prediction_sse, prediction_sse: $p.prediction_sse,
          structure_residual: $p.structure_residual, final_angle_error: $c.final_angle_error}' >> "$RESULTS"
      echo "task $task $model seed $seed: $(tail -n 1 "$RESULTS")" >&2
      rm -f "$ckpt" "$ckpt.json"
    done
  done
  seed=$((seed + 1))
done
