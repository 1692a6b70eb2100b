#!/bin/sh
# bench/flow_protocol.sh: the neural Hamiltonian flow against RealNVP with the same parameter
# count (issue 18) on the 2-D densities, same data, budget and seeds.
#
#   sh bench/flow_protocol.sh [NOETHER] [OUT_DIR] [SEEDS] [STEPS]
#     defaults: build/apps/noether, bench-flows, 3, 4000
#   DENSITIES="two-moons" sh bench/flow_protocol.sh ...   some of the densities
#   FIRST_SEED=1 sh bench/flow_protocol.sh ... 3           seeds 1 and 2 only (results.jsonl is appended to)
#   COMPONENTS="1" sh bench/flow_protocol.sh ...            the papers' bases only
# Models: hnf (4 stages of 4 leapfrog steps of dt 0.25, each stage H = K(p) + V(q) with two
# 32-wide tanh MLPs, learned Gaussian base; 9220 parameters) and realnvp (8 affine couplings of
# 32-wide MLPs; 9488 parameters), each with its paper's base (hnf: a learned Gaussian; realnvp:
# N(0, I)) and with a learned mixture of 8 Gaussians as the base (35 and 40 parameters more). Data: 10000 training and 5000 test points. Training: Adam 3e-3
# with a cosine decay to a tenth, batches of 256, one thread. One JSON line per run in
# OUT_DIR/results.jsonl (test log-likelihood in nats per point; for the Gaussian mixture also the
# true density's), density images OUT_DIR/DENSITY-MODEL-SEED.png, then the medians.
set -eu
NOETHER=${1:-build/apps/noether}
OUT=${2:-bench-flows}
SEEDS=${3:-3}
STEPS=${4:-4000}
DENSITIES=${DENSITIES:-"two-moons rings gaussian-mixture"}
COMPONENTS=${COMPONENTS:-"1 8"}
mkdir -p "$OUT"
FIRST_SEED=${FIRST_SEED:-0}
[ "$FIRST_SEED" -gt 0 ] || : > "$OUT/results.jsonl"
seed=$FIRST_SEED
while [ "$seed" -lt "$SEEDS" ]; do
  for density in $DENSITIES; do
    for model in hnf realnvp; do
      for k in $COMPONENTS; do
        name=$model; [ "$k" -eq 1 ] || name=$model-mix$k
        ckpt="$OUT/$density-$name-$seed.pt"
        train=$("$NOETHER" train-flow --density "$density" --model "$model" --base-components "$k" --steps "$STEPS" \
          --seed "$seed" --threads 1 -o "$ckpt" --json -q)
        eval=$("$NOETHER" evaluate --model "$ckpt" --threads 1 --image "$OUT/$density-$name-$seed.png" --json)
        jq -c -n --argjson t "$train" --argjson e "$eval" --arg seed "$seed" --arg name "$name" \
          '{density: $e.density, model: $name, seed: ($seed | tonumber), parameters: $e.parameters,
            seconds_per_step: $t.seconds_per_step, log_likelihood: $e.log_likelihood,
            train_log_likelihood: $e.train_log_likelihood, true_log_likelihood: $e.true_log_likelihood,
            max_abs_log_det: $e.max_abs_log_det}' >> "$OUT/results.jsonl"
        tail -n 1 "$OUT/results.jsonl" >&2
        rm -f "$ckpt" "$ckpt.json"
      done
    done
  done
  seed=$((seed + 1))
done
jq -s -c 'def med: map(select(. != null)) | sort | if length == 0 then null else .[length / 2 | floor] end;
  group_by([.density, .model])[] | {density: .[0].density, model: .[0].model, seeds: length,
  parameters: .[0].parameters, log_likelihood: (map(.log_likelihood) | med),
  true_log_likelihood: (map(.true_log_likelihood) | med), max_abs_log_det: (map(.max_abs_log_det) | max),
  ms_per_step: (map(.seconds_per_step * 1000) | med)}' "$OUT/results.jsonl"
