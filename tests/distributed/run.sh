#!/usr/bin/env bash
# tests/distributed/run.sh NOETHER MODEL_DIFF CASE [SMILES_FILE]: the data-parallel and sharded runs of issue 20
# on loopback, two processes. Ranks are started either by torchrun (when installed) or by hand
# with the variables torchrun sets (rank 0 then hosts the TCP store itself).
#   training       2 ranks holding B rows each of a batch of 2B give the weights 1 rank gets with
#                  the whole batch, after 20 steps (float64, to 1e-6 relative): the HNN's fused
#                  gradient, autograd's, the rollout loss, and a batch of 63 (parts of 31 and 32)
#   graph          train-graph (HOGN, float64) on 2 ranks gives 1 rank's losses to 1e-9 relative,
#                  minibatches and full batch
#   resume         a 1-rank checkpoint resumed on 2 ranks equals it resumed on 1
#   conform        `conform` on 2 ranks writes the bytes 1 rank writes (torchrun)
#   killed_rank    a rank killed mid-run ends the other with an error within the time-out, and
#                  the last complete checkpoint stays
#   no_store       a store that cannot be reached ends the rank with an error naming it
#   ensemble       `simulate --ensemble` on 2 ranks writes the summary rows 1 rank writes (less
#                  the timing columns)
#   file_store     the ranks meet through a file (NOETHER_STORE_FILE) instead of TCP
#   single         WORLD_SIZE=1 (or unset) runs as one process does
set -u
N=$1 DIFF=$2 CASE=$3 SMILES=${4:-}
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$work"' EXIT
cd "$work" || exit 1
export OMP_NUM_THREADS=1

free_port() {
  local p=$((20000 + RANDOM % 30000))
  while (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; do p=$((p + 1)); done
  echo "$p"
}

# launch2 ARGS...: two ranks of `noether ARGS`; stdout of rank r in out.r, stderr in err.r.
launch2() {
  local port pids=() s=0
  port=$(free_port)
  for r in 0 1; do
    RANK=$r WORLD_SIZE=2 LOCAL_RANK=$r MASTER_ADDR=127.0.0.1 MASTER_PORT=$port NOETHER_DIST_TIMEOUT=60 \
      "$N" "$@" > "out.$r" 2> "err.$r" &
    pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p" || s=1; done
  return $s
}

fail() { echo "FAIL: $*"; for f in err.*; do [ -e "$f" ] && { echo "--- $f"; cat "$f"; }; done; exit 1; }

train_args="train --system spring --model hnn --dtype float64 --steps 20 -q --json"

case "$CASE" in
  training)
    for extra in "--batch-size 64" "--batch-size 64 --no-fused" "--batch-size 16 --loss rollout --rollout-steps 5" \
                 "--batch-size 63"; do
      "$N" $train_args $extra -o one.pt > /dev/null || fail "1 rank ($extra)"
      launch2 $train_args $extra -o two.pt || fail "2 ranks ($extra)"
      "$DIFF" one.pt two.pt 1e-6 || fail "weights differ ($extra)"
      grep -q '"train_loss"' out.0 || fail "rank 0 printed no JSON"
      [ -s out.1 ] && fail "rank 1 wrote to standard output"
    done
    ;;
  graph)
    key() { sed -n "s/.*\"$1\":\([^,}]*\).*/\1/p" "$2"; }
    for extra in "--batch-size 16" ""; do
      "$N" train-graph --dtype float64 --steps 20 $extra -q --json -o one.pt > one.json || fail "1 rank ($extra)"
      launch2 train-graph --dtype float64 --steps 20 $extra -q --json -o two.pt || fail "2 ranks ($extra)"
      for k in train_loss test_loss; do
        awk -v a="$(key $k one.json)" -v b="$(key $k out.0)" \
          'BEGIN { d = a - b; if (d < 0) d = -d; exit !(a != "" && d <= 1e-9 * (a < 0 ? -a : a)) }' ||
          fail "$k: 1 rank $(key $k one.json), 2 ranks $(key $k out.0) ($extra)"
      done
    done
    ;;
  resume)
    "$N" train --system spring --model hnn --dtype float64 --steps 10 --batch-size 64 -q -o start.pt || fail "start"
    cp start.pt a.pt; cp start.pt.json a.pt.json; cp start.pt b.pt; cp start.pt.json b.pt.json
    "$N" train --resume --steps 10 -q -o a.pt || fail "resume on 1 rank"
    launch2 train --resume --steps 10 -q -o b.pt || fail "resume on 2 ranks"
    "$DIFF" a.pt b.pt 1e-6 || fail "resumed weights differ"
    ;;
  conform)
    command -v torchrun > /dev/null || { echo "torchrun not installed (python3-torch): skipped"; exit 77; }
    head -n 40 "$SMILES" > in.smi
    "$N" conform -i in.smi -o one.sdf --batch-size 8 --num-confs 2 --threads 1 -q || fail "1 rank"
    torchrun --nproc_per_node 2 --no_python --redirects 1 --tee 1 --log_dir logs \
      "$N" conform -i in.smi -o two.sdf --batch-size 8 --num-confs 2 --json > torchrun.out 2>&1 || { cat torchrun.out; fail "torchrun"; }
    cmp one.sdf two.sdf || fail "2 ranks wrote other bytes than 1"
    [ -z "$(ls | grep part)" ] || fail "parts left behind: $(ls)"
    grep -q '"ranks":2' torchrun.out || { cat torchrun.out; fail "no JSON line with ranks 2"; }
    ;;
  killed_rank)
    port=$(free_port)
    for r in 0 1; do
      RANK=$r WORLD_SIZE=2 MASTER_ADDR=127.0.0.1 MASTER_PORT=$port NOETHER_DIST_TIMEOUT=20 \
        "$N" train --system spring --steps 1000000 --checkpoint-every 20 -q -o k.pt 2> "err.$r" &
      pid[$r]=$!
    done
    i=0
    while [ ! -e k.pt.json ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
    [ -e k.pt.json ] || fail "no checkpoint appeared"
    start=$SECONDS
    kill -9 "${pid[1]}"
    wait "${pid[0]}"; s=$?
    took=$((SECONDS - start))
    [ "$s" -ne 0 ] || fail "rank 0 exited 0 after rank 1 was killed"
    [ "$took" -le 40 ] || fail "rank 0 took $took s to stop"
    grep -q "rank 0 of 2" err.0 || fail "rank 0's message does not name it (exit status $s)"
    "$N" evaluate --model k.pt --starts 2 --json > /dev/null || fail "the last checkpoint is not complete"
    echo "rank 0 stopped $took s after rank 1 was killed: $(head -c 300 err.0)"
    ;;
  no_store)
    port=$(free_port)
    start=$SECONDS
    RANK=1 WORLD_SIZE=2 MASTER_ADDR=127.0.0.1 MASTER_PORT=$port NOETHER_DIST_TIMEOUT=3 \
      "$N" train --system spring --steps 5 -q -o n.pt 2> err.1
    s=$?
    [ "$s" -ne 0 ] || fail "exit 0 without a store"
    [ $((SECONDS - start)) -le 30 ] || fail "took $((SECONDS - start)) s"
    grep -q "could not join the process group through 127.0.0.1:$port" err.1 || fail "message"
    [ ! -e n.pt ] || fail "wrote a model"
    ;;
  ensemble)
    echo '{"system": "outer-solar-system", "members": 5, "perturbation": 1e-9, "seed": 2}' > ens.json
    "$N" simulate --ensemble ens.json --years 2000 -q -o one.csv || fail "1 rank"
    launch2 simulate --ensemble ens.json --years 2000 -q --json -o two.csv || fail "2 ranks"
    cut -d, -f1-11 one.csv > one.rows
    cut -d, -f1-11 two.csv > two.rows
    [ "$(wc -l < one.rows)" -eq 6 ] || fail "1 rank wrote $(wc -l < one.rows) lines"
    cmp one.rows two.rows || fail "2 ranks wrote other rows than 1"
    grep -q '"ranks":2' out.0 || fail "rank 0's JSON"
    [ -z "$(ls | grep part)" ] || fail "parts left behind"
    ;;
  file_store)
    "$N" $train_args --batch-size 64 -o one.pt > /dev/null || fail "1 rank"
    for r in 0 1; do
      RANK=$r WORLD_SIZE=2 NOETHER_STORE_FILE="$work/store" NOETHER_DIST_TIMEOUT=60 \
        "$N" $train_args --batch-size 64 -o two.pt > "out.$r" 2> "err.$r" &
      pid[$r]=$!
    done
    wait "${pid[0]}" || fail "rank 0"
    wait "${pid[1]}" || fail "rank 1"
    "$DIFF" one.pt two.pt 1e-6 || fail "weights differ"
    ;;
  single)
    "$N" $train_args --batch-size 64 -o plain.pt > /dev/null || fail "plain"
    WORLD_SIZE=1 RANK=0 "$N" $train_args --batch-size 64 -o world1.pt > /dev/null || fail "WORLD_SIZE=1"
    "$DIFF" plain.pt world1.pt 0 || fail "WORLD_SIZE=1 changed the weights"
    ;;
  *) echo "unknown case $CASE"; exit 2 ;;
esac
echo "ok: $CASE"
