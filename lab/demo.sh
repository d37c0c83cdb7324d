#!/usr/bin/env bash
# StackBgp lab demo: scenarios S1 (control-plane VIP failover) and S3 (ECMP load balancing) of issue 7.
#
#                         client (203.0.113.10)
#                            |
#                          spine  AS 65000   fib_multipath_hash_policy=1, ECMP
#                  ________/  |  \________
#                 /           |           \
#   leaf-1 AS 64998      leaf-2 AS 64997      leaf-3 AS 64996      (172.30.R.0/30 to the spine)
#         |                   |                   |                (100.64.R.0/30 to the node)
#   controller-1        controller-2        controller-3           AS 64999, RHOSP-style config:
#   lo 99.99.1.1/32     lo 99.99.2.1/32     lo 99.99.3.1/32        redistribute connected, host
#                                                                   prefixes only, BFD, only the
#                                                                   default route into the kernel
# Every controller runs an HTTP responder on VIP_PORT that answers its name (stands in for HAProxy).
#
# usage (root):
#   lab/demo.sh demo     build the lab, run S1 and S3, print measured times and routing tables, tear down
#   lab/demo.sh up       build the lab and leave it running        lab/demo.sh down   remove everything
#   lab/demo.sh s1|s3    run one scenario on a running lab         lab/demo.sh status show sessions/routes
#   lab/demo.sh bench [N]  build the lab, run the convergence benchmark (each event N times, default 10;
#                        lab/bench.sh), print median/p90/min/max, write bench/convergence/results/, tear down
# environment:
#   CONTROLLER_DAEMON=stackbgp|frr   what speaks BGP on the controllers (default stackbgp)
#   FABRIC_DAEMON=stackbgp|frr       what runs on leaves and spine (default stackbgp: the default run needs no FRR)
#   STACKBGPD=path                   default artifacts/bin/stackbgpd (run as `stackbgpd --config FILE`)
#   BFD_MS=50  BFD_MULT=3            BFD interval and multiplier between controllers and leaves
#   VIP=192.1.1.1  VIP_PORT=8080  REQUESTS=300
# Look inside a running lab:
#   ip netns exec controller-1 vtysh -N controller-1 -c "show bgp summary"     (FRR)
#   ip netns exec controller-1 stackbgp -c "show bgp summary"                  (StackBgp)
#   ip -n spine route show 192.1.1.1
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
export LAB_RUN=${LAB_RUN:-/run/stackbgp-lab}
. "$HERE/lib.sh"
. "$HERE/bench.sh"

CONTROLLER_DAEMON=${CONTROLLER_DAEMON:-stackbgp}
FABRIC_DAEMON=${FABRIC_DAEMON:-stackbgp}
STACKBGPD=${STACKBGPD:-$REPO/artifacts/bin/stackbgpd}
STACKBGP=${STACKBGP:-$(dirname "$STACKBGPD")/stackbgp}
BFD_MS=${BFD_MS:-50}
BFD_MULT=${BFD_MULT:-3}
VIP=${VIP:-192.1.1.1}
VIP_PORT=${VIP_PORT:-8080}
REQUESTS=${REQUESTS:-300}
RACKS="1 2 3"
ALL_NS="client spine leaf-1 leaf-2 leaf-3 controller-1 controller-2 controller-3"
CONF=$LAB_RUN/conf
RESULTS=$LAB_RUN/results.txt

leaf_as() { echo $((64999 - $1)); }

# ------------------------------------------------------------------ configs (FRR syntax, lab/configs/*.conf)
render() { # TEMPLATE R DAEMON NS
  local api=""; [ "$3" = stackbgp ] && api="api socket /run/stackbgp/$4/stackbgpd.sock"
  sed -e "s/@R@/$2/g" -e "s/@LEAF_AS@/$(leaf_as "${2:-0}")/g" -e "s/@BFD_MS@/$BFD_MS/g" \
      -e "s/@BFD_MULT@/$BFD_MULT/g" -e "s|@API@|$api|g" "$HERE/configs/$1.conf"
}
controller_conf() { render controller "$1" "$2" "controller-$1"; }
leaf_conf() { render leaf "$1" "$2" "leaf-$1"; }
spine_conf() { render spine 0 "$1" spine; }

# ------------------------------------------------------------------ daemons
start_speaker() { # NS DAEMON CONFFILE
  local ns=$1 daemon=$2 conf=$3
  case $daemon in
    frr) frr_start "$ns" "$conf" bfd || lab_die "FRR did not start in $ns (logs: $LAB_RUN/logs/$ns.*)" ;;
    stackbgp)
      [ -x "$STACKBGPD" ] || lab_die "$STACKBGPD is missing: build StackBgp first (or use ${ns%%-*}=frr)"
      mkdir -p "/run/stackbgp/$ns"
      start_bg "$ns" stackbgpd "$STACKBGPD" --config "$conf"
      wait_until 15 "stackbgpd API in $ns" ip netns exec "$ns" "$STACKBGP" -c "show bgp summary" \
        || lab_die "stackbgpd did not answer in $ns (log: $LAB_RUN/logs/$ns.stackbgpd.log)" ;;
  esac
  echo "$daemon" >"$LAB_RUN/daemon.$ns"
}
daemon_of() { cat "$LAB_RUN/daemon.$1" 2>/dev/null || echo frr; }

bgp_cli() { # NS COMMAND
  case $(daemon_of "$1") in
    frr) vtysh -N "$1" -c "$2" ;;
    stackbgp) ip netns exec "$1" "$STACKBGP" -c "$2" ;;
  esac
}
established() { bgp_cli "$1" "show bgp summary json" 2>/dev/null | grep -o '"state": *"[A-Za-z]*"' | grep -c Established; }
established_at_least() { [ "$(established "$1")" -ge "$2" ]; }

speaker_pids() { # NS -> PIDs of the BGP speaker processes (bgpd/bfdd/zebra or stackbgpd)
  local ns=$1 d
  case $(daemon_of "$ns") in
    frr) for d in bgpd bfdd zebra; do pid_of "$ns" "$d"; done ;;
    stackbgp) pid_of "$ns" stackbgpd ;;
  esac
}
# kill -9 of every speaker process at once (the kernel closes their TCP sessions: the leaf sees a FIN)
kill_speaker() { local p; for p in $(speaker_pids "$1"); do kill -KILL "$p" 2>/dev/null || true; done; }
# a hung node: SIGSTOP the speaker processes; nothing is sent any more, only BFD can notice
freeze_speaker() { local p; for p in $(speaker_pids "$1"); do kill -STOP "$p" 2>/dev/null || true; done; }
thaw_speaker() { local p; for p in $(speaker_pids "$1"); do kill -CONT "$p" 2>/dev/null || true; done; }

# ------------------------------------------------------------------ up / down
cmd_down() {
  local ns
  for ns in $ALL_NS; do ns_del "$ns"; rm -rf "/run/stackbgp/$ns"; done
  rm -rf "$LAB_RUN"
}

cmd_up() {
  [ "$(id -u)" = 0 ] || lab_die "the lab needs root"
  "$HERE/install-deps.sh" || lab_die "could not install the lab's packages"
  if [ "$CONTROLLER_DAEMON" = stackbgp ] || [ "$FABRIC_DAEMON" = stackbgp ]; then
    if [ ! -x "$STACKBGPD" ] || [ "${BUILD:-1}" = 1 ]; then
      lab_log "building stackbgpd and stackbgp (./build.sh; BUILD=0 skips when they exist)"
      "$REPO/build.sh" >&2 || lab_die "build failed"
    fi
  fi
  cmd_down
  mkdir -p "$LAB_RUN/pids" "$LAB_RUN/logs" "$CONF"
  lab_log "building the lab: controllers=$CONTROLLER_DAEMON fabric=$FABRIC_DAEMON BFD ${BFD_MULT}x${BFD_MS}ms"
  local ns r
  for ns in $ALL_NS; do ns_add "$ns" || lab_die "cannot create namespace $ns"; done
  ip netns exec spine sysctl -q -w net.ipv4.fib_multipath_hash_policy=1
  veth_add spine sp-cl client eth0
  addr_add spine sp-cl 203.0.113.1/24
  addr_add client eth0 203.0.113.10/24
  ip -n client route add default via 203.0.113.1
  for r in $RACKS; do
    veth_add spine "sp-l$r" "leaf-$r" up0
    addr_add spine "sp-l$r" "172.30.$r.1/30"; addr_add "leaf-$r" up0 "172.30.$r.2/30"
    veth_add "leaf-$r" down0 "controller-$r" enp2s0
    addr_add "leaf-$r" down0 "100.64.$r.1/30"; addr_add "controller-$r" enp2s0 "100.64.$r.2/30"
    addr_add "controller-$r" lo "99.99.$r.1/32"
    # the HTTP service on the VIP port (stands in for HAProxy): answers with the node's name
    mkdir -p "$LAB_RUN/www-$r"; echo "controller-$r" >"$LAB_RUN/www-$r/index.html"
    start_bg "controller-$r" http /usr/bin/python3 -m http.server "$VIP_PORT" --bind 0.0.0.0 --directory "$LAB_RUN/www-$r"
  done

  spine_conf "$FABRIC_DAEMON" >"$CONF/spine.conf"
  start_speaker spine "$FABRIC_DAEMON" "$CONF/spine.conf"
  for r in $RACKS; do
    leaf_conf "$r" "$FABRIC_DAEMON" >"$CONF/leaf-$r.conf"
    start_speaker "leaf-$r" "$FABRIC_DAEMON" "$CONF/leaf-$r.conf"
    controller_conf "$r" "$CONTROLLER_DAEMON" >"$CONF/controller-$r.conf"
    start_speaker "controller-$r" "$CONTROLLER_DAEMON" "$CONF/controller-$r.conf"
  done
  wait_until 60 "spine: 3 sessions Established" established_at_least spine 3 || lab_die "fabric did not converge"
  for r in $RACKS; do
    wait_until 60 "leaf-$r: 2 sessions Established" established_at_least "leaf-$r" 2 || lab_die "leaf-$r did not converge"
    wait_until 60 "spine route to controller-$r loopback" spine_has "99.99.$r.1" || lab_die "no route to 99.99.$r.1"
    wait_until 60 "controller-$r default route" sh -c "ip -n controller-$r route show default | grep -q via"
    wait_until 10 "HTTP responder on controller-$r" ip netns exec "controller-$r" curl -s -o /dev/null "http://127.0.0.1:$VIP_PORT/"
  done
  lab_log "lab is up: $(versions)"
}

versions() {
  local v="FRR $(ver_frr | awk '{print $3}')"
  [ "$CONTROLLER_DAEMON$FABRIC_DAEMON" != frrfrr ] && v="$v, $("$STACKBGPD" --version 2>/dev/null | head -1 || echo stackbgpd)"
  echo "$v"
}

# ------------------------------------------------------------------ measuring helpers
spine_route() { ip -n spine route show "$1"; }
spine_has() { spine_route "$1/32" | grep -q .; }
# spine_nexthops PREFIX -> sorted list of next-hop addresses of the spine's kernel route
spine_nexthops() { spine_route "$1" | grep -o 'via [0-9.]*' | awk '{print $2}' | sort | tr '\n' ' ' | sed 's/ $//'; }
nexthops_are() { [ "$(spine_nexthops "$VIP")" = "$1" ]; }
answer() { ip netns exec client curl -s --max-time 1 "http://$VIP:$VIP_PORT/" 2>/dev/null; }

# Times are measured as in the benchmark (lab/bench.sh): T0 ($(us_now)) just before the event, the end from
# the spine's own route notifications (`ip -ts monitor route`, started once per run) — no polling.
# spine_ms T0_US COND [TIMEOUT_S] -> ms until the spine's VIP route satisfies COND (only=A,B | has=A | lacks=A | gone)
spine_ms() { spine_wait "$1" "$2" "${3:-15}"; }   # (the monitor runs: ensure_monitor, outside $(...))
ensure_monitor() { [ -n "${MON_PID:-}" ] && [ -d "/proc/$MON_PID" ] || bench_monitor_start; }
# client_probe_start EXPECT -> starts conv.py probe in the client (a connection every 2 ms); client_probe_ms T0_US -> ms
client_probe_start() {
  local ready=$LAB_RUN/probe.ready; rm -f "$ready" "$LAB_RUN/probe.out"
  ip netns exec client python3 "$CONV" probe "$VIP" "$VIP_PORT" "$1" "$ready" 20 >"$LAB_RUN/probe.out" &
  PROBE_PID=$!
  wait_until 5 "client probe running" test -f "$ready"
}
client_probe_ms() {
  wait "$PROBE_PID"; local t1; t1=$(cat "$LAB_RUN/probe.out")
  if [[ $t1 =~ ^[0-9]+$ ]]; then echo $(( (t1 - $1) / 1000 )); else echo timeout; fi
}
answered_by() { [ "$(answer)" = "$1" ]; }

result() { printf '%-68s %8s\n' "$1" "$2" | tee -a "$RESULTS"; }
show_spine() { echo "--- spine kernel routes ($1):"; ip -n spine route | sed 's/^/    /'; }

vip_add() { ip -n "controller-$1" addr add "$VIP/32" dev lo; }
vip_del() { ip -n "controller-$1" addr del "$VIP/32" dev lo 2>/dev/null || true; }

# ------------------------------------------------------------------ S1: control-plane VIP moves
cmd_s1() {
  echo; echo "=== S1: control-plane VIP $VIP moves from controller-1 to controller-2"
  ensure_monitor
  local r; for r in $RACKS; do vip_del "$r"; done
  wait_until 10 "no VIP route" sh -c "! ip -n spine route show $VIP/32 | grep -q ." || true
  local t0 ms_route ms_answer ms_wd
  t0=$(us_now); vip_add 1
  ms_route=$(spine_ms "$t0" only=172.30.1.2)
  result "S1 VIP added on controller-1 -> spine kernel route" "$ms_route ms"
  wait_until 10 "client answered by controller-1" answered_by controller-1 || lab_die "client got '$(answer)'"
  show_spine "VIP on controller-1"
  echo "    client: $(answer)"

  # Pacemaker-like move: stop on controller-1, start on controller-2
  client_probe_start controller-2
  vip_del 1
  local t_add; t_add=$(us_now)
  vip_add 2
  ms_route=$(spine_ms "$t_add" only=172.30.2.2)
  ms_answer=$(client_probe_ms "$t_add")
  result "S1 move: ip addr add on controller-2 -> spine kernel route" "$ms_route ms"
  result "S1 move: ip addr add on controller-2 -> client answered by it" "$ms_answer ms"
  show_spine "VIP moved to controller-2"
  echo "    client: $(answer)"

  # graceful stop of the VIP holder's address, then a dead controller (BFD)
  t0=$(us_now); vip_del 2
  ms_wd=$(spine_ms "$t0" gone); result "S1 ip addr del on controller-2 -> spine route withdrawn" "$ms_wd ms"
  t0=$(us_now); vip_add 2
  spine_ms "$t0" only=172.30.2.2 >/dev/null
  t0=$(us_now); kill_speaker controller-2
  ms_wd=$(spine_ms "$t0" gone)
  result "S1 controller-2 speaker killed (kill -9) -> spine route gone" "$ms_wd ms"
  show_spine "controller-2 dead"
  restart_controller 2
  vip_del 2
}

restart_controller() { # R   bring a killed controller's speaker back
  local r=$1 ns=controller-$1
  case $CONTROLLER_DAEMON in
    frr) frr_stop "$ns"; start_speaker "$ns" frr "$CONF/$ns.conf" ;;
    stackbgp) stop_pid "$ns" stackbgpd KILL; start_speaker "$ns" stackbgp "$CONF/$ns.conf" ;;
  esac
  wait_until 60 "leaf-$r sees $ns again" established_at_least "leaf-$r" 2
  wait_until 30 "spine route to $ns loopback" spine_has "99.99.$r.1"
}

# ------------------------------------------------------------------ S3: ECMP over three controllers
cmd_s3() {
  echo; echo "=== S3: $VIP on all three controllers, ECMP at the spine"
  ensure_monitor
  local r t0 ms
  for r in $RACKS; do vip_del "$r"; done
  wait_until 10 "no VIP route" sh -c "! ip -n spine route show $VIP/32 | grep -q ." || true
  t0=$(us_now)
  for r in $RACKS; do vip_add "$r"; done
  ms=$(spine_ms "$t0" only=172.30.1.2,172.30.2.2,172.30.3.2)
  result "S3 VIP added on 3 controllers -> spine route with 3 next hops" "$ms ms"
  show_spine "ECMP over three racks"
  spread "$REQUESTS"
  local zero; zero=$(awk '$2 == 0' "$LAB_RUN/spread" | wc -l)
  [ "$zero" = 0 ] || echo "!!! some controller got no connection"

  t0=$(us_now); freeze_speaker controller-3
  ms=$(spine_ms "$t0" only=172.30.1.2,172.30.2.2)
  result "S3 controller-3 hangs (SIGSTOP, BFD ${BFD_MULT}x${BFD_MS}ms) -> its next hop removed" "$ms ms"
  show_spine "controller-3 hung"
  spread 60
  t0=$(us_now); thaw_speaker controller-3
  ms=$(spine_ms "$t0" only=172.30.1.2,172.30.2.2,172.30.3.2 60)
  result "S3 controller-3 back (SIGCONT) -> 3 next hops again" "$ms ms"

  t0=$(us_now); kill_speaker controller-1
  ms=$(spine_ms "$t0" only=172.30.2.2,172.30.3.2)
  result "S3 controller-1 speaker killed (kill -9) -> its next hop removed" "$ms ms"
  show_spine "controller-1 dead"
  spread 60
  restart_controller 1
}

spread() { # N  connections from the client (new source port each); counts per controller
  local n=$1 i a failed=0
  declare -A count=([controller-1]=0 [controller-2]=0 [controller-3]=0)
  for ((i = 0; i < n; i++)); do
    a=$(answer)
    if [ -n "$a" ]; then count[$a]=$(( ${count[$a]:-0} + 1 )); else failed=$((failed + 1)); fi
  done
  echo "    $n connections from the client: controller-1 ${count[controller-1]}, controller-2 ${count[controller-2]}, controller-3 ${count[controller-3]}, failed $failed"
  : >"$LAB_RUN/spread"; for a in controller-1 controller-2 controller-3; do echo "$a ${count[$a]}" >>"$LAB_RUN/spread"; done
}

cmd_status() {
  local ns
  for ns in spine leaf-1 leaf-2 leaf-3 controller-1 controller-2 controller-3; do
    echo "=== $ns ($(daemon_of "$ns"))"; bgp_cli "$ns" "show bgp summary" 2>&1 | sed -n '/^Neighbor/,/^$/p' | sed '/^$/d'; done
  show_spine now
}

cmd_demo() {
  trap 'bench_monitor_stop; cmd_down' EXIT
  cmd_up
  : >"$RESULTS"
  cmd_s1
  cmd_s3
  echo; echo "=== measured (controllers: $CONTROLLER_DAEMON, fabric: $FABRIC_DAEMON, $(versions), BFD ${BFD_MULT}x${BFD_MS}ms)"
  cat "$RESULTS"
  cp "$RESULTS" "/tmp/stackbgp-demo-results.txt"
}

case ${1:-demo} in
  up) cmd_up ;;
  down) cmd_down ;;
  demo) cmd_demo ;;
  s1) trap bench_monitor_stop EXIT; : >>"$RESULTS"; cmd_s1 ;;
  s3) trap bench_monitor_stop EXIT; : >>"$RESULTS"; cmd_s3 ;;
  status) cmd_status ;;
  bench) trap 'bench_monitor_stop; cmd_down' EXIT; cmd_up; cmd_bench "${2:-}" ;;
  bench-running) cmd_bench "${2:-}" ;;
  *) echo "usage: $0 up|down|demo|s1|s3|status|bench [N]" >&2; exit 2 ;;
esac
