#!/usr/bin/env bash
# Convergence benchmark of issue 7, both fabrics: `lab/demo.sh bench N` with the StackBgp fabric
# (default) and then with the FRR fabric (FABRIC_DAEMON=frr), stackbgpd on the controllers in both.
# Writes bench/convergence/results/DATE-stackbgp-on-{stackbgp,frr}.{md,samples} and prints both tables.
#   bench/convergence/run.sh [N]        (root; N runs of each event, default 10; BUILD=0 skips ./build.sh)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
N=${1:-10}
stamp=$(date -u +%Y-%m-%dT%H%M)
for fabric in ${FABRICS:-stackbgp frr}; do
  BENCH_OUT=$HERE/results/$stamp-stackbgp-on-$fabric FABRIC_DAEMON=$fabric CONTROLLER_DAEMON=stackbgp \
    "$REPO/lab/demo.sh" bench "$N"
  export BUILD=0   # built once is enough
done
echo
for fabric in ${FABRICS:-stackbgp frr}; do
  echo "=== fabric: $fabric"; cat "$HERE/results/$stamp-stackbgp-on-$fabric.md"; echo
done
