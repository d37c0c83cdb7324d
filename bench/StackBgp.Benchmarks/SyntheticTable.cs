using System.Buffers;
using System.Collections.Immutable;
using StackBgp.Wire;

namespace StackBgp.Benchmarks;

/// <summary>
/// A synthetic IPv4 table shaped like the Internet's (fixed seed): prefix lengths mostly /24 with
/// /16–/23 and a few /8–/15, AS paths of 1–9 hops, about one attribute set per three prefixes, some
/// with communities. Encoded once into UPDATE messages as a peer would send them.
/// </summary>
internal sealed class SyntheticTable
{
    public Prefix[] Prefixes { get; }
    public PathAttributes[] Sets { get; }
    /// <summary>For each prefix, the index of its attribute set.</summary>
    public int[] SetOf { get; }

    public SyntheticTable(int prefixes, int seed = 42, uint firstAs = 65001, string nextHop = "10.0.0.2", int prefixesPerSet = 3)
    {
        var rnd = new Random(seed);
        var seen = new HashSet<Prefix>(prefixes);
        Prefixes = new Prefix[prefixes];
        int n = 0;
        while (n < prefixes)
        {
            int r = rnd.Next(100);
            int len = r < 58 ? 24 : r < 70 ? 23 : r < 80 ? 22 : r < 90 ? rnd.Next(19, 22) : r < 98 ? rnd.Next(16, 19) : rnd.Next(8, 16);
            uint addr = (((uint)rnd.Next(1, 223) << 24) | (uint)rnd.Next(1 << 24)) & (uint.MaxValue << (32 - len));
            var p = Prefix.FromV4(addr, len);
            if (seen.Add(p)) Prefixes[n++] = p;
        }
        int sets = Math.Max(1, prefixes / prefixesPerSet);
        Sets = new PathAttributes[sets];
        var nh = NextHop.Parse(nextHop);
        var setRnd = new Random(seed + 1);
        for (int i = 0; i < sets; i++)
        {
            int hops = 1 + setRnd.Next(4) + setRnd.Next(4) + (setRnd.Next(10) == 0 ? setRnd.Next(1, 3) : 0);
            var asns = new uint[hops];
            asns[0] = firstAs;
            for (int h = 1; h < hops; h++) asns[h] = (uint)setRnd.Next(1, 400_000);
            var comm = setRnd.Next(3) == 0
                ? ImmutableArray.Create(Community.Create((ushort)setRnd.Next(1, 65535), (ushort)setRnd.Next(65535)), Community.Create(65535, (ushort)setRnd.Next(100)))
                : ImmutableArray<uint>.Empty;
            Sets[i] = new PathAttributes
            {
                Origin = setRnd.Next(10) == 0 ? Origin.Incomplete : Origin.Igp,
                AsPath = AsPath.FromSequence(asns),
                NextHop = nh,
                Med = setRnd.Next(4) == 0 ? (uint)setRnd.Next(1000) : null,
                Communities = comm,
            };
        }
        SetOf = new int[prefixes];
        for (int i = 0; i < prefixes; i++) SetOf[i] = i / prefixesPerSet % sets;
    }

    /// <summary>Encodes the table as UPDATEs (prefixes grouped by attribute set), back to back in one buffer.</summary>
    public byte[] Encode(in EncodeContext context)
    {
        var w = new ArrayBufferWriter<byte>(Prefixes.Length * 12);
        var group = new List<Nlri>();
        int i = 0;
        while (i < Prefixes.Length)
        {
            int set = SetOf[i];
            group.Clear();
            while (i < Prefixes.Length && SetOf[i] == set) group.Add(new Nlri(Prefixes[i++]));
            UpdatePacker.WriteAnnouncements(w, AddressFamily.Ipv4Unicast, Sets[set], System.Runtime.InteropServices.CollectionsMarshal.AsSpan(group), context);
        }
        return w.WrittenSpan.ToArray();
    }
}
