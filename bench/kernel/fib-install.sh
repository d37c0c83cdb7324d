#!/usr/bin/env bash
# Issue 5 point 7, second half: time to install 100,000 BGP routes in the kernel, stackbgpd
# (without --no-kernel) against FRR 8.4 (zebra + bgpd, zebra programming the kernel), same run.
# Run as root from anywhere:  bench/kernel/fib-install.sh [--runs 3] [--count 100000]
#                               [--daemons stackbgp,frr] [--stackbgpd PATH] [--out FILE] [--warmup N]
# --warmup N: before the measured run, the daemon receives N other prefixes (seed 7) from the same
# neighbor, installs them, and loses them again when that session closes, so the measured run
# finds a daemon whose code paths are already compiled (shows the JIT share of a cold start).
# Per run: fresh namespaces (injector ns 10.0.1.2 AS 65001 ──veth── daemon ns 10.0.1.1 AS 65000),
# the daemon, `StackBgp.Bench.Daemon fibwatch` in the daemon ns (kernel route notifications, RTNLGRP_IPV4_ROUTE), then
# the bench/daemon injector (`StackBgp.Bench.Daemon inject`, the synthetic 100k table of
# bench/daemon). Time = fibwatch's CLOCK_MONOTONIC when the N-th distinct proto-bgp IPv4 route of
# table main was reported − the injector's CLOCK_MONOTONIC just before its first UPDATE write.
# Peak RSS = VmHWM of stackbgpd, or of zebra + bgpd, read after the N-th route.
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$repo"
runs=3 count=100000 warmup=0 daemons=stackbgp,frr stackbgpd=$repo/artifacts/bin/stackbgpd out=bench/kernel/results/fib-install-latest.md
while [ $# -gt 0 ]; do
  case $1 in
    --runs) runs=$2; shift 2 ;;
    --count) count=$2; shift 2 ;;
    --warmup) warmup=$2; shift 2 ;;
    --daemons) daemons=$2; shift 2 ;;
    --stackbgpd) stackbgpd=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
export LAB_RUN=/tmp/kbench-fib-$$
. lab/lib.sh
proj=bench/daemon/StackBgp.Bench.Daemon
dotnet build "$proj" -c Release --nologo -v quiet -o bench/daemon/bin >/dev/null
tool=$repo/bench/daemon/bin/StackBgp.Bench.Daemon

nss=() pids=()
teardown() {
  local p ns
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for ns in "${nss[@]}"; do frr_stop "$ns" 2>/dev/null || true; ns_del "$ns" 2>/dev/null || true; done
  nss=() pids=()
  exec 8>&- 2>/dev/null || true
}
trap teardown EXIT INT TERM

config() {
  cat <<CONF
frr version 8.4
frr defaults datacenter
hostname kbench
service integrated-vtysh-config
router bgp 65000
 bgp router-id 10.0.1.1
 no bgp ebgp-requires-policy
 neighbor 10.0.1.2 remote-as 65001
 neighbor 10.0.1.2 passive
 address-family ipv4 unicast
  neighbor 10.0.1.2 activate
 exit-address-family
exit
!
CONF
}

# warm-up only (polled, not measured)
bgp_routes_at_least() { (( $(ip -n "$1" route show proto bgp | wc -l) >= $2 )); }
bgp_routes_none() { [ -z "$(ip -n "$1" route show proto bgp | head -1)" ]; }

# cpu_ticks PID...: utime+stime of the processes (all their threads), in clock ticks
cpu_ticks() { local s=0 p; for p in "$@"; do s=$((s + $(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0))); done; echo $s; }
hwm_kib() { local s=0 p v; for p in "$@"; do v=$(awk '/^VmHWM/{print $2}' "/proc/$p/status" 2>/dev/null || echo 0); s=$((s + ${v:-0})); done; echo $s; }

# one_run KEY R: prints "KEY R seconds rss_mib how"
one_run() {
  local first cpu0 cpu key=$1 r=$2 d=kf$$-$1-$2-d i=kf$$-$1-$2-i dir=$LAB_RUN/$1-$2 done_line start rss how daemon_pids
  mkdir -p "$dir"
  ns_add "$d"; nss+=("$d"); ns_add "$i"; nss+=("$i")
  veth_add "$d" d0 "$i" i0
  addr_add "$d" d0 10.0.1.1/24; addr_add "$i" i0 10.0.1.2/24
  config >"$dir/frr.conf"
  case $key in
    stackbgp) start_bg "$d" stackbgpd "$stackbgpd" --config "$dir/frr.conf" --socket "$dir/stackbgpd.sock" --log-level warning
              daemon_pids=$(pid_of "$d" stackbgpd) ;;
    frr) frr_start "$d" "$dir/frr.conf"; daemon_pids="$(pid_of "$d" zebra) $(pid_of "$d" bgpd)" ;;
  esac
  if ((warmup > 0)); then
    mkfifo "$dir/warm.in"
    ip netns exec "$i" "$tool" inject --remote 10.0.1.1 --local 10.0.1.2 --count "$warmup" --seed 7 \
      <"$dir/warm.in" >"$dir/warm.out" 2>"$dir/warm.err" &
    local warm_pid=$!
    exec 9>"$dir/warm.in"
    wait_until 120 "$key run $r: $warmup warm-up routes in the kernel" bgp_routes_at_least "$d" "$warmup"
    exec 9>&-   # EOF: the injector closes its session, the daemon removes the routes
    wait "$warm_pid" || true
    wait_until 120 "$key run $r: warm-up routes gone from the kernel" bgp_routes_none "$d"
  fi
  ip netns exec "$d" "$tool" fibwatch --count "$count" --timeout 600 >"$dir/fibwatch.out" 2>&1 &
  pids+=($!)
  wait_until 20 "fibwatch subscribed in $d" grep -q READY "$dir/fibwatch.out"
  mkfifo "$dir/inj.in"
  cpu0=$(cpu_ticks $daemon_pids)
  ip netns exec "$i" "$tool" inject --remote 10.0.1.1 --local 10.0.1.2 --count "$count" \
    <"$dir/inj.in" >"$dir/inject.out" 2>"$dir/inject.err" &
  pids+=($!)
  exec 8>"$dir/inj.in"   # keeps the injector's stdin open (it holds its session until EOF)
  wait_until 600 "$key run $r: $count routes in the kernel of $d" grep -Eq 'DONE|TIMEOUT' "$dir/fibwatch.out"
  rss=$(hwm_kib $daemon_pids)
  cpu=$(awk -v a="$cpu0" -v b="$(cpu_ticks $daemon_pids)" -v hz="$(getconf CLK_TCK)" 'BEGIN{printf "%.2f", (b-a)/hz}')
  wait_until 60 "injector START line" grep -q '^START' "$dir/inject.out"
  done_line=$(grep -E 'DONE|TIMEOUT' "$dir/fibwatch.out")
  start=$(awk '/^START/{print $2}' "$dir/inject.out")
  grep -q OVERFLOW "$dir/fibwatch.out" && how=polled || how=notified
  [[ $done_line == DONE* ]] || lab_die "$key run $r: $done_line (see $dir)"
  first=$(awk '/^FIRST/{print $2}' "$dir/fibwatch.out")
  echo "$key $r $(awk -v a="$start" -v b="$(echo "$done_line" | cut -d' ' -f2)" 'BEGIN{printf "%.3f", (b-a)/1e9}') $((rss / 1024)) $how $(awk -v a="$start" -v b="${first:-0}" 'BEGIN{printf "%.3f", (b-a)/1e9}') $cpu"
  teardown
}

IFS=, read -ra keys <<<"$daemons"
[[ " ${keys[*]} " == *" stackbgp "* && ! -x $stackbgpd ]] && lab_die "$stackbgpd missing (./build.sh)"
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
: >"$LAB_RUN/samples"
for ((r = 1; r <= runs; r++)); do
  for k in "${keys[@]}"; do
    line=$(one_run "$k" "$r")
    lab_log "$line"
    echo "$line" >>"$LAB_RUN/samples"
  done
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

mkdir -p "$(dirname "$out")"
{
  echo "# $count routes into the kernel (issue 5 point 7)"
  echo
  echo "$(date -u '+%Y-%m-%d %H:%M UTC'), \`bench/kernel/fib-install.sh --runs $runs --count $count --daemons $daemons$( ((warmup > 0)) && echo " --warmup $warmup")\`, repository at $(git rev-parse --short HEAD)."
  echo "Machine: $(nproc) cores, shared with other jobs; load average before $load_before, after $load_after."
  echo "stackbgpd: $stackbgpd (built $(date -u -r "$stackbgpd" '+%Y-%m-%d %H:%M' 2>/dev/null)Z); FRR: $(ver_frr) (zebra + bgpd)."
  echo
  echo "Seconds from the injector's first UPDATE write to the kernel's notification of the ${count}th proto-bgp route"
  echo "(\"notified\"; \"polled\" = the notification socket overflowed and the end was found by 10 ms route dumps)."
  echo "CPU = utime+stime of stackbgpd, or zebra + bgpd, from just before the injector starts to the ${count}th route."
  echo "Peak RSS = VmHWM (stackbgpd; zebra + bgpd for FRR). The monitor (StackBgp.Bench.Daemon fibwatch) runs on the same 2 cores during every run."
  echo
  python3 - "$LAB_RUN/samples" <<'PY'
import sys, statistics
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
keys = list(dict.fromkeys(r[0] for r in rows))
print("| daemon | runs (s) | median s | median CPU s | median peak RSS MiB | first route in kernel after (median s) | end seen by |")
print("|---|---|---:|---:|---:|---:|---|")
med = {}
for k in keys:
    t = [float(r[2]) for r in rows if r[0] == k]; m = [int(r[3]) for r in rows if r[0] == k]
    med[k] = statistics.median(t)
    print(f"| {k} | {', '.join(f'{x:.2f}' for x in t)} | {med[k]:.2f} | {statistics.median(float(r[6]) for r in rows if r[0] == k):.2f} | {statistics.median(m):.0f} | {statistics.median(float(r[5]) for r in rows if r[0] == k):.2f} | {', '.join(sorted(set(r[4] for r in rows if r[0] == k)))} |")
if "stackbgp" in med and "frr" in med:
    print(f"\nStackBgp ÷ FRR (medians): {med['stackbgp'] / med['frr']:.2f}× (goal ≤ 0.5×)")
PY
} >"$out"
cat "$out"
