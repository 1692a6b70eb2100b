#!/bin/sh
# Issue 5's graph benchmarks: HOGN vs OGN vs DeltaGN energy error after 1000 steps on 4- and
# 8-particle springs and gravity at equal training budget, the zero-shot tests, HOGN rollout
# throughput and training time per epoch. Prints JSON lines; figures go to docs/benchmarks.md.
#   bench/graph_benchmarks.sh [BUILD_DIR] [OUT_DIR] [STEPS]
set -eu
build=${1:-build}
out=${2:-graph-bench}
steps=${3:-400}   # Adam steps (full batch), the same for every model
N="$build/apps/noether"
mkdir -p "$out"
for sys in springs gravity; do
  for n in 4 8; do
    # About the same number of edges per training step for 4 and 8 particles.
    if [ "$n" = 4 ]; then systems=30; else systems=10; fi
    for m in hogn ogn deltagn; do
      "$N" train-graph --system "$sys" --particles "$n" --model "$m" --systems "$systems" --samples 20 \
        --dt 0.05 --steps "$steps" --out "$out/${sys}${n}_$m.pt" --json
    done
    "$N" rollout-graph --model "$out/${sys}${n}_hogn.pt" --model "$out/${sys}${n}_ogn.pt" \
      --model "$out/${sys}${n}_deltagn.pt" --steps 1000 --systems 8 \
      --csv "$out/${sys}${n}.csv" --plot "$out/${sys}${n}_energy.svg" --json
  done
done
# Zero-shot on the 4-particle spring models: unseen dt, unseen integrators, more particles.
M="--model $out/springs4_hogn.pt --model $out/springs4_ogn.pt --model $out/springs4_deltagn.pt"
for dt in 0.025 0.1; do "$N" rollout-graph $M --steps 1000 --dt "$dt" --systems 8 --json; done
for integ in euler tao; do "$N" rollout-graph $M --steps 1000 --integrator "$integ" --systems 8 --json; done
for integ in leapfrog yoshida4; do
  "$N" rollout-graph --model "$out/springs4_hogn.pt" --steps 1000 --integrator "$integ" --systems 8 --json
done
"$N" rollout-graph $M --steps 1000 --particles 8 --systems 8 --json
"$N" rollout-graph --model "$out/gravity4_hogn.pt" --model "$out/gravity4_ogn.pt" \
  --model "$out/gravity4_deltagn.pt" --steps 1000 --particles 8 --systems 8 --json
# A HOGN trained through RK4 steps (one-step loss), then stepped with other orders and dt.
"$N" train-graph --system springs --particles 4 --model hogn --systems 30 --samples 20 --dt 0.05 \
  --steps "$steps" --loss step --integrator rk4 --out "$out/springs4_hogn_rk4step.pt" --json
for integ in euler leapfrog tao rk4 yoshida4; do
  "$N" rollout-graph --model "$out/springs4_hogn_rk4step.pt" --steps 1000 --integrator "$integ" --systems 8 --json
done
for dt in 0.025 0.1; do
  "$N" rollout-graph --model "$out/springs4_hogn_rk4step.pt" --steps 1000 --dt "$dt" --systems 8 --json
done
# Damped springs (drag 0.2): HOGN with and without its learned dissipation, and OGN.
for m in "hogn --dissipation" hogn ogn; do
  tag=$(echo "$m" | tr -d ' -')
  "$N" train-graph --system springs --particles 4 --damping 0.2 --systems 30 --samples 20 --dt 0.05 \
    --steps "$steps" --model $m --out "$out/damped4_$tag.pt" --json
done
"$N" rollout-graph --model "$out/damped4_hogndissipation.pt" --model "$out/damped4_hogn.pt" \
  --model "$out/damped4_ogn.pt" --steps 1000 --systems 8 --plot "$out/damped4_energy.svg" --json
# Throughput and training time per epoch.
"$build/bench/bench_graph" --particles 4 --integrator rk4 --steps 20
"$build/bench/bench_graph" --particles 4 --integrator leapfrog --steps 20 | grep hogn_rollout
