#!/bin/sh
# Side-by-side: noether's Wisdom-Holman (bench_nbody) against REBOUND's WHFast.
#   bench/nbody_vs_rebound.sh REBOUND_SRC DRIVER_C [BUILD_DIR] [REPEATS]
# REBOUND_SRC: a REBOUND checkout's src/ folder (never copied into this repository);
# DRIVER_C: the small C driver calling REBOUND's API (kept outside the repository);
# BUILD_DIR: noether build folder with bench/bench_nbody (default build). Both codes are built
# with the same flags (-O3 -DNDEBUG -march=x86-64-v3, as CMake Release here), REBOUND once serial
# and once with OpenMP; runs alternate, each figure is the median of REPEATS (default 3). Not used
# by the tests.
set -eu
SRC=$1; DRIVER=$2; BUILD=${3:-build}; REP=${4:-3}
FLAGS="-O3 -DNDEBUG -march=x86-64-v3 -std=c99 -D_GNU_SOURCE"
W=$(mktemp -d)
for v in serial omp; do
  mkdir -p $W/$v; EXTRA=""; [ $v = omp ] && EXTRA="-fopenmp -DOPENMP"
  for f in "$SRC"/*.c; do
    case $(basename $f) in glad.c|communication_mpi.c) continue;; esac
    gcc $FLAGS $EXTRA -c $f -o $W/$v/$(basename $f .c).o
  done
  ar rcs $W/$v/librebound.a $W/$v/*.o
  gcc $FLAGS $EXTRA -I"$SRC" "$DRIVER" $W/$v/librebound.a -lm -lrt -o $W/driver-$v
done
N=$BUILD/bench/bench_nbody
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
field() { sed -n "s/.*\"$1\":\([^,}]*\).*/\1/p"; }
run() {  # label, noether command, rebound command
  : > $W/n.txt; : > $W/r.txt
  for i in $(seq $REP); do
    $2 >> $W/n.txt; $3 >> $W/r.txt
  done
  n=$(field ns_per_step < $W/n.txt | median); r=$(field ns_per_step < $W/r.txt | median)
  ne=$(field max_rel_energy_error < $W/n.txt | head -1); re=$(field max_rel_energy_error < $W/r.txt | head -1)
  echo "$1: noether $n ns/step (max dE/E $ne), rebound $r ns/step (max dE/E $re), ratio $(echo "$n $r" | awk '{printf "%.2f", $1/$2}')"
}
run "outer solar system, dt=10, 1e6 steps, corrector 0" "$N oss 10 1000000 0" "$W/driver-serial oss 10 1000000 0"
run "outer solar system, dt=10, 1e6 steps, corrector 11" "$N oss 10 1000000 11" "$W/driver-serial oss 10 1000000 11"
for np in 1000 10000; do
  $N tp $np 10 1 1 $W/ic$np.txt > /dev/null
  for th in 1 2; do
    run "SJS + $np test particles, dt=10, 1e4 steps, noether $th thread(s) vs rebound serial" \
        "$N tp $np 10 10000 $th" "$W/driver-serial tp $W/ic$np.txt 10 10000 1"
    run "SJS + $np test particles, dt=10, 1e4 steps, noether $th thread(s) vs rebound OpenMP $th" \
        "$N tp $np 10 10000 $th" "$W/driver-omp tp $W/ic$np.txt 10 10000 $th"
  done
done
rm -rf $W
