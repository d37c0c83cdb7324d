using System.Collections.Immutable;
using System.Runtime.InteropServices;
using System.Text;

namespace StackBgp.Wire;

/// <summary>AS_PATH segment types (RFC 4271 §4.3, RFC 5065 §3).</summary>
public enum AsPathSegmentType : byte
{
    AsSet = 1,
    AsSequence = 2,
    AsConfedSequence = 3,
    AsConfedSet = 4,
}

/// <summary>One AS_PATH segment: a type and 1..255 ASNs (4-octet values).</summary>
public readonly struct AsPathSegment : IEquatable<AsPathSegment>
{
    public AsPathSegment(AsPathSegmentType type, ImmutableArray<uint> asns)
    {
        Type = type;
        Asns = asns.IsDefault ? ImmutableArray<uint>.Empty : asns;
    }

    public AsPathSegment(AsPathSegmentType type, params uint[] asns) : this(type, ImmutableArray.Create(asns)) { }

    public AsPathSegmentType Type { get; }
    public ImmutableArray<uint> Asns { get; }
    public bool IsConfed => Type is AsPathSegmentType.AsConfedSequence or AsPathSegmentType.AsConfedSet;
    public bool IsSet => Type is AsPathSegmentType.AsSet or AsPathSegmentType.AsConfedSet;

    public bool Equals(AsPathSegment other) => Type == other.Type && Asns.AsSpan().SequenceEqual(other.Asns.AsSpan());
    public override bool Equals(object? obj) => obj is AsPathSegment s && Equals(s);

    public override int GetHashCode()
    {
        var h = new HashCode();
        h.Add(Type);
        foreach (uint a in Asns) h.Add(a);
        return h.ToHashCode();
    }

    public static bool operator ==(AsPathSegment a, AsPathSegment b) => a.Equals(b);
    public static bool operator !=(AsPathSegment a, AsPathSegment b) => !a.Equals(b);
}

/// <summary>
/// An immutable AS path (always 4-octet ASNs; 2-octet encodings and AS4_PATH are merged by the
/// decoder per RFC 6793 §4.2.3). Structural equality. Printed like FRR:
/// "65001 65002 {65003,65004} (65010 65011) [65012]".
/// </summary>
public sealed class AsPath : IEquatable<AsPath>
{
    private readonly int _hash;

    public static AsPath Empty { get; } = new(ImmutableArray<AsPathSegment>.Empty);

    public AsPath(ImmutableArray<AsPathSegment> segments)
    {
        Segments = segments.IsDefault ? ImmutableArray<AsPathSegment>.Empty : segments;
        var h = new HashCode();
        foreach (var s in Segments) h.Add(s);
        _hash = h.ToHashCode();
    }

    /// <summary>A path of one AS_SEQUENCE (empty for no ASNs).</summary>
    public static AsPath FromSequence(params uint[] asns) =>
        asns.Length == 0 ? Empty : new AsPath(SplitSequence(AsPathSegmentType.AsSequence, asns));

    public ImmutableArray<AsPathSegment> Segments { get; }
    public bool IsEmpty => Segments.IsEmpty;

    /// <summary>
    /// Length for best-path selection (RFC 4271 §9.1.2.2 a): each AS_SEQUENCE ASN counts 1, an AS_SET
    /// counts 1, confederation segments count 0 (RFC 5065 §5.3).
    /// </summary>
    public int Length
    {
        get
        {
            int n = 0;
            foreach (var s in Segments)
            {
                if (s.Type == AsPathSegmentType.AsSequence) n += s.Asns.Length;
                else if (s.Type == AsPathSegmentType.AsSet) n++;
            }
            return n;
        }
    }

    /// <summary>
    /// The neighbour AS (RFC 4271 §9.1.2.2 c / RFC 5065): the first ASN when the path starts with
    /// an AS_SEQUENCE, leading confederation segments skipped; 0 when there is none.
    /// </summary>
    public uint FirstAs
    {
        get
        {
            foreach (var s in Segments)
            {
                if (s.IsConfed) continue;
                return s.Type == AsPathSegmentType.AsSequence && s.Asns.Length > 0 ? s.Asns[0] : 0;
            }
            return 0;
        }
    }

    /// <summary>The first ASN of the leftmost segment whatever its type (used for "enforce-first-as"); 0 when empty.</summary>
    public uint LeftmostAs => Segments.IsEmpty || Segments[0].Asns.IsEmpty ? 0 : Segments[0].Asns[0];

    /// <summary>The originating AS: last ASN of the path when the last segment is an AS_SEQUENCE; 0 otherwise.</summary>
    public uint OriginAs
    {
        get
        {
            if (Segments.IsEmpty) return 0;
            var last = Segments[^1];
            return last.Type == AsPathSegmentType.AsSequence && last.Asns.Length > 0 ? last.Asns[^1] : 0;
        }
    }

    /// <summary>How often <paramref name="asn"/> appears (all segment types), for loop detection / allowas-in.</summary>
    public int Count(uint asn)
    {
        int n = 0;
        foreach (var s in Segments)
            foreach (uint a in s.Asns)
                if (a == asn) n++;
        return n;
    }

    public bool Contains(uint asn) => Count(asn) > 0;

    /// <summary>Total number of ASNs in all segments.</summary>
    public int AsnCount
    {
        get
        {
            int n = 0;
            foreach (var s in Segments) n += s.Asns.Length;
            return n;
        }
    }

    /// <summary>
    /// Prepends <paramref name="asn"/> <paramref name="times"/> times (RFC 4271 §5.1.2): into the leading
    /// AS_SEQUENCE if there is room (255 per segment), otherwise as new leading segment(s).
    /// </summary>
    public AsPath Prepend(uint asn, int times = 1) => PrependCore(AsPathSegmentType.AsSequence, asn, times);

    /// <summary>Prepends into a leading AS_CONFED_SEQUENCE (RFC 5065 §4.1, sending to a confederation peer).</summary>
    public AsPath PrependConfed(uint asn, int times = 1) => PrependCore(AsPathSegmentType.AsConfedSequence, asn, times);

    /// <summary>The path without confederation segments (RFC 5065 §4.1, sending outside the confederation).</summary>
    public AsPath WithoutConfedSegments()
    {
        bool any = false;
        foreach (var s in Segments) any |= s.IsConfed;
        if (!any) return this;
        var b = ImmutableArray.CreateBuilder<AsPathSegment>();
        foreach (var s in Segments) if (!s.IsConfed) b.Add(s);
        return b.Count == 0 ? Empty : new AsPath(b.ToImmutable());
    }

    private AsPath PrependCore(AsPathSegmentType type, uint asn, int times)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(times);
        if (times == 0) return this;
        // Common case on every eBGP export: the result fits one leading segment of that type. Build
        // it with exactly three allocations (ASNs, segment array, path); export does this per attribute set.
        int lead = !Segments.IsEmpty && Segments[0].Type == type ? Segments[0].Asns.Length : -1;
        if (lead + times <= 255)
        {
            var asns = new uint[Math.Max(lead, 0) + times];
            asns.AsSpan(0, times).Fill(asn);
            if (lead > 0) Segments[0].Asns.AsSpan().CopyTo(asns.AsSpan(times));
            int rest = Segments.Length - (lead >= 0 ? 1 : 0);
            var segments = new AsPathSegment[rest + 1];
            segments[0] = new AsPathSegment(type, ImmutableCollectionsMarshal.AsImmutableArray(asns));
            Segments.AsSpan()[(lead >= 0 ? 1 : 0)..].CopyTo(segments.AsSpan(1));
            return new AsPath(ImmutableCollectionsMarshal.AsImmutableArray(segments));
        }
        var seqAsns = new List<uint>(times + 8);
        for (int i = 0; i < times; i++) seqAsns.Add(asn);
        int skip = 0;
        if (!Segments.IsEmpty && Segments[0].Type == type)
        {
            seqAsns.AddRange(Segments[0].Asns);
            skip = 1;
        }
        var b = ImmutableArray.CreateBuilder<AsPathSegment>();
        b.AddRange(SplitSequence(type, seqAsns.ToArray()));
        for (int i = skip; i < Segments.Length; i++) b.Add(Segments[i]);
        return new AsPath(b.ToImmutable());
    }

    private static ImmutableArray<AsPathSegment> SplitSequence(AsPathSegmentType type, uint[] asns)
    {
        var b = ImmutableArray.CreateBuilder<AsPathSegment>((asns.Length + 254) / 255);
        for (int i = 0; i < asns.Length; i += 255)
            b.Add(new AsPathSegment(type, ImmutableArray.Create(asns, i, Math.Min(255, asns.Length - i))));
        return b.MoveToImmutable();
    }

    /// <summary>True if any ASN does not fit 2 octets (then a 2-octet peer needs AS4_PATH).</summary>
    public bool HasFourOctetAsn
    {
        get
        {
            foreach (var s in Segments)
                foreach (uint a in s.Asns)
                    if (a > ushort.MaxValue) return true;
            return false;
        }
    }

    public bool Equals(AsPath? other)
    {
        if (ReferenceEquals(this, other)) return true;
        if (other is null || other._hash != _hash || other.Segments.Length != Segments.Length) return false;
        for (int i = 0; i < Segments.Length; i++)
            if (!Segments[i].Equals(other.Segments[i])) return false;
        return true;
    }

    public override bool Equals(object? obj) => Equals(obj as AsPath);
    public override int GetHashCode() => _hash;
    public static bool operator ==(AsPath? a, AsPath? b) => a is null ? b is null : a.Equals(b);
    public static bool operator !=(AsPath? a, AsPath? b) => !(a == b);

    public override string ToString()
    {
        var sb = new StringBuilder();
        foreach (var s in Segments)
        {
            if (sb.Length > 0) sb.Append(' ');
            (string open, string sep, string close) = s.Type switch
            {
                AsPathSegmentType.AsSet => ("{", ",", "}"),
                AsPathSegmentType.AsConfedSequence => ("(", " ", ")"),
                AsPathSegmentType.AsConfedSet => ("[", ",", "]"),
                _ => ("", " ", ""),
            };
            sb.Append(open).AppendJoin(sep, s.Asns).Append(close);
        }
        return sb.ToString();
    }
}
