#!/bin/sh
# bench/hogn_vs_python.sh: noether's HOGN (bench_graph) beside the same model in plain PyTorch
# (bench/hogn_reference.py, python3-torch), in the same run, on the same thread count (issue 21).
#
#   sh bench/hogn_vs_python.sh [BUILD_DIR] [THREADS] [STEPS] [DTYPE]    defaults: build, 1, 5, float32
# (DTYPE: noether's compute type; the reference computes in float32).
# For 4 and 8 particles, RK4 and leapfrog rollouts of 1, 64 and 1024 complete graphs (edge MLP 128
# wide, two softplus layers) and a training step on 64 graphs. Prints the JSON lines of both.
set -eu
BUILD=${1:-build}
THREADS=${2:-1}
STEPS=${3:-5}
DTYPE=${4:-float32}
PYTHON=${PYTHON:-/usr/bin/python3}
HERE=$(dirname "$0")
for particles in 4 8; do
  for integrator in rk4 leapfrog; do
    OMP_NUM_THREADS=$THREADS "$BUILD/bench/bench_graph" --particles "$particles" --hidden 128 --threads "$THREADS" \
      --integrator "$integrator" --steps "$STEPS" --train-states 64 --dtype "$DTYPE" | grep -v '"model":"ogn"\|"model":"deltagn"'
    OMP_NUM_THREADS=$THREADS "$PYTHON" "$HERE/hogn_reference.py" --particles "$particles" --hidden 128 \
      --threads "$THREADS" --integrator "$integrator" --steps "$STEPS" --train-graphs 64
  done
done
