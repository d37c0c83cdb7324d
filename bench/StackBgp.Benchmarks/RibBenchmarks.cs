using BenchmarkDotNet.Attributes;
using StackBgp.Routing;
using StackBgp.Wire;

namespace StackBgp.Benchmarks;

/// <summary>Decode + import of a 1M-prefix table from one peer, with and without re-advertising it to a monitor.</summary>
[MemoryDiagnoser]
[Config(typeof(RibBenchConfig))]
public class ImportBenchmarks
{
    private byte[] _stream = [];

    [Params(1_000_000)]
    public int Prefixes { get; set; }

    [GlobalSetup]
    public void Setup() => _stream = new SyntheticTable(Prefixes).Encode(new EncodeContext { FourOctetAs = true });

    [Benchmark(Description = "decode+import (1 peer, no receivers)")]
    public int DecodeImport()
    {
        var rib = new RibActor(Harness.Options, WireUpdateEncoder.Instance);
        rib.Execute(new RibCommand.PeerUp(Harness.Peer(1, 65001, new CountingSender())));
        return Harness.DecodeInto(rib, 1, _stream);
    }

    [Benchmark(Description = "decode+import+export (1 peer → 1 monitor)")]
    public long DecodeImportExport()
    {
        var rib = new RibActor(Harness.Options, WireUpdateEncoder.Instance);
        var monitor = new CountingSender();
        rib.Execute(new RibCommand.PeerUp(Harness.Peer(1, 65001, new CountingSender())), new RibCommand.PeerUp(Harness.Peer(2, 65100, monitor)));
        Harness.DecodeInto(rib, 1, _stream);
        return monitor.Bytes;
    }
}

/// <summary>Best path over 10 candidate paths per prefix: the comparison alone, and 10 injectors × 100k through the RIB.</summary>
[MemoryDiagnoser]
[Config(typeof(RibBenchConfig))]
public class BestPathBenchmarks
{
    private const int Prefixes = 100_000;
    private PathView[][] _candidates = [];
    private bool[] _mp = new bool[10];
    private byte[][] _streams = [];

    [GlobalSetup]
    public void Setup()
    {
        var rnd = new Random(7);
        _candidates = new PathView[Prefixes][];
        for (int i = 0; i < Prefixes; i++)
        {
            var c = new PathView[10];
            for (int k = 0; k < 10; k++)
            {
                var asns = new uint[1 + rnd.Next(5)];
                asns[0] = (uint)(65001 + k);
                for (int h = 1; h < asns.Length; h++) asns[h] = (uint)rnd.Next(1, 400_000);
                var a = new PathAttributes { AsPath = AsPath.FromSequence(asns), NextHop = NextHop.FromV4((uint)(0x0A000002 + k)), Med = (uint)rnd.Next(3) };
                c[k] = new PathView(a, 0, PeerKind.External, (uint)(65001 + k), (uint)(0x0B000000 + k), (UInt128)(0x0A000002u + (uint)k));
            }
            _candidates[i] = c;
        }
        _streams = new byte[10][];
        for (int k = 0; k < 10; k++)
            _streams[k] = new SyntheticTable(Prefixes, seed: 42, firstAs: (uint)(65001 + k), nextHop: $"10.0.{k + 1}.2").Encode(new EncodeContext { FourOctetAs = true });
    }

    [Benchmark(Description = "select best of 10 paths", OperationsPerInvoke = Prefixes)]
    public int SelectOf10()
    {
        int sum = 0;
        var o = BestPathOptions.Default;
        foreach (var c in _candidates) sum += BestPathSelector.Select(c, o, MaxPaths.Single, _mp).Best;
        return sum;
    }

    [Benchmark(Description = "10 injectors x 100k through the RIB (→ 1 monitor)")]
    public long TenInjectors()
    {
        var rib = new RibActor(Harness.Options, WireUpdateEncoder.Instance);
        var monitor = new CountingSender();
        for (int k = 0; k < 10; k++) rib.Execute(new RibCommand.PeerUp(Harness.Peer(k + 1, (uint)(65001 + k), new CountingSender())));
        rib.Execute(new RibCommand.PeerUp(Harness.Peer(20, 65100, monitor)));
        for (int k = 0; k < 10; k++) Harness.DecodeInto(rib, k + 1, _streams[k]);
        return monitor.Bytes;
    }
}

/// <summary>Export encoding: 1M prefixes in groups sharing attributes, through the update-group encoder.</summary>
[MemoryDiagnoser]
[Config(typeof(RibBenchConfig))]
public class EncodeBenchmarks
{
    private SyntheticTable _table = null!;
    private readonly List<ReadOnlyMemory<byte>> _out = [];
    private Nlri[] _nlri = [];

    [GlobalSetup]
    public void Setup()
    {
        _table = new SyntheticTable(1_000_000);
        _nlri = _table.Prefixes.Select(p => new Nlri(p)).ToArray();
    }

    [Benchmark(Description = "encode 1M prefixes (UpdatePacker via WireUpdateEncoder)")]
    public long Encode1M()
    {
        var ctx = new EncodeContext { FourOctetAs = true };
        long bytes = 0;
        int i = 0;
        while (i < _nlri.Length)
        {
            int set = _table.SetOf[i], start = i;
            while (i < _nlri.Length && _table.SetOf[i] == set) i++;
            _out.Clear();
            WireUpdateEncoder.Instance.EncodeAnnounce(AddressFamily.Ipv4Unicast, _table.Sets[set], _nlri.AsSpan(start, i - start), ctx, _out);
            foreach (var m in _out) bytes += m.Length;
        }
        return bytes;
    }
}
