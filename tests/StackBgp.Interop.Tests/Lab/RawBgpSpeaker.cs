using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;

namespace StackBgp.Interop.Tests.Lab;

/// <summary>
/// A scriptable BGP endpoint for raw and malformed messages: a small Python relay inside the namespace
/// opens a TCP connection to a peer, sends whatever bytes it is given and reports every message it
/// receives (split by the 19-octet header, RFC 4271 §4.1). Nothing is answered automatically.
/// </summary>
public sealed class RawBgpSpeaker : IDisposable
{
    private const string Relay = """
        import os, socket, struct, sys, threading, time
        peer, port, local = sys.argv[1], int(sys.argv[2]), sys.argv[3]
        rcvbuf = int(sys.argv[4]) if len(sys.argv) > 4 else 0
        s = socket.socket(socket.AF_INET6 if ':' in peer else socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf > 0:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        reading = threading.Event()
        reading.set()
        if local != '-':
            s.bind((local, 0))
        s.settimeout(10)
        try:
            s.connect((peer, port))
        except OSError as e:
            print('error ' + str(e), flush=True)
            sys.exit(1)
        s.settimeout(None)
        print('connected', flush=True)
        def reader():
            buf = b''
            while True:
                reading.wait()
                try:
                    d = s.recv(65536)
                except OSError as e:
                    d = b''
                if not d:
                    if buf:
                        print('partial ' + buf.hex(), flush=True)
                    print('closed', flush=True)
                    os._exit(0)
                buf += d
                while len(buf) >= 19:
                    n = struct.unpack('!H', buf[16:18])[0]
                    if n < 19 or len(buf) < n:
                        break
                    print('recv ' + buf[:n].hex(), flush=True)
                    buf = buf[n:]
        def keepalives(every):
            while True:
                time.sleep(every)
                try:
                    s.sendall(b'\xff' * 16 + b'\x00\x13\x04')
                except OSError:
                    return
        threading.Thread(target=reader, daemon=True).start()
        for line in sys.stdin:
            cmd, _, arg = line.strip().partition(' ')
            try:
                if cmd == 'send':
                    s.sendall(bytes.fromhex(arg))
                elif cmd == 'pause':
                    reading.clear()
                elif cmd == 'keepalive':
                    threading.Thread(target=keepalives, args=(float(arg),), daemon=True).start()
                elif cmd == 'close':
                    s.shutdown(socket.SHUT_WR)
            except OSError as e:
                print('error ' + str(e), flush=True)
        """;

    private readonly Process _process;
    private readonly ConcurrentQueue<byte[]> _received = new();
    private readonly ConcurrentQueue<string> _events = new();
    private volatile bool _connected;
    private volatile bool _closed;

    private RawBgpSpeaker(Process process) => _process = process;

    /// <summary>Every complete message received so far, in order.</summary>
    public IReadOnlyList<byte[]> Received => [.. _received];

    /// <summary>True once the peer closed the connection (or it failed).</summary>
    public bool Closed => _closed;

    /// <summary>The relay's own events ("connected", "closed", "error …") for failure messages.</summary>
    public string Events => string.Join("\n", _events);

    /// <summary>Connects from <paramref name="ns"/> to <paramref name="peer"/>:<paramref name="port"/> (optionally from <paramref name="local"/>).</summary>
    public static RawBgpSpeaker Connect(NetNs ns, string peer, string? local = null, int port = 179) => Connect(ns, peer, local, port, receiveBuffer: 0);

    /// <summary>As <see cref="Connect(NetNs, string, string?, int)"/>, with SO_RCVBUF set to <paramref name="receiveBuffer"/> octets first (0 = default).</summary>
    public static RawBgpSpeaker Connect(NetNs ns, string peer, string? local, int port, int receiveBuffer)
    {
        ArgumentNullException.ThrowIfNull(ns);
        string script = Path.Combine(ns.WorkDir, "rawbgp.py");
        File.WriteAllText(script, Relay);
        var psi = new ProcessStartInfo("ip")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string a in new[] { "netns", "exec", ns.Name, "/usr/bin/python3", "-u", script, peer, port.ToString(System.Globalization.CultureInfo.InvariantCulture), local ?? "-",
                     receiveBuffer.ToString(System.Globalization.CultureInfo.InvariantCulture) })
        {
            psi.ArgumentList.Add(a);
        }

        var p = new Process { StartInfo = psi };
        var raw = new RawBgpSpeaker(p);
        p.OutputDataReceived += (_, e) => raw.OnLine(e.Data);
        p.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                raw._events.Enqueue("stderr: " + e.Data);
            }
        };
        p.Start();
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        try
        {
            Poll.Until(() => raw._connected || raw._closed || p.HasExited, TimeSpan.FromSeconds(15),
                () => $"TCP connection from {ns.Name} to {peer}:{port}; events:\n{raw.Events}");
            if (!raw._connected)
            {
                throw new LabException($"raw BGP connection from {ns.Name} to {peer}:{port} failed:\n{raw.Events}");
            }
        }
        catch
        {
            raw.Dispose();
            throw;
        }

        return raw;
    }

    /// <summary>Sends bytes as they are (one or more messages, or garbage).</summary>
    public void Send(ReadOnlySpan<byte> bytes) => Command("send " + Convert.ToHexStringLower(bytes));

    /// <summary>Stops reading from the socket (the peer's data piles up in the kernel buffers): a peer that hangs on receive.</summary>
    public void StopReading() => Command("pause");

    /// <summary>Sends a KEEPALIVE every <paramref name="interval"/> from now on (so our side's hold timer never expires).</summary>
    public void SendKeepalivesEvery(TimeSpan interval) =>
        Command("keepalive " + interval.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>Half-closes the connection (FIN) after what was sent.</summary>
    public void Close() => Command("close");

    private void Command(string line)
    {
        try
        {
            _process.StandardInput.WriteLine(line);
            _process.StandardInput.Flush();
        }
        catch (IOException e)
        {
            throw new LabException($"raw BGP connection is gone (peer closed it?); events:\n{Events}", e);
        }
    }

    /// <summary>Waits for the first received message of <paramref name="type"/> that <paramref name="match"/> accepts.</summary>
    public byte[] WaitFor(byte type, TimeSpan timeout, Func<byte[], bool>? match = null)
    {
        byte[]? found = null;
        Poll.Until(
            () =>
            {
                found = _received.FirstOrDefault(m => m[18] == type && (match is null || match(m)));
                return found is not null;
            },
            timeout,
            () => $"a BGP message of type {type}; received types [{string.Join(",", _received.Select(m => m[18]))}]; events:\n{Events}");
        return found!;
    }

    // ---- message builders (RFC 4271 §4) ----

    /// <summary>19-octet header + body: marker of all ones, length, type.</summary>
    public static byte[] Message(byte type, ReadOnlySpan<byte> body)
    {
        byte[] m = new byte[19 + body.Length];
        m.AsSpan(0, 16).Fill(0xff);
        BinaryPrimitives.WriteUInt16BigEndian(m.AsSpan(16), (ushort)m.Length);
        m[18] = type;
        body.CopyTo(m.AsSpan(19));
        return m;
    }

    public static byte[] Keepalive() => Message(4, []);

    /// <summary>
    /// An OPEN with multiprotocol capabilities for the given AFI/SAFI pairs (default IPv4 unicast) and the
    /// 4-octet AS capability (RFC 6793); AS_TRANS in My AS when <paramref name="asn"/> needs 4 octets.
    /// </summary>
    public static byte[] Open(uint asn, ushort holdTime, IPAddress routerId, params (ushort Afi, byte Safi)[] families) =>
        OpenWithCapabilities(asn, holdTime, routerId, [], families);

    /// <summary>As <see cref="Open"/>, plus the route refresh capability (RFC 2918, code 2).</summary>
    public static byte[] OpenWithRouteRefresh(uint asn, ushort holdTime, IPAddress routerId, params (ushort Afi, byte Safi)[] families) =>
        OpenWithCapabilities(asn, holdTime, routerId, [2, 0], families);

    /// <summary>A ROUTE-REFRESH (RFC 2918) for one AFI/SAFI.</summary>
    public static byte[] RouteRefresh(ushort afi = 1, byte safi = 1) => Message(5, [(byte)(afi >> 8), (byte)afi, 0, safi]);

    private static byte[] OpenWithCapabilities(uint asn, ushort holdTime, IPAddress routerId, byte[] extraCapabilities, (ushort Afi, byte Safi)[] families)
    {
        ArgumentNullException.ThrowIfNull(routerId);
        if (families.Length == 0)
        {
            families = [(1, 1)];
        }

        var caps = new List<byte>();
        foreach ((ushort afi, byte safi) in families)
        {
            caps.AddRange([1, 4, (byte)(afi >> 8), (byte)afi, 0, safi]);
        }

        caps.AddRange([65, 4, (byte)(asn >> 24), (byte)(asn >> 16), (byte)(asn >> 8), (byte)asn]);
        caps.AddRange(extraCapabilities);
        var body = new List<byte> { 4 };
        ushort myAs = asn > 0xffff ? (ushort)23456 : (ushort)asn;
        body.AddRange([(byte)(myAs >> 8), (byte)myAs, (byte)(holdTime >> 8), (byte)holdTime]);
        body.AddRange(routerId.GetAddressBytes());
        body.Add((byte)(caps.Count + 2));
        body.Add(2);
        body.Add((byte)caps.Count);
        body.AddRange(caps);
        return Message(1, body.ToArray());
    }

    /// <summary>
    /// An IPv4 UPDATE announcing <paramref name="prefixes"/> with ORIGIN IGP, a one-segment AS_SEQUENCE of
    /// 4-octet ASNs, NEXT_HOP and any extra raw attributes (flags, code, value already encoded).
    /// </summary>
    public static byte[] UpdateIpv4(IReadOnlyList<uint> asPath, IPAddress nextHop, IEnumerable<string> prefixes, params byte[][] extraAttributes)
    {
        ArgumentNullException.ThrowIfNull(asPath);
        ArgumentNullException.ThrowIfNull(nextHop);
        var attrs = new List<byte> { 0x40, 1, 1, 0 };
        attrs.AddRange([0x40, 2, (byte)(2 + (4 * asPath.Count)), 2, (byte)asPath.Count]);
        foreach (uint a in asPath)
        {
            attrs.AddRange([(byte)(a >> 24), (byte)(a >> 16), (byte)(a >> 8), (byte)a]);
        }

        attrs.AddRange([0x40, 3, 4]);
        attrs.AddRange(nextHop.GetAddressBytes());
        foreach (byte[] x in extraAttributes)
        {
            attrs.AddRange(x);
        }

        var body = new List<byte> { 0, 0, (byte)(attrs.Count >> 8), (byte)attrs.Count };
        body.AddRange(attrs);
        foreach (string p in prefixes)
        {
            string[] parts = p.Split('/');
            int len = int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture);
            body.Add((byte)len);
            body.AddRange(IPAddress.Parse(parts[0]).GetAddressBytes().Take((len + 7) / 8));
        }

        return Message(2, body.ToArray());
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                _process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
            // already gone
        }

        _process.Dispose();
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            _closed = true;
            return;
        }

        if (line.StartsWith("recv ", StringComparison.Ordinal))
        {
            _received.Enqueue(Convert.FromHexString(line.AsSpan(5)));
            return;
        }

        _events.Enqueue(line);
        if (line == "connected")
        {
            _connected = true;
        }
        else if (line == "closed" || line.StartsWith("error", StringComparison.Ordinal))
        {
            _closed = true;
        }
    }
}
