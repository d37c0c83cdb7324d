#!/usr/bin/env bash
# Every failover case of bench/README.md (BFD section), RUNS runs each (default 10), appended to
# bench/bfd-lab/results/failover-latest.md. Run as root from anywhere after ./build.sh.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
RUNS=${RUNS:-10}
OUT=${OUT:-$HERE/results/failover-latest.md}
mkdir -p "$(dirname "$OUT")"
echo "# bench/bfd-lab/failover-all.sh, RUNS=$RUNS, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs" >"$OUT"
for c in "leaf frr stackbgp kill" "leaf frr stackbgp cut" "leaf frr stackbgp stop" \
         "leaf frr frr kill" "leaf frr frr cut" \
         "leaf stackbgp stackbgp stop" "leaf stackbgp frr stop" "leaf stackbgp stackbgp cut" \
         "fabric stackbgp stackbgp stop" "fabric frr stackbgp stop"; do
  set -- $c
  "$HERE/failover.sh" --topology "$1" --leaf "$2" --node "$3" --fail "$4" --runs "$RUNS" --out "$OUT" 2>&1 | grep -v '^[0-9:.]* run ' || true
done
cat "$OUT"
