#!/bin/sh
# bench/residual_case.sh: the worked case of issue 7, end to end.
#
#   sh bench/residual_case.sh [BUILD_DIR] [WORK_DIR]      (defaults: build, /tmp/noether-residual-case)
#
# 1. Observations: a hot Jupiter (0.05 AU) and an outer planet (0.3 AU) around a Sun-like star,
#    integrated with Newtonian gravity plus the potential that mimics general-relativistic
#    precession (-3 (G M)^2 m / (c^2 r^2), Nobili & Roxburgh), Wisdom-Holman dt = 0.01 d with
#    corrector 17; 2000 states every 0.05 d: a training span of 100 days (25 orbits of b).
# 2. A residual pair potential (2 x 32 tanh) trained on them (pointwise loss, 2000 Adam steps).
# 3. 50000 steps of dt = 0.2 d (10^4 days, 100x the training span) of Newtonian-only WH and of WH
#    with the residual, both corrector 17, against the truth (WH at dt/10, corrector 17).
#    Variant: the same observations without the accelerations (positions and velocities only);
#    train-residual estimates them by sixth-order differences of the velocities.
# 4. The NIH comparison (replacement mode, Sun-Jupiter-Saturn, 10^5 steps of 10 d): a
#    positions-only network against the same network fed |v_i - v_j|^2 as well.
# Progress goes to stderr; the NIH line and the states-only variant's line are printed first, and
# the script ends with the worked case's JSON line (newtonian_position_error, residual_position_error, newtonian_ns_per_step,
# residual_ns_per_step, ...).
set -e
BUILD=${1:-$(cd "$(dirname "$0")/.." && pwd)/build}
WORK=${2:-/tmp/noether-residual-case}
HERE=$(cd "$(dirname "$0")" && pwd)
N=$(cd "$BUILD" && pwd)/apps/noether
B=$(cd "$BUILD" && pwd)/bench/bench_residual
SYS=$HERE/residual_system.json
mkdir -p "$WORK"
cd "$WORK"
THREADS=${THREADS:-1}

echo "[1/4] observations with the GR potential" >&2
"$N" residual-data --system "$SYS" --physics gr --dt 0.01 --every 5 --samples 2000 -o gr_data.pt --json >&2
echo "[2/4] training the residual" >&2
"$N" train-residual --data gr_data.pt -o gr_model.pt --mode residual --hidden 32 --layers 2 --steps 2000 \
  --seed 0 --threads "$THREADS" --json >&2
echo "[2b] variant: states only, accelerations from the velocities" >&2
"$N" residual-data --system "$SYS" --physics gr --dt 0.01 --every 5 --samples 2000 --no-accelerations -o gr_states.pt --json >&2
"$N" train-residual --data gr_states.pt -o gr_states_model.pt --mode residual --hidden 32 --layers 2 --steps 2000 \
  --seed 0 --threads "$THREADS" --json >&2
"$B" case gr_states_model.pt "$SYS" 0.2 50000
echo "[3/4] NIH comparison on Sun-Jupiter-Saturn (replacement mode)" >&2
"$N" residual-data --system sun-jupiter-saturn --physics newtonian --dt 5 --every 20 --samples 2000 -o sjs_data.pt --json >&2
"$N" train-residual --data sjs_data.pt -o sjs_positions.pt --mode replacement --steps 2000 --threads "$THREADS" --json >&2
"$N" train-residual --data sjs_data.pt -o sjs_momentum.pt --mode replacement --momentum-input --steps 2000 \
  --threads "$THREADS" --json >&2
"$B" nih sjs_positions.pt sjs_momentum.pt 10 100000
echo "[4/4] long rollouts against the truth" >&2
"$B" case gr_model.pt "$SYS" 0.2 50000
