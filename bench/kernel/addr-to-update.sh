#!/usr/bin/env bash
# Issue 5 point 7, first half: latency from `ip addr add 192.0.2.K/32 dev lo` in the daemon's
# namespace to the UPDATE carrying 192.0.2.K/32 on the wire at the eBGP peer (and the same for
# `ip addr del` → withdrawal), for stackbgpd and FRR 8.4 (zebra + bgpd), same config, same run.
# Run as root from anywhere:  bench/kernel/addr-to-update.sh [--count N] [--daemons stackbgp,frr]
#                                                              [--stackbgpd PATH] [--out FILE]
# t0 = $EPOCHREALTIME taken by this shell right before it runs `ip -n NS addr add` (so the `ip`
# process start-up, ~1–3 ms, is inside the figure); t1 = the kernel receive timestamp of the
# packet that carried the UPDATE, from `tcpdump -tt --time-stamp-precision=nano` on the peer's
# veth (CLOCK_REALTIME, same clock as t0). Both daemons run side by side, iterations alternate.
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$repo"
count=50 daemons=stackbgp,frr stackbgpd=$repo/artifacts/bin/stackbgpd out=bench/kernel/results/addr-to-update-latest.md
while [ $# -gt 0 ]; do
  case $1 in
    --count) count=$2; shift 2 ;;
    --daemons) daemons=$2; shift 2 ;;
    --stackbgpd) stackbgpd=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
export LAB_RUN=/tmp/kbench-a2u-$$
. lab/lib.sh
proj=bench/daemon/StackBgp.Bench.Daemon
dotnet build "$proj" -c Release --nologo -v quiet -o bench/daemon/bin >/dev/null
mon=$repo/bench/daemon/bin/StackBgp.Bench.Daemon

tag=kb$$
nss=()
tcpdumps=()
cleanup() {
  local p ns
  for p in "${tcpdumps[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for ns in "${nss[@]}"; do frr_stop "$ns" 2>/dev/null || true; ns_del "$ns" 2>/dev/null || true; done
}
trap cleanup EXIT INT TERM

# RHOSP controller-like config (lab/configs/controller.conf without BFD and ttl-security, which
# the bench peer does not speak): redistribute connected, only /32 host prefixes out.
config() { # config ROUTER_ID PEER
  cat <<CONF
frr version 8.4
frr defaults traditional
hostname kbench
service integrated-vtysh-config
router bgp 64999
  bgp router-id $1
  no bgp default ipv4-unicast
  no bgp ebgp-requires-policy
  neighbor uplink peer-group
  neighbor uplink remote-as external
  neighbor uplink timers connect 1
  neighbor $2 peer-group uplink
  address-family ipv4 unicast
    redistribute connected
    neighbor uplink activate
    neighbor uplink prefix-list only-host-prefixes out
  exit-address-family
ip prefix-list only-host-prefixes permit 0.0.0.0/0 ge 32
!
CONF
}

# setup KEY IDX: daemon ns $tag-KEY-d (veth 10.0.IDX.1/30), peer ns $tag-KEY-p (10.0.IDX.2, AS 65100)
setup() {
  local key=$1 i=$2 d=$tag-$1-d p=$tag-$1-p
  ns_add "$d"; nss+=("$d"); ns_add "$p"; nss+=("$p")
  veth_add "$d" d0 "$p" p0
  addr_add "$d" d0 "10.0.$i.1/30"; addr_add "$p" p0 "10.0.$i.2/30"
  config "10.0.$i.1" "10.0.$i.2" >"$LAB_RUN/$key.conf"
  ip netns exec "$p" tcpdump -i p0 -n -l -tt --time-stamp-precision=nano -v -s 0 'tcp port 179' \
    >"$LAB_RUN/$key.tcpdump" 2>"$LAB_RUN/$key.tcpdump.err" &
  tcpdumps+=($!)
  wait_until 10 "tcpdump on $p" grep -q listening "$LAB_RUN/$key.tcpdump.err"
  case $key in
    stackbgp) start_bg "$d" stackbgpd "$stackbgpd" --config "$LAB_RUN/$key.conf" --socket "$LAB_RUN/$key.sock" --log-level warning ;;
    frr) frr_start "$d" "$LAB_RUN/$key.conf" ;;
  esac
  start_bg "$p" monitor "$mon" monitor --connect "10.0.$i.1" --local "10.0.$i.2" --expect 1000000 --quiet 3600 --timeout 36000
}

# events KEY: "A|W ts prefix" for every 192.0.2.x/32 in an UPDATE the peer received
events() {
  awk '/^[0-9]+\.[0-9]+ IP /{ts=$1; mode=""; next}
       /Updated routes:/{mode="A"; next}
       /Withdrawn routes:/{mode="W"; next}
       /Update Message|Keepalive Message|Attribute|Origin|AS Path|Next Hop|Multi-Exit/{mode=""}
       mode!="" && $1 ~ /^192\.0\.2\.[0-9]+\/32$/ {print mode, ts, $1}' "$LAB_RUN/$1.tcpdump"
}
has_seen() { [ -n "$(seen "$@")" ]; }
seen() { events "$1" | awk -v k="$2" -v p="$3" -v after="$4" '$1==k && $3==p && $2>=after {print $2; exit}'; }
wait_seen() { # wait_seen KEY A|W PREFIX T0 -> prints the arrival ts, or fails after 30 s
  local deadline=$(( $(now_ms) + 30000 )) ts
  while :; do
    ts=$(seen "$@")
    [ -n "$ts" ] && { echo "$ts"; return 0; }
    (( $(now_ms) > deadline )) && { lab_log "no ${2} for ${3} at the $1 peer within 30 s"; return 1; }
    sleep 0.01
  done
}

IFS=, read -ra keys <<<"$daemons"
i=20
for k in "${keys[@]}"; do
  if [ "$k" = stackbgp ] && [ ! -x "$stackbgpd" ]; then lab_die "$stackbgpd missing (./build.sh)"; fi
  setup "$k" $i; i=$((i + 1))
done

# warm-up (not counted): sessions come up, the first host route goes through once
for k in "${keys[@]}"; do
  ip -n "$tag-$k-d" addr add 192.0.2.250/32 dev lo
  wait_until 90 "$k: session up and 192.0.2.250/32 at the peer" has_seen "$k" A 192.0.2.250/32 0
  ip -n "$tag-$k-d" addr del 192.0.2.250/32 dev lo
  wait_seen "$k" W 192.0.2.250/32 0 >/dev/null
done
lab_log "sessions up; $count iterations per daemon"

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
for ((n = 1; n <= count; n++)); do
  pfx=192.0.2.$(( (n - 1) % 200 + 1 ))/32
  for k in "${keys[@]}"; do
    d=$tag-$k-d
    t0=$EPOCHREALTIME; ip -n "$d" addr add "$pfx" dev lo; tip=$EPOCHREALTIME
    t1=$(wait_seen "$k" A "$pfx" "$t0")
    t2=$EPOCHREALTIME; ip -n "$d" addr del "$pfx" dev lo
    t3=$(wait_seen "$k" W "$pfx" "$t2")
    echo "$k $n $pfx $t0 $t1 $t2 $t3 $tip" >>"$LAB_RUN/samples"
  done
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

mkdir -p "$(dirname "$out")"
{
  echo "# Address → UPDATE latency (issue 5 point 7)"
  echo
  echo "$(date -u '+%Y-%m-%d %H:%M UTC'), \`bench/kernel/addr-to-update.sh --count $count --daemons $daemons\`, repository at $(git rev-parse --short HEAD)."
  echo "Machine: $(nproc) cores, shared with other jobs; load average before $load_before, after $load_after."
  echo "stackbgpd: $stackbgpd (built $(date -u -r "$stackbgpd" '+%Y-%m-%d %H:%M' 2>/dev/null)Z); FRR: $(ver_frr)."
  echo
  echo "Milliseconds from \`\$EPOCHREALTIME\` before \`ip -n NS addr add|del 192.0.2.K/32 dev lo\` (includes the ip process start-up)"
  echo "to the kernel receive timestamp (tcpdump, peer veth) of the UPDATE announcing / withdrawing it. $count samples each."
  echo
  python3 - "$LAB_RUN/samples" <<'PY'
import sys, statistics, math
rows = [l.split() for l in open(sys.argv[1])]
def pct(xs, p):
    xs = sorted(xs); return xs[max(0, math.ceil(p / 100 * len(xs)) - 1)]  # nearest rank
print("| daemon | event | median | p90 | p99 | max | min |")
print("|---|---|---:|---:|---:|---:|---:|")
for key in dict.fromkeys(r[0] for r in rows):
    for ev, a, b in (("announce", 3, 4), ("withdraw", 5, 6)):
        xs = [(float(r[b]) - float(r[a])) * 1000 for r in rows if r[0] == key]
        print(f"| {key} | {ev} | {statistics.median(xs):.1f} | {pct(xs,90):.1f} | {pct(xs,99):.1f} | {max(xs):.1f} | {min(xs):.1f} |")
xs = [(float(r[7]) - float(r[3])) * 1000 for r in rows]
print(f"| (all) | `ip addr add` process alone, start to exit | {statistics.median(xs):.1f} | {pct(xs,90):.1f} | {pct(xs,99):.1f} | {max(xs):.1f} | {min(xs):.1f} |")
PY
  echo
  echo "Raw samples (daemon, n, prefix, t_add, t_update, t_del, t_withdraw, t_add_returned):"
  echo '```'
  cat "$LAB_RUN/samples"
  echo '```'
} >"$out"
sed -n '1,/^Raw samples/p' "$out"
