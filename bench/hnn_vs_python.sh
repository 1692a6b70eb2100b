#!/usr/bin/env sh
# HNN training-step time: noether against Python/PyTorch on the same libtorch, BLAS and thread
# count, run alternately; prints each run and the medians.
#   sh bench/hnn_vs_python.sh [BUILD_DIR] [THREADS] [REPEATS] [STEPS] [HNN_REPO]
# Two Python references: bench/hnn_reference.py, a minimal step written for this benchmark (no
# test-set pass), and, when HNN_REPO names a checkout of greydanus/hamiltonian-nn made outside
# this repository, the paper's own experiment-spring/train.py (bench/hnn_original.py times it; its
# loop also evaluates the test set every step, as the paper's protocol ran).
# Needs Debian's python3-torch and python3-numpy (installed by scripts/setup.sh); the paper's code
# also needs python3-scipy.
set -eu
build="${1:-build}"
threads="${2:-1}"
repeats="${3:-3}"
steps="${4:-300}"
repo="${5:-}"
here="$(cd "$(dirname "$0")" && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
seconds() { sed 's/.*"seconds_per_step": *\([0-9.e-]*\).*/\1/'; }
median() { sort -g "$1" | sed -n "$(( (repeats + 1) / 2 ))p"; }
for model in hnn baseline; do
  : > "$tmp/noether"
  : > "$tmp/python"
  : > "$tmp/paper"
  flag=""
  [ "$model" = baseline ] && flag="--baseline"
  i=0
  while [ "$i" -lt "$repeats" ]; do
    "$build/apps/noether" train --system spring --model "$model" --steps "$steps" --threads "$threads" \
      --json -q -o "$tmp/model.pt" | seconds >> "$tmp/noether"
    /usr/bin/python3 "$here/hnn_reference.py" --threads "$threads" --steps "$steps" --model "$model" \
      | seconds >> "$tmp/python"
    if [ -n "$repo" ]; then
      /usr/bin/python3 "$here/hnn_original.py" --repo "$repo" --threads "$threads" --steps "$steps" $flag \
        2>/dev/null | seconds >> "$tmp/paper"
    fi
    i=$((i + 1))
  done
  n=$(median "$tmp/noether")
  p=$(median "$tmp/python")
  echo "$model, $threads thread(s), $steps steps x $repeats runs: noether $(tr '\n' ' ' < "$tmp/noether")| python $(tr '\n' ' ' < "$tmp/python")"
  awk -v n="$n" -v p="$p" -v m="$model" 'BEGIN { printf "%s median: noether %.2f ms, minimal python step %.2f ms, python/noether %.2fx\n", m, n * 1e3, p * 1e3, p / n }'
  if [ -n "$repo" ]; then
    o=$(median "$tmp/paper")
    echo "$model, the paper's train.py: $(tr '\n' ' ' < "$tmp/paper")"
    awk -v n="$n" -v o="$o" -v m="$model" 'BEGIN { printf "%s median: the paper'"'"'s code %.2f ms per step, paper/noether %.2fx\n", m, o * 1e3, o / n }'
  fi
done
