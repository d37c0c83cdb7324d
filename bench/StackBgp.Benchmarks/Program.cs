using System.Diagnostics;
using BenchmarkDotNet.Running;
using StackBgp.Benchmarks;
using StackBgp.Routing;
using StackBgp.Wire;

// dotnet run -c Release --project bench/StackBgp.Benchmarks -- [memory | e2e | <BenchmarkDotNet args>]
if (args.Length > 0 && args[0] == "memory") return Measure.Memory(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 1_000_000);
if (args.Length > 0 && args[0] == "e2e") return Measure.EndToEnd();
BenchmarkSwitcher.FromAssembly(typeof(ImportBenchmarks).Assembly).Run(args);
return 0;

internal static class Measure
{
    /// <summary>Managed bytes per route: GC.GetTotalMemory before/after loading N routes into the RIB (input stream excluded).</summary>
    public static int Memory(int n)
    {
        var stream = new SyntheticTable(n).Encode(new EncodeContext { FourOctetAs = true });
        long before = GC.GetTotalMemory(forceFullCollection: true);
        var rib = new RibActor(Harness.Options, WireUpdateEncoder.Instance);
        var monitor = new CountingSender();
        rib.Execute(new RibCommand.PeerUp(Harness.Peer(1, 65001, new CountingSender())));
        Harness.DecodeInto(rib, 1, stream);
        long afterImport = GC.GetTotalMemory(forceFullCollection: true);
        rib.Execute(new RibCommand.PeerUp(Harness.Peer(2, 65100, monitor)));
        long afterExport = GC.GetTotalMemory(forceFullCollection: true);
        var stats = rib.Read(a => a.SnapshotStatistics());
        Console.WriteLine($"routes {stats.Ipv4Prefixes:N0}, attribute sets {stats.AttributeSets:N0}");
        // The prefix index lives outside the GC heap: added to the managed figure.
        long ribBytes = afterImport - before + stats.IndexBytes;
        Console.WriteLine($"Loc-RIB + Adj-RIB-In: {ribBytes / (double)n:F1} bytes/route ({ribBytes / 1048576.0:F1} MiB, {stats.IndexBytes / 1048576.0:F1} MiB of it the native prefix index)");
        Console.WriteLine($"+ one update group's Adj-RIB-Out: {(afterExport - afterImport) / (double)n:F1} bytes/route ({(afterExport - afterImport) / 1048576.0:F1} MiB)");
        Console.WriteLine($"process RSS now {Process.GetCurrentProcess().WorkingSet64 / 1048576.0:F0} MiB, peak {Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0:F0} MiB (includes the {stream.Length / 1048576.0:F0} MiB input stream)");
        GC.KeepAlive(stream);
        GC.KeepAlive(rib);
        return 0;
    }

    /// <summary>In-process end to end (decode → RIB → encode for a monitor), no sockets: 1M from one peer, and 10 × 100k.</summary>
    public static int EndToEnd()
    {
        var one = new SyntheticTable(1_000_000).Encode(new EncodeContext { FourOctetAs = true });
        var ten = Enumerable.Range(0, 10).Select(k => new SyntheticTable(100_000, 42, (uint)(65001 + k), $"10.0.{k + 1}.2").Encode(new EncodeContext { FourOctetAs = true })).ToArray();
        for (int run = 0; run < 2; run++)
        {
            var swd = Stopwatch.StartNew();
            var ctx = new DecodeContext { FourOctetAs = true };
            var dec = new DecodedUpdate();
            var batch = new InboundBatch(256, 1024);
            ReadOnlySpan<byte> st = one;
            int msgs = 0;
            while (!st.IsEmpty)
            {
                BgpFraming.TryReadMessage(st, 65535, out _, out int consumed, out _);
                UpdateDecoder.Decode(st[BgpFraming.HeaderLength..consumed], ctx, dec);
                batch.Add(dec);
                if (++msgs % 256 == 0) batch = new InboundBatch(256, 1024);
                st = st[consumed..];
            }
            Console.WriteLine($"decode only 1M: {swd.Elapsed.TotalSeconds:F2} s wall ({msgs} messages)");
        }
        int runs = Environment.GetEnvironmentVariable("E2E_RUNS") is { } r ? int.Parse(r, System.Globalization.CultureInfo.InvariantCulture) : 3;
        for (int run = 0; run < runs; run++)
        {
            int gc0 = GC.CollectionCount(0), gc2 = GC.CollectionCount(2);
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            var sw = Stopwatch.StartNew();
            var rib = new RibActor(Harness.Options, WireUpdateEncoder.Instance);
            var mon = new CountingSender();
            rib.Execute(new RibCommand.PeerUp(Harness.Peer(1, 65001, new CountingSender())), new RibCommand.PeerUp(Harness.Peer(2, 65100, mon)));
            Harness.DecodeInto(rib, 1, one);
            Console.WriteLine($"1M x 1 peer: {sw.Elapsed.TotalSeconds:F2} s wall, {(Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds:F2} s CPU, sent {mon.Bytes / 1048576.0:F1} MiB, GC gen0 {GC.CollectionCount(0) - gc0} gen2 {GC.CollectionCount(2) - gc2}");
            sw.Restart();
            cpu = Process.GetCurrentProcess().TotalProcessorTime;
            rib = new RibActor(Harness.Options, WireUpdateEncoder.Instance);
            mon = new CountingSender();
            for (int k = 0; k < 10; k++) rib.Execute(new RibCommand.PeerUp(Harness.Peer(k + 1, (uint)(65001 + k), new CountingSender())));
            rib.Execute(new RibCommand.PeerUp(Harness.Peer(20, 65100, mon)));
            for (int k = 0; k < 10; k++) Harness.DecodeInto(rib, k + 1, ten[k]);
            Console.WriteLine($"10 x 100k:   {sw.Elapsed.TotalSeconds:F2} s wall, {(Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds:F2} s CPU, sent {mon.Bytes / 1048576.0:F1} MiB");
        }
        Console.WriteLine($"peak RSS {Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0:F0} MiB");
        return 0;
    }
}
