using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace StackBgp.Bench.Daemon;

/// <summary>
/// <c>fibwatch --count N [--protocol 186] [--timeout 900]</c>: the kernel-side monitor of
/// bench/kernel/fib-install.sh. Counts the distinct IPv4 routes of one protocol arriving in table main
/// of the current network namespace from RTNLGRP_IPV4_ROUTE notifications (run it with
/// <c>ip netns exec NS</c>). Prints <c>READY</c> once subscribed, <c>FIRST ts</c> at the first route and
/// <c>DONE ts n</c> when the N-th distinct prefix is reported (ts = Stopwatch ticks = CLOCK_MONOTONIC ns,
/// the injector's clock). Reads only the message headers and RTA_DST, without allocating per message,
/// so that it keeps up with the kernel (a monitor that lags moves the end later than the daemon's).
/// If the kernel drops notifications (ENOBUFS) it prints <c>OVERFLOW</c> and counts by route dumps
/// every 10 ms instead: the figure is then a polled one.
/// </summary>
internal static partial class FibWatch
{
    private const ushort RtmNewRoute = 24, RtmDelRoute = 25, RtmGetRoute = 26, NlmsgDone = 3, NlmsgError = 2;
    private const int RtnlGroupIpv4Route = 7, SolSocket = 1, SoRcvBufForce = 33;
    private const int AfInet = 2, TableMain = 254, RtaDst = 1;

    public static int Run(Args args)
    {
        int count = args.Int("count", 100_000);
        byte protocol = (byte)args.Int("protocol", 186);
        var deadline = Stopwatch.GetTimestamp() + (long)(args.Double("timeout", 900) * Stopwatch.Frequency);

        using var s = Open(1u << (RtnlGroupIpv4Route - 1));
        s.SetInt(SolSocket, SoRcvBufForce, 256 << 20);
        Console.WriteLine("READY");

        var present = new HashSet<ulong>(count);
        var buf = new byte[1 << 20];
        bool first = false;
        while (Stopwatch.GetTimestamp() < deadline)
        {
            int n = s.Receive(buf);
            if (n == -105) // ENOBUFS: notifications were lost
            {
                Console.WriteLine("OVERFLOW");
                return Poll(count, protocol, deadline);
            }

            if (n <= 0)
            {
                continue;
            }

            Apply(buf.AsSpan(0, n), protocol, present);
            if (!first && present.Count > 0)
            {
                first = true;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"FIRST {Stopwatch.GetTimestamp()}"));
            }

            if (present.Count >= count)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"DONE {Stopwatch.GetTimestamp()} {present.Count}"));
                return 0;
            }
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"TIMEOUT {present.Count}"));
        return 1;
    }

    private static int Poll(int count, byte protocol, long deadline)
    {
        while (Stopwatch.GetTimestamp() < deadline)
        {
            int c = DumpCount(protocol);
            if (c >= count)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"DONE {Stopwatch.GetTimestamp()} {c} polled"));
                return 0;
            }

            Thread.Sleep(10);
        }

        Console.WriteLine("TIMEOUT polled");
        return 1;
    }

    private static int DumpCount(byte protocol)
    {
        using var s = Open(0);
        var req = new byte[28];
        BinaryPrimitives.WriteUInt32LittleEndian(req, 28);
        BinaryPrimitives.WriteUInt16LittleEndian(req.AsSpan(4), RtmGetRoute);
        BinaryPrimitives.WriteUInt16LittleEndian(req.AsSpan(6), 0x301); // REQUEST | DUMP
        BinaryPrimitives.WriteUInt32LittleEndian(req.AsSpan(8), 1);
        req[16] = AfInet;
        s.Send(req);
        var present = new HashSet<ulong>();
        var buf = new byte[1 << 20];
        int n;
        while ((n = s.Receive(buf)) > 0 && !Apply(buf.AsSpan(0, n), protocol, present))
        {
        }

        return present.Count;
    }

    /// <summary>Applies the route messages in <paramref name="buf"/> to <paramref name="present"/>; true at NLMSG_DONE.</summary>
    private static bool Apply(ReadOnlySpan<byte> buf, byte protocol, HashSet<ulong> present)
    {
        int o = 0;
        while (o + 16 <= buf.Length)
        {
            int length = (int)BinaryPrimitives.ReadUInt32LittleEndian(buf[o..]);
            ushort type = BinaryPrimitives.ReadUInt16LittleEndian(buf[(o + 4)..]);
            if (length < 16 || o + length > buf.Length)
            {
                break;
            }

            if (type == NlmsgDone || type == NlmsgError)
            {
                return true;
            }

            if ((type == RtmNewRoute || type == RtmDelRoute) && length >= 28)
            {
                var m = buf.Slice(o, length);
                if (m[16] == AfInet && m[20] == TableMain && m[21] == protocol)
                {
                    uint dst = 0;
                    for (int a = 28; a + 4 <= m.Length;)
                    {
                        int alen = BinaryPrimitives.ReadUInt16LittleEndian(m[a..]);
                        if (alen < 4 || a + alen > m.Length)
                        {
                            break;
                        }

                        if (BinaryPrimitives.ReadUInt16LittleEndian(m[(a + 2)..]) == RtaDst && alen >= 8)
                        {
                            dst = BinaryPrimitives.ReadUInt32BigEndian(m[(a + 4)..]);
                            break;
                        }

                        a += (alen + 3) & ~3;
                    }

                    ulong key = ((ulong)dst << 8) | m[17];
                    if (type == RtmNewRoute)
                    {
                        present.Add(key);
                    }
                    else
                    {
                        present.Remove(key);
                    }
                }
            }

            o += (length + 3) & ~3;
        }

        return false;
    }

    /// <summary>A NETLINK_ROUTE socket joined to <paramref name="groups"/>, with a 1 s receive timeout.</summary>
    private static NlSocket Open(uint groups) => new(groups);

    /// <summary>.NET's Socket class has no AF_NETLINK: the four calls needed, straight from libc.</summary>
    private sealed partial class NlSocket : IDisposable
    {
        private readonly int _fd;

        public unsafe NlSocket(uint groups)
        {
            _fd = socket(16, 3 | 0x80000, 0); // AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE
            if (_fd < 0)
            {
                throw new IOException($"socket(AF_NETLINK): errno {Marshal.GetLastPInvokeError()}");
            }

            Span<byte> sa = stackalloc byte[12];
            sa.Clear();
            sa[0] = 16;
            BinaryPrimitives.WriteUInt32LittleEndian(sa[8..], groups);
            long[] tv = [1, 0]; // SO_RCVTIMEO 1 s
            fixed (byte* p = sa)
            fixed (long* t = tv)
            {
                if (bind(_fd, p, 12) != 0)
                {
                    throw new IOException($"bind(AF_NETLINK): errno {Marshal.GetLastPInvokeError()}");
                }

                _ = setsockopt(_fd, SolSocket, 20, t, 16);
            }
        }

        public unsafe void SetInt(int level, int name, int value) => _ = setsockopt(_fd, level, name, &value, 4);

        /// <summary>Bytes received; 0 on timeout; -errno on other errors.</summary>
        public unsafe int Receive(byte[] buffer)
        {
            fixed (byte* p = buffer)
            {
                nint n = recv(_fd, p, buffer.Length, 0);
                if (n >= 0)
                {
                    return (int)n;
                }

                int errno = Marshal.GetLastPInvokeError();
                return errno is 11 or 4 ? 0 : -errno; // EAGAIN (timeout), EINTR
            }
        }

        public unsafe void Send(byte[] data)
        {
            fixed (byte* p = data)
            {
                if (send(_fd, p, data.Length, 0) != data.Length)
                {
                    throw new IOException($"send(AF_NETLINK): errno {Marshal.GetLastPInvokeError()}");
                }
            }
        }

        public void Dispose() => _ = close(_fd);

        [LibraryImport("libc", SetLastError = true)]
        private static partial int socket(int domain, int type, int protocol);

        [LibraryImport("libc", SetLastError = true)]
        private static unsafe partial int bind(int fd, byte* addr, int len);

        [LibraryImport("libc", SetLastError = true)]
        private static unsafe partial int setsockopt(int fd, int level, int name, void* value, int len);

        [LibraryImport("libc", SetLastError = true)]
        private static unsafe partial nint recv(int fd, byte* buf, nint len, int flags);

        [LibraryImport("libc", SetLastError = true)]
        private static unsafe partial nint send(int fd, byte* buf, nint len, int flags);

        [LibraryImport("libc", SetLastError = true)]
        private static partial int close(int fd);
    }
}
