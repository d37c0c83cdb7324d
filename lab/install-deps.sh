#!/usr/bin/env bash
# Installs the lab's peer daemons and tools when something is missing (Debian 12, root), and puts
# root into FRR's groups so vtysh works. Quick when everything is there already.
set -uo pipefail
# curl (demo and scenario tests talk HTTP to the VIP) and procps (sysctl) are not on a minimal image
packages="frr bird2 gobgpd exabgp openbgpd ovn-central ovn-host openvswitch-switch iproute2 iputils-ping tcpdump python3 curl procps gcc libc6-dev zlib1g-dev"
missing=""
for p in $packages; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  echo "installing:$missing" >&2
  export DEBIAN_FRONTEND=noninteractive
  { apt-get update -q && apt-get install -y -q --no-install-recommends $missing; } >&2 || { echo "package installation failed" >&2; exit 1; }
fi
# vtysh needs root in FRR's groups (LAB.md)
if ! { id -nG root | grep -qw frrvty && id -nG root | grep -qw frr; }; then
  usermod -a -G frr,frrvty root
fi
