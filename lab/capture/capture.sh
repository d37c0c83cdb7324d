#!/usr/bin/env bash
# Golden BGP captures for the Wire codec tests.
#
# For each pair of real daemons (FRR-BIRD, FRR-GoBGP, GoBGP-BIRD) and each of eBGP and iBGP, this
# builds two network namespaces joined by one veth (10.0.0.1/24 + fd00::1/64 on side A, .2 / ::2 on
# side B), runs tcpdump on A's veth, lets the daemons open an IPv4 session (ipv4 unicast) and an IPv6
# session (ipv6 unicast, MP_REACH with global + link-local next hop), exchange routes carrying
# communities, large communities, extended communities, MED and (iBGP) LOCAL_PREF, announce and
# withdraw one more route per family, do a ROUTE-REFRESH, shut the IPv6 session down with a shutdown
# communication (RFC 9003), hard-reset the IPv4 session from FRR (Cease/Administrative Reset) and
# finally stop side B, then side A, with SIGTERM. The BGP messages
# are cut out of the TCP streams by pcap2hex.py and written to
#   tests/StackBgp.Wire.Tests/Vectors/captured/<a>-<b>-<ebgp|ibgp>.hex
# one message per line (hex, marker included), '#' lines are comments.
#
# usage (root): lab/capture/capture.sh [OUTDIR]      rerunnable; leaves nothing behind
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
OUT=${1:-$REPO/tests/StackBgp.Wire.Tests/Vectors/captured}
export LAB_RUN=$(mktemp -d /tmp/stackbgp-capture.XXXXXX)
. "$REPO/lab/lib.sh"
mkdir -p "$OUT"
NSA=sbcap-$$-a
NSB=sbcap-$$-b
NSC=sbcap-$$-c
cleanup() { stop_pid "$NSA" tcpdump INT || true; stop_pid "$NSB" tcpdump INT || true; ns_del "$NSA" || true; ns_del "$NSB" || true; ns_del "$NSC" || true; [ "${KEEP:-}" = 1 ] || rm -rf "$LAB_RUN"; }
trap cleanup EXIT

A4=10.0.0.1 B4=10.0.0.2 A6=fd00::1 B6=fd00::2

# ---------------------------------------------------------------- per-daemon configs
frr_conf() { # ASN RID PEER4 PEER6 PEERAS NET4 NET6 TAG
  cat <<CONF
frr defaults datacenter
hostname frr-$8
log stdout informational
route-map ATTR permit 10
 set community $1:100 $1:200
 set large-community $1:1:1 $1:2:2
 set extcommunity rt $1:10
 set metric 50
 set local-preference 200
exit
router bgp $1
 bgp router-id $2
 no bgp ebgp-requires-policy
 no bgp default ipv4-unicast
 no bgp network import-check
 neighbor $3 remote-as $5
 neighbor $3 timers 3 9
 neighbor $3 timers connect 2
 neighbor $4 remote-as $5
 neighbor $4 timers 3 9
 neighbor $4 timers connect 2
 address-family ipv4 unicast
  network $6 route-map ATTR
  neighbor $3 activate
 exit-address-family
 address-family ipv6 unicast
  network $7 route-map ATTR
  neighbor $4 activate
 exit-address-family
exit
CONF
}

bird_conf() { # ASN RID LOCAL4 PEER4 LOCAL6 PEER6 PEERAS NET4 NET6
  local attrs="bgp_med = 30; bgp_local_pref = 150; bgp_community.add(($1,100)); bgp_large_community.add(($1,1,1)); bgp_ext_community.add((rt,$1,10));"
  local direct=""; [ "$1" = "$7" ] && direct="direct;"
  cat <<CONF
router id $2;
protocol device {}
protocol direct { ipv4; ipv6; }
protocol static s4 { ipv4; route $8 blackhole { $attrs }; }
protocol static s6 { ipv6; route $9 blackhole { $attrs }; }
protocol static x4 { disabled yes; ipv4; route 203.0.113.0/24 blackhole { bgp_med = 7; }; }
protocol static x6 { disabled yes; ipv6; route 2001:db8:ff::/48 blackhole { bgp_med = 7; }; }
protocol bgp peer4 {
  local $3 as $1; neighbor $4 as $7; $direct
  hold time 9; keepalive time 3; connect retry time 2;
  ipv4 { import all; export all; };
}
protocol bgp peer6 {
  local $5 as $1; neighbor $6 as $7; $direct
  hold time 9; keepalive time 3; connect retry time 2;
  ipv6 { import all; export all; };
}
CONF
}

gobgp_conf() { # ASN RID PEER4 PEER6 PEERAS
  cat <<CONF
[global.config]
  as = $1
  router-id = "$2"
CONF
  local p f
  for p in "$3:ipv4-unicast" "$4:ipv6-unicast"; do
    f=${p##*:}
    cat <<CONF
[[neighbors]]
  [neighbors.config]
    neighbor-address = "${p%:*}"
    peer-as = $5
  [neighbors.timers.config]
    hold-time = 9
    keepalive-interval = 3
    connect-retry = 2
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "$f"
CONF
  done
}

# ---------------------------------------------------------------- per-daemon actions
# start KIND NS ASN RID LOCAL4 PEER4 LOCAL6 PEER6 PEERAS NET4 NET6 NH4 NH6
start_kind() {
  local kind=$1 ns=$2 f="$LAB_RUN/$2.conf"
  case $kind in
    frr)   frr_conf "$3" "$4" "$6" "$8" "$9" "${10}" "${11}" "$ns" >"$f"; frr_start "$ns" "$f" ;;
    bird)  bird_conf "$3" "$4" "$5" "$6" "$7" "$8" "$9" "${10}" "${11}" >"$f"; bird_start "$ns" "$f" ;;
    gobgp) gobgp_conf "$3" "$4" "$6" "$8" "$9" >"$f"; gobgp_start "$ns" "$f"
           gobgp_ns "$ns" global rib add "${10}" -a ipv4 nexthop "${12}" community "$3:100,$3:200" large-community "$3:1:1" med 40 local-pref 120
           gobgp_ns "$ns" global rib add "${11}" -a ipv6 nexthop "${13}" community "$3:100" large-community "$3:1:1" med 40 ;;
  esac
}
established() { # KIND NS PEERADDR
  case $1 in
    frr) frr_established "$2" "$3" ;;
    bird) if [[ $3 == *:* ]]; then bird_established "$2" peer6; else bird_established "$2" peer4; fi ;;
    gobgp) gobgp_established "$2" "$3" ;;
  esac
}
has_route() { # KIND NS PREFIX
  case $1 in
    frr) vtysh -N "$2" -c "show bgp $([[ $3 == *:* ]] && echo ipv6 || echo ipv4) unicast $3 json" | grep -q '"paths"' ;;
    bird) birdc_ns "$2" show route "$3" | grep -q "$3" ;;
    gobgp) gobgp_ns "$2" global rib -a "$([[ $3 == *:* ]] && echo ipv6 || echo ipv4)" "$3" 2>/dev/null | grep -q "${3%/*}" ;;
  esac
}
announce_extra() { # KIND NS ASN add|del NH4 NH6
  case $1 in
    frr) local no=""; [ "$4" = del ] && no="no "
         vty "$2" "conf t" "router bgp $3" "address-family ipv4 unicast" "${no}network 203.0.113.0/24" "exit-address-family" \
             "address-family ipv6 unicast" "${no}network 2001:db8:ff::/48" ;;
    bird) local v=enable; [ "$4" = del ] && v=disable; birdc_ns "$2" "$v" x4 >/dev/null; birdc_ns "$2" "$v" x6 >/dev/null ;;
    gobgp) if [ "$4" = add ]; then
             gobgp_ns "$2" global rib add 203.0.113.0/24 -a ipv4 nexthop "$5" med 7
             gobgp_ns "$2" global rib add 2001:db8:ff::/48 -a ipv6 nexthop "$6" med 7
           else
             gobgp_ns "$2" global rib del 203.0.113.0/24 -a ipv4
             gobgp_ns "$2" global rib del 2001:db8:ff::/48 -a ipv6
           fi ;;
  esac
}
refresh() { # KIND NS PEER4 PEER6   ask the peer to resend (ROUTE-REFRESH)
  case $1 in
    frr) vty "$2" "clear bgp ipv4 unicast * soft in" "clear bgp ipv6 unicast * soft in" ;;
    bird) birdc_ns "$2" reload in peer4 >/dev/null; birdc_ns "$2" reload in peer6 >/dev/null ;;
    gobgp) return 1 ;;  # gobgp's soft reset in does not send ROUTE-REFRESH
  esac
}
admin_shutdown_v6() { # KIND NS ASN PEER6    shutdown communication (RFC 9003)
  case $1 in
    frr) vty "$2" "conf t" "router bgp $3" "neighbor $4 shutdown message capture: planned maintenance" ;;
    bird) birdc_ns "$2" disable peer6 '"capture: planned maintenance"' >/dev/null ;;
    gobgp) gobgp_ns "$2" neighbor "$4" shutdown --reason "capture: planned maintenance" ;;
  esac
}
stop_kind() { # KIND NS
  case $1 in
    frr) frr_stop "$2" ;;
    bird) stop_pid "$2" bird ;;
    gobgp) stop_pid "$2" gobgpd ;;
  esac
}
lacks_route() { ! has_route "$@"; }
more_than() { [ "$(count_type "$1" "$2")" -gt "$3" ]; }   # PCAP TYPE N
version_of() { case $1 in frr) ver_frr ;; bird) ver_bird ;; gobgp) ver_gobgp ;; esac; }
count_type() { python3 "$HERE/pcap2hex.py" "$1" 2>/dev/null | grep -c "^# .* $2\$" || true; }

# ---------------------------------------------------------------- one capture
capture() { # KIND_A KIND_B MODE
  local ka=$1 kb=$2 mode=$3 asa=65001 asb=65002
  [ "$mode" = ibgp ] && asa=65000 asb=65000
  local name="$ka-$kb-$mode" pcap="$LAB_RUN/$ka-$kb-$mode.pcap"
  lab_log "capture $name"
  ns_add "$NSA"; ns_add "$NSB"
  veth_add "$NSA" capa "$NSB" capb
  addr_add "$NSA" capa $A4/24; addr_add "$NSA" capa $A6/64
  addr_add "$NSB" capb $B4/24; addr_add "$NSB" capb $B6/64
  start_bg "$NSA" tcpdump tcpdump -i capa -U -s 0 -w "$pcap" tcp port 179
  wait_until 10 "tcpdump to listen" grep -q "listening on" "$LAB_RUN/logs/$NSA.tcpdump.log"

  start_kind "$ka" "$NSA" $asa 10.0.0.1 $A4 $B4 $A6 $B6 $asb 192.0.2.0/24 2001:db8:a::/48 $A4 $A6
  start_kind "$kb" "$NSB" $asb 10.0.0.2 $B4 $A4 $B6 $A6 $asa 198.51.100.0/24 2001:db8:b::/48 $B4 $B6
  wait_until 60 "$ka sees $B4 Established" established "$ka" "$NSA" $B4
  wait_until 60 "$ka sees $B6 Established" established "$ka" "$NSA" $B6
  wait_until 30 "$ka has 198.51.100.0/24" has_route "$ka" "$NSA" 198.51.100.0/24
  wait_until 30 "$ka has 2001:db8:b::/48" has_route "$ka" "$NSA" 2001:db8:b::/48
  wait_until 30 "$kb has 192.0.2.0/24" has_route "$kb" "$NSB" 192.0.2.0/24
  wait_until 30 "$kb has 2001:db8:a::/48" has_route "$kb" "$NSB" 2001:db8:a::/48

  # announce and withdraw one more route per family from side B, then from side A
  for side in "$kb $NSB $asb $B4 $B6" "$ka $NSA $asa $A4 $A6"; do
    set -- $side
    announce_extra "$1" "$2" "$3" add "$4" "$5"
    local other_kind other_ns; if [ "$2" = "$NSB" ]; then other_kind=$ka other_ns=$NSA; else other_kind=$kb other_ns=$NSB; fi
    wait_until 30 "$other_kind has 203.0.113.0/24" has_route "$other_kind" "$other_ns" 203.0.113.0/24
    wait_until 30 "$other_kind has 2001:db8:ff::/48" has_route "$other_kind" "$other_ns" 2001:db8:ff::/48
    announce_extra "$1" "$2" "$3" del "$4" "$5"
    wait_until 30 "$other_kind drops 203.0.113.0/24" lacks_route "$other_kind" "$other_ns" 203.0.113.0/24
    wait_until 30 "$other_kind drops 2001:db8:ff::/48" lacks_route "$other_kind" "$other_ns" 2001:db8:ff::/48
  done

  # ROUTE-REFRESH (FRR: clear bgp * soft in; BIRD: reload in)
  local before; before=$(count_type "$pcap" ROUTE-REFRESH)
  if refresh "$ka" "$NSA" || refresh "$kb" "$NSB"; then
    wait_until 20 "a ROUTE-REFRESH on the wire" more_than "$pcap" ROUTE-REFRESH "$before"
  fi

  # FRR: hard reset of the IPv4 session (NOTIFICATION Cease/Administrative Reset), re-established
  if [ "$ka" = frr ]; then
    local r; r=$(count_type "$pcap" NOTIFICATION)
    vty "$NSA" "clear bgp $B4"
    wait_until 20 "NOTIFICATION (admin reset) on the wire" more_than "$pcap" NOTIFICATION "$r"
    wait_until 60 "$ka sees $B4 Established again" established "$ka" "$NSA" $B4
  fi

  # shutdown communication on the IPv6 session (RFC 9003)
  local n; n=$(count_type "$pcap" NOTIFICATION)
  admin_shutdown_v6 "$ka" "$NSA" $asa $B6
  wait_until 20 "NOTIFICATION (admin shutdown) on the wire" more_than "$pcap" NOTIFICATION "$n"

  # SIGTERM of side B, then of side A (daemons that send Cease on shutdown show it here)
  n=$(count_type "$pcap" NOTIFICATION)
  stop_kind "$kb" "$NSB"
  wait_until 5 "NOTIFICATION (Cease on SIGTERM of $kb) on the wire" more_than "$pcap" NOTIFICATION "$n" \
    || lab_log "note: $kb sent no NOTIFICATION on SIGTERM"
  stop_kind "$ka" "$NSA"
  stop_pid "$NSA" tcpdump INT

  python3 "$HERE/pcap2hex.py" "$pcap" \
    --name "$A4=$ka" --name "$A6=$ka" --name "$B4=$kb" --name "$B6=$kb" \
    --header "Captured by lab/capture/capture.sh on $(date -u +%Y-%m-%d) with tcpdump on the veth between two network namespaces." \
    --header "$mode: A = $ka ($(version_of "$ka")) AS $asa, 10.0.0.1 / fd00::1; B = $kb ($(version_of "$kb")) AS $asb, 10.0.0.2 / fd00::2." \
    --header "Sessions: IPv4 (ipv4 unicast) and IPv6 (ipv6 unicast). Routes with communities, large and extended communities, MED, LOCAL_PREF (iBGP);" \
    --header "one more route per family announced and withdrawn from each side; ROUTE-REFRESH; FRR: clear bgp (Cease/Admin Reset); shutdown communication on the IPv6 session; SIGTERM of B, then A." \
    >"$OUT/$name.hex"
  lab_log "wrote $OUT/$name.hex: $(grep -m1 '^# messages' "$OUT/$name.hex")"
  ns_del "$NSA"; ns_del "$NSB"
}


# ---------------------------------------------------------------- FRR-FRR unnumbered (RFC 8950)
# Two FRRs over a veth with only IPv6 link-local addresses: `neighbor IF interface remote-as external`,
# IPv4 and IPv6 unicast over one session, IPv4 routes with an IPv6 next hop (extended next hop).
frr_unnumbered_conf() { # ASN RID IF NET4 NET6
  cat <<CONF
frr defaults datacenter
log stdout informational
route-map ATTR permit 10
 set community $1:100
 set large-community $1:1:1
 set metric 50
exit
router bgp $1
 bgp router-id $2
 no bgp ebgp-requires-policy
 no bgp network import-check
 neighbor $3 interface remote-as external
 neighbor $3 timers 3 9
 address-family ipv4 unicast
  network $4 route-map ATTR
 exit-address-family
 address-family ipv6 unicast
  network $5 route-map ATTR
  neighbor $3 activate
 exit-address-family
exit
CONF
}
capture_unnumbered() {
  local name=frr-frr-unnumbered pcap="$LAB_RUN/frr-frr-unnumbered.pcap"
  lab_log "capture $name"
  ns_add "$NSA"; ns_add "$NSB"
  veth_add "$NSA" capa "$NSB" capb
  wait_until 10 "link-local address on capa" test -n "$(link_local "$NSA" capa)"
  wait_until 10 "link-local address on capb" test -n "$(link_local "$NSB" capb)"
  start_bg "$NSA" tcpdump tcpdump -i capa -U -s 0 -w "$pcap" tcp port 179
  wait_until 10 "tcpdump to listen" grep -q "listening on" "$LAB_RUN/logs/$NSA.tcpdump.log"
  frr_unnumbered_conf 65001 10.0.0.1 capa 192.0.2.0/24 2001:db8:a::/48 >"$LAB_RUN/a.conf"
  frr_unnumbered_conf 65002 10.0.0.2 capb 198.51.100.0/24 2001:db8:b::/48 >"$LAB_RUN/b.conf"
  frr_start "$NSA" "$LAB_RUN/a.conf"; frr_start "$NSB" "$LAB_RUN/b.conf"
  wait_until 60 "FRR A sees capa Established" frr_established "$NSA" capa
  wait_until 30 "A has 198.51.100.0/24" has_route frr "$NSA" 198.51.100.0/24
  wait_until 30 "A has 2001:db8:b::/48" has_route frr "$NSA" 2001:db8:b::/48
  wait_until 30 "B has 192.0.2.0/24" has_route frr "$NSB" 192.0.2.0/24
  announce_extra frr "$NSB" 65002 add
  wait_until 30 "A has 203.0.113.0/24" has_route frr "$NSA" 203.0.113.0/24
  announce_extra frr "$NSB" 65002 del
  wait_until 30 "A drops 203.0.113.0/24" lacks_route frr "$NSA" 203.0.113.0/24
  local n; n=$(count_type "$pcap" NOTIFICATION)
  vty "$NSA" "conf t" "router bgp 65001" "neighbor capa shutdown message capture: unnumbered maintenance"
  wait_until 20 "NOTIFICATION on the wire" more_than "$pcap" NOTIFICATION "$n"
  frr_stop "$NSB"; frr_stop "$NSA"
  stop_pid "$NSA" tcpdump INT
  local lla llb; lla=$(link_local "$NSA" capa); llb=$(link_local "$NSB" capb)
  python3 "$HERE/pcap2hex.py" "$pcap" --name "$lla=frr-a" --name "$llb=frr-b" \
    --header "Captured by lab/capture/capture.sh on $(date -u +%Y-%m-%d) with tcpdump on the veth between two network namespaces." \
    --header "unnumbered eBGP: A = FRR ($(ver_frr)) AS 65001 and B = FRR AS 65002, 'neighbor IF interface remote-as external' over IPv6 link-local only." \
    --header "IPv4 routes with IPv6 next hops (extended next hop, RFC 8950) and IPv6 routes on one session; announce/withdraw; shutdown communication." \
    >"$OUT/$name.hex"
  lab_log "wrote $OUT/$name.hex: $(grep -m1 '^# messages' "$OUT/$name.hex")"
  ns_del "$NSA"; ns_del "$NSB"
}

# ---------------------------------------------------------------- ExaBGP -> FRR -> BIRD (AS4, add-path, partial)
# A chain of three namespaces, captured on both of FRR's links (tcpdump -i any):
#   ExaBGP AS 65010, a 2-octet-only speaker (asn4 disabled), add-path send: two paths for 203.0.113.0/24,
#     one with an unknown optional transitive attribute (0xf0), AGGREGATOR and ATOMIC_AGGREGATE;
#   FRR AS 4200000001: AS_TRANS + AS4_PATH towards ExaBGP, add-path tx-all-paths towards BIRD, passes
#     the unknown attribute on with the Partial bit;
#   BIRD AS 4200000002 with add paths rx.
ver_exabgp() { exabgp --version 2>/dev/null | sed -n 's/^ExaBGP : //p'; }
capture_specials() {
  local name=exabgp-frr-bird-as4-addpath pcap="$LAB_RUN/specials.pcap" X=$NSA F=$NSB B=$NSC
  lab_log "capture $name"
  ns_add "$X"; ns_add "$F"; ns_add "$B"
  veth_add "$X" ex0 "$F" fx0; veth_add "$F" fb0 "$B" bf0
  addr_add "$X" ex0 10.1.0.1/24; addr_add "$F" fx0 10.1.0.2/24; addr_add "$F" fb0 10.2.0.1/24; addr_add "$B" bf0 10.2.0.2/24
  start_bg "$F" tcpdump tcpdump -i any -U -s 0 -w "$pcap" tcp port 179
  wait_until 10 "tcpdump to listen" grep -q "listening on" "$LAB_RUN/logs/$F.tcpdump.log"
  cat >"$LAB_RUN/f.conf" <<CONF
frr defaults datacenter
log stdout informational
router bgp 4200000001
 bgp router-id 10.1.0.2
 no bgp ebgp-requires-policy
 no bgp default ipv4-unicast
 no bgp network import-check
 neighbor 10.1.0.1 remote-as 65010
 neighbor 10.1.0.1 timers 3 9
 neighbor 10.2.0.2 remote-as 4200000002
 neighbor 10.2.0.2 timers 3 9
 address-family ipv4 unicast
  network 192.0.2.0/24
  neighbor 10.1.0.1 activate
  neighbor 10.2.0.2 activate
  neighbor 10.2.0.2 addpath-tx-all-paths
 exit-address-family
exit
CONF
  cat >"$LAB_RUN/b.conf" <<CONF
router id 10.2.0.2;
protocol device {}
protocol static s4 { ipv4; route 198.51.100.0/24 blackhole; }
protocol bgp peer4 {
  local 10.2.0.2 as 4200000002; neighbor 10.2.0.1 as 4200000001;
  hold time 9; keepalive time 3; connect retry time 2;
  ipv4 { import all; export all; add paths rx; };
}
CONF
  cat >"$LAB_RUN/x.conf" <<CONF
neighbor 10.1.0.2 {
  router-id 10.1.0.1;
  local-address 10.1.0.1;
  local-as 65010;
  peer-as 23456;
  hold-time 9;
  family { ipv4 unicast; }
  capability { asn4 disable; add-path send; route-refresh; }
  static {
    route 203.0.113.0/24 next-hop 10.1.0.1 path-information 0.0.0.1 attribute [0xf0 0xc0 0x01020304] aggregator (65010:10.1.0.1) atomic-aggregate;
    route 203.0.113.0/24 next-hop 10.1.0.3 path-information 0.0.0.2 med 20 origin incomplete as-path [65010 65011];
  }
}
CONF
  frr_start "$F" "$LAB_RUN/f.conf"
  bird_start "$B" "$LAB_RUN/b.conf"
  start_bg "$X" exabgp env exabgp.daemon.user=root exabgp.daemon.daemonize=false exabgp.log.destination=stdout \
    exabgp.api.cli=false exabgp "$LAB_RUN/x.conf"
  wait_until 60 "FRR sees ExaBGP Established" frr_established "$F" 10.1.0.1
  wait_until 60 "FRR sees BIRD Established" frr_established "$F" 10.2.0.2
  wait_until 30 "BIRD has both paths of 203.0.113.0/24" sh -c "[ \$(birdc -s '$LAB_RUN/$B.bird.ctl' show route 203.0.113.0/24 | grep -c unicast) -ge 2 ]"
  wait_until 30 "FRR has 198.51.100.0/24 from BIRD" has_route frr "$F" 198.51.100.0/24
  wait_until 20 "FRR's UPDATE with AS4_PATH to ExaBGP" more_than "$pcap" UPDATE 8
  # FRR refreshes from ExaBGP (ROUTE-REFRESH to a 2-octet speaker), then everyone stops
  vty "$F" "clear bgp ipv4 unicast 10.1.0.1 soft in"
  wait_until 20 "ROUTE-REFRESH on the wire" more_than "$pcap" ROUTE-REFRESH 0
  stop_pid "$X" exabgp; stop_pid "$B" bird; frr_stop "$F"
  stop_pid "$F" tcpdump INT
  python3 "$HERE/pcap2hex.py" "$pcap" --name 10.1.0.1=exabgp --name 10.1.0.2=frr --name 10.2.0.1=frr --name 10.2.0.2=bird \
    --header "Captured by lab/capture/capture.sh on $(date -u +%Y-%m-%d) with tcpdump -i any in FRR's namespace (both of its links)." \
    --header "ExaBGP $(ver_exabgp) AS 65010 at 10.1.0.1, 2-octet only (asn4 disable), add-path send: 203.0.113.0/24 twice (path ids 1, 2), one with unknown attribute 0xf0 (optional transitive), AGGREGATOR, ATOMIC_AGGREGATE." \
    --header "FRR ($(ver_frr)) AS 4200000001 at 10.1.0.2 / 10.2.0.1: AS_TRANS + AS4_PATH towards ExaBGP; addpath-tx-all-paths to BIRD; passes 0xf0 on with the Partial bit." \
    --header "BIRD ($(ver_bird)) AS 4200000002 at 10.2.0.2 with add paths rx. ROUTE-REFRESH from FRR to ExaBGP; stopped by SIGTERM." \
    >"$OUT/$name.hex"
  lab_log "wrote $OUT/$name.hex: $(grep -m1 '^# messages' "$OUT/$name.hex")"
  ns_del "$X"; ns_del "$F"; ns_del "$B"
}

PAIRS=${PAIRS-"frr:bird frr:gobgp gobgp:bird"}
MODES=${MODES-"ebgp ibgp"}
for p in $PAIRS; do
  for m in $MODES; do
    capture "${p%:*}" "${p#*:}" "$m"
  done
done
[ "${UNNUMBERED:-1}" = 1 ] && capture_unnumbered
[ "${SPECIALS:-1}" = 1 ] && capture_specials
exit 0
