namespace StackBgp.Bench.Daemon;

/// <summary>
/// A synthetic IPv4 table shaped like the Internet's, from a fixed seed (System.Random with a seed is
/// stable across .NET versions). Shape, per prefix or per attribute set:
/// <list type="bullet">
/// <item>prefix lengths: /24 58 %, /23 11 %, /22 13 %, /21 and /20 4.5 % each, /16–/19 7.5 %, /8–/15 1.3 %;</item>
/// <item>prefixes grouped into attribute sets of 1–30 prefixes (mean about 3, so N/3 sets);</item>
/// <item>AS paths of 1–8 ASNs (mean about 4): neighbor AS, a transit AS from a small pool, random
/// middle ASNs (a third of them 4-octet), an origin AS;</item>
/// <item>communities (1–6) on 45 % of sets, MED on 30 %, ORIGIN IGP 85 % / INCOMPLETE 12 % / EGP 3 %.</item>
/// </list>
/// Prefixes are distinct; none is inside 0/8, 10/8 (the lab's addresses), 127/8 or 224/3.
/// </summary>
internal sealed class SyntheticTable
{
    // Cumulative per-10,000 weights of prefix lengths /8 … /24 (index = length - 8).
    private static readonly int[] LengthWeights =
        [1, 1, 3, 5, 10, 20, 40, 50, 160, 120, 170, 300, 450, 450, 1300, 1100, 5820];

    private static readonly int[] PathLengthWeights = [3, 12, 28, 27, 15, 8, 4, 3]; // lengths 1..8, percent

    public SyntheticTable(int count, int seed)
    {
        Count = count;
        Seed = seed;
        var rnd = new Random(seed);
        Addresses = new uint[count];
        Lengths = new byte[count];
        var seen = new HashSet<ulong>(count);
        int n = 0;
        while (n < count)
        {
            int len = PickLength(rnd);
            uint first;
            do
            {
                first = (uint)rnd.Next(1, 224);
            }
            while (first is 10 or 127);

            uint addr = (first << 24) | (uint)rnd.Next(1 << 24);
            addr &= len == 0 ? 0 : uint.MaxValue << (32 - len);
            if (seen.Add(((ulong)addr << 8) | (uint)len))
            {
                Addresses[n] = addr;
                Lengths[n] = (byte)len;
                n++;
            }
        }

        // Attribute sets: consecutive runs of the (random-order) prefixes.
        var starts = new List<int>(count / 2);
        for (int i = 0; i < count; i += GroupSize(rnd))
        {
            starts.Add(i);
        }

        starts.Add(count);
        GroupStarts = [.. starts];
        int sets = GroupStarts.Length - 1;
        uint[] transit = new uint[30];
        for (int i = 0; i < transit.Length; i++)
        {
            transit[i] = RandomAsn(rnd, allowFourOctet: false);
        }

        Transit = transit;
        Paths = new uint[sets][];
        Communities = new uint[sets][];
        Meds = new int[sets];
        Origins = new byte[sets];
        for (int s = 0; s < sets; s++)
        {
            int pathLen = PickPathLength(rnd);

            // Paths[s] holds the path without the neighbor AS (the injector prepends its own AS).
            uint[] tail = new uint[pathLen - 1];
            for (int h = 0; h < tail.Length; h++)
            {
                tail[h] = h == 0 && tail.Length > 1 ? transit[rnd.Next(transit.Length)] : RandomAsn(rnd, allowFourOctet: true);
            }

            Paths[s] = tail;
            int r = rnd.Next(100);
            Origins[s] = (byte)(r < 85 ? 0 : r < 97 ? 2 : 1);
            Meds[s] = rnd.Next(100) < 30 ? rnd.Next(0, 1001) : -1;
            if (rnd.Next(100) < 45)
            {
                uint[] c = new uint[rnd.Next(1, 7)];
                for (int j = 0; j < c.Length; j++)
                {
                    uint high = tail.Length > 0 && tail[0] <= 65535 && rnd.Next(2) == 0 ? tail[0] : RandomAsn(rnd, allowFourOctet: false);
                    c[j] = (high << 16) | (uint)rnd.Next(1, 65536);
                }

                Communities[s] = c;
            }
            else
            {
                Communities[s] = [];
            }
        }
    }

    public int Count { get; }

    public int Seed { get; }

    /// <summary>Prefix i is Addresses[i]/Lengths[i] (host order).</summary>
    public uint[] Addresses { get; }

    public byte[] Lengths { get; }

    /// <summary>Attribute set s covers prefixes GroupStarts[s] .. GroupStarts[s+1]-1.</summary>
    public int[] GroupStarts { get; }

    public int SetCount => GroupStarts.Length - 1;

    /// <summary>The AS path of set s after the neighbor AS (0–7 ASNs).</summary>
    public uint[][] Paths { get; }

    public uint[][] Communities { get; }

    /// <summary>MED of set s, or -1 when the set has none.</summary>
    public int[] Meds { get; }

    /// <summary>ORIGIN of set s: 0 IGP, 1 EGP, 2 INCOMPLETE (RFC 4271 §5.1.1).</summary>
    public byte[] Origins { get; }

    public uint[] Transit { get; }

    /// <summary>A few numbers describing the table, for the report.</summary>
    public string Describe()
    {
        long pathSum = 0;
        long prefixesWithCommunities = 0;
        int[] byLen = new int[33];
        for (int s = 0; s < SetCount; s++)
        {
            int size = GroupStarts[s + 1] - GroupStarts[s];
            pathSum += (Paths[s].Length + 1L) * size;
            if (Communities[s].Length > 0)
            {
                prefixesWithCommunities += size;
            }
        }

        foreach (byte l in Lengths)
        {
            byLen[l]++;
        }

        double pct(int from, int to)
        {
            int sum = 0;
            for (int l = from; l <= to; l++)
            {
                sum += byLen[l];
            }

            return 100.0 * sum / Count;
        }

        return FormattableString.Invariant(
            $"{Count} prefixes (seed {Seed}): /24 {pct(24, 24):F1} %, /22–/23 {pct(22, 23):F1} %, /16–/21 {pct(16, 21):F1} %, < /16 {pct(0, 15):F1} %; ") +
            FormattableString.Invariant(
            $"{SetCount} attribute sets ({(double)Count / SetCount:F2} prefixes/set); mean AS-path length {(double)pathSum / Count:F2}; ") +
            FormattableString.Invariant($"communities on {100.0 * prefixesWithCommunities / Count:F0} % of prefixes");
    }

    private static int PickLength(Random rnd)
    {
        int r = rnd.Next(10_000);
        for (int i = 0; i < LengthWeights.Length; i++)
        {
            r -= LengthWeights[i];
            if (r < 0)
            {
                return i + 8;
            }
        }

        return 24;
    }

    private static int PickPathLength(Random rnd)
    {
        int r = rnd.Next(100);
        for (int i = 0; i < PathLengthWeights.Length; i++)
        {
            r -= PathLengthWeights[i];
            if (r < 0)
            {
                return i + 1;
            }
        }

        return 4;
    }

    // Sizes 1 (48 %), 2 (20 %), 3 (10 %), 4 (6 %), 5 (4 %), 6–10 (8 %), 11–30 (4 %): mean about 3.
    private static int GroupSize(Random rnd)
    {
        int r = rnd.Next(100);
        return r switch
        {
            < 48 => 1,
            < 68 => 2,
            < 78 => 3,
            < 84 => 4,
            < 88 => 5,
            < 96 => rnd.Next(6, 11),
            _ => rnd.Next(11, 31),
        };
    }

    // Public 2-octet ASNs (not 23456 = AS_TRANS, RFC 6793) or 4-octet ones in 131072–399999; never
    // the lab's own 64512–65535 range, so no daemon sees its own AS in a path.
    private static uint RandomAsn(Random rnd, bool allowFourOctet)
    {
        if (allowFourOctet && rnd.Next(3) == 0)
        {
            return (uint)rnd.Next(131_072, 400_000);
        }

        uint a;
        do
        {
            a = (uint)rnd.Next(1, 64_496);
        }
        while (a == 23456);

        return a;
    }
}
