#!/usr/bin/env bash
# make bench-dp: one training step of csit-compact with the global batch on 1 process × N
# threads and on N processes × 1 thread (mpirun, this machine), side by side in one run, as
# JSON lines (stdout and results/bench/data-parallel.jsonl). N = the cores of this machine.
set -euo pipefail
cd "$(dirname "$0")/.."
BENCH=.build/release/csit-bench
CASES=${DP_CASES:-ssl/224/16/16,finetune/224/16/16,ssl/64/8/64,finetune/64/8/64}
STEPS=${DP_STEPS:-3}
N=${DP_PROCESSES:-$(nproc)}
OUT=results/bench/data-parallel.jsonl
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
# Alternate the layouts case by case, so drift of this VM's speed hits both alike.
for c in ${CASES//,/ }; do
  CSIT_THREADS=$N "$BENCH" --data-parallel "$c" --steps "$STEPS" --threads "$N" | tee -a "$tmp"
  mpirun --oversubscribe -np "$N" --bind-to none -x CSIT_THREADS=1 \
    --mca btl_tcp_if_include lo --mca oob_tcp_if_include lo \
    "$BENCH" --data-parallel "$c" --steps "$STEPS" --threads 1 | tee -a "$tmp"
done
mv "$tmp" "$OUT"
trap - EXIT
echo "wrote $OUT" >&2
