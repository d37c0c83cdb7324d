#!/usr/bin/env bash
# Shared bash helpers for the StackBgp lab (network namespaces, veth, peer daemons).
# Source it: `. lab/lib.sh`. Every daemon is started inside a namespace with `ip netns exec`,
# its PID is recorded under $LAB_RUN/pids, and it is stopped by that PID only.
# Rules: see ../../shared/design/LAB.md (no systemd, no traffic outside our namespaces).

LAB_RUN=${LAB_RUN:-/tmp/stackbgp-lab-sh}
mkdir -p "$LAB_RUN/pids" "$LAB_RUN/logs"

lab_log() { printf '%s %s\n' "$(date -u +%H:%M:%S.%3N)" "$*" >&2; }
lab_die() { lab_log "ERROR: $*"; exit 1; }

# now_ms: monotonic-enough wall clock in milliseconds
now_ms() { date +%s%3N; }

# wait_until TIMEOUT_S DESCRIPTION CMD...   polls CMD every 50 ms; on timeout says what was expected
wait_until() {
  local timeout=$1 desc=$2; shift 2
  local deadline=$(( $(now_ms) + timeout * 1000 ))
  while ! "$@" >/dev/null 2>&1; do
    if (( $(now_ms) > deadline )); then
      lab_log "timed out after ${timeout}s waiting for: $desc"
      return 1
    fi
    sleep 0.05
  done
}

# ---------- namespaces and links ----------
ns_add() {   # ns_add NAME   (lo up, DAD off, forwarding on)
  local ns=$1
  ip netns add "$ns" || return 1
  ip -n "$ns" link set lo up
  ip netns exec "$ns" sysctl -q -w net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 \
      net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
}

ns_del() {   # ns_del NAME   kills what runs inside (our namespace only), then deletes it
  local ns=$1 pid
  ip netns list | grep -qw "^$ns" || return 0
  for pid in $(ip netns pids "$ns" 2>/dev/null); do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for _ in $(seq 40); do
    local left=0; for pid in $(ip netns pids "$ns" 2>/dev/null); do alive "$pid" && left=1; done
    [ $left = 0 ] && break; sleep 0.05
  done
  for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null || true; done
  ip netns del "$ns"
  rm -rf "/etc/frr/$ns" "/var/run/frr/$ns"
  rm -f "$LAB_RUN"/pids/"$ns".*
}

veth_add() { # veth_add NS_A IF_A NS_B IF_B   (created inside the namespaces, brought up)
  ip link add "$2" netns "$1" type veth peer name "$4" netns "$3" || return 1
  ip -n "$1" link set "$2" up
  ip -n "$3" link set "$4" up
}

addr_add() { # addr_add NS DEV CIDR
  if [[ $3 == *:* ]]; then ip -n "$1" -6 addr add "$3" dev "$2" nodad; else ip -n "$1" addr add "$3" dev "$2"; fi
}

link_local() { ip -n "$1" -6 -o addr show dev "$2" scope link | awk '{print $4}' | cut -d/ -f1; }

# ---------- processes ----------
# start_bg NS NAME CMD...   runs CMD inside NS in the background, output to $LAB_RUN/logs/NS.NAME.log
start_bg() {
  local ns=$1 name=$2; shift 2
  ip netns exec "$ns" "$@" >"$LAB_RUN/logs/$ns.$name.log" 2>&1 &
  echo $! >"$LAB_RUN/pids/$ns.$name"
  disown "$!" 2>/dev/null || true   # no "Killed" job reports when we stop it
}

# alive PID: the process exists and is not a zombie (PID 1 here may not reap orphans)
alive() { [ -r "/proc/$1/stat" ] && ! awk '{ if ($3 == "Z") exit 0; exit 1 }' "/proc/$1/stat" 2>/dev/null; }

# stop_pid NS NAME [SIGNAL]   signals the recorded PID and waits (up to 5 s) until it is gone
stop_pid() {
  local f="$LAB_RUN/pids/$1.$2" sig=${3:-TERM} pid
  [ -f "$f" ] || return 0
  pid=$(cat "$f")
  kill -"$sig" "$pid" 2>/dev/null || true
  for _ in $(seq 100); do alive "$pid" || break; sleep 0.05; done
  kill -KILL "$pid" 2>/dev/null || true
  rm -f "$f"
}

pid_of() { cat "$LAB_RUN/pids/$1.$2" 2>/dev/null; }

# ---------- FRR (LAB.md recipe) ----------
# frr_start NS CONFFILE [bfd]
frr_start() {
  local ns=$1 conf=$2 bfd=${3:-} d
  mkdir -p "/var/run/frr/$ns" "/etc/frr/$ns"
  echo "service integrated-vtysh-config" >"/etc/frr/$ns/vtysh.conf"
  cp "$conf" "/etc/frr/$ns/frr.conf"
  chown -R frr:frr "/var/run/frr/$ns" "/etc/frr/$ns"
  local daemons="zebra bgpd"; [ -n "$bfd" ] && daemons="zebra bfdd bgpd"
  for d in $daemons; do
    start_bg "$ns" "$d" /usr/lib/frr/"$d" -N "$ns" -u frr -g frr -i "/var/run/frr/$ns/$d.pid" -P 0 --log stdout
    wait_until 15 "$d of $ns to open its vty" test -S "/var/run/frr/$ns/$d.vty" || return 1
  done
  vtysh -N "$ns" -b >"$LAB_RUN/logs/$ns.vtysh-b.log" 2>&1 || { cat "$LAB_RUN/logs/$ns.vtysh-b.log" >&2; return 1; }
}
frr_stop() { local d; for d in bgpd bfdd zebra; do stop_pid "$1" "$d"; done; rm -rf "/etc/frr/$1" "/var/run/frr/$1"; }
vty() { local ns=$1; shift; local a=(); for c in "$@"; do a+=(-c "$c"); done; vtysh -N "$ns" "${a[@]}"; }
frr_established() { vtysh -N "$1" -c "show bgp neighbors $2 json" 2>/dev/null | grep -q '"bgpState":"Established"'; }

# ---------- BIRD ----------
bird_start() { # bird_start NS CONFFILE
  bird -p -c "$2" || return 1
  start_bg "$1" bird bird -f -c "$2" -s "$LAB_RUN/$1.bird.ctl"
  wait_until 15 "BIRD in $1" sh -c "birdc -s '$LAB_RUN/$1.bird.ctl' show status | grep -q 'up and running'"
}
birdc_ns() { local ns=$1; shift; birdc -s "$LAB_RUN/$ns.bird.ctl" "$@"; }
bird_established() { birdc_ns "$1" show protocols "$2" | grep -q Established; }

# ---------- GoBGP ----------
gobgp_start() { # gobgp_start NS TOMLFILE
  start_bg "$1" gobgpd gobgpd -f "$2" -p --pprof-disable --api-hosts 127.0.0.1:50051
  wait_until 15 "gobgpd in $1" ip netns exec "$1" gobgp -u 127.0.0.1 -p 50051 global
}
gobgp_ns() { local ns=$1; shift; ip netns exec "$ns" gobgp -u 127.0.0.1 -p 50051 "$@"; }
gobgp_established() { gobgp_ns "$1" neighbor "$2" 2>/dev/null | grep -qi 'BGP state = established'; }

# ---------- versions ----------
ver_frr()   { /usr/lib/frr/bgpd --version | head -1; }
ver_bird()  { bird --version 2>&1 | head -1; }
ver_gobgp() { gobgpd --version | head -1; }
