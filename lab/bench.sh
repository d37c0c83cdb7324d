# Convergence benchmark of issue 7 (sourced by lab/demo.sh: `lab/demo.sh bench [N]`).
#
# Runs each event N times (default 10) on the running scenario lab and prints n, median, p90, min
# and max per event. Kernel route changes are timed from the spine's own notifications
# (`ip -ts monitor route` in the spine namespace, parsed by bench/convergence/conv.py), not by
# polling: T0 is taken just before the command that causes the event, the end is the timestamp of
# the first route notification after which the spine's route has the expected next hops.
#   move      VIP removed from controller-A's lo, added on controller-B's (Pacemaker-like), T0 = the add;
#             → spine route via leaf-B (has), → via leaf-B only, → client's first answer from B
#   failures  VIP on all three controllers (spine ECMP over three leaves), then controller-3:
#             kill -9 of its speaker + its uplink down | its uplink down alone | kill -9 alone |
#             speaker hung (SIGSTOP, only BFD can tell) → leaf-3's next hop gone from the spine's route
# Results: one line "EVENT<TAB>MS" per sample in $BENCH_OUT.samples, the table in $BENCH_OUT.md.

CONV=$REPO/bench/convergence/conv.py
BENCH_N=${BENCH_N:-10}

bench_monitor_start() {
  MON_LOG=$LAB_RUN/spine-monitor.log
  : >"$MON_LOG"
  ip -n spine -ts monitor route >"$MON_LOG" 2>&1 &
  MON_PID=$!
  disown "$MON_PID" 2>/dev/null || true
  wait_until 5 "ip monitor in the spine" test -d "/proc/$MON_PID" || lab_die "ip monitor did not start"
}
bench_monitor_stop() { [ -n "${MON_PID:-}" ] && kill "$MON_PID" 2>/dev/null; MON_PID=; }

us_now() { echo "${EPOCHREALTIME/./}"; }
# spine_wait T0_US COND  -> ms from T0 to the spine route notification that satisfies COND (conv.py wait)
spine_wait() { python3 "$CONV" wait "$MON_LOG" "$VIP/32" "$1" "$2" "${3:-15}"; }
sample() { printf '%s\t%s\n' "$1" "$2" >>"$BENCH_SAMPLES"; printf '  %-62s %s ms\n' "$1" "$2" >&2; }

bench_move() { # FROM TO
  local a=$1 b=$2 ready=$LAB_RUN/probe.ready out=$LAB_RUN/probe.out t0 ms
  rm -f "$ready" "$out"
  ip netns exec client python3 "$CONV" probe "$VIP" "$VIP_PORT" "controller-$b" "$ready" 20 >"$out" &
  local probe=$!
  wait_until 5 "client probe running" test -f "$ready"
  vip_del "$a"
  t0=$(us_now); vip_add "$b"
  ms=$(spine_wait "$t0" "has=172.30.$b.2"); sample "S1 move: ip addr add -> spine route via the new leaf" "$ms"
  ms=$(spine_wait "$t0" "only=172.30.$b.2"); sample "S1 move: ip addr add -> spine route via the new leaf only" "$ms"
  wait "$probe"
  local t1; t1=$(cat "$out")
  if [[ $t1 =~ ^[0-9]+$ ]]; then ms=$(( (t1 - t0) / 1000 )); else ms=timeout; fi
  sample "S1 move: ip addr add -> client answered by the new controller" "$ms"
}

all_three() { nexthops_are "172.30.1.2 172.30.2.2 172.30.3.2"; }
# bfd_up NS: the namespace's (single) BFD session is Up (FRR and stackbgpd print the same JSON)
bfd_up() { bgp_cli "$1" "show bfd peers json" 2>/dev/null | grep -Eq '"status": ?"up"'; }
bfd_up_rack3() { bfd_up leaf-3 && bfd_up controller-3; }

# bench_failure KIND : controller-3 fails; measures until leaf-3 leaves the spine's route, then repairs
bench_failure() {
  local kind=$1 t0 ms label
  # BFD must be Up on both ends first (after a repair BGP may be back before BFD is): otherwise a hung
  # controller is only noticed by the hold timer
  wait_until 30 "BFD Up on leaf-3 and on controller-3" bfd_up_rack3 || lab_die "BFD between leaf-3 and controller-3 not Up"
  case $kind in
    kill+cut) label="controller-3 kill -9 + uplink down -> its next hop gone" ;;
    cut) label="controller-3 uplink down -> its next hop gone" ;;
    kill) label="controller-3 kill -9 -> its next hop gone" ;;
    hang) label="controller-3 hung (SIGSTOP, BFD ${BFD_MULT}x${BFD_MS}ms) -> its next hop gone" ;;
  esac
  t0=$(us_now)
  case $kind in
    kill+cut) kill_speaker controller-3; ip -n controller-3 link set enp2s0 down ;;
    cut) ip -n controller-3 link set enp2s0 down ;;
    kill) kill_speaker controller-3 ;;
    hang) freeze_speaker controller-3 ;;
  esac
  ms=$(spine_wait "$t0" "lacks=172.30.3.2")
  sample "$label" "$ms"
  # A cut lasts at least 0.5 s: longer than BFD's detection time on both sides, so that a BFD verdict
  # about the cut cannot tear down the session that the repaired link has already brought back.
  case $kind in *cut) while (( $(us_now) - t0 < 500000 )); do sleep 0.01; done ;; esac
  t0=$(us_now)
  case $kind in
    kill+cut) ip -n controller-3 link set enp2s0 up; restart_controller 3 ;;
    cut) ip -n controller-3 link set enp2s0 up ;;
    kill) restart_controller 3 ;;
    hang) thaw_speaker controller-3 ;;
  esac
  # Up to 130 s: the session layer backs off (idle hold, doubling up to 120 s) when a session flaps often.
  ms=$(spine_wait "$t0" "has=172.30.3.2" 130)
  sample "controller-3 repaired after '$kind' -> its next hop back" "$ms"
  [ "$ms" != timeout ] || lab_die "controller-3 did not come back after '$kind'"
  wait_until 30 "spine ECMP over three leaves again after '$kind'" all_three || lab_die "controller-3 did not come back after '$kind'"
}

cmd_bench() {
  local n=${1:-$BENCH_N} i r
  BENCH_OUT=${BENCH_OUT:-$REPO/bench/convergence/results/$(date -u +%Y-%m-%dT%H%M)-$CONTROLLER_DAEMON-on-$FABRIC_DAEMON}
  mkdir -p "$(dirname "$BENCH_OUT")"
  BENCH_SAMPLES=$BENCH_OUT.samples
  : >"$BENCH_SAMPLES"
  bench_monitor_start
  lab_log "benchmark: $n runs of each event (controllers $CONTROLLER_DAEMON, fabric $FABRIC_DAEMON, BFD ${BFD_MULT}x${BFD_MS}ms)"
  for r in $RACKS; do vip_del "$r"; done
  vip_add 1
  wait_until 15 "VIP via leaf-1" nexthops_are 172.30.1.2 || lab_die "no spine route to the VIP via leaf-1"
  wait_until 15 "client answered by controller-1" answered_by controller-1 || lab_die "client not answered by controller-1"
  local from=1 to=2
  for ((i = 1; i <= n; i++)); do
    lab_log "move $i/$n: controller-$from -> controller-$to"
    bench_move "$from" "$to"
    wait_until 15 "client answered by controller-$to" answered_by "controller-$to"
    local t=$from; from=$to; to=$t
  done
  for r in $RACKS; do vip_add "$r" 2>/dev/null; done
  wait_until 15 "spine ECMP over three leaves" all_three || lab_die "no ECMP route over three leaves"
  local kind
  for ((i = 1; i <= n; i++)); do
    for kind in kill+cut cut kill hang; do
      lab_log "failure $i/$n: $kind"
      bench_failure "$kind"
    done
  done
  bench_monitor_stop
  for r in $RACKS; do vip_del "$r"; done
  {
    echo "Convergence, $n runs per event: controllers $CONTROLLER_DAEMON, fabric $FABRIC_DAEMON, BFD ${BFD_MULT}x${BFD_MS}ms,"
    echo "$(versions); $(date -u '+%Y-%m-%d %H:%M') UTC; load average at the end: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) CPUs."
    echo
    python3 "$CONV" stats "$BENCH_SAMPLES"
  } >"$BENCH_OUT.md"
  echo; cat "$BENCH_OUT.md"
  lab_log "samples: $BENCH_SAMPLES  table: $BENCH_OUT.md"
}
