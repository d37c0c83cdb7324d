#!/usr/bin/env bash
# BFD transmit-interval error of a real stackbgpd while its RIB ingests N IPv4 prefixes over BGP
# (issue 6 point 4). Run as root:
#   bench/bfd-lab/under-load.sh [--count 1000000] [--ms 50] [--jitter] [--kernel] [--idle 10]
#                               [--rounds 3] [--drop 8] [--dut stackbgp|frr] [--out FILE]
# --dut frr: the anchor, FRR 8.4 (zebra, bfdd, bgpd; bgpd -Z unless --kernel) in the daemon's
#   place with the same config (FRR always jitters, so use --jitter to compare like with like).
#
#   inj ns  10.0.1.2 ──veth── 10.0.1.1  dut ns: artifacts/bin/stackbgpd  10.79.0.1 ──veth── 10.79.0.2  rx ns
#   (bench/daemon injector,             (router bgp 65000, `bfd peer       (StackBgp.Bfd.Bench --receive:
#    AS 65001, the Internet-shaped       10.79.0.2` at MS×3, SCHED_FIFO    one BFD session to the daemon,
#    synthetic table of bench/daemon)    engine thread, io_uring sends)    kernel arrival time per packet)
#
# Phases, marked at the receiver and merged over --rounds rounds: idle (--idle seconds before the
# first round), encode+connect (the injector encodes the table and connects), ingest (from the
# injector's first UPDATE byte to the daemon reporting all N prefixes received, polled with the CLI
# every second), routes held (3 s), peer down (the injector leaves, the RIB drops the N routes;
# --drop seconds), after (2 s). Without --jitter the daemon runs with
# STACKBGPD_BFD_NO_JITTER=1 (benchmark knob: every packet exactly MS apart), so the error of each
# gap is |gap - MS|. With --jitter (the daemon's normal RFC 5880 behaviour) only the distance from the
# 75–100 % window can be measured (a lower bound). --kernel lets stackbgpd program the N routes into
# its namespace's kernel (default: --no-kernel, as in the daemon benchmark). AHEAD_MS=N in the
# environment sets how far ahead the daemon queues packets in the kernel (default 300 ms).
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
COUNT=1000000 MS=50 JITTER=0 KERNEL=0 IDLE=10 OUT="" ROUNDS=3 DROP=8 DUTD=stackbgp
while [ $# -gt 0 ]; do
  case $1 in
    --count) COUNT=$2; shift 2 ;; --ms) MS=$2; shift 2 ;; --jitter) JITTER=1; shift ;;
    --kernel) KERNEL=1; shift ;; --idle) IDLE=$2; shift 2 ;; --out) OUT=$2; shift 2 ;;
    --rounds) ROUNDS=$2; shift 2 ;; --drop) DROP=$2; shift 2 ;; --dut) DUTD=$2; shift 2 ;;
    *) echo "unknown option $1 (see the header of $0)" >&2; exit 2 ;;
  esac
done
ID=$(head -c3 /dev/urandom | od -An -tx1 | tr -d ' \n')
export LAB_RUN=/tmp/bfdul-$ID
. "$REPO/lab/lib.sh"
STACKBGPD=${STACKBGPD:-$REPO/artifacts/bin/stackbgpd}
STACKBGP=${STACKBGP:-$(dirname "$STACKBGPD")/stackbgp}
DUT=bul$ID-dut INJ=bul$ID-inj RX=bul$ID-rx
RXPID="" INJPID=""
cleanup() {
  { exec 3>&- 4>&-; } 2>/dev/null
  [ -n "$INJPID" ] && kill "$INJPID" 2>/dev/null
  [ -n "$RXPID" ] && { kill -KILL "$RXPID" 2>/dev/null; wait "$RXPID" 2>/dev/null; }
  for ns in $INJ $DUT $RX; do ns_del "$ns" 2>/dev/null; done
  [ "${KEEP:-0}" = 1 ] || rm -rf "$LAB_RUN"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
[ "$(id -u)" = 0 ] || lab_die "needs root (network namespaces)"
[ "$DUTD" = frr ] || [ -x "$STACKBGPD" ] || lab_die "$STACKBGPD is missing: run ./build.sh"
mkdir -p "$LAB_RUN/pids" "$LAB_RUN/logs"

lab_log "building the receiver and the injector"
dotnet build "$REPO/bench/StackBgp.Bfd.Bench" -c Release --nologo -v quiet -o "$LAB_RUN/rxbin" >"$LAB_RUN/logs/build.log" 2>&1 \
  || { cat "$LAB_RUN/logs/build.log"; lab_die "receiver build failed"; }
dotnet build "$REPO/bench/daemon/StackBgp.Bench.Daemon" -c Release --nologo -v quiet -o "$LAB_RUN/injbin" >>"$LAB_RUN/logs/build.log" 2>&1 \
  || { cat "$LAB_RUN/logs/build.log"; lab_die "injector build failed"; }

for ns in $DUT $INJ $RX; do ns_add "$ns" || lab_die "cannot create $ns"; done
veth_add "$INJ" eth0 "$DUT" inj0; addr_add "$INJ" eth0 10.0.1.2/24; addr_add "$DUT" inj0 10.0.1.1/24
veth_add "$DUT" bfd0 "$RX" eth0; addr_add "$DUT" bfd0 10.79.0.1/24; addr_add "$RX" eth0 10.79.0.2/24

cat >"$LAB_RUN/dut.conf" <<EOF
hostname dut
router bgp 65000
 bgp router-id 10.0.1.1
 no bgp ebgp-requires-policy
 neighbor 10.0.1.2 remote-as 65001
 neighbor 10.0.1.2 passive
 address-family ipv4 unicast
  neighbor 10.0.1.2 activate
 exit-address-family
exit
bfd
 peer 10.79.0.2 interface bfd0
  transmit-interval $MS
  receive-interval $MS
  detect-multiplier 3
 !
!
EOF
SOCK=$LAB_RUN/dut.sock
if [ "$DUTD" = frr ]; then
  # FRR's daemons in the daemon's place (lab/lib.sh recipe); without --kernel bgpd runs with -Z
  sed -i '1i frr defaults datacenter' "$LAB_RUN/dut.conf"
  mkdir -p "/var/run/frr/$DUT" "/etc/frr/$DUT"; echo "service integrated-vtysh-config" >"/etc/frr/$DUT/vtysh.conf"
  cp "$LAB_RUN/dut.conf" "/etc/frr/$DUT/frr.conf"; chown -R frr:frr "/var/run/frr/$DUT" "/etc/frr/$DUT"
  for d in zebra bfdd bgpd; do
    extra=""; [ "$d" = bgpd ] && [ "$KERNEL" = 0 ] && extra=-Z
    start_bg "$DUT" "$d" /usr/lib/frr/$d -N "$DUT" -u frr -g frr -i "/var/run/frr/$DUT/$d.pid" -P 0 --log stdout $extra
    wait_until 15 "$d to open its vty" test -S "/var/run/frr/$DUT/$d.vty" || lab_die "FRR $d did not start"
  done
  vtysh -N "$DUT" -b >/dev/null 2>&1
  DUTPID=$(pid_of "$DUT" bgpd)
  cli() { vtysh -N "$DUT" -c "$1"; }
else
  kernel_opt=--no-kernel; [ "$KERNEL" = 1 ] && kernel_opt=""
  jitter_env=STACKBGPD_BFD_NO_JITTER=1; [ "$JITTER" = 1 ] && jitter_env=STACKBGPD_BFD_NO_JITTER=0
  ahead_env=""; [ -n "${AHEAD_MS:-}" ] && ahead_env=STACKBGPD_BFD_AHEAD_MS=$AHEAD_MS
  ip netns exec "$DUT" env $jitter_env $ahead_env "$STACKBGPD" --config "$LAB_RUN/dut.conf" --socket "$SOCK" $kernel_opt --log-level information \
    >"$LAB_RUN/logs/stackbgpd.log" 2>&1 &
  DUTPID=$!
  echo $DUTPID >"$LAB_RUN/pids/$DUT.stackbgpd"
  wait_until 30 "stackbgpd API socket" test -S "$SOCK" || lab_die "stackbgpd did not start ($LAB_RUN/logs/stackbgpd.log)"
  cli() { ip netns exec "$DUT" "$STACKBGP" -s "$SOCK" -c "$1"; }
fi

mkfifo "$LAB_RUN/marks"
rxflag=""; [ "$JITTER" = 1 ] && rxflag=--jitter
dotnet "$LAB_RUN/rxbin/StackBgp.Bfd.Bench.dll" --receive "$RX" 10.79.0.1 eth0 "$MS" $rxflag <"$LAB_RUN/marks" >"$LAB_RUN/receiver.out" 2>&1 &
RXPID=$!
exec 3>"$LAB_RUN/marks"
mark() { echo "mark $1" >&3; lab_log "phase: $1"; }
bfd_up() { cli "show bfd peers json" | grep -q '"status": *"up"'; }
wait_until 30 "BFD session 10.79.0.2 up at the daemon" bfd_up || lab_die "BFD did not come up ($LAB_RUN/logs/stackbgpd.log, $LAB_RUN/receiver.out)"
sleep 2 # let the session settle at its final interval (poll sequence done) before measuring

mark idle
sleep "$IDLE"
received() { cli "show bgp summary json" \
  | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d.get("ipv4Unicast",{}).get("peers",{}).get("10.0.1.2",{}).get("pfxRcd",0))' 2>/dev/null; }
all_in() { [ "$(received)" -ge "$COUNT" ] 2>/dev/null; }
ROUND_TIMES=()
for round in $(seq "$ROUNDS"); do
  mark encode+connect
  # the injector keeps its session (and so the routes) until its standard input ends: a FIFO held
  # open on fd 4; it must not inherit fd 3 (the receiver's marks, whose end ends the measurement)
  rm -f "$LAB_RUN/injin" "$LAB_RUN/injector.out"; mkfifo "$LAB_RUN/injin"
  ip netns exec "$INJ" "$LAB_RUN/injbin/StackBgp.Bench.Daemon" inject --remote 10.0.1.1 --local 10.0.1.2 --count "$COUNT" \
    <"$LAB_RUN/injin" >"$LAB_RUN/injector.out" 2>"$LAB_RUN/logs/injector.log" 3>&- &
  INJPID=$!
  exec 4>"$LAB_RUN/injin"
  wait_until 300 "injector to start sending" grep -q '^START' "$LAB_RUN/injector.out" || lab_die "injector did not start ($LAB_RUN/logs/injector.log)"
  mark ingest
  T0=$(date +%s.%N)
  deadline=$(( $(date +%s) + 900 ))
  until all_in; do
    [ "$(date +%s)" -lt "$deadline" ] || lab_die "stackbgpd did not report $COUNT prefixes within 900 s (has $(received))"
    sleep 1
  done
  T1=$(date +%s.%N)
  ROUND_TIMES+=("$(python3 -c "print(f'{$T1 - $T0:.1f}')")")
  mark "routes held"
  sleep 3
  # the injector goes away: its session ends and the RIB drops the N routes
  mark "peer down, RIB drops the routes"
  exec 4>&-
  kill "$INJPID" 2>/dev/null; wait "$INJPID" 2>/dev/null; INJPID=""
  sleep "$DROP"
done
mark after
sleep 2
exec 3>&-
wait "$RXPID"; RXPID=""

rss=$(awk '/VmHWM/ {print int($2/1024) " MiB"}' "/proc/$DUTPID/status" 2>/dev/null)
rt=$(ps -L -o cls=,rtprio=,comm= -p "$DUTPID" | awk '$1 == "FF" {print "SCHED_FIFO " $2 " (" $3 ")"; exit}')
gc=$(python3 -c 'import json,sys; c=json.load(open(sys.argv[1]))["runtimeOptions"].get("configProperties",{}); print(("Server GC (%s heaps)" % c.get("System.GC.HeapCount", "all")) if c.get("System.GC.Server") else "Workstation GC", "concurrent" if c.get("System.GC.Concurrent", True) else "non-concurrent")' "$(dirname "$(readlink -f "$STACKBGPD")")/stackbgpd.runtimeconfig.json")
{
  echo "### $([ "$DUTD" = frr ] && echo "FRR 8.4 (anchor)" || echo stackbgpd) BFD at ${MS} ms while its RIB ingests $COUNT prefixes ($(date -u +%Y-%m-%dT%H:%MZ))"
  echo
  echo "Command: \`bench/bfd-lab/under-load.sh --count $COUNT --ms $MS --rounds $ROUNDS$([ "$DUTD" = frr ] && echo " --dut frr")$([ "$JITTER" = 1 ] && echo " --jitter")$([ "$KERNEL" = 1 ] && echo " --kernel")\`; ingestion took ${ROUND_TIMES[*]} s per round (to the first CLI poll that saw all prefixes);"
  if [ "$DUTD" = frr ]; then
    echo "daemon: FRR zebra + bfdd + bgpd$([ "$KERNEL" = 0 ] && echo " -Z"), bgpd peak RSS ${rss:-?}, jitter on (FRR), FIB $([ "$KERNEL" = 1 ] && echo "programmed by zebra" || echo "off");"
    echo "load average $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) CPUs."
  else
    echo "daemon: $gc, GCSettings.LatencyMode = SustainedLowLatency (set by stackbgpd), BFD engine thread ${rt:-not real-time}, peak RSS ${rss:-?},"
    echo "jitter $([ "$JITTER" = 1 ] && echo "on (RFC 5880)" || echo "off (STACKBGPD_BFD_NO_JITTER=1)"), FIB $([ "$KERNEL" = 1 ] && echo "programmed" || echo "off (--no-kernel)"), packets queued ${AHEAD_MS:-300} ms ahead; load average $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) CPUs."
  fi
  echo
  grep '^|' "$LAB_RUN/receiver.out"
  echo
  grep '^receiver: .*->' "$LAB_RUN/receiver.out" || true
} | tee "$LAB_RUN/report.md"
[ -z "$OUT" ] || cat "$LAB_RUN/report.md" >>"$OUT"
