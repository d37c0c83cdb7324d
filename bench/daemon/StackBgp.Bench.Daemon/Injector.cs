using System.Diagnostics;
using System.Globalization;
using System.Net;

namespace StackBgp.Bench.Daemon;

/// <summary>
/// <c>inject --remote ADDR --local A1[,A2…] --count N [--seed S] [--first-as 65001] [--port 179]</c>:
/// one session per local address (AS first-as+k), every UPDATE encoded before connecting, then
/// all sessions blast their streams at once in 256 KiB writes. Prints <c>ESTABLISHED</c>,
/// <c>START ts</c> (the first UPDATE byte handed to the kernel, Stopwatch ticks = CLOCK_MONOTONIC ns)
/// and <c>SENT ts</c>, then keeps the sessions up (draining what the daemon sends) until killed.
/// </summary>
internal static class Injector
{
    private const int Chunk = 256 * 1024;

    public static int Run(Args args)
    {
        IPAddress remote = IPAddress.Parse(args.Get("remote"));
        IPAddress[] locals = [.. args.Get("local").Split(',').Select(IPAddress.Parse)];
        int count = args.Int("count", 100_000);
        int seed = args.Int("seed", 20261129);
        uint firstAs = (uint)args.Int("first-as", 65001);
        int port = args.Int("port", 179);

        var clock = Stopwatch.StartNew();
        var table = new SyntheticTable(count, seed);
        var streams = new byte[locals.Length][];
        long bytes = 0;
        int messages = 0;
        for (int k = 0; k < locals.Length; k++)
        {
            streams[k] = UpdateStream.Encode(table, k, locals.Length, firstAs + (uint)k, Args.ToUInt(locals[k]), out int m);
            bytes += streams[k].Length;
            messages += m;
        }

        Console.Error.WriteLine(FormattableString.Invariant(
            $"injector: {table.Describe()}; {locals.Length} stream(s), {messages} UPDATEs, {bytes / 1e6:F1} MB encoded in {clock.Elapsed.TotalSeconds:F2} s"));

        var sessions = new BgpConnection[locals.Length];
        for (int k = 0; k < locals.Length; k++)
        {
            sessions[k] = BgpConnection.ConnectAndEstablish(locals[k], remote, port, firstAs + (uint)k, TimeSpan.FromSeconds(60));
            sessions[k].Run(static (_, _) => { }, "injector " + k.ToString(CultureInfo.InvariantCulture));
        }

        Console.WriteLine("ESTABLISHED");
        long[] started = new long[locals.Length];
        long[] finished = new long[locals.Length];
        using var go = new ManualResetEventSlim(false);
        var threads = new Thread[locals.Length];
        for (int k = 0; k < locals.Length; k++)
        {
            int kk = k;
            threads[k] = new Thread(() =>
            {
                go.Wait();
                byte[] s = streams[kk];
                started[kk] = Stopwatch.GetTimestamp();
                int o = 0;
                while (o < s.Length)
                {
                    // message-aligned pieces, so a keepalive (sent under the same lock) falls between messages
                    int end = AlignedEnd(s, o, o + Chunk);
                    sessions[kk].Send(s.AsSpan(o, end - o));
                    o = end;
                }

                finished[kk] = Stopwatch.GetTimestamp();
            }) { Name = "send " + k.ToString(CultureInfo.InvariantCulture) };
            threads[k].Start();
        }

        go.Set();
        foreach (Thread t in threads)
        {
            t.Join();
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"START {started.Min()}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"SENT {finished.Max()}"));

        // Keep the sessions (and so the routes) up until the orchestrator stops this process.
        Console.In.ReadToEnd();
        foreach (BgpConnection c in sessions)
        {
            c.Dispose();
        }

        return 0;
    }

    // The end of the last whole message that ends at or before `limit` (at least one message).
    private static int AlignedEnd(byte[] s, int start, int limit)
    {
        int o = start;
        while (o < s.Length)
        {
            int len = (s[o + 16] << 8) | s[o + 17];
            if (o + len > limit && o > start)
            {
                break;
            }

            o += len;
        }

        return o;
    }
}
