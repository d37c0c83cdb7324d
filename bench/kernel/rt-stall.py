"""How long the kernel keeps a real-time thread waiting while routes are inserted, with inline
gateways ("gw") or through one nexthop object ("nh"). No daemon: a sender pre-encodes N IPv4 /28
routes (proto bgp, metric 20, via 10.9.0.2 on a veth) and sends them 256 per sendmsg with one ACK per
datagram, as stackbgpd does; meanwhile a SCHED_FIFO thread sleeps 2 ms in a loop and records how
late each wake-up is. Run as root: python3 bench/kernel/rt-stall.py [--count 1000000] [--rounds 2]
It creates and deletes its own namespace (rtstall-PID)."""
import argparse, os, socket, struct, subprocess, threading, time

def rta(t, data):
    n = 4 + len(data)
    return struct.pack("=HH", n, t) + data + b"\0" * ((4 - n % 4) % 4)

def datagrams(mode, count, ifindex):
    out = []
    for c in range(0, count, 256):
        msgs = []
        last = min(c + 256, count) - 1
        for i in range(c, last + 1):
            attrs = rta(1, struct.pack("!I", (11 << 24) + (i << 4))) + rta(6, struct.pack("=I", 20))
            attrs += rta(5, socket.inet_aton("10.9.0.2")) + rta(4, struct.pack("=I", ifindex)) if mode == "gw" else rta(30, struct.pack("=I", 5))
            body = struct.pack("=BBBBBBBBI", 2, 28, 0, 0, 254, 186, 0, 1, 0) + attrs
            flags = 0x1 | 0x400 | 0x100 | (0x4 if i == last else 0)
            msgs.append(struct.pack("=IHHII", 16 + len(body), 24, flags, i + 1, 0) + body)
        out.append(b"".join(msgs))
    return out

def probe(stop, lates):
    os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(10))
    while not stop.is_set():
        t = time.monotonic()
        time.sleep(0.002)
        lates.append((time.monotonic() - t - 0.002) * 1000)

def run(mode, count):
    """Inside the namespace (the script re-runs itself under `ip netns exec`)."""
    ip = lambda *a: subprocess.run(["ip", *a], check=False, capture_output=True)
    ip("nexthop", "flush"); ip("route", "flush", "proto", "bgp")
    ip("nexthop", "add", "id", "5", "via", "10.9.0.2", "dev", "v0")
    grams = datagrams(mode, count, socket.if_nametoindex("v0"))
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0)
    s.setsockopt(socket.SOL_SOCKET, 33, 8 << 20)
    stop, lates = threading.Event(), []
    th = threading.Thread(target=probe, args=(stop, lates)); th.start()
    time.sleep(0.2)
    t0 = time.monotonic()
    for g in grams:
        s.send(g)
        r = s.recv(1 << 16)
        if struct.unpack_from("=i", r, 16)[0] != 0:
            raise SystemExit(f"kernel refused a route: errno {-struct.unpack_from('=i', r, 16)[0]}")
    took = time.monotonic() - t0
    time.sleep(0.2); stop.set(); th.join(); s.close()
    lates.sort(); n = len(lates)
    print(f"{mode}: {count} routes in {took:.2f} s; real-time wake-ups {n}, late by p99 {lates[int(n * .99)]:.1f} ms, "
          f"p99.9 {lates[int(n * .999)]:.1f} ms, max {lates[-1]:.1f} ms", flush=True)
    ip("route", "flush", "proto", "bgp"); ip("nexthop", "flush")

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--count", type=int, default=1000000)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.inner:
        for _ in range(a.rounds):
            for mode in ("gw", "nh"):
                run(mode, a.count)
        return
    ns = f"rtstall-{os.getpid()}"
    sh = lambda *c: subprocess.run(c, check=True)
    sh("ip", "netns", "add", ns)
    try:
        sh("ip", "-n", ns, "link", "add", "v0", "type", "veth", "peer", "name", "v1")
        sh("ip", "-n", ns, "link", "set", "v0", "up"); sh("ip", "-n", ns, "link", "set", "v1", "up")
        sh("ip", "-n", ns, "addr", "add", "10.9.0.1/24", "dev", "v0")
        sh("ip", "netns", "exec", ns, "python3", os.path.abspath(__file__), "--inner", "--count", str(a.count), "--rounds", str(a.rounds))
    finally:
        subprocess.run(["ip", "netns", "del", ns])

if __name__ == "__main__":
    main()
