#!/usr/bin/env sh
# HNN training-step time: noether against a Python/PyTorch reference on the same libtorch,
# BLAS and thread count, run alternately; prints each run and the medians.
#   sh bench/hnn_vs_python.sh [BUILD_DIR] [THREADS] [REPEATS] [STEPS]
# Needs Debian's python3-torch (installed by scripts/setup.sh).
set -eu
build="${1:-build}"
threads="${2:-1}"
repeats="${3:-3}"
steps="${4:-300}"
here="$(cd "$(dirname "$0")" && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
for model in hnn baseline; do
  : > "$tmp/noether"
  : > "$tmp/python"
  i=0
  while [ "$i" -lt "$repeats" ]; do
    "$build/apps/noether" train --system spring --model "$model" --steps "$steps" --threads "$threads" \
      --json -q -o "$tmp/model.pt" | sed 's/.*"seconds_per_step":\([0-9.e-]*\).*/\1/' >> "$tmp/noether"
    /usr/bin/python3 "$here/hnn_reference.py" --threads "$threads" --steps "$steps" --model "$model" \
      | sed 's/.*"seconds_per_step": \([0-9.e-]*\).*/\1/' >> "$tmp/python"
    i=$((i + 1))
  done
  n=$(sort -g "$tmp/noether" | sed -n "$(( (repeats + 1) / 2 ))p")
  p=$(sort -g "$tmp/python" | sed -n "$(( (repeats + 1) / 2 ))p")
  echo "$model, $threads thread(s), $steps steps x $repeats runs: noether $(tr '\n' ' ' < "$tmp/noether")| python $(tr '\n' ' ' < "$tmp/python")"
  awk -v n="$n" -v p="$p" -v m="$model" 'BEGIN { printf "%s median: noether %.2f ms, python %.2f ms, python/noether %.2fx\n", m, n * 1e3, p * 1e3, p / n }'
done
