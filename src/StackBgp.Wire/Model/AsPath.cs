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

/// <summary>One segment of an <see cref="AsPath"/> without a copy: its type and a view of its ASNs.</summary>
public readonly ref struct AsPathSegmentView
{
    internal AsPathSegmentView(AsPathSegmentType type, ReadOnlySpan<uint> asns)
    {
        Type = type;
        Asns = asns;
    }

    public AsPathSegmentType Type { get; }
    public ReadOnlySpan<uint> Asns { get; }
    public bool IsConfed => Type is AsPathSegmentType.AsConfedSequence or AsPathSegmentType.AsConfedSet;
    public bool IsSet => Type is AsPathSegmentType.AsSet or AsPathSegmentType.AsConfedSet;

    public AsPathSegment ToSegment() => new(Type, ImmutableArray.Create(Asns));
}

/// <summary>
/// An immutable AS path (always 4-octet ASNs; 2-octet encodings and AS4_PATH are merged by the
/// decoder per RFC 6793 §4.2.3). Structural equality. Printed like FRR:
/// "65001 65002 {65003,65004} (65010 65011) [65012]".
/// <para>A full table holds a path per attribute set (~310k per million routes), so a path is one array:
/// each segment is a header word (type &lt;&lt; 8 | count) followed by its ASNs, and the path itself is a
/// struct around that array (<c>default</c> is the empty path). <see cref="EnumerateSegments"/> reads the
/// segments in place; <see cref="Segments"/> builds them as objects (for the few callers that want them).</para>
/// </summary>
public readonly struct AsPath : IEquatable<AsPath>
{
    private readonly uint[]? _data;

    private AsPath(uint[]? data) => _data = data is { Length: 0 } ? null : data;

    public static AsPath Empty => default;

    public AsPath(ImmutableArray<AsPathSegment> segments)
    {
        if (segments.IsDefaultOrEmpty)
        {
            _data = null;
            return;
        }
        int n = 0;
        foreach (var s in segments) n += 1 + s.Asns.Length;
        var data = new uint[n];
        int k = 0;
        foreach (var s in segments)
        {
            data[k++] = Header(s.Type, s.Asns.Length);
            s.Asns.AsSpan().CopyTo(data.AsSpan(k));
            k += s.Asns.Length;
        }
        _data = data;
    }

    /// <summary>Adopts <paramref name="data"/> in the flat form (see the class remarks); the caller hands it over and has checked it.</summary>
    internal static AsPath FromFlat(uint[] data) => new(data);

    internal static uint Header(AsPathSegmentType type, int count) => (uint)type << 8 | (uint)count;

    /// <summary>A path of one AS_SEQUENCE (empty for no ASNs).</summary>
    public static AsPath FromSequence(params uint[] asns)
    {
        ArgumentNullException.ThrowIfNull(asns);
        if (asns.Length == 0) return Empty;
        var data = new uint[asns.Length + (asns.Length + 254) / 255];
        int k = 0;
        for (int i = 0; i < asns.Length; i += 255)
        {
            int n = Math.Min(255, asns.Length - i);
            data[k++] = Header(AsPathSegmentType.AsSequence, n);
            asns.AsSpan(i, n).CopyTo(data.AsSpan(k));
            k += n;
        }
        return new AsPath(data);
    }

    /// <summary>The segments as objects (allocates; <see cref="EnumerateSegments"/> does not).</summary>
    public ImmutableArray<AsPathSegment> Segments
    {
        get
        {
            if (_data is null) return [];
            var b = ImmutableArray.CreateBuilder<AsPathSegment>(SegmentCount);
            foreach (var s in EnumerateSegments()) b.Add(s.ToSegment());
            return b.MoveToImmutable();
        }
    }

    /// <summary>The segments in place, in order.</summary>
    public SegmentEnumerator EnumerateSegments() => new(_data);

    public int SegmentCount
    {
        get
        {
            int n = 0;
            foreach (var _ in EnumerateSegments()) n++;
            return n;
        }
    }

    public bool IsEmpty => _data is null;

    private static readonly object EmptyIdentity = new();

    /// <summary>
    /// An object standing for this path's storage, for caches keyed by identity (weak tables): the same for
    /// every copy of one path value (a path is shared by reference through interned attribute sets), not for
    /// equal paths built apart.
    /// </summary>
    public object Identity => (object?)_data ?? EmptyIdentity;

    /// <summary>The first segment's type and ASN count; (0, 0) for the empty path.</summary>
    public (AsPathSegmentType Type, int Count) Leading => _data is null ? (0, 0) : ((AsPathSegmentType)(_data[0] >> 8), (int)(_data[0] & 0xFF));

    /// <summary>
    /// Length for best-path selection (RFC 4271 §9.1.2.2 a): each AS_SEQUENCE ASN counts 1, an AS_SET
    /// counts 1, confederation segments count 0 (RFC 5065 §5.3).
    /// </summary>
    public int Length
    {
        get
        {
            int n = 0;
            foreach (var s in EnumerateSegments())
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
            foreach (var s in EnumerateSegments())
            {
                if (s.IsConfed) continue;
                return s.Type == AsPathSegmentType.AsSequence && s.Asns.Length > 0 ? s.Asns[0] : 0;
            }
            return 0;
        }
    }

    /// <summary>The first ASN of the leftmost segment whatever its type (used for "enforce-first-as"); 0 when empty.</summary>
    public uint LeftmostAs => _data is { Length: > 1 } d && (d[0] & 0xFF) > 0 ? d[1] : 0;

    /// <summary>The originating AS: last ASN of the path when the last segment is an AS_SEQUENCE; 0 otherwise.</summary>
    public uint OriginAs
    {
        get
        {
            uint origin = 0;
            foreach (var s in EnumerateSegments())
                origin = s.Type == AsPathSegmentType.AsSequence && s.Asns.Length > 0 ? s.Asns[^1] : 0;
            return origin;
        }
    }

    /// <summary>How often <paramref name="asn"/> appears (all segment types), for loop detection / allowas-in.</summary>
    public int Count(uint asn)
    {
        int n = 0;
        foreach (var s in EnumerateSegments())
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
            foreach (var s in EnumerateSegments()) n += s.Asns.Length;
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
        int keep = 0;
        bool any = false;
        foreach (var s in EnumerateSegments())
        {
            if (s.IsConfed) any = true;
            else keep += 1 + s.Asns.Length;
        }
        if (!any) return this;
        if (keep == 0) return Empty;
        var data = new uint[keep];
        int k = 0;
        foreach (var s in EnumerateSegments())
        {
            if (s.IsConfed) continue;
            data[k++] = Header(s.Type, s.Asns.Length);
            s.Asns.CopyTo(data.AsSpan(k));
            k += s.Asns.Length;
        }
        return new AsPath(data);
    }

    private AsPath PrependCore(AsPathSegmentType type, uint asn, int times)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(times);
        if (times == 0) return this;
        var old = _data.AsSpan();
        // Into the leading segment of that type while it has room (255 ASNs), the rest in new segments
        // of up to 255 in front of it.
        var (leadType, leadCount) = Leading;
        bool merge = leadType == type && _data is not null;
        int total = times + (merge ? leadCount : 0);
        int firstSegments = (total + 254) / 255;
        int restStart = merge ? 1 + leadCount : 0;
        var data = new uint[firstSegments + total + old.Length - restStart];
        // The leading group: `times` copies of asn, then the old leading segment's ASNs, in segments of
        // 255 from the front (the last one short).
        int k = 0, written = 0;
        for (int seg = 0; seg < firstSegments; seg++)
        {
            int n = Math.Min(255, total - written);
            data[k++] = Header(type, n);
            for (int i = 0; i < n; i++, written++)
                data[k++] = written < times ? asn : old[1 + written - times];
        }
        old[restStart..].CopyTo(data.AsSpan(k));
        return new AsPath(data);
    }

    /// <summary>True if any ASN does not fit 2 octets (then a 2-octet peer needs AS4_PATH).</summary>
    public bool HasFourOctetAsn
    {
        get
        {
            foreach (var s in EnumerateSegments())
                foreach (uint a in s.Asns)
                    if (a > ushort.MaxValue) return true;
            return false;
        }
    }

    public bool Equals(AsPath other) => ReferenceEquals(_data, other._data) || _data.AsSpan().SequenceEqual(other._data.AsSpan());

    public override bool Equals(object? obj) => obj is AsPath p && Equals(p);

    public override int GetHashCode()
    {
        var h = new HashCode();
        h.AddBytes(System.Runtime.InteropServices.MemoryMarshal.AsBytes(_data.AsSpan()));
        return h.ToHashCode();
    }

    public static bool operator ==(AsPath a, AsPath b) => a.Equals(b);
    public static bool operator !=(AsPath a, AsPath b) => !a.Equals(b);

    public override string ToString()
    {
        var sb = new StringBuilder();
        foreach (var s in EnumerateSegments())
        {
            if (sb.Length > 0) sb.Append(' ');
            (string open, string sep, string close) = s.Type switch
            {
                AsPathSegmentType.AsSet => ("{", ",", "}"),
                AsPathSegmentType.AsConfedSequence => ("(", " ", ")"),
                AsPathSegmentType.AsConfedSet => ("[", ",", "]"),
                _ => ("", " ", ""),
            };
            sb.Append(open);
            for (int i = 0; i < s.Asns.Length; i++)
            {
                if (i > 0) sb.Append(sep);
                sb.Append(s.Asns[i]);
            }
            sb.Append(close);
        }
        return sb.ToString();
    }

    /// <summary>Walks the flat form: a header word, then that many ASNs, until the end.</summary>
    public ref struct SegmentEnumerator
    {
        private readonly ReadOnlySpan<uint> _data;
        private int _next;
        private AsPathSegmentView _current;

        internal SegmentEnumerator(uint[]? data)
        {
            _data = data;
            _next = 0;
            _current = default;
        }

        public readonly AsPathSegmentView Current => _current;

        public readonly SegmentEnumerator GetEnumerator() => this;

        public bool MoveNext()
        {
            if (_next >= _data.Length) return false;
            uint h = _data[_next];
            int n = (int)(h & 0xFF);
            _current = new AsPathSegmentView((AsPathSegmentType)(h >> 8), _data.Slice(_next + 1, n));
            _next += 1 + n;
            return true;
        }
    }
}
