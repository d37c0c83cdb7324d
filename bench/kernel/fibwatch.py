#!/usr/bin/env python3
"""Counts IPv4 routes of one protocol (default 186 = bgp) arriving in the main table of the
current network namespace, from the kernel's RTNLGRP_IPV4_ROUTE notifications (run it with
`ip netns exec NS`). Prints READY once subscribed, then `FIRST <ns>` (first route seen) and `DONE <ns> <n>` with the CLOCK_MONOTONIC
time (ns, the clock of .NET's Stopwatch in the injector) at which the N-th distinct prefix was
reported. If the kernel drops notifications (ENOBUFS, the socket buffer overflowed) it says
OVERFLOW and switches to counting by route dumps every 10 ms, so the figure is then a polled one.
Usage: fibwatch.py --count N [--protocol 186] [--timeout 900]"""
import argparse, errno, socket, struct, sys, time

RTM_NEWROUTE, RTM_DELROUTE, RTM_GETROUTE = 24, 25, 26
NLMSG_DONE, NLMSG_ERROR = 3, 2
RTNLGRP_IPV4_ROUTE = 7
SOL_SOCKET, SO_RCVBUFFORCE = 1, 33


def parse(buf, proto, present):
    """Applies the route messages in buf to `present`; returns True at NLMSG_DONE."""
    o, done = 0, False
    while o + 16 <= len(buf):
        length, typ = struct.unpack_from("=IH", buf, o)
        if length < 16:
            break
        if typ in (RTM_NEWROUTE, RTM_DELROUTE) and length >= 28:
            family, dst_len, _, _, table, protocol = struct.unpack_from("=BBBBBB", buf, o + 16)
            if family == socket.AF_INET and protocol == proto and table == 254:
                dst = b""
                a = o + 28
                while a + 4 <= o + length:
                    alen, atype = struct.unpack_from("=HH", buf, a)
                    if alen < 4:
                        break
                    if atype == 1:  # RTA_DST
                        dst = bytes(buf[a + 4:a + alen])
                    a += (alen + 3) & ~3
                key = (dst, dst_len)
                if typ == RTM_NEWROUTE:
                    present.add(key)
                else:
                    present.discard(key)
        elif typ == NLMSG_DONE:
            done = True
        o += (length + 3) & ~3
    return done


def dump_count(proto):
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0)
    req = struct.pack("=IHHII", 28, RTM_GETROUTE, 0x301, 1, 0) + struct.pack("=BBBBBBBBI", socket.AF_INET, 0, 0, 0, 0, 0, 0, 0, 0)
    s.send(req)
    present = set()
    while not parse(s.recv(1 << 20), proto, present):
        pass
    s.close()
    return len(present)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--count", type=int, required=True)
    ap.add_argument("--protocol", type=int, default=186)
    ap.add_argument("--timeout", type=float, default=900)
    a = ap.parse_args()
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0)
    s.setsockopt(SOL_SOCKET, SO_RCVBUFFORCE, 256 << 20)
    s.bind((0, 1 << (RTNLGRP_IPV4_ROUTE - 1)))
    print("READY", flush=True)
    present = set()
    first = None
    deadline = time.monotonic() + a.timeout
    buf = bytearray(1 << 20)
    while time.monotonic() < deadline:
        try:
            n = s.recv_into(buf)
        except OSError as e:
            if e.errno != errno.ENOBUFS:
                raise
            print("OVERFLOW", flush=True)
            while time.monotonic() < deadline:
                c = dump_count(a.protocol)
                if c >= a.count:
                    print(f"DONE {time.clock_gettime_ns(time.CLOCK_MONOTONIC)} {c} polled", flush=True)
                    return 0
                time.sleep(0.01)
            break
        parse(memoryview(buf)[:n], a.protocol, present)
        if present and first is None:
            first = time.clock_gettime_ns(time.CLOCK_MONOTONIC)
            print(f"FIRST {first}", flush=True)
        if len(present) >= a.count:
            print(f"DONE {time.clock_gettime_ns(time.CLOCK_MONOTONIC)} {len(present)}", flush=True)
            return 0
    print(f"TIMEOUT {len(present)}", flush=True)
    return 1


if __name__ == "__main__":
    sys.exit(main())
