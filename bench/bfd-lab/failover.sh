#!/usr/bin/env bash
# BFD failover benchmark (issue 6 point 6, and the hung-node case): two nodes announce the same /32
# to one leaf over eBGP with BFD; one node fails; the time from the failure to the removal of its
# next hop from the leaf's *kernel* ECMP route is measured N times.
#
#   node-1 (100.64.1.2) ──┐  sw: one bridge per node  ┌── leaf (100.64.1.1, 100.64.2.1)
#   node-2 (100.64.2.2) ──┘  (a cut leaves the leaf's  └── both nodes: 192.1.1.1/32 on lo,
#                             carrier up: only BFD sees it)   redistributed (RHOSP controller config)
#
# usage (root, from anywhere; needs artifacts/bin/stackbgpd from ./build.sh when stackbgp is used):
#   bench/bfd-lab/failover.sh [--leaf frr|stackbgp] [--node stackbgp|frr] [--fail kill|stop|cut]
#                             [--runs N] [--ms 50] [--mult 3] [--topology leaf|fabric] [--out FILE]
#   --topology leaf (default): the picture above, measured in the leaf's kernel.
#   --topology fabric: node-R under its own leaf-R (R = 1, 2; lab/configs/leaf.conf), both leaves
#     under one spine (lab/configs/spine.conf, 172.30.R.0/30), measured in the spine's kernel: the
#     leaf must detect, tear down, and withdraw toward the spine (the lab/demo.sh S3 shape).
#   --fail kill: kill -9 of node-1's speaker (stackbgpd, or FRR's bgpd+bfdd+zebra)
#   --fail stop: SIGSTOP of node-1's speaker (a hung process: TCP stays open, only BFD can tell)
#   --fail cut:  node-1's port on the switch goes down (the leaf keeps its carrier)
#   LEAF_EXTRA="zebra work-queue 0" (environment): global lines added to the leaf's config (topology leaf)
# Failure time: kill/stop: `date +%s.%N` right before the signal (a shell builtin); cut: the timestamp
# of the switch kernel's notification that the port went down, from `ip -ts monitor link` in the
# switch namespace (starting `ip` to cut the port takes ~3 ms here, which is not part of the failure;
# `date` before it is the fallback). Removal time: the timestamp of the first route (or next-hop
# object) change of the leaf's kernel after it, from `ip -ts monitor` started before the run (both
# ends stamped the same way, by an `ip monitor` reading a kernel notification; no polling). Then the
# node is restored (restart / SIGCONT / port up) and the next run waits for two next hops again.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
LEAF=frr NODE=stackbgp FAIL=kill RUNS=10 MS=50 MULT=3 OUT="" TOPO=leaf
while [ $# -gt 0 ]; do
  case $1 in
    --leaf) LEAF=$2; shift 2 ;; --node) NODE=$2; shift 2 ;; --fail) FAIL=$2; shift 2 ;;
    --runs) RUNS=$2; shift 2 ;; --ms) MS=$2; shift 2 ;; --mult) MULT=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;; --topology) TOPO=$2; shift 2 ;;
    *) echo "unknown option $1 (see the header of $0)" >&2; exit 2 ;;
  esac
done
ID=$(head -c3 /dev/urandom | od -An -tx1 | tr -d ' \n')
export LAB_RUN=/tmp/bfdfo-$ID
. "$REPO/lab/lib.sh"
STACKBGPD=${STACKBGPD:-$REPO/artifacts/bin/stackbgpd}
STACKBGP=${STACKBGP:-$(dirname "$STACKBGPD")/stackbgp}
VIP=192.1.1.1
L=bfo$ID-leaf S=bfo$ID-sw N1=bfo$ID-n1 N2=bfo$ID-n2 SP=bfo$ID-spine
if [ "$TOPO" = fabric ]; then ALL="bfo$ID-l1 bfo$ID-l2 $SP $S $N1 $N2"; M=$SP; else ALL="$L $S $N1 $N2"; M=$L; fi
MONPID=""
cleanup() {
  [ -n "$MONPID" ] && kill $MONPID 2>/dev/null
  local ns p
  # a stopped process does not handle SIGTERM: continue it first
  for ns in $ALL; do for p in $(ip netns pids "$ns" 2>/dev/null); do kill -CONT "$p" 2>/dev/null; done; done
  for ns in $ALL; do ns_del "$ns" 2>/dev/null; done
  [ "${KEEP:-0}" = 1 ] || rm -rf "$LAB_RUN"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
[ "$(id -u)" = 0 ] || lab_die "needs root (network namespaces)"
for d in $LEAF $NODE; do
  [ "$d" != stackbgp ] || [ -x "$STACKBGPD" ] || lab_die "$STACKBGPD is missing: run ./build.sh"
done
mkdir -p "$LAB_RUN/pids" "$LAB_RUN/logs" "$LAB_RUN/conf"

node_conf() { # R DAEMON
  local api=""; [ "$2" = stackbgp ] && api="api socket $LAB_RUN/node$1.sock"
  sed -e "s/@R@/$1/g" -e "s/@BFD_MS@/$MS/g" -e "s/@BFD_MULT@/$MULT/g" -e "s|@API@|$api|g" \
      -e "s/hostname controller-/hostname node-/" "$REPO/lab/configs/controller.conf"
}
leaf_conf() { # DAEMON
  local api=""; [ "$1" = stackbgp ] && api="api socket $LAB_RUN/leaf.sock"
  cat <<EOF
frr version 8.4
frr defaults datacenter
hostname leaf
log stdout informational
$api
${LEAF_EXTRA:-}
router bgp 64998
  bgp router-id 172.30.1.2
  no bgp default ipv4-unicast
  no bgp ebgp-requires-policy
  bgp bestpath as-path multipath-relax
  neighbor nodes peer-group
  neighbor nodes remote-as external
  neighbor nodes bfd
  neighbor nodes bfd profile lab
  neighbor nodes ttl-security hops 1
  neighbor nodes timers connect 1
  neighbor 100.64.1.2 peer-group nodes
  neighbor 100.64.2.2 peer-group nodes
  address-family ipv4 unicast
    neighbor nodes activate
    maximum-paths 8
  exit-address-family
bfd
  profile lab
    detect-multiplier $MULT
    transmit-interval $MS
    receive-interval $MS
!
EOF
}

start_speaker() { # NS DAEMON CONF SOCK
  case $2 in
    frr) frr_start "$1" "$3" bfd || lab_die "FRR did not start in $1 (logs: $LAB_RUN/logs)" ;;
    stackbgp)
      start_bg "$1" stackbgpd "$STACKBGPD" --config "$3"
      wait_until 30 "stackbgpd API in $1" test -S "$4" || lab_die "stackbgpd did not start in $1 (log: $LAB_RUN/logs/$1.stackbgpd.log)" ;;
  esac
}
speaker_pids() { # NS DAEMON
  local d
  case $2 in
    frr) for d in bgpd bfdd zebra; do pid_of "$1" "$d"; done ;;
    stackbgp) pid_of "$1" stackbgpd ;;
  esac
}

lab_log "lab $ID: topology=$TOPO leaf=$LEAF node=$NODE fail=$FAIL BFD ${MULT}x${MS} ms, $RUNS runs"
for ns in $ALL; do ns_add "$ns" || lab_die "cannot create $ns"; done
for r in 1 2; do
  n=bfo$ID-n$r
  if [ "$TOPO" = fabric ]; then lr=bfo$ID-l$r; ld=down0; else lr=$L; ld=down$r; fi
  ip -n "$S" link add "b$r" type bridge && ip -n "$S" link set "b$r" up
  veth_add "$S" "l$r" "$lr" "$ld"
  veth_add "$S" "n$r" "$n" eth0
  ip -n "$S" link set "l$r" master "b$r"; ip -n "$S" link set "n$r" master "b$r"
  addr_add "$lr" "$ld" "100.64.$r.1/30"
  addr_add "$n" eth0 "100.64.$r.2/30"
  addr_add "$n" lo "$VIP/32"
  node_conf "$r" "$NODE" >"$LAB_RUN/conf/node$r.conf"
done
if [ "$TOPO" = fabric ]; then
  for r in 1 2; do
    veth_add "$SP" "sp-l$r" "bfo$ID-l$r" up0
    addr_add "$SP" "sp-l$r" "172.30.$r.1/30"; addr_add "bfo$ID-l$r" up0 "172.30.$r.2/30"
  done
  api=""; [ "$LEAF" = stackbgp ] && api="api socket $LAB_RUN/spine.sock"
  sed -e "s|@API@|$api|g" "$REPO/lab/configs/spine.conf" >"$LAB_RUN/conf/spine.conf"
  start_speaker "$SP" "$LEAF" "$LAB_RUN/conf/spine.conf" "$LAB_RUN/spine.sock"
  for r in 1 2; do
    api=""; [ "$LEAF" = stackbgp ] && api="api socket $LAB_RUN/leaf$r.sock"
    sed -e "s/@R@/$r/g" -e "s/@LEAF_AS@/$((64999 - r))/g" -e "s/@BFD_MS@/$MS/g" -e "s/@BFD_MULT@/$MULT/g" \
        -e "s|@API@|$api|g" "$REPO/lab/configs/leaf.conf" >"$LAB_RUN/conf/leaf$r.conf"
    start_speaker "bfo$ID-l$r" "$LEAF" "$LAB_RUN/conf/leaf$r.conf" "$LAB_RUN/leaf$r.sock"
  done
else
  leaf_conf "$LEAF" >"$LAB_RUN/conf/leaf.conf"
  start_speaker "$L" "$LEAF" "$LAB_RUN/conf/leaf.conf" "$LAB_RUN/leaf.sock"
fi
start_speaker "$N1" "$NODE" "$LAB_RUN/conf/node1.conf" "$LAB_RUN/node1.sock"
start_speaker "$N2" "$NODE" "$LAB_RUN/conf/node2.conf" "$LAB_RUN/node2.sock"

hops() { ip -n "$M" route show "$VIP/32" 2>/dev/null | grep -c 'nexthop via'; }
two_hops() { [ "$(hops)" = 2 ]; }
not_two_hops() { [ "$(hops)" != 2 ]; }

ip -ts -n "$M" monitor route nexthop >"$LAB_RUN/monitor.log" 2>&1 &
MONPID=$!
ip -ts -n "$S" monitor link dev n1 >"$LAB_RUN/link.log" 2>&1 &
MONPID="$MONPID $!"
results=()
for run in $(seq "$RUNS"); do
  wait_until 90 "$M kernel route $VIP with two next hops" two_hops || { lab_log "run $run: no ECMP route; logs in $LAB_RUN (KEEP=1 keeps them)"; exit 1; }
  sleep 1 # settle: BFD at its final interval, no pending updates (not part of the measurement)
  before=$(wc -l <"$LAB_RUN/monitor.log")
  link_before=$(wc -l <"$LAB_RUN/link.log")
  pids=$(speaker_pids "$N1" "$NODE")
  T0=$(date +%s.%N)
  case $FAIL in
    kill) kill -KILL $pids ;;
    stop) kill -STOP $pids ;;
    cut) ip -n "$S" link set n1 down ;;
  esac
  wait_until 30 "node-1's next hop to leave $M's kernel route" not_two_hops || exit 1
  if [ "$FAIL" = cut ]; then
    # the port's down notification (the first line after T0 that says the link is not UP)
    tdown=$(tail -n +"$((link_before + 1))" "$LAB_RUN/link.log" | python3 -c '
import re, sys, datetime
for line in sys.stdin:
    if line.startswith("[") and "n1" in line and ",UP" not in line and "<UP" not in line:
        print(datetime.datetime.fromisoformat(re.match(r"^(?:\[[^]]*\] )*\[([^]]*)\]", line).group(1)).timestamp()); break
')
    [ -n "$tdown" ] && T0=$tdown || lab_log "run $run: no link-down notification from the switch; failure time from date"
  fi
  # the first kernel change after T0, once `ip monitor` has written it out (it may lag under load)
  first_change() { tail -n +"$((before + 1))" "$LAB_RUN/monitor.log" | python3 -c '
import re, sys, datetime
t0 = float(sys.argv[1])
for line in sys.stdin:
    if not line.startswith("["): continue
    # `ip monitor` may print the stamps of filtered-out messages before the one it prints: the last stamp belongs to the printed one
    ts = datetime.datetime.fromisoformat(re.match(r"^(?:\[[^]]*\] )*\[([^]]*)\]", line).group(1)).timestamp()
    if ts >= t0:
        print(round((ts - t0) * 1000)); break
' "$T0"; }
  ms=""
  for _ in $(seq 100); do ms=$(first_change); [ -n "$ms" ] && break; sleep 0.05; done
  [ -n "$ms" ] || { ms=NA; lab_log "run $run: no kernel route event after the failure in $LAB_RUN/monitor.log"; }
  results+=("$ms")
  lab_log "run $run: $FAIL -> next hop removed from the $TOPO measurement point's kernel in $ms ms"
  # restore node-1
  case $FAIL in
    kill) if [ "$NODE" = frr ]; then frr_stop "$N1"; frr_start "$N1" "$LAB_RUN/conf/node1.conf" bfd || exit 1
          else rm -f "$LAB_RUN/node1.sock"; start_speaker "$N1" stackbgp "$LAB_RUN/conf/node1.conf" "$LAB_RUN/node1.sock"; fi ;;
    stop) kill -CONT $pids ;;
    cut) ip -n "$S" link set n1 up ;;
  esac
done

report=$(printf '%s\n' "${results[@]}" | python3 -c '
import sys, statistics
v = sorted(int(x) for x in sys.stdin.read().split() if x != "NA")
if not v: print("no valid runs"); sys.exit()
p90 = v[min(len(v) - 1, int(0.9 * len(v)))]
print(f"runs {len(v)}  median {statistics.median(v):.0f} ms  p90 {p90} ms  min {v[0]} ms  max {v[-1]} ms")
print("all (ms): " + " ".join(str(x) for x in v))')
load=$(cut -d" " -f1-3 /proc/loadavg)
summary="topology=$TOPO leaf=$LEAF node=$NODE fail=$FAIL BFD ${MULT}x${MS} ms: $report (load average $load, $(date -u +%Y-%m-%dT%H:%MZ))"
echo "$summary"
[ -z "$OUT" ] || echo "$summary" >>"$OUT"
