#!/usr/bin/env bash
# bench/distributed.sh: issue 20's figures on one machine: conformer-engine training epochs and
# conformers per second on 1 and 2 processes (torchrun, one thread each) beside 1 process with 2
# threads, the all-reduce's exposed share of a training step, and the all-reduce's time by size.
#
#   bash bench/distributed.sh [BUILD] [WORK]      (BUILD: build folder; WORK: scratch, kept)
#
# Inputs: the first 1000 molecules of the shipped data set's sources for training (built once
# with --epochs 0, the recipe's filters), and bench/data/druglike.smi (211 drug-like SMILES,
# 20-35 heavy atoms) repeated 10 times for conform, so that start-up is a small part of the run.
set -euo pipefail
build="${1:-build}"
work="${2:-/tmp/noether-distributed-bench}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
N="$build/apps/noether"
mkdir -p "$work"
tr() { torchrun --nproc_per_node "$1" --no_python --redirects 1 --tee 1 --log_dir "$work/logs-$RANDOM" "${@:2}"; }
json_of() { grep -o '{.*}' | tail -n 1; }
# end_to_end LABEL CMD...: runs CMD, prints its JSON line after LABEL and the whole command's wall
# time (process start-up, and torchrun's launch where it is used, included).
end_to_end() {
  local label=$1 t0 t1 line
  shift
  t0=$(date +%s.%N)
  line=$("$@" 2>&1 | json_of)
  t1=$(date +%s.%N)
  echo "$label: end to end $(echo "$t1 - $t0" | bc -l | cut -c1-6) s: $line"
}

echo "== data set (built once; every rank reads it)"
"$N" train-conformer --data-dir "$work/data" --limit 1000 --epochs 0 --json -q

echo "== train-conformer, 2 epochs"
OMP_NUM_THREADS=1 "$N" train-conformer --data-dir "$work/data" --limit 1000 --epochs 2 --threads 1 -o "$work/t1.pt" --json -q |
  sed 's/^/1 process, 1 thread: /'
"$N" train-conformer --data-dir "$work/data" --limit 1000 --epochs 2 --threads 2 -o "$work/t1x2.pt" --json -q |
  sed 's/^/1 process, 2 threads: /'
tr 2 "$N" train-conformer --data-dir "$work/data" --limit 1000 --epochs 2 --threads 1 -o "$work/t2.pt" --json -q 2>&1 |
  json_of | sed 's/^/2 processes, 1 thread each: /'

echo "== conform, 2110 drug-like molecules"
for i in 1 2 3 4 5 6 7 8 9 10; do cat "$root/bench/data/druglike.smi"; done > "$work/in.smi"
for confs in 1 10; do
  end_to_end "num-confs $confs, 1 process, 1 thread" env OMP_NUM_THREADS=1 \
    "$N" conform -i "$work/in.smi" -o "$work/c1.sdf" --num-confs $confs --threads 1 --json -q
  end_to_end "num-confs $confs, 1 process, 2 threads" \
    "$N" conform -i "$work/in.smi" -o "$work/c1x2.sdf" --num-confs $confs --threads 2 --json -q
  end_to_end "num-confs $confs, 2 processes" \
    tr 2 "$N" conform -i "$work/in.smi" -o "$work/c2.sdf" --num-confs $confs --threads 1 --json -q
  cmp "$work/c1.sdf" "$work/c2.sdf" && echo "num-confs $confs: 2 processes wrote the bytes of 1"
done

echo "== all-reduce of float32 gradients, 2 processes on loopback"
tr 2 "$build/bench/bench_allreduce" 1000 10000 100000 290000 1000000 10000000 2>&1 | grep -o '{.*}'
