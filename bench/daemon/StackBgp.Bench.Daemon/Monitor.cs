using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace StackBgp.Bench.Daemon;

/// <summary>
/// <c>monitor (--connect ADDR --local ADDR | --listen ADDR [--sessions K]) --expect N [--as 65100] [--quiet 2] [--timeout 900]</c>.
/// Counts the distinct IPv4 unicast prefixes currently announced (body NLRI and MP_REACH, minus
/// withdrawals) without decoding anything else. Done when all N are present and no UPDATE has
/// arrived for <c>quiet</c> seconds; then prints
/// <c>DONE reach=TS last=TS present=… announced=… withdrawn=… updates=…</c> where <c>reach</c> is
/// when the N-th distinct prefix arrived and <c>last</c> is the arrival of the last UPDATE that
/// carried any route (so <c>last</c> = "quiet for Q s" minus Q s). End-of-RIB markers do not count.
/// </summary>
internal static class Monitor
{
    private static readonly Lock Gate = new();
    private static HashSet<ulong> _present = [];
    private static int _expect;
    private static long _reach;
    private static long _last;
    private static long _announced;
    private static long _withdrawn;
    private static long _updates;

    public static int Run(Args args)
    {
        _expect = args.Int("expect", 100_000);
        uint localAs = (uint)args.Int("as", 65100);
        double quiet = args.Double("quiet", 2);
        double timeout = args.Double("timeout", 900);
        _present = new HashSet<ulong>(_expect);
        var sessions = new List<BgpConnection>();
        if (args.Has("listen"))
        {
            IPAddress addr = IPAddress.Parse(args.Get("listen"));
            using var listener = new Socket(addr.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            listener.Bind(new IPEndPoint(addr, args.Int("port", 179)));
            listener.Listen(64);
            Console.WriteLine("LISTENING");
            int k = args.Int("sessions", 1);
            for (int i = 0; i < k; i++)
            {
                BgpConnection c = BgpConnection.Accept(listener);
                c.Establish(localAs, Args.ToUInt(addr));
                sessions.Add(c);
            }
        }
        else
        {
            IPAddress local = IPAddress.Parse(args.Get("local"));
            sessions.Add(BgpConnection.ConnectAndEstablish(local, IPAddress.Parse(args.Get("connect")), args.Int("port", 179), localAs, TimeSpan.FromSeconds(60)));
        }

        for (int i = 0; i < sessions.Count; i++)
        {
            sessions[i].Run(OnMessage, "monitor " + i.ToString(CultureInfo.InvariantCulture));
        }

        Console.WriteLine("ESTABLISHED");
        long quietTicks = (long)(quiet * Stopwatch.Frequency);
        long deadline = Stopwatch.GetTimestamp() + (long)(timeout * Stopwatch.Frequency);
        long nextProgress = Stopwatch.GetTimestamp() + (5 * Stopwatch.Frequency);
        while (true)
        {
            Thread.Sleep(5); // polling a counter; the reader threads carry the timestamps
            long now = Stopwatch.GetTimestamp();
            lock (Gate)
            {
                if (_present.Count == _expect && now - _last >= quietTicks)
                {
                    Console.WriteLine(Line("DONE"));
                    return 0;
                }

                if (now > deadline)
                {
                    Console.WriteLine(Line("TIMEOUT"));
                    return 1;
                }

                if (now > nextProgress)
                {
                    Console.Error.WriteLine("monitor: " + Line("progress"));
                    nextProgress = now + (5 * Stopwatch.Frequency);
                }
            }
        }
    }

    private static string Line(string what) => string.Create(
        CultureInfo.InvariantCulture,
        $"{what} reach={_reach} last={_last} present={_present.Count} announced={_announced} withdrawn={_withdrawn} updates={_updates} cpu={Environment.CpuUsage.TotalTime.TotalSeconds:F2}");

    // RFC 4271 §4.3 UPDATE: withdrawn length, withdrawn routes, attributes length, attributes, NLRI.
    private static void OnMessage(ReadOnlySpan<byte> m, long now)
    {
        if (m[18] != 2)
        {
            return;
        }

        int w = BinaryPrimitives.ReadUInt16BigEndian(m[19..]);
        ReadOnlySpan<byte> withdrawn = m.Slice(21, w);
        int a = BinaryPrimitives.ReadUInt16BigEndian(m[(21 + w)..]);
        ReadOnlySpan<byte> attrs = m.Slice(23 + w, a);
        ReadOnlySpan<byte> nlri = m[(23 + w + a)..];
        ReadOnlySpan<byte> mpReach = default;
        ReadOnlySpan<byte> mpUnreach = default;
        while (attrs.Length >= 3)
        {
            byte flags = attrs[0];
            byte code = attrs[1];
            int hdr = (flags & 0x10) != 0 ? 4 : 3;
            int len = hdr == 4 ? BinaryPrimitives.ReadUInt16BigEndian(attrs[2..]) : attrs[2];
            ReadOnlySpan<byte> value = attrs.Slice(hdr, len);

            // RFC 4760 §3/§4: AFI 1 SAFI 1 only
            if (code == 14 && value.Length >= 5 && value[0] == 0 && value[1] == 1 && value[2] == 1)
            {
                int nh = value[3];
                mpReach = value[(5 + nh)..];
            }
            else if (code == 15 && value.Length >= 3 && value[0] == 0 && value[1] == 1 && value[2] == 1)
            {
                mpUnreach = value[3..];
            }

            attrs = attrs[(hdr + len)..];
        }

        if (withdrawn.IsEmpty && nlri.IsEmpty && mpReach.IsEmpty && mpUnreach.IsEmpty)
        {
            return; // End-of-RIB (RFC 4724 §2) or an attribute-only message
        }

        lock (Gate)
        {
            _updates++;
            _last = now;
            Withdraw(withdrawn);
            Withdraw(mpUnreach);
            Announce(nlri);
            Announce(mpReach);
            if (_reach == 0 && _present.Count == _expect)
            {
                _reach = now;
            }
        }
    }

    private static void Announce(ReadOnlySpan<byte> nlri)
    {
        while (nlri.Length > 0)
        {
            _present.Add(Key(ref nlri));
            _announced++;
        }
    }

    private static void Withdraw(ReadOnlySpan<byte> nlri)
    {
        while (nlri.Length > 0)
        {
            _present.Remove(Key(ref nlri));
            _withdrawn++;
        }
    }

    private static ulong Key(ref ReadOnlySpan<byte> nlri)
    {
        int len = nlri[0];
        int n = (len + 7) / 8;
        uint addr = 0;
        for (int i = 0; i < n; i++)
        {
            addr |= (uint)nlri[1 + i] << (24 - (8 * i));
        }

        nlri = nlri[(1 + n)..];
        return ((ulong)addr << 8) | (uint)len;
    }
}
