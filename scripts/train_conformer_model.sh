#!/usr/bin/env sh
# Trains the conformation model noether ships (models/conformer.pt), from scratch, in seven stages
# of `noether train-conformer` (155 epochs at about 26 s each on one thread of the idle 2-core VM, about 70 min;
# 40 min when OpenBLAS still took the second core unasked):
#   1. 50 epochs of the plain loss at lr 1e-3 (at the default 2e-3 some long runs diverged);
#   2-5. fine-tuning with --focus (each molecule's loss divided by |RMSD - center| + focus), which
#        leans on molecules that are nearly right;
#   stages 1-5 train the distance-only engine against the targets' labels as read
#   (--stereo-weight 0 --no-symmetric), the recipe of the session-3 model;
#   6-7. the stereo terms switched on (chiral volumes and E/Z bonds held to the SMILES) and each
#        target relabelled by the molecule's best-fitting symmetry; stage 7 saves the moving
#        average of the weights.
# Seed 0 throughout (train-conformer's default), one thread: the run is repeatable.
#   sh scripts/train_conformer_model.sh [NOETHER] [OUT] [DATA_DIR]
set -eu
noether="${1:-build/apps/noether}"
out="${2:-models/conformer.pt}"
data="${3:-conformer-data}"
run() { "$noether" train-conformer --data-dir "$data" --threads 1 -o "$out" --json "$@"; }
old="--stereo-weight 0 --no-symmetric"
run --epochs 50 --lr 1e-3 $old
run --resume --epochs 15 --lr 1e-3 --focus 0.2 $old
run --resume --epochs 20 --lr 7e-4 --focus 0.1 $old
run --resume --epochs 15 --lr 5e-4 --focus 0.15 --focus-center 0.45 $old
run --resume --epochs 20 --lr 4e-4 --focus 0.2 --focus-center 0.4 $old
run --resume --epochs 15 --lr 4e-4 --focus 0.2 --focus-center 0.4 --stereo-weight 1
run --resume --epochs 20 --lr 3e-4 --focus 0.15 --focus-center 0.4 --ema 0.998
