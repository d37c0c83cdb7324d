using System.Diagnostics;
using System.Net;
using System.Runtime;
using StackBgp.Bfd;

namespace StackBgp.Bfd.Bench;

/// <summary>
/// Transmit-interval error of the BFD engine at 50 ms, idle and while another thread ingests
/// 1,000,000 route-like entries into a dictionary over and over (RIB-like allocation pressure).
/// Two engines in two network namespaces joined by a veth pair (needs root).
/// Usage: StackBgp.Bfd.Bench [--seconds N] [--latency sustained|interactive|batch|lowlatency] [--jitter] [--no-kernel-timed] [--ahead-ms MS] [--rt PRIORITY]
/// Or: StackBgp.Bfd.Bench --receive NAMESPACE PEER INTERFACE MS [--jitter]  (see Receiver.cs, bench/bfd-lab/under-load.sh)
/// </summary>
internal static class Program
{
    private const int IntervalMs = 50;

    public static async Task<int> Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "--serve") return await Serve(args);
        if (args.Length > 0 && args[0] == "--receive") return await Receiver.Run(args);
        int seconds = Arg(args, "--seconds", 20);
        string latency = ArgString(args, "--latency", "sustained");
        bool jitter = args.Contains("--jitter");
        bool kernelTimed = !args.Contains("--no-kernel-timed");
        int ahead = Arg(args, "--ahead-ms", 300);
        int rt = Arg(args, "--rt", 0);
        GCSettings.LatencyMode = latency switch
        {
            "interactive" => GCLatencyMode.Interactive,
            "batch" => GCLatencyMode.Batch,
            "lowlatency" => GCLatencyMode.LowLatency,
            _ => GCLatencyMode.SustainedLowLatency,
        };
        Console.WriteLine($"GC: server={GCSettings.IsServerGC} concurrent={AppContext.GetData("System.GC.Concurrent") ?? "default"} latency={GCSettings.LatencyMode} cpus={Environment.ProcessorCount} jitter={(jitter ? "on (lateness measured against each scheduled time)" : "off (intervals exactly 50 ms)")}");

        using var lab = new Lab();
        var options = new BfdEngineOptions { DisableJitter = !jitter, TransmitTraceCapacity = 1_000_000, KernelTimedTransmit = kernelTimed, TransmitAheadTime = TimeSpan.FromMilliseconds(ahead), RealtimePriority = rt > 0 ? rt : null };
        using var a = new BfdEngine(options with { NetworkNamespace = lab.A });
        using var b = new BfdEngine(options with { NetworkNamespace = lab.B });
        a.Start();
        b.Start();
        var interval = TimeSpan.FromMilliseconds(IntervalMs);
        await a.AddSession(new BfdPeerConfig(IPAddress.Parse("10.79.0.2")) { Interface = "va", DesiredMinTx = interval, RequiredMinRx = interval });
        await b.AddSession(new BfdPeerConfig(IPAddress.Parse("10.79.0.1")) { Interface = "vb", DesiredMinTx = interval, RequiredMinRx = interval });
        using var events = a.Subscribe();
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var s = await a.GetSnapshotAsync();
            if (s.Peers[0].State == BfdState.Up && !s.Peers[0].PollInProgress && s.Peers[0].TransmitInterval == interval) break;
            if (deadline.Elapsed > TimeSpan.FromSeconds(20)) throw new TimeoutException("session did not come Up at 50 ms");
            await Task.Delay(20);
        }

        Console.WriteLine($"sender: kernel-timed transmit = {(await a.GetSnapshotAsync()).Statistics.KernelTimedTransmit}, queued {ahead} ms ahead, engine thread {(rt > 0 ? $"SCHED_FIFO {rt}" : "normal priority")}; measured at the receiver from kernel arrival timestamps (SO_TIMESTAMPNS)");
        var idle = await Measure(a, b, seconds, load: false);
        var loaded = await Measure(a, b, seconds, load: true);
        Report("idle", idle);
        Report("1M-entry dictionary churn", loaded);
        int downs = 0;
        while (events.Reader.TryRead(out var change)) if (change.WentDown) downs++;
        var snap = await a.GetSnapshotAsync();
        Console.WriteLine($"session downs during run: {downs}; engine allocated since last command: {snap.Statistics.EngineAllocatedBytes} B");
        return 0;
    }

    /// <summary>
    /// --serve NAMESPACE PEER INTERFACE MS: runs one single-hop session in the namespace until
    /// killed (used by kill-test.sh to kill -9 a real process).
    /// </summary>
    private static async Task<int> Serve(string[] args)
    {
        var interval = TimeSpan.FromMilliseconds(int.Parse(args[4], System.Globalization.CultureInfo.InvariantCulture));
        using var engine = new BfdEngine(new BfdEngineOptions { NetworkNamespace = args[1], KernelTimedTransmit = !args.Contains("--no-kernel-timed") });
        engine.Start();
        var config = new BfdPeerConfig(IPAddress.Parse(args[2])) { Interface = args[3], DesiredMinTx = interval, RequiredMinRx = interval };
        await engine.AddSession(config);
        using var events = engine.Subscribe();
        await foreach (var change in events.Reader.ReadAllAsync())
        {
            Console.WriteLine($"{change.Timestamp:O} {change.Key}: {change.OldState} -> {change.NewState}");
        }
        return 0;
    }

    private sealed record Result(long[] IntervalsUs, long[] LatenessUs, int Gen0, int Gen1, int Gen2, TimeSpan Pause, TimeSpan MaxPause, long Ingested);

    private static async Task<Result> Measure(BfdEngine engine, BfdEngine receiver, int seconds, bool load)
    {
        GC.Collect();
        int start = engine.TransmitTraceCount();
        int rxStart = receiver.ReceiveTraceCount();
        int g0 = GC.CollectionCount(0), g1 = GC.CollectionCount(1), g2 = GC.CollectionCount(2);
        var pause = GC.GetTotalPauseDuration();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        long ingested = 0;
        var maxPause = TimeSpan.Zero;
        Thread? loader = null;
        if (load)
        {
            loader = new Thread(() => ingested = Churn(stop.Token)) { Name = "rib-like-load" };
            loader.Start();
        }
        while (!stop.IsCancellationRequested)
        {
            var info = GC.GetGCMemoryInfo(GCKind.Any);
            foreach (var p in info.PauseDurations) if (p > maxPause) maxPause = p;
            await Task.Delay(100);
        }
        loader?.Join();
        var trace = engine.TraceSlice(start);
        return new Result(receiver.ReceiveIntervals(rxStart), trace.Lateness,
            GC.CollectionCount(0) - g0, GC.CollectionCount(1) - g1, GC.CollectionCount(2) - g2,
            GC.GetTotalPauseDuration() - pause, maxPause, ingested);
    }

    /// <summary>Builds a 1,000,000-entry dictionary of route-like objects, drops it, repeats.</summary>
    private static long Churn(CancellationToken stop)
    {
        long total = 0;
        while (!stop.IsCancellationRequested)
        {
            var rib = new Dictionary<long, RouteLike>();
            for (int i = 0; i < 1_000_000 && !stop.IsCancellationRequested; i++)
            {
                rib[((long)i << 8) | 24] = new RouteLike(i, new int[] { 65000, 65001, i & 0xFFFF }, $"10.{i >> 16 & 255}.{i >> 8 & 255}.0/24");
                total++;
            }
        }
        return total;
    }

    private sealed record RouteLike(int Id, int[] AsPath, string Text);

    private static void Report(string name, Result r)
    {
        var errors = r.IntervalsUs.Select(us => Math.Abs(us - IntervalMs * 1000L)).Order().ToArray();
        var late = r.LatenessUs.Order().ToArray();
        Console.WriteLine($"== {name}: {r.IntervalsUs.Length} intervals, ingested {r.Ingested:N0} entries, GCs gen0/1/2 = {r.Gen0}/{r.Gen1}/{r.Gen2}, total GC pause {r.Pause.TotalMilliseconds:F1} ms, max pause seen {r.MaxPause.TotalMilliseconds:F2} ms");
        Console.WriteLine($"   on the wire, |inter-arrival - 50 ms|: p50 {P(errors, 0.50)} µs, p99 {P(errors, 0.99)} µs, max {(errors.Length == 0 ? 0 : errors[^1])} µs  (p99 = {P(errors, 0.99) / 500.0:F2} % of 50 ms)");
        Console.WriteLine($"   sender engine thread, lateness vs schedule (when it hands the packet over): p50 {P(late, 0.50)} µs, p99 {P(late, 0.99)} µs, max {(late.Length == 0 ? 0 : late[^1])} µs");
    }

    private static long P(long[] sorted, double q) => sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)(q * sorted.Length))];

    private static int Arg(string[] args, string name, int fallback)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], System.Globalization.CultureInfo.InvariantCulture) : fallback;
    }

    private static string ArgString(string[] args, string name, string fallback)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
    }
}
