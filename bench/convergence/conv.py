#!/usr/bin/env python3
"""Measuring helpers for the convergence benchmark (lab/bench.sh, `lab/demo.sh bench`).

  conv.py wait LOG PREFIX T0_US COND TIMEOUT_S
      LOG is the output of `ip -ts monitor route` in the spine's namespace (written while the event
      runs). Prints the milliseconds from T0_US (epoch microseconds, taken just before the event)
      to the timestamp of the first route notification for PREFIX, at or after T0, after which the
      route's next hops satisfy COND; "timeout" (exit 1) when none does within TIMEOUT_S.
      COND: only=A[,B...] (exactly these next hops), has=A (A among them), lacks=A (A not among
      them, or no route), gone (no route).  Next hops flagged dead/linkdown do not count.
      The state before T0 is replayed from the log, so a notification that changes nothing is
      never mistaken for the event.
  conv.py probe ADDR PORT EXPECT READY_FILE TIMEOUT_S
      In the client's namespace: opens a new connection to ADDR:PORT every 2 ms (HTTP/1.0 GET, new
      source port each, many in flight, each given up after 1 s) until an answer contains EXPECT;
      prints the epoch microseconds when that answer arrived. Writes READY_FILE once it runs (so that its start-up is not measured).
  conv.py stats RESULTS_FILE
      RESULTS_FILE has lines "EVENT<TAB>MS" (MS may be "timeout"); prints a Markdown table with
      n, median, p90, min, max per event, in the order the events first appear.
"""
import datetime
import os
import selectors
import socket
import statistics
import sys
import time


def parse_monitor(path):
    """Yields (epoch_us, prefix, hops or None for a delete) for each route notification."""
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            lines = f.read().split("\n")
    except FileNotFoundError:
        return
    entry = None
    for line in lines + ["[end]"]:
        if line.startswith("\t") or line.startswith(" "):
            if entry is not None:
                entry[1].append(line.strip())
            continue
        if entry is not None:
            yield finish(entry)
            entry = None
        if not line.startswith("[") or "]" not in line:
            continue
        stamp, rest = line[1:].split("]", 1)
        if stamp == "end":
            break
        try:
            t = datetime.datetime.fromisoformat(stamp).timestamp()
        except ValueError:
            continue
        entry = (int(round(t * 1e6)), [rest.strip()])


def finish(entry):
    t, parts = entry
    head = parts[0]
    deleted = head.startswith("Deleted ")
    if deleted:
        head = head[len("Deleted "):]
    words = head.split()
    prefix = words[0] if words else ""
    if "/" not in prefix and prefix not in ("default", "local", "broadcast", "unreachable", "blackhole"):
        prefix += "/32" if ":" not in prefix else "/128"
    if words and words[0] in ("local", "broadcast", "unreachable", "blackhole", "multicast", "anycast"):
        prefix = "other"  # not a unicast route of the main table
    if "table" in words:
        prefix = "other"
    hops = set()
    for segment in [head] + parts[1:]:
        w = segment.split()
        if "dead" in w or "linkdown" in w:
            continue
        for i, word in enumerate(w[:-1]):
            if word == "via" and w[i + 1] not in ("inet", "inet6"):
                hops.add(w[i + 1])
            elif word == "via" and i + 2 < len(w):
                hops.add(w[i + 2])
    return t, prefix, None if deleted else hops


def satisfied(cond, hops):
    hops = hops or set()
    if cond == "gone":
        return not hops
    kind, _, arg = cond.partition("=")
    want = set(a for a in arg.split(",") if a)
    if kind == "only":
        return hops == want
    if kind == "has":
        return want <= hops
    if kind == "lacks":
        return not (want & hops)
    raise SystemExit(f"unknown condition {cond!r}")


def cmd_wait(log, prefix, t0_us, cond, timeout_s):
    if "/" not in prefix:
        prefix += "/32"
    t0_us = int(t0_us)
    deadline = time.monotonic() + float(timeout_s)
    while True:
        state = None
        for t, p, hops in parse_monitor(log):
            if p != prefix:
                continue
            state = hops
            if t >= t0_us and satisfied(cond, state):
                print(round((t - t0_us) / 1000))
                return 0
        if time.monotonic() > deadline:
            print("timeout")
            return 1
        time.sleep(0.01)  # the log is written by `ip monitor`; read it again


def cmd_probe(addr, port, expect, ready, timeout_s):
    """A new connection every 2 ms (non-blocking, many in flight), so that one caught in the move
    (its peer gone, waiting for a retransmission) never hides the first answer of the new node."""
    port = int(port)
    debug = bool(os.environ.get("CONV_DEBUG"))
    deadline = time.monotonic() + float(timeout_s)
    request = b"GET / HTTP/1.0\r\nHost: vip\r\n\r\n"
    sel = selectors.DefaultSelector()
    with open(ready, "w", encoding="ascii") as f:
        f.write("ready\n")
    next_start = 0.0
    try:
        while time.monotonic() < deadline:
            now = time.monotonic()
            if now >= next_start and len(sel.get_map()) < 200:
                next_start = now + 0.002
                s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                s.setblocking(False)
                try:
                    s.connect_ex((addr, port))
                    sel.register(s, selectors.EVENT_WRITE, {"start": now, "sent": False, "data": b""})
                except OSError:
                    s.close()
            for key, _ in sel.select(timeout=0.001):
                s, st = key.fileobj, key.data
                try:
                    if not st["sent"]:
                        err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                        if err:
                            raise OSError(err, os.strerror(err))
                        s.send(request)
                        st["sent"] = True
                        sel.modify(s, selectors.EVENT_READ, st)
                        continue
                    chunk = s.recv(4096)
                    if chunk:
                        st["data"] += chunk
                        continue
                    sel.unregister(s)
                    s.close()
                    if debug:
                        print(f"{time.time():.6f} answer {st['data'][-14:]!r}", file=sys.stderr)
                    if expect.encode() in st["data"]:
                        print(int(time.time() * 1e6))
                        return 0
                except OSError as e:
                    if debug:
                        print(f"{time.time():.6f} {e!r}", file=sys.stderr)
                    sel.unregister(s)
                    s.close()
            now = time.monotonic()
            for key in list(sel.get_map().values()):
                if now - key.data["start"] > 1.0:
                    sel.unregister(key.fileobj)
                    key.fileobj.close()
    finally:
        for key in list(sel.get_map().values()):
            key.fileobj.close()
    print("timeout")
    return 1


def pct(values, q):
    s = sorted(values)
    if not s:
        return None
    k = (len(s) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def cmd_stats(path):
    order, data, timeouts = [], {}, {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            if "\t" not in line:
                continue
            event, value = line.rstrip("\n").split("\t", 1)
            if event not in data:
                order.append(event)
                data[event], timeouts[event] = [], 0
            if value.strip().lstrip("-").isdigit():
                data[event].append(int(value))
            else:
                timeouts[event] += 1
    print("| event | n | median ms | p90 ms | min ms | max ms |")
    print("|---|---:|---:|---:|---:|---:|")
    for e in order:
        v = data[e]
        n = f"{len(v)}" + (f" (+{timeouts[e]} timeout)" if timeouts[e] else "")
        if not v:
            print(f"| {e} | {n} | – | – | – | – |")
            continue
        print(f"| {e} | {n} | {statistics.median(v):.0f} | {pct(v, 0.9):.0f} | {min(v)} | {max(v)} |")
    return 0


def main(argv):
    if len(argv) >= 2 and argv[1] == "wait" and len(argv) == 7:
        return cmd_wait(*argv[2:])
    if len(argv) >= 2 and argv[1] == "probe" and len(argv) == 7:
        return cmd_probe(*argv[2:])
    if len(argv) == 3 and argv[1] == "stats":
        return cmd_stats(argv[2])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
