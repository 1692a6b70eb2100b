#!/usr/bin/env bash
# The whole `noether conform` command against an RDKit ETKDGv3 command doing the same job
# (bench/etkdg_conform.cpp: SMILES file in, one conformer with hydrogens a molecule, SD file out),
# end to end: start-up, reading, writing included. Issue 15.
#   bash bench/conform_end_to_end.sh [BUILD_DIR] [SMILES_FILE] [REPEAT]
# Two inputs: the file as it is (start-up weighs on a short file), and the file REPEATed (10)
# times under new names, where each command's throughput, molecules per second, shows.
# Prints one line per (input, threads) and a JSON line at the end.
set -euo pipefail
source "$(dirname "$0")/repeated_smiles.sh" "$@"
seconds() { local t0 t1; t0=$(date +%s.%N); "$@" >/dev/null 2>&1; t1=$(date +%s.%N); echo "$t1 - $t0" | bc -l; }
json="{"
for input in once many; do
  n=$(wc -l < "$work/$input.smi")
  for threads in 1 2; do
    e=$(seconds "$build/bench/etkdg_conform" "$work/$input.smi" "$work/etkdg.sdf" --threads "$threads")
    c=$(seconds "$build/apps/noether" conform -i "$work/$input.smi" -o "$work/noether.sdf" --threads "$threads" -q)
    ratio=$(echo "$e / $c" | bc -l)
    printf '%-5s %5d molecules, %d thread(s): ETKDGv3 %7.2f s (%6.1f mol/s), noether conform %6.2f s (%6.1f mol/s), %5.1fx\n' \
      "$input" "$n" "$threads" "$e" "$(echo "$n / $e" | bc -l)" "$c" "$(echo "$n / $c" | bc -l)" "$ratio"
    json+="\"${input}_${threads}_etkdg_seconds\":$e,\"${input}_${threads}_noether_seconds\":$c,\"${input}_${threads}_speedup\":$ratio,"
  done
done
echo "${json}\"molecules_once\":$(wc -l < "$work/once.smi"),\"repeat\":$repeat}"
