#!/usr/bin/env python3
"""Extract BGP messages from a pcap file (tcpdump -w) as lowercase hex, one message per line.

Reassembles the TCP payload per direction (sequence numbers, retransmissions dropped,
out-of-order segments held back), then splits each byte stream into BGP messages using the
16-octet marker and the 2-octet length of the 19-octet header (RFC 4271 section 4.1).
Messages are written in the order they completed on the wire, each preceded by a comment
line naming direction and type. Standard library only.

usage: pcap2hex.py FILE.pcap [--name IP=LABEL ...] [--header TEXT ...] > out.hex
"""
import struct
import sys

TYPES = {1: "OPEN", 2: "UPDATE", 3: "NOTIFICATION", 4: "KEEPALIVE", 5: "ROUTE-REFRESH"}


def packets(path):
    with open(path, "rb") as f:
        head = f.read(24)
        magic = struct.unpack("<I", head[:4])[0]
        if magic in (0xA1B2C3D4, 0xA1B23C4D):
            endian = "<"
        elif magic in (0xD4C3B2A1, 0x4D3CB2A1):
            endian = ">"
        else:
            raise SystemExit(f"{path}: not a pcap file (pcapng is not supported; use tcpdump -w)")
        nano = magic in (0xA1B23C4D, 0x4D3CB2A1)
        linktype = struct.unpack(endian + "I", head[20:24])[0]
        while True:
            rec = f.read(16)
            if len(rec) < 16:
                return
            sec, frac, incl, _orig = struct.unpack(endian + "IIII", rec)
            data = f.read(incl)
            yield sec + frac / (1e9 if nano else 1e6), linktype, data


def ip_payload(linktype, frame):
    """Returns (version, src, dst, proto, payload) or None."""
    if linktype == 1:  # Ethernet
        off, eth = 14, struct.unpack("!H", frame[12:14])[0]
        while eth in (0x8100, 0x88A8):
            eth = struct.unpack("!H", frame[off + 2:off + 4])[0]
            off += 4
    elif linktype == 113:  # Linux cooked (any)
        off, eth = 16, struct.unpack("!H", frame[14:16])[0]
    elif linktype == 276:  # Linux cooked v2
        off, eth = 20, struct.unpack("!H", frame[0:2])[0]
    elif linktype in (12, 101):  # raw IP
        off, eth = 0, 0x0800 if frame[0] >> 4 == 4 else 0x86DD
    else:
        raise SystemExit(f"unsupported link type {linktype}")
    pkt = frame[off:]
    if eth == 0x0800:
        ihl = (pkt[0] & 0x0F) * 4
        total = struct.unpack("!H", pkt[2:4])[0]
        return 4, fmt_ip(pkt[12:16]), fmt_ip(pkt[16:20]), pkt[9], pkt[ihl:total]
    if eth == 0x86DD:
        plen = struct.unpack("!H", pkt[4:6])[0]
        nxt, off6 = pkt[6], 40
        while nxt in (0, 43, 60):  # hop-by-hop, routing, destination options
            nxt, off6 = pkt[off6], off6 + (pkt[off6 + 1] + 1) * 8
        return 6, fmt_ip(pkt[8:24]), fmt_ip(pkt[24:40]), nxt, pkt[off6:40 + plen]
    return None


def fmt_ip(b):
    if len(b) == 4:
        return ".".join(str(x) for x in b)
    import ipaddress
    return str(ipaddress.IPv6Address(bytes(b)))


class Flow:
    def __init__(self):
        self.next_seq = None
        self.pending = {}
        self.buf = bytearray()


def main(argv):
    path, names, headers = None, {}, []
    i = 1
    while i < len(argv):
        if argv[i] == "--name":
            ip, label = argv[i + 1].split("=", 1)
            names[ip] = label
            i += 2
        elif argv[i] == "--header":
            headers.append(argv[i + 1])
            i += 2
        else:
            path = argv[i]
            i += 1
    if path is None:
        raise SystemExit(__doc__)
    flows, out, counts = {}, [], {}
    for ts, linktype, frame in packets(path):
        parsed = ip_payload(linktype, frame)
        if parsed is None or parsed[3] != 6:
            continue
        _v, src, dst, _p, tcp = parsed
        sport, dport, seq = struct.unpack("!HHI", tcp[:8])
        flags = tcp[13]
        doff = (tcp[12] >> 4) * 4
        payload = bytes(tcp[doff:])
        key = (src, sport, dst, dport)
        fl = flows.setdefault(key, Flow())
        if flags & 0x02:  # SYN: a new connection on this 4-tuple
            fl.next_seq = (seq + 1) & 0xFFFFFFFF
            fl.pending.clear()
            fl.buf.clear()
            continue
        if fl.next_seq is None or not payload:
            continue
        fl.pending[seq] = payload
        # deliver every segment that starts at or before next_seq (trimming overlap)
        progressed = True
        while progressed:
            progressed = False
            for s in list(fl.pending):
                rel = (s - fl.next_seq) & 0xFFFFFFFF
                data = fl.pending[s]
                if rel == 0 or rel > 0x7FFFFFFF:  # at or behind next_seq
                    del fl.pending[s]
                    skip = 0 if rel == 0 else (0x100000000 - rel)
                    if skip < len(data):
                        fl.buf += data[skip:]
                        fl.next_seq = (fl.next_seq + len(data) - skip) & 0xFFFFFFFF
                    progressed = True
        while len(fl.buf) >= 19:
            if fl.buf[:16] != b"\xff" * 16:
                raise SystemExit(f"{path}: stream {key} lost BGP framing (no marker)")
            length = struct.unpack("!H", fl.buf[16:18])[0]
            if length < 19 or len(fl.buf) < length:
                break
            msg = bytes(fl.buf[:length])
            del fl.buf[:length]
            t = TYPES.get(msg[18], f"type {msg[18]}")
            counts[t] = counts.get(t, 0) + 1
            who = f"{names.get(src, src)} -> {names.get(dst, dst)}"
            out.append((ts, who, t, msg))
    for h in headers:
        print(f"# {h}")
    print("# messages: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    for _ts, who, t, msg in out:
        print(f"# {who} {t}")
        print(msg.hex())


if __name__ == "__main__":
    main(sys.argv)
