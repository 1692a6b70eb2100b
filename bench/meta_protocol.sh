#!/bin/sh
# bench/meta_protocol.sh: a Hamiltonian meta-learned across a family of systems against the same
# network trained on the family pooled and one from scratch (issue 18; Lee et al. 2021), for the
# HNN and the plain MLP.
#
#   sh bench/meta_protocol.sh [NOETHER] [OUT_DIR] [SEEDS] [STEPS]
#     defaults: build/apps/noether, bench-meta, 5, 1000
#   FAMILIES="pendulum-lengths" sh bench/meta_protocol.sh ...
# Training (`noether meta-train`): 2 x 64 tanh networks, 8 members a step, 25 support and 25
# query states each, one inner step of gradient descent at 0.1, Adam 1e-3 for the outer loop and
# as many steps for the pooled model, one thread. Evaluation (`noether evaluate`): 20 unseen
# members, adaptation by gradient descent at 0.1 on 25 of their states, the derivative MSE on
# 100 others after k = 0 .. 10 steps. One JSON line per run in OUT_DIR/results.jsonl, then the
# median curves over the seeds.
set -eu
NOETHER=${1:-build/apps/noether}
OUT=${2:-bench-meta}
SEEDS=${3:-5}
STEPS=${4:-1000}
FAMILIES=${FAMILIES:-"pendulum-lengths spring-constants"}
mkdir -p "$OUT"
: > "$OUT/results.jsonl"
seed=0
while [ "$seed" -lt "$SEEDS" ]; do
  for family in $FAMILIES; do
    for model in hnn baseline; do
      ckpt="$OUT/$family-$model-$seed.pt"
      train=$("$NOETHER" meta-train --family "$family" --model "$model" --steps "$STEPS" --seed "$seed" --threads 1 \
        -o "$ckpt" --json -q)
      eval=$("$NOETHER" evaluate --model "$ckpt" --threads 1 --json)
      jq -c -n --argjson t "$train" --argjson e "$eval" --arg seed "$seed" \
        '{family: $e.family, model: $e.kind, seed: ($seed | tonumber), seconds: $t.seconds,
          meta_curve: $e.meta_curve, pooled_curve: $e.pooled_curve, scratch_curve: $e.scratch_curve}' \
        >> "$OUT/results.jsonl"
      tail -n 1 "$OUT/results.jsonl" >&2
      rm -f "$ckpt" "$ckpt.json"
    done
  done
  seed=$((seed + 1))
done
jq -s -c 'def med: sort | .[length / 2 | floor];
  def curve(f): [range(0; (.[0] | f | length)) as $k | map(f[$k]) | med];
  group_by([.family, .model])[] | {family: .[0].family, model: .[0].model, seeds: length,
  meta: curve(.meta_curve), pooled: curve(.pooled_curve), scratch: curve(.scratch_curve),
  seconds: (map(.seconds) | med)}' "$OUT/results.jsonl"
