#!/usr/bin/env bash
# Side-by-side daemon benchmark (issue 8 point 1). Run as root from anywhere:
#   bench/daemon/run.sh [--quick] [--runs N] [--daemons floor,bird,frr,gobgp,openbgpd,stackbgp]
#                       [--scenarios 100k,1M,10x100k] [--timeout SECONDS]
# --quick = 100k only, 1 run each. Prints a Markdown table and writes bench/daemon/results/latest.md
# (--out FILE to write elsewhere). StackBgp is artifacts/bin/stackbgpd (./build.sh; --stackbgpd PATH).
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$repo"
proj=bench/daemon/StackBgp.Bench.Daemon
dotnet build "$proj" -c Release --nologo -v quiet -o bench/daemon/bin >/dev/null
bin=bench/daemon/bin/StackBgp.Bench.Daemon

# The orchestrator removes its namespaces itself (finally + Ctrl+C); this trap is the second line:
# namespaces named sbb-<its PID>-… and the processes inside them, if it died hard.
pid=""
cleanup() {
  [ -n "$pid" ] || return 0
  for ns in $(ip netns list | awk '{print $1}' | grep "^sbb-$pid-" || true); do
    for p in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$p" 2>/dev/null || true; done
    ip netns del "$ns" 2>/dev/null || true
  done
}
trap cleanup EXIT
"$bin" run --command "bench/daemon/run.sh $*" "$@" &
pid=$!
wait "$pid"
