#!/bin/bash
# kill -9 of a process running the BFD engine, seen from FRR 8.4 bfdd in another namespace.
# Usage (root, from the repository root, after `dotnet build bench/StackBgp.Bfd.Bench -c Release`):
#   bench/StackBgp.Bfd.Bench/kill-test.sh [INTERVAL_MS]
set -euo pipefail
MS=${1:-50}
EXTRA=${2:-}
ID=$(head -c3 /dev/urandom | od -An -tx1 | tr -d ' \n')
A=bfdk-$ID-a; B=bfdk-$ID-b
BENCH=bench/StackBgp.Bfd.Bench/bin/Release/net10.0/StackBgp.Bfd.Bench.dll
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  ip netns del $A 2>/dev/null || true; ip netns del $B 2>/dev/null || true
  rm -rf /var/run/frr/$B /etc/frr/$B /tmp/$B-*.log
}
trap cleanup EXIT
ip netns add $A; ip netns add $B
ip link add va netns $A type veth peer name vb netns $B
ip -n $A addr add 10.80.0.1/24 dev va; ip -n $B addr add 10.80.0.2/24 dev vb
ip -n $A link set va up; ip -n $B link set vb up; ip -n $A link set lo up; ip -n $B link set lo up
usermod -a -G frr,frrvty root
mkdir -p /var/run/frr/$B /etc/frr/$B && chown frr:frr /var/run/frr/$B
touch /etc/frr/$B/vtysh.conf
printf 'log timestamp precision 6\ndebug bfd peer\nbfd\n peer 10.80.0.1 interface vb\n  transmit-interval %s\n  receive-interval %s\n !\n!\n' $MS $MS > /etc/frr/$B/frr.conf
for d in zebra bfdd; do
  ip netns exec $B /usr/lib/frr/$d -N $B -u frr -g frr -i /var/run/frr/$B/$d.pid -P 0 --log stdout --log-level debug >/tmp/$B-$d.log 2>&1 &
  PIDS+=($!)
  for i in $(seq 100); do [ -S /var/run/frr/$B/$d.vty ] && break; sleep 0.05; done
done
vtysh -N $B -b >/dev/null
dotnet $BENCH --serve $A 10.80.0.2 va $MS $EXTRA &
SERVE=$!; PIDS+=($SERVE)
status() { vtysh -N $B -c 'show bfd peers json' | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["status"])'; }
for i in $(seq 200); do [ "$(status)" = up ] && break; sleep 0.05; done
echo "FRR: $(status) at ${MS} ms x 3 with our engine (pid $SERVE)"
sleep 1
T0=$(date +%s.%N); kill -9 $SERVE
while [ "$(status)" = up ]; do :; done
# FRR's own log line for the state change, with microsecond timestamps.
LINE=$(grep -a -m1 -E 'state-change.*up -> down|-> down' /tmp/$B-bfdd.log || true)
TS=$(echo "$LINE" | grep -oE '[0-9]{4}/[0-9]{2}/[0-9]{2} [0-9:.]+' | head -1)
T1=$(date -d "$TS" +%s.%N)
echo "kill -9 -> FRR bfdd logged Down $(python3 -c "print(round(($T1 - $T0) * 1000))") ms later (detection time $((3 * MS)) ms)"
echo "  FRR: $LINE"
vtysh -N $B -c 'show bfd peers' | grep -E 'Status|Diagnostics' | head -2
