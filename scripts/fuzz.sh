#!/usr/bin/env bash
# scripts/fuzz.sh [SECONDS]: builds the libFuzzer targets of fuzz/ with clang in build-fuzz and
# runs each for SECONDS (default 60), starting from its seeds in fuzz/corpus/<target>/ and with
# the tokens of its format in fuzz/<target>.dict.
#
#   bash scripts/fuzz.sh          # one minute each (CI: scripts/setup.sh test runs it shorter)
#   bash scripts/fuzz.sh 600      # longer, locally
#   NOETHER_FUZZ_TARGETS="fuzz_system_json" bash scripts/fuzz.sh 300
#
# Prints each target's executions per second and total executions (libFuzzer's final stats).
# What a run discovers is kept in build-fuzz/fuzz-corpus/<target>/ and reused by the next run; a
# crash, a sanitizer report, a timeout (-timeout, default 10 s an input) or an out-of-memory
# leaves its input in build-fuzz/fuzz-artifacts/<target>/, and the script exits 1 after printing
# how to reproduce it. Make every such input a Catch2 regression test with its fix.
set -euo pipefail

seconds="${1:-60}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${NOETHER_FUZZ_BUILD_DIR:-$root/build-fuzz}"
jobs="${NOETHER_JOBS:-$(nproc)}"
cxx="${NOETHER_FUZZ_CXX:-clang++}"
timeout="${NOETHER_FUZZ_TIMEOUT:-10}"
read -r -a targets <<< "${NOETHER_FUZZ_TARGETS:-fuzz_system_json fuzz_options_json fuzz_cli_numbers fuzz_smiles fuzz_text_records}"

command -v "$cxx" >/dev/null || { echo "fuzz: $cxx not found (Debian: apt-get install clang libclang-rt-14-dev libomp-14-dev)" >&2; exit 2; }
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER="$cxx" \
  -DNOETHER_FUZZ=ON -DNOETHER_BUILD_TESTS=OFF -DNOETHER_BUILD_BENCH=OFF -DNOETHER_PYTHON=OFF >/dev/null
build_targets=()
for t in "${targets[@]}"; do
  # fuzz_smiles and fuzz_text_records exist only where RDKit (and Open Babel) were found.
  if grep -q "^build fuzz/$t:" "$build/build.ninja" 2>/dev/null; then build_targets+=("$t"); fi
done
cmake --build "$build" -j "$jobs" --target "${build_targets[@]}"

export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1}"
failed=0
printf '\nfuzz: %s s per target\n%-20s %12s %14s %10s  %s\n' "$seconds" target execs/s executions corpus result
for t in "${build_targets[@]}"; do
  work="$build/fuzz-corpus/$t"
  artifacts="$build/fuzz-artifacts/$t/"
  log="$build/fuzz-$t.log"
  mkdir -p "$work" "$artifacts"
  extra=()
  # SMILES: featurize is cubic in the atoms, and long strings only slow the search.
  if [ "$t" = fuzz_smiles ]; then extra+=(-max_len=200); fi
  # The tokens of the format (fuzz/<target>.dict) let the mutations reach past the parser.
  if [ -f "$root/fuzz/$t.dict" ]; then extra+=(-dict="$root/fuzz/$t.dict"); fi
  result=ok
  "$build/fuzz/$t" -max_total_time="$seconds" -timeout="$timeout" -rss_limit_mb=4096 -print_final_stats=1 \
    -artifact_prefix="$artifacts" "${extra[@]}" "$work" "$root/fuzz/corpus/$t" >"$log" 2>&1 || result=FAILED
  execs=$(awk '/stat::number_of_executed_units/ {print $2}' "$log")
  rate=$(awk '/stat::average_exec_per_sec/ {print $2}' "$log")
  printf '%-20s %12s %14s %10s  %s\n' "$t" "${rate:-?}" "${execs:-?}" "$(ls "$work" | wc -l)" "$result"
  if [ "$result" != ok ]; then
    failed=1
    grep -E "ERROR|SUMMARY|runtime error|property failed|terminate called|what\(\)" "$log" | head -n 8 >&2 || true
    for a in "$artifacts"*; do
      [ -e "$a" ] && echo "fuzz: reproduce with $build/fuzz/$t $a" >&2
    done
  fi
done
exit "$failed"
