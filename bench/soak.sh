#!/bin/sh
# bench/soak.sh: long runs whose memory must stay flat and whose errors must stay bounded
# (issue 14; not a CI test: about 10 minutes on one core at the defaults).
#
#   sh bench/soak.sh [BUILD_DIR] [WORK_DIR] [WH_STEPS] [MOLECULES]
#        (defaults: build, /tmp/noether-soak, 100000000, 100000)
#
# 1. A learned residual for the outer solar system: observations with the GR potential
#    (residual-data, 2000 samples), a 2 x 32 pair network trained for 500 steps.
# 2. WH_STEPS Wisdom-Holman steps of the outer solar system (dt = 10 d, corrector 17) with that
#    residual in the kick: `noether simulate --residual`.
# 3. `noether conform` over MOLECULES drug-like SMILES (examples/molecules.smi repeated under
#    distinct names), one thread, SDF out.
# For each run the resident memory is sampled every 2 s from /proc: the script prints one JSON
# line per run with the wall time, the memory after the first tenth of the run, its maximum and
# its last value (MB), and the run's own JSON summary.
set -e
HERE=$(cd "$(dirname "$0")" && pwd)
BUILD=${1:-$HERE/../build}
WORK=${2:-/tmp/noether-soak}
WH_STEPS=${3:-100000000}
MOLECULES=${4:-100000}
N=$(cd "$BUILD" && pwd)/apps/noether
mkdir -p "$WORK"
cd "$WORK"

# watch LABEL SUMMARY_FILE COMMAND...: runs COMMAND (stdout to SUMMARY_FILE), samples its RSS.
watch() {
  label=$1; summary=$2; shift 2
  start=$(date +%s.%N)
  "$@" > "$summary" &
  pid=$!
  : > rss.txt
  while kill -0 "$pid" 2>/dev/null; do
    awk '/VmRSS/ {print $2}' "/proc/$pid/status" >> rss.txt 2>/dev/null || true
    sleep 2
  done
  wait "$pid"
  end=$(date +%s.%N)
  awk -v label="$label" -v secs="$(echo "$end - $start" | bc)" -v summary="$(cat "$summary")" '
    NF { v[n++] = $1; if ($1 > max) max = $1 }
    END {
      i = int(n / 10) + 1; if (i > n - 1) i = n - 1; early = v[i];
      printf "{\"run\":\"%s\",\"seconds\":%.1f,\"samples\":%d,\"rss_mb_after_first_tenth\":%.1f,\"rss_mb_max\":%.1f,\"rss_mb_last\":%.1f,\"summary\":%s}\n",
             label, secs, n, early / 1024, max / 1024, v[n - 1] / 1024, summary
    }' rss.txt
}

echo "[1/3] a residual model for the outer solar system" >&2
"$N" residual-data --system outer-solar-system --physics gr --c 173.1446 --dt 10 --every 5 --samples 2000 \
  -o oss_gr.pt --json >&2
"$N" train-residual --data oss_gr.pt -o oss_residual.pt --hidden 32 --layers 2 --steps 500 --threads 1 -q --json >&2

echo "[2/3] $WH_STEPS Wisdom-Holman steps with the residual, corrector 17" >&2
watch wisdom_holman_residual wh.json "$N" simulate --system outer-solar-system --dt 10 --corrector 17 \
  --residual oss_residual.pt --steps "$WH_STEPS" -o soak.csv --no-plot --json -q

echo "[3/3] conform over $MOLECULES molecules" >&2
awk -v n="$MOLECULES" 'BEGIN { k = 0 } !/^#/ && NF { s[k] = $1; m[k] = $2; k++ }
  END { for (i = 0; i < n; ++i) print s[i % k], m[i % k] "_" int(i / k) }' "$HERE/../examples/molecules.smi" > soak.smi
watch conform conform.json "$N" conform -i soak.smi -o soak.sdf --threads 1 --json -q
